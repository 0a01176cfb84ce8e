package gomicro

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"sync/atomic"

	microreg "github.com/microreg/microreg/bindings/go"
	"go-micro.dev/v5/registry"
	"go-micro.dev/v5/selector"
)

// Selector is go-micro's selector.Selector over microreg's node selection, so
// that a go-micro client picks nodes the way every other microreg face does:
//
//	reg := gomicro.NewRegistry()
//	sel := gomicro.NewSelector(selector.Registry(reg))
//	client := client.NewClient(client.Selector(sel))
//
// Each Next() asks microreg for a node: from its warm cache, following the
// registry live (a node deleted is never returned after its delete event), and
// avoiding nodes marked failed during their backoff. go-micro's Random and
// RoundRobin strategies map to microreg's; the microreg filters are select
// options of this package (SelectVersion, SelectLabel, SelectEndpoint).
// go-micro Filter functions, or a strategy of your own, are honoured the
// go-micro way: over GetService's answer, in Go.
type Selector struct {
	mu     sync.RWMutex
	opts   selector.Options
	reg    *Registry
	owned  *Registry // opened by the selector itself; closed with it
	closed bool
	cache  selectorCache // microreg selectors without filters, by service and strategy
}

var _ selector.Selector = (*Selector)(nil)

// ErrNotMicroreg: the selector's registry must be this package's Registry.
var ErrNotMicroreg = errors.New("gomicro: the selector's registry is not a gomicro.Registry")

// NewSelector is go-micro's constructor shape. Without selector.Registry it
// opens a microreg registry with the library's defaults (as go-micro's
// selector uses the default registry).
func NewSelector(opts ...selector.Option) selector.Selector {
	s := &Selector{}
	_ = s.Init(opts...)
	return s
}

// Init applies options.
func (s *Selector) Init(opts ...selector.Option) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range opts {
		o(&s.opts)
	}
	if s.opts.Registry == nil {
		s.owned = NewRegistry().(*Registry)
		s.opts.Registry = s.owned
	}
	r, ok := s.opts.Registry.(*Registry)
	if !ok {
		s.reg = nil
		return ErrNotMicroreg
	}
	s.reg = r
	return nil
}

// Options returns the go-micro options.
func (s *Selector) Options() selector.Options {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.opts
}

type selectKey struct{}

// microreg's options carried in go-micro's SelectOptions.Context.
func withMicroreg(o *selector.SelectOptions, opt microreg.SelectOption) {
	if o.Context == nil {
		o.Context = context.Background()
	}
	opts, _ := o.Context.Value(selectKey{}).([]microreg.SelectOption)
	o.Context = context.WithValue(o.Context, selectKey{}, append(opts[:len(opts):len(opts)], opt))
}

// SelectVersion accepts only this version: exact or a semver range ("^1.2").
func SelectVersion(v string) selector.SelectOption {
	return func(o *selector.SelectOptions) { withMicroreg(o, microreg.SelectVersion(v)) }
}

// SelectLabel accepts only nodes whose metadata has key = value.
func SelectLabel(key, value string) selector.SelectOption {
	return func(o *selector.SelectOptions) { withMicroreg(o, microreg.SelectLabel(key, value)) }
}

// SelectEndpoint accepts only services that have this endpoint.
func SelectEndpoint(name string) selector.SelectOption {
	return func(o *selector.SelectOptions) { withMicroreg(o, microreg.SelectEndpoint(name)) }
}

// SelectStrategy picks with one of microreg's strategies (LeastFailed has no
// go-micro counterpart).
func SelectStrategy(strategy microreg.Strategy) selector.SelectOption {
	return func(o *selector.SelectOptions) {
		o.Strategy = nil
		withMicroreg(o, microreg.SelectStrategy(strategy))
	}
}

