//! Interop with go-micro v5.30.0's own etcd registry (tests/interop/gomicro-etcd),
//! both directions, on one etcd server: GetService, ListServices, Watch
//! (create/update/delete), deregister, TTL expiry after kill -9, endpoints and
//! metadata intact, domains. microreg is driven through its CLI and its Rust
//! `Client`. Ignored by plain `cargo test`: `make test-etcd` starts etcd
//! (tests/etcd/with-etcd) and builds the peer, then runs these.

mod support;

use std::time::Duration;

use microreg::runtime::block_on;
use microreg::{Action, Event, Registry, Watcher, WILDCARD_DOMAIN};
use serde_json::Value as Json;
use support::etcd_peers::{
    cli, client, endpoint, gomicro, greeter, json_doc, json_lines, node_ids, unique, PATIENCE,
};
use support::hosts::TestProcess;

/// The next event of a microreg watcher, within the patience.
fn next_event(watcher: &Watcher, within: Duration) -> Event {
    block_on(watcher.next_timeout(within))
        .unwrap()
        .unwrap_or_else(|e| panic!("no watch event within {within:?}: {e}"))
}

/// The next JSON line of a peer process.
fn next_json(process: &TestProcess, within: Duration) -> Json {
    let line = process.line(within);
    serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"))
}

fn start_gomicro_watch(service: Option<&str>) -> TestProcess {
    let mut command = gomicro();
    command.arg("watch").args(service);
    let watch = TestProcess::spawn(command);
    assert_eq!(watch.line(PATIENCE), "watching");
    watch
}

fn start_gomicro_register(name: &str, id: &str, address: &str, ttl_s: u32) -> TestProcess {
    let mut command = gomicro();
    command
        .args(["register", name, id, address])
        .arg(ttl_s.to_string());
    let process = TestProcess::spawn(command);
    assert_eq!(process.line(PATIENCE), "ready");
    process
}

fn gomicro_get(name: &str) -> Option<Json> {
    let out = gomicro().args(["get", name]).output().unwrap();
    out.status
        .success()
        .then(|| serde_json::from_slice(&out.stdout).unwrap())
}

