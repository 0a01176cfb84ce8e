//! mDNS benchmark: two test hosts, a publisher on host 1 and an observer on host
//! 2, for microreg's mDNS backend and for mdns-sd used directly. Prints figures.
//! Run with `make bench-mdns` (inside tests/netns/isolated; it makes the hosts).
//!
//! Figures: register on A -> create event on B (median), deregister -> delete
//! (median), 1000 nodes registered at once -> all seen on B, idle CPU and RSS of
//! both processes holding 1000 nodes, warm `get_service` beside go-micro's
//! `GetService` (MICROREG_GOMICRO_PEER). The 1000-node and idle figures are
//! also printed with one dialect at a time (`gomicro` / `dnssd` rows).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use microreg::backend::mdns::MdnsConfig;
use microreg::{Client, Config, Node, Registry, Service, WatchOptions};

const ROUNDS: usize = 15;
const MANY: usize = 1000;
/// Long enough to hold one round of re-announcements (half the 120 s TTL).
const IDLE_WINDOW: Duration = Duration::from_secs(60);
const IDLE_SETTLE: Duration = Duration::from_secs(15);
const MDNS_SD_TYPE: &str = "_mrbench._tcp.local.";

fn now_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("serve") => serve(&args[2]),
        Some("observe") => observe(&args[2]),
        _ => orchestrate(),
    }
}

// ---- the two roles, each in its own process on its own host ----

/// Reads commands on stdin: `reg SVC ID`, `dereg SVC ID`, `many SVC N`; prints
/// `t <ns>` just before acting, then `ok`.
fn serve(mode: &str) {
    println!("ready {}", std::process::id());
    let ip = std::env::var("BENCH_IP").unwrap();
    let mut publisher = Publisher::new(mode, &ip);
    for line in std::io::stdin().lock().lines().map_while(Result::ok) {
        let parts: Vec<&str> = line.split_whitespace().collect();
        println!("t {}", now_ns());
        match parts.as_slice() {
            ["reg", svc, id] => publisher.register(svc, &[id.to_string()]),
            ["dereg", svc, id] => publisher.deregister(svc, id),
            ["many", svc, n] => {
                let ids: Vec<String> = (0..n.parse::<usize>().unwrap())
                    .map(|i| format!("{svc}-{i}-{}", uuid::Uuid::new_v4()))
                    .collect();
                publisher.register(svc, &ids);
            }
            _ => break,
        }
        println!("ok");
    }
}

enum Publisher {
    Microreg(Box<Client>, String),
    MdnsSd(mdns_sd::ServiceDaemon, String, HashMap<String, String>),
}

impl Publisher {
    fn new(mode: &str, ip: &str) -> Self {
        match mdns_config(mode) {
            Some(config) => {
                Publisher::Microreg(Box::new(Client::new(config).unwrap()), ip.to_string())
            }
            None => Publisher::MdnsSd(
                mdns_sd::ServiceDaemon::new().unwrap(),
                ip.to_string(),
                HashMap::new(),
            ),
        }
    }

    fn register(&mut self, svc: &str, ids: &[String]) {
        match self {
            Publisher::Microreg(client, ip) => {
                let mut service = Service::new(svc, "1.0.0");
                for id in ids {
                    service
                        .nodes
                        .push(Node::new(id.clone(), format!("{ip}:8080")));
                }
                // No TTL: the figures are of nodes re-announced at half their
                // record TTL, as before the 90 s default register TTL.
                microreg::runtime::block_on(
                    client.register(&service, &client.register_options(microreg::Ttl::Never)),
                )
                .unwrap()
                .unwrap();
            }
            Publisher::MdnsSd(daemon, ip, names) => {
                for id in ids {
                    let info = mdns_sd::ServiceInfo::new(
                        MDNS_SD_TYPE,
                        id,
                        "bench-host.local.",
                        ip.as_str(),
                        8080,
                        &[("service", svc)][..],
                    )
                    .unwrap();
                    names.insert(id.clone(), info.get_fullname().to_string());
                    while let Err(mdns_sd::Error::Again) = daemon.register(info.clone()) {
                        std::thread::sleep(Duration::from_millis(1));
                    }
                }
            }
        }
    }

    fn deregister(&mut self, svc: &str, id: &str) {
        match self {
            Publisher::Microreg(client, ip) => {
                let service =
                    Service::new(svc, "1.0.0").with_node(Node::new(id, format!("{ip}:8080")));
                microreg::runtime::block_on(client.deregister(&service, client.domain()))
                    .unwrap()
                    .unwrap();
            }
            Publisher::MdnsSd(daemon, _, names) => {
                if let Some(fullname) = names.remove(id) {
                    let _ = daemon.unregister(&fullname);
                }
            }
        }
    }
}

/// microreg's configuration for a bench mode (`microreg` speaks both dialects,
/// `gomicro` and `dnssd` one each); `None` for mdns-sd used directly.
fn mdns_config(mode: &str) -> Option<Config> {
    let (gomicro, dnssd) = match mode {
        "microreg" => (true, true),
        "gomicro" => (true, false),
        "dnssd" => (false, true),
        _ => return None,
    };
    Some(Config::with_backend(microreg::BackendConfig::Mdns(
        MdnsConfig {
            gomicro,
            dnssd,
            ..MdnsConfig::default()
        },
    )))
}

