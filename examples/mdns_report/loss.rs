//! `report-loss`: register on host 1 -> seen on host 2, deregister -> gone,
//! at 0, 5 and 20 % packet loss with 50 ms delay; and, at 20 %, 100 nodes
//! seen by a new observer (host 3), none ever reported gone while their owner
//! lives.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::peers::Peer;
use crate::report::{self, num, percentile, target};
use crate::roles::{self, now_ns, Role};
use crate::scaling::{collect_creates, Pair};

struct Plan {
    levels: Vec<u64>,
    delay_ms: u64,
    rounds: u64,
    level_budget_s: u64,
    wait_s: u64,
    target_n: u64,
    target_within_s: u64,
    settle_s: u64,
    watch_s: u64,
    peers: Vec<Peer>,
}

impl Plan {
    fn new(quick: bool) -> Plan {
        if quick {
            Plan {
                levels: vec![20],
                delay_ms: 50,
                rounds: 3,
                level_budget_s: 5,
                wait_s: 3,
                target_n: 20,
                target_within_s: 3,
                settle_s: 1,
                watch_s: 1,
                peers: Peer::available().into_iter().take(1).collect(),
            }
        } else {
            Plan {
                levels: vec![0, 5, 20],
                delay_ms: 50,
                rounds: 30,
                level_budget_s: 35,
                wait_s: 5,
                target_n: 100,
                target_within_s: 10,
                settle_s: 3,
                watch_s: 30,
                peers: Peer::available(),
            }
        }
    }
}

/// An observer's view while the rounds run: which nodes its owner keeps
/// alive, and how often one of those was reported gone anyway.
struct Watch<'a> {
    observer: &'a Role,
    alive: HashSet<String>,
    lost: Vec<String>,
}

impl Watch<'_> {
    /// Waits for `action` on node `id`; returns its time, or None after `within`.
    fn wait(&mut self, action: &str, id: &str, within: Duration) -> Option<u128> {
        let until = Instant::now() + within;
        while let Some((a, i, t)) = self
            .observer
            .next_event(until.saturating_duration_since(Instant::now()))
        {
            self.check(&a, &i);
            if a == action && i == id {
                return Some(t);
            }
        }
        None
    }

    fn check(&mut self, action: &str, id: &str) {
        if action == "delete" && self.alive.contains(id) {
            self.lost.push(id.to_string());
        }
    }

    /// Reads what has come so far (nothing waited for).
    fn drain(&mut self) {
        while let Some((a, i, _)) = self.observer.next_event(Duration::from_millis(1)) {
            self.check(&a, &i);
        }
    }
}

/// Job: one peer at every loss level.
pub fn job(spec: &Value) -> Value {
    let peer = match Peer::of_job(spec) {
        Ok(peer) => peer,
        Err(e) => return e,
    };
    let label = peer.label;
    let get = |k: &str| spec[k].as_u64().unwrap_or(0);
    let mut levels = Vec::new();
    for level in spec["levels"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_u64)
    {
        let mut options = vec!["--delay".to_string(), get("delay_ms").to_string()];
        if level > 0 {
            options.extend(["--loss".to_string(), level.to_string()]);
        }
        let options: Vec<&str> = options.iter().map(String::as_str).collect();
        roles::hosts_up(3, &options);
        let result = match Pair::start(&peer) {
            Ok(mut pair) => one_level(&mut pair, level, spec, level == 20),
            Err(e) => json!({"level": level, "error": e}),
        };
        roles::hosts_down();
        eprintln!("mdns_report: {label} at {level} % loss: {result}");
        levels.push(result);
    }
    json!({"peer": label, "levels": levels})
}

