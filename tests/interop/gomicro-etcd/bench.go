// The go-micro side of `make bench-etcd` (tests/etcd/bench). Figures are
// printed as `name value unit` lines; times that two processes compare are
// wall-clock Unix nanoseconds (both run on the same machine).
//
//	bench-latency-watch NAME N          prints "watching", then after N create events
//	                                    the register→event latency p50/p99 (each node
//	                                    carries its registrant's send time in metadata "sent_ns")
//	bench-latency-register NAME N GAP_MS
//	                                    registers N nodes one at a time, GAP_MS apart
//	bench-get NAME N                    N GetService calls: p50, p99 and mean
//	bench-register-many NAME N TTL_S    one Register of a service with N nodes; prints
//	                                    "ready", keeps them alive until SIGTERM
//	bench-visible NAME N                prints "watching", then `visible_at_ns T` once N
//	                                    distinct nodes of NAME have been seen
package main

import (
	"fmt"
	"sort"
	"strconv"
	"time"

	"go-micro.dev/v5/registry"
)

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		fail(err)
	}
	return n
}

func quantile(sorted []time.Duration, q float64) time.Duration {
	i := int(q * float64(len(sorted)))
	if i >= len(sorted) {
		i = len(sorted) - 1
	}
	return sorted[i]
}

func micros(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Nanoseconds())/1000, 'f', 1, 64)
}

func bench(reg registry.Registry, command string, args []string) bool {
	switch command {
	case "bench-latency-watch":
		if len(args) < 2 {
			return false
		}
		latencyWatch(reg, args[0], atoi(args[1]))
	case "bench-latency-register":
		if len(args) < 3 {
			return false
		}
		latencyRegister(reg, args[0], atoi(args[1]), atoi(args[2]))
	case "bench-get":
		if len(args) < 2 {
			return false
		}
		benchGet(reg, args[0], atoi(args[1]))
	case "bench-register-many":
		if len(args) < 3 {
			return false
		}
		registerMany(reg, args[0], atoi(args[1]), atoi(args[2]))
	case "bench-visible":
		if len(args) < 2 {
			return false
		}
		visible(reg, args[0], atoi(args[1]))
	default:
		return false
	}
	return true
}

func watchReady(reg registry.Registry, name string) registry.Watcher {
	w, err := reg.Watch(registry.WatchService(name))
	if err != nil {
		fail(err)
	}
	if _, err := reg.ListServices(); err != nil {
		fail(err)
	}
	fmt.Println("watching")
	return w
}

func latencyWatch(reg registry.Registry, name string, n int) {
	w := watchReady(reg, name)
	var took []time.Duration
	for len(took) < n {
		r, err := w.Next()
		if err != nil {
			fail(err)
		}
		now := time.Now().UnixNano()
		if r.Action != "create" || len(r.Service.Nodes) == 0 {
			continue
		}
		sent, err := strconv.ParseInt(r.Service.Nodes[0].Metadata["sent_ns"], 10, 64)
		if err != nil {
			continue
		}
		took = append(took, time.Duration(now-sent))
	}
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	fmt.Println("latency_p50", micros(quantile(took, 0.5)), "us")
	fmt.Println("latency_p99", micros(quantile(took, 0.99)), "us")
}

func latencyRegister(reg registry.Registry, name string, n, gapMs int) {
	var done []*registry.Service
	for i := 0; i < n; i++ {
		svc := &registry.Service{
			Name:    name,
			Version: "1.0.0",
			Nodes: []*registry.Node{{
				Id:       fmt.Sprintf("%s-%d", name, i),
				Address:  "127.0.0.1:9000",
				Metadata: map[string]string{"sent_ns": strconv.FormatInt(time.Now().UnixNano(), 10)},
			}},
		}
		if err := reg.Register(svc, registry.RegisterTTL(30*time.Second)); err != nil {
			fail(err)
		}
		done = append(done, svc)
		time.Sleep(time.Duration(gapMs) * time.Millisecond)
	}
	for _, svc := range done {
		_ = reg.Deregister(svc)
	}
}

func benchGet(reg registry.Registry, name string, n int) {
	var took []time.Duration
	var total time.Duration
	for i := 0; i < n; i++ {
		start := time.Now()
		services, err := reg.GetService(name)
		elapsed := time.Since(start)
		if err != nil || len(services) == 0 {
			fail(fmt.Errorf("GetService: %v (%d services)", err, len(services)))
		}
		took = append(took, elapsed)
		total += elapsed
	}
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	fmt.Println("get_p50", micros(quantile(took, 0.5)), "us")
	fmt.Println("get_p99", micros(quantile(took, 0.99)), "us")
	fmt.Println("get_mean", micros(total/time.Duration(n)), "us")
}

func registerMany(reg registry.Registry, name string, n, ttl int) {
	svc := &registry.Service{Name: name, Version: "1.0.0"}
	for i := 0; i < n; i++ {
		svc.Nodes = append(svc.Nodes, &registry.Node{
			Id:       fmt.Sprintf("%s-%d", name, i),
			Address:  fmt.Sprintf("10.1.%d.%d:8080", i/250, i%250+1),
			Metadata: map[string]string{"index": strconv.Itoa(i)},
		})
	}
	start := time.Now()
	if err := reg.Register(svc, registry.RegisterTTL(time.Duration(ttl)*time.Second)); err != nil {
		fail(err)
	}
	fmt.Println("register_all", time.Since(start).Milliseconds(), "ms")
	fmt.Println("ready")
	waitForSignal()
}

func visible(reg registry.Registry, name string, n int) {
	w := watchReady(reg, name)
	seen := map[string]bool{}
	for len(seen) < n {
		r, err := w.Next()
		if err != nil {
			fail(err)
		}
		for _, node := range r.Service.Nodes {
			if r.Action == "delete" {
				delete(seen, node.Id)
			} else {
				seen[node.Id] = true
			}
		}
	}
	fmt.Println("visible_at_ns", time.Now().UnixNano(), "ns")
}
