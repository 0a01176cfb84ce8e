package microreg_test

import (
	"errors"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	microreg "github.com/microreg/microreg/bindings/go"
)

// greeters registers two versions of one service: nodes a, b (1.2.0, zones
// eu/us, endpoint Greeter.Hello) and c (2.0.0, zone eu).
func greeters(t testing.TB, r *microreg.Registry) (name string, ids [3]string) {
	t.Helper()
	name = uniqueName(t)
	ids = [3]string{name + "-a", name + "-b", name + "-c"}
	v1 := service(name, "1.2.0", ids[0], ids[1])
	v1.Nodes[0].Metadata["zone"], v1.Nodes[1].Metadata["zone"] = "eu", "us"
	v1.Endpoints = []*microreg.Endpoint{{Name: "Greeter.Hello"}}
	v2 := service(name, "2.0.0", ids[2])
	v2.Nodes[0].Metadata["zone"] = "eu"
	for _, s := range []*microreg.Service{v1, v2} {
		if err := r.Register(s); err != nil {
			t.Fatalf("Register: %v", err)
		}
	}
	return name, ids
}

// reachable is every node id a round-robin selection with opts returns.
func reachable(t testing.TB, r *microreg.Registry, name string, opts ...microreg.SelectOption) []string {
	t.Helper()
	s, err := r.NewSelector(name, append(opts, microreg.SelectStrategy(microreg.RoundRobin))...)
	if err != nil {
		t.Fatalf("NewSelector: %v", err)
	}
	seen := map[string]bool{}
	for range 12 {
		n, err := s.Next()
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		seen[n.Id] = true
	}
	var ids []string
	for id := range seen {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

func TestSelectFilters(t *testing.T) {
	r := newRegistry(t)
	name, id := greeters(t, r)
	for _, c := range []struct {
		opts []microreg.SelectOption
		want []string
	}{
		{nil, []string{id[0], id[1], id[2]}},
		{[]microreg.SelectOption{microreg.SelectVersion("1.2.0")}, []string{id[0], id[1]}},
		{[]microreg.SelectOption{microreg.SelectVersion("^2")}, []string{id[2]}},
		{[]microreg.SelectOption{microreg.SelectLabel("zone", "eu")}, []string{id[0], id[2]}},
		{[]microreg.SelectOption{microreg.SelectEndpoint("Greeter.Hello")}, []string{id[0], id[1]}},
		{[]microreg.SelectOption{microreg.SelectVersion(">=1, <2"), microreg.SelectLabel("zone", "us")}, []string{id[1]}},
	} {
		if got := reachable(t, r, name, c.opts...); strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("reachable = %v, want %v", got, c.want)
		}
	}
	n, err := r.Select(name, microreg.SelectVersion("2.0.0"))
	if err != nil {
		t.Fatalf("Select: %v", err)
	}
	if n.Id != id[2] || n.Address != "10.0.0.1:8080" || n.Metadata["zone"] != "eu" {
		t.Errorf("Select = %+v", n)
	}
}

func TestSelectRoundRobinIsFairAcrossGoroutines(t *testing.T) {
	r := newRegistry(t)
	name, id := greeters(t, r)
	s, err := r.NewSelector(name, microreg.SelectStrategy(microreg.RoundRobin))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	counts := map[string]int{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := map[string]int{}
			for range 300 {
				n, err := s.Next()
				if err != nil {
					t.Error(err)
					return
				}
				mine[n.Id]++
			}
			mu.Lock()
			defer mu.Unlock()
			for k, v := range mine {
				counts[k] += v
			}
		}()
	}
	wg.Wait()
	for _, want := range id {
		if counts[want] != 800 {
			t.Errorf("counts = %v, want 800 each", counts)
		}
	}
}

func TestMarkSteersSelection(t *testing.T) {
	r := newRegistry(t)
	name, id := greeters(t, r)
	if err := r.Mark(id[0], errors.New("connection refused")); err != nil {
		t.Fatalf("Mark: %v", err)
	}
	if got := reachable(t, r, name); strings.Join(got, ",") != id[1]+","+id[2] {
		t.Errorf("after a failure: %v", got)
	}
	// The only node left is used even while it backs off.
	if got := reachable(t, r, name, microreg.SelectLabel("zone", "eu"), microreg.SelectVersion("1.2.0")); len(got) != 1 || got[0] != id[0] {
		t.Errorf("only node left: %v", got)
	}
	if err := r.Mark(id[0], nil); err != nil {
		t.Fatalf("Mark: %v", err)
	}
	if got := reachable(t, r, name); len(got) != 3 {
		t.Errorf("after a success: %v", got)
	}
}

