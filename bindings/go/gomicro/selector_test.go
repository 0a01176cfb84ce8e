package gomicro_test

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	microreg "github.com/microreg/microreg/bindings/go"
	"github.com/microreg/microreg/bindings/go/gomicro"
	"go-micro.dev/v5/registry"
	"go-micro.dev/v5/selector"
)

// threeNodes registers a, b (zone eu, us) at 1.2.0 and c (zone eu) at 2.0.0.
func threeNodes(t *testing.T, reg registry.Registry) (string, []*registry.Node) {
	t.Helper()
	name := uniqueName("sel")
	var nodes []*registry.Node
	for i, zone := range []string{"eu", "us", "eu"} {
		nodes = append(nodes, &registry.Node{
			Id:       fmt.Sprintf("%s-%c", name, 'a'+i),
			Address:  fmt.Sprintf("10.0.0.%d:80", i+1),
			Metadata: map[string]string{"zone": zone},
		})
	}
	for _, s := range []*registry.Service{
		{Name: name, Version: "1.2.0", Nodes: nodes[:2]},
		{Name: name, Version: "2.0.0", Nodes: nodes[2:]},
	} {
		if err := reg.Register(s); err != nil {
			t.Fatal(err)
		}
	}
	return name, nodes
}

// picks calls next n times and returns the sorted distinct ids.
func picks(t *testing.T, next selector.Next, n int) []string {
	t.Helper()
	seen := map[string]bool{}
	for range n {
		node, err := next()
		if err != nil {
			t.Fatalf("next: %v", err)
		}
		seen[node.Id] = true
	}
	var ids []string
	for id := range seen {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

func ids(nodes ...*registry.Node) []string {
	var out []string
	for _, n := range nodes {
		out = append(out, n.Id)
	}
	sort.Strings(out)
	return out
}

func mustSelect(t *testing.T, sel selector.Selector, name string, opts ...selector.SelectOption) selector.Next {
	t.Helper()
	next, err := sel.Select(name, opts...)
	if err != nil {
		t.Fatalf("Select: %v", err)
	}
	return next
}

func TestSelectorIsAGoMicroSelector(t *testing.T) {
	reg := newAdapter(t)
	name, nodes := threeNodes(t, reg)
	sel := gomicro.NewSelector(selector.Registry(reg))
	defer sel.Close()
	if sel.String() != "microreg" || sel.Options().Registry != reg {
		t.Errorf("String/Options: %q %v", sel.String(), sel.Options().Registry)
	}

	// go-micro's RoundRobin runs as microreg's: each cycle visits every node.
	next := mustSelect(t, sel, name, selector.WithStrategy(selector.RoundRobin))
	for range 4 {
		if got := picks(t, next, 3); fmt.Sprint(got) != fmt.Sprint(ids(nodes...)) {
			t.Fatalf("a round-robin cycle: %v", got)
		}
	}
	// microreg's filters as select options.
	if got := picks(t, mustSelect(t, sel, name, gomicro.SelectVersion("^1")), 30); fmt.Sprint(got) != fmt.Sprint(ids(nodes[0], nodes[1])) {
		t.Errorf("version filter: %v", got)
	}
	if got := picks(t, mustSelect(t, sel, name, gomicro.SelectLabel("zone", "eu"), gomicro.SelectStrategy(microreg.RoundRobin)), 6); fmt.Sprint(got) != fmt.Sprint(ids(nodes[0], nodes[2])) {
		t.Errorf("label filter: %v", got)
	}
	// go-micro's filter functions run in Go, over GetService's answer.
	if got := picks(t, mustSelect(t, sel, name, selector.WithFilter(selector.FilterVersion("2.0.0"))), 10); fmt.Sprint(got) != fmt.Sprint(ids(nodes[2])) {
		t.Errorf("go-micro filter: %v", got)
	}
}

func TestSelectorMarksAndErrors(t *testing.T) {
	reg := newAdapter(t)
	name, nodes := threeNodes(t, reg)
	sel := gomicro.NewSelector(selector.Registry(reg))
	defer sel.Close()

	sel.Mark(name, nodes[0], errors.New("connection refused"))
	if got := picks(t, mustSelect(t, sel, name), 40); fmt.Sprint(got) != fmt.Sprint(ids(nodes[1], nodes[2])) {
		t.Errorf("after a failure: %v", got)
	}
	sel.Mark(name, nodes[0], nil)
	if got := picks(t, mustSelect(t, sel, name, selector.WithStrategy(selector.RoundRobin)), 3); len(got) != 3 {
		t.Errorf("after a success: %v", got)
	}

	if _, err := sel.Select("nobody-" + name); err != selector.ErrNotFound {
		t.Errorf("absent service: %v", err)
	}
	if _, err := sel.Select(name, gomicro.SelectVersion("^9")); err != selector.ErrNoneAvailable {
		t.Errorf("no node passes: %v", err)
	}
	if _, err := sel.Select(name, selector.WithFilter(selector.FilterLabel("zone", "mars"))); err != selector.ErrNoneAvailable {
		t.Errorf("no node passes a go-micro filter: %v", err)
	}
	if _, err := sel.Select(name, gomicro.SelectStrategy("fastest")); !errors.Is(err, microreg.ErrInvalidArgument) {
		t.Errorf("unknown strategy: %v", err)
	}
	if err := gomicro.NewSelector(selector.Registry(registry.NewMemoryRegistry())).Init(); !errors.Is(err, gomicro.ErrNotMicroreg) {
		t.Errorf("a registry of another kind: %v", err)
	}
	_ = sel.Close()
	if _, err := sel.Select(name); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("after Close: %v", err)
	}
}

func TestSelectorFollowsTheRegistryLive(t *testing.T) {
	reg := newAdapter(t)
	name, nodes := threeNodes(t, reg)
	sel := gomicro.NewSelector(selector.Registry(reg))
	defer sel.Close()
	next := mustSelect(t, sel, name, selector.WithStrategy(selector.RoundRobin))
	if err := reg.Deregister(&registry.Service{Name: name, Version: "1.2.0", Nodes: nodes[1:2]}); err != nil {
		t.Fatal(err)
	}
	// The same Next: once the delete is applied, b never comes back.
	deadline := time.Now().Add(10 * time.Second)
	for fmt.Sprint(picks(t, next, 3)) != fmt.Sprint(ids(nodes[0], nodes[2])) {
		if time.Now().After(deadline) {
			t.Fatal("the deleted node is still selected")
		}
		time.Sleep(5 * time.Millisecond)
	}
	for range 300 {
		n, err := next()
		if err != nil || n.Id == nodes[1].Id {
			t.Fatalf("after the delete: %v %v", n, err)
		}
	}
}

// Selections made before the registry is reopened (Init with options) or
// replaced (the selector's Init) leave nothing behind that uses the old one.
func TestSelectorFollowsARegistryReopened(t *testing.T) {
	reg := newAdapter(t)
	name, nodes := threeNodes(t, reg)
	sel := gomicro.NewSelector(selector.Registry(reg))
	defer sel.Close()
	strategies := []selector.Strategy{selector.Random, selector.RoundRobin}
	for _, strategy := range strategies {
		if _, err := mustSelect(t, sel, name, selector.WithStrategy(strategy))(); err != nil {
			t.Fatalf("next: %v", err)
		}
	}
	// The same nodes on registry r, from scratch.
	registerAgain := func(r registry.Registry) {
		for _, s := range []*registry.Service{
			{Name: name, Version: "1.2.0", Nodes: nodes[:2]},
			{Name: name, Version: "2.0.0", Nodes: nodes[2:]},
		} {
			if err := r.Register(s); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Reopened: what the old handle registered is gone.
	if err := reg.Init(gomicro.With(microreg.Backend("memory"))); err != nil {
		t.Fatal(err)
	}
	registerAgain(reg)
	for _, strategy := range strategies {
		if got := picks(t, mustSelect(t, sel, name, selector.WithStrategy(strategy)), 40); fmt.Sprint(got) != fmt.Sprint(ids(nodes...)) {
			t.Errorf("after the registry's Init: %v", got)
		}
	}
	// Replaced: the first registry closed, the selector now on a second one.
	other := newAdapter(t)
	if err := sel.Init(selector.Registry(other)); err != nil {
		t.Fatal(err)
	}
	_ = reg.Close()
	registerAgain(other)
	for _, strategy := range strategies {
		if got := picks(t, mustSelect(t, sel, name, selector.WithStrategy(strategy)), 40); fmt.Sprint(got) != fmt.Sprint(ids(nodes...)) {
			t.Errorf("after the selector's Init: %v", got)
		}
	}
}
