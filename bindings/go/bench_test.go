package microreg_test

import (
	"testing"

	microreg "github.com/microreg/microreg/bindings/go"
	"github.com/microreg/microreg/bindings/go/internal/testnet"
)

// BenchmarkGetService: GetService of a 3-node service on a warm cache, the
// whole path (cgo call, library lookup, JSON both ways, Go values out).
// Target: at most 3 µs per call. go-micro's own mdns GetService, for
// comparison, is in the gomicro module's benchmark.
func BenchmarkGetService(b *testing.B) {
	b.Run("backend=memory", func(b *testing.B) { benchGetService(b, newRegistry(b)) })
	b.Run("backend=mdns", func(b *testing.B) { benchGetService(b, testnet.NewMdns(b)) })
}

func benchGetService(b *testing.B, r *microreg.Registry) {
	name := uniqueName(b)
	s := service(name, "1.0.0", name+"-1", name+"-2", name+"-3")
	for _, n := range s.Nodes {
		n.Address = "127.0.0.1" + n.Address[len("10.0.0.1"):]
	}
	if err := r.Register(s); err != nil {
		b.Fatal(err)
	}
	testnet.Eventually(b, "three nodes visible", func() error { // warms the cache
		got, err := r.GetService(name)
		if err == nil && len(nodeIDs(got)) != 3 {
			return errNotYet
		}
		return err
	})
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := r.GetService(name); err != nil {
			b.Fatal(err)
		}
	}
}
