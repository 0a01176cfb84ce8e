//! Flood benchmark: three test hosts; host 1 publishes a real node, host 2
//! observes (examples/mdns_peer serve), host 3 floods 20,000 datagrams a
//! second for 10 s (malformed, fake go-micro, fake DNS-SD; TTL 2^31-1 s).
//! Prints: lookups of the real node during the flood (all must succeed), how
//! long after the flood a node registered during it is found, the observer's
//! peak RSS, its CPU before, during and after the flood until it is back to
//! idle, and when the last fake left its view (the received-TTL cap).
//! Run with `make bench-flood` (release build, inside tests/netns/isolated).

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use support::hosts::TestProcess;

const RATE: &str = "20000";
const FLOOD_SECONDS: u64 = 10;
/// The observer's received-TTL cap (MdnsOptions' default) and some margin.
const CAP: Duration = Duration::from_secs(300);
const TICKS_PER_SECOND: f64 = 100.0;
const LINE_WAIT: Duration = Duration::from_secs(60);

fn main() {
    let hosts = support::hosts::bench_hosts(3, "bench-flood");
    let examples = std::env::current_exe()
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf();
    let peer = examples.join("mdns_peer").display().to_string();
    let flood = examples.join("mdns_flood").display().to_string();

    let _real = TestProcess::start(1, &register_args(&peer, "flood-real"));
    let mut observer = TestProcess::start_with_stdin(2, &[&peer, "serve"]);
    assert_eq!(observer.line(LINE_WAIT), "serving");
    while ask(&mut observer, "get flood-real")["ok"] != true {
        std::thread::sleep(Duration::from_millis(50));
    }
    let pid = observer.id();
    let idle_before = cpu_percent(pid, Duration::from_secs(10));

    let flooder = TestProcess::start(
        3,
        &[
            &flood,
            "--interface",
            "10.77.0.3",
            "--rate",
            RATE,
            "--seconds",
            &FLOOD_SECONDS.to_string(),
            "--kinds",
            "malformed,gomicro,dnssd",
        ],
    );
    // The flooder builds its datagrams first; the flood starts when the
    // observer starts receiving them.
    let before = ask(&mut observer, "stats")["counters"]["packets_received"]
        .as_u64()
        .unwrap();
    while ask(&mut observer, "stats")["counters"]["packets_received"]
        .as_u64()
        .unwrap()
        < before + 1000
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    let flood_started = Instant::now();
    let ticks_at_start = cpu_ticks(pid);
    let (mut ok, mut failed, mut peak_rss_kb) = (0u32, 0u32, 0u64);
    let mut late = None;
    while flood_started.elapsed() < Duration::from_secs(FLOOD_SECONDS) {
        if ask(&mut observer, "get flood-real")["ok"] == true {
            ok += 1;
        } else {
            failed += 1;
        }
        let stats = ask(&mut observer, "stats");
        peak_rss_kb = peak_rss_kb.max(stats["rss_kb"].as_u64().unwrap());
        if late.is_none() && flood_started.elapsed() > Duration::from_secs(3) {
            late = Some(TestProcess::start(1, &register_args(&peer, "flood-late")));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let sent = flooder.line(LINE_WAIT);
    let flood_ended = Instant::now();
    let during = (cpu_ticks(pid) - ticks_at_start) as f64
        / TICKS_PER_SECOND
        / flood_started.elapsed().as_secs_f64()
        * 100.0;
    let found_after = loop {
        if ask(&mut observer, "get flood-late")["ok"] == true {
            break flood_ended.elapsed();
        }
        if flood_ended.elapsed() > Duration::from_secs(30) {
            break Duration::MAX;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let stats = ask(&mut observer, "stats");
    peak_rss_kb = peak_rss_kb.max(stats["rss_kb"].as_u64().unwrap());
    println!("flood: {sent} datagrams in {FLOOD_SECONDS} s (malformed + fake go-micro + fake DNS-SD, TTL 2^31-1 s), 3 test hosts");
    println!(
        "lookups of the real node during the flood: {ok} ok, {failed} failed (target: all ok)"
    );
    if found_after == Duration::MAX {
        println!(
            "node registered during the flood: NOT found within 30 s after it (target <= 1 s)"
        );
    } else {
        println!(
            "node registered during the flood: found {:.0} ms after it ended (target <= 1000 ms)",
            found_after.as_secs_f64() * 1000.0
        );
    }
    println!(
        "observer view after the flood: {} nodes, {:.1} MB (estimated); counters {}",
        stats["view_nodes"],
        stats["view_bytes"].as_f64().unwrap() / 1e6,
        stats["counters"]
    );

    // Back to idle, and every fake gone, within the capped TTL.
    let mut idle_at = None;
    let mut empty_at = None;
    let mut after = 0.0;
    while flood_ended.elapsed() < CAP + Duration::from_secs(30) {
        after = cpu_percent(pid, Duration::from_secs(10));
        let stats = ask(&mut observer, "stats");
        peak_rss_kb = peak_rss_kb.max(stats["rss_kb"].as_u64().unwrap());
        if idle_at.is_none() && after <= idle_before + 0.5 {
            idle_at = Some(flood_ended.elapsed());
        }
        // Real nodes: flood-real and flood-late.
        if empty_at.is_none() && stats["view_nodes"].as_u64().unwrap() <= 2 {
            empty_at = Some(flood_ended.elapsed());
        }
        if idle_at.is_some() && empty_at.is_some() {
            break;
        }
    }
    println!(
        "observer peak RSS: {:.1} MB (target < 64 MB)",
        peak_rss_kb as f64 / 1024.0
    );
    println!(
        "observer CPU: {idle_before:.2} % idle before, {during:.0} % during the flood, {after:.2} % at the last sample"
    );
    match idle_at {
        Some(at) => println!(
            "CPU back to idle (within 0.5 point of before) {:.0} s after the flood (target: within the {} s TTL cap)",
            at.as_secs_f64(),
            CAP.as_secs()
        ),
        None => println!("CPU NOT back to idle within the TTL cap"),
    }
    match empty_at {
        Some(at) => println!(
            "last fake left the view {:.0} s after the flood (capped TTL {} s; sampled every 10 s)",
            at.as_secs_f64(),
            CAP.as_secs()
        ),
        None => println!(
            "fakes still in view {} s after the flood",
            CAP.as_secs() + 30
        ),
    }
    drop(late);
    drop(hosts);
}

fn register_args<'a>(peer: &'a str, service: &'a str) -> Vec<String> {
    vec![
        peer.to_string(),
        "register".into(),
        "--service".into(),
        service.into(),
        "--id".into(),
        format!("{service}-{}", uuid::Uuid::new_v4()),
        "--address".into(),
        "10.77.0.1:8080".into(),
    ]
}

/// A test host process with the `serve` protocol: one JSON line per command.
fn ask(process: &mut TestProcess, command: &str) -> serde_json::Value {
    process.send(command);
    serde_json::from_str(&process.line(LINE_WAIT)).unwrap()
}

/// User + system clock ticks of a process (/proc/PID/stat).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    after
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|f| f.parse::<u64>().ok())
        .sum()
}

/// The process's CPU use over the next `window`, in percent of one core.
fn cpu_percent(pid: u32, window: Duration) -> f64 {
    let before = cpu_ticks(pid);
    std::thread::sleep(window);
    (cpu_ticks(pid) - before) as f64 / TICKS_PER_SECOND / window.as_secs_f64() * 100.0
}
