package main

// The benchmark roles (examples/mdns_report.rs drives them), in the line
// protocol every benchmark peer speaks:
//
//	publisher: prints "ready PID"; reads "many SVC N" (registers nodes SVC-0..SVC-N-1
//	           of service SVC in one Register call), "reg SVC ID", "dereg SVC ID";
//	           prints "t <unix ns>" as it begins each, then "ok".
//	observer:  prints "ready PID", then "e create|delete ID <unix ns>" per watch result.

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"go-micro.dev/v5/registry"
)

func benchService(name string, ids []string, ip string) *registry.Service {
	svc := &registry.Service{Name: name, Version: "1.0.0"}
	for _, id := range ids {
		svc.Nodes = append(svc.Nodes, &registry.Node{Id: id, Address: ip + ":8080"})
	}
	return svc
}

func benchServe(reg registry.Registry, ip string) {
	out := bufio.NewWriter(os.Stdout)
	say := func(format string, args ...interface{}) {
		fmt.Fprintf(out, format+"\n", args...)
		out.Flush()
	}
	say("ready %d", os.Getpid())
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		parts := strings.Fields(in.Text())
		say("t %d", time.Now().UnixNano())
		var err error
		switch {
		case len(parts) == 3 && parts[0] == "many":
			n, _ := strconv.Atoi(parts[2])
			ids := make([]string, n)
			for i := range ids {
				ids[i] = fmt.Sprintf("%s-%d", parts[1], i)
			}
			err = reg.Register(benchService(parts[1], ids, ip))
		case len(parts) == 3 && parts[0] == "reg":
			err = reg.Register(benchService(parts[1], []string{parts[2]}, ip))
		case len(parts) == 3 && parts[0] == "dereg":
			err = reg.Deregister(benchService(parts[1], []string{parts[2]}, ip))
		default:
			return
		}
		if err != nil {
			// Partial registrations (e.g. out of file descriptors: one mDNS
			// server per node) are reported and the run goes on.
			fmt.Fprintln(os.Stderr, "gomicro-peer:", err)
		}
		say("ok")
	}
}

func benchObserve(reg registry.Registry) {
	w, err := reg.Watch()
	if err != nil {
		fail(err)
	}
	// Stop when the driver closes stdin.
	go func() {
		in := bufio.NewScanner(os.Stdin)
		for in.Scan() {
		}
		os.Exit(0)
	}()
	out := bufio.NewWriter(os.Stdout)
	fmt.Fprintf(out, "ready %d\n", os.Getpid())
	out.Flush()
	for {
		r, err := w.Next()
		if err != nil {
			return
		}
		for _, node := range r.Service.Nodes {
			fmt.Fprintf(out, "e %s %s %d\n", r.Action, node.Id, time.Now().UnixNano())
		}
		out.Flush()
	}
}
