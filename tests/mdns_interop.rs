//! Interop with peers this project did not write, between test hosts: a stock
//! go-micro v5 program (tests/interop/gomicro) and python-zeroconf
//! (tests/interop/zeroconf). Ignored by plain `cargo test`: `make test-mdns`
//! builds the peers, then runs these inside tests/netns/isolated with
//! MICROREG_GOMICRO_PEER and MICROREG_ZEROCONF_PYTHON set.

mod support;

use std::process::Command;
use std::time::Duration;

use serde_json::Value as Json;
use support::hosts::{example, hosts, root, TestProcess};

const PATIENCE: Duration = Duration::from_secs(10);

fn microreg_peer() -> String {
    example("mdns_peer").display().to_string()
}

fn from_env(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| panic!("{var} is not set; run `make test-mdns`"))
}

fn gomicro_peer() -> String {
    from_env("MICROREG_GOMICRO_PEER")
}

/// A peer process whose output lines are expected one by one.
struct Proc(TestProcess);

impl Proc {
    fn start(host: u32, program: &[String]) -> Proc {
        Proc(TestProcess::start(host, program))
    }

    fn line(&self) -> String {
        self.0.line(PATIENCE)
    }

    fn expect(&self, wanted: &str) {
        assert_eq!(self.line(), wanted);
    }

    fn json(&self) -> Json {
        let line = self.line();
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"))
    }

    /// Runs a peer to completion; its stdout is one JSON document.
    fn run(host: u32, program: &[String]) -> Json {
        let out = TestProcess::run(host, program);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{program:?} failed: {}{stdout}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"))
    }

    fn terminate(&mut self) {
        self.0.terminate();
    }
}

fn args(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

fn microreg(dialect: &str, rest: &[&str]) -> Vec<String> {
    let mut all = vec![microreg_peer(), "--dialect".into(), dialect.into()];
    all.extend(args(rest));
    all
}

#[test]
#[ignore = "needs the go-micro peer: run `make test-mdns`"]
fn microreg_finds_watches_and_loses_a_go_micro_service() {
    let _turn = hosts();
    let id = "gm-greeter-6a1b2c3d-1111-4222-8333-944455556666";
    let watcher = Proc::start(
        2,
        &microreg(
            "gomicro",
            &[
                "watch",
                "gm-greeter",
                "--count",
                "2",
                "--timeout-ms",
                "20000",
            ],
        ),
    );
    watcher.expect("watching");
    let mut go = Proc::start(
        1,
        &[
            vec![gomicro_peer()],
            args(&["register", "gm-greeter", id, "10.77.0.1:9090"]),
        ]
        .concat(),
    );
    go.expect("ready");

    let created = watcher.json();
    assert_eq!(created["action"], "create");
    assert_eq!(created["service"]["nodes"][0]["id"], id);

    let found = Proc::run(3, &microreg("both", &["get", "gm-greeter"]));
    let service = &found[0];
    assert_eq!(service["version"], "1.2.3");
    assert_eq!(service["nodes"][0]["address"], "10.77.0.1:9090");
    assert_eq!(service["nodes"][0]["metadata"]["lang"], "go");
    assert_eq!(service["endpoints"][0]["name"], "Greeter.Hello");
    assert_eq!(
        service["endpoints"][0]["request"]["values"][0]["name"],
        "name"
    );
    assert_eq!(service["endpoints"][0]["metadata"]["stream"], "false");

    let listed = Proc::run(3, &microreg("gomicro", &["list"]));
    assert!(listed
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["name"] == "gm-greeter"));

    go.terminate(); // go-micro deregisters: one goodbye
    go.expect("deregistered");
    let deleted = watcher.json();
    assert_eq!(deleted["action"], "delete");
    assert_eq!(deleted["service"]["nodes"][0]["id"], id);
}

