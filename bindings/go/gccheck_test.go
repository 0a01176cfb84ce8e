//go:build microreg_gccheck

package microreg

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync/atomic"
	"testing"
)

// Under the tag, an object that is unreachable when a checked call starts has
// been finalized by the time the call reaches C: what makes a missing
// runtime.KeepAlive a use-after-free on every run.
func TestGCCheckRunsFinalizersBeforeTheCall(t *testing.T) {
	for i := range 50 {
		var finalized atomic.Bool
		func() {
			owner := &sentinel{}
			runtime.SetFinalizer(owner, func(*sentinel) { finalized.Store(true) })
		}()
		maybeGC()
		if !finalized.Load() {
			t.Fatalf("round %d: the unreachable object was not finalized before the call", i)
		}
	}
}

// The same with a real handle: a registry dropped without Close is closed by
// its finalizer, deregistering its node, before the next checked call of
// another registry reaches the library.
func TestGCCheckClosesADroppedRegistryBeforeTheCall(t *testing.T) {
	name := fmt.Sprintf("gccheck-%d", os.Getpid())
	func() {
		dropped, err := New(Backend("memory"))
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		err = dropped.Register(&Service{Name: name, Version: "1.0.0",
			Nodes: []*Node{{Id: name + "-1", Address: "10.0.0.1:8080"}}})
		if err != nil {
			t.Fatalf("Register: %v", err)
		}
	}()
	r, err := New(Backend("memory"))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer r.Close()
	services, err := r.GetService(name)
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("GetService after the registry was dropped: %v, %v; want ErrNotFound", services, err)
	}
}
