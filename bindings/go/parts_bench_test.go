package microreg

import (
	"fmt"
	"testing"
)

// BenchmarkGetServiceParts splits a warm GetService (3 nodes, memory backend)
// into the C call alone (library lookup and JSON, cgo) and the whole Go call,
// so the Go side's share is visible in one run.
func BenchmarkGetServiceParts(b *testing.B) {
	r, err := New(Backend("memory"))
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	name := fmt.Sprintf("parts-%p", r)
	s := &Service{Name: name, Version: "1.0.0"}
	for i := 1; i <= 3; i++ {
		s.Nodes = append(s.Nodes, &Node{
			Id: fmt.Sprintf("%s-%d", name, i), Address: fmt.Sprintf("127.0.0.1:%d", 9000+i),
			Metadata: map[string]string{"protocol": "mucp"},
		})
	}
	if err := r.Register(s); err != nil {
		b.Fatal(err)
	}
	if _, err := r.GetService(name); err != nil { // warms the cache
		b.Fatal(err)
	}
	b.Run("c-call", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			err := r.use(func(h cRegistry) error {
				return cGetService(h, name, nil, func([]byte) error { return nil })
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("whole", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if _, err := r.GetService(name); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSelectParts splits a warm Selector.Next (10 nodes, memory backend)
// into the C call alone (the library's choice, the node's JSON, cgo) and the
// whole Go call (plus finding the decoded node and copying it out).
func BenchmarkSelectParts(b *testing.B) {
	r, err := New(Backend("memory"))
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	name := fmt.Sprintf("select-parts-%p", r)
	s := &Service{Name: name, Version: "1.0.0"}
	for i := range 10 {
		s.Nodes = append(s.Nodes, &Node{
			Id: fmt.Sprintf("%s-%02d", name, i), Address: fmt.Sprintf("10.0.0.%d:8080", i),
			Metadata: map[string]string{"broker": "http", "protocol": "grpc", "registry": "mdns",
				"server": "grpc", "transport": "grpc"},
		})
	}
	if err := r.Register(s); err != nil {
		b.Fatal(err)
	}
	sel, err := r.NewSelector(name, SelectStrategy(RoundRobin))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := sel.Next(); err != nil { // warms the cache
		b.Fatal(err)
	}
	b.Run("c-call", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			err := r.use(func(h cRegistry) error {
				return cSelect(h, name, sel.options, func([]byte) error { return nil })
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("whole", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if _, err := sel.Next(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
