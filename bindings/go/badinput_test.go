package microreg_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	microreg "github.com/microreg/microreg/bindings/go"
)

// Bad input is an error with the library's code and message, never a panic, and
// never disturbs what is registered.
func TestBadInputIsAnErrorAndChangesNothing(t *testing.T) {
	r := newRegistry(t)
	name := uniqueName(t)
	good := service(name, "1", name+"-1")
	if err := r.Register(good); err != nil {
		t.Fatal(err)
	}
	before, err := r.GetService(name)
	if err != nil {
		t.Fatal(err)
	}

	huge := strings.Repeat("x", 1<<20)
	noAddress := service(name, "1", name+"-2")
	noAddress.Nodes[0].Address = "10.0.0.9"
	noNodeID := service(name, "1", "")
	noName := service("", "1", name+"-3")
	hugeMetadata := service(name, "1", name+"-4")
	hugeMetadata.Nodes[0].Metadata["big"] = huge
	noNodes := service(name, "1")
	nilNode := service(name, "1", name+"-5")
	nilNode.Nodes = append(nilNode.Nodes, nil)

	invalid := map[string]error{
		"nil service":       r.Register(nil),
		"no address":        r.Register(noAddress),
		"no node id":        r.Register(noNodeID),
		"no name":           r.Register(noName),
		"1 MiB metadata":    r.Register(hugeMetadata),
		"no nodes":          r.Register(noNodes),
		"nil node":          r.Register(nilNode),
		"negative TTL":      r.Register(good, microreg.RegisterTTL(-time.Second)),
		"wildcard domain":   r.Register(good, microreg.RegisterDomain("*")),
		"dotted domain":     r.Register(good, microreg.RegisterDomain("a.b")),
		"nil deregister":    r.Deregister(nil),
		"deregister noname": r.Deregister(noName),
		"NUL in name":       second(r.GetService("a\x00b")),
		"invalid UTF-8":     second(r.GetService("\xff\xfe")),
		"empty name":        second(r.GetService("")),
		"1 MiB name":        second(r.GetService(huge)),
		"bad get domain":    second(r.GetService(name, microreg.GetDomain("a.b"))),
		"bad list domain":   second(r.ListServices(microreg.ListDomain("a.b"))),
		"bad watch domain":  second(r.Watch(microreg.WatchDomain("a.b"))),
		"unknown backend":   second(microreg.New(microreg.Backend("nope"))),
		"bad domain":        second(microreg.New(memory, microreg.Domain("a.b"))),
		"negative timeout":  second(microreg.New(memory, microreg.Timeout(-time.Second))),
	}
	for what, err := range invalid {
		var e *microreg.Error
		switch {
		case err == nil:
			t.Errorf("%s: accepted", what)
		case !errors.As(err, &e) || !errors.Is(err, microreg.ErrInvalidArgument):
			t.Errorf("%s: %v (%T), want an invalid-argument *Error", what, err, err)
		case e.Message == "":
			t.Errorf("%s: no message", what)
		}
	}

	after, err := r.GetService(name)
	if err != nil {
		t.Fatalf("GetService after bad input: %v", err)
	}
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("registration changed: before %+v, after %+v", before, after)
	}
}

func second[T any](_ T, err error) error { return err }

func TestErrorsCarryCodeAndMessage(t *testing.T) {
	r := newRegistry(t)
	_, err := r.GetService(uniqueName(t))
	var e *microreg.Error
	if !errors.As(err, &e) {
		t.Fatalf("GetService of an unknown service: %v (%T)", err, err)
	}
	if e.Code != microreg.CodeNotFound || !errors.Is(err, microreg.ErrNotFound) {
		t.Errorf("code %d (%s), want not found", e.Code, e.Code)
	}
	if errors.Is(err, microreg.ErrInvalidArgument) || errors.Is(err, microreg.ErrWatcherStopped) {
		t.Errorf("%v matches the wrong sentinel", err)
	}
	if e.Message == "" || e.Code.String() != "not found" {
		t.Errorf("message %q, code text %q", e.Message, e.Code.String())
	}
}

// An etcd cluster nobody listens for: the registry connects on demand, and
// its first lookup fails with ErrBackendUnavailable and a message naming etcd.
func TestUnreachableEtcdSaysSo(t *testing.T) {
	r, err := microreg.New(microreg.Backend("etcd"), microreg.Addrs("127.0.0.1:1"),
		microreg.Timeout(time.Second), microreg.Setting("dial_timeout_ms", 200))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer r.Close()
	_, err = r.GetService("lamp")
	if !errors.Is(err, microreg.ErrBackendUnavailable) || !strings.Contains(err.Error(), "etcd") {
		t.Fatalf("GetService on an unreachable etcd: %v, want ErrBackendUnavailable naming etcd", err)
	}
}
