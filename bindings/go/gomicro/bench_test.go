package gomicro_test

import (
	"fmt"
	"testing"

	microreg "github.com/microreg/microreg/bindings/go"
	"github.com/microreg/microreg/bindings/go/gomicro"
	"github.com/microreg/microreg/bindings/go/internal/testnet"
	"go-micro.dev/v5/registry"
)

// BenchmarkGetService: GetService of a 3-node service, microreg (warm cache)
// beside go-micro's own mdns registry, in one run. go-micro's mdns lookup waits
// its whole timeout (100 ms) on every call; microreg answers from its cache.
func BenchmarkGetService(b *testing.B) {
	b.Run("microreg/backend=memory", func(b *testing.B) {
		benchGetService(b, newAdapter(b))
	})
	b.Run("microreg/backend=mdns", func(b *testing.B) {
		_ = testnet.NewMdns(b).Close() // skips while the backend is missing
		benchGetService(b, newAdapter(b, gomicro.With(microreg.Backend("mdns"))))
	})
	b.Run("go-micro/mdns", func(b *testing.B) {
		testnet.RequireIsolated(b)
		owner := registry.NewRegistry()
		benchGetServiceWith(b, owner, registry.NewRegistry())
	})
}

func benchGetService(b *testing.B, r registry.Registry) { benchGetServiceWith(b, r, r) }

// benchGetServiceWith registers a 3-node service with owner and times lookups
// through reader, once all three nodes are visible (the cache is warm).
func benchGetServiceWith(b *testing.B, owner, reader registry.Registry) {
	name := uniqueName("bench")
	s := &registry.Service{Name: name, Version: "1.0.0"}
	for i := 1; i <= 3; i++ {
		s.Nodes = append(s.Nodes, &registry.Node{
			Id:       fmt.Sprintf("%s-%d", name, i),
			Address:  fmt.Sprintf("127.0.0.1:%d", 9000+i),
			Metadata: map[string]string{"protocol": "mucp"},
		})
	}
	if err := owner.Register(s); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = owner.Deregister(s) })
	testnet.Eventually(b, "three nodes visible", func() error {
		got, err := reader.GetService(name)
		if err != nil {
			return err
		}
		if len(got) != 1 || len(got[0].Nodes) != 3 {
			return fmt.Errorf("%d entries", len(got))
		}
		return nil
	})
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := reader.GetService(name); err != nil {
			b.Fatal(err)
		}
	}
}
