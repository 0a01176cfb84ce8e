//! What signed announcements cost: HMAC-SHA-256 signing and verifying of one
//! node in this process, then 1000 nodes registered on test host 1 until all
//! are seen (and, with keys, verified) on host 2, with and without keys.
//! Run with `make bench-sign` (release build, inside tests/netns/isolated).

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use microreg::backend::mdns::signing::{Signed, Signer};
use microreg::{Node, Service};
use support::hosts::TestProcess;

const NODES: usize = 1000;
const KEY: &str = "the registry key of the benchmark LAN";

fn main() {
    in_process();
    let _hosts = support::hosts::bench_hosts(2, "bench-sign");
    for keys in [false, true] {
        let mut seen = Vec::new();
        for round in 0..3 {
            seen.push(thousand_nodes(keys, round));
        }
        seen.sort_by(f64::total_cmp);
        println!(
            "{NODES} nodes registered on host 1 -> all seen on host 2, {}: median {:.0} ms of 3 ({:.0}..{:.0}) (target with keys <= 1000 ms)",
            if keys { "signed and verified (require_signed)" } else { "without keys" },
            seen[1],
            seen[0],
            seen[2]
        );
    }
}

/// Signing and verifying one node, timed over many.
fn in_process() {
    let signer = Signer::new(&[KEY.to_string()]).unwrap().unwrap();
    let verifier = Signer::new(&[KEY.to_string()]).unwrap().unwrap();
    let services: Vec<Service> = (0..NODES)
        .map(|i| {
            let mut node = Node::new(format!("greeter-{i}"), "10.77.0.1:8080");
            node.metadata.insert("zone".into(), "a".into());
            Service::new("greeter", "1.0.0").with_node(node)
        })
        .collect();
    let content = |s| Signed {
        domain: "micro",
        service: s,
        alive: true,
    };
    let started = Instant::now();
    let signatures: Vec<String> = services.iter().map(|s| signer.sign(&content(s))).collect();
    let signing = started.elapsed();
    let started = Instant::now();
    let accepted = services
        .iter()
        .zip(&signatures)
        .filter(|(s, sig)| verifier.verify(&content(s), Some(sig)).is_ok())
        .count();
    let verifying = started.elapsed();
    assert_eq!(accepted, NODES);
    println!(
        "sign {NODES} nodes: {:.2} ms ({:.2} us each); verify: {:.2} ms ({:.2} us each)",
        signing.as_secs_f64() * 1e3,
        signing.as_secs_f64() * 1e6 / NODES as f64,
        verifying.as_secs_f64() * 1e3,
        verifying.as_secs_f64() * 1e6 / NODES as f64
    );
}

/// Milliseconds from starting the registrar to the observer seeing every node.
fn thousand_nodes(keys: bool, round: usize) -> f64 {
    let peer = std::env::current_exe()
        .unwrap()
        .parent()
        .unwrap()
        .join("mdns_peer")
        .display()
        .to_string();
    let key_args: Vec<&str> = if keys { vec!["--key", KEY] } else { vec![] };
    let service = format!("signbench-{round}-{}", if keys { "k" } else { "n" });
    let mut observe = vec![peer.as_str(), "--dialect", "gomicro"];
    observe.extend(&key_args);
    if keys {
        observe.push("--require-signed");
    }
    let n = NODES.to_string();
    observe.extend([
        "wait-nodes",
        &service,
        "--nodes",
        &n,
        "--timeout-ms",
        "20000",
    ]);
    let observer = TestProcess::start(2, &observe);
    // The observer asks at once; let it be up before the nodes come.
    std::thread::sleep(Duration::from_millis(300));
    let id = format!("{service}-{}", uuid::Uuid::new_v4());
    let mut register = vec![peer.as_str(), "--dialect", "gomicro"];
    register.extend(&key_args);
    register.extend([
        "register",
        "--service",
        &service,
        "--id",
        &id,
        "--address",
        "10.77.0.1:8080",
        "--count",
        &n,
    ]);
    let started = Instant::now();
    let _registrar = TestProcess::start(1, &register);
    observer.line(Duration::from_secs(30));
    started.elapsed().as_secs_f64() * 1e3
}
