// Package testnet holds what the Go tests of microreg and its go-micro adapter
// share: the isolation check that guards every mDNS socket, test hosts in
// network namespaces, and peer processes on them.
package testnet

import (
	"bufio"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	microreg "github.com/microreg/microreg/bindings/go"
)

// RequireIsolated refuses (skips with the reason) unless every network
// interface is lo or a test interface (mr*): mDNS must never reach a real one.
func RequireIsolated(t testing.TB) {
	t.Helper()
	f, err := os.Open("/proc/self/net/dev")
	if err != nil {
		t.Skipf("refusing to open mDNS sockets: cannot list interfaces: %v", err)
	}
	defer f.Close()
	lines := bufio.NewScanner(f)
	for lines.Scan() {
		name, _, ok := strings.Cut(lines.Text(), ":")
		name = strings.TrimSpace(name)
		if !ok || strings.Contains(name, "|") {
			continue // the two header lines
		}
		if name != "lo" && !strings.HasPrefix(name, "mr") {
			t.Skipf("refusing to open mDNS sockets: interface %q is not a test interface; run inside tests/netns/isolated", name)
		}
	}
}

// NewMdns opens a microreg registry on the mdns backend, or skips while this
// build of the library has no mdns backend. Closed at the end of the test.
func NewMdns(t testing.TB, opts ...microreg.Option) *microreg.Registry {
	t.Helper()
	RequireIsolated(t)
	r, err := microreg.New(append([]microreg.Option{microreg.Backend("mdns")}, opts...)...)
	SkipIfMdnsMissing(t, err)
	if err != nil {
		t.Fatalf("New(mdns): %v", err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

// SkipIfMdnsMissing skips when err says the library was built without mdns.
func SkipIfMdnsMissing(t testing.TB, err error) {
	t.Helper()
	if errors.Is(err, microreg.ErrBackendUnavailable) && strings.Contains(err.Error(), "not part of this build") {
		t.Skipf("skipped: the mdns backend is not part of this library build yet (%v)", err)
	}
}

// Eventually retries check until it passes or a generous deadline passes.
func Eventually(t testing.TB, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still failing after 30 s: %v", what, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
