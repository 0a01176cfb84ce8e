package microreg_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	microreg "github.com/microreg/microreg/bindings/go"
	"github.com/microreg/microreg/bindings/go/internal/testnet"
)

// clearGoMicroEnv unsets go-micro's variables for the test (an empty variable
// counts as unset for the library).
func clearGoMicroEnv(t *testing.T) {
	for _, name := range []string{"MICRO_REGISTRY", "MICRO_REGISTRY_ADDRESS", "ETCD_USERNAME", "ETCD_PASSWORD"} {
		t.Setenv(name, "")
	}
}

// The defaults are the library's: backend mdns, domain "micro", register TTL 90 s.
func TestDefaults(t *testing.T) {
	clearGoMicroEnv(t)
	c, err := microreg.ResolveConfig()
	if err != nil {
		t.Fatal(err)
	}
	if c["backend"] != "mdns" || c["domain"] != "micro" || c["register_ttl_ms"] != float64(90000) {
		t.Fatalf("defaults: %v", c)
	}
}

// New() without options opens the default backend.
func TestNewWithoutOptionsIsMdns(t *testing.T) {
	clearGoMicroEnv(t)
	testnet.RequireIsolated(t)
	r, err := microreg.New()
	testnet.SkipIfMdnsMissing(t, err)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	c, err := r.Config()
	if err != nil || c["backend"] != "mdns" || c["domain"] != "micro" || c["register_ttl_ms"] != float64(90000) {
		t.Fatalf("Config: %v %v", c, err)
	}
	if r.String() != "microreg/mdns" {
		t.Errorf("String: %q", r.String())
	}
}

func TestMicroRegistryChoosesTheBackend(t *testing.T) {
	clearGoMicroEnv(t)
	t.Setenv("MICRO_REGISTRY", "memory")
	r, err := microreg.New()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.String() != "microreg/memory" {
		t.Fatalf("MICRO_REGISTRY=memory opened %s", r.String())
	}
	t.Setenv("MICRO_REGISTRY", "consul")
	if _, err := microreg.New(); !errors.Is(err, microreg.ErrInvalidArgument) {
		t.Fatalf("MICRO_REGISTRY=consul: %v", err)
	}
	// The program's choice wins over the environment.
	r2, err := microreg.New(microreg.Backend("memory"))
	if err != nil {
		t.Fatal(err)
	}
	r2.Close()
}

func TestEtcdSettingsFromTheEnvironmentUnlessGiven(t *testing.T) {
	clearGoMicroEnv(t)
	t.Setenv("MICRO_REGISTRY", "etcd")
	t.Setenv("MICRO_REGISTRY_ADDRESS", "127.0.0.1:23790,127.0.0.1:23791")
	t.Setenv("ETCD_USERNAME", "svc")
	t.Setenv("ETCD_PASSWORD", "secret")
	c, err := microreg.ResolveConfig()
	if err != nil {
		t.Fatal(err)
	}
	want := []any{"127.0.0.1:23790", "127.0.0.1:23791"}
	if c["backend"] != "etcd" || !reflect.DeepEqual(c["addresses"], want) || c["username"] != "svc" || c["password"] != "***" {
		t.Fatalf("from the environment: %v", c)
	}
	c, err = microreg.ResolveConfig(microreg.Addrs("127.0.0.1:2379"), microreg.Setting("username", "me"),
		microreg.Setting("tls_ca", "/ca.pem"), microreg.Timeout(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c["addresses"], []any{"127.0.0.1:2379"}) || c["username"] != "me" || c["tls_ca"] != "/ca.pem" || c["timeout_ms"] != float64(2000) {
		t.Fatalf("given options: %v", c)
	}
}

// Settings of the backend pass through by name; a key the backend does not
// take is refused with its valid keys.
func TestSettingsPassThrough(t *testing.T) {
	clearGoMicroEnv(t)
	c, err := microreg.ResolveConfig(microreg.Backend("etcd"), microreg.Settings(map[string]any{"prefix": "/other/", "dial_timeout_ms": 750}))
	if err != nil || c["prefix"] != "/other/" || c["dial_timeout_ms"] != float64(750) {
		t.Fatalf("settings: %v %v", c, err)
	}
	_, err = microreg.New(microreg.Backend("etcd"), microreg.Interfaces("eth0"))
	if !errors.Is(err, microreg.ErrInvalidArgument) || !contains(err.Error(), "`interfaces`", "etcd backend", "`addresses`") {
		t.Fatalf("a key of another backend: %v", err)
	}
}

// Without RegisterTTL a registration gets the registry's default TTL;
// DefaultRegisterTTL(0) and RegisterTTL(0) mean none.
func TestRegisterTTLDefault(t *testing.T) {
	r := newRegistry(t, microreg.DefaultRegisterTTL(0))
	c, err := r.Config()
	if err != nil || c["register_ttl_ms"] != nil {
		t.Fatalf("DefaultRegisterTTL(0): %v %v", c, err)
	}
	s := service(uniqueName(t), "1.0.0", "n-1")
	if err := r.Register(s, microreg.RegisterTTL(0)); err != nil {
		t.Fatal(err)
	}
	if got, err := r.GetService(s.Name); err != nil || len(got) != 1 {
		t.Fatalf("GetService: %v %v", got, err)
	}
}

func contains(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
