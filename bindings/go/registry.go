package microreg

import (
	"encoding/json"
	"runtime"
	"sync"
)

// Registry is a handle on a microreg registry: go-micro's registry.Registry
// shape over the library's C ABI. Safe for concurrent use; Close it when done.
type Registry struct {
	// mu guards handle: calls hold it shared, Close holds it alone, so the
	// handle is never freed while a call is using it.
	mu       sync.RWMutex
	handle   cRegistry
	watchers map[*Watcher]struct{} // live watchers, stopped by Close; guarded by wmu
	wmu      sync.Mutex
	decoded  decodedNodes // nodes Select decoded, by their JSON
}

// New makes a registry; what the options leave out comes from go-micro's
// environment (MICRO_REGISTRY, MICRO_REGISTRY_ADDRESS, ETCD_USERNAME,
// ETCD_PASSWORD), then the library's defaults (the mdns backend, domain
// "micro", register TTL 90 s).
func New(opts ...Option) (*Registry, error) {
	configJSON, err := encodeOptions(opts)
	if err != nil {
		return nil, invalid("registry options: %v", err)
	}
	handle, err := cRegistryNew(cbytes(configJSON))
	if err != nil {
		return nil, err
	}
	r := &Registry{handle: handle, watchers: map[*Watcher]struct{}{}}
	// A safety net only: Close is the way to release a registry.
	runtime.SetFinalizer(r, (*Registry).Close)
	return r, nil
}

// Close deregisters what this registry registered, stops its watchers and
// releases the handle. Closing again does nothing; any other call after Close
// returns ErrClosed.
func (r *Registry) Close() error {
	r.mu.Lock()
	handle := r.handle
	r.handle = nil
	r.mu.Unlock()
	if handle == nil {
		return nil
	}
	r.wmu.Lock()
	watchers := r.watchers
	r.watchers = nil
	r.wmu.Unlock()
	for w := range watchers {
		w.Stop()
	}
	for w := range watchers {
		<-w.done
	}
	cRegistryFree(handle)
	runtime.SetFinalizer(r, nil)
	return nil
}

// use runs call with the live handle, shared with other calls and never
// concurrently with Close.
func (r *Registry) use(call func(cRegistry) error) error {
	r.mu.RLock()
	defer r.mu.RUnlock()
	handle := r.handle
	if handle == nil {
		return ErrClosed
	}
	// Under -tags microreg_gccheck, collect garbage and run finalizers between
	// reading the handle and handing it to C (gccheck_on.go).
	maybeGC()
	err := call(handle)
	runtime.KeepAlive(r)
	return err
}

// Register publishes every node of s and keeps it alive (TTL refresh) until
// Deregister or Close. Registering a node again refreshes or updates it.
func (r *Registry) Register(s *Service, opts ...RegisterOption) error {
	service, err := serviceJSON(s)
	if err != nil {
		return err
	}
	options, err := encodeOptions(opts)
	if err != nil {
		return invalid("register options: %v", err)
	}
	return r.use(func(h cRegistry) error { return cRegister(h, service, cbytes(options)) })
}

// Deregister removes the listed nodes of s (every node of its version when it
// lists none). Removing what is absent is not an error.
func (r *Registry) Deregister(s *Service, opts ...DeregisterOption) error {
	service, err := serviceJSON(s)
	if err != nil {
		return err
	}
	options, err := encodeOptions(opts)
	if err != nil {
		return invalid("deregister options: %v", err)
	}
	return r.use(func(h cRegistry) error { return cDeregister(h, service, cbytes(options)) })
}

// GetService returns every version of the named service, one entry per
// version; an error matching ErrNotFound when no node serves it.
func (r *Registry) GetService(name string, opts ...GetOption) ([]*Service, error) {
	if err := noNUL("service name", name); err != nil {
		return nil, err
	}
	options, err := encodeOptions(opts)
	if err != nil {
		return nil, invalid("get options: %v", err)
	}
	var services []*Service
	err = r.use(func(h cRegistry) error {
		return cGetService(h, name, cbytes(options), func(answer []byte) (err error) {
			services, err = decodeServices(answer)
			return undecodable(err)
		})
	})
	if err != nil {
		return nil, err
	}
	return services, nil
}

// ListServices returns every service of the domain, one entry per name and
// version.
func (r *Registry) ListServices(opts ...ListOption) ([]*Service, error) {
	options, err := encodeOptions(opts)
	if err != nil {
		return nil, invalid("list options: %v", err)
	}
	var services []*Service
	err = r.use(func(h cRegistry) error { return cListServices(h, cbytes(options), decodeServicesInto(&services)) })
	if err != nil {
		return nil, err
	}
	return services, nil
}

// Watch returns a Watcher of the changes from now on.
func (r *Registry) Watch(opts ...WatchOption) (*Watcher, error) {
	options, err := encodeOptions(opts)
	if err != nil {
		return nil, invalid("watch options: %v", err)
	}
	var w *Watcher
	err = r.use(func(h cRegistry) error {
		handle, err := cWatch(h, cbytes(options))
		if err != nil {
			return err
		}
		w = startWatcher(handle, r.forget)
		// Under the shared lock, so Close either sees this watcher or came first.
		r.wmu.Lock()
		r.watchers[w] = struct{}{}
		r.wmu.Unlock()
		return nil
	})
	return w, err
}

// forget drops a stopped watcher from the set that Close stops.
func (r *Registry) forget(w *Watcher) {
	r.wmu.Lock()
	delete(r.watchers, w)
	r.wmu.Unlock()
}

// String names the implementation, as go-micro's registries do, with the
// backend in use ("microreg/mdns").
func (r *Registry) String() string {
	c, err := r.Config()
	if backend, ok := c["backend"].(string); err == nil && ok {
		return "microreg/" + backend
	}
	return "microreg"
}

// ResolveConfig is what New(opts...) would use, without opening anything: the
// options, then go-micro's environment (MICRO_REGISTRY, MICRO_REGISTRY_ADDRESS,
// ETCD_USERNAME, ETCD_PASSWORD), then the library's defaults; in the shape of
// Config.
func ResolveConfig(opts ...Option) (map[string]any, error) {
	configJSON, err := encodeOptions(opts)
	if err != nil {
		return nil, invalid("registry options: %v", err)
	}
	var c map[string]any
	err = cConfigResolve(cbytes(configJSON), func(b []byte) error { return json.Unmarshal(b, &c) })
	return c, err
}

// Config is the configuration in use: the library's flat settings with every
// default and environment variable resolved ("backend", "domain",
// "register_ttl_ms", the backend's own keys...; the etcd password as "***").
func (r *Registry) Config() (map[string]any, error) {
	var c map[string]any
	err := r.use(func(h cRegistry) error {
		return cConfig(h, func(b []byte) error { return json.Unmarshal(b, &c) })
	})
	return c, err
}

// Version is the version of the linked microreg library.
func Version() string { return libraryVersion() }

func serviceJSON(s *Service) ([]byte, error) {
	if s == nil {
		return nil, invalid("service is nil")
	}
	b, err := json.Marshal(s)
	if err != nil {
		return nil, invalid("service: %v", err)
	}
	return cbytes(b), nil
}

// decodeServicesInto parses the library's JSON array of services.
func decodeServicesInto(services *[]*Service) func([]byte) error {
	return func(b []byte) (err error) {
		*services, err = decodeServices(b)
		return undecodable(err)
	}
}

// undecodable reports an answer of the library that does not parse: a bug.
func undecodable(err error) error {
	if err == nil {
		return nil
	}
	return &Error{Code: CodeInternal, Message: "internal error: undecodable answer from the library: " + err.Error()}
}