func TestSelectErrors(t *testing.T) {
	r := newRegistry(t)
	name, _ := greeters(t, r)
	_, err := r.Select(name, microreg.SelectVersion("^3"))
	if !errors.Is(err, microreg.ErrNotFound) || !strings.Contains(err.Error(), "passes version ^3") {
		t.Errorf("no match: %v", err)
	}
	if _, err := r.Select("nobody-" + name); !errors.Is(err, microreg.ErrNotFound) {
		t.Errorf("unknown service: %v", err)
	}
	for _, c := range []struct {
		call func() error
		says string
	}{
		{func() error { _, err := r.Select(name, microreg.SelectStrategy("fastest")); return err }, "unknown selection strategy"},
		{func() error { _, err := r.Select(name, microreg.SelectVersion(">=x")); return err }, "semver range"},
		{func() error { _, err := r.Select(""); return err }, "service name is empty"},
		{func() error { _, err := r.Select("a\x00b"); return err }, "NUL"},
		{func() error { return r.Mark("", nil) }, "node id is empty"},
		{func() error { return r.Mark("a\x00b", nil) }, "NUL"},
	} {
		err := c.call()
		if !errors.Is(err, microreg.ErrInvalidArgument) || !strings.Contains(err.Error(), c.says) {
			t.Errorf("want an invalid argument saying %q, got %v", c.says, err)
		}
	}
	_ = r.Close()
	if _, err := r.Select(name); !errors.Is(err, microreg.ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
}

// Selections of one node share their decoding (the library answers with the
// same JSON), never the node: each caller may change its own.
func TestSelectedNodesAreTheCallersOwn(t *testing.T) {
	r := newRegistry(t)
	name := uniqueName(t)
	if err := r.Register(service(name, "1.0.0", name+"-a")); err != nil {
		t.Fatal(err)
	}
	s, err := r.NewSelector(name)
	if err != nil {
		t.Fatal(err)
	}
	first, err := s.Next()
	if err != nil {
		t.Fatalf("Next: %v", err)
	}
	first.Address, first.Metadata["node"], first.Metadata["added"] = "changed", "changed", "x"
	for _, next := range []func() (*microreg.Node, error){s.Next, func() (*microreg.Node, error) { return r.Select(name) }} {
		n, err := next()
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		if n == first || n.Address != "10.0.0.1:8080" || len(n.Metadata) != 1 || n.Metadata["node"] != name+"-a" {
			t.Errorf("a later selection sees the caller's changes: %+v", n)
		}
	}
}

// A node registered again with other data is selected with the new data once
// the update is applied, never with the old again.
func TestSelectFollowsANodeUpdate(t *testing.T) {
	r := newRegistry(t)
	name := uniqueName(t)
	s := service(name, "1.0.0", name+"-a")
	if err := r.Register(s); err != nil {
		t.Fatal(err)
	}
	if n, err := r.Select(name); err != nil || n.Metadata["node"] != name+"-a" {
		t.Fatalf("Select = %+v, %v", n, err)
	}
	s.Nodes[0].Address, s.Nodes[0].Metadata["zone"] = "10.0.0.9:9090", "eu"
	if err := r.Register(s); err != nil {
		t.Fatal(err)
	}
	updated := func(n *microreg.Node) bool { return n.Address == "10.0.0.9:9090" && n.Metadata["zone"] == "eu" }
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, err := r.Select(name)
		if err != nil {
			t.Fatalf("Select: %v", err)
		}
		if updated(n) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the update is not selected: %+v", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	for range 100 {
		if n, err := r.Select(name); err != nil || !updated(n) {
			t.Fatalf("after the update: %+v, %v", n, err)
		}
	}
}

// A node whose JSON is larger than Next's buffer comes whole.
func TestSelectLargeNode(t *testing.T) {
	r := newRegistry(t)
	name := uniqueName(t)
	s := service(name, "1.0.0", name+"-a")
	big := strings.Repeat("é0123456789", 300) // 3.6 KB of JSON, non-ASCII too
	s.Nodes[0].Metadata["big"] = big
	if err := r.Register(s); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		n, err := r.Select(name)
		if err != nil {
			t.Fatalf("Select: %v", err)
		}
		if n.Metadata["big"] != big || n.Id != name+"-a" {
			t.Fatalf("large node: id %q, %d bytes of metadata", n.Id, len(n.Metadata["big"]))
		}
	}
}
