//! The mDNS backend on a LAN that loses and delays packets: three test hosts
//! where each packet is lost with probability 20 % and delayed by 50 ms plus up
//! to 10 ms of jitter (tests/netns/hosts --loss/--delay/--jitter: iptables drop
//! rules and a user-space relay, as this kernel has no netem). Run through
//! `make test`, which runs it inside tests/netns/isolated. Deadlines are
//! generous; `make bench-lookup` prints the timings.

mod support;

use std::time::{Duration, Instant};

use microreg::Service;
use support::hosts::{example, impaired_hosts, TestProcess};

const IMPAIRMENTS: [&str; 6] = ["--loss", "20", "--delay", "50", "--jitter", "10"];
const PATIENCE: Duration = Duration::from_secs(30);

fn hosts() -> std::sync::MutexGuard<'static, ()> {
    impaired_hosts(&IMPAIRMENTS)
}

fn peer(args: &[&str]) -> Vec<String> {
    let mut program = vec![example("mdns_peer").display().to_string()];
    program.extend(args.iter().map(|a| a.to_string()));
    program
}

/// `count` nodes of `service` on `host` (ids carry a UUID, as go-micro's do).
fn register(host: u32, service: &str, count: usize) -> TestProcess {
    let id = format!("{service}-h{host}-6a1b2c3d-1111-4222-8333-944455556666");
    let address = format!("10.77.0.{host}:8080");
    let count = count.to_string();
    let registrar = TestProcess::start(
        host,
        &peer(&[
            "register",
            "--service",
            service,
            "--id",
            &id,
            "--address",
            &address,
            "--count",
            &count,
        ]),
    );
    assert_eq!(registrar.line(PATIENCE), "ready");
    registrar
}

fn nodes(json: &str) -> usize {
    let services: Vec<Service> = serde_json::from_str(json.trim()).unwrap_or_default();
    services.iter().map(|s| s.nodes.len()).sum()
}

#[test]
fn a_fresh_get_finds_all_100_nodes_in_at_least_9_of_10_tries() {
    let _turn = hosts();
    let _one = register(1, "lossy-get", 50);
    let _three = register(3, "lossy-get", 50);
    std::thread::sleep(Duration::from_secs(3)); // announcements and repeats are over
    let mut counts = Vec::new();
    for _ in 0..10 {
        let out = TestProcess::run(2, &peer(&["get", "lossy-get"]));
        counts.push(nodes(&String::from_utf8_lossy(&out.stdout)));
    }
    eprintln!("nodes found by 10 fresh gets: {counts:?}");
    let complete = counts.iter().filter(|n| **n == 100).count();
    assert!(complete >= 9, "complete in {complete} of 10: {counts:?}");
}

#[test]
fn a_long_lived_observer_sees_all_100_nodes() {
    let _turn = hosts();
    let observer = TestProcess::start(
        2,
        &peer(&[
            "watch",
            "lossy-watch",
            "--until-nodes",
            "100",
            "--timeout-ms",
            "60000",
        ]),
    );
    assert_eq!(observer.line(PATIENCE), "watching");
    std::thread::sleep(Duration::from_secs(1)); // its startup questions are over
    let started = Instant::now();
    let _registrar = register(1, "lossy-watch", 100);
    // Each node is created once (by whichever dialect's record came first) and
    // may then be updated by the other's.
    let mut created = std::collections::BTreeSet::new();
    loop {
        let line = observer.line(PATIENCE);
        if let Some(seen) = line.strip_prefix("seen ") {
            assert_eq!(seen, "100", "the watch timed out");
            break;
        }
        let event: microreg::Event = serde_json::from_str(&line).expect("an event");
        if event.action == microreg::Action::Create {
            created.extend(event.service.nodes.iter().map(|n| n.id.clone()));
        }
    }
    assert_eq!(created.len(), 100, "every node was created once");
    eprintln!(
        "all 100 nodes seen by the observer {} ms after the registrar started",
        started.elapsed().as_millis()
    );
}

#[test]
fn a_fresh_list_finds_every_service() {
    let _turn = hosts();
    let mut registrars = Vec::new();
    for host in 1..=3 {
        let args_service = format!("lossy-list-h{host}");
        let id = format!("l{host}-6a1b2c3d-1111-4222-8333-944455556666");
        let address = format!("10.77.0.{host}:8080");
        let registrar = TestProcess::start(
            host,
            &peer(&[
                "register",
                "--service",
                &args_service,
                "--id",
                &id,
                "--address",
                &address,
                "--services",
                "10",
            ]),
        );
        assert_eq!(registrar.line(PATIENCE), "ready");
        registrars.push(registrar);
    }
    std::thread::sleep(Duration::from_secs(3));
    let mut counts = Vec::new();
    for _ in 0..5 {
        let out = TestProcess::run(2, &peer(&["list"]));
        let services: Vec<Service> =
            serde_json::from_str(String::from_utf8_lossy(&out.stdout).trim()).unwrap_or_default();
        counts.push(
            services
                .iter()
                .filter(|s| s.name.starts_with("lossy-list-"))
                .count(),
        );
    }
    eprintln!("services found by 5 fresh lists: {counts:?}");
    let complete = counts.iter().filter(|n| **n == 30).count();
    assert!(complete >= 4, "complete in {complete} of 5: {counts:?}");
}
