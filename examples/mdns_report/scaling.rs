//! `report-scaling`: N nodes registered at once by one process on host 1,
//! time until all are seen by an observer of the same kind on host 2, for N up
//! to 10,000; then, at 1,000 nodes, idle CPU and RSS of both processes and the
//! packets and bytes on the LAN in the first minute and at idle.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::peers::Peer;
use crate::report::{self, num, target};
use crate::roles::{self, Role, TICKS_PER_SECOND};

/// What the coordinator asks for: full or QUICK.
struct Plan {
    ns: Vec<u64>,
    deadline_s: u64,
    idle_n: u64,
    first_s: u64,
    idle_s: u64,
    peers: Vec<Peer>,
    /// The peers of the idle figures: also microreg without a TTL (full runs).
    idle_peers: Vec<Peer>,
}

impl Plan {
    fn new(quick: bool) -> Plan {
        let peers = Peer::available();
        if quick {
            Plan {
                ns: vec![100],
                deadline_s: 5,
                idle_n: 100,
                first_s: 2,
                idle_s: 2,
                idle_peers: peers.iter().take(2).cloned().collect(),
                peers: peers.into_iter().take(2).collect(),
            }
        } else {
            Plan {
                ns: vec![10, 100, 1000, 5000, 10000],
                deadline_s: 20,
                idle_n: 1000,
                first_s: 60,
                idle_s: 60,
                idle_peers: peers
                    .iter()
                    .cloned()
                    .chain([Peer::microreg_no_ttl()])
                    .collect(),
                peers,
            }
        }
    }
}

/// A peer's all-seen times: (N, ms if all were seen).
pub type Curve = Vec<(u64, Option<f64>)>;

/// A publisher on host 1 and an observer on host 2.
pub struct Pair {
    pub publisher: Role,
    pub observer: Role,
    pub peer: Peer,
}

/// How a registration of many nodes went.
pub struct AllSeen {
    pub seen: usize,
    /// From the start of the registration to the last node seen, if all were.
    pub ms: Option<f64>,
}

impl Pair {
    pub fn start(peer: &Peer) -> Result<Pair, String> {
        let observer = Role::start(2, &peer.observer())?;
        // Let the observer's first queries go out: the figure is of the
        // announcements, not of a race with the browser's start.
        std::thread::sleep(Duration::from_secs(1));
        let publisher = Role::start(1, &peer.publisher("10.77.0.1"))?;
        std::thread::sleep(Duration::from_millis(500));
        Ok(Pair {
            publisher,
            observer,
            peer: peer.clone(),
        })
    }

    /// Registers nodes SVC-0 .. SVC-(n-1) at once; waits until the observer
    /// has seen them all, or `deadline`.
    pub fn register_all(&mut self, svc: &str, n: u64, deadline: Duration) -> AllSeen {
        let Some(t0) = self.publisher.begin(&format!("many {svc} {n}")) else {
            return AllSeen { seen: 0, ms: None };
        };
        let (seen, last) = collect_creates(&self.observer, &format!("{svc}-"), n, deadline);
        AllSeen {
            seen,
            ms: (seen as u64 == n).then(|| last.saturating_sub(t0) as f64 / 1e6),
        }
    }
}

/// Waits until `observer` has reported `n` distinct nodes with ids starting
/// with `prefix` (or `deadline`); returns how many and when the last came.
pub fn collect_creates(observer: &Role, prefix: &str, n: u64, deadline: Duration) -> (usize, u128) {
    let until = Instant::now() + deadline;
    let mut seen = HashSet::new();
    let mut last = 0;
    while (seen.len() as u64) < n {
        match observer.next_event(until.saturating_duration_since(Instant::now())) {
            Some((action, id, t)) => {
                if action == "create" && id.starts_with(prefix) && seen.insert(id) {
                    last = t;
                }
            }
            None => break,
        }
    }
    (seen.len(), last)
}

