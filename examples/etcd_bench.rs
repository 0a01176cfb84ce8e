//! Figures of the etcd backend, one `name value unit` line each:
//!
//! - register in process A -> watch event in process B (p50, p99);
//! - get_service: warm (from the cache) and uncached (one etcd round trip);
//! - N nodes (100, 1,000, 10,000) registered by one process: time until all are
//!   visible to another, then the registrant's steady CPU, RSS, and the
//!   requests per second it sends to etcd (from etcd's /metrics).
//!
//! Run against a throwaway etcd on 127.0.0.1:
//!
//!     tests/etcd/with-etcd cargo run --release --example etcd_bench
//!
//! It reads MICROREG_TEST_ETCD (host:port) and MICROREG_TEST_ETCD_METRICS (the
//! metrics URL, http://127.0.0.1:PORT/metrics); MICROREG_BENCH_WINDOW_S sets the
//! steady-state window (default 30 s) and MICROREG_BENCH_SIZES the node counts.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use microreg::backend::etcd::{EtcdConfig, EtcdRegistry};
use microreg::{
    Action, BackendConfig, Client, Config, Node, RegisterOptions, Registry, Service, Ttl,
    WatchOptions,
};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let endpoint = std::env::var("MICROREG_TEST_ETCD").unwrap_or_else(|_| {
        eprintln!("etcd_bench: set MICROREG_TEST_ETCD=127.0.0.1:PORT (tests/etcd/with-etcd does)");
        std::process::exit(2)
    });
    if args.get(1).map(String::as_str) == Some("--registrant") {
        registrant(&endpoint);
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(observer(&endpoint));
}

fn now_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

fn client_config(endpoint: &str) -> Config {
    Config {
        backend: BackendConfig::Etcd(EtcdConfig {
            addresses: vec![endpoint.to_string()],
            ..EtcdConfig::default()
        }),
        ..Config::default()
    }
}

fn nodes(service: &str, count: usize) -> Service {
    let mut svc = Service::new(service, "1.0.0");
    for i in 0..count {
        let mut node = Node::new(
            format!("{service}-{i:05}-{}", uuid::Uuid::new_v4()),
            format!("10.{}.{}.{}:8080", i / 65536 % 256, i / 256 % 256, i % 256),
        );
        node.metadata.insert("protocol".into(), "grpc".into());
        svc.nodes.push(node);
    }
    svc
}

/// Process A: registers on command, answers with the time it started.
/// `one NAME ID` registers one node (no TTL); `bulk NAME N` registers N nodes
/// with a 30 s TTL (kept alive by the client).
fn registrant(endpoint: &str) {
    let client = Client::new(client_config(endpoint)).expect("etcd client");
    let runtime = microreg::runtime::handle();
    let stdin = std::io::stdin();
    let mut out = std::io::stdout();
    for line in stdin.lock().lines() {
        let line = line.unwrap();
        let parts: Vec<&str> = line.split_whitespace().collect();
        match parts.as_slice() {
            ["one", name, id] => {
                let svc = Service::new(*name, "1.0.0").with_node(Node::new(*id, "10.0.0.1:1"));
                let started = now_ns();
                runtime
                    .block_on(client.register(&svc, &client.register_options(Ttl::Never)))
                    .unwrap();
                writeln!(out, "started {started}").unwrap();
            }
            ["bulk", name, count] => {
                let svc = nodes(name, count.parse().unwrap());
                let started = now_ns();
                runtime
                    .block_on(client.register(
                        &svc,
                        &client.register_options(Ttl::After(Duration::from_secs(30))),
                    ))
                    .unwrap();
                writeln!(out, "started {started}").unwrap();
            }
            ["quit"] => break,
            _ => panic!("unknown command {line:?}"),
        }
        out.flush().unwrap();
    }
    runtime.block_on(client.close());
}

struct Child {
    process: std::process::Child,
    input: std::process::ChildStdin,
    output: BufReader<std::process::ChildStdout>,
}

impl Child {
    fn spawn() -> Self {
        let mut process = Command::new(std::env::current_exe().unwrap())
            .arg("--registrant")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let input = process.stdin.take().unwrap();
        let output = BufReader::new(process.stdout.take().unwrap());
        Child {
            process,
            input,
            output,
        }
    }

    /// Sends a command; the registrant's start time comes back on a thread.
    fn send(&mut self, command: &str) {
        writeln!(self.input, "{command}").unwrap();
        self.input.flush().unwrap();
    }

    fn started(&mut self) -> u128 {
        let mut line = String::new();
        self.output.read_line(&mut line).unwrap();
        line.trim()
            .strip_prefix("started ")
            .expect("registrant answer")
            .parse()
            .unwrap()
    }

    fn quit(mut self) {
        self.send("quit");
        let _ = self.process.wait();
    }
}