#[test]
#[ignore = "needs the go-micro peer: run `make test-mdns`"]
fn go_micro_finds_watches_and_loses_a_microreg_service() {
    let _turn = hosts();
    let id = "mr-greeter-0c9a4b8e-5f3d-4e2a-9b1c-7d6e5f4a3b2c";
    let go_watch = Proc::start(
        3,
        &[
            vec![gomicro_peer()],
            args(&["watch", "mr-greeter", "20", "20000"]),
        ]
        .concat(),
    );
    go_watch.expect("watching");
    let registrar = Proc::start(
        1,
        &microreg(
            "both",
            &[
                "register",
                "--service",
                "mr-greeter",
                "--id",
                id,
                "--address",
                "10.77.0.1:7070",
                "--metadata",
                "lang=rust",
                "--deregister-after-ms",
                "1500",
            ],
        ),
    );
    registrar.expect("ready");

    let created = go_watch.json();
    assert_eq!(created["action"], "create");
    assert_eq!(created["service"]["nodes"][0]["id"], id);

    let found = Proc::run(
        2,
        &[vec![gomicro_peer()], args(&["get", "mr-greeter"])].concat(),
    );
    assert_eq!(found[0]["version"], "1.0.0");
    assert_eq!(found[0]["nodes"][0]["address"], "10.77.0.1:7070");
    assert_eq!(found[0]["nodes"][0]["metadata"]["lang"], "rust");
    let listed = Proc::run(2, &[vec![gomicro_peer()], args(&["list"])].concat());
    assert!(listed
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["name"] == "mr-greeter"));

    registrar.expect("deregistered");
    // go-micro's watcher reports every announcement as "create"; the goodbye
    // must arrive as "delete".
    loop {
        let event = go_watch.json();
        if event["action"] == "delete" {
            assert_eq!(event["service"]["nodes"][0]["id"], id);
            break;
        }
        assert_eq!(event["action"], "create");
    }
}

fn zeroconf(rest: &[&str]) -> Vec<String> {
    let mut all = vec![
        from_env("MICROREG_ZEROCONF_PYTHON"),
        root()
            .join("tests/interop/zeroconf/peer.py")
            .display()
            .to_string(),
    ];
    all.extend(args(rest));
    all
}

#[test]
#[ignore = "needs python-zeroconf: run `make test-mdns`"]
fn microreg_finds_watches_and_loses_a_zeroconf_service() {
    let _turn = hosts();
    let watcher = Proc::start(
        2,
        &microreg(
            "dnssd",
            &[
                "watch",
                "zc-greeter",
                "--count",
                "2",
                "--timeout-ms",
                "20000",
            ],
        ),
    );
    watcher.expect("watching");
    let mut zc = Proc::start(
        1,
        &zeroconf(&["register", "zc-node-1", "10.77.0.1", "6060", "zc-greeter"]),
    );
    zc.expect("ready");

    let created = watcher.json();
    assert_eq!(created["action"], "create");
    let node = &created["service"]["nodes"][0];
    assert_eq!(
        (node["id"].as_str(), node["address"].as_str()),
        (Some("zc-node-1"), Some("10.77.0.1:6060"))
    );
    assert_eq!(node["metadata"]["lang"], "python");
    assert_eq!(created["service"]["version"], "3.0.0");

    let found = Proc::run(3, &microreg("both", &["get", "zc-greeter"]));
    assert_eq!(found[0]["nodes"][0]["id"], "zc-node-1");

    zc.terminate();
    zc.expect("deregistered");
    assert_eq!(watcher.json()["action"], "delete");
}

#[test]
#[ignore = "needs python-zeroconf: run `make test-mdns`"]
fn zeroconf_finds_and_loses_a_microreg_service() {
    let _turn = hosts();
    let id = "mr-zc-0c9a4b8e-5f3d-4e2a-9b1c-7d6e5f4a3b2c";
    let zc = Proc::start(3, &zeroconf(&["watch", "mr-zc", "2", "15"]));
    zc.expect("watching");
    let registrar = Proc::start(
        1,
        &microreg(
            "both",
            &[
                "register",
                "--service",
                "mr-zc",
                "--id",
                id,
                "--address",
                "10.77.0.1:7070",
                "--metadata",
                "lang=rust",
                "--deregister-after-ms",
                "2500",
            ],
        ),
    );
    registrar.expect("ready");
    let added = zc.json();
    assert_eq!(added["action"], "added");
    assert_eq!(added["id"], id);
    assert_eq!(added["address"], "10.77.0.1:7070");
    assert_eq!(added["properties"]["version"], "1.0.0");
    assert_eq!(added["properties"]["lang"], "rust");
    registrar.expect("deregistered");
    let removed = zc.json();
    assert_eq!(
        (removed["action"].as_str(), removed["id"].as_str()),
        (Some("removed"), Some(id))
    );
}

