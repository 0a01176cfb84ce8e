package microreg_test

import (
	"errors"
	"testing"
	"time"

	microreg "github.com/microreg/microreg/bindings/go"
)

func TestWatchCreateUpdateDelete(t *testing.T) {
	r := newRegistry(t)
	name := uniqueName(t)
	w, err := r.Watch(microreg.WatchService(name))
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	defer w.Stop()
	// Events of another service must not reach this watcher.
	if err := r.Register(service(uniqueName(t), "1", "other-1")); err != nil {
		t.Fatal(err)
	}

	s := service(name, "1", name+"-1")
	if err := r.Register(s); err != nil {
		t.Fatal(err)
	}
	expect(t, nextWithin(t, w), microreg.Create, name, name+"-1")

	s.Nodes[0].Metadata = map[string]string{"changed": "yes"}
	if err := r.Register(s); err != nil {
		t.Fatal(err)
	}
	res := nextWithin(t, w)
	expect(t, res, microreg.Update, name, name+"-1")
	if res.Service.Nodes[0].Metadata["changed"] != "yes" {
		t.Errorf("update carries metadata %v", res.Service.Nodes[0].Metadata)
	}

	if err := r.Deregister(s); err != nil {
		t.Fatal(err)
	}
	res = nextWithin(t, w)
	expect(t, res, microreg.Delete, name, name+"-1")
	if res.Timestamp.IsZero() || time.Since(res.Timestamp) > time.Hour {
		t.Errorf("timestamp %v", res.Timestamp)
	}
}

func expect(t *testing.T, r *microreg.Result, action microreg.Action, service, node string) {
	t.Helper()
	if r.Action != action || r.Service == nil || r.Service.Name != service ||
		len(r.Service.Nodes) != 1 || r.Service.Nodes[0].Id != node {
		t.Fatalf("event %+v (service %+v), want %s of %s/%s", r, r.Service, action, service, node)
	}
}

func TestWatchAllServicesAndResultsChannel(t *testing.T) {
	r := newRegistry(t)
	w, err := r.Watch()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{uniqueName(t): true, uniqueName(t): true}
	for name := range names {
		if err := r.Register(service(name, "1", name+"-1")); err != nil {
			t.Fatal(err)
		}
	}
	timeout := time.After(20 * time.Second)
	for len(names) > 0 {
		select {
		case res := <-w.Results():
			if res.Action == microreg.Create {
				delete(names, res.Service.Name)
			}
		case <-timeout:
			t.Fatalf("no create event for %v", names)
		}
	}
	w.Stop()
	select {
	case _, open := <-drain(w.Results()):
		if open {
			t.Fatal("drain reported an open channel")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Results not closed after Stop")
	}
}

// drain reads until ch closes, then reports it closed.
func drain(ch <-chan *microreg.Result) <-chan *microreg.Result {
	out := make(chan *microreg.Result)
	go func() {
		for range ch {
		}
		close(out)
	}()
	return out
}

func TestStopUnblocksNext(t *testing.T) {
	r := newRegistry(t)
	w, err := r.Watch(microreg.WatchService(uniqueName(t)))
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 1)
	go func() {
		_, err := w.Next()
		errs <- err
	}()
	time.Sleep(50 * time.Millisecond)
	w.Stop()
	w.Stop() // twice is fine
	select {
	case err := <-errs:
		if !errors.Is(err, microreg.ErrWatcherStopped) {
			t.Fatalf("blocked Next returned %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Stop did not unblock Next")
	}
	_, err = w.Next()
	if !errors.Is(err, microreg.ErrWatcherStopped) || err.Error() != "microreg: watcher stopped" {
		t.Fatalf("Next after Stop: %v", err)
	}
}