fn print(name: &str, value: f64, unit: &str) {
    println!("{name} {value:.3} {unit}");
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

async fn observer(endpoint: &str) {
    let backend = Arc::new(
        EtcdRegistry::connect(
            &EtcdConfig {
                addresses: vec![endpoint.to_string()],
                ..EtcdConfig::default()
            },
            Duration::from_secs(5),
        )
        .unwrap(),
    );
    let run = uuid::Uuid::new_v4().simple().to_string();

    // Register in A -> event in B.
    let latency_service = format!("latency-{run}");
    let watcher = backend
        .watch(&WatchOptions::default().service(latency_service.clone()))
        .await
        .unwrap();
    let mut child = Child::spawn();
    let mut samples = Vec::new();
    for i in 0..200 {
        let id = format!("lat-{i}");
        child.send(&format!("one {latency_service} {id}"));
        let seen = loop {
            let event = watcher
                .next_timeout(Duration::from_secs(60))
                .await
                .expect("the registration in process A reaches the watch in B");
            if event.action == Action::Create && event.service.nodes[0].id == id {
                break now_ns();
            }
        };
        let started = tokio::task::block_in_place(|| child.started());
        samples.push((seen.saturating_sub(started)) as f64 / 1e6);
    }
    child.quit();
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    print(
        "etcd_register_to_watch_p50",
        percentile(&samples, 0.5),
        "ms",
    );
    print(
        "etcd_register_to_watch_p99",
        percentile(&samples, 0.99),
        "ms",
    );

    // get_service: warm from the cache, and one etcd round trip.
    let warm_service = format!("warm-{run}");
    backend
        .register(&nodes(&warm_service, 3), &RegisterOptions::default())
        .await
        .unwrap();
    let client = Client::with_backend(backend.clone(), Config::default());
    client.get_service(&warm_service, "micro").await.unwrap();
    let rounds = 200_000;
    let start = Instant::now();
    for _ in 0..rounds {
        std::hint::black_box(client.get_service(&warm_service, "micro").await.unwrap());
    }
    print(
        "etcd_get_service_warm",
        start.elapsed().as_nanos() as f64 / rounds as f64 / 1000.0,
        "us",
    );
    let rounds = 2_000;
    let start = Instant::now();
    for _ in 0..rounds {
        std::hint::black_box(backend.get_service(&warm_service, "micro").await.unwrap());
    }
    print(
        "etcd_get_service_uncached",
        start.elapsed().as_nanos() as f64 / rounds as f64 / 1000.0,
        "us",
    );
    backend
        .deregister(&Service::new(&warm_service, "1.0.0"), "micro")
        .await
        .unwrap();

    let window = Duration::from_secs(
        std::env::var("MICROREG_BENCH_WINDOW_S")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(30),
    );
    let sizes: Vec<usize> = std::env::var("MICROREG_BENCH_SIZES")
        .unwrap_or_else(|_| "100,1000,10000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let metrics = std::env::var("MICROREG_TEST_ETCD_METRICS").ok();
    for size in sizes {
        bulk(&backend, size, &run, window, metrics.as_deref()).await;
    }
}

/// N nodes from a fresh registrant: time to visibility, then its steady state.
async fn bulk(
    backend: &Arc<EtcdRegistry>,
    size: usize,
    run: &str,
    window: Duration,
    metrics: Option<&str>,
) {
    let name = format!("bulk{size}-{run}");
    let watcher = backend
        .watch(&WatchOptions::default().service(name.clone()))
        .await
        .unwrap();
    let mut child = Child::spawn();
    child.send(&format!("bulk {name} {size}"));
    let mut created = 0;
    let mut last = 0;
    while created < size {
        let event = watcher
            .next_timeout(Duration::from_secs(120))
            .await
            .expect("every node registered in process A reaches the watch in B");
        if event.action == Action::Create {
            created += event.service.nodes.len();
            last = now_ns();
        }
    }
    let started = tokio::task::block_in_place(|| child.started());
    print(
        &format!("etcd_visible_{size}"),
        last.saturating_sub(started) as f64 / 1e9,
        "s",
    );

    // Let the registration settle, then watch the registrant idle.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let pid = child.process.id();
    let cpu_before = cpu_ticks(pid);
    let requests_before = metrics.map(etcd_requests);
    let start = Instant::now();
    tokio::time::sleep(window).await;
    let elapsed = start.elapsed().as_secs_f64();
    let cpu = (cpu_ticks(pid) - cpu_before) as f64 / ticks_per_second() / elapsed * 100.0;
    print(&format!("etcd_idle_cpu_{size}"), cpu, "%");
    print(
        &format!("etcd_idle_rss_{size}"),
        rss_kib(pid) as f64 / 1024.0,
        "MiB",
    );
    if let (Some(url), Some(before)) = (metrics, requests_before) {
        let sent = etcd_requests(url) - before;
        print(
            &format!("etcd_idle_requests_{size}"),
            sent / elapsed,
            "req/s",
        );
    }
    child.quit();
    drop(watcher);
}

/// utime + stime of a process, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after_name = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

fn ticks_per_second() -> f64 {
    // SAFETY: sysconf has no preconditions.
    unsafe { libc::sysconf(libc::_SC_CLK_TCK) as f64 }
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Every gRPC message etcd has received (unary requests and stream messages
/// such as lease keepalives), from its Prometheus page.
fn etcd_requests(url: &str) -> f64 {
    let address = url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let mut stream = std::net::TcpStream::connect(&address).expect("etcd metrics");
    use std::io::Read;
    stream
        .write_all(b"GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    text.lines()
        .filter(|l| l.starts_with("grpc_server_msg_received_total"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}
