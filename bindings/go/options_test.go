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
	got, err = encodeOptions([]RegisterOption{RegisterTTL(0)})
	if err != nil || string(got) != `{}` {
		t.Fatalf("RegisterTTL(0) means no TTL: %s %v", got, err)
	}
}