/// Prints `e create|delete ID <ns>` for every event; on stdin `get SVC N` times
/// N warm lookups and prints `g <median µs>`.
fn observe(mode: &str) {
    println!("ready {}", std::process::id());
    match mdns_config(mode) {
        Some(config) => {
            let client = Client::new(config).unwrap();
            let watcher = microreg::runtime::block_on(client.watch(&WatchOptions::default()))
                .unwrap()
                .unwrap();
            std::thread::spawn(move || loop {
                let Ok(Ok(event)) = microreg::runtime::block_on(watcher.next()) else {
                    return;
                };
                println!(
                    "e {} {} {}",
                    event.action.as_str(),
                    event.service.nodes[0].id,
                    now_ns()
                );
            });
            for line in std::io::stdin().lock().lines().map_while(Result::ok) {
                let parts: Vec<&str> = line.split_whitespace().collect();
                if let ["get", svc, n] = parts.as_slice() {
                    let mut took: Vec<Duration> = (0..n.parse::<usize>().unwrap())
                        .map(|_| {
                            let start = Instant::now();
                            microreg::runtime::block_on(client.get_service(svc, client.domain()))
                                .unwrap()
                                .unwrap();
                            start.elapsed()
                        })
                        .collect();
                    took.sort();
                    println!("g {:.1}", took[took.len() / 2].as_secs_f64() * 1e6);
                } else {
                    break;
                }
            }
        }
        None => {
            let daemon = mdns_sd::ServiceDaemon::new().unwrap();
            let events = daemon.browse(MDNS_SD_TYPE).unwrap();
            std::thread::spawn(move || {
                while let Ok(event) = events.recv() {
                    match event {
                        mdns_sd::ServiceEvent::ServiceResolved(info) => {
                            let id = info
                                .fullname
                                .trim_end_matches(MDNS_SD_TYPE)
                                .trim_end_matches('.');
                            println!("e create {id} {}", now_ns());
                        }
                        mdns_sd::ServiceEvent::ServiceRemoved(_, name) => {
                            let id = name.trim_end_matches(MDNS_SD_TYPE).trim_end_matches('.');
                            println!("e delete {id} {}", now_ns());
                        }
                        _ => {}
                    }
                }
            });
            for _ in std::io::stdin().lock().lines().map_while(Result::ok) {}
        }
    }
}

// ---- the orchestrator, in the isolated namespace outside the hosts ----

struct Role {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
    pid: u32,
}