fn one_level(pair: &mut Pair, level: u64, spec: &Value, with_target: bool) -> Value {
    let get = |k: &str| spec[k].as_u64().unwrap_or(0);
    let wait = Duration::from_secs(get("wait_s"));
    let budget = Instant::now() + Duration::from_secs(get("level_budget_s"));
    let svc = format!("loss{level}");
    let mut watch = Watch {
        observer: &pair.observer,
        alive: HashSet::new(),
        lost: Vec::new(),
    };
    let (mut up, mut down) = (Vec::new(), Vec::new());
    let (mut up_missed, mut down_missed) = (0, 0);
    // One warm-up round first, not counted: the first registration of a
    // fresh process (and the relay's first frames) would time start-up.
    let mut rounds = 0;
    let mut warm_up = true;
    while rounds < get("rounds") && Instant::now() < budget {
        let id = if warm_up {
            format!("l{level}w")
        } else {
            rounds += 1;
            format!("l{level}r{rounds}")
        };
        let Some(t0) = pair.publisher.begin(&format!("reg {svc} {id}")) else {
            break;
        };
        watch.alive.insert(id.clone());
        match watch.wait("create", &id, wait) {
            _ if warm_up => {}
            Some(t) => up.push(t.saturating_sub(t0) as f64 / 1e6),
            None => up_missed += 1,
        }
        pair.publisher.done(Duration::from_secs(30));
        std::thread::sleep(Duration::from_millis(200));
        watch.drain();
        watch.alive.remove(&id);
        let Some(t0) = pair.publisher.begin(&format!("dereg {svc} {id}")) else {
            break;
        };
        match watch.wait("delete", &id, wait) {
            _ if warm_up => {}
            Some(t) => down.push(t.saturating_sub(t0) as f64 / 1e6),
            None => down_missed += 1,
        }
        pair.publisher.done(Duration::from_secs(30));
        std::thread::sleep(Duration::from_millis(200));
        warm_up = false;
    }
    let mut result = json!({
        "level": level, "rounds": rounds, "up": up, "down": down,
        "up_missed": up_missed, "down_missed": down_missed,
    });
    if with_target {
        result["target"] = match register_targets(&mut pair.publisher, &mut watch, spec) {
            Ok(()) => newcomer(&pair.peer.observer_of("t"), &mut watch, spec),
            Err(e) => e,
        };
        if let Some(argv) = pair.peer.looking_observer_of("t") {
            result["target_lookup"] = newcomer(&argv, &mut watch, spec);
        }
    }
    watch.drain();
    result["lost"] = json!(watch.lost);
    result
}

/// Registers the `target_n` nodes of the new-observer target.
fn register_targets(publisher: &mut Role, watch: &mut Watch, spec: &Value) -> Result<(), Value> {
    let get = |k: &str| spec[k].as_u64().unwrap_or(0);
    let n = get("target_n");
    if publisher.begin(&format!("many t {n}")).is_none() {
        return Err(json!({"error": "the publisher did not start the registration"}));
    }
    publisher.done(Duration::from_secs(60));
    watch.alive.extend((0..n).map(|i| format!("t-{i}")));
    // The nodes are announced and settled: the observer joins a running LAN.
    std::thread::sleep(Duration::from_secs(get("settle_s")));
    watch.drain();
    Ok(())
}

/// A new observer (`observer_argv`) on host 3: time until it has seen the
/// `target_n` nodes, then `watch_s` more of checking that none is reported
/// gone (by it, or by the observer on host 2) while its owner lives.
fn newcomer(observer_argv: &[String], watch: &mut Watch, spec: &Value) -> Value {
    let get = |k: &str| spec[k].as_u64().unwrap_or(0);
    let n = get("target_n");
    let prefix = "t-";
    let newcomer = match Role::start(3, observer_argv) {
        Ok(role) => role,
        Err(e) => return json!({"error": e}),
    };
    let t0 = now_ns();
    let (seen, last) = collect_creates(
        &newcomer,
        prefix,
        n,
        Duration::from_secs(get("target_within_s")),
    );
    let ms = (seen as u64 == n).then(|| last.saturating_sub(t0) as f64 / 1e6);
    // Then watch: nothing may be reported gone while its owner lives.
    let mut newcomer_watch = Watch {
        observer: &newcomer,
        alive: watch.alive.clone(),
        lost: Vec::new(),
    };
    let until = Instant::now() + Duration::from_secs(get("watch_s"));
    while Instant::now() < until {
        newcomer_watch.wait("none", "", until.saturating_duration_since(Instant::now()));
    }
    watch.drain();
    json!({"n": n, "seen": seen, "ms": ms, "watch_s": get("watch_s"), "lost_newcomer": newcomer_watch.lost})
}

