// gomicro-etcd-peer: a stock go-micro v5.30.0 program using go-micro's own
// registry/etcd, for interop tests and benchmarks against microreg. It reaches
// etcd the way every go-micro program does: MICRO_REGISTRY_ADDRESS
// (host:port,...) and ETCD_USERNAME / ETCD_PASSWORD from the environment.
// Output is JSON, one document per line.
//
//	register NAME ID HOST:PORT [TTL_S]  registers a service with an endpoint and metadata,
//	                                    prints "ready", deregisters on SIGTERM/SIGINT
//	                                    (prints "deregistered"); kill -9 leaves the lease to expire
//	get NAME                            GetService
//	list                                ListServices
//	watch [NAME]                        prints "watching", then one line per event:
//	                                    {"action","service"} (until killed)
//	deregister NAME ID                  Deregister one node
//
// The benchmark side (bench, bench-registrant) is in bench.go.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go-micro.dev/v5/registry"
	"go-micro.dev/v5/registry/etcd"
)

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gomicro-etcd-peer:", err)
	os.Exit(1)
}

func printJSON(v interface{}) {
	b, err := json.Marshal(v)
	if err != nil {
		fail(err)
	}
	fmt.Println(string(b))
}

func usage() {
	fail(fmt.Errorf("usage: register NAME ID HOST:PORT [TTL_S] | get NAME | list | watch [NAME] | deregister NAME ID | bench-..."))
}

// greeter is the service a go-micro program would register: one endpoint
// with request/response shapes, service and node metadata.
func greeter(name, id, address string) *registry.Service {
	return &registry.Service{
		Name:     name,
		Version:  "1.2.3",
		Metadata: map[string]string{"team": "interop"},
		Endpoints: []*registry.Endpoint{{
			Name:     "Greeter.Hello",
			Request:  &registry.Value{Name: "Request", Type: "Request", Values: []*registry.Value{{Name: "name", Type: "string"}}},
			Response: &registry.Value{Name: "Response", Type: "Response", Values: []*registry.Value{{Name: "msg", Type: "string"}}},
			Metadata: map[string]string{"stream": "false"},
		}},
		Nodes: []*registry.Node{{Id: id, Address: address, Metadata: map[string]string{"lang": "go", "registry": "etcd"}}},
	}
}

// registryAddress is MICRO_REGISTRY_ADDRESS as this process was given it.
var registryAddress = os.Getenv("MICRO_REGISTRY_ADDRESS")

// options: go-micro's etcd registry takes MICRO_REGISTRY_ADDRESS as one
// address; go-micro's command line splits it at commas first, so do we (and
// hide the variable from the registry, which would read it whole).
func options() []registry.Option {
	opts := []registry.Option{registry.Timeout(5 * time.Second)}
	if registryAddress != "" {
		opts = append(opts, registry.Addrs(strings.Split(registryAddress, ",")...))
		os.Unsetenv("MICRO_REGISTRY_ADDRESS")
	}
	return opts
}

func waitForSignal() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, os.Interrupt)
	<-stop
}

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	reg := etcd.NewEtcdRegistry(options()...)
	args := os.Args[2:]
	switch os.Args[1] {
	case "register":
		if len(args) < 3 {
			usage()
		}
		ttl := 30
		if len(args) > 3 {
			var err error
			if ttl, err = strconv.Atoi(args[3]); err != nil {
				fail(err)
			}
		}
		svc := greeter(args[0], args[1], args[2])
		if err := reg.Register(svc, registry.RegisterTTL(time.Duration(ttl)*time.Second)); err != nil {
			fail(err)
		}
		fmt.Println("ready")
		waitForSignal()
		if err := reg.Deregister(svc); err != nil {
			fail(err)
		}
		fmt.Println("deregistered")
	case "get":
		if len(args) < 1 {
			usage()
		}
		services, err := reg.GetService(args[0])
		if err != nil {
			fail(err)
		}
		printJSON(services)
	case "list":
		services, err := reg.ListServices()
		if err != nil {
			fail(err)
		}
		printJSON(services)
	case "watch":
		var opts []registry.WatchOption
		if len(args) > 0 {
			opts = append(opts, registry.WatchService(args[0]))
		}
		w, err := reg.Watch(opts...)
		if err != nil {
			fail(err)
		}
		// A round trip on the same connection after the watch request: by the
		// time it answers, the watch has (in practice) been created, so a
		// test that registers after "watching" sees the event.
		if _, err := reg.ListServices(); err != nil {
			fail(err)
		}
		fmt.Println("watching")
		for {
			r, err := w.Next()
			if err != nil {
				fail(err)
			}
			printJSON(map[string]interface{}{"action": r.Action, "service": r.Service})
		}
	case "deregister":
		if len(args) < 2 {
			usage()
		}
		svc := &registry.Service{Name: args[0], Nodes: []*registry.Node{{Id: args[1]}}}
		if err := reg.Deregister(svc); err != nil {
			fail(err)
		}
		fmt.Println("deregistered")
	default:
		if !bench(reg, os.Args[1], args) {
			usage()
		}
	}
}
