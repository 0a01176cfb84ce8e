//! `microreg browse` on the mdns backend: the live table ends exactly equal to
//! a fresh `microreg list` after many registrants stop at once. Runs inside
//! `tests/netns/isolated` (loopback only): `tests/netns/isolated cargo test
//! --offline --test cli_browse`.

mod support;

use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use microreg::Service;
use support::hosts::TestProcess;
use support::Children;

const BIN: &str = env!("CARGO_BIN_EXE_microreg");
/// A domain of this test's own, so that nothing else on the loopback counts.
const DOMAIN: &str = "ghosts";
const REGISTRANTS: usize = 25;
const ROUNDS: usize = 3;

fn microreg() -> Command {
    let mut command = Command::new(BIN);
    command.args(["--backend", "mdns", "--domain", DOMAIN]);
    command
}

/// (service, version, node id) of every node in a list of services.
fn nodes_of(services: &[Service]) -> BTreeSet<(String, String, String)> {
    services
        .iter()
        .flat_map(|s| {
            s.nodes
                .iter()
                .map(|n| (s.name.clone(), s.version.clone(), n.id.clone()))
        })
        .collect()
}

/// What a fresh process sees: `microreg list --json` (one Service a line).
fn fresh_list() -> BTreeSet<(String, String, String)> {
    let out = microreg().args(["--json", "list"]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let services: Vec<Service> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| Service::from_json(line).unwrap())
        .collect();
    nodes_of(&services)
}

/// Reads browse's lines (one JSON array per state of the table) and keeps the
/// latest state.
struct Browse {
    process: TestProcess,
    latest: BTreeSet<(String, String, String)>,
}

impl Browse {
    fn start() -> Self {
        let mut command = microreg();
        command.args(["--json", "browse"]);
        let process = TestProcess::spawn(command);
        let mut browse = Browse {
            process,
            latest: BTreeSet::new(),
        };
        browse.read_for(Duration::from_secs(20)); // the first table
        browse
    }

    /// Reads lines for at most `within`; true if one came.
    fn read_for(&mut self, within: Duration) -> bool {
        match self.process.try_line(within) {
            Some(line) => {
                let services: Vec<Service> = serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("browse --json line {line:?}: {e}"));
                self.latest = nodes_of(&services);
                true
            }
            None => false,
        }
    }

    /// Waits until the table satisfies `done`, or the deadline.
    fn until(
        &mut self,
        deadline: Instant,
        done: impl Fn(&BTreeSet<(String, String, String)>) -> bool,
    ) {
        while !done(&self.latest) && Instant::now() < deadline {
            self.read_for(Duration::from_millis(500));
        }
    }
}

fn register(index: usize, round: usize) -> Child {
    microreg()
        .args([
            "register",
            &format!("svc{index}"),
            "--address",
            &format!("127.0.0.1:{}", 20000 + round * 100 + index),
            "--ttl",
            "3s",
        ])
        .stdout(Stdio::null())
        .spawn()
        .unwrap()
}

fn signal(children: &[Child], name: &str) {
    let pids: Vec<String> = children.iter().map(|c| c.id().to_string()).collect();
    // One kill(1) for all: they stop at the same moment.
    let status = Command::new("kill")
        .arg(format!("-{name}"))
        .args(&pids)
        .stderr(Stdio::null())
        .status()
        .unwrap();
    let _ = status;
}

#[test]
fn browse_ends_equal_to_a_fresh_list_after_many_registrants_stop_at_once() {
    support::require_isolated_network();
    let mut browse = Browse::start();
    for round in 0..ROUNDS {
        let mut registrants = Children((0..REGISTRANTS).map(|i| register(i, round)).collect());
        let children = &mut registrants.0;
        let deadline = Instant::now() + Duration::from_secs(30);
        browse.until(deadline, |nodes| nodes.len() >= REGISTRANTS);
        assert!(
            browse.latest.len() >= REGISTRANTS,
            "round {round}: all seen"
        );

        if round % 2 == 0 {
            // Stopped together: every one says goodbye at the same moment.
            signal(children, "TERM");
        } else {
            // Half say goodbye, half are killed (their records run out).
            let (term, kill) = children.split_at(REGISTRANTS / 2);
            signal(term, "TERM");
            signal(kill, "KILL");
        }
        std::thread::sleep(Duration::from_millis(300));
        signal(children, "KILL"); // whatever is still running
        for child in children.iter_mut() {
            child.wait().unwrap();
        }

        // The killed ones last their TTL (3 s) plus the expiry tick; then the
        // table must show exactly what a new process finds, for good.
        let deadline = Instant::now() + Duration::from_secs(20);
        browse.until(deadline, |nodes| nodes.is_empty());
        std::thread::sleep(Duration::from_secs(1));
        while browse.read_for(Duration::from_millis(200)) {}
        let fresh = fresh_list();
        assert_eq!(
            browse.latest,
            fresh,
            "round {round}: browse kept {} node(s) that a fresh list does not show",
            browse.latest.difference(&fresh).count()
        );
        assert!(fresh.is_empty(), "round {round}: {fresh:?}");
    }
}
