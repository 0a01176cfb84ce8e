package gomicro

import (
	"sync"

	microreg "github.com/microreg/microreg/bindings/go"
)

// selectorCache keeps microreg's Selector of each service and strategy, so
// that a Select (go-micro's client makes one per request) encodes no options
// and allocates no selector. A microreg Selector is only the service's name
// and the options' JSON (round robin turns in the library, per registry and
// service), so sharing one changes no selection.
type selectorCache struct {
	mu    sync.RWMutex
	reg   *microreg.Registry // what the cached selectors select in
	byKey map[selectorKey]*microreg.Selector
}

type selectorKey struct {
	service  string
	strategy microreg.Strategy
}

// maxCachedSelectors bounds the memory; past it the cache starts afresh.
const maxCachedSelectors = 1024

// get returns the selector of service with strategy ("" for the library's
// default) in reg, made on first use; a registry reopened by Init starts the
// cache afresh.
func (c *selectorCache) get(reg *microreg.Registry, service string, strategy microreg.Strategy) (*microreg.Selector, error) {
	key := selectorKey{service, strategy}
	c.mu.RLock()
	sel, same := c.byKey[key], c.reg == reg
	c.mu.RUnlock()
	if sel != nil && same {
		return sel, nil
	}
	var opts []microreg.SelectOption
	if strategy != "" {
		opts = append(opts, microreg.SelectStrategy(strategy))
	}
	sel, err := reg.NewSelector(service, opts...)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.reg != reg || len(c.byKey) >= maxCachedSelectors {
		c.reg, c.byKey = reg, nil
	}
	if c.byKey == nil {
		c.byKey = map[selectorKey]*microreg.Selector{}
	}
	c.byKey[key] = sel
	c.mu.Unlock()
	return sel, nil
}
