//! The mDNS backend between test hosts (network namespaces on one bridge), one
//! process per peer (examples/mdns_peer). Run through `make test`, which runs it
//! inside tests/netns/isolated.

mod support;

use std::time::{Duration, Instant};

use microreg::{Action, Event, Service};
use support::hosts::{example, hosts, register_args, TestProcess};

const PATIENCE: Duration = Duration::from_secs(10);
const DIALECTS: [&str; 3] = ["gomicro", "dnssd", "both"];

/// examples/mdns_peer on a test host, speaking one dialect (or both).
struct Peer(TestProcess);

fn peer_command(dialect: &str, args: &[&str]) -> Vec<String> {
    let mut program = vec![
        example("mdns_peer").display().to_string(),
        "--dialect".to_string(),
        dialect.to_string(),
    ];
    program.extend(args.iter().map(|a| a.to_string()));
    program
}

impl Peer {
    fn start(host: u32, dialect: &str, args: &[&str]) -> Peer {
        Peer(TestProcess::start(host, &peer_command(dialect, args)))
    }

    fn line(&self, within: Duration) -> String {
        self.0.line(within)
    }

    fn expect_line(&self, wanted: &str) {
        assert_eq!(self.line(PATIENCE), wanted);
    }

    fn event(&self, within: Duration) -> Event {
        serde_json::from_str(&self.line(within)).expect("an event as JSON")
    }

