//! `report-hosts`: 3, 6 and 10 hosts, each registering N/hosts nodes at once
//! and each observing: time until every host has seen all N (convergence),
//! and the traffic the hosts sent onto the LAN until then and in a fixed window.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::peers::Peer;
use crate::report::{self, num, target};
use crate::roles::{self, Role};
use crate::scaling::{collect_creates, Curve};

struct Plan {
    counts: Vec<u64>,
    n: u64,
    deadline_s: u64,
    window_s: u64,
    peers: Vec<Peer>,
}

impl Plan {
    fn new(quick: bool) -> Plan {
        if quick {
            Plan {
                counts: vec![3],
                n: 30,
                deadline_s: 5,
                window_s: 0,
                peers: Peer::available().into_iter().take(1).collect(),
            }
        } else {
            Plan {
                counts: vec![3, 6, 10],
                n: 1000,
                deadline_s: 15,
                window_s: 10,
                // avahi is one daemon per host that both publishes and
                // browses; its roles here are two daemons, which cannot share
                // a host's mDNS port (see the note).
                peers: Peer::available()
                    .into_iter()
                    .filter(|p| p.label != "avahi")
                    .collect(),
            }
        }
    }
}

/// Job: one peer at each host count.
pub fn job(spec: &Value) -> Value {
    let peer = match Peer::of_job(spec) {
        Ok(peer) => peer,
        Err(e) => return e,
    };
    let label = peer.label;
    let get = |k: &str| spec[k].as_u64().unwrap_or(0);
    let mut runs = Vec::new();
    for count in spec["counts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_u64)
    {
        roles::hosts_up(count as u32, &[]);
        let run = converge(
            &peer,
            count as u32,
            get("n"),
            get("deadline_s"),
            get("window_s"),
        )
        .unwrap_or_else(|e| json!({"hosts": count, "error": e}));
        roles::hosts_down();
        eprintln!("mdns_report: {label} on {count} hosts: {run}");
        runs.push(run);
    }
    json!({"peer": label, "runs": runs})
}

fn converge(
    peer: &Peer,
    count: u32,
    n: u64,
    deadline_s: u64,
    window_s: u64,
) -> Result<Value, String> {
    let mut observers = Vec::new();
    for host in 1..=count {
        observers.push(Role::start(host, &peer.observer())?);
    }
    std::thread::sleep(Duration::from_secs(1));
    let mut publishers = Vec::new();
    for host in 1..=count {
        publishers.push(Role::start(
            host,
            &peer.publisher(&format!("10.77.0.{host}")),
        )?);
    }
    std::thread::sleep(Duration::from_millis(500));
    let per_host = n / count as u64;
    let total = per_host * count as u64;
    let traffic0 = roles::lan_traffic();
    let start = Instant::now();
    let mut t0 = None;
    for (i, publisher) in publishers.iter_mut().enumerate() {
        let t = publisher
            .begin(&format!("many h{} {per_host}", i + 1))
            .ok_or("a publisher did not start")?;
        t0.get_or_insert(t);
    }
    let t0 = t0.unwrap_or(0);
    let deadline = Duration::from_secs(deadline_s);
    // Every observer at once, each on its own thread.
    let views: Vec<(usize, u128)> = std::thread::scope(|s| {
        let handles: Vec<_> = observers
            .iter_mut()
            .map(|o| {
                let o: &mut Role = o;
                s.spawn(move || {
                    collect_creates(o, "h", total, deadline.saturating_sub(start.elapsed()))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let traffic1 = roles::lan_traffic();
    let converged = views.iter().all(|v| v.0 as u64 == total);
    let ms = converged.then(|| {
        views
            .iter()
            .map(|v| v.1)
            .max()
            .unwrap_or(t0)
            .saturating_sub(t0) as f64
            / 1e6
    });
    let window = Duration::from_secs(window_s);
    std::thread::sleep(window.saturating_sub(start.elapsed()));
    let traffic2 = roles::lan_traffic();
    Ok(json!({
        "hosts": count, "n": total, "converged_ms": ms,
        "least_seen": views.iter().map(|v| v.0).min(),
        "packets_to_convergence": traffic1.0 - traffic0.0, "bytes_to_convergence": traffic1.1 - traffic0.1,
        "packets_window": traffic2.0 - traffic0.0, "bytes_window": traffic2.1 - traffic0.1,
        "window_s": start.elapsed().as_secs_f64().max(window_s as f64).round(),
    }))
}

pub fn run(quick: bool) -> Value {
    let plan = Plan::new(quick);
    let specs: Vec<Value> = plan
        .peers
        .iter()
        .map(|p| {
            json!({"kind": "hosts", "peer": p.label, "counts": plan.counts, "n": plan.n,
            "deadline_s": plan.deadline_s, "window_s": plan.window_s})
        })
        .collect();
    let results = report::run_jobs(&specs, false);
    assemble(&plan, &results)
}

fn assemble(plan: &Plan, results: &[Value]) -> Value {
    let mut notes = Vec::new();
    if plan.peers.len() > 1 && Peer::available().iter().any(|p| p.label == "avahi") {
        notes.push(
            "avahi is not in this scenario: on a host it is one daemon that publishes and browses, \
             and the benchmark's avahi publisher and observer are two daemons, which cannot both \
             hold a host's mDNS port."
                .into(),
        );
    }
    let mut rows = Vec::new();
    let mut time_series = Vec::new();
    let mut traffic_series = Vec::new();
    let mut headline_peers = Vec::new();
    let mut ours = String::from("not measured");
    let mut behind = Vec::new();
    let mut times: Vec<(&str, Curve)> = Vec::new();
    for (peer, job) in plan.peers.iter().zip(results) {
        if let Some(e) = job.get("error") {
            notes.push(format!("{}: failed: {e}", peer.label));
            continue;
        }
        let (mut xs, mut ys, mut txs, mut tys) = (vec![], vec![], vec![], vec![]);
        let mut points = Vec::new();
        for run in job["runs"].as_array().into_iter().flatten() {
            let hosts = run["hosts"].as_u64().unwrap_or(0);
            if let Some(e) = run.get("error") {
                notes.push(format!("{} on {hosts} hosts: failed: {e}", peer.label));
                continue;
            }
            let ms = run["converged_ms"].as_f64();
            let f = |k: &str| run[k].as_f64();
            rows.push(json!([
                peer.label,
                hosts,
                run["n"],
                num(ms, 1),
                run["least_seen"],
                run["packets_to_convergence"],
                num(f("bytes_to_convergence").map(|b| b / 1024.0), 1),
                run["packets_window"],
                num(f("bytes_window").map(|b| b / 1024.0), 1),
                run["window_s"]
            ]));
            points.push((hosts, ms));
            if let Some(ms) = ms {
                xs.push(hosts);
                ys.push(num(Some(ms), 1));
            } else {
                notes.push(format!(
                    "{} on {hosts} hosts: not every host saw all {} nodes within {} s (the slowest saw {}).",
                    peer.label, run["n"], plan.deadline_s, run["least_seen"]
                ));
            }
            txs.push(hosts);
            tys.push(num(f("bytes_window").map(|b| b / 1024.0), 1));
        }
        let text = points
            .iter()
            .map(|(h, ms)| format!("{h} hosts: {}", ms.map_or("—".into(), report::ms_text)))
            .collect::<Vec<_>>()
            .join(", ");
        if peer.label == "microreg" {
            ours = text;
        } else {
            headline_peers.push(format!("{}: {text}", peer.label));
        }
        time_series.push(json!({"label": peer.label, "x": xs, "y": ys}));
        traffic_series.push(json!({"label": peer.label, "x": txs, "y": tys}));
        times.push((peer.label, points));
    }
    let mine = times
        .iter()
        .find(|t| t.0 == "microreg")
        .map(|t| t.1.clone())
        .unwrap_or_default();
    for &(hosts, ms) in &mine {
        for (label, points) in times.iter().filter(|t| t.0 != "microreg") {
            let theirs = points.iter().find(|p| p.0 == hosts).and_then(|p| p.1);
            match (ms, theirs) {
                (None, _) => behind.push(format!("{hosts} hosts: microreg did not converge")),
                (Some(a), Some(b)) if b <= a => behind.push(format!(
                    "{hosts} hosts: {label} {b:.0} ms ≤ microreg {a:.0} ms"
                )),
                _ => {}
            }
        }
    }
    behind.dedup();
    let peers = Peer::configurations(&plan.peers);
    json!({
        "title": "Many hosts: each registers its share, every host sees all",
        "description": format!(
            "H test hosts (H = {:?}) on one bridge, no impairment. On each host a publisher and an observer of the \
             same kind; the observers start first, then every publisher registers {}/H nodes at once (the \
             registrations begin within a few ms of each other). **Convergence** is the time from the first \
             registration until every observer has seen all nodes (given up after {} s). Traffic: frames and bytes \
             all hosts sent onto the LAN (veth counters) until convergence, and over the first {} s (the fixed \
             window, or until convergence if longer). Each peer alone on the LAN, one after the other.",
            plan.counts, plan.n, plan.deadline_s, plan.window_s
        ),
        "peers": peers,
        "tables": [{"title": format!("{} nodes over H hosts", plan.n),
            "columns": ["peer", "hosts", "nodes", "convergence (ms)", "least seen by a host", "packets to convergence",
                "KB to convergence", "packets in window", "KB in window", "window (s)"], "rows": rows}],
        "plots": [
            {"kind": "line", "title": format!("Convergence: every host sees all {} nodes", plan.n), "x_label": "hosts",
             "y_label": "convergence (ms)", "log_x": false, "log_y": true, "series": time_series},
            {"kind": "line", "title": "LAN traffic of the registrations (fixed window)", "x_label": "hosts",
             "y_label": "KB", "log_x": false, "log_y": true, "series": traffic_series},
        ],
        "targets": [target("convergence ahead of every peer at every host count", "faster than each peer",
            if behind.is_empty() { "ahead at every host count".into() } else { behind.join("; ") },
            Some(behind.is_empty()), if behind.is_empty() { String::new() } else { "a peer was as fast or faster".into() })],
        "headline": [{"what": format!("{} nodes over 3/6/10 hosts: every host sees all", plan.n), "microreg": ours,
            "peers": headline_peers.join(", "), "target": "ahead of every peer"}],
        "notes": notes,
    })
}
