//! A 3-member etcd cluster on the 3 test hosts (tests/etcd/cluster) under
//! failures: the leader killed, every member restarted (or rebuilt empty), the
//! client's member cut off, the client itself killed. microreg's clients run in
//! the surrounding namespace and know every member. Ignored by plain `cargo
//! test`: `make test-etcd` runs these inside tests/netns/isolated.

mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use microreg::runtime::block_on;
use microreg::{Action, Client, Node, Registry, Service, Watcher};
use serde_json::Value as Json;
use support::etcd_peers::{cli_at, config_json, eventually, node_ids, unique, Cluster, PATIENCE};
use support::hosts::{hosts, TestProcess};

const TTL: Duration = Duration::from_secs(4);
const NODES: usize = 20;

fn client_of(cluster: &Cluster) -> Client {
    Client::from_json(Some(&config_json(&cluster.endpoints(), None))).expect("etcd client")
}

/// One service with `NODES` nodes, registered with the TTL.
fn register_nodes(client: &Client, name: &str) -> Vec<String> {
    register_nodes_for(client, name, TTL)
}

fn register_nodes_for(client: &Client, name: &str, ttl: Duration) -> Vec<String> {
    let mut service = Service::new(name, "1.0.0");
    for i in 0..NODES {
        service.nodes.push(Node::new(
            format!("{name}-{i}"),
            format!("10.1.0.{}:80", i + 1),
        ));
    }
    block_on(client.register(&service, &client.register_options(Some(ttl))))
        .unwrap()
        .unwrap();
    let mut ids: Vec<String> = service.nodes.iter().map(|n| n.id.clone()).collect();
    ids.sort();
    ids
}

/// What a fresh process (the CLI) reads from these members.
fn ids_read_by_cli(addresses: &[String], name: &str) -> Vec<String> {
    let out = cli_at(addresses).args(["get", name]).output().unwrap();
    if !out.status.success() {
        return vec![];
    }
    let services: Vec<Json> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    node_ids(&Json::Array(services))
}

/// Every event a watcher has queued by now.
fn drain(watcher: &Watcher) -> Vec<microreg::Event> {
    let mut events = vec![];
    while let Ok(Ok(event)) = block_on(watcher.next_timeout(Duration::from_millis(200))) {
        events.push(event);
    }
    events
}

fn created_node(watcher: &Watcher, id: &str) {
    eventually(PATIENCE, &format!("a create event for {id}"), || {
        let event = block_on(watcher.next_timeout(Duration::from_millis(500)))
            .ok()?
            .ok()?;
        assert_ne!(event.action, Action::Delete, "unexpected delete: {event:?}");
        (event.action == Action::Create && event.service.nodes.iter().any(|n| n.id == id))
            .then_some(())
    });
}

/// Registers one more node through `client`, and `watcher` must see it.
fn new_registration_is_watched(client: &Client, watcher: &Watcher, name: &str, id: &str) {
    let service = Service::new(name, "1.0.0").with_node(Node::new(id, "10.2.0.1:80"));
    eventually(PATIENCE, "a registration after the failure", || {
        block_on(client.register(&service, &client.register_options(Some(TTL))))
            .unwrap()
            .ok()
    });
    created_node(watcher, id);
}

#[test]
#[ignore = "needs etcd and the test hosts: run `make test-etcd`"]
fn killing_the_leader_loses_nothing() {
    let _turn = hosts();
    let cluster = Cluster::start();
    let name = unique("leader-kill");
    let registrant = client_of(&cluster);
    let observer = client_of(&cluster);
    let watcher = block_on(observer.watch(&observer.watch_options(Some(name.clone()))))
        .unwrap()
        .unwrap();
    let ids = register_nodes(&registrant, &name);
    let seen: BTreeSet<String> = eventually(PATIENCE, "the watcher sees every node", || {
        let got = drain(&watcher);
        let all: BTreeSet<String> = got
            .iter()
            .flat_map(|e| e.service.nodes.iter().map(|n| n.id.clone()))
            .collect();
        (all.len() >= NODES).then_some(all)
    });
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), ids);

    let leader = cluster.leader();
    cluster.kill9(leader);
    let survivors = cluster.endpoints_except(leader);

    // Past two TTLs, every node is still there (its lease kept alive through
    // the new leader), for a fresh reader and for the cached client.
    std::thread::sleep(TTL * 2 + Duration::from_secs(1));
    assert_eq!(ids_read_by_cli(&survivors, &name), ids);
    let cached = block_on(observer.get_service(&name, observer.domain()))
        .unwrap()
        .unwrap();
    assert_eq!(node_ids(&serde_json::to_value(&cached).unwrap()), ids);
    // The watch lives on: no delete came, and a new node is seen.
    for event in drain(&watcher) {
        assert_ne!(event.action, Action::Delete, "a node was lost: {event:?}");
    }
    new_registration_is_watched(&registrant, &watcher, &name, &format!("{name}-late"));

    cluster.restart(leader);
    block_on(registrant.close()).unwrap();
    block_on(observer.close()).unwrap();
}

