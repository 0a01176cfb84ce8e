package microreg

import "encoding/json"

// Node selection: which node of a service to call. The library picks it (its
// strategies, filters and failure marks); this file passes options through.

// Strategy names how Select picks among the nodes that pass the filters.
type Strategy string

const (
	// Random picks uniformly at random on every call (the default).
	Random Strategy = "random"
	// RoundRobin takes the nodes in turn, per registry and service, fairly
	// across goroutines.
	RoundRobin Strategy = "round_robin"
	// LeastFailed picks a node with the fewest recent failures (see Mark);
	// ties in turn.
	LeastFailed Strategy = "least_failed"
)

// selectOptions are the select options of the C ABI.
type selectOptions struct {
	Strategy Strategy          `json:"strategy,omitempty"`
	Version  string            `json:"version,omitempty"`
	Labels   map[string]string `json:"labels,omitempty"`
	Endpoint string            `json:"endpoint,omitempty"`
	Domain   string            `json:"domain,omitempty"`
}

// SelectOption configures Select and NewSelector.
type SelectOption func(*selectOptions)

// SelectStrategy sets the strategy (default Random).
func SelectStrategy(s Strategy) SelectOption { return func(o *selectOptions) { o.Strategy = s } }

// SelectVersion accepts only this version: exact ("1.2.0", "latest") or a
// semver range ("^1.2", ">=1.0, <2").
func SelectVersion(v string) SelectOption { return func(o *selectOptions) { o.Version = v } }

// SelectLabel accepts only nodes whose metadata has key set to value; several
// labels must all match.
func SelectLabel(key, value string) SelectOption {
	return func(o *selectOptions) {
		if o.Labels == nil {
			o.Labels = map[string]string{}
		}
		o.Labels[key] = value
	}
}

// SelectEndpoint accepts only services that have this endpoint.
func SelectEndpoint(name string) SelectOption {
	return func(o *selectOptions) { o.Endpoint = name }
}

// SelectDomain selects in domain instead of the registry's default.
func SelectDomain(domain string) SelectOption { return func(o *selectOptions) { o.Domain = domain } }

// Selector picks nodes of one service with options encoded once: go-micro's
// Select-then-Next, for callers that select on every request. Safe for
// concurrent use.
type Selector struct {
	r       *Registry
	name    string
	options []byte // NUL-terminated JSON, or nil
}

// NewSelector prepares selections of the named service.
func (r *Registry) NewSelector(name string, opts ...SelectOption) (*Selector, error) {
	options, err := selectArguments(name, opts)
	if err != nil {
		return nil, err
	}
	return &Selector{r: r, name: name, options: options}, nil
}

// selectArguments checks name and encodes opts for the C ABI.
func selectArguments(name string, opts []SelectOption) ([]byte, error) {
	if err := noNUL("service name", name); err != nil {
		return nil, err
	}
	options, err := encodeSelectOptions(opts)
	if err != nil {
		return nil, invalid("select options: %v", err)
	}
	return options, nil
}

// strategyOptions are the options of a strategy alone, NUL-terminated, made
// once: go-micro's selector passes one on every Select. Read only (full
// slices, so an append copies).
var strategyOptions = map[Strategy][]byte{
	Random:      cOptions(Random),
	RoundRobin:  cOptions(RoundRobin),
	LeastFailed: cOptions(LeastFailed),
}

func cOptions(s Strategy) []byte {
	b := cbytes([]byte(`{"strategy":"` + string(s) + `"}`))
	return b[:len(b):len(b)]
}

// encodeSelectOptions is encodeOptions, NUL-terminated, with a shortcut for
// the usual case, a strategy alone: no encoding/json, no allocation.
func encodeSelectOptions(opts []SelectOption) ([]byte, error) {
	var o selectOptions
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if o.Version == "" && o.Labels == nil && o.Endpoint == "" && o.Domain == "" {
		if o.Strategy == "" {
			return nil, nil
		}
		if options, known := strategyOptions[o.Strategy]; known {
			return options, nil
		}
	}
	options, err := json.Marshal(&o) // an unknown strategy: the library names it
	return cbytes(options), err
}

// Next returns the node to call, chosen from the registry's warm cache (no
// backend call). The node is the caller's own: changing it changes no other
// answer. An error matching ErrNotFound when no node serves the service or
// none passes the filters (the message says which); an InvalidArgument error
// for an unknown strategy or a malformed version range.
func (s *Selector) Next() (*Node, error) { return s.r.selectNode(s.name, s.options) }

// Select returns one node of the named service to call; see Selector.Next.
func (r *Registry) Select(name string, opts ...SelectOption) (*Node, error) {
	options, err := selectArguments(name, opts)
	if err != nil {
		return nil, err
	}
	return r.selectNode(name, options)
}

// selectNode asks the library for a node of name (no NUL in it) with options
// (NUL-terminated JSON or nil).
func (r *Registry) selectNode(name string, options []byte) (*Node, error) {
	var node *Node
	err := r.use(func(h cRegistry) error {
		return cSelect(h, name, options, func(answer []byte) (err error) {
			node, err = r.decoded.node(answer)
			return undecodable(err)
		})
	})
	if err != nil {
		return nil, err
	}
	return node, nil
}

// Mark reports what a call to node nodeID did: a non-nil err makes Select
// avoid the node for a backoff (1 s doubling up to 60 s) unless no other node
// is left; nil clears it.
func (r *Registry) Mark(nodeID string, callErr error) error {
	if err := noNUL("node id", nodeID); err != nil {
		return err
	}
	id := cbytes([]byte(nodeID))
	return r.use(func(h cRegistry) error { return cMark(h, id, callErr == nil) })
}

// decodeNode reads one node of go-micro's Node JSON; its strings are slices
// of text.
func decodeNode(text string) (*Node, error) {
	d := decoder{text: text}
	n := &Node{}
	err := d.document(func() error { return d.node(n) })
	return n, err
}
