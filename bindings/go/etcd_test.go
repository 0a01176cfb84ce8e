package microreg_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	microreg "github.com/microreg/microreg/bindings/go"
)

// etcdAddress is the test etcd that tests/etcd/with-etcd started (make
// test-etcd); without one the etcd tests are skipped.
func etcdAddress(t *testing.T) string {
	t.Helper()
	address := os.Getenv("MICROREG_TEST_ETCD")
	if address == "" {
		t.Skip("no test etcd: run `make test-etcd`")
	}
	return address
}

// Two registries of one process share nothing but etcd: what one registers,
// the other finds and watches, and the key is where go-micro would put it.
func TestEtcdRegisterFindWatchDeregister(t *testing.T) {
	address := etcdAddress(t)
	etcd := []microreg.Option{microreg.Backend("etcd"), microreg.Addrs(address)}
	writer := newRegistry(t, etcd...)
	reader := newRegistry(t, etcd...)
	name := uniqueName(t)
	w, err := reader.Watch(microreg.WatchService(name))
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	defer w.Stop()

	s := service(name, "1.0.0", name+"-a")
	if err := writer.Register(s, microreg.RegisterTTL(10*time.Second)); err != nil {
		t.Fatalf("Register: %v", err)
	}
	select {
	case r := <-w.Results():
		if r.Action != microreg.Create || r.Service.Nodes[0].Id != name+"-a" {
			t.Fatalf("first event: %+v", r)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no create event")
	}
	got, err := reader.GetService(name)
	if err != nil || len(got) != 1 || got[0].Nodes[0].Address != s.Nodes[0].Address {
		t.Fatalf("GetService: %v %+v", err, got)
	}
	etcdctl := exec.Command("etcdctl", "get", "--prefix", "--keys-only", "/micro/registry/"+name+"/")
	etcdctl.Env = append(os.Environ(), "ETCDCTL_ENDPOINTS="+address)
	keys, err := etcdctl.Output()
	if err != nil || !strings.Contains(string(keys), "/micro/registry/"+name+"/"+name+"-a") {
		t.Fatalf("etcd keys: %v %q", err, keys)
	}

	if err := writer.Deregister(s); err != nil {
		t.Fatalf("Deregister: %v", err)
	}
	select {
	case r := <-w.Results():
		if r.Action != microreg.Delete {
			t.Fatalf("second event: %+v", r)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no delete event")
	}
}
