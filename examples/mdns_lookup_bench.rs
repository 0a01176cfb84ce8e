//! Warm lookup of a service registered on another test host: microreg's
//! `get_service` (mdns backend) beside mdns-sd's fastest path, a cache-only
//! browse (`ServiceDaemon::browse_cache`). Run on a test host while
//! `mdns_peer register --count 3` runs on another (the benchmark report's
//! `report-lookup` does this inside tests/netns/isolated; it multicasts).
//!
//! ```text
//! mdns_lookup_bench microreg|mdns-sd SERVICE NODES ROUNDS
//! ```
//! Waits until all NODES nodes of SERVICE are in view, then times ROUNDS
//! lookups that each return all of them, and prints one JSON line per path:
//! `{"path": ..., "ns_per_lookup": <median of 5 batches>, "rounds": ...}`.

use std::time::{Duration, Instant};

use microreg::{Client, Config, Registry};

const BATCHES: usize = 5;
const DNSSD_TYPE: &str = "_micro._tcp.local.";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 5 {
        eprintln!("usage: mdns_lookup_bench microreg|mdns-sd SERVICE NODES ROUNDS");
        std::process::exit(2);
    }
    let (service, nodes) = (args[2].as_str(), args[3].parse::<usize>().expect("NODES"));
    let rounds = args[4].parse::<usize>().expect("ROUNDS").max(BATCHES);
    match args[1].as_str() {
        "microreg" => microreg_lookups(service, nodes, rounds),
        "mdns-sd" => mdns_sd_lookups(service, nodes, rounds),
        other => {
            eprintln!("mdns_lookup_bench: unknown path {other:?}");
            std::process::exit(2);
        }
    }
}

/// Median over batches of the time per call, in nanoseconds.
fn time_per_call(rounds: usize, mut call: impl FnMut()) -> f64 {
    let per_batch = rounds / BATCHES;
    let mut samples: Vec<f64> = (0..BATCHES)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..per_batch {
                call();
            }
            start.elapsed().as_nanos() as f64 / per_batch as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[BATCHES / 2]
}

fn print(path: &str, ns: f64, rounds: usize) {
    println!(r#"{{"path":"{path}","ns_per_lookup":{ns:.1},"rounds":{rounds}}}"#);
}

fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !ready() {
        if Instant::now() > deadline {
            eprintln!("mdns_lookup_bench: {what} not in view within 20 s");
            std::process::exit(1);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn microreg_lookups(service: &str, nodes: usize, rounds: usize) {
    let client = Client::new(Config::default()).expect("mdns client");
    let count = || {
        microreg::runtime::block_on(client.get_service(service, "micro"))
            .ok()
            .and_then(Result::ok)
            .map_or(0, |s| s.iter().map(|s| s.nodes.len()).sum::<usize>())
    };
    wait_until(service, || count() == nodes);
    let ns = time_per_call(rounds, || assert_eq!(count(), nodes));
    print(
        "microreg get_service (mdns, warm cache, owned copy)",
        ns,
        rounds,
    );
    let ns = time_per_call(rounds, || {
        let seen: usize = client
            .read_cached(service, "micro", |s| s.iter().map(|s| s.nodes.len()).sum())
            .expect("cached")
            .expect("read");
        assert_eq!(seen, nodes);
    });
    print("microreg read_cached (mdns, borrowed)", ns, rounds);
}

/// One cache-only browse: the instances of `service` it resolves from the
/// daemon's cache, which ends with `SearchStopped`. (`stop_browse` would empty
/// that cache: mdns-sd drops a type's records when its browse stops.)
fn browse_cached(daemon: &mdns_sd::ServiceDaemon, service: &str) -> usize {
    let events = daemon.browse_cache(DNSSD_TYPE).expect("browse_cache");
    let mut seen = 0;
    loop {
        match events.recv_timeout(Duration::from_secs(1)) {
            Ok(mdns_sd::ServiceEvent::ServiceResolved(info))
                if info.get_property_val_str("service") == Some(service) =>
            {
                seen += 1
            }
            Ok(mdns_sd::ServiceEvent::SearchStopped(_)) | Err(_) => return seen,
            Ok(_) => {}
        }
    }
}

fn mdns_sd_lookups(service: &str, nodes: usize, rounds: usize) {
    let daemon = mdns_sd::ServiceDaemon::new().expect("mdns-sd daemon");
    // A network browse fills the cache (and stays on, as an application's
    // would); the lookups then read it.
    let events = daemon.browse(DNSSD_TYPE).expect("browse");
    let mut resolved = 0;
    wait_until(service, || {
        while let Ok(event) = events.try_recv() {
            if let mdns_sd::ServiceEvent::ServiceResolved(info) = event {
                if info.get_property_val_str("service") == Some(service) {
                    resolved += 1;
                }
            }
        }
        resolved >= nodes
    });
    wait_until("the cached nodes", || {
        browse_cached(&daemon, service) == nodes
    });
    let ns = time_per_call(rounds, || {
        assert_eq!(browse_cached(&daemon, service), nodes)
    });
    print(
        "mdns-sd browse_cache (all nodes resolved from its cache)",
        ns,
        rounds,
    );
    let _ = daemon.shutdown();
}
