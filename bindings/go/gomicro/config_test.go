package gomicro

import (
	"crypto/tls"
	"errors"
	"reflect"
	"testing"
	"time"

	microreg "github.com/microreg/microreg/bindings/go"
	"go-micro.dev/v5/registry"
)

func clearGoMicroEnv(t *testing.T) {
	for _, name := range []string{"MICRO_REGISTRY", "MICRO_REGISTRY_ADDRESS", "ETCD_USERNAME", "ETCD_PASSWORD"} {
		t.Setenv(name, "")
	}
}

// resolved is what the adapter would open for go-micro's options.
func resolved(t *testing.T, opts ...registry.Option) (map[string]any, error) {
	t.Helper()
	mapped, err := microregOptionsOf(registry.NewOptions(opts...))
	if err != nil {
		return nil, err
	}
	return microreg.ResolveConfig(mapped...)
}

// The adapter's defaults are the library's: mdns, "micro", register TTL 90 s.
func TestAdapterDefaults(t *testing.T) {
	clearGoMicroEnv(t)
	c, err := resolved(t)
	if err != nil || c["backend"] != "mdns" || c["domain"] != "micro" || c["register_ttl_ms"] != float64(90000) {
		t.Fatalf("defaults: %v %v", c, err)
	}
}

// go-micro's environment reaches the adapter through the library.
func TestAdapterHonoursTheEnvironment(t *testing.T) {
	clearGoMicroEnv(t)
	t.Setenv("MICRO_REGISTRY", "memory")
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got := r.Microreg().String(); got != "microreg/memory" {
		t.Fatalf("MICRO_REGISTRY=memory opened %s", got)
	}
	t.Setenv("MICRO_REGISTRY", "etcd")
	t.Setenv("MICRO_REGISTRY_ADDRESS", "127.0.0.1:23790")
	c, err := resolved(t)
	if err != nil || c["backend"] != "etcd" || !reflect.DeepEqual(c["addresses"], []any{"127.0.0.1:23790"}) {
		t.Fatalf("etcd from the environment: %v %v", c, err)
	}
}

// registry.Addrs and registry.Timeout map to the library's settings; other
// settings pass through With.
func TestAdapterMapsGoMicroOptions(t *testing.T) {
	clearGoMicroEnv(t)
	c, err := resolved(t, registry.Addrs("127.0.0.1:2379", "127.0.0.1:2380"), registry.Timeout(3*time.Second),
		With(microreg.Backend("etcd"), microreg.Setting("tls_ca", "/ca.pem")), registry.Secure(true))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c["addresses"], []any{"127.0.0.1:2379", "127.0.0.1:2380"}) || c["timeout_ms"] != float64(3000) || c["tls_ca"] != "/ca.pem" {
		t.Fatalf("mapped: %v", c)
	}
}

// What go-micro's options can say but microreg cannot take is a clear error.
func TestAdapterRefusesTLSItCannotUse(t *testing.T) {
	clearGoMicroEnv(t)
	_, err := resolved(t, With(microreg.Backend("etcd")), registry.Secure(true))
	if !errors.Is(err, microreg.ErrInvalidArgument) {
		t.Fatalf("Secure without a CA: %v", err)
	}
	_, err = resolved(t, With(microreg.Backend("etcd")), registry.TLSConfig(&tls.Config{MinVersion: tls.VersionTLS12}))
	if !errors.Is(err, microreg.ErrInvalidArgument) {
		t.Fatalf("TLSConfig: %v", err)
	}
}

// No RegisterTTL is the library's default TTL; NoTTL is none; a TTL is passed on.
func TestAdapterRegisterTTL(t *testing.T) {
	var none, explicit registry.RegisterOptions
	NoTTL()(&explicit)
	ttl := registry.RegisterOptions{TTL: time.Minute}
	for _, c := range []struct {
		options *registry.RegisterOptions
		ttl     time.Duration
		given   bool
	}{{&none, 0, false}, {&explicit, 0, true}, {&ttl, time.Minute, true}} {
		if d, given := registerTTL(c.options); d != c.ttl || given != c.given {
			t.Errorf("registerTTL(%+v) = %v, %v; want %v, %v", c.options, d, given, c.ttl, c.given)
		}
	}
}
