package microreg_test

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"testing"
	"time"

	microreg "github.com/microreg/microreg/bindings/go"
	"github.com/microreg/microreg/bindings/go/internal/testnet"
)

func TestRegisterGetListDeregister(t *testing.T) {
	r := newRegistry(t)
	name := uniqueName(t)
	s := service(name, "1.0.0", name+"-a", name+"-b")
	s.Metadata = map[string]string{"team": "core"}
	s.Endpoints = []*microreg.Endpoint{{
		Name:     "Greeter.Hello",
		Request:  &microreg.Value{Name: "Request", Type: "Request", Values: []*microreg.Value{{Name: "name", Type: "string"}}},
		Response: &microreg.Value{Name: "Response", Type: "Response"},
		Metadata: map[string]string{"stream": "false"},
	}}
	if err := r.Register(s, microreg.RegisterTTL(30*time.Second)); err != nil {
		t.Fatalf("Register: %v", err)
	}

	got, err := r.GetService(name)
	if err != nil {
		t.Fatalf("GetService: %v", err)
	}
	if len(got) != 1 {
		t.Fatalf("GetService: %d entries, want 1", len(got))
	}
	g := got[0]
	if g.Name != name || g.Version != "1.0.0" || g.Metadata["team"] != "core" {
		t.Errorf("service fields: %+v", g)
	}
	if got, want := canonicalJSON(g.Endpoints), canonicalJSON(s.Endpoints); got != want {
		t.Errorf("endpoints: got %s, want %s", got, want)
	}
	ids := nodeIDs(got)
	slices.Sort(ids)
	if !slices.Equal(ids, []string{name + "-a", name + "-b"}) {
		t.Errorf("nodes: %v", ids)
	}
	for _, n := range g.Nodes {
		want := s.Nodes[slices.IndexFunc(s.Nodes, func(m *microreg.Node) bool { return m.Id == n.Id })]
		if !reflect.DeepEqual(n, want) {
			t.Errorf("node: got %+v, want %+v", n, want)
		}
	}

	all, err := r.ListServices()
	if err != nil {
		t.Fatalf("ListServices: %v", err)
	}
	if !slices.ContainsFunc(all, func(x *microreg.Service) bool { return x.Name == name }) {
		t.Errorf("ListServices lacks %s", name)
	}

	// Deregistering one node leaves the other.
	if err := r.Deregister(service(name, "1.0.0", name+"-a")); err != nil {
		t.Fatalf("Deregister: %v", err)
	}
	// Eventually: a late watch event from the registration may show the node
	// for a moment (the cache orders its own writes and watch events loosely).
	testnet.Eventually(t, "one node left", func() error {
		got, err := r.GetService(name)
		if err != nil {
			return err
		}
		if ids := nodeIDs(got); !slices.Equal(ids, []string{name + "-b"}) {
			return fmt.Errorf("nodes %v", ids)
		}
		return nil
	})

	if err := r.Deregister(service(name, "1.0.0", name+"-b")); err != nil {
		t.Fatalf("Deregister: %v", err)
	}
	testnet.Eventually(t, "service gone", func() error {
		if _, err := r.GetService(name); !errors.Is(err, microreg.ErrNotFound) {
			return fmt.Errorf("GetService: %v, want ErrNotFound", err)
		}
		return nil
	})
	// Deregistering what is absent is not an error.
	if err := r.Deregister(service(name, "1.0.0", name+"-b")); err != nil {
		t.Errorf("second Deregister: %v", err)
	}
}

func TestVersionsAreSeparateEntries(t *testing.T) {
	r := newRegistry(t)
	name := uniqueName(t)
	for _, v := range []string{"1", "2"} {
		if err := r.Register(service(name, v, name+"-v"+v)); err != nil {
			t.Fatalf("Register %s: %v", v, err)
		}
	}
	got, err := r.GetService(name)
	if err != nil {
		t.Fatalf("GetService: %v", err)
	}
	var versions []string
	for _, s := range got {
		versions = append(versions, s.Version)
		if len(s.Nodes) != 1 || s.Nodes[0].Id != name+"-v"+s.Version {
			t.Errorf("version %s has nodes %v", s.Version, nodeIDs([]*microreg.Service{s}))
		}
	}
	slices.Sort(versions)
	if !slices.Equal(versions, []string{"1", "2"}) {
		t.Errorf("versions: %v", versions)
	}
}