/// Job: all-seen times of one peer for each N (stops at the first N it
/// cannot do within the deadline).
pub fn seen_job(spec: &Value) -> Value {
    let peer = match Peer::of_job(spec) {
        Ok(peer) => peer,
        Err(e) => return e,
    };
    let label = peer.label;
    let deadline = Duration::from_secs(spec["deadline_s"].as_u64().unwrap_or(30));
    let mut runs = Vec::new();
    for n in spec["ns"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_u64)
    {
        roles::hosts_up(2, &[]);
        let run = match Pair::start(&peer) {
            Ok(mut pair) => {
                let all = pair.register_all(&format!("s{n}"), n, deadline);
                eprintln!(
                    "mdns_report: {label} N={n}: {} seen, {:?} ms",
                    all.seen, all.ms
                );
                json!({"n": n, "seen": all.seen, "ms": all.ms})
            }
            Err(e) => json!({"n": n, "seen": 0, "ms": null, "error": e}),
        };
        roles::hosts_down();
        let done = !run["ms"].is_null();
        runs.push(run);
        if !done {
            break;
        }
    }
    json!({"peer": label, "runs": runs})
}

/// Job: one peer at N nodes: the first minute and an idle window after it.
pub fn idle_job(spec: &Value) -> Value {
    let peer = match Peer::of_job(spec) {
        Ok(peer) => peer,
        Err(e) => return e,
    };
    let label = peer.label;
    let n = spec["n"].as_u64().unwrap_or(1000);
    let first = Duration::from_secs(spec["first_s"].as_u64().unwrap_or(60));
    let idle = Duration::from_secs(spec["idle_s"].as_u64().unwrap_or(60));
    roles::hosts_up(2, &[]);
    let mut pair = match Pair::start(&peer) {
        Ok(pair) => pair,
        Err(e) => return json!({"peer": label, "error": e}),
    };
    let traffic0 = roles::lan_traffic();
    let start = Instant::now();
    let all = pair.register_all(&format!("i{n}"), n, first);
    std::thread::sleep(first.saturating_sub(start.elapsed()));
    let traffic1 = roles::lan_traffic();
    let cpu0 = (pair.publisher.cpu_ticks(), pair.observer.cpu_ticks());
    std::thread::sleep(idle);
    let traffic2 = roles::lan_traffic();
    let cpu1 = (pair.publisher.cpu_ticks(), pair.observer.cpu_ticks());
    let pct = |a: u64, b: u64| (b - a) as f64 / TICKS_PER_SECOND / idle.as_secs_f64() * 100.0;
    let per_minute = |v: u64, window: Duration| v as f64 * 60.0 / window.as_secs_f64();
    json!({
        "peer": label, "n": n, "seen": all.seen, "all_seen_ms": all.ms,
        "first_packets_min": per_minute(traffic1.0 - traffic0.0, first),
        "first_bytes_min": per_minute(traffic1.1 - traffic0.1, first),
        "idle_packets_min": per_minute(traffic2.0 - traffic1.0, idle),
        "idle_bytes_min": per_minute(traffic2.1 - traffic1.1, idle),
        "cpu_publisher": pct(cpu0.0, cpu1.0), "cpu_observer": pct(cpu0.1, cpu1.1),
        "rss_publisher": pair.publisher.rss_mb(), "rss_observer": pair.observer.rss_mb(),
        "first_s": first.as_secs(), "idle_s": idle.as_secs(),
    })
}

