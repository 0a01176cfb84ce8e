package microreg_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	microreg "github.com/microreg/microreg/bindings/go"
)

// Eight goroutines share one registry: each registers its own node of a common
// service, looks it up, lists, watches and deregisters, many times over.
func TestEightGoroutinesShareOneRegistry(t *testing.T) {
	r := newRegistry(t)
	name := uniqueName(t)
	const workers, rounds = 8, 50

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

	// Every worker left its node registered at the end.
	got, err := r.GetService(name)
	if err != nil {
		t.Fatalf("GetService: %v", err)
	}
	ids := nodeIDs(got)
	slices.Sort(ids)
	var want []string
	for i := range workers {
		want = append(want, fmt.Sprintf("%s-%d", name, i))
	}
	if !slices.Equal(ids, want) {
		t.Fatalf("nodes: %v, want %v", ids, want)
	}
}

func worker(r *microreg.Registry, name string, i, rounds int) error {
	node := fmt.Sprintf("%s-%d", name, i)
	mine := service(name, "1", node)
	w, err := r.Watch(microreg.WatchService(name))
	if err != nil {
		return err
	}
	defer w.Stop()
	for round := range rounds {
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
		if round%2 == 0 {
			if err := r.Deregister(mine); err != nil {
				return fmt.Errorf("worker %d round %d: Deregister: %w", i, round, err)
			}
		}
	}
	// The watch saw events; drain one to prove it works under load.
	if _, err := w.Next(); err != nil && !errors.Is(err, microreg.ErrWatcherStopped) {
		return fmt.Errorf("worker %d: Next: %w", i, err)
	}
	return r.Register(mine)
}