func TestDomains(t *testing.T) {
	r := newRegistry(t)
	other := newRegistry(t, microreg.Domain("team"))
	name := uniqueName(t)

	if err := other.Register(service(name, "1", name+"-1")); err != nil {
		t.Fatalf("Register in the registry's domain: %v", err)
	}
	if err := r.Register(service(name, "1", name+"-2"), microreg.RegisterDomain("team")); err != nil {
		t.Fatalf("Register with RegisterDomain: %v", err)
	}
	if _, err := r.GetService(name); !errors.Is(err, microreg.ErrNotFound) {
		t.Errorf("GetService in default domain: %v, want ErrNotFound", err)
	}
	got, err := r.GetService(name, microreg.GetDomain("team"))
	if err != nil {
		t.Fatalf("GetService(GetDomain): %v", err)
	}
	if ids := nodeIDs(got); len(ids) != 2 {
		t.Errorf("team nodes: %v", ids)
	}
	if got, err = other.GetService(name); err != nil || len(nodeIDs(got)) != 2 {
		t.Errorf("GetService in the registry's own domain: %v %v", nodeIDs(got), err)
	}

	wild, err := r.GetService(name, microreg.GetDomain("*"))
	if err != nil {
		t.Fatalf("GetService(*): %v", err)
	}
	for _, s := range wild {
		for _, n := range s.Nodes {
			if n.Metadata["domain"] != "team" {
				t.Errorf("wildcard node %s has domain %q", n.Id, n.Metadata["domain"])
			}
		}
	}

	listed, err := r.ListServices(microreg.ListDomain("team"))
	if err != nil || !slices.ContainsFunc(listed, func(s *microreg.Service) bool { return s.Name == name }) {
		t.Errorf("ListServices(team) lacks %s: %v", name, err)
	}
	listed, err = r.ListServices()
	if err != nil || slices.ContainsFunc(listed, func(s *microreg.Service) bool { return s.Name == name }) {
		t.Errorf("ListServices(default) shows %s: %v", name, err)
	}

	if err := r.Deregister(service(name, "1", name+"-2"), microreg.DeregisterDomain("team")); err != nil {
		t.Fatalf("Deregister(team): %v", err)
	}
	// other's cache learns of the change through its watch.
	testnet.Eventually(t, "Deregister(team) seen by the team registry", func() error {
		if got, err := other.GetService(name); err != nil || !slices.Equal(nodeIDs(got), []string{name + "-1"}) {
			return fmt.Errorf("nodes %v, error %v", nodeIDs(got), err)
		}
		return nil
	})
}

func TestRegistrationLivesBeyondTTLUntilClose(t *testing.T) {
	owner, err := microreg.New(memory)
	if err != nil {
		t.Fatal(err)
	}
	observer := newRegistry(t, microreg.Cache(false))
	name := uniqueName(t)
	if err := owner.Register(service(name, "1", name+"-1"), microreg.RegisterTTL(300*time.Millisecond)); err != nil {
		t.Fatalf("Register: %v", err)
	}
	// Several TTLs later the node is still there: the library refreshes it.
	time.Sleep(1200 * time.Millisecond)
	if _, err := observer.GetService(name); err != nil {
		t.Fatalf("GetService after 4 TTLs: %v", err)
	}
	if err := owner.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	testnet.Eventually(t, "node gone after Close", func() error {
		if _, err := observer.GetService(name); !errors.Is(err, microreg.ErrNotFound) {
			return errors.New("still registered")
		}
		return nil
	})
}