impl Role {
    fn start(host: u32, role: &str, mode: &str) -> Role {
        let exe = std::env::current_exe().unwrap();
        let mut child = Command::new("tests/netns/hosts")
            .args(["exec", &host.to_string()])
            .arg(exe)
            .args([role, mode])
            .env("BENCH_IP", format!("10.77.0.{host}"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start a bench role");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let first = lines
            .recv_timeout(Duration::from_secs(10))
            .expect("role ready");
        let pid = first.strip_prefix("ready ").unwrap().parse().unwrap();
        Role {
            child,
            stdin,
            lines,
            pid,
        }
    }

    fn send(&mut self, command: &str) {
        writeln!(self.stdin, "{command}").unwrap();
        self.stdin.flush().unwrap();
    }

    fn line(&self, within: Duration) -> Option<String> {
        self.lines.recv_timeout(within).ok()
    }

    /// Sends a command to a publisher; returns the time it began acting.
    fn act(&mut self, command: &str) -> u128 {
        self.send(command);
        let t = self.line(Duration::from_secs(60)).expect("t line");
        let t0 = t.strip_prefix("t ").unwrap().parse().unwrap();
        assert_eq!(self.line(Duration::from_secs(120)).as_deref(), Some("ok"));
        t0
    }

    /// Waits for an event line matching `action` and `id` prefix; returns its time.
    fn event(&self, action: &str, id: &str, within: Duration) -> Option<u128> {
        let deadline = Instant::now() + within;
        while let Some(line) = self.line(deadline.saturating_duration_since(Instant::now())) {
            let parts: Vec<&str> = line.split_whitespace().collect();
            if let ["e", a, i, t] = parts.as_slice() {
                if *a == action && i.starts_with(id) {
                    return t.parse().ok();
                }
            }
        }
        None
    }
}

impl Drop for Role {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    fields
        .get(11)
        .and_then(|u| u.parse::<u64>().ok())
        .unwrap_or(0)
        + fields
            .get(12)
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(0)
}

fn rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn median_ms(mut values: Vec<f64>) -> String {
    if values.is_empty() {
        return "n/a".into();
    }
    values.sort_by(|a, b| a.partial_cmp(b).unwrap());
    format!("{:.2} ms", values[values.len() / 2])
}

fn orchestrate() {
    assert_eq!(
        std::env::var("MICROREG_ISOLATED").as_deref(),
        Ok("1"),
        "run me inside tests/netns/isolated (make bench-mdns)"
    );
    let status = Command::new("tests/netns/hosts")
        .args(["up", "2"])
        .status()
        .unwrap();
    assert!(status.success());
    let ticks_per_second = 100.0; // Linux USER_HZ
    println!("mDNS benchmark: 2 hosts (network namespaces on a bridge), {ROUNDS} rounds");
    for mode in ["microreg", "mdns-sd", "gomicro", "dnssd"] {
        // The one-dialect rows measure only the 1000 nodes and idle figures.
        let latency_rounds = if mdns_config(mode).is_some() && mode != "microreg" {
            0
        } else {
            ROUNDS
        };
        let mut publisher = Role::start(1, "serve", mode);
        let observer = Role::start(2, "observe", mode);
        std::thread::sleep(Duration::from_millis(1500));
        let (mut up, mut down) = (Vec::new(), Vec::new());
        for round in 0..latency_rounds {
            let id = format!("bench-{round}-{}", uuid::Uuid::new_v4());
            let t0 = publisher.act(&format!("reg bench {id}"));
            if let Some(t1) = observer.event("create", &id, Duration::from_secs(10)) {
                up.push((t1.saturating_sub(t0)) as f64 / 1e6);
            }
            std::thread::sleep(Duration::from_millis(300));
            let t0 = publisher.act(&format!("dereg bench {id}"));
            if let Some(t1) = observer.event("delete", &id, Duration::from_secs(10)) {
                down.push((t1.saturating_sub(t0)) as f64 / 1e6);
            }
            std::thread::sleep(Duration::from_millis(300));
        }
        if latency_rounds > 0 {
            println!(
                "{mode:>9}: register -> create event on B: median {} ({} of {ROUNDS} seen)",
                median_ms(up.clone()),
                up.len()
            );
            println!(
                "{mode:>9}: deregister -> delete event on B: median {} ({} of {ROUNDS} seen)",
                median_ms(down.clone()),
                down.len()
            );
        }

        let t0 = publisher.act(&format!("many many {MANY}"));
        let mut last = None;
        let mut seen = 0;
        let deadline = Instant::now() + Duration::from_secs(60);
        while seen < MANY && Instant::now() < deadline {
            match observer.event(
                "create",
                "many-",
                deadline.saturating_duration_since(Instant::now()),
            ) {
                Some(t) => {
                    seen += 1;
                    last = Some(t);
                }
                None => break,
            }
        }
        match last {
            Some(t) if seen == MANY => println!(
                "{mode:>9}: {MANY} nodes registered at once -> all seen on B: {:.0} ms",
                (t.saturating_sub(t0)) as f64 / 1e6
            ),
            _ => println!("{mode:>9}: {MANY} nodes: only {seen} seen on B within 60 s"),
        }

        // Let the browsers' first queries (1, 2, 4, 8 s after start, each with the
        // known answers) pass: the figure is the steady state.
        std::thread::sleep(IDLE_SETTLE);
        let before = (cpu_ticks(publisher.pid), cpu_ticks(observer.pid));
        std::thread::sleep(IDLE_WINDOW);
        let after = (cpu_ticks(publisher.pid), cpu_ticks(observer.pid));
        let pct =
            |a: u64, b: u64| (b - a) as f64 / ticks_per_second / IDLE_WINDOW.as_secs_f64() * 100.0;
        println!(
            "{mode:>9}: idle with {MANY} nodes ({}s, after {}s): publisher CPU {:.2} % RSS {:.1} MB, observer CPU {:.2} % RSS {:.1} MB",
            IDLE_WINDOW.as_secs(),
            IDLE_SETTLE.as_secs(),
            pct(before.0, after.0),
            rss_mb(publisher.pid),
            pct(before.1, after.1),
            rss_mb(observer.pid)
        );
        if mode == "microreg" {
            let mut observer = observer;
            observer.send("get many 1000");
            let deadline = Instant::now() + Duration::from_secs(30);
            while let Some(line) = observer.line(deadline.saturating_duration_since(Instant::now()))
            {
                if let Some(us) = line.strip_prefix("g ") {
                    println!("{mode:>9}: warm get_service (1000 nodes, cache on): median {us} µs");
                    break;
                }
            }
        }
    }
    if let Ok(go) = std::env::var("MICROREG_GOMICRO_PEER") {
        let mut server = Command::new("tests/netns/hosts")
            .args([
                "exec",
                "1",
                &go,
                "register",
                "gm-bench",
                "gm-bench-1",
                "10.77.0.1:9",
            ])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_secs(1));
        let out = Command::new("tests/netns/hosts")
            .args(["exec", "2", &go, "bench-get", "gm-bench", "20"])
            .output()
            .unwrap();
        let us = String::from_utf8_lossy(&out.stdout).trim().to_string();
        println!(" go-micro: GetService (1 node, default mdns registry): median {us} µs");
        let _ = server.kill();
        let _ = server.wait();
    }
}
