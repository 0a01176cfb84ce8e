package gomicro_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	microreg "github.com/microreg/microreg/bindings/go"
	"github.com/microreg/microreg/bindings/go/gomicro"
	"github.com/microreg/microreg/bindings/go/internal/testnet"
	"go-micro.dev/v5/registry"
)

var serial atomic.Int64

func uniqueName(prefix string) string {
	return fmt.Sprintf("%s-%d-%d", prefix, os.Getpid(), serial.Add(1))
}

func newAdapter(t testing.TB, opts ...registry.Option) *gomicro.Registry {
	t.Helper()
	// The memory backend unless the test names another (mdns, the default,
	// opens network sockets).
	r, err := gomicro.New(append([]registry.Option{gomicro.With(microreg.Backend("memory"))}, opts...)...)
	if err != nil {
		t.Fatalf("gomicro.New: %v", err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

func fullService(name string) *registry.Service {
	return &registry.Service{
		Name:     name,
		Version:  "1.0.0",
		Metadata: map[string]string{"team": "core"},
		Endpoints: []*registry.Endpoint{{
			Name: "Greeter.Hello",
			Request: &registry.Value{Name: "Request", Type: "Request", Values: []*registry.Value{
				{Name: "name", Type: "string"},
			}},
			Response: &registry.Value{Name: "Response", Type: "Response"},
			Metadata: map[string]string{"stream": "false"},
		}},
		Nodes: []*registry.Node{
			{Id: name + "-1", Address: "10.0.0.1:8080", Metadata: map[string]string{"protocol": "mucp"}},
		},
	}
}

// Both models write the same JSON: go-micro's document goes through microreg's
// types unchanged.
func TestJSONMatchesGoMicro(t *testing.T) {
	original, err := json.Marshal(fullService("json"))
	if err != nil {
		t.Fatal(err)
	}
	var ours microreg.Service
	if err := json.Unmarshal(original, &ours); err != nil {
		t.Fatal(err)
	}
	again, err := json.Marshal(&ours)
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(original) {
		t.Fatalf("JSON differs:\n go-micro: %s\n microreg: %s", original, again)
	}
}

func TestAdapterRegisterGetListWatchDeregister(t *testing.T) {
	r := newAdapter(t)
	name := uniqueName("adapter")
	w, err := r.Watch(registry.WatchService(name))
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	s := fullService(name)
	if err := r.Register(s, registry.RegisterTTL(30*time.Second)); err != nil {
		t.Fatalf("Register: %v", err)
	}
	got, err := r.GetService(name)
	if err != nil {
		t.Fatalf("GetService: %v", err)
	}
	if len(got) != 1 || !reflect.DeepEqual(got[0], s) {
		t.Fatalf("GetService: %+v, want %+v", got, s)
	}
	listed, err := r.ListServices()
	if err != nil {
		t.Fatalf("ListServices: %v", err)
	}
	found := false
	for _, l := range listed {
		found = found || l.Name == name
	}
	if !found {
		t.Errorf("ListServices lacks %s", name)
	}

	res, err := w.Next()
	if err != nil || res.Action != "create" || res.Service.Name != name || res.Service.Nodes[0].Id != name+"-1" {
		t.Fatalf("Next: %+v %v", res, err)
	}
	if err := r.Deregister(s); err != nil {
		t.Fatalf("Deregister: %v", err)
	}
	res, err = w.Next()
	if err != nil || res.Action != "delete" {
		t.Fatalf("Next after Deregister: %+v %v", res, err)
	}
	// go-micro compares these with ==: the adapter must return its sentinels.
	testnet.Eventually(t, "registry.ErrNotFound after Deregister", func() error {
		if _, err := r.GetService(name); err != registry.ErrNotFound { //nolint:errorlint // the point of the test
			return fmt.Errorf("GetService: %v, want registry.ErrNotFound itself", err)
		}
		return nil
	})
	w.Stop()
	if _, err := w.Next(); err != registry.ErrWatcherStopped { //nolint:errorlint // the point of the test
		t.Errorf("Next after Stop: %v, want registry.ErrWatcherStopped itself", err)
	}
}

func TestAdapterReportsOpeningErrors(t *testing.T) {
	r := gomicro.NewRegistry(gomicro.With(microreg.Backend("nope")))
	err := r.Register(fullService(uniqueName("broken")))
	if !errors.Is(err, microreg.ErrInvalidArgument) {
		t.Fatalf("Register on a registry that failed to open: %v", err)
	}
	if _, err := gomicro.New(gomicro.With(microreg.Backend("memory")), registry.Timeout(-time.Second)); !errors.Is(err, microreg.ErrInvalidArgument) {
		t.Fatalf("negative timeout: %v", err)
	}
	if _, err := r.GetService("x"); err == nil {
		t.Fatal("GetService succeeded on a broken registry")
	}
}

func TestAdapterInitReopens(t *testing.T) {
	r := newAdapter(t)
	if err := r.Init(gomicro.With(microreg.Domain("reopened"))); err != nil {
		t.Fatalf("Init: %v", err)
	}
	name := uniqueName("init")
	if err := r.Register(fullService(name)); err != nil {
		t.Fatal(err)
	}
	other := newAdapter(t, gomicro.With(microreg.Domain("reopened")))
	if _, err := other.GetService(name); err != nil {
		t.Fatalf("the reopened registry did not use the new domain: %v", err)
	}
	if r.String() != "microreg" {
		t.Errorf("String: %q", r.String())
	}
}