fn registrations_come_back_after_restarting_every_member(wipe: bool) {
    let _turn = hosts();
    let cluster = Cluster::start();
    let name = unique(if wipe { "rebuilt" } else { "restarted" });
    let registrant = client_of(&cluster);
    let observer = client_of(&cluster);
    let ids = register_nodes(&registrant, &name);
    let endpoints = cluster.endpoints();
    eventually(PATIENCE, "registered", || {
        (ids_read_by_cli(&endpoints, &name) == ids).then_some(())
    });
    let watcher = block_on(observer.watch(&observer.watch_options(Some(name.clone()))))
        .unwrap()
        .unwrap();

    cluster.restart_all(wipe);

    // Back within 2×TTL of the cluster's return, without the client doing anything.
    eventually(TTL * 2, "every registration back", || {
        (ids_read_by_cli(&endpoints, &name) == ids).then_some(())
    });
    // And kept: still all there after several more TTLs.
    std::thread::sleep(TTL * 2);
    assert_eq!(ids_read_by_cli(&endpoints, &name), ids);
    // The cached client converges on the same nodes, and its watch continues.
    eventually(PATIENCE, "the observer's cache", || {
        let cached = block_on(observer.get_service(&name, observer.domain()))
            .ok()?
            .ok()?;
        (node_ids(&serde_json::to_value(&cached).unwrap()) == ids).then_some(())
    });
    drain(&watcher);
    new_registration_is_watched(&registrant, &watcher, &name, &format!("{name}-late"));
    block_on(registrant.close()).unwrap();
    block_on(observer.close()).unwrap();
}

#[test]
#[ignore = "needs etcd and the test hosts: run `make test-etcd`"]
fn restarting_every_member_keeps_every_registration() {
    registrations_come_back_after_restarting_every_member(false);
}

#[test]
#[ignore = "needs etcd and the test hosts: run `make test-etcd`"]
fn a_cluster_rebuilt_empty_gets_every_registration_back() {
    registrations_come_back_after_restarting_every_member(true);
}

#[test]
#[ignore = "needs etcd and the test hosts: run `make test-etcd`"]
fn a_client_whose_member_is_cut_off_fails_over() {
    let _turn = hosts();
    let cluster = Cluster::start();
    let name = unique("cut-off");
    // A member that stops answering (no reset, no refusal: its link is down)
    // is noticed when a request times out; a TTL longer than that lets the
    // client move its lease's keepalives to another member before it lapses.
    let mut config: Json = serde_json::from_str(&config_json(&cluster.endpoints(), None)).unwrap();
    config["timeout_ms"] = 2000.into();
    let client = Client::from_json(Some(&config.to_string())).expect("etcd client");
    let ttl = Duration::from_secs(10);
    let ids = register_nodes_for(&client, &name, ttl);
    let watcher = block_on(client.watch(&client.watch_options(Some(name.clone()))))
        .unwrap()
        .unwrap();
    let members = cluster.connected_members();
    assert!(
        !members.is_empty(),
        "the client holds no connection to a member"
    );
    let cut = members[0];
    cluster.cut(cut);
    let others = cluster.endpoints_except(cut);

    // The nodes stay registered through the other members past two TTLs...
    std::thread::sleep(ttl * 2 + Duration::from_secs(1));
    assert_eq!(ids_read_by_cli(&others, &name), ids);
    // ...and the client registers and watches through them.
    new_registration_is_watched(&client, &watcher, &name, &format!("{name}-late"));
    for event in drain(&watcher) {
        assert_ne!(event.action, Action::Delete, "a node was lost: {event:?}");
    }
    cluster.restore(cut);
    block_on(client.close()).unwrap();
}

#[test]
#[ignore = "needs etcd and the test hosts: run `make test-etcd`"]
fn a_killed_client_leaves_within_its_ttl() {
    let _turn = hosts();
    let cluster = Cluster::start();
    let name = unique("killed-client");
    let id = format!("{name}-1");
    let endpoints = cluster.endpoints();
    let observer = client_of(&cluster);
    let watcher = block_on(observer.watch(&observer.watch_options(Some(name.clone()))))
        .unwrap()
        .unwrap();
    let mut command = cli_at(&endpoints);
    command.args([
        "register",
        &name,
        "--address",
        "10.3.0.1:80",
        "--id",
        &id,
        "--ttl",
        "4s",
    ]);
    let mut registrant = TestProcess::spawn(command);
    registrant.line(PATIENCE); // registered
    created_node(&watcher, &id);

    registrant.kill9();
    let gone = block_on(watcher.next_timeout(TTL + PATIENCE))
        .unwrap()
        .expect("a delete event within the TTL");
    assert_eq!(gone.action, Action::Delete);
    assert_eq!(gone.service.nodes[0].id, id);
    assert!(ids_read_by_cli(&endpoints, &name).is_empty());
    block_on(observer.close()).unwrap();
}
