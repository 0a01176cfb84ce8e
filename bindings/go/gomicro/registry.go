package gomicro

import (
	"errors"
	"sync"

	microreg "github.com/microreg/microreg/bindings/go"
	"go-micro.dev/v5/registry"
)

// Registry is go-micro's registry.Registry over microreg.
type Registry struct {
	mu   sync.RWMutex
	opts registry.Options
	reg  *microreg.Registry
	err  error // why reg could not be opened; every call returns it
}

var _ registry.Registry = (*Registry)(nil)

// NewRegistry is go-micro's constructor shape: it cannot fail, so an error in
// opening microreg (e.g. an unavailable backend) is returned by every call.
// Use New to see it at once.
func NewRegistry(opts ...registry.Option) registry.Registry {
	r, _ := newRegistry(opts)
	return r
}

// New is NewRegistry that reports an error in opening microreg.
func New(opts ...registry.Option) (*Registry, error) {
	r, err := newRegistry(opts)
	if err != nil {
		return nil, err
	}
	return r, nil
}

func newRegistry(opts []registry.Option) (*Registry, error) {
	r := &Registry{opts: *registry.NewOptions(opts...)}
	r.reg, r.err = newMicroreg(&r.opts)
	return r, r.err
}

// Init applies options. With any, the microreg registry is opened again with
// the new settings: what the old one registered is deregistered.
func (r *Registry) Init(opts ...registry.Option) error {
	if len(opts) == 0 {
		return r.current()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, o := range opts {
		o(&r.opts)
	}
	if r.reg != nil {
		_ = r.reg.Close()
	}
	r.reg, r.err = newMicroreg(&r.opts)
	return r.err
}

// Options returns the go-micro options.
func (r *Registry) Options() registry.Options {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.opts
}

// Close deregisters what this registry registered and releases microreg's
// handle; idempotent. (go-micro's interface has no Close: call it yourself.)
func (r *Registry) Close() error {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.reg == nil {
		return nil
	}
	return r.reg.Close()
}

// Microreg is the underlying microreg registry (nil if it could not be opened).
func (r *Registry) Microreg() *microreg.Registry {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.reg
}

func (r *Registry) current() error {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.err
}

func (r *Registry) handle() (*microreg.Registry, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.reg, r.err
}

// Register publishes s; microreg keeps it alive until Deregister or Close.
func (r *Registry) Register(s *registry.Service, opts ...registry.RegisterOption) error {
	reg, err := r.handle()
	if err != nil {
		return err
	}
	var o registry.RegisterOptions
	for _, opt := range opts {
		opt(&o)
	}
	var ttl []microreg.RegisterOption
	if d, given := registerTTL(&o); given {
		ttl = append(ttl, microreg.RegisterTTL(d))
	}
	return translate(reg.Register(toMicroreg(s), ttl...))
}

// Deregister removes the nodes of s.
func (r *Registry) Deregister(s *registry.Service, _ ...registry.DeregisterOption) error {
	reg, err := r.handle()
	if err != nil {
		return err
	}
	return translate(reg.Deregister(toMicroreg(s)))
}

// GetService returns every version of name; registry.ErrNotFound when none.
func (r *Registry) GetService(name string, _ ...registry.GetOption) ([]*registry.Service, error) {
	reg, err := r.handle()
	if err != nil {
		return nil, err
	}
	services, err := reg.GetService(name)
	if err != nil {
		return nil, translate(err)
	}
	return servicesFromMicroreg(services), nil
}

// ListServices returns every service of the registry's domain.
func (r *Registry) ListServices(_ ...registry.ListOption) ([]*registry.Service, error) {
	reg, err := r.handle()
	if err != nil {
		return nil, err
	}
	services, err := reg.ListServices()
	if err != nil {
		return nil, translate(err)
	}
	return servicesFromMicroreg(services), nil
}

// Watch returns a watcher of changes, of one service with registry.WatchService.
func (r *Registry) Watch(opts ...registry.WatchOption) (registry.Watcher, error) {
	reg, err := r.handle()
	if err != nil {
		return nil, err
	}
	var o registry.WatchOptions
	for _, opt := range opts {
		opt(&o)
	}
	var watchOpts []microreg.WatchOption
	if o.Service != "" {
		watchOpts = append(watchOpts, microreg.WatchService(o.Service))
	}
	w, err := reg.Watch(watchOpts...)
	if err != nil {
		return nil, translate(err)
	}
	return &watcher{w: w}, nil
}

// String names the implementation, as go-micro's registries do.
func (r *Registry) String() string { return "microreg" }

// translate returns go-micro's own sentinels, which go-micro compares with ==.
func translate(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, microreg.ErrNotFound):
		return registry.ErrNotFound
	case errors.Is(err, microreg.ErrWatcherStopped):
		return registry.ErrWatcherStopped
	default:
		return err
	}
}
