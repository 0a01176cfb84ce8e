//! A hostile host on the LAN: floods of malformed packets and fake go-micro and
//! DNS-SD announcements (examples/mdns_flood, bounded in count and time) from
//! test host 3, while host 1 publishes and host 2 observes
//! (examples/mdns_peer serve). Run through `make test`, inside
//! tests/netns/isolated.

mod support;

use std::time::{Duration, Instant};

use serde_json::Value;
use support::hosts::{example, hosts, TestProcess};

const PATIENCE: Duration = Duration::from_secs(10);
const FLOODER_IP: &str = "10.77.0.3";

/// examples/mdns_peer serve on a host: answers `get` and `stats` on stdin.
struct Observer(TestProcess);

impl Observer {
    fn start(host: u32, dialect: &str) -> Observer {
        Self::start_with(host, dialect, &[])
    }

    fn start_with(host: u32, dialect: &str, options: &[&str]) -> Observer {
        let mut program = vec![
            example("mdns_peer").display().to_string(),
            "--dialect".into(),
            dialect.into(),
        ];
        program.extend(options.iter().map(|o| o.to_string()));
        program.push("serve".into());
        let observer = Observer(TestProcess::start_with_stdin(host, &program));
        assert_eq!(observer.0.line(PATIENCE), "serving");
        observer
    }

    fn ask(&mut self, line: &str) -> Value {
        self.0.send(line);
        let reply = self.0.line(PATIENCE);
        serde_json::from_str(&reply).unwrap_or_else(|e| panic!("{e}: {reply}"))
    }

    /// Looks `name` up until it is found or `PATIENCE` passes.
    fn found_within_patience(&mut self, name: &str, domain: &str) -> bool {
        let deadline = Instant::now() + PATIENCE;
        while Instant::now() < deadline {
            if self.ask(&format!("get {name} {domain}"))["ok"] == true {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }

    fn stats(&mut self) -> Value {
        self.ask("stats")
    }
}

fn register(host: u32, dialect: &str, service: &str) -> TestProcess {
    let id = format!("{service}-{}", uuid::Uuid::new_v4());
    let address = format!("10.77.0.{host}:8080");
    let program = [
        example("mdns_peer").display().to_string(),
        "--dialect".into(),
        dialect.into(),
        "register".into(),
        "--service".into(),
        service.into(),
        "--id".into(),
        id,
        "--address".into(),
        address,
    ];
    let process = TestProcess::start(host, &program);
    assert_eq!(process.line(PATIENCE), "ready");
    process
}

/// Starts a flood from host 3; it prints the datagrams sent when done.
fn flood(args: &[&str]) -> TestProcess {
    let mut program = vec![
        example("mdns_flood").display().to_string(),
        "--interface".into(),
        FLOODER_IP.into(),
    ];
    program.extend(args.iter().map(|a| a.to_string()));
    TestProcess::start(3, &program)
}

fn counter(stats: &Value, name: &str) -> u64 {
    stats["counters"][name]
        .as_u64()
        .unwrap_or_else(|| panic!("{name} in {stats}"))
}

#[test]
fn under_a_flood_the_real_node_is_found_a_new_one_is_learnt_and_memory_is_bounded() {
    let _turn = hosts();
    let _real = register(1, "both", "flood-real");
    // A smaller bound than the default 16384, so that this flood (which a
    // debug build on a loaded machine reads only in part) fills the view.
    let mut observer = Observer::start_with(2, "both", &["--max-nodes", "1000"]);
    assert!(observer.found_within_patience("flood-real", "micro"));

    // More fakes than the view holds, with TTLs of 2^31-1 s.
    let flooder = flood(&[
        "--rate",
        "6000",
        "--seconds",
        "4",
        "--kinds",
        "gomicro,dnssd,gomicro,malformed",
    ]);
    // Lookups all along the flood; once the view is full, a new node is
    // registered (the flood tool builds its datagrams first, so it starts late).
    let mut late = None;
    let deadline = Instant::now() + PATIENCE * 3;
    let mut rounds_after = 0;
    while rounds_after < 10 {
        assert!(Instant::now() < deadline, "the flood did not fill the view");
        let reply = observer.ask("get flood-real");
        assert_eq!(reply["ok"], true, "{reply}");
        if late.is_some() {
            rounds_after += 1;
        } else if counter(&observer.stats(), "nodes_dropped_over_limit") > 0 {
            late = Some(register(1, "both", "flood-late"));
        }
        std::thread::sleep(Duration::from_millis(150));
    }
    let sent: u64 = flooder.line(PATIENCE * 2).parse().unwrap();
    assert!(sent >= 10_000, "the flood ran ({sent} datagrams)");
    assert!(
        observer.found_within_patience("flood-late", "micro"),
        "a node registered during the flood is found after it"
    );
    drop(late);

    let stats = observer.stats();
    eprintln!("observer after the flood: {stats}");
    let view_nodes = stats["view_nodes"].as_u64().unwrap();
    assert!(view_nodes <= 1000, "{stats}");
    assert!(
        counter(&stats, "nodes_dropped_over_limit") > 0,
        "the flood filled the view: {stats}"
    );
    assert!(stats["view_bytes"].as_u64().unwrap() <= 24 << 20, "{stats}");
    assert!(
        stats["rss_kb"].as_u64().unwrap() < 64 * 1024,
        "observer RSS over 64 MB: {stats}"
    );
}

#[test]
fn a_dns_sd_browse_that_mdns_sd_drops_is_restarted_and_resynchronised() {
    let _turn = hosts();
    let mut observer = Observer::start(2, "dnssd");
    let mut before = register(1, "dnssd", "dnssd-before-drop");
    assert!(observer.found_within_patience("dnssd-before-drop", "micro"));
    // mdns-sd drops a browse whose event queue fills: a burst of instances may
    // do it here, and the observer is made to lose its browses regardless.
    let flooder = flood(&["--rate", "200", "--seconds", "2", "--kinds", "dnssd-burst"]);
    flooder.line(PATIENCE * 2);
    observer.ask("drop-browses");
    // Its goodbye may fall in the gap before the browse is back.
    before.terminate();
    let _after = register(1, "dnssd", "dnssd-after-drop");
    assert!(
        observer.found_within_patience("dnssd-after-drop", "micro"),
        "a DNS-SD-only node announced after the drop is seen"
    );
    let deadline = Instant::now() + PATIENCE;
    while observer.ask("get dnssd-before-drop")["ok"] == true {
        assert!(
            Instant::now() < deadline,
            "a node removed while the browse was down is forgotten"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let stats = observer.stats();
    assert!(counter(&stats, "browse_restarts") >= 1, "{stats}");
}

#[test]
fn the_wildcard_follows_a_bounded_number_of_planted_domains() {
    let _turn = hosts();
    let mut observer = Observer::start(2, "both");
    let flooder = flood(&[
        "--rate",
        "4000",
        "--seconds",
        "2",
        "--kinds",
        "gomicro",
        "--domains",
        "500",
    ]);
    for _ in 0..5 {
        observer.ask("get anything *");
        std::thread::sleep(Duration::from_millis(300));
    }
    flooder.line(PATIENCE * 2);
    observer.ask("get anything *");
    let stats = observer.stats();
    eprintln!("observer after planted domains: {stats}");
    assert!(counter(&stats, "domains_not_followed") > 0, "{stats}");
    assert!(
        stats["threads"].as_u64().unwrap() <= 24,
        "threads stay bounded: {stats}"
    );
}