fn gomicro_list_names() -> Vec<String> {
    let listed = json_doc(gomicro().arg("list"));
    listed
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
#[ignore = "needs etcd and the go-micro etcd peer: run `make test-etcd`"]
fn go_micro_gets_lists_and_watches_a_microreg_service() {
    let name = unique("mr-greeter");
    let id = format!("{name}-node-1");
    let go_watch = start_gomicro_watch(Some(&name));

    let client = client(None);
    let service = greeter(&name, &id, "10.0.0.7:7070");
    let options = client.register_options(Some(Duration::from_secs(30)));
    block_on(client.register(&service, &options))
        .unwrap()
        .unwrap();

    let created = next_json(&go_watch, PATIENCE);
    assert_eq!(created["action"], "create");
    assert_eq!(created["service"]["nodes"][0]["id"], id.as_str());

    let found = gomicro_get(&name).expect("go-micro finds microreg's service");
    let entry = &found[0];
    assert_eq!(entry["name"], name.as_str());
    assert_eq!(entry["version"], "2.0.1");
    assert_eq!(entry["metadata"]["team"], "microreg");
    assert_eq!(entry["nodes"][0]["id"], id.as_str());
    assert_eq!(entry["nodes"][0]["address"], "10.0.0.7:7070");
    assert_eq!(entry["nodes"][0]["metadata"]["lang"], "rust");
    let endpoint = &entry["endpoints"][0];
    assert_eq!(endpoint["name"], "Greeter.Hello");
    assert_eq!(endpoint["request"]["values"][0]["name"], "name");
    assert_eq!(endpoint["request"]["values"][0]["type"], "string");
    assert_eq!(endpoint["response"]["name"], "Response");
    assert_eq!(endpoint["metadata"]["stream"], "false");
    assert!(gomicro_list_names().contains(&name));

    // The same node with other data: go-micro's watcher says "update".
    let mut changed = service.clone();
    changed.nodes[0]
        .metadata
        .insert("lang".into(), "rust-2".into());
    block_on(client.register(&changed, &options))
        .unwrap()
        .unwrap();
    let updated = next_json(&go_watch, PATIENCE);
    assert_eq!(updated["action"], "update");
    assert_eq!(updated["service"]["nodes"][0]["metadata"]["lang"], "rust-2");

    block_on(client.deregister(&changed, client.domain()))
        .unwrap()
        .unwrap();
    let deleted = next_json(&go_watch, PATIENCE);
    assert_eq!(deleted["action"], "delete");
    assert_eq!(deleted["service"]["nodes"][0]["id"], id.as_str());
    assert!(
        gomicro_get(&name).is_none(),
        "deregistered: go-micro finds nothing"
    );
    assert!(!gomicro_list_names().contains(&name));
    block_on(client.close()).unwrap();
}

#[test]
#[ignore = "needs etcd and the go-micro etcd peer: run `make test-etcd`"]
fn microreg_gets_lists_and_watches_a_go_micro_service() {
    let name = unique("gm-greeter");
    let id = format!("{name}-{}", uuid::Uuid::new_v4());
    let client = client(None);
    let watcher = block_on(client.watch(&client.watch_options(Some(name.clone()))))
        .unwrap()
        .unwrap();

    let mut go = start_gomicro_register(&name, &id, "10.0.0.9:9090", 30);
    let created = next_event(&watcher, PATIENCE);
    assert_eq!(created.action, Action::Create);
    assert_eq!(created.service.nodes[0].id, id);

    let found = block_on(client.get_service(&name, client.domain()))
        .unwrap()
        .unwrap();
    assert_eq!(found.len(), 1);
    let service = &found[0];
    assert_eq!(service.version, "1.2.3");
    assert_eq!(service.metadata["team"], "interop");
    assert_eq!(service.nodes[0].address, "10.0.0.9:9090");
    assert_eq!(service.nodes[0].metadata["lang"], "go");
    let endpoint = &service.endpoints[0];
    assert_eq!(endpoint.name, "Greeter.Hello");
    assert_eq!(endpoint.request.as_ref().unwrap().values[0].name, "name");
    assert_eq!(endpoint.response.as_ref().unwrap().values[0].name, "msg");
    assert_eq!(endpoint.metadata["stream"], "false");

    // The CLI, a separate process, reads the same from etcd.
    let from_cli = json_lines(cli().args(["get", &name]));
    assert_eq!(from_cli[0]["nodes"][0]["id"], id.as_str());
    assert_eq!(from_cli[0]["endpoints"][0]["name"], "Greeter.Hello");
    let listed = json_lines(cli().arg("list"));
    assert!(listed.iter().any(|s| s["name"] == name.as_str()));
    let listed = block_on(client.list_services(client.domain()))
        .unwrap()
        .unwrap();
    assert!(listed.iter().any(|s| s.name == name));

    // go-micro registers the same node id again with another address: update.
    let mut again = start_gomicro_register(&name, &id, "10.0.0.10:9090", 30);
    let updated = next_event(&watcher, PATIENCE);
    assert_eq!(updated.action, Action::Update);
    assert_eq!(updated.service.nodes[0].address, "10.0.0.10:9090");
    again.kill9();

    go.terminate(); // go-micro deregisters: the key is deleted
    let deleted = next_event(&watcher, PATIENCE);
    assert_eq!(deleted.action, Action::Delete);
    assert_eq!(deleted.service.nodes[0].id, id);
    assert!(matches!(
        block_on(client.get_service(&name, client.domain())).unwrap(),
        Err(microreg::Error::NotFound)
    ));
    block_on(client.close()).unwrap();
}

#[test]
#[ignore = "needs etcd and the go-micro etcd peer: run `make test-etcd`"]
fn a_killed_go_micro_service_leaves_microreg_within_its_ttl() {
    let name = unique("gm-doomed");
    let id = format!("{name}-1");
    let client = client(None);
    let watcher = block_on(client.watch(&client.watch_options(Some(name.clone()))))
        .unwrap()
        .unwrap();
    let mut go = start_gomicro_register(&name, &id, "10.0.0.11:9090", 3);
    assert_eq!(next_event(&watcher, PATIENCE).action, Action::Create);

    go.kill9(); // no Deregister: only the lease's expiry removes the node
    let gone = next_event(&watcher, Duration::from_secs(3) + PATIENCE);
    assert_eq!(gone.action, Action::Delete);
    assert_eq!(gone.service.nodes[0].id, id);
    assert!(block_on(client.get_service(&name, client.domain()))
        .unwrap()
        .is_err());
    block_on(client.close()).unwrap();
}

#[test]
#[ignore = "needs etcd and the go-micro etcd peer: run `make test-etcd`"]
fn a_killed_microreg_registrant_leaves_go_micro_within_its_ttl() {
    let name = unique("mr-doomed");
    let id = format!("{name}-1");
    let go_watch = start_gomicro_watch(Some(&name));
    let mut registrant = cli();
    registrant.args([
        "register",
        &name,
        "--address",
        "10.0.0.12:7070",
        "--id",
        &id,
        "--ttl",
        "3s",
        "--meta",
        "lang=cli",
    ]);
    let mut registrant = TestProcess::spawn(registrant);
    let registered: Json = serde_json::from_str(&registrant.line(PATIENCE)).unwrap();
    assert_eq!(registered["nodes"][0]["id"], id.as_str());

    let created = next_json(&go_watch, PATIENCE);
    assert_eq!(created["action"], "create");
    assert_eq!(created["service"]["nodes"][0]["metadata"]["lang"], "cli");
    // Alive past its TTL while the process lives (the lease is kept alive).
    std::thread::sleep(Duration::from_secs(4));
    let found = gomicro_get(&name).expect("still registered after one TTL");
    assert_eq!(node_ids(&found), vec![id.clone()]);

    registrant.kill9();
    let deleted = next_json(&go_watch, Duration::from_secs(3) + PATIENCE);
    assert_eq!(deleted["action"], "delete");
    assert_eq!(deleted["service"]["nodes"][0]["id"], id.as_str());
    assert!(gomicro_get(&name).is_none());
}

#[test]
#[ignore = "needs etcd and the go-micro etcd peer: run `make test-etcd`"]
fn a_microreg_domain_of_its_own_is_invisible_to_go_micro_and_star_sees_all() {
    let hidden = unique("mr-hidden");
    let shown = unique("mr-shown");
    let go_name = unique("gm-shown");
    // go-micro watches every service: the first event it sees must be the
    // default-domain registration, never the other domain's.
    let go_watch = start_gomicro_watch(None);

    let staging = client(Some("staging"));
    let options = staging.register_options(Some(Duration::from_secs(30)));
    block_on(staging.register(
        &greeter(&hidden, &format!("{hidden}-1"), "10.0.0.13:1"),
        &options,
    ))
    .unwrap()
    .unwrap();
    let default = client(None);
    let options = default.register_options(Some(Duration::from_secs(30)));
    block_on(default.register(
        &greeter(&shown, &format!("{shown}-1"), "10.0.0.14:1"),
        &options,
    ))
    .unwrap()
    .unwrap();
    let mut go = start_gomicro_register(&go_name, &format!("{go_name}-1"), "10.0.0.15:1", 30);

    loop {
        let event = next_json(&go_watch, PATIENCE);
        let seen = event["service"]["name"].as_str().unwrap().to_string();
        assert_ne!(seen, hidden, "go-micro saw another domain: {event}");
        if seen == go_name {
            break;
        }
    }
    let names = gomicro_list_names();
    assert!(names.contains(&shown) && names.contains(&go_name));
    assert!(!names.contains(&hidden), "go-micro lists another domain");
    assert!(gomicro_get(&hidden).is_none());
    assert!(gomicro_get("staging").is_none());

    // microreg's default domain is go-micro's; "staging" is its own.
    let in_default = block_on(default.get_service(&go_name, "micro")).unwrap();
    assert_eq!(in_default.unwrap()[0].nodes[0].id, format!("{go_name}-1"));
    assert!(block_on(default.get_service(&hidden, "micro"))
        .unwrap()
        .is_err());
    let in_staging = block_on(default.get_service(&hidden, "staging"))
        .unwrap()
        .unwrap();
    assert_eq!(in_staging[0].nodes[0].id, format!("{hidden}-1"));

    // "*" sees every domain, each node marked with its own.
    let everything = block_on(default.list_services(WILDCARD_DOMAIN))
        .unwrap()
        .unwrap();
    for name in [&hidden, &shown, &go_name] {
        assert!(
            everything.iter().any(|s| &s.name == name),
            "* misses {name}"
        );
    }
    let star = block_on(default.get_service(&hidden, WILDCARD_DOMAIN))
        .unwrap()
        .unwrap();
    assert_eq!(star[0].nodes[0].metadata["domain"], "staging");
    let star = block_on(default.get_service(&go_name, WILDCARD_DOMAIN))
        .unwrap()
        .unwrap();
    assert_eq!(star[0].nodes[0].metadata["domain"], "micro");
    let from_cli = json_lines(cli().args(["--domain", "*", "get", &hidden]));
    assert_eq!(from_cli[0]["nodes"][0]["metadata"]["domain"], "staging");

    go.terminate();
    block_on(staging.close()).unwrap();
    block_on(default.close()).unwrap();
}

#[test]
#[ignore = "needs etcd and the go-micro etcd peer: run `make test-etcd`"]
fn go_micro_environment_conventions_pick_etcd_for_the_cli() {
    let name = unique("gm-env");
    let id = format!("{name}-1");
    let mut go = start_gomicro_register(&name, &id, "10.0.0.16:9090", 30);
    // No --backend: MICRO_REGISTRY / MICRO_REGISTRY_ADDRESS decide, as for go-micro.
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_microreg"));
    command
        .env("MICRO_REGISTRY", "etcd")
        .env("MICRO_REGISTRY_ADDRESS", endpoint())
        .args(["--json", "get", &name]);
    let found = json_lines(&mut command);
    assert_eq!(found[0]["nodes"][0]["id"], id.as_str());

    // And a node the CLI registers there is one go-micro finds.
    let mine = unique("mr-env");
    let mut registrant = std::process::Command::new(env!("CARGO_BIN_EXE_microreg"));
    registrant
        .env("MICRO_REGISTRY", "etcd")
        .env("MICRO_REGISTRY_ADDRESS", endpoint())
        .args([
            "--json",
            "register",
            &mine,
            "--address",
            "10.0.0.17:1",
            "--ttl",
            "10s",
        ]);
    let mut registrant = TestProcess::spawn(registrant);
    registrant.line(PATIENCE);
    let found = gomicro_get(&mine).expect("go-micro finds the CLI's node");
    assert_eq!(found[0]["nodes"][0]["address"], "10.0.0.17:1");
    registrant.terminate(); // deregisters
    assert!(gomicro_get(&mine).is_none(), "deregistered on SIGTERM");
    go.terminate();
}

/// Run by `make test-etcd` on an etcd with auth on (`with-etcd --auth`).
#[test]
#[ignore = "needs an etcd with auth: run `make test-etcd`"]
fn with_auth_both_meet_through_go_micros_credential_variables() {
    let user = std::env::var("MICROREG_TEST_ETCD_USER")
        .expect("MICROREG_TEST_ETCD_USER is not set: run under tests/etcd/with-etcd --auth");
    let password = std::env::var("MICROREG_TEST_ETCD_PASSWORD").unwrap();
    let name = unique("gm-auth");
    let id = format!("{name}-1");
    let mut go = gomicro();
    go.env("ETCD_USERNAME", &user)
        .env("ETCD_PASSWORD", &password)
        .args(["register", &name, &id, "10.0.0.20:9090", "30"]);
    let mut go = TestProcess::spawn(go);
    assert_eq!(go.line(PATIENCE), "ready");

    // The same variables let microreg in.
    let found = json_lines(
        cli()
            .env("ETCD_USERNAME", &user)
            .env("ETCD_PASSWORD", &password)
            .args(["get", &name]),
    );
    assert_eq!(found[0]["nodes"][0]["id"], id.as_str());
    // Without them: one clear line and a failure status, no hang.
    let out = cli()
        .env_remove("ETCD_USERNAME")
        .env_remove("ETCD_PASSWORD")
        .args(["get", &name])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("microreg: ") && last.contains("access refused"),
        "{stderr}"
    );
    // A wrong password is named as such.
    let out = cli()
        .env("ETCD_USERNAME", &user)
        .env("ETCD_PASSWORD", "not-the-password")
        .args(["get", &name])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("authentication failed"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // And go-micro finds what microreg registers with them.
    let mine = unique("mr-auth");
    let mut registrant = cli();
    registrant
        .env("ETCD_USERNAME", &user)
        .env("ETCD_PASSWORD", &password)
        .args([
            "register",
            &mine,
            "--address",
            "10.0.0.21:1",
            "--ttl",
            "10s",
        ]);
    let mut registrant = TestProcess::spawn(registrant);
    registrant.line(PATIENCE);
    let found = json_doc(
        gomicro()
            .env("ETCD_USERNAME", &user)
            .env("ETCD_PASSWORD", &password)
            .args(["get", &mine]),
    );
    assert_eq!(found[0]["nodes"][0]["address"], "10.0.0.21:1");
    registrant.terminate();
    go.terminate();
}
