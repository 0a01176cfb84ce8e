//! Signed announcements under sustained forgery, on the three test hosts
//! (which must be up): `nodes` signed nodes published on host 1, two
//! observers with the key on host 2 (one with `require_signed`, one marking
//! unsigned nodes), and a forger on host 3 (`mdns_flood forgeries`: forged
//! go-micro and DNS-SD goodbyes, hijacks and extra nodes, unsigned and signed
//! with the attacker's own key, and replays of captured announcements once
//! past the freshness window). The view of both observers is sampled all
//! along. Used by `make soak-sign` (10 minutes, 1,000 nodes) and by a short
//! run in tests/mdns_hostile.rs.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::hosts::{example, TestProcess};
use super::observer::Observer;

const KEY: &str = "the registry key of the soak LAN";
const ATTACKER_KEY: &str = "a key the forger made up himself";
const PATIENCE: Duration = Duration::from_secs(60);
const ADDRESS: &str = "10.77.0.1:8080";

/// What a soak run saw.
#[derive(Debug, Default)]
pub struct SoakFigures {
    pub seconds: u64,
    pub nodes: usize,
    /// The forger's summary (datagrams by kind, signed forgeries, replays).
    pub forger: Value,
    /// Per observer ("strict", "marking"): what its view samples showed.
    pub samples: BTreeMap<&'static str, Samples>,
    /// Per observer: its counters at the end.
    pub counters: BTreeMap<&'static str, Value>,
}

/// Deviations from the truth seen in an observer's view samples.
#[derive(Debug, Default, Clone, Copy)]
pub struct Samples {
    pub taken: u64,
    /// Real nodes absent (a forged goodbye obeyed, or a valid record refused).
    pub missing: u64,
    /// Real nodes at another address (a hijack obeyed).
    pub moved: u64,
    /// Real nodes marked unsigned.
    pub marked_real: u64,
    /// Forged nodes shown unmarked (an extra node accepted as signed).
    pub unmarked_extra: u64,
    /// Forged nodes shown marked (what the marking observer should do).
    pub marked_extra: u64,
}

impl Samples {
    /// Samples with a forgery's effect or a missing valid node.
    pub fn deviations(&self) -> u64 {
        self.missing + self.moved + self.marked_real + self.unmarked_extra
    }
}

impl SoakFigures {
    fn counter(&self, observer: &str, name: &str) -> u64 {
        self.counters[observer][name].as_u64().unwrap_or_default()
    }

    fn forged(&self, name: &str) -> u64 {
        self.forger[name].as_u64().unwrap_or_default()
    }

    /// Valid records refused by `observer`: every refusal that is not one
    /// of the forger's signed records (the attacker's key: a bad MAC;
    /// replays: stale). A refusal of a forgery lost on the way would hide
    /// one; the view samples count missing nodes independently.
    pub fn false_rejects(&self, observer: &str) -> u64 {
        let rejected = self.counter(observer, "signatures_rejected");
        let stale = self.counter(observer, "signatures_stale");
        let replayed = self.counter(observer, "signatures_replayed");
        let invalid = rejected - stale - replayed;
        replayed
            + stale.saturating_sub(self.forged("replayed_records"))
            + invalid.saturating_sub(self.forged("attacker_signed"))
    }

    /// Signed forgeries refused by `observer`, over those sent.
    pub fn signed_forgeries_refused(&self, observer: &str) -> (u64, u64) {
        let rejected = self.counter(observer, "signatures_rejected");
        let sent = self.forged("attacker_signed") + self.forged("replayed_records");
        (rejected.min(sent), sent)
    }

