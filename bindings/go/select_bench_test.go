package microreg_test

import (
	"fmt"
	"testing"

	microreg "github.com/microreg/microreg/bindings/go"
	"github.com/microreg/microreg/bindings/go/internal/testnet"
)

// tenNodes registers a 10-node service with go-micro-like node metadata.
func tenNodes(b *testing.B, r *microreg.Registry) string {
	name := uniqueName(b)
	s := &microreg.Service{Name: name, Version: "1.0.0"}
	for i := range 10 {
		s.Nodes = append(s.Nodes, &microreg.Node{
			Id:      fmt.Sprintf("%s-%02d", name, i),
			Address: fmt.Sprintf("10.0.0.%d:8080", i),
			Metadata: map[string]string{"broker": "http", "protocol": "grpc", "registry": "mdns",
				"server": "grpc", "transport": "grpc"},
		})
	}
	if err := r.Register(s); err != nil {
		b.Fatal(err)
	}
	if _, err := r.Select(name); err != nil { // warms the cache
		b.Fatal(err)
	}
	return name
}

// BenchmarkSelect: one node of a 10-node service on a warm cache, the whole
// path (cgo call, the library's choice, the node's JSON, a Go Node out).
// Target: at most 1 µs. go-micro's own selector is in the gomicro module's
// BenchmarkSelect. Part of `make bench-select`.
func BenchmarkSelect(b *testing.B) {
	r := newRegistry(b)
	name := tenNodes(b, r)
	b.Run("Selector.Next/random", func(b *testing.B) {
		s, _ := r.NewSelector(name)
		benchNext(b, s.Next)
	})
	b.Run("Selector.Next/round_robin", func(b *testing.B) {
		s, _ := r.NewSelector(name, microreg.SelectStrategy(microreg.RoundRobin))
		benchNext(b, s.Next)
	})
	b.Run("Registry.Select/round_robin", func(b *testing.B) {
		benchNext(b, func() (*microreg.Node, error) {
			return r.Select(name, microreg.SelectStrategy(microreg.RoundRobin))
		})
	})
}

func benchNext(b *testing.B, next func() (*microreg.Node, error)) {
	b.ReportAllocs()
	b.ResetTimer()
	cpu := testnet.CPUTime()
	for range b.N {
		if _, err := next(); err != nil {
			b.Fatal(err)
		}
	}
	testnet.ReportCPU(b, cpu)
}
