package microreg

import (
	"encoding/json"
	"time"
)

// config is the registry configuration handed to microreg_registry_new as JSON;
// its field names are the core's Config. Unset fields keep the core's defaults.
type config struct {
	Backend    string   `json:"backend,omitempty"`
	Domain     string   `json:"domain,omitempty"`
	Interfaces []string `json:"interfaces,omitempty"`
	Addresses  []string `json:"addresses,omitempty"`
	TimeoutMs  *int64   `json:"timeout_ms,omitempty"`
	Cache      *bool    `json:"cache,omitempty"`
	CacheTTLMs *int64   `json:"cache_ttl_ms,omitempty"`
}

// Option configures New.
type Option func(*config)

// Backend chooses where registrations live: "mdns" (the LAN, no server; the
// library's default, as in go-micro), "memory" (this process) or "etcd".
func Backend(name string) Option { return func(c *config) { c.Backend = name } }

// Domain is the domain used by calls that name none (default "micro").
func Domain(name string) Option { return func(c *config) { c.Domain = name } }

// Interfaces limits mdns to these interfaces, by name or address.
func Interfaces(names ...string) Option {
	return func(c *config) { c.Interfaces = append([]string(nil), names...) }
}

// Addrs are the etcd cluster members, "host:port" each.
func Addrs(addrs ...string) Option {
	return func(c *config) { c.Addresses = append([]string(nil), addrs...) }
}

// Timeout bounds one backend operation (default 5 s).
func Timeout(d time.Duration) Option {
	return func(c *config) { ms := millis(d); c.TimeoutMs = &ms }
}

// Cache turns the watch-fed lookup cache on (the default) or off.
func Cache(enabled bool) Option { return func(c *config) { c.Cache = &enabled } }

// CacheTTL is how long the cache trusts an entry that no live watch keeps current.
func CacheTTL(d time.Duration) Option {
	return func(c *config) { ms := millis(d); c.CacheTTLMs = &ms }
}

// registerOptions are the register options of the C ABI: {"ttl_ms", "domain"}.
type registerOptions struct {
	TTLMs  *int64 `json:"ttl_ms,omitempty"`
	Domain string `json:"domain,omitempty"`
}

// RegisterOption configures Register.
type RegisterOption func(*registerOptions)

// RegisterTTL makes the registration expire unless refreshed within d; the
// library refreshes it until Deregister or Close. Zero means no TTL, as in
// go-micro.
func RegisterTTL(d time.Duration) RegisterOption {
	return func(o *registerOptions) {
		if d == 0 {
			o.TTLMs = nil
			return
		}
		ms := millis(d)
		o.TTLMs = &ms
	}
}

// RegisterDomain registers into domain instead of the registry's default.
func RegisterDomain(domain string) RegisterOption {
	return func(o *registerOptions) { o.Domain = domain }
}

// domainOptions are the options of deregister, get_service and list_services.
type domainOptions struct {
	Domain string `json:"domain,omitempty"`
}

// DeregisterOption configures Deregister.
type DeregisterOption func(*domainOptions)

// DeregisterDomain deregisters from domain instead of the registry's default.
func DeregisterDomain(domain string) DeregisterOption {
	return func(o *domainOptions) { o.Domain = domain }
}

// GetOption configures GetService.
type GetOption func(*domainOptions)

// GetDomain looks up in domain; "*" looks in every domain and marks each node
// with metadata["domain"].
func GetDomain(domain string) GetOption { return func(o *domainOptions) { o.Domain = domain } }

// ListOption configures ListServices.
type ListOption func(*domainOptions)

// ListDomain lists domain; "*" lists every domain.
func ListDomain(domain string) ListOption { return func(o *domainOptions) { o.Domain = domain } }

// watchOptions are the watch options of the C ABI: {"service", "domain"}.
type watchOptions struct {
	Service string `json:"service,omitempty"`
	Domain  string `json:"domain,omitempty"`
}

// WatchOption configures Watch.
type WatchOption func(*watchOptions)

// WatchService watches one service only; without it every service is watched.
func WatchService(name string) WatchOption { return func(o *watchOptions) { o.Service = name } }

// WatchDomain watches domain instead of the registry's default ("*" = all).
func WatchDomain(domain string) WatchOption { return func(o *watchOptions) { o.Domain = domain } }

// millis converts to whole milliseconds, rounding a positive fraction up so that
// a short duration never becomes "zero"; negative values pass through for the
// library to reject.
func millis(d time.Duration) int64 {
	ms := d.Milliseconds()
	if d > 0 && time.Duration(ms)*time.Millisecond < d {
		ms++
	}
	return ms
}

// encodeOptions renders options as the C ABI's JSON; nil (NULL, the library's
// defaults) when there are none.
func encodeOptions[T any, O ~func(*T)](opts []O) ([]byte, error) {
	if len(opts) == 0 {
		return nil, nil
	}
	var v T
	for _, o := range opts {
		if o != nil {
			o(&v)
		}
	}
	return json.Marshal(&v)
}