    /// The figures, one line each.
    pub fn report(&self) -> String {
        let mut out = format!(
            "{} signed nodes on host 1, {} s of forgeries from host 3: {}\n",
            self.nodes, self.seconds, self.forger
        );
        for observer in ["strict", "marking"] {
            let samples = self.samples[observer];
            let (refused, sent) = self.signed_forgeries_refused(observer);
            out += &format!(
                "observer {observer}: view samples {} (each {} nodes): with a forgery's effect or a missing node {} \
                 (missing {}, moved {}, real marked {}, extra unmarked {}; extra marked {}); \
                 signed forgeries refused {refused} of {sent} ({:.1} %); false rejects {}; counters {}\n",
                samples.taken,
                self.nodes,
                samples.deviations(),
                samples.missing,
                samples.moved,
                samples.marked_real,
                samples.unmarked_extra,
                samples.marked_extra,
                if sent == 0 { 100.0 } else { refused as f64 * 100.0 / sent as f64 },
                self.false_rejects(observer),
                self.counters[observer],
            );
        }
        out
    }
}

/// Runs the soak; the test hosts must be up (three of them).
pub fn run(nodes: usize, seconds: u64, rate: u64) -> SoakFigures {
    let service = "soak-svc";
    let prefix = format!("soak-{}", &uuid::Uuid::new_v4().to_string()[..8]);
    let real: std::collections::HashSet<String> =
        (0..nodes).map(|i| format!("{prefix}-{i}")).collect();
    let observer = |options: &[&str]| {
        let mut all = vec!["--key", KEY];
        all.extend(options);
        Observer::start_with(2, "both", &all)
    };
    let mut observers = [
        ("strict", observer(&["--require-signed"])),
        ("marking", observer(&[])),
    ];
    let peer = example("mdns_peer").display().to_string();
    let count = nodes.to_string();
    let publisher = TestProcess::start(
        1,
        &[
            peer.as_str(),
            "--dialect",
            "both",
            "--key",
            KEY,
            "register",
            "--service",
            service,
            "--id",
            &prefix,
            "--address",
            ADDRESS,
            "--count",
            &count,
        ],
    );
    assert_eq!(publisher.line(PATIENCE), "ready");
    for (name, observer) in &mut observers {
        let deadline = Instant::now() + PATIENCE;
        while observer.nodes(service).len() < nodes {
            assert!(
                Instant::now() < deadline,
                "{name} never saw all {nodes} nodes"
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }
    let flood = example("mdns_flood").display().to_string();
    let (seconds_arg, rate_arg) = (seconds.to_string(), rate.to_string());
    let forger = TestProcess::start(
        3,
        &[
            flood.as_str(),
            "--interface",
            "10.77.0.3",
            "forgeries",
            "--service",
            service,
            "--id",
            &prefix,
            "--nodes",
            &count,
            "--address",
            "10.77.0.1",
            "--port",
            "8080",
            "--rate",
            &rate_arg,
            "--seconds",
            &seconds_arg,
            "--attacker-key",
            ATTACKER_KEY,
        ],
    );
    let mut figures = SoakFigures {
        seconds,
        nodes,
        ..SoakFigures::default()
    };
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(seconds) {
        for (name, observer) in &mut observers {
            let seen = observer.nodes(service);
            let samples = figures.samples.entry(name).or_default();
            samples.taken += 1;
            let present = seen.iter().filter(|n| real.contains(&n.0)).count() as u64;
            samples.missing += nodes as u64 - present.min(nodes as u64);
            for (id, address, marked) in &seen {
                match (real.contains(id), marked) {
                    (true, _) if address != ADDRESS => samples.moved += 1,
                    (true, true) => samples.marked_real += 1,
                    (true, false) => {}
                    (false, true) => samples.marked_extra += 1,
                    (false, false) => samples.unmarked_extra += 1,
                }
            }
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    let summary = forger.line(Duration::from_secs(seconds) + PATIENCE);
    figures.forger = serde_json::from_str(&summary).unwrap_or(Value::String(summary));
    // The last forgeries reach the observers.
    std::thread::sleep(Duration::from_millis(500));
    for (name, observer) in &mut observers {
        figures
            .counters
            .insert(name, observer.ask("stats")["counters"].clone());
    }
    drop(publisher);
    figures
}
