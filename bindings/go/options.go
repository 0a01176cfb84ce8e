package microreg

import (
	"encoding/json"
	"time"
)

// config is the registry configuration handed to microreg_registry_new as one
// flat JSON object; its keys are the core's. Unset keys are left out: the
// environment (MICRO_REGISTRY & co.) or the core's defaults decide them.
type config map[string]any

// MarshalJSON writes nil as {} (the options ran but set nothing).
func (c config) MarshalJSON() ([]byte, error) {
	if c == nil {
		return []byte("{}"), nil
	}
	return json.Marshal(map[string]any(c))
}

// Option configures New.
type Option func(*config)

func (c *config) set(key string, value any) {
	if *c == nil {
		*c = config{}
	}
	(*c)[key] = value
}

// Setting sets any configuration key of the core by name: a common one
// ("domain", "timeout_ms", "cache", "cache_ttl_ms", "register_ttl_ms") or one of
// the chosen backend's, e.g. Setting("tls_ca", "/etc/etcd/ca.pem"),
// Setting("username", "svc"), Setting("gomicro", false). value must encode to
// JSON. A key the backend does not take makes New fail with a message listing
// the keys it takes. New backend settings need no new Go option.
func Setting(key string, value any) Option {
	return func(c *config) { c.set(key, value) }
}

// Settings sets several configuration keys at once (see Setting).
func Settings(values map[string]any) Option {
	return func(c *config) {
		for k, v := range values {
			c.set(k, v)
		}
	}
}

// Backend chooses where registrations live: "mdns" (the LAN, no server),
// "memory" (this process) or "etcd". Without it: $MICRO_REGISTRY, else mdns
// (the library's default, as in go-micro).
func Backend(name string) Option { return Setting("backend", name) }

// Domain is the domain used by calls that name none (default "micro").
func Domain(name string) Option { return Setting("domain", name) }

// Interfaces limits mdns to these interfaces, by name or address.
func Interfaces(names ...string) Option {
	return Setting("interfaces", append([]string{}, names...))
}

// Addrs are the etcd cluster members, "host:port" each. Without it:
// $MICRO_REGISTRY_ADDRESS, else 127.0.0.1:2379.
func Addrs(addrs ...string) Option {
	return Setting("addresses", append([]string{}, addrs...))
}

// Timeout bounds one backend operation (default 5 s).
func Timeout(d time.Duration) Option { return Setting("timeout_ms", millis(d)) }

// Cache turns the watch-fed lookup cache on (the default) or off.
func Cache(enabled bool) Option { return Setting("cache", enabled) }

// CacheTTL is how long the cache trusts an entry that no live watch keeps current.
func CacheTTL(d time.Duration) Option { return Setting("cache_ttl_ms", millis(d)) }

// DefaultRegisterTTL is the TTL of registrations that name none (the library's
// default: 90 s, go-micro's server default); 0 means they get no TTL.
func DefaultRegisterTTL(d time.Duration) Option { return Setting("register_ttl_ms", millis(d)) }

// registerOptions are the register options of the C ABI: {"ttl_ms", "domain"}.
type registerOptions struct {
	TTLMs  *int64 `json:"ttl_ms,omitempty"`
	Domain string `json:"domain,omitempty"`
}

// RegisterOption configures Register.
type RegisterOption func(*registerOptions)

// RegisterTTL makes the registration expire unless refreshed within d; the
// library refreshes it until Deregister or Close. Zero means no TTL, as in
// go-micro. Without it, the registry's default register TTL (90 s unless
// DefaultRegisterTTL says otherwise).
func RegisterTTL(d time.Duration) RegisterOption {
	return func(o *registerOptions) {
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
