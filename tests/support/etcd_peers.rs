//! The test etcd (started by tests/etcd/with-etcd, which exports
//! MICROREG_TEST_ETCD) and the programs that talk to it: microreg's CLI, a
//! microreg `Client`, and the go-micro v5.30.0 etcd peer
//! (tests/interop/gomicro-etcd, MICROREG_GOMICRO_ETCD_PEER).

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use microreg::{Client, Endpoint, Node, Service, Value};
use serde_json::Value as Json;

/// How long a test waits for something that should happen promptly.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// `host:port` of the test etcd.
pub fn endpoint() -> String {
    std::env::var("MICROREG_TEST_ETCD").unwrap_or_else(|_| {
        panic!("MICROREG_TEST_ETCD is not set: run `make test-etcd` (or tests/etcd/with-etcd cargo test ...)")
    })
}

/// The go-micro v5.30.0 etcd peer binary.
pub fn gomicro_peer() -> String {
    std::env::var("MICROREG_GOMICRO_ETCD_PEER")
        .unwrap_or_else(|_| panic!("MICROREG_GOMICRO_ETCD_PEER is not set: run `make test-etcd`"))
}

/// A name no other test (or earlier run on the same etcd) uses.
pub fn unique(prefix: &str) -> String {
    format!(
        "{prefix}-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    )
}

/// The flat client configuration for the etcd backend at `addresses`.
pub fn config_json(addresses: &[String], domain: Option<&str>) -> String {
    let mut config = serde_json::json!({"backend": "etcd", "addresses": addresses});
    if let Some(domain) = domain {
        config["domain"] = domain.into();
    }
    config.to_string()
}

/// A microreg client of the test etcd.
pub fn client(domain: Option<&str>) -> Client {
    Client::from_json(Some(&config_json(&[endpoint()], domain))).expect("etcd client")
}

/// A go-micro style service: an endpoint with request/response shapes, service
/// and node metadata.
pub fn greeter(name: &str, node_id: &str, address: &str) -> Service {
    let mut node = Node::new(node_id, address);
    node.metadata.insert("lang".into(), "rust".into());
    let mut service = Service::new(name, "2.0.1").with_node(node);
    service.metadata.insert("team".into(), "microreg".into());
    let field = |name: &str, type_name: &str| Value {
        name: name.into(),
        type_name: type_name.into(),
        values: vec![],
    };
    let mut endpoint = Endpoint {
        name: "Greeter.Hello".into(),
        request: Some(Value {
            values: vec![field("name", "string")],
            ..field("Request", "Request")
        }),
        response: Some(field("Response", "Response")),
        ..Endpoint::default()
    };
    endpoint.metadata.insert("stream".into(), "false".into());
    service.endpoints.push(endpoint);
    service
}

/// The microreg CLI on the etcd backend at `addresses`, JSON output.
pub fn cli_at(addresses: &[String]) -> Command {
    let mut command = Command::new(
        // Set for tests; examples that share this module never call it.
        option_env!("CARGO_BIN_EXE_microreg").unwrap_or("microreg"),
    );
    command
        .args(["--backend", "etcd", "--registry-address"])
        .arg(addresses.join(","))
        .arg("--json");
    command
}

/// The microreg CLI on the test etcd.
pub fn cli() -> Command {
    cli_at(&[endpoint()])
}

/// The go-micro peer on the etcd members `addresses` (go-micro reads them from
/// MICRO_REGISTRY_ADDRESS, as every go-micro program does).
pub fn gomicro_at(addresses: &[String]) -> Command {
    let mut command = Command::new(gomicro_peer());
    command.env("MICRO_REGISTRY_ADDRESS", addresses.join(","));
    command
}

/// The go-micro peer on the test etcd.
pub fn gomicro() -> Command {
    gomicro_at(&[endpoint()])
}

/// Runs a command to completion, failing the test if it fails or hangs.
pub fn run(command: &mut Command) -> Output {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(
        out.status.success(),
        "{command:?} failed: {}{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    out
}

/// Every stdout line of a successful command, parsed as JSON.
pub fn json_lines(command: &mut Command) -> Vec<Json> {
    let out = run(command);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// The one JSON document a successful command prints.
pub fn json_doc(command: &mut Command) -> Json {
    let out = run(command);
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// Polls `check` until it returns `Some`, or fails the test after `within`.
pub fn eventually<T>(within: Duration, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + within;
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(Instant::now() < deadline, "{what}: not within {within:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The node ids of a list of services in go-micro's JSON shape.
pub fn node_ids(services: &Json) -> Vec<String> {
    let mut ids: Vec<String> = services
        .as_array()
        .map(|a| a.as_slice())
        .unwrap_or_default()
        .iter()
        .flat_map(|s| s["nodes"].as_array().cloned().unwrap_or_default())
        .filter_map(|n| n["id"].as_str().map(str::to_string))
        .collect();
    ids.sort();
    ids
}

/// A 3-member etcd cluster on the test hosts (tests/etcd/cluster): member I on
/// host I, clients in the surrounding namespace. Stopped and removed on drop.
pub struct Cluster {
    dir: std::path::PathBuf,
}

impl Cluster {
    /// Starts one member per test host; the caller holds the hosts' turn.
    pub fn start() -> Cluster {
        let dir = std::env::temp_dir().join(unique("microreg-etcd-cluster"));
        let cluster = Cluster { dir };
        cluster.op(&["start", "3"]);
        cluster
    }

    fn op(&self, args: &[&str]) -> String {
        let out = run(
            Command::new(super::hosts::root().join("tests/etcd/cluster"))
                .arg(&self.dir)
                .args(args),
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Every member's `host:port`.
    pub fn endpoints(&self) -> Vec<String> {
        self.op(&["endpoints"])
            .split(',')
            .map(str::to_string)
            .collect()
    }

    /// The members except `member` (1-based).
    pub fn endpoints_except(&self, member: u32) -> Vec<String> {
        let skip = format!("10.77.0.{member}:2379");
        self.endpoints()
            .into_iter()
            .filter(|e| *e != skip)
            .collect()
    }

    /// The index of the current leader.
    pub fn leader(&self) -> u32 {
        self.op(&["leader"]).parse().expect("leader index")
    }

    /// kill -9 of member `i`.
    pub fn kill9(&self, i: u32) {
        self.op(&["kill", &i.to_string()]);
    }

    /// Starts member `i` again on its data.
    pub fn restart(&self, i: u32) {
        self.op(&["restart", &i.to_string()]);
    }

    /// kill -9 of every member, then all started again (`wipe`: as a new,
    /// empty cluster, as after losing every disk).
    pub fn restart_all(&self, wipe: bool) {
        let mut args = vec!["restart-all"];
        if wipe {
            args.push("--wipe");
        }
        self.op(&args);
    }

    /// Cuts host `i` (its member, and anything else on it) off the bridge.
    pub fn cut(&self, i: u32) {
        self.op(&["cut", &i.to_string()]);
    }

    /// Puts host `i` back on the bridge.
    pub fn restore(&self, i: u32) {
        self.op(&["restore", &i.to_string()]);
    }

    /// The members this namespace has established client connections to.
    pub fn connected_members(&self) -> Vec<u32> {
        let out =
            run(Command::new("ss").args(["-Htn", "state", "established", "( dport = :2379 )"]));
        let mut members: Vec<u32> = String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .filter_map(|field| {
                field
                    .strip_prefix("10.77.0.")?
                    .strip_suffix(":2379")?
                    .parse()
                    .ok()
            })
            .collect();
        members.sort();
        members.dedup();
        members
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for i in ["1", "2", "3"] {
            let _ = Command::new(super::hosts::root().join("tests/etcd/cluster"))
                .arg(&self.dir)
                .args(["restore", i])
                .output();
        }
        let _ = Command::new(super::hosts::root().join("tests/etcd/cluster"))
            .arg(&self.dir)
            .arg("stop")
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
