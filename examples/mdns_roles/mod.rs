//! What the mDNS benchmarks share (examples/mdns_bench.rs and
//! examples/mdns_report): the Rust benchmark peers, the driver of a peer
//! process on a test host, and the figures read from /proc and /sys.
//!
//! Every benchmark peer — these Rust roles, tests/interop/gomicro (bench-serve,
//! bench-observe), tests/interop/zeroconf/bench.py and tests/interop/avahi/bench.py
//! — speaks one line protocol on stdin/stdout:
//!
//! - publisher: prints `ready PID...`; reads `many SVC N` (registers nodes
//!   SVC-0 .. SVC-(N-1) of service SVC at once), `reg SVC ID`, `dereg SVC ID`;
//!   prints `t <unix ns>` as it begins each, then `ok`.
//! - observer: prints `ready PID...`, then `e create|delete ID <unix ns>` as it
//!   sees a node come or go. Both stop when stdin closes.
//!
//! `ready` names the processes whose CPU and memory are the peer's.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use microreg::backend::mdns::MdnsConfig;
use microreg::{Client, Config, Node, Registry, Service};

/// The DNS-SD service type of the mdns-sd peer (python-zeroconf and avahi use it too).
pub const MDNS_SD_TYPE: &str = "_mrbench._tcp.local.";

pub fn now_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

// ---- the Rust peers: microreg (by mode) and mdns-sd used directly ----

/// The publisher role; `mode` is a microreg mode (see `mdns_config`) or
/// `mdns-sd`; microreg registers with `ttl`.
pub fn serve(mode: &str, ttl: microreg::Ttl) {
    println!("ready {}", std::process::id());
    let ip = std::env::var("BENCH_IP").expect("BENCH_IP: this host's address");
    let mut publisher = Publisher::new(mode, &ip, ttl);
    for line in std::io::stdin().lock().lines().map_while(Result::ok) {
        let parts: Vec<&str> = line.split_whitespace().collect();
        println!("t {}", now_ns());
        match parts.as_slice() {
            ["reg", svc, id] => publisher.register(svc, &[id.to_string()]),
            ["dereg", svc, id] => publisher.deregister(svc, id),
            ["many", svc, n] => {
                let ids: Vec<String> = (0..n.parse::<usize>().unwrap())
                    .map(|i| format!("{svc}-{i}"))
                    .collect();
                publisher.register(svc, &ids);
            }
            _ => break,
        }
        println!("ok");
    }
}

enum Publisher {
    Microreg(Box<Client>, String, microreg::Ttl),
    MdnsSd(mdns_sd::ServiceDaemon, String, HashMap<String, String>),
}