/// The scenario: all-seen per N (peers one after the other, each alone on
/// the LAN), then the idle figures (peers at once, each on a LAN of its own).
pub fn run(quick: bool) -> Value {
    let plan = Plan::new(quick);
    let seen_specs: Vec<Value> = plan
        .peers
        .iter()
        .map(|p| json!({"kind": "seen", "peer": p.label, "ns": plan.ns, "deadline_s": plan.deadline_s}))
        .collect();
    let idle_specs: Vec<Value> = plan
        .idle_peers
        .iter()
        .map(|p| json!({"kind": "idle", "peer": p.label, "n": plan.idle_n, "first_s": plan.first_s, "idle_s": plan.idle_s}))
        .collect();
    let (seen, idle) = if quick {
        // Every part at once: a QUICK run's figures only show that it works.
        let mut all = report::run_jobs(&[seen_specs, idle_specs].concat(), true);
        let idle = all.split_off(plan.peers.len());
        (all, idle)
    } else {
        // Alone on the LAN one after the other; the idle parts (each on a LAN
        // of its own) at once.
        (
            report::run_jobs(&seen_specs, false),
            report::run_jobs(&idle_specs, true),
        )
    };
    assemble(&plan, &seen, &idle)
}

fn assemble(plan: &Plan, seen: &[Value], idle: &[Value]) -> Value {
    let mut notes = Vec::new();
    let mut rows = Vec::new();
    let mut series = Vec::new();
    // (label, [(n, ms)]) of the all-seen runs that completed.
    let mut times: Vec<(&str, Curve)> = Vec::new();
    for (peer, job) in plan.peers.iter().zip(seen) {
        if let Some(e) = job.get("error") {
            notes.push(format!("{}: the all-seen runs failed: {e}", peer.label));
            continue;
        }
        let mut points = Vec::new();
        for run in job["runs"].as_array().into_iter().flatten() {
            let n = run["n"].as_u64().unwrap_or(0);
            let ms = run["ms"].as_f64();
            rows.push(json!([peer.label, n, num(ms, 1), run["seen"]]));
            points.push((n, ms));
            if ms.is_none() {
                let why = run["error"]
                    .as_str()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default();
                notes.push(format!(
                    "{}: at N = {n} only {} of {n} nodes were seen within {} s{why}; larger N were not tried.",
                    peer.label, run["seen"], plan.deadline_s
                ));
            }
        }
        let done: Vec<&(u64, Option<f64>)> = points.iter().filter(|p| p.1.is_some()).collect();
        series.push(json!({
            "label": peer.label,
            "x": done.iter().map(|p| p.0).collect::<Vec<_>>(),
            "y": done.iter().map(|p| p.1.unwrap()).collect::<Vec<_>>(),
        }));
        times.push((peer.label, points));
    }

    let mut idle_rows = Vec::new();
    let mut net_rows = Vec::new();
    let mut cpu_series = Vec::new();
    let mut net_series = Vec::new();
    for (peer, job) in plan.idle_peers.iter().zip(idle) {
        if let Some(e) = job.get("error") {
            notes.push(format!("{}: the idle run failed: {e}", peer.label));
            continue;
        }
        let f = |k: &str| job[k].as_f64();
        idle_rows.push(json!([
            peer.label,
            plan.idle_n,
            num(f("cpu_publisher"), 2),
            num(f("cpu_observer"), 2),
            num(f("rss_publisher"), 1),
            num(f("rss_observer"), 1)
        ]));
        let per_node = |k: &str| f(k).map(|v| v / plan.idle_n as f64);
        net_rows.push(json!([
            peer.label,
            plan.idle_n,
            num(f("first_packets_min"), 0),
            num(f("first_bytes_min").map(|b| b / 1024.0), 1),
            num(f("idle_packets_min"), 0),
            num(f("idle_bytes_min").map(|b| b / 1024.0), 1),
            num(per_node("idle_bytes_min"), 1),
            peer.expiry()
        ]));
        cpu_series.push(json!({"label": peer.label, "x": ["publisher", "observer"],
            "y": [num(f("cpu_publisher"), 3), num(f("cpu_observer"), 3)]}));
        net_series.push(json!({"label": peer.label, "x": ["first minute", "idle"],
            "y": [num(f("first_bytes_min").map(|b| b / 1024.0), 1), num(f("idle_bytes_min").map(|b| b / 1024.0), 1)]}));
        if job["seen"].as_u64() != Some(plan.idle_n) {
            notes.push(format!(
                "{}: in the idle run only {} of {} nodes were seen within the first {} s; its idle figures hold what it had.",
                peer.label, job["seen"], plan.idle_n, plan.first_s
            ));
        }
    }

    let (targets, headline) = judge(plan, &times, idle);
    let peers = Peer::configurations(&plan.peers);
    json!({
        "title": "Scaling: N nodes from one process, seen on another host",
        "description": format!(
            "Two test hosts (network namespaces joined by veths to a bridge, no impairment). \
             One process on host 1 registers N nodes at once (one call where the peer has one); \
             an observer of the same kind on host 2, started 1 s before, reports each node it sees. \
             **All seen** is the time from the start of the registration to the last node seen \
             (each peer alone on the LAN, fresh hosts and processes per N; given up after {} s). \
             Then, with {} nodes and each peer on a LAN of its own (all peers at once): packets and \
             bytes sent by the hosts onto the LAN (the hosts' veth counters) in the first {} s \
             after the registration, and over the {} s after that (idle), per minute; CPU (user + \
             system, /proc) and RSS of both processes over the idle window.",
            plan.deadline_s, plan.idle_n, plan.first_s, plan.idle_s
        ),
        "peers": peers,
        "tables": [
            {"title": "All N nodes seen on host 2 (ms)", "columns": ["peer", "N", "all seen (ms)", "nodes seen"], "rows": rows},
            {"title": format!("Idle with {} nodes: CPU and memory", plan.idle_n),
             "columns": ["peer", "N", "publisher CPU %", "observer CPU %", "publisher RSS MB", "observer RSS MB"], "rows": idle_rows},
            {"title": format!("Network cost with {} nodes (all hosts' traffic on the LAN)", plan.idle_n),
             "columns": ["peer", "N", "first minute packets/min", "first minute KB/min", "idle packets/min", "idle KB/min",
                         "idle bytes/min per node", "a dead node leaves the observer after"], "rows": net_rows},
        ],
        "plots": [
            {"kind": "line", "title": "Time until all N nodes are seen on another host", "x_label": "N (nodes registered at once)",
             "y_label": "all seen (ms)", "log_x": true, "log_y": true, "series": series},
            {"kind": "bar", "title": format!("Idle CPU with {} nodes", plan.idle_n), "x_label": "process", "y_label": "CPU %",
             "log_x": false, "log_y": false, "series": cpu_series},
            {"kind": "bar", "title": format!("LAN traffic with {} nodes", plan.idle_n), "x_label": "window", "y_label": "KB per minute",
             "log_x": false, "log_y": true, "series": net_series},
        ],
        "targets": targets,
        "headline": headline,
        "notes": notes,
    })
}

