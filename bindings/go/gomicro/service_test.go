package gomicro_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	microreg "github.com/microreg/microreg/bindings/go"
	"github.com/microreg/microreg/bindings/go/gomicro"
	"github.com/microreg/microreg/bindings/go/internal/testnet"
	micro "go-micro.dev/v5"
	"go-micro.dev/v5/client"
	"go-micro.dev/v5/registry"
	"go-micro.dev/v5/server"
)

// Greeter is the RPC handler of the test services.
type Greeter struct{ who string }

type HelloRequest struct {
	Name string `json:"name"`
}

type HelloResponse struct {
	Greeting string `json:"greeting"`
}

func (g *Greeter) Hello(_ context.Context, req *HelloRequest, rsp *HelloResponse) error {
	rsp.Greeting = "hello " + req.Name + " from " + g.who
	return nil
}

// startService runs a real go-micro service named name on reg; it stops (and
// deregisters) at the end of the test.
func startService(t testing.TB, name, who, address string, reg registry.Registry) micro.Service {
	t.Helper()
	svc := micro.NewService(
		micro.Server(server.NewRPCServer()),
		micro.Name(name),
		micro.Registry(reg),
		micro.Address(address),
		micro.RegisterTTL(10*time.Second),
		micro.RegisterInterval(3*time.Second),
	)
	if err := micro.RegisterHandler(svc.Server(), &Greeter{who: who}); err != nil {
		t.Fatalf("RegisterHandler: %v", err)
	}
	if err := svc.Server().Start(); err != nil {
		t.Fatalf("server Start: %v", err)
	}
	t.Cleanup(func() { _ = svc.Server().Stop() })
	return svc
}

// callUntilAnswered calls name's Greeter.Hello through c, retrying while
// discovery catches up, and returns the greeting.
func callUntilAnswered(t testing.TB, c client.Client, name string) string {
	t.Helper()
	var greeting string
	testnet.Eventually(t, "call "+name, func() error {
		req := c.NewRequest(name, "Greeter.Hello", &HelloRequest{Name: "tester"},
			client.WithContentType("application/json"))
		var rsp HelloResponse
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := c.Call(ctx, req, &rsp, client.WithRequestTimeout(5*time.Second)); err != nil {
			return err
		}
		greeting = rsp.Greeting
		return nil
	})
	return greeting
}

// A go-micro service registered through the adapter is called by a go-micro
// client that discovers it through the adapter (memory backend, one process).
func TestGoMicroServiceOverAdapter(t *testing.T) {
	reg := newAdapter(t)
	name := uniqueName("greeter")
	startService(t, name, "adapter", "127.0.0.1:0", reg)

	services, err := reg.GetService(name)
	if err != nil || len(services) != 1 || len(services[0].Nodes) != 1 {
		t.Fatalf("the service did not register through the adapter: %+v %v", services, err)
	}
	if len(services[0].Endpoints) == 0 {
		t.Errorf("go-micro's endpoints were lost: %+v", services[0])
	}

	caller := micro.NewService(micro.Registry(newAdapter(t)))
	if got := callUntilAnswered(t, caller.Client(), name); got != "hello tester from adapter" {
		t.Fatalf("reply %q", got)
	}
}

// A go-micro service using the adapter on mdns is called by a go-micro service
// using go-micro's own mdns registry on another host, and the other way round.
func TestGoMicroAdapterAndGoMicroMdnsOnTwoHosts(t *testing.T) {
	_ = testnet.NewMdns(t).Close() // skips while the backend is missing
	hosts := testnet.Hosts(t, 2)
	for _, c := range []struct{ server, caller string }{
		{"adapter", "gomicro-mdns"},
		{"gomicro-mdns", "adapter"},
	} {
		t.Run(c.server+"-serves-"+c.caller+"-calls", func(t *testing.T) {
			// go-micro's node id is "<name>-<uuid>", one DNS label of at most 63
			// bytes on mDNS: names stay short.
			name := uniqueName("greeter")
			server := hosts.Start(t, 1, []string{fmt.Sprintf("MICROREG_GO_TEST_GOMICRO_ROLE=serve %s %s", c.server, name)},
				os.Args[0], "-test.run=^TestGoMicroPeerProcess$")
			server.Await(t, "serving")
			caller := hosts.Start(t, 2, []string{fmt.Sprintf("MICROREG_GO_TEST_GOMICRO_ROLE=call %s %s", c.caller, name)},
				os.Args[0], "-test.run=^TestGoMicroPeerProcess$")
			if got := caller.Await(t, "reply"); got != "hello tester from "+c.server {
				t.Errorf("reply %q", got)
			}
			caller.Finish(t)
			server.Finish(t)
		})
	}
}

// TestGoMicroPeerProcess is one go-micro program of the two-host test, run on a
// host by a copy of this test binary; it does nothing in a normal run.
func TestGoMicroPeerProcess(t *testing.T) {
	spec := strings.Fields(os.Getenv("MICROREG_GO_TEST_GOMICRO_ROLE"))
	if len(spec) == 0 {
		t.Skip("helper process of TestGoMicroAdapterAndGoMicroMdnsOnTwoHosts")
	}
	if len(spec) != 3 {
		t.Fatalf("MICROREG_GO_TEST_GOMICRO_ROLE=%q: want ROLE REGISTRY NAME", spec)
	}
	role, which, name := spec[0], spec[1], spec[2]
	var reg registry.Registry
	switch which {
	case "adapter":
		testnet.NewMdns(t).Close() // the same skip as the parent
		reg = newAdapter(t, gomicro.With(microreg.Backend("mdns")))
	case "gomicro-mdns":
		testnet.RequireIsolated(t)
		reg = registry.NewRegistry()
	default:
		t.Fatalf("unknown registry %q", which)
	}
	switch role {
	case "serve":
		startService(t, name, which, ":0", reg)
		fmt.Println("serving " + name)
		testnet.WaitForStdinEOF()
	case "call":
		caller := micro.NewService(micro.Registry(reg))
		fmt.Println("reply " + callUntilAnswered(t, caller.Client(), name))
		testnet.WaitForStdinEOF()
	default:
		t.Fatalf("unknown role %q", role)
	}
}
