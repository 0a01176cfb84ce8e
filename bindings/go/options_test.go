package microreg

import (
	"testing"
	"time"
)

func TestMillisRoundsUpAndPassesNegativesOn(t *testing.T) {
	for d, want := range map[time.Duration]int64{
		0: 0, time.Microsecond: 1, time.Millisecond: 1, 1500 * time.Microsecond: 2,
		30 * time.Second: 30000, -time.Second: -1000,
	} {
		if got := millis(d); got != want {
			t.Errorf("millis(%v) = %d, want %d", d, got, want)
		}
	}
}

func TestOptionsJSON(t *testing.T) {
	none, err := encodeOptions([]RegisterOption(nil))
	if err != nil || none != nil {
		t.Fatalf("no options: %q %v, want NULL", none, err)
	}
	got, err := encodeOptions([]RegisterOption{RegisterTTL(30 * time.Second), RegisterDomain("d"), nil})
	if err != nil || string(got) != `{"ttl_ms":30000,"domain":"d"}` {
		t.Fatalf("register options: %s %v", got, err)
	}
	// Zero is an explicit "no TTL" (the library's ttl_ms 0); leaving
	// RegisterTTL out is the registry's default TTL.
	got, err = encodeOptions([]RegisterOption{RegisterTTL(0)})
	if err != nil || string(got) != `{"ttl_ms":0}` {
		t.Fatalf("RegisterTTL(0) means no TTL: %s %v", got, err)
	}
	got, err = encodeOptions([]RegisterOption{RegisterDomain("d")})
	if err != nil || string(got) != `{"domain":"d"}` {
		t.Fatalf("without RegisterTTL: %s %v", got, err)
	}
}

// Typed and generic options make one flat object of the core's keys.
func TestConfigJSON(t *testing.T) {
	got, err := encodeOptions([]Option{
		Backend("etcd"), Addrs("10.0.0.1:2379"), Timeout(2 * time.Second),
		Setting("tls_ca", "/ca.pem"), Settings(map[string]any{"username": "u", "dial_timeout_ms": 500}),
	})
	want := `{"addresses":["10.0.0.1:2379"],"backend":"etcd","dial_timeout_ms":500,"timeout_ms":2000,"tls_ca":"/ca.pem","username":"u"}`
	if err != nil || string(got) != want {
		t.Fatalf("config: %s %v, want %s", got, err, want)
	}
	got, err = encodeOptions([]Option{nil})
	if err != nil || string(got) != `{}` {
		t.Fatalf("no settings: %s %v", got, err)
	}
}
