// gomicro-peer: a stock go-micro v5 service using go-micro's default mdns
// registry, for interop tests with microreg. Prints JSON lines.
//
//	gomicro-peer register NAME ID HOST:PORT   registers, prints "ready", deregisters on SIGTERM
//	gomicro-peer get NAME                     GetService (go-micro waits its 100 ms timeout)
//	gomicro-peer list                         ListServices
//	gomicro-peer watch NAME COUNT TIMEOUT_MS  prints COUNT watch results (or fewer on timeout)
//	gomicro-peer bench-get NAME N             times N GetService calls, prints the median in µs
//	gomicro-peer bench-serve IP               benchmark publisher (line protocol on stdin, see bench.go)
//	gomicro-peer bench-observe                benchmark observer: one line per watch result
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"syscall"
	"time"

	"go-micro.dev/v5/registry"
)

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gomicro-peer:", err)
	os.Exit(1)
}

func printJSON(v interface{}) {
	b, err := json.Marshal(v)
	if err != nil {
		fail(err)
	}
	fmt.Println(string(b))
}

func main() {
	if len(os.Args) < 2 {
		fail(fmt.Errorf("usage: register|get|list|watch"))
	}
	reg := registry.NewMDNSRegistry()
	switch os.Args[1] {
	case "register":
		svc := &registry.Service{
			Name:    os.Args[2],
			Version: "1.2.3",
			Endpoints: []*registry.Endpoint{{
				Name:     "Greeter.Hello",
				Request:  &registry.Value{Name: "Request", Type: "Request", Values: []*registry.Value{{Name: "name", Type: "string"}}},
				Response: &registry.Value{Name: "Response", Type: "Response"},
				Metadata: map[string]string{"stream": "false"},
			}},
			Nodes: []*registry.Node{{Id: os.Args[3], Address: os.Args[4], Metadata: map[string]string{"lang": "go"}}},
		}
		if err := reg.Register(svc, registry.RegisterTTL(30*time.Second)); err != nil {
			fail(err)
		}
		fmt.Println("ready")
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, syscall.SIGTERM, os.Interrupt)
		<-stop
		if err := reg.Deregister(svc); err != nil {
			fail(err)
		}
		fmt.Println("deregistered")
	case "get":
		services, err := reg.GetService(os.Args[2])
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
		count, _ := strconv.Atoi(os.Args[3])
		timeoutMs, _ := strconv.Atoi(os.Args[4])
		w, err := reg.Watch(registry.WatchService(os.Args[2]))
		if err != nil {
			fail(err)
		}
		fmt.Println("watching")
		results := make(chan *registry.Result)
		go func() {
			for {
				r, err := w.Next()
				if err != nil {
					close(results)
					return
				}
				results <- r
			}
		}()
		deadline := time.After(time.Duration(timeoutMs) * time.Millisecond)
		for i := 0; i < count; i++ {
			select {
			case r, ok := <-results:
				if !ok {
					return
				}
				printJSON(map[string]interface{}{"action": r.Action, "service": r.Service})
			case <-deadline:
				return
			}
		}
	case "bench-get":
		n, _ := strconv.Atoi(os.Args[3])
		var took []time.Duration
		for i := 0; i < n; i++ {
			start := time.Now()
			services, err := reg.GetService(os.Args[2])
			if err != nil || len(services) == 0 {
				fail(fmt.Errorf("GetService: %v (%d services)", err, len(services)))
			}
			took = append(took, time.Since(start))
		}
		sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
		fmt.Println(took[len(took)/2].Microseconds())
	case "bench-list":
		// ListServices n times in this process: median milliseconds and the
		// number of services of the last call.
		n, _ := strconv.Atoi(os.Args[2])
		var took []time.Duration
		var count int
		for i := 0; i < n; i++ {
			start := time.Now()
			services, err := reg.ListServices()
			if err != nil {
				fail(err)
			}
			took = append(took, time.Since(start))
			count = len(services)
		}
		sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
		fmt.Printf("%.1f %d\n", float64(took[len(took)/2].Microseconds())/1000, count)
	case "bench-serve":
		benchServe(reg, os.Args[2])
	case "bench-observe":
		benchObserve(reg)
	default:
		fail(fmt.Errorf("unknown command %q", os.Args[1]))
	}
}
