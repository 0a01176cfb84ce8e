//go:build microreg_gccheck

package microreg

import (
	"runtime"
	"time"
)

// With -tags microreg_gccheck (make test-go), every call that hands a live
// handle to C (Registry.use, a watcher's poll) first collects garbage and runs
// the finalizers that collection queued, as wasmtime-go does under its `debug`
// tag. Freeing and stopping do not: they run from Registry's finalizer, which
// cannot wait for the finalizer goroutine. A Go object that owns a handle
// and is no longer reachable (a missing runtime.KeepAlive, a lock released too
// early) is then finalized, and its handle freed, before the C call uses the
// handle: a use-after-free every time, instead of once in a million calls.
// It slows each call by two collections; never use it in production builds.

// finalizerWait bounds the wait for the finalizer goroutine: beyond it, a
// finalizer is blocked, which is a bug of its own.
const finalizerWait = 30 * time.Second

func maybeGC() {
	// Finalizers run on one goroutine, batch after batch; a collection queues
	// what it found unreachable together with the first sentinel, possibly in
	// the batch that is running. The second sentinel is queued after the first
	// ran, so it runs in a later batch: once it has, every finalizer queued by
	// the first collection has returned.
	runSentinelFinalizer()
	runSentinelFinalizer()
}

// sentinel has a pointer field, so it is never a tiny allocation (a tiny
// allocation's finalizer may never run).
type sentinel struct{ _ *byte }

// runSentinelFinalizer collects garbage and returns once a finalizer queued
// by that collection has run.
func runSentinelFinalizer() {
	ran := make(chan struct{})
	func() {
		s := &sentinel{}
		runtime.SetFinalizer(s, func(*sentinel) { close(ran) })
	}()
	runtime.GC()
	select {
	case <-ran:
	case <-time.After(finalizerWait):
		panic("microreg_gccheck: finalizers did not run within 30 s (a finalizer is blocked, or this call runs inside one)")
	}
}