    /// Runs to completion and returns whether it succeeded, and stdout.
    fn output(host: u32, dialect: &str, args: &[&str]) -> (bool, String) {
        let out = TestProcess::run(host, &peer_command(dialect, args));
        if !out.status.success() {
            eprintln!(
                "mdns_peer {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    }

    fn kill9(&mut self) {
        self.0.kill9();
    }

    fn terminate(&mut self) {
        self.0.terminate();
    }
}

fn services(json: &str) -> Vec<Service> {
    serde_json::from_str(json.trim()).unwrap_or_else(|e| panic!("{e}: {json}"))
}

#[test]
fn register_on_one_host_get_list_watch_on_two_others_in_each_dialect() {
    let _turn = hosts();
    for dialect in DIALECTS {
        let name = format!("hosts-greeter-{dialect}");
        let watcher = Peer::start(2, dialect, &["watch", &name, "--count", "1"]);
        watcher.expect_line("watching");
        let mut args = register_args(
            &name,
            "node-6a1b2c3d-1111-4222-8333-944455556666",
            "10.77.0.1:8080",
        );
        args.extend(["--metadata", "zone=a"]);
        let registrar = Peer::start(1, dialect, &args);
        registrar.expect_line("ready");

        let event = watcher.event(PATIENCE);
        assert_eq!(event.action, Action::Create, "{dialect}");
        assert_eq!(event.service.name, name);
        assert_eq!(
            event.service.nodes[0].address, "10.77.0.1:8080",
            "{dialect}"
        );

        let (ok, out) = Peer::output(3, dialect, &["get", &name]);
        assert!(ok, "{dialect}: get failed: {out}");
        let found = services(&out);
        assert_eq!(
            found[0].nodes[0].id,
            "node-6a1b2c3d-1111-4222-8333-944455556666"
        );
        assert_eq!(found[0].nodes[0].metadata["zone"], "a", "{dialect}");
        assert_eq!(found[0].version, "1.0.0");

        let (ok, out) = Peer::output(3, dialect, &["list"]);
        assert!(
            ok && services(&out).iter().any(|s| s.name == name),
            "{dialect}: {out}"
        );
    }
}

#[test]
fn kill_9_expires_within_the_ttl_plus_a_second() {
    let _turn = hosts();
    // With both dialects the go-micro dialect's TTL decides, though DNS-SD
    // (mdns-sd's 120 s records) still lists the dead node.
    for dialect in ["gomicro", "both"] {
        let name = format!("hosts-killed-{dialect}");
        let id = "hosts-killed-0c9a4b8e-5f3d-4e2a-9b1c-7d6e5f4a3b2c";
        let mut args = register_args(&name, id, "10.77.0.1:81");
        args.extend(["--ttl", "3"]);
        let watch = ["watch", &name, "--count", "2", "--timeout-ms", "20000"];
        let watcher = Peer::start(2, dialect, &watch);
        watcher.expect_line("watching");
        let mut registrar = Peer::start(1, dialect, &args);
        registrar.expect_line("ready");
        assert_eq!(watcher.event(PATIENCE).action, Action::Create);
        // Stay registered past several refreshes first.
        std::thread::sleep(Duration::from_secs(4));
        registrar.kill9();
        let killed = Instant::now();
        let event = watcher.event(PATIENCE);
        let after = killed.elapsed();
        assert_eq!(event.action, Action::Delete, "{dialect}");
        eprintln!("{dialect}: kill -9 -> delete after {after:?} (TTL 3 s)");
        // Generous on a loaded machine; the benchmark reports the real figure.
        assert!(
            after < Duration::from_secs(6),
            "{dialect}: deleted only after {after:?}"
        );
    }
}

#[test]
fn deregister_and_sigterm_send_goodbyes_in_each_dialect() {
    let _turn = hosts();
    for dialect in DIALECTS {
        let name = format!("hosts-bye-{dialect}");
        let watcher = Peer::start(
            3,
            dialect,
            &["watch", &name, "--count", "12", "--timeout-ms", "20000"],
        );
        watcher.expect_line("watching");
        // No TTL: a delete within seconds can only come from a goodbye.
        let mut args = register_args(
            &name,
            "bye-1-3f2e1d0c-0b0a-4998-8877-665544332211",
            "10.77.0.1:82",
        );
        args.extend(["--deregister-after-ms", "500"]);
        let first = Peer::start(1, dialect, &args);
        first.expect_line("ready");
        let args = register_args(
            &name,
            "bye-2-3f2e1d0c-0b0a-4998-8877-665544332211",
            "10.77.0.2:82",
        );
        let mut second = Peer::start(2, dialect, &args);
        second.expect_line("ready");
        first.expect_line("deregistered");
        second.terminate();
        // With both dialects, a node first seen through DNS-SD may be updated
        // when go-micro's richer record arrives: only appearances and
        // disappearances are checked here.
        let mut seen: Vec<(Action, String)> = Vec::new();
        while seen.len() < 4 {
            let e = watcher.event(PATIENCE);
            if e.action != Action::Update {
                seen.push((e.action, e.service.nodes[0].id.clone()));
            }
        }
        seen.sort_by_key(|(a, id)| (id.clone(), *a as u8));
        let actions: Vec<Action> = seen.iter().map(|(a, _)| *a).collect();
        assert_eq!(
            actions,
            [
                Action::Create,
                Action::Delete,
                Action::Create,
                Action::Delete
            ],
            "{dialect}: {seen:?}"
        );
    }
}

#[test]
fn a_thousand_nodes_from_one_host_are_all_seen_on_another() {
    let _turn = hosts();
    let mut args = register_args(
        "hosts-many",
        "many-5e8d7c6b-4a39-4281-9f0e-1d2c3b4a5968",
        "10.77.0.1:90",
    );
    args.extend(["--count", "1000"]);
    let registrar = Peer::start(1, "gomicro", &args);
    registrar.expect_line("ready");
    let (ok, out) = Peer::output(
        2,
        "gomicro",
        &["wait-nodes", "hosts-many", "--nodes", "1000"],
    );
    assert!(ok, "not all 1000 nodes were seen: {out}");
}

#[test]
fn the_cli_registers_lists_and_gets_on_the_default_backend() {
    let _turn = hosts();
    let cli = env!("CARGO_BIN_EXE_microreg");
    let registrar = TestProcess::start(
        1,
        &[
            cli,
            "register",
            "cli-greeter",
            "--address",
            "10.77.0.1:8080",
            "--ttl",
            "3s",
            "--meta",
            "zone=a",
        ],
    );
    let first = registrar.line(PATIENCE);
    assert!(first.starts_with("registered cli-greeter"), "{first}");
    let run = |host: u32, args: &[&str]| {
        let out = TestProcess::run(host, &[&[cli, "--json"], args].concat());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let got: Service =
        serde_json::from_str(run(2, &["get", "cli-greeter"]).lines().next().unwrap())
            .expect("a service as JSON");
    assert_eq!(got.nodes[0].address, "10.77.0.1:8080");
    assert_eq!(got.nodes[0].metadata["zone"], "a");
    assert!(run(2, &["list"]).contains("cli-greeter"));
    drop(registrar);
}

#[test]
fn an_ipv6_node_address_travels_in_aaaa_records() {
    let _turn = hosts();
    let args = register_args(
        "hosts-v6",
        "v6-6a1b2c3d-1111-4222-8333-944455556666",
        "[fd77::1]:8080",
    );
    let registrar = Peer::start(1, "gomicro", &args);
    registrar.expect_line("ready");
    let (ok, out) = Peer::output(2, "gomicro", &["get", "hosts-v6"]);
    assert!(ok, "{out}");
    assert_eq!(services(&out)[0].nodes[0].address, "[fd77::1]:8080");
}

/// The CLI's JSON lines on a host (status checked).
fn cli_json(host: u32, args: &[&str]) -> Vec<Service> {
    let cli = env!("CARGO_BIN_EXE_microreg");
    let out = TestProcess::run(host, &[&[cli, "--json"], args].concat());
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// (service, domain) of every node of `services` (a `*` view marks each node's
/// domain in its metadata).
fn service_domains(services: &[Service]) -> std::collections::BTreeSet<(String, String)> {
    services
        .iter()
        .flat_map(|s| {
            s.nodes.iter().map(|n| {
                (
                    s.name.clone(),
                    n.metadata.get("domain").cloned().unwrap_or_default(),
                )
            })
        })
        .collect()
}

#[test]
fn the_wildcard_domain_finds_every_domain_from_a_fresh_process_and_a_watch() {
    let _turn = hosts();
    // Nodes without a registry TTL are re-announced only every ~55 s, so a
    // process that starts after the announcements hears them only by asking.
    let registered = [
        (1, "staging", "star-a", "a"),
        (3, "prod", "star-b", "b"),
        (1, "micro", "star-c", "c"),
    ];
    let mut registrars = Vec::new();
    for (host, domain, service, id) in registered {
        let id = format!("{id}-6a1b2c3d-1111-4222-8333-944455556666");
        let address = format!("10.77.0.{host}:8080");
        let mut args = vec!["--domain", domain];
        args.extend(register_args(service, &id, &address));
        let registrar = Peer::start(host, "both", &args);
        registrar.expect_line("ready");
        registrars.push(registrar);
    }
    std::thread::sleep(Duration::from_secs(2)); // past the repeated announcements
    let wanted: std::collections::BTreeSet<(String, String)> = registered
        .iter()
        .map(|(_, d, s, _)| (s.to_string(), d.to_string()))
        .collect();
    for run in 0..5 {
        let listed = service_domains(&cli_json(2, &["--domain", "*", "list"]));
        assert!(
            wanted.is_subset(&listed),
            "run {run}: `list --domain '*'` saw {listed:?}, wanted {wanted:?}"
        );
        let got = cli_json(2, &["--domain", "*", "get", "star-b"]);
        assert_eq!(
            service_domains(&got),
            [("star-b".to_string(), "prod".to_string())].into(),
            "run {run}"
        );
    }
    // A long-running `*` watch learns the other domains by asking, not when
    // their traffic happens to pass.
    let cli = env!("CARGO_BIN_EXE_microreg");
    let watcher = TestProcess::start(2, &[cli, "--json", "--domain", "*", "watch"]);
    let mut seen = std::collections::BTreeSet::new();
    let deadline = Instant::now() + PATIENCE;
    while !wanted.is_subset(&seen) {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(!left.is_zero(), "the `*` watch saw only {seen:?}");
        let event: Event = serde_json::from_str(&watcher.line(left)).expect("an event");
        seen.extend(service_domains(std::slice::from_ref(&event.service)));
    }
}

#[test]
fn a_service_name_too_long_for_a_default_node_id_is_refused_with_the_limit_named() {
    let _turn = hosts();
    let cli = env!("CARGO_BIN_EXE_microreg");
    let name = "a-service-name-of-27-bytes-";
    let out = TestProcess::run(1, &[cli, "register", name, "--address", "10.77.0.1:8080"]);
    assert!(!out.status.success());
    let message = String::from_utf8_lossy(&out.stderr);
    assert!(message.contains("within 26 bytes"), "{message}");
    assert!(!message.contains("LabelBytesTooLong"), "{message}");
}