/// The targets for this scenario, and the headline rows.
fn judge(plan: &Plan, times: &[(&str, Curve)], idle: &[Value]) -> (Vec<Value>, Vec<Value>) {
    let mut targets = Vec::new();
    let mut headline = Vec::new();
    let ours: Curve = times
        .iter()
        .find(|(l, _)| *l == "microreg")
        .map(|(_, p)| p.clone())
        .unwrap_or_default();
    let at =
        |points: &[(u64, Option<f64>)], n: u64| points.iter().find(|p| p.0 == n).and_then(|p| p.1);

    // Grows at most linearly: from each N to the next, the time grows by no
    // more than N does.
    let mut worst: Option<(u64, u64, f64)> = None;
    let mut missing = Vec::new();
    for w in plan.ns.windows(2) {
        match (at(&ours, w[0]), at(&ours, w[1])) {
            (Some(a), Some(b)) => {
                let excess = (b / a) / (w[1] as f64 / w[0] as f64);
                if worst.is_none_or(|x| excess > x.2) {
                    worst = Some((w[0], w[1], excess));
                }
            }
            _ => missing.push(w[1]),
        }
    }
    let (measured, met) = match worst {
        Some((a, b, e)) if missing.is_empty() => (
            format!(
                "worst step N={a}→{b}: time ×{:.2} for N ×{}",
                e * (b / a) as f64,
                b / a
            ),
            Some(e <= 1.0),
        ),
        _ => (
            format!("not all N measured (missing {missing:?})"),
            Some(false),
        ),
    };
    targets.push(target(
        "all-seen time grows at most linearly with N (microreg)",
        "time ratio ≤ N ratio at each step",
        measured,
        met,
        if met == Some(true) {
            String::new()
        } else {
            "see the all-seen table".into()
        },
    ));

    // Ahead of every peer at every N.
    let mut behind = Vec::new();
    for &n in &plan.ns {
        let Some(mine) = at(&ours, n) else {
            behind.push(format!("N={n}: microreg did not see all"));
            continue;
        };
        for (label, points) in times.iter().filter(|(l, _)| *l != "microreg") {
            if let Some(theirs) = at(points, n) {
                if theirs <= mine {
                    behind.push(format!(
                        "N={n}: {label} {theirs:.0} ms ≤ microreg {mine:.0} ms"
                    ));
                }
            }
        }
    }
    targets.push(target(
        "all-seen time ahead of every peer at every N",
        "faster than each peer at each N",
        if behind.is_empty() {
            format!("ahead at every N of {:?}", plan.ns)
        } else {
            behind.join("; ")
        },
        Some(behind.is_empty()),
        if behind.is_empty() {
            String::new()
        } else {
            "a peer was as fast or faster".into()
        },
    ));

    let ten_k = at(&ours, 10_000);
    targets.push(match ten_k {
        Some(ms) => target(
            "10,000 nodes all seen",
            "≤ 2 s",
            report::ms_text(ms),
            Some(ms <= 2000.0),
            if ms <= 2000.0 {
                String::new()
            } else {
                "slower than the target".into()
            },
        ),
        None if !plan.ns.contains(&10_000) => target(
            "10,000 nodes all seen",
            "≤ 2 s",
            "not measured".into(),
            None,
            "QUICK run: N stops at 100".into(),
        ),
        None => target(
            "10,000 nodes all seen",
            "≤ 2 s",
            "not all seen".into(),
            Some(false),
            "microreg did not see all 10,000 within the deadline".into(),
        ),
    });
    for (label, points) in times {
        let largest = points.iter().rev().find(|p| p.1.is_some());
        let text = largest.map_or("none".into(), |p| {
            format!("N={}: {}", p.0, report::ms_text(p.1.unwrap()))
        });
        if *label == "microreg" {
            headline.push(json!({"what": "all nodes seen on another host, largest N", "microreg": text,
                "peers": times.iter().filter(|(l, _)| *l != "microreg").map(|(l, p)| {
                    let best = p.iter().rev().find(|x| x.1.is_some());
                    format!("{l}: {}", best.map_or("none".into(), |x| format!("N={}: {}", x.0, report::ms_text(x.1.unwrap()))))
                }).collect::<Vec<_>>().join(", "),
                "target": "10,000 ≤ 2 s"}));
        }
    }

    // Idle figures.
    let find = |label: &str| {
        idle.iter()
            .find(|j| j["peer"] == label && j.get("error").is_none())
    };
    let quick_why = || {
        if plan.idle_n == 1000 {
            String::new()
        } else {
            format!("QUICK run: {} nodes, {} s window", plan.idle_n, plan.idle_s)
        }
    };
    if let Some(mine) = find("microreg") {
        let cpu = mine["cpu_observer"].as_f64().unwrap_or(f64::NAN);
        let others = |k: &str, scale: f64, unit: &str| {
            plan.peers
                .iter()
                .filter(|p| p.label != "microreg")
                .filter_map(|p| {
                    find(p.label).map(|j| {
                        format!(
                            "{}: {:.2}{unit}",
                            p.label,
                            j[k].as_f64().unwrap_or(f64::NAN) * scale
                        )
                    })
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        // microreg without a TTL, beside the default, where measured.
        let no_ttl = |k: &str, unit: &str| {
            find(Peer::microreg_no_ttl().label)
                .map(|j| format!(" (no TTL: {:.2}{unit})", j[k].as_f64().unwrap_or(f64::NAN)))
                .unwrap_or_default()
        };
        targets.push(target(
            &format!("idle observer CPU with {} nodes", plan.idle_n),
            "≤ 0.2 %",
            format!("{cpu:.2} %{}", no_ttl("cpu_observer", " %")),
            Some(cpu <= 0.2),
            if cpu <= 0.2 {
                quick_why()
            } else {
                format!("above the target {}", quick_why())
            },
        ));
        let rss = mine["rss_observer"]
            .as_f64()
            .unwrap_or(0.0)
            .max(mine["rss_publisher"].as_f64().unwrap_or(0.0));
        targets.push(target(
            &format!("RSS of publisher and observer with {} nodes", plan.idle_n),
            "≤ 15 MB",
            format!(
                "{:.1} MB / {:.1} MB{}",
                mine["rss_publisher"].as_f64().unwrap_or(0.0),
                mine["rss_observer"].as_f64().unwrap_or(0.0),
                no_ttl("rss_publisher", " MB publisher"),
            ),
            Some(rss <= 15.0),
            quick_why(),
        ));
        headline.push(json!({"what": format!("idle observer CPU, {} nodes", plan.idle_n), "microreg": format!("{cpu:.2} %"),
            "peers": others("cpu_observer", 1.0, " %"), "target": "≤ 0.2 %"}));
        headline.push(
            json!({"what": format!("idle observer RSS, {} nodes", plan.idle_n),
            "microreg": format!("{:.1} MB", mine["rss_observer"].as_f64().unwrap_or(0.0)),
            "peers": others("rss_observer", 1.0, " MB"), "target": "≤ 15 MB"}),
        );

        let per_node =
            |j: &Value| j["idle_bytes_min"].as_f64().unwrap_or(f64::NAN) / plan.idle_n as f64;
        let ours = per_node(mine);
        let quietest = plan
            .peers
            .iter()
            .filter(|p| p.label != "microreg" && p.expires_dead_nodes())
            .filter_map(|p| find(p.label).map(|j| (p.label, per_node(j))))
            .min_by(|a, b| a.1.partial_cmp(&b.1).unwrap());
        targets.push(match quietest {
            Some((label, theirs)) => target(
                "idle network cost per node",
                "≤ the quietest peer that expires dead nodes",
                format!(
                    "{ours:.1} bytes/min per node{} ({label}: {theirs:.1})",
                    find(Peer::microreg_no_ttl().label)
                        .map(|j| format!(" (no TTL: {:.1})", per_node(j)))
                        .unwrap_or_default()
                ),
                Some(ours <= theirs),
                if ours <= theirs { quick_why() } else {
                    format!(
                        "{label} is quieter in this window because it keeps a node up to 75 min after it died \
                         (PTR/TXT TTL 4500 s; it refreshes them at 80 % of that, outside the window), while microreg \
                         guarantees expiry within its 90 s registry TTL: it re-announces every node in both dialects \
                         (one packet per node per dialect) at a third of that TTL. {}",
                        quick_why()
                    )
                },
            ),
            None => target("idle network cost per node", "≤ the quietest peer that expires dead nodes",
                format!("{ours:.1} bytes/min per node"), None, "no peer to compare with".into()),
        });
        headline.push(json!({"what": format!("idle LAN traffic, {} nodes", plan.idle_n),
            "microreg": format!("{:.1} KB/min", mine["idle_bytes_min"].as_f64().unwrap_or(0.0) / 1024.0),
            "peers": others("idle_bytes_min", 1.0 / 1024.0, " KB/min"),
            "target": "≤ quietest expiring peer"}));
    } else {
        targets.push(target(
            "idle observer CPU with 1,000 nodes",
            "≤ 0.2 %",
            "not measured".into(),
            None,
            "microreg's idle run failed".into(),
        ));
    }
    (targets, headline)
}
