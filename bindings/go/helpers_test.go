package microreg_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	microreg "github.com/microreg/microreg/bindings/go"
)

// The memory backend is shared by every registry of the process: each test
// names its services uniquely.
var serial atomic.Int64

func uniqueName(t testing.TB) string {
	name := strings.NewReplacer("/", "-", "_", "-").Replace(strings.ToLower(t.Name()))
	return fmt.Sprintf("%s-%d-%d", name, os.Getpid(), serial.Add(1))
}

// memory is the in-process backend every test uses unless it names mdns (the
// library's default, which opens network sockets).
var memory = microreg.Backend("memory")

// newRegistry opens a memory-backend registry, closed at the end of the test.
func newRegistry(t testing.TB, opts ...microreg.Option) *microreg.Registry {
	t.Helper()
	r, err := microreg.New(append([]microreg.Option{memory}, opts...)...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

func service(name, version string, nodes ...string) *microreg.Service {
	s := &microreg.Service{Name: name, Version: version}
	for i, id := range nodes {
		s.Nodes = append(s.Nodes, &microreg.Node{
			Id:       id,
			Address:  fmt.Sprintf("10.0.0.%d:%d", i+1, 8080+i),
			Metadata: map[string]string{"node": id},
		})
	}
	return s
}

// nextWithin is w.Next with a deadline, so a missing event fails the test
// instead of hanging it.
func nextWithin(t testing.TB, w *microreg.Watcher) *microreg.Result {
	t.Helper()
	type answer struct {
		r   *microreg.Result
		err error
	}
	ch := make(chan answer, 1)
	go func() {
		r, err := w.Next()
		ch <- answer{r, err}
	}()
	select {
	case a := <-ch:
		if a.err != nil {
			t.Fatalf("Next: %v", a.err)
		}
		return a.r
	case <-time.After(20 * time.Second):
		t.Fatalf("Next: no event within 20 s")
		return nil
	}
}

func nodeIDs(services []*microreg.Service) []string {
	var ids []string
	for _, s := range services {
		for _, n := range s.Nodes {
			ids = append(ids, n.Id)
		}
	}
	return ids
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

var errNotYet = errors.New("not yet")

// canonicalJSON is v's JSON with Go's null for an empty list or map written as
// the library writes it ([] and {}), so that equal values compare equal.
func canonicalJSON(v any) string {
	return strings.NewReplacer(
		`"values":null`, `"values":[]`, `"nodes":null`, `"nodes":[]`,
		`"endpoints":null`, `"endpoints":[]`, `"metadata":null`, `"metadata":{}`,
	).Replace(mustJSON(v))
}
