//! mDNS benchmark: two test hosts, a publisher on host 1 and an observer on host
//! 2, for microreg's mDNS backend and for mdns-sd used directly. Prints figures.
//! Run with `make bench-mdns` (inside tests/netns/isolated; it makes the hosts).
//!
//! Figures: register on A -> create event on B (median), deregister -> delete
//! (median), 1000 nodes registered at once -> all seen on B, idle CPU and RSS of
//! both processes holding 1000 nodes, warm `get_service` beside go-micro's
//! `GetService` (MICROREG_GOMICRO_PEER). The 1000-node and idle figures are
//! also printed with one dialect at a time (`gomicro` / `dnssd` rows).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[allow(dead_code)] // the report (examples/mdns_report) uses the rest
#[path = "mdns_roles/mod.rs"]
mod roles;
use roles::{mdns_config, Role, TICKS_PER_SECOND};

const ROUNDS: usize = 15;
const MANY: usize = 1000;
/// Long enough to hold one round of re-announcements (half the 120 s TTL).
const IDLE_WINDOW: Duration = Duration::from_secs(60);
const IDLE_SETTLE: Duration = Duration::from_secs(15);

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        // No TTL: the figures are of nodes re-announced at half their record
        // TTL, as before the 90 s default register TTL.
        Some("serve") => roles::serve(&args[2], microreg::Ttl::Never),
        Some("observe") => roles::observe(&args[2], None, false),
        _ => orchestrate(),
    }
}

/// This program's own `role` (serve/observe) in `mode`, on test host `host`.
fn start_role(host: u32, role: &str, mode: &str) -> Role {
    let exe = std::env::current_exe().unwrap();
    let argv = [exe.to_string_lossy().to_string(), role.into(), mode.into()];
    Role::start(host, &argv).expect("start a bench role")
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
    roles::hosts_up(2, &[]);
    println!("mDNS benchmark: 2 hosts (network namespaces on a bridge), {ROUNDS} rounds");
    for mode in ["microreg", "mdns-sd", "gomicro", "dnssd"] {
        // The one-dialect rows measure only the 1000 nodes and idle figures.
        let latency_rounds = if mdns_config(mode).is_some() && mode != "microreg" {
            0
        } else {
            ROUNDS
        };
        let mut publisher = start_role(1, "serve", mode);
        let observer = start_role(2, "observe", mode);
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
        let before = (publisher.cpu_ticks(), observer.cpu_ticks());
        std::thread::sleep(IDLE_WINDOW);
        let after = (publisher.cpu_ticks(), observer.cpu_ticks());
        let pct =
            |a: u64, b: u64| (b - a) as f64 / TICKS_PER_SECOND / IDLE_WINDOW.as_secs_f64() * 100.0;
        println!(
            "{mode:>9}: idle with {MANY} nodes ({}s, after {}s): publisher CPU {:.2} % RSS {:.1} MB, observer CPU {:.2} % RSS {:.1} MB",
            IDLE_WINDOW.as_secs(),
            IDLE_SETTLE.as_secs(),
            pct(before.0, after.0),
            publisher.rss_mb(),
            pct(before.1, after.1),
            observer.rss_mb()
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