/// avahi-daemon on a test host with its own D-Bus, stopped when dropped.
struct Avahi(Proc);

impl Avahi {
    fn start(host: u32) -> Avahi {
        assert!(
            std::env::var("MICROREG_AVAHI").is_ok(),
            "MICROREG_AVAHI is not set; run `make test-mdns` (it installs avahi)"
        );
        let mut command = Command::new(root().join("tests/interop/avahi/run"));
        command.arg(host.to_string());
        let avahi = Avahi(Proc(TestProcess::spawn(command)));
        avahi.0.expect("ready");
        avahi
    }
}

impl Drop for Avahi {
    fn drop(&mut self) {
        self.0.terminate();
    }
}

fn avahi_tool(rest: &[&str]) -> Vec<String> {
    let mut all = args(&[
        "env",
        "DBUS_SYSTEM_BUS_ADDRESS=unix:path=/run/avahi-daemon/test-bus",
    ]);
    all.extend(args(rest));
    all
}

#[test]
#[ignore = "needs avahi: run `make test-mdns`"]
fn microreg_finds_watches_and_loses_an_avahi_service() {
    let _turn = hosts();
    let _avahi = Avahi::start(1);
    let watcher = Proc::start(
        2,
        &microreg(
            "dnssd",
            &[
                "watch",
                "av-greeter",
                "--count",
                "2",
                "--timeout-ms",
                "20000",
            ],
        ),
    );
    watcher.expect("watching");
    let mut publish = Proc::start(
        1,
        &avahi_tool(&[
            "avahi-publish",
            "-s",
            "av-node-1",
            "_micro._tcp",
            "5050",
            "service=av-greeter",
            "version=4.0.0",
            "lang=c",
        ]),
    );
    let created = watcher.json();
    assert_eq!(created["action"], "create");
    let node = &created["service"]["nodes"][0];
    assert_eq!(
        (node["id"].as_str(), node["address"].as_str()),
        (Some("av-node-1"), Some("10.77.0.1:5050"))
    );
    assert_eq!(node["metadata"]["lang"], "c");
    assert_eq!(created["service"]["version"], "4.0.0");

    let found = Proc::run(3, &microreg("both", &["get", "av-greeter"]));
    assert_eq!(found[0]["nodes"][0]["id"], "av-node-1");

    publish.terminate(); // avahi-publish withdraws its entry: a goodbye
    assert_eq!(watcher.json()["action"], "delete");
}

#[test]
#[ignore = "needs avahi: run `make test-mdns`"]
fn avahi_finds_and_loses_a_microreg_service() {
    let _turn = hosts();
    let _avahi = Avahi::start(1);
    let id = "mr-av-0c9a4b8e-5f3d-4e2a-9b1c-7d6e5f4a3b2c";
    let browse = Proc::start(
        1,
        &avahi_tool(&["avahi-browse", "-r", "-p", "-k", "_micro._tcp"]),
    );
    let registrar = Proc::start(
        2,
        &microreg(
            "both",
            &[
                "register",
                "--service",
                "mr-av",
                "--id",
                id,
                "--address",
                "10.77.0.2:7070",
                "--metadata",
                "lang=rust",
                "--deregister-after-ms",
                "2500",
            ],
        ),
    );
    registrar.expect("ready");
    // avahi-browse -p: "=" resolved lines end with host;address;port;"txt" "txt"...
    let resolved = loop {
        let line = browse.line();
        if line.starts_with("=;") && line.contains(id) {
            break line;
        }
    };
    let fields: Vec<&str> = resolved.split(';').collect();
    assert_eq!(fields[3], id);
    assert_eq!((fields[7], fields[8]), ("10.77.0.2", "7070"), "{resolved}");
    for txt in ["\"service=mr-av\"", "\"version=1.0.0\"", "\"lang=rust\""] {
        assert!(fields[9].contains(txt), "{txt} missing in {resolved}");
    }
    registrar.expect("deregistered");
    let removed = loop {
        let line = browse.line();
        if line.starts_with("-;") {
            break line;
        }
    };
    assert!(removed.contains(id), "{removed}");
}