// Select returns the Next function of service: every call picks a node.
// selector.ErrNotFound when nobody serves the service, ErrNoneAvailable when
// no node passes the filters.
func (s *Selector) Select(service string, opts ...selector.SelectOption) (selector.Next, error) {
	s.mu.RLock()
	reg, closed := s.reg, s.closed
	sopts := selector.SelectOptions{Strategy: s.opts.Strategy}
	s.mu.RUnlock()
	if closed {
		return nil, errors.New("gomicro: selector closed")
	}
	if reg == nil {
		return nil, ErrNotMicroreg
	}
	for _, o := range opts {
		o(&sopts)
	}
	var mopts []microreg.SelectOption
	if sopts.Context != nil {
		mopts, _ = sopts.Context.Value(selectKey{}).([]microreg.SelectOption)
	}
	strategy, own := coreStrategy(sopts.Strategy)
	if len(sopts.Filters) > 0 || !own {
		return s.selectInGo(reg, service, sopts, mopts)
	}
	m, err := reg.handle()
	if err != nil {
		return nil, err
	}
	var sel *microreg.Selector
	if len(mopts) == 0 {
		sel, err = s.cache.get(m, service, strategy)
	} else {
		if strategy != "" {
			mopts = append([]microreg.SelectOption{microreg.SelectStrategy(strategy)}, mopts...)
		}
		sel, err = m.NewSelector(service, mopts...)
	}
	if err != nil {
		return nil, err
	}
	// The first pick now, so that Select reports an absent service as
	// go-micro's does.
	first, err := sel.Next()
	if err != nil {
		return nil, selectError(reg, service, err)
	}
	var pending atomic.Pointer[microreg.Node]
	pending.Store(first)
	return func() (*registry.Node, error) {
		if n := pending.Swap(nil); n != nil {
			return (*registry.Node)(n), nil
		}
		n, err := sel.Next()
		if err != nil {
			return nil, selectError(reg, service, err)
		}
		return (*registry.Node)(n), nil
	}, nil
}

// coreStrategy maps go-micro's built-in strategies to microreg's; own is
// false for any other function (it runs in Go).
func coreStrategy(strategy selector.Strategy) (name microreg.Strategy, own bool) {
	if strategy == nil {
		return "", true
	}
	switch reflect.ValueOf(strategy).Pointer() {
	case reflect.ValueOf(selector.Random).Pointer():
		return microreg.Random, true
	case reflect.ValueOf(selector.RoundRobin).Pointer():
		return microreg.RoundRobin, true
	}
	return "", false
}

// selectInGo is go-micro's own selection, for Filter functions and custom
// strategies: GetService (from microreg's cache), filters, then the strategy.
func (s *Selector) selectInGo(reg *Registry, service string, sopts selector.SelectOptions, mopts []microreg.SelectOption) (selector.Next, error) {
	if len(mopts) > 0 {
		return nil, errors.New("gomicro: microreg's select options cannot be combined with go-micro filters or a custom strategy")
	}
	services, err := reg.GetService(service)
	if err != nil {
		if errors.Is(err, registry.ErrNotFound) {
			return nil, selector.ErrNotFound
		}
		return nil, err
	}
	for _, filter := range sopts.Filters {
		services = filter(services)
	}
	if len(services) == 0 {
		return nil, selector.ErrNoneAvailable
	}
	strategy := sopts.Strategy
	if strategy == nil {
		strategy = selector.Random
	}
	return strategy(services), nil
}

// selectError returns go-micro's sentinels (which go-micro compares with ==):
// ErrNotFound when the service is absent, ErrNoneAvailable when it is there
// but no node passes.
func selectError(reg *Registry, service string, err error) error {
	if !errors.Is(err, microreg.ErrNotFound) {
		return err
	}
	if _, lookup := reg.GetService(service); lookup == nil {
		return selector.ErrNoneAvailable
	}
	return selector.ErrNotFound
}

// Mark reports a call to node: an error makes microreg avoid the node for a
// backoff (doubling, capped) unless no other is left; nil clears it.
func (s *Selector) Mark(_ string, node *registry.Node, err error) {
	s.mu.RLock()
	reg := s.reg
	s.mu.RUnlock()
	if reg == nil || node == nil {
		return
	}
	if m, herr := reg.handle(); herr == nil {
		_ = m.Mark(node.Id, err)
	}
}

// Reset does nothing, as in go-micro's selector: marks end with their backoff
// or a success.
func (s *Selector) Reset(string) {}

// Close makes the selector unusable. A registry passed with
// selector.Registry stays open; one the selector opened itself is closed.
func (s *Selector) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.owned != nil {
		return s.owned.Close()
	}
	return nil
}

// String names the implementation.
func (s *Selector) String() string { return "microreg" }
