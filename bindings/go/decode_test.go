package microreg

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// The library's answer for a 3-node service, as the C ABI writes it.
const threeNodes = `[{"name":"greeter","version":"1.0.0","metadata":{},"endpoints":[],"nodes":[` +
	`{"id":"greeter-1","address":"10.0.0.1:8080","metadata":{"protocol":"mucp"}},` +
	`{"id":"greeter-2","address":"10.0.0.2:8080","metadata":{"protocol":"mucp"}},` +
	`{"id":"greeter-3","address":"10.0.0.3:8080","metadata":{"protocol":"mucp"}}]}]`

// viaStdlib decodes with encoding/json, the reference.
func viaStdlib[T any](t testing.TB, text string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		t.Fatalf("encoding/json: %v", err)
	}
	return v
}

func TestDecodeServicesMatchesEncodingJSON(t *testing.T) {
	for _, text := range []string{
		threeNodes,
		`[]`,
		` [ { "name" : "a" , "nodes" : null , "metadata" : null , "endpoints" : null } ] `,
		`[{"name":"esc\"aped\\ \/ \b\f\n\r\t \u00e9 \ud83d\ude00 \ud800x","version":"\u0031"}]`,
		`[{"name":"a","unknown":{"deep":[1,-2.5e+3,true,false,null,"s",{"x":[]}]},"nodes":[{"id":"n","extra":0}]}]`,
		`[{"name":"a","endpoints":[{"name":"E","request":{"name":"R","type":"T","values":[{"name":"f","type":"string","values":null}]},"response":null,"metadata":{"k":"v"}}]}]`,
		`[{"name":"b","version":"1"},{"name":"b","version":"2","nodes":[{"id":"x","address":"[::1]:1","metadata":{"a":"1","b":"2"}}]}]`,
	} {
		got, err := decodeServices([]byte(text))
		if err != nil {
			t.Errorf("%s: %v", text, err)
			continue
		}
		want := viaStdlib[[]*Service](t, text)
		if !sameServices(got, want) {
			t.Errorf("%s:\n got  %s\n want %s", text, mustMarshal(got), mustMarshal(want))
		}
	}
}

func TestDecodeResult(t *testing.T) {
	text := `{"action":"update","service":{"name":"a","nodes":[{"id":"a-1","address":"h:1","metadata":{}}]},"timestamp":"2026-11-27T14:00:00.123456789Z"}`
	got, err := decodeResult([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	want := viaStdlib[Result](t, text)
	if got.Action != Update || !got.Timestamp.Equal(want.Timestamp) || got.Timestamp.Nanosecond() != 123456789 ||
		!sameServices([]*Service{got.Service}, []*Service{want.Service}) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	if _, err := decodeResult([]byte(`{"timestamp":"yesterday"}`)); err == nil {
		t.Error("a bad timestamp was accepted")
	}
	if got.Timestamp.Location() != time.UTC {
		t.Errorf("timestamp location %v", got.Timestamp.Location())
	}
}

func TestDecodeRejectsBrokenJSON(t *testing.T) {
	for _, text := range []string{
		``, `[`, `[{]`, `[{"name"}]`, `[{"name":}]`, `[{"name":1}]`, `[{"name":"a"]`, `[{"name":"a",}]`,
		`[{"name":"a"}] x`, `[{"name":"\x"}]`, `[{"name":"\u12"}]`, "[{\"name\":\"a\x01\"}]", `[{"name":"a`,
		`[{"x":01}]`, `[{"x":-}]`, `[{"x":1.}]`, `[{"x":1e}]`, `[{"x":tru}]`, `{}`, `[{null:1}]`,
		`[{"nodes":[{"metadata":{"a":1}}]}]`, strings.Repeat("[", 100000),
		`[{"endpoints":[{"request":` + strings.Repeat(`{"values":[`, 2000) + `]}]}]`,
	} {
		if _, err := decodeServices([]byte(text)); err == nil {
			t.Errorf("accepted %.60q", text)
		}
	}
}

// FuzzDecodeServices: never a panic; whatever encoding/json reads from valid
// UTF-8, this decoder reads the same (or both refuse).
func FuzzDecodeServices(f *testing.F) {
	for _, seed := range []string{threeNodes, `[]`, `[{"name":"\u00e9\ud83d\ude00","nodes":null}]`, `[{"x":[1,{"y":null}]}]`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		got, err := decodeServices([]byte(text))
		if !utf8.ValidString(text) || strings.Contains(strings.ToLower(text), `"`) && hasCaseVariantKeys(text) {
			return
		}
		var want []*Service
		if json.Unmarshal([]byte(text), &want) != nil {
			return // encoding/json is stricter about types in a few places; no panic is enough
		}
		if err != nil {
			t.Fatalf("refused what encoding/json reads: %v", err)
		}
		if !sameServices(got, want) {
			t.Fatalf("got %s, want %s", mustMarshal(got), mustMarshal(want))
		}
	})
}

// hasCaseVariantKeys: encoding/json matches keys case-insensitively and merges
// repeated keys; this decoder does neither, so such inputs are not compared.
func hasCaseVariantKeys(text string) bool {
	lower := strings.ToLower(text)
	for _, k := range []string{"name", "version", "metadata", "endpoints", "nodes", "id", "address", "request", "response", "type", "values"} {
		key := `"` + k + `"`
		if strings.Count(lower, key) != strings.Count(text, key) || strings.Count(text, key) > 1 {
			return true
		}
	}
	return false
}

// sameServices compares treating nil and empty lists and maps as equal.
func sameServices(a, b []*Service) bool {
	return reflect.DeepEqual(normalize(a), normalize(b))
}

func normalize(services []*Service) any {
	var v any
	_ = json.Unmarshal([]byte(strings.NewReplacer(`[]`, `null`, `{}`, `null`).Replace(mustMarshal(services))), &v)
	return v
}

func mustMarshal(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func BenchmarkDecodeServices(b *testing.B) {
	data := []byte(threeNodes)
	b.Run("microreg", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if _, err := decodeServices(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			var s []*Service
			if err := json.Unmarshal(data, &s); err != nil {
				b.Fatal(err)
			}
		}
	})
}