impl Publisher {
    fn new(mode: &str, ip: &str, ttl: microreg::Ttl) -> Self {
        match mdns_config(mode) {
            Some(config) => {
                Publisher::Microreg(Box::new(Client::new(config).unwrap()), ip.to_string(), ttl)
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
            Publisher::Microreg(client, ip, ttl) => {
                let mut service = Service::new(svc, "1.0.0");
                for id in ids {
                    service
                        .nodes
                        .push(Node::new(id.clone(), format!("{ip}:8080")));
                }
                microreg::runtime::block_on(
                    client.register(&service, &client.register_options(*ttl)),
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
            Publisher::Microreg(client, ip, _) => {
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
pub fn mdns_config(mode: &str) -> Option<Config> {
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

/// The observer role: of every service, or of `service` only (microreg; the
/// DNS-SD peers browse one service type either way); with `lookup`, microreg
/// also looks the service up once (get_service) as the watch starts. microreg's
/// also answers `get SVC N` on stdin: it times N warm lookups and prints
/// `g <median µs>`.
pub fn observe(mode: &str, service: Option<&str>, lookup: bool) {
    println!("ready {}", std::process::id());
    match mdns_config(mode) {
        Some(config) => {
            let client = Client::new(config).unwrap();
            let options = client.watch_options(service.map(str::to_string));
            let watcher = microreg::runtime::block_on(client.watch(&options))
                .unwrap()
                .unwrap();
            std::thread::spawn(move || loop {
                let Ok(Ok(event)) = microreg::runtime::block_on(watcher.next()) else {
                    return;
                };
                for node in &event.service.nodes {
                    println!("e {} {} {}", event.action.as_str(), node.id, now_ns());
                }
            });
            if let (Some(name), true) = (service, lookup) {
                // What the lookup finds reaches the watcher as create events.
                let _ = microreg::runtime::block_on(client.get_service(name, client.domain()));
            }
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

// ---- driving a peer process on a test host ----

/// A peer process started on a test host, spoken to in the line protocol.
pub struct Role {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    /// The processes whose CPU and memory are the peer's (from `ready`).
    pub pids: Vec<u32>,
}

/// An event line of an observer: (action, node id, unix ns).
pub type Event = (String, String, u128);

impl Role {
    /// Starts `argv` on test host `host` (BENCH_IP is set to its address) and
    /// waits for its `ready` line.
    pub fn start(host: u32, argv: &[String]) -> Result<Role, String> {
        let mut child = Command::new("tests/netns/hosts")
            .args(["exec", &host.to_string()])
            .args(argv)
            .env("BENCH_IP", format!("10.77.0.{host}"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("start {argv:?}: {e}"))?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut role = Role {
            child,
            stdin,
            lines,
            pids: Vec::new(),
        };
        let first = role
            .line(Duration::from_secs(20))
            .ok_or_else(|| format!("{argv:?} did not get ready"))?;
        role.pids = first
            .strip_prefix("ready ")
            .ok_or_else(|| format!("{argv:?}: expected ready, got {first:?}"))?
            .split_whitespace()
            .filter_map(|p| p.parse().ok())
            .collect();
        Ok(role)
    }

    pub fn send(&mut self, command: &str) {
        if let Some(stdin) = self.stdin.as_mut() {
            let _ = writeln!(stdin, "{command}").and_then(|_| stdin.flush());
        }
    }

    pub fn line(&self, within: Duration) -> Option<String> {
        self.lines.recv_timeout(within).ok()
    }

    /// Sends a command to a publisher; returns the time it began acting (it
    /// may still be acting: see `done`).
    pub fn begin(&mut self, command: &str) -> Option<u128> {
        self.send(command);
        let t = self.line(Duration::from_secs(60))?;
        t.strip_prefix("t ")?.parse().ok()
    }

    /// Waits for the `ok` of the command under way.
    pub fn done(&self, within: Duration) -> bool {
        self.line(within).as_deref() == Some("ok")
    }

    /// Sends a command and waits for it to be done; returns its start time.
    pub fn act(&mut self, command: &str) -> u128 {
        let t0 = self.begin(command).expect("t line");
        assert!(self.done(Duration::from_secs(120)), "{command}: no ok");
        t0
    }

    /// The next event line of an observer, within `within`.
    pub fn next_event(&self, within: Duration) -> Option<Event> {
        let deadline = Instant::now() + within;
        while let Some(line) = self.line(deadline.saturating_duration_since(Instant::now())) {
            let parts: Vec<&str> = line.split_whitespace().collect();
            if let ["e", a, i, t] = parts.as_slice() {
                if let Ok(t) = t.parse() {
                    return Some((a.to_string(), i.to_string(), t));
                }
            }
        }
        None
    }

    /// Waits for an event line matching `action` and `id` prefix; returns its time.
    pub fn event(&self, action: &str, id: &str, within: Duration) -> Option<u128> {
        let deadline = Instant::now() + within;
        while let Some((a, i, t)) =
            self.next_event(deadline.saturating_duration_since(Instant::now()))
        {
            if a == action && i.starts_with(id) {
                return Some(t);
            }
        }
        None
    }

    /// CPU ticks (user + system) of the peer's processes.
    pub fn cpu_ticks(&self) -> u64 {
        self.pids.iter().map(|&p| cpu_ticks(p)).sum()
    }

    /// Resident memory of the peer's processes, MB.
    pub fn rss_mb(&self) -> f64 {
        self.pids.iter().map(|&p| rss_mb(p)).sum()
    }
}

impl Drop for Role {
    /// Closes stdin (the peer stops and cleans up), then kills what is left.
    fn drop(&mut self) {
        self.stdin.take();
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Linux USER_HZ: the unit of /proc/PID/stat's CPU times.
pub const TICKS_PER_SECOND: f64 = 100.0;

pub fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let field = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok());
    field(11).unwrap_or(0) + field(12).unwrap_or(0)
}

pub fn rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Frames and bytes the test hosts have sent onto the LAN so far: what the
/// hosts' veths (mrvI, this namespace's side) have received from them.
pub fn lan_traffic() -> (u64, u64) {
    let mut total = (0, 0);
    let Ok(entries) = std::fs::read_dir("/sys/class/net") else {
        return total;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if !name.starts_with("mrv") {
            continue;
        }
        let read = |what: &str| {
            std::fs::read_to_string(format!("/sys/class/net/{name}/statistics/{what}"))
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .unwrap_or(0)
        };
        total.0 += read("rx_packets");
        total.1 += read("rx_bytes");
    }
    total
}

/// Makes `count` test hosts (after removing any), with tests/netns/hosts' options.
pub fn hosts_up(count: u32, options: &[&str]) {
    hosts_down();
    let status = Command::new("tests/netns/hosts")
        .arg("up")
        .arg(count.to_string())
        .args(options)
        .status()
        .expect("tests/netns/hosts");
    assert!(status.success(), "tests/netns/hosts up {count} {options:?}");
}

pub fn hosts_down() {
    let _ = Command::new("tests/netns/hosts").arg("down").status();
}
