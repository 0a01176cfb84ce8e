// The go-micro side of `make bench-etcd` (tests/etcd/bench): the same figures,
// names and units as microreg's examples/etcd_bench.rs, measured the same way,
// with go-micro v5.30.0's registry/etcd, so the driver prints them side by side.
//
//	bench              the observer: prints `name value unit` lines; starts
//	                   itself as `bench-registrant` (process A) and watches (process B)
//	bench-registrant   reads commands on stdin: `one NAME ID` (one node, no TTL),
//	                   `bulk NAME N` (N nodes, TTL 30 s, kept alive), `quit`;
//	                   answers `started UNIX_NS` (the time it began the Register)
//
// Environment: MICRO_REGISTRY_ADDRESS (the etcd), MICROREG_TEST_ETCD_METRICS
// (etcd's /metrics URL), MICROREG_BENCH_WINDOW_S (steady-state window, default
// 30), MICROREG_BENCH_SIZES (default 100,1000,10000).
package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"time"

	"go-micro.dev/v5/registry"
	"go-micro.dev/v5/registry/cache"
)

func bench(reg registry.Registry, command string, args []string) bool {
	switch command {
	case "bench":
		observe(reg)
	case "bench-registrant":
		registrant(reg)
	default:
		return false
	}
	return true
}

func print(name string, value float64, unit string) {
	fmt.Printf("%s %.3f %s\n", name, value, unit)
}

func nodes(name string, count int) *registry.Service {
	svc := &registry.Service{Name: name, Version: "1.0.0"}
	for i := 0; i < count; i++ {
		svc.Nodes = append(svc.Nodes, &registry.Node{
			Id:       fmt.Sprintf("%s-%05d", name, i),
			Address:  fmt.Sprintf("10.%d.%d.%d:8080", i/65536%256, i/256%256, i%256),
			Metadata: map[string]string{"protocol": "grpc"},
		})
	}
	return svc
}

// registrant is process A: it registers on command and answers with the time
// it began.
func registrant(reg registry.Registry) {
	// Like a go-micro service on shutdown, it deregisters what it registered.
	var registered []*registry.Service
	defer func() {
		for _, svc := range registered {
			_ = reg.Deregister(svc)
		}
	}()
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		parts := strings.Fields(in.Text())
		switch {
		case len(parts) == 3 && parts[0] == "one":
			svc := &registry.Service{Name: parts[1], Version: "1.0.0",
				Nodes: []*registry.Node{{Id: parts[2], Address: "10.0.0.1:1"}}}
			started := time.Now().UnixNano()
			if err := reg.Register(svc); err != nil {
				fail(err)
			}
			registered = append(registered, svc)
			fmt.Println("started", started)
		case len(parts) == 3 && parts[0] == "bulk":
			count, err := strconv.Atoi(parts[2])
			if err != nil {
				fail(err)
			}
			svc := nodes(parts[1], count)
			started := time.Now().UnixNano()
			if err := reg.Register(svc, registry.RegisterTTL(30*time.Second)); err != nil {
				fail(err)
			}
			registered = append(registered, svc)
			fmt.Println("started", started)
		case len(parts) == 1 && parts[0] == "quit":
			return
		default:
			fail(fmt.Errorf("unknown command %q", in.Text()))
		}
	}
}

type child struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
}

func spawn() *child {
	cmd := exec.Command(os.Args[0], "bench-registrant")
	cmd.Env = append(os.Environ(), "MICRO_REGISTRY_ADDRESS="+registryAddress)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		fail(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		fail(err)
	}
	if err := cmd.Start(); err != nil {
		fail(err)
	}
	return &child{cmd: cmd, in: in, out: bufio.NewReader(out)}
}

func (c *child) send(command string) {
	if _, err := fmt.Fprintln(c.in, command); err != nil {
		fail(err)
	}
}

func (c *child) started() int64 {
	line, err := c.out.ReadString('\n')
	if err != nil {
		fail(fmt.Errorf("registrant: %v", err))
	}
	ns, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(line), "started "), 10, 64)
	if err != nil {
		fail(err)
	}
	return ns
}

func (c *child) quit() {
	c.send("quit")
	_ = c.cmd.Wait()
}

func percentile(sorted []float64, p float64) float64 {
	return sorted[int(float64(len(sorted)-1)*p+0.5)]
}

// events turns a go-micro watcher into a channel.
func events(w registry.Watcher) <-chan *registry.Result {
	ch := make(chan *registry.Result, 1024)
	go func() {
		for {
			r, err := w.Next()
			if err != nil {
				close(ch)
				return
			}
			ch <- r
		}
	}()
	return ch
}

func next(ch <-chan *registry.Result, within time.Duration) *registry.Result {
	select {
	case r, ok := <-ch:
		if !ok {
			fail(fmt.Errorf("the watch ended"))
		}
		return r
	case <-time.After(within):
		fail(fmt.Errorf("no watch event within %v", within))
	}
	return nil
}

func envInt(name string, fallback int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return n
	}
	return fallback
}

