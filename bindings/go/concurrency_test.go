package microreg_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	microreg "github.com/microreg/microreg/bindings/go"
	"github.com/microreg/microreg/bindings/go/internal/testnet"
)

// Eight goroutines share one registry: each registers its own nodes of a common
// service, looks them up, lists, watches and deregisters, many times over.
//
// Each round registers a fresh node id and deregisters the previous one: the
// cache applies the backend's watch events after the registry's own writes, so
// a late event about a node id that was just deregistered and registered again
// can hide it for a moment (reported to the core).
func TestEightGoroutinesShareOneRegistry(t *testing.T) {
	t.Run("backend=memory", func(t *testing.T) { eightGoroutines(t, newRegistry(t), 50) })
	t.Run("backend=mdns", func(t *testing.T) { eightGoroutines(t, testnet.NewMdns(t), 10) })
}

func eightGoroutines(t *testing.T, r *microreg.Registry, rounds int) {
	name := uniqueName(t)
	const workers = 8

	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- worker(r, name, i, rounds)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}

	// Every worker left exactly its last node registered; late watch events
	// settle.
	var want []string
	for i := range workers {
		want = append(want, nodeID(name, i, rounds-1))
	}
	slices.Sort(want)
	testnet.Eventually(t, "the last node of each worker", func() error {
		got, err := r.GetService(name)
		if err != nil {
			return err
		}
		ids := nodeIDs(got)
		slices.Sort(ids)
		if !slices.Equal(ids, want) {
			return fmt.Errorf("nodes %v, want %v", ids, want)
		}
		return nil
	})
}

func nodeID(name string, worker, round int) string {
	return fmt.Sprintf("%s-%d-%d", name, worker, round)
}

func worker(r *microreg.Registry, name string, i, rounds int) error {
	w, err := r.Watch(microreg.WatchService(name))
	if err != nil {
		return err
	}
	defer w.Stop()
	var previous *microreg.Service
	for round := range rounds {
		node := nodeID(name, i, round)
		mine := service(name, "1", node)
		if err := r.Register(mine); err != nil {
			return fmt.Errorf("worker %d round %d: Register: %w", i, round, err)
		}
		got, err := r.GetService(name)
		if err != nil {
			return fmt.Errorf("worker %d round %d: GetService: %w", i, round, err)
		}
		if !slices.Contains(nodeIDs(got), node) {
			return fmt.Errorf("worker %d round %d: own node missing from %v", i, round, nodeIDs(got))
		}
		if _, err := r.ListServices(); err != nil {
			return fmt.Errorf("worker %d round %d: ListServices: %w", i, round, err)
		}
		if previous != nil {
			if err := r.Deregister(previous); err != nil {
				return fmt.Errorf("worker %d round %d: Deregister: %w", i, round, err)
			}
		}
		previous = mine
	}
	// The watch saw events under load.
	if _, err := w.Next(); err != nil {
		return fmt.Errorf("worker %d: Next: %w", i, err)
	}
	return nil
}
