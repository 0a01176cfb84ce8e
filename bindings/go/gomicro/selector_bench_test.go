package gomicro_test

import (
	"fmt"
	"testing"

	"github.com/microreg/microreg/bindings/go/gomicro"
	"github.com/microreg/microreg/bindings/go/internal/testnet"
	"go-micro.dev/v5/registry"
	"go-micro.dev/v5/selector"
)

// BenchmarkSelect: Select + Next() of a 10-node service, microreg's selector
// (warm cache) beside go-micro's default selector on go-micro's registry
// cache (over its memory registry), in one run. Part of `make bench-select`.
func BenchmarkSelect(b *testing.B) {
	b.Run("microreg/Select+Next", func(b *testing.B) {
		reg := newAdapter(b)
		benchSelect(b, reg, gomicro.NewSelector(selector.Registry(reg)))
	})
	b.Run("go-micro/Select+Next", func(b *testing.B) {
		reg := registry.NewMemoryRegistry()
		benchSelect(b, reg, selector.NewSelector(selector.Registry(reg)))
	})
}

func benchSelect(b *testing.B, reg registry.Registry, sel selector.Selector) {
	b.Cleanup(func() { _ = sel.Close() })
	name := uniqueName("bench")
	s := &registry.Service{Name: name, Version: "1.0.0"}
	for i := range 10 {
		s.Nodes = append(s.Nodes, &registry.Node{
			Id:      fmt.Sprintf("%s-%02d", name, i),
			Address: fmt.Sprintf("10.0.0.%d:8080", i),
			Metadata: map[string]string{"broker": "http", "protocol": "grpc", "registry": "mdns",
				"server": "grpc", "transport": "grpc"},
		})
	}
	if err := reg.Register(s); err != nil {
		b.Fatal(err)
	}
	for _, strategy := range []struct {
		name string
		fn   selector.Strategy
	}{{"random", selector.Random}, {"round_robin", selector.RoundRobin}} {
		b.Run(strategy.name, func(b *testing.B) {
			if _, err := sel.Select(name); err != nil { // warms the cache
				b.Fatal(err)
			}
			b.ReportAllocs()
			cpu := testnet.CPUTime()
			for b.Loop() {
				next, err := sel.Select(name, selector.WithStrategy(strategy.fn))
				if err != nil {
					b.Fatal(err)
				}
				if _, err := next(); err != nil {
					b.Fatal(err)
				}
			}
			testnet.ReportCPU(b, cpu)
		})
	}
}