func observe(reg registry.Registry) {
	run := strconv.FormatInt(time.Now().UnixNano(), 36)

	// Register in A -> event in B.
	latencyService := "latency-" + run
	w, err := reg.Watch(registry.WatchService(latencyService))
	if err != nil {
		fail(err)
	}
	ch := events(w)
	if _, err := reg.ListServices(); err != nil { // the watch is set up by now
		fail(err)
	}
	a := spawn()
	var samples []float64
	for i := 0; i < 200; i++ {
		id := fmt.Sprintf("lat-%d", i)
		a.send(fmt.Sprintf("one %s %s", latencyService, id))
		var seen int64
		for {
			r := next(ch, 10*time.Second)
			if r.Action == "create" && r.Service.Nodes[0].Id == id {
				seen = time.Now().UnixNano()
				break
			}
		}
		samples = append(samples, float64(seen-a.started())/1e6)
	}
	a.quit()
	w.Stop()
	sort.Float64s(samples)
	print("etcd_register_to_watch_p50", percentile(samples, 0.5), "ms")
	print("etcd_register_to_watch_p99", percentile(samples, 0.99), "ms")

	// GetService: go-micro's registry/cache in front (its warm path), and the
	// etcd registry itself (one round trip each call).
	warmService := "warm-" + run
	warm := nodes(warmService, 3)
	if err := reg.Register(warm); err != nil {
		fail(err)
	}
	cached := cache.New(reg)
	if _, err := cached.GetService(warmService); err != nil {
		fail(err)
	}
	rounds := 200000
	start := time.Now()
	for i := 0; i < rounds; i++ {
		if _, err := cached.GetService(warmService); err != nil {
			fail(err)
		}
	}
	print("etcd_get_service_warm", float64(time.Since(start).Nanoseconds())/float64(rounds)/1000, "us")
	cached.Stop()
	rounds = 2000
	start = time.Now()
	for i := 0; i < rounds; i++ {
		if _, err := reg.GetService(warmService); err != nil {
			fail(err)
		}
	}
	print("etcd_get_service_uncached", float64(time.Since(start).Nanoseconds())/float64(rounds)/1000, "us")
	_ = reg.Deregister(warm)

	window := time.Duration(envInt("MICROREG_BENCH_WINDOW_S", 30)) * time.Second
	sizes := os.Getenv("MICROREG_BENCH_SIZES")
	if sizes == "" {
		sizes = "100,1000,10000"
	}
	for _, s := range strings.Split(sizes, ",") {
		size, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			continue
		}
		bulk(reg, size, run, window)
	}
}

// bulk: N nodes from a fresh registrant; time to visibility, then its steady state.
func bulk(reg registry.Registry, size int, run string, window time.Duration) {
	name := fmt.Sprintf("bulk%d-%s", size, run)
	w, err := reg.Watch(registry.WatchService(name))
	if err != nil {
		fail(err)
	}
	ch := events(w)
	if _, err := reg.ListServices(); err != nil {
		fail(err)
	}
	a := spawn()
	a.send(fmt.Sprintf("bulk %s %d", name, size))
	created := 0
	var last int64
	for created < size {
		r := next(ch, 120*time.Second)
		if r.Action == "create" {
			created += len(r.Service.Nodes)
			last = time.Now().UnixNano()
		}
	}
	started := a.started()
	print(fmt.Sprintf("etcd_visible_%d", size), float64(last-started)/1e9, "s")
	w.Stop()

	// Let the registration settle, then watch the registrant idle.
	time.Sleep(2 * time.Second)
	pid := a.cmd.Process.Pid
	metrics := os.Getenv("MICROREG_TEST_ETCD_METRICS")
	cpuBefore := cpuTicks(pid)
	requestsBefore := etcdRequests(metrics)
	start := time.Now()
	time.Sleep(window)
	elapsed := time.Since(start).Seconds()
	print(fmt.Sprintf("etcd_idle_cpu_%d", size), float64(cpuTicks(pid)-cpuBefore)/100/elapsed*100, "%")
	print(fmt.Sprintf("etcd_idle_rss_%d", size), float64(rssKiB(pid))/1024, "MiB")
	if metrics != "" {
		print(fmt.Sprintf("etcd_idle_requests_%d", size), (etcdRequests(metrics)-requestsBefore)/elapsed, "req/s")
	}
	a.quit()
}

// cpuTicks is utime + stime of a process, in clock ticks (USER_HZ, 100 on Linux).
func cpuTicks(pid int) int64 {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		fail(err)
	}
	text := string(stat)
	fields := strings.Fields(text[strings.LastIndex(text, ")")+2:])
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return utime + stime
}

func rssKiB(pid int) int64 {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		fail(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kib, _ := strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
			return kib
		}
	}
	return 0
}

// etcdRequests is every gRPC message etcd has received (unary requests and
// stream messages such as lease keepalives), from its Prometheus page.
func etcdRequests(url string) float64 {
	if url == "" {
		return 0
	}
	rsp, err := http.Get(url)
	if err != nil {
		fail(err)
	}
	defer rsp.Body.Close()
	body, err := io.ReadAll(rsp.Body)
	if err != nil {
		fail(err)
	}
	total := 0.0
	for _, line := range strings.Split(string(body), "\n") {
		if !strings.HasPrefix(line, "grpc_server_msg_received_total") {
			continue
		}
		fields := strings.Fields(line)
		if v, err := strconv.ParseFloat(fields[len(fields)-1], 64); err == nil {
			total += v
		}
	}
	return total
}