func TestCloseIsIdempotentAndLaterCallsFail(t *testing.T) {
	r, err := microreg.New(memory)
	if err != nil {
		t.Fatal(err)
	}
	w, err := r.Watch()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	name := uniqueName(t)
	if err := r.Register(service(name, "1", name+"-1")); !errors.Is(err, microreg.ErrClosed) {
		t.Errorf("Register after Close: %v", err)
	}
	if _, err := r.GetService(name); !errors.Is(err, microreg.ErrClosed) {
		t.Errorf("GetService after Close: %v", err)
	}
	if _, err := r.ListServices(); !errors.Is(err, microreg.ErrClosed) {
		t.Errorf("ListServices after Close: %v", err)
	}
	if _, err := r.Watch(); !errors.Is(err, microreg.ErrClosed) {
		t.Errorf("Watch after Close: %v", err)
	}
	if err := r.Deregister(service(name, "1", name+"-1")); !errors.Is(err, microreg.ErrClosed) {
		t.Errorf("Deregister after Close: %v", err)
	}
	// Close stopped the watcher it made.
	if _, err := w.Next(); !errors.Is(err, microreg.ErrWatcherStopped) {
		t.Errorf("Next after Close: %v", err)
	}
}

// The finalizer is only a safety net, but it must work: a registry dropped
// without Close is released and its registrations go.
func TestFinalizerReleasesAForgottenRegistry(t *testing.T) {
	observer := newRegistry(t, microreg.Cache(false))
	name := uniqueName(t)
	func() {
		r, err := microreg.New(memory)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Register(service(name, "1", name+"-1")); err != nil {
			t.Fatal(err)
		}
	}()
	testnet.Eventually(t, "finalizer deregisters", func() error {
		runtime.GC()
		if _, err := observer.GetService(name); !errors.Is(err, microreg.ErrNotFound) {
			return errors.New("still registered")
		}
		return nil
	})
}

func TestStringAndVersion(t *testing.T) {
	if got := newRegistry(t).String(); got != "microreg/memory" {
		t.Errorf("String: %q", got)
	}
	cargo, err := os.ReadFile("../../Cargo.toml")
	if err != nil {
		t.Fatal(err)
	}
	want := regexp.MustCompile(`(?m)^version = "([^"]+)"`).FindSubmatch(cargo)
	if want == nil {
		t.Fatal("no version in Cargo.toml")
	}
	if got := microreg.Version(); got != string(want[1]) {
		t.Errorf("Version() = %q, Cargo.toml says %q", got, want[1])
	}
}

// The library refuses unknown configuration fields, so a registry made with
// every common option, and each backend's typed options resolved for it, prove
// that each one is spelt as the library expects.
func TestEveryOptionIsUnderstood(t *testing.T) {
	if _, err := microreg.ResolveConfig(microreg.Backend("mdns"), microreg.Interfaces("lo")); err != nil {
		t.Fatalf("mdns options: %v", err)
	}
	if _, err := microreg.ResolveConfig(microreg.Backend("etcd"), microreg.Addrs("127.0.0.1:2379")); err != nil {
		t.Fatalf("etcd options: %v", err)
	}
	r := newRegistry(t,
		microreg.Backend("memory"), microreg.Domain("options"), microreg.Timeout(500*time.Microsecond),
		microreg.Cache(false), microreg.CacheTTL(10*time.Second), microreg.DefaultRegisterTTL(time.Minute))
	name := uniqueName(t)
	s := service(name, "1", name+"-1")
	if err := r.Register(s, microreg.RegisterTTL(time.Minute), microreg.RegisterDomain("options")); err != nil {
		t.Fatalf("Register: %v", err)
	}
	if _, err := r.GetService(name); err != nil {
		t.Fatalf("GetService in the registry's domain: %v", err)
	}
	w, err := r.Watch(microreg.WatchService(name), microreg.WatchDomain("options"))
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	w.Stop()
	if err := r.Deregister(s, microreg.DeregisterDomain("options")); err != nil {
		t.Fatalf("Deregister: %v", err)
	}
	if _, err := r.GetService(name); !errors.Is(err, microreg.ErrNotFound) {
		t.Fatalf("GetService without the cache after Deregister: %v", err)
	}
}