pub fn run(quick: bool) -> Value {
    let plan = Plan::new(quick);
    let specs: Vec<Value> = plan
        .peers
        .iter()
        .map(|p| {
            json!({"kind": "loss", "peer": p.label, "levels": plan.levels, "delay_ms": plan.delay_ms,
                "rounds": plan.rounds, "level_budget_s": plan.level_budget_s, "wait_s": plan.wait_s,
                "target_n": plan.target_n, "target_within_s": plan.target_within_s, "settle_s": plan.settle_s, "watch_s": plan.watch_s})
        })
        .collect();
    let results = report::run_jobs(&specs, true);
    assemble(&plan, &results)
}

fn assemble(plan: &Plan, results: &[Value]) -> Value {
    let mut notes = Vec::new();
    let mut rows = Vec::new();
    let mut cdf_up: Vec<Vec<Value>> = vec![Vec::new(); plan.levels.len()];
    let mut cdf_down: Vec<Vec<Value>> = vec![Vec::new(); plan.levels.len()];
    let mut target_rows = Vec::new();
    let mut p99_series = Vec::new();
    let mut targets = Vec::new();
    let mut headline_peers = Vec::new();
    let mut ours_text = String::from("not measured");
    let samples = |v: &Value| -> Vec<f64> {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_f64)
            .collect()
    };
    for (peer, job) in plan.peers.iter().zip(results) {
        if let Some(e) = job.get("error") {
            notes.push(format!("{}: failed: {e}", peer.label));
            continue;
        }
        let mut p99 = Vec::new();
        for (i, level) in job["levels"].as_array().into_iter().flatten().enumerate() {
            if let Some(e) = level.get("error") {
                notes.push(format!(
                    "{} at {} % loss: failed: {e}",
                    peer.label, level["level"]
                ));
                continue;
            }
            let (up, down) = (samples(&level["up"]), samples(&level["down"]));
            let rounds = level["rounds"].as_u64().unwrap_or(0);
            let lost = level["lost"].as_array().map_or(0, Vec::len);
            rows.push(json!([
                peer.label,
                level["level"],
                rounds,
                num(percentile(&up, 50.0), 1),
                num(percentile(&up, 99.0), 1),
                level["up_missed"],
                num(percentile(&down, 50.0), 1),
                num(percentile(&down, 99.0), 1),
                level["down_missed"],
                lost
            ]));
            p99.push(percentile(&up, 99.0));
            if i < cdf_up.len() {
                cdf_up[i].push(json!({"label": peer.label, "samples": up}));
                cdf_down[i].push(json!({"label": peer.label, "samples": down}));
            }
            if level["up_missed"].as_u64().unwrap_or(0) + level["down_missed"].as_u64().unwrap_or(0)
                > 0
            {
                notes.push(format!(
                    "{} at {} % loss: {} registrations not seen and {} deregistrations not reported within {} s (left out of the percentiles).",
                    peer.label, level["level"], level["up_missed"], level["down_missed"], plan.wait_s
                ));
            }
            for (key, how) in [
                ("target", "watch"),
                ("target_lookup", "get_service, then watch"),
            ] {
                let t = &level[key];
                if !t.is_object() {
                    continue;
                }
                let row_label = if key == "target" {
                    peer.label.to_string()
                } else {
                    format!("{} ({how})", peer.label)
                };
                let lost_all = lost + t["lost_newcomer"].as_array().map_or(0, Vec::len);
                let ms = t["ms"].as_f64();
                target_rows.push(json!([
                    row_label,
                    t["n"],
                    t["seen"],
                    num(ms, 1),
                    lost_all,
                    t["watch_s"]
                ]));
                let text = match ms {
                    Some(ms) => {
                        format!("all {} in {}, {lost_all} lost", t["n"], report::ms_text(ms))
                    }
                    None => format!(
                        "{} of {} within {} s, {lost_all} lost",
                        t["seen"], t["n"], plan.target_within_s
                    ),
                };
                if peer.label != "microreg" {
                    headline_peers.push(format!("{}: {text}", peer.label));
                    continue;
                }
                let met = (t["n"].as_u64() == Some(100))
                    .then(|| ms.is_some_and(|ms| ms <= 1000.0) && lost_all == 0);
                let why = if met == Some(true) {
                    String::new()
                } else if t["n"].as_u64() != Some(100) {
                    "QUICK run: fewer nodes".into()
                } else if lost_all > 0 {
                    format!("nodes reported gone while alive: {:?}", level["lost"])
                } else if key == "target" {
                    "a watch alone does not ask the LAN again until it has everything: only lookups \
                     (get_service, list) run the rounds of questions with known answers that recover \
                     answers lost to the 20 % loss; the nodes it missed come with their next \
                     re-announcement (a third of the 90 s TTL)".into()
                } else {
                    "slower than 1 s".into()
                };
                targets.push(target(
                    &format!("{} % loss + {} ms delay: all {} nodes seen by a new observer ({how}), none lost while their owner lives",
                        level["level"], plan.delay_ms, t["n"]),
                    "within 1 s; 0 lost",
                    format!("{text} (watched {} s more)", t["watch_s"]),
                    met,
                    why,
                ));
                if key == "target" {
                    ours_text = text;
                } else {
                    ours_text = format!("{ours_text}; with get_service first: {text}");
                }
            }
        }
        p99_series.push(json!({"label": peer.label,
            "x": plan.levels.iter().take(p99.len()).collect::<Vec<_>>(),
            "y": p99.iter().map(|v| num(*v, 1)).collect::<Vec<_>>()}));
    }
    let mut plots = Vec::new();
    for (i, level) in plan.levels.iter().enumerate() {
        plots.push(json!({"kind": "cdf", "title": format!("register -> seen, {level} % loss, {} ms delay", plan.delay_ms),
            "x_label": "latency (ms)", "y_label": "fraction of registrations", "log_x": true, "log_y": false, "series": cdf_up[i]}));
        plots.push(json!({"kind": "cdf", "title": format!("deregister -> gone, {level} % loss, {} ms delay", plan.delay_ms),
            "x_label": "latency (ms)", "y_label": "fraction of deregistrations", "log_x": true, "log_y": false, "series": cdf_down[i]}));
    }
    plots.push(json!({"kind": "line", "title": "register -> seen, p99 by packet loss", "x_label": "packet loss (%)",
        "y_label": "p99 (ms)", "log_x": false, "log_y": true, "series": p99_series}));
    let peers = Peer::configurations(&plan.peers);
    json!({
        "title": "Register and deregister under packet loss",
        "description": format!(
            "Three test hosts on an impaired LAN: every frame is delayed {} ms (tests/netns/relay.py, a user-space hub) and \
             each host drops the given share of the frames it receives (iptables statistic match), so each copy of a \
             multicast is lost independently. A publisher on host 1 registers one node at a time; the observer on host 2 \
             (same kind) reports it seen (register -> seen) and, 200 ms after, the node is deregistered (deregister -> gone). \
             After one warm-up round, up to {} rounds per level ({} s at most); a round not seen within {} s is counted as missed, not timed. \
             At 20 % loss, {} nodes are then registered at once and, {} s later, a new observer starts on host 3: the time \
             from its start (ready) to all seen, then {} s more of watching; any node reported gone (by either observer) \
             while its owner lives counts as lost. Peers ran at the same time, each on a LAN of its own.",
            plan.delay_ms, plan.rounds, plan.level_budget_s, plan.wait_s, plan.target_n, plan.settle_s, plan.watch_s
        ),
        "peers": peers,
        "tables": [
            {"title": "Latency by packet loss (ms)", "columns": ["peer", "loss %", "rounds", "seen p50", "seen p99", "not seen",
                "gone p50", "gone p99", "not gone", "lost while alive"], "rows": rows},
            {"title": "New observer at 20 % loss", "columns": ["peer", "nodes", "seen", "all seen (ms)", "lost while alive", "watched (s)"],
                "rows": target_rows},
        ],
        "plots": plots,
        "targets": targets,
        "headline": [{"what": format!("20 % loss + {} ms delay: new observer sees all {} nodes", plan.delay_ms, plan.target_n),
            "microreg": ours_text, "peers": headline_peers.join(", "), "target": "≤ 1 s, none lost"}],
        "notes": notes,
    })
}
