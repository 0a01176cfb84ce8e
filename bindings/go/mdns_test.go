package microreg_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	microreg "github.com/microreg/microreg/bindings/go"
	"github.com/microreg/microreg/bindings/go/internal/testnet"
)

func TestMdnsRegisterGetWatchDeregister(t *testing.T) {
	owner := testnet.NewMdns(t)
	observer := testnet.NewMdns(t)
	name := uniqueName(t)
	w, err := observer.Watch(microreg.WatchService(name))
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	defer w.Stop()

	s := service(name, "1.0.0", name+"-1")
	s.Nodes[0].Address = "127.0.0.1:9090"
	if err := owner.Register(s, microreg.RegisterTTL(10*time.Second)); err != nil {
		t.Fatalf("Register: %v", err)
	}
	expect(t, nextWithin(t, w), microreg.Create, name, name+"-1")
	testnet.Eventually(t, "observer finds the node", func() error {
		got, err := observer.GetService(name)
		if err != nil {
			return err
		}
		if ids := nodeIDs(got); len(ids) != 1 || ids[0] != name+"-1" || got[0].Nodes[0].Address != "127.0.0.1:9090" {
			return fmt.Errorf("got %s", mustJSON(got))
		}
		return nil
	})
	testnet.Eventually(t, "observer lists the service", func() error {
		all, err := observer.ListServices()
		if err != nil {
			return err
		}
		for _, x := range all {
			if x.Name == name {
				return nil
			}
		}
		return errors.New("not listed")
	})

	if err := owner.Deregister(s); err != nil {
		t.Fatalf("Deregister: %v", err)
	}
	for {
		if res := nextWithin(t, w); res.Action == microreg.Delete {
			expect(t, res, microreg.Delete, name, name+"-1")
			break
		}
	}
	testnet.Eventually(t, "node gone", func() error {
		if _, err := observer.GetService(name); !errors.Is(err, microreg.ErrNotFound) {
			return fmt.Errorf("GetService: %v", err)
		}
		return nil
	})
}

// A Go program on host 1 and a C program on host 2 register on the mdns
// backend and each finds the other.
func TestMdnsGoAndCDiscoverEachOtherOnTwoHosts(t *testing.T) {
	_ = testnet.NewMdns(t).Close() // skips while the backend is missing
	root := testnet.Root(t)
	peer := filepath.Join(t.TempDir(), "peer")
	testnet.Run(t, "cc", "-Wall", "-Wextra", "-Werror", "-I"+filepath.Join(root, "include"), "-o", peer,
		"testdata/peer.c", filepath.Join(root, "target/release/libmicroreg.a"), "-ldl", "-lpthread", "-lm")
	hosts := testnet.Hosts(t, 2)

	goName, cName := uniqueName(t)+"-go", uniqueName(t)+"-c"
	goAddr, cAddr := hosts.Addr(1)+":8001", hosts.Addr(2)+":8002"
	goPeer := hosts.Start(t, 1, []string{"MICROREG_GO_TEST_PEER=" + goName + " " + goAddr + " " + cName},
		os.Args[0], "-test.run=^TestMdnsPeerProcess$")
	cPeer := hosts.Start(t, 2, nil, peer, cName, cAddr, goName)

	// Each peer prints what it found, then stays registered until told to go.
	goFound, cFound := goPeer.Await(t, "found"), cPeer.Await(t, "found")
	if !strings.Contains(goFound, `"`+cAddr+`"`) || !strings.Contains(goFound, `"lang":"c"`) {
		t.Errorf("the Go peer found %s", goFound)
	}
	if !strings.Contains(cFound, `"`+goAddr+`"`) || !strings.Contains(cFound, `"lang":"go"`) {
		t.Errorf("the C peer found %s", cFound)
	}
	goPeer.Finish(t)
	cPeer.Finish(t)
}

// TestMdnsPeerProcess is the Go peer of the two-host test, run on a host by a
// copy of this test binary; it does nothing in a normal run.
func TestMdnsPeerProcess(t *testing.T) {
	spec := os.Getenv("MICROREG_GO_TEST_PEER")
	if spec == "" {
		t.Skip("helper process of TestMdnsGoAndCDiscoverEachOtherOnTwoHosts")
	}
	var name, address, find string
	if _, err := fmt.Sscan(spec, &name, &address, &find); err != nil {
		t.Fatalf("MICROREG_GO_TEST_PEER=%q: %v", spec, err)
	}
	r := testnet.NewMdns(t)
	s := &microreg.Service{Name: name, Version: "1.0.0", Nodes: []*microreg.Node{
		{Id: name + "-1", Address: address, Metadata: map[string]string{"lang": "go"}},
	}}
	if err := r.Register(s, microreg.RegisterTTL(30*time.Second)); err != nil {
		t.Fatalf("Register: %v", err)
	}
	testnet.Eventually(t, "find "+find, func() error {
		got, err := r.GetService(find)
		if err != nil {
			return err
		}
		fmt.Printf("found %s\n", mustJSON(got))
		return nil
	})
	testnet.WaitForStdinEOF()
}
