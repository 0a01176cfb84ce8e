//! The etcd backend against a real etcd (Debian's /usr/bin/etcd, started by
//! each test on 127.0.0.1 with its own ports and data directory).
#![cfg(feature = "etcd")]

mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use microreg::backend::etcd::{EtcdConfig, EtcdRegistry};
use microreg::{Action, Error, Node, RegisterOptions, Registry, Service, WatchOptions};
use support::etcd::EtcdServer;
use support::tcp_relay::TcpRelay;

/// A request time limit well above what a loaded 2-core machine needs.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Generous: tests assert behaviour, not speed.
const PATIENCE: Duration = Duration::from_secs(30);

fn registry_at(endpoint: &str) -> EtcdRegistry {
    let config = EtcdConfig {
        addresses: vec![endpoint.to_string()],
        dial_timeout_ms: 1000,
        ..EtcdConfig::default()
    };
    EtcdRegistry::connect(&config, TIMEOUT).unwrap()
}

fn service(name: &str, version: &str, ids: &[&str]) -> Service {
    let mut service = Service::new(name, version);
    for (i, id) in ids.iter().enumerate() {
        let mut node = Node::new(*id, format!("10.0.0.{}:8080", i + 1));
        node.metadata.insert("zone".into(), "a".into());
        service.nodes.push(node);
    }
    service
}

/// Registers the nodes `ids` of `name` at `version` in the default domain, without a TTL.
async fn put(registry: &EtcdRegistry, name: &str, version: &str, ids: &[&str]) {
    registry
        .register(&service(name, version, ids), &RegisterOptions::default())
        .await
        .unwrap();
}

/// Deregisters the nodes `ids` of `name` at `version` from the default domain.
async fn remove(registry: &EtcdRegistry, name: &str, version: &str, ids: &[&str]) {
    registry
        .deregister(&service(name, version, ids), "micro")
        .await
        .unwrap();
}

fn ids(services: &[Service]) -> BTreeSet<String> {
    services
        .iter()
        .flat_map(|s| s.nodes.iter().map(|n| n.id.clone()))
        .collect()
}

/// A registry that reaches `server` through a relay the test can cut.
async fn behind_a_relay(server: &EtcdServer) -> (TcpRelay, EtcdRegistry) {
    let target = format!("127.0.0.1:{}", server.client_port).parse().unwrap();
    let relay = TcpRelay::start(target).await;
    let registry = registry_at(&relay.address.to_string());
    (relay, registry)
}

async fn raw_client(server: &EtcdServer) -> etcd_client::Client {
    etcd_client::Client::connect([server.endpoint()], None)
        .await
        .unwrap()
}

async fn raw_get(server: &EtcdServer, prefix: &str) -> Vec<(String, String, i64)> {
    let mut client = raw_client(server).await;
    let answer = client
        .get(prefix, Some(etcd_client::GetOptions::new().with_prefix()))
        .await
        .unwrap();
    answer
        .kvs()
        .iter()
        .map(|kv| {
            (
                kv.key_str().unwrap().to_string(),
                kv.value_str().unwrap().to_string(),
                kv.lease(),
            )
        })
        .collect()
}

async fn revision(server: &EtcdServer) -> i64 {
    let mut client = raw_client(server).await;
    let answer = client
        .get("/", Some(etcd_client::GetOptions::new().with_count_only()))
        .await
        .unwrap();
    answer.header().unwrap().revision()
}

/// Waits until `check` holds, or panics after PATIENCE.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while tokio::time::Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting until {what}");
}

/// The next event, skipping none; panics after PATIENCE.
async fn next_event(watcher: &microreg::Watcher) -> microreg::Event {
    watcher.next_timeout(PATIENCE).await.expect("a watch event")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_get_list_watch_deregister() {
    let server = EtcdServer::start();
    let a = registry_at(&server.endpoint());
    let b = registry_at(&server.endpoint());
    let watcher = b.watch(&WatchOptions::default()).await.unwrap();

    let greeter = service("greeter", "1.0.0", &["g-1", "g-2"]);
    a.register(&greeter, &RegisterOptions::default())
        .await
        .unwrap();
    let found = b.get_service("greeter", "micro").await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(ids(&found), ["g-1", "g-2"].map(String::from).into());
    assert_eq!(found[0].nodes[0].metadata["zone"], "a");

    let v2 = service("greeter", "2.0.0", &["g-3"]);
    a.register(&v2, &RegisterOptions::default()).await.unwrap();
    let mut versions: Vec<String> = b
        .get_service("greeter", "micro")
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.version)
        .collect();
    versions.sort();
    assert_eq!(versions, ["1.0.0", "2.0.0"]);
    let listed = b.list_services("micro").await.unwrap();
    assert_eq!(listed.len(), 2, "{listed:?}");

    let mut created = BTreeSet::new();
    for _ in 0..3 {
        let event = next_event(&watcher).await;
        assert_eq!(event.action, Action::Create);
        created.insert(event.service.nodes[0].id.clone());
    }
    assert_eq!(created, ["g-1", "g-2", "g-3"].map(String::from).into());

    // A change of a node is an update; the same registration again is nothing.
    let mut changed = greeter.clone();
    changed.nodes[0].address = "10.9.9.9:1".into();
    a.register(&changed, &RegisterOptions::default())
        .await
        .unwrap();
    let event = next_event(&watcher).await;
    assert_eq!(event.action, Action::Update);
    assert_eq!(event.service.nodes[0].address, "10.9.9.9:1");
    a.register(&changed, &RegisterOptions::default())
        .await
        .unwrap();

    let only_first = Service {
        nodes: vec![changed.nodes[0].clone()],
        ..changed.clone()
    };
    a.deregister(&only_first, "micro").await.unwrap();
    let event = next_event(&watcher).await;
    assert_eq!(event.action, Action::Delete);
    assert_eq!(event.service.nodes[0].id, "g-1");
    assert_eq!(event.service.version, "1.0.0");

    // No nodes listed: every node of that version goes.
    a.deregister(&Service::new("greeter", "1.0.0"), "micro")
        .await
        .unwrap();
    let event = next_event(&watcher).await;
    assert_eq!(
        (event.action, event.service.nodes[0].id.as_str()),
        (Action::Delete, "g-2")
    );
    let left = b.get_service("greeter", "micro").await.unwrap();
    assert_eq!(ids(&left), ["g-3"].map(String::from).into());
    a.deregister(&v2, "micro").await.unwrap();
    assert_eq!(
        b.get_service("greeter", "micro").await,
        Err(Error::NotFound)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_and_values_are_go_micros_layout() {
    let server = EtcdServer::start();
    let registry = registry_at(&server.endpoint());
    let mut svc = service("go.micro.srv/greeter", "latest", &["node/1", "node-2"]);
    svc.metadata.insert("protocol".into(), "grpc".into());
    svc.endpoints.push(microreg::Endpoint {
        name: "Greeter.Hello".into(),
        ..Default::default()
    });
    registry
        .register(&svc, &RegisterOptions::default())
        .await
        .unwrap();

    let raw = raw_get(&server, "/micro/").await;
    let keys: Vec<&str> = raw.iter().map(|(k, _, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "/micro/registry/go.micro.srv-greeter/node-1",
            "/micro/registry/go.micro.srv-greeter/node-2"
        ]
    );
    for (i, (_, value, lease)) in raw.iter().enumerate() {
        let one = Service {
            nodes: vec![svc.nodes[i].clone()],
            ..svc.clone()
        };
        // Exactly go-micro's json.Marshal of the Service with that one node.
        assert_eq!(value, &one.to_json());
        assert_eq!(*lease, 0, "no TTL, no lease");
    }
    let etcdctl = server
        .ctl(&[
            "get",
            "--print-value-only",
            "/micro/registry/go.micro.srv-greeter/node-1",
        ])
        .unwrap();
    assert_eq!(etcdctl.trim_end(), raw[0].1);

    // A value as go-micro writes it is read back whole.
    let go_written = r#"{"name":"billing","version":"1.2.3","metadata":{"a":"b"},"endpoints":[{"name":"Billing.Charge","request":{"name":"Req","type":"Req","values":[{"name":"amount","type":"int64","values":null}]},"response":null,"metadata":{"stream":"false"}}],"nodes":[{"id":"billing-7","address":"192.168.1.7:9000","metadata":{"broker":"http","protocol":"grpc","registry":"etcd","server":"grpc","transport":"grpc"}}]}"#;
    raw_client(&server)
        .await
        .put("/micro/registry/billing/billing-7", go_written, None)
        .await
        .unwrap();
    let found = registry.get_service("billing", "micro").await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].to_json(), go_written);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_domains_stay_out_of_go_micros_view_and_star_sees_all() {
    let server = EtcdServer::start();
    let registry = registry_at(&server.endpoint());
    let staging = RegisterOptions::default().domain("staging");
    registry
        .register(&service("greeter", "1", &["s-1"]), &staging)
        .await
        .unwrap();
    put(&registry, "greeter", "1", &["m-1"]).await;

    // go-micro reads every value under /micro/registry/: only the default domain is there.
    let go_micro_view = raw_get(&server, "/micro/registry/").await;
    assert_eq!(go_micro_view.len(), 1);
    assert_eq!(go_micro_view[0].0, "/micro/registry/greeter/m-1");

    let default = registry.get_service("greeter", "micro").await.unwrap();
    assert_eq!(ids(&default), ["m-1"].map(String::from).into());
    let staged = registry.get_service("greeter", "staging").await.unwrap();
    assert_eq!(ids(&staged), ["s-1"].map(String::from).into());
    assert!(!staged[0].nodes[0].metadata.contains_key("domain"));

    let all = registry.get_service("greeter", "*").await.unwrap();
    let mut seen: Vec<(String, String)> = all
        .iter()
        .flat_map(|s| s.nodes.iter())
        .map(|n| (n.id.clone(), n.metadata["domain"].clone()))
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            ("m-1".into(), "micro".into()),
            ("s-1".into(), "staging".into())
        ]
    );
    assert_eq!(registry.list_services("staging").await.unwrap().len(), 1);

    // A wildcard watch sees every domain, stamped; a domain watch only its own.
    let star = registry
        .watch(&WatchOptions::default().domain("*"))
        .await
        .unwrap();
    let only_micro = registry.watch(&WatchOptions::default()).await.unwrap();
    registry
        .register(&service("greeter", "1", &["s-2"]), &staging)
        .await
        .unwrap();
    put(&registry, "greeter", "1", &["m-2"]).await;
    let event = next_event(&star).await;
    assert_eq!(event.service.nodes[0].id, "s-2");
    assert_eq!(event.service.nodes[0].metadata["domain"], "staging");
    let event = next_event(&star).await;
    assert_eq!(event.service.nodes[0].metadata["domain"], "micro");
    let event = next_event(&only_micro).await;
    assert_eq!(event.service.nodes[0].id, "m-2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_expires_with_its_ttl_when_nobody_keeps_it() {
    let server = EtcdServer::start();
    let observer = registry_at(&server.endpoint());
    let watcher = observer.watch(&WatchOptions::default()).await.unwrap();
    {
        let registrant = registry_at(&server.endpoint());
        registrant
            .register(
                &service("ephemeral", "1", &["e-1", "e-2"]),
                &RegisterOptions::default().ttl(Duration::from_secs(2)),
            )
            .await
            .unwrap();
        let raw = raw_get(&server, "/micro/registry/ephemeral/").await;
        assert_eq!(raw.len(), 2);
        assert_ne!(raw[0].2, 0, "a TTL means a lease");
        assert_eq!(raw[0].2, raw[1].2, "nodes of one TTL share one lease");
        assert_eq!(registrant.leases().await.len(), 1);
        // Kept past its TTL while the registrant registers it again.
        for _ in 0..8 {
            tokio::time::sleep(Duration::from_millis(500)).await;
            registrant
                .register(
                    &service("ephemeral", "1", &["e-1", "e-2"]),
                    &RegisterOptions::default().ttl(Duration::from_secs(2)),
                )
                .await
                .unwrap();
        }
        assert_eq!(
            raw_get(&server, "/micro/registry/ephemeral/").await.len(),
            2
        );
    } // the registrant is gone (as if killed): no more keepalives, the lease expires
    let mut deleted = BTreeSet::new();
    while deleted.len() < 2 {
        let event = next_event(&watcher).await;
        if event.action == Action::Delete {
            deleted.insert(event.service.nodes[0].id.clone());
        }
    }
    assert_eq!(
        observer.get_service("ephemeral", "micro").await,
        Err(Error::NotFound)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_lease_is_replaced_and_every_node_put_again() {
    let server = EtcdServer::start();
    let registry = registry_at(&server.endpoint());
    registry
        .register(
            &service("durable", "1", &["d-1", "d-2", "d-3"]),
            &RegisterOptions::default().ttl(Duration::from_secs(9)),
        )
        .await
        .unwrap();
    let old_lease = registry.leases().await[&9];
    // Behind the client's back: the lease and its keys go.
    server
        .ctl(&["lease", "revoke", &format!("{old_lease:x}")])
        .unwrap();
    assert!(raw_get(&server, "/micro/registry/durable/")
        .await
        .is_empty());
    eventually("the nodes are back under a new lease", || async {
        let raw = raw_get(&server, "/micro/registry/durable/").await;
        raw.len() == 3
            && raw
                .iter()
                .all(|(_, _, lease)| *lease != 0 && *lease != old_lease)
    })
    .await;
    assert_ne!(registry.leases().await[&9], old_lease);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registration_survives_an_etcd_restart_and_watches_resume() {
    let mut server = EtcdServer::start();
    // Through a client, whose keeper registers the nodes again within their TTL.
    let registrant = microreg::Client::with_backend(
        std::sync::Arc::new(registry_at(&server.endpoint())),
        microreg::Config::default(),
    );
    let observer = registry_at(&server.endpoint());
    registrant
        .register(
            &service("steady", "1", &["s-1"]),
            &RegisterOptions::default().ttl(Duration::from_secs(3)),
        )
        .await
        .unwrap();
    let watcher = observer.watch(&WatchOptions::default()).await.unwrap();
    server.restart();
    registrant
        .register(
            &service("steady", "1", &["s-2"]),
            &RegisterOptions::default().ttl(Duration::from_secs(3)),
        )
        .await
        .unwrap();
    let event = next_event(&watcher).await;
    assert_eq!(
        (event.action, event.service.nodes[0].id.as_str()),
        (Action::Create, "s-2")
    );
    // Past several TTLs after the restart, both nodes are still kept alive.
    tokio::time::sleep(Duration::from_secs(7)).await;
    let found = observer.get_service("steady", "micro").await.unwrap();
    assert_eq!(ids(&found), ["s-1", "s-2"].map(String::from).into());
    assert_eq!(observer.health(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_compaction_a_watch_resynchronises_and_tells_the_deletes() {
    let server = EtcdServer::start();
    let (relay, cut_off) = behind_a_relay(&server).await;
    let writer = registry_at(&server.endpoint());
    put(&writer, "svc", "1", &["a", "b"]).await;
    let watcher = cut_off.watch(&WatchOptions::default()).await.unwrap();

    relay.cut();
    remove(&writer, "svc", "1", &["a"]).await;
    put(&writer, "svc", "1", &["c"]).await;
    let mut changed_b = service("svc", "1", &["b"]);
    changed_b.nodes[0].address = "10.1.1.1:1".into();
    writer
        .register(&changed_b, &RegisterOptions::default())
        .await
        .unwrap();
    let now = revision(&server).await;
    raw_client(&server)
        .await
        .compact(
            now,
            Some(etcd_client::CompactionOptions::new().with_physical()),
        )
        .await
        .unwrap();
    relay.restore();

    let mut told = BTreeSet::new();
    while told.len() < 3 {
        let event = next_event(&watcher).await;
        told.insert((event.action.as_str(), event.service.nodes[0].id.clone()));
    }
    assert_eq!(
        told,
        [
            ("delete", "a".to_string()),
            ("update", "b".to_string()),
            ("create", "c".to_string())
        ]
        .into()
    );
    // And it goes on following changes.
    put(&writer, "svc", "1", &["d"]).await;
    let event = next_event(&watcher).await;
    assert_eq!(
        (event.action, event.service.nodes[0].id.as_str()),
        (Action::Create, "d")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watch_resumes_after_a_partition_without_missing_changes() {
    let server = EtcdServer::start();
    let (relay, cut_off) = behind_a_relay(&server).await;
    let writer = registry_at(&server.endpoint());
    put(&writer, "svc", "1", &["a"]).await;
    let watcher = cut_off.watch(&WatchOptions::default()).await.unwrap();
    relay.cut();
    remove(&writer, "svc", "1", &["a"]).await;
    put(&writer, "svc", "1", &["b"]).await;
    relay.restore();
    let first = next_event(&watcher).await;
    let second = next_event(&watcher).await;
    assert_eq!(
        (first.action, first.service.nodes[0].id.as_str()),
        (Action::Delete, "a")
    );
    assert_eq!(
        (second.action, second.service.nodes[0].id.as_str()),
        (Action::Create, "b")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_cluster_is_a_clear_error_not_a_hang() {
    // A port nobody listens on (bound, then released).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = EtcdConfig {
        addresses: vec![format!("127.0.0.1:{port}")],
        dial_timeout_ms: 500,
        ..EtcdConfig::default()
    };
    let registry = EtcdRegistry::connect(&config, Duration::from_secs(1)).unwrap();
    let outcome = tokio::time::timeout(PATIENCE, registry.get_service("greeter", "micro"))
        .await
        .expect("an unreachable etcd must not hang a lookup");
    match outcome {
        Err(Error::BackendUnavailable(message)) => {
            assert!(message.contains(&port.to_string()), "{message}")
        }
        other => panic!("expected BackendUnavailable, got {other:?}"),
    }
    let register = tokio::time::timeout(
        PATIENCE,
        registry.register(
            &service("greeter", "1", &["g"]),
            &RegisterOptions::default(),
        ),
    )
    .await
    .expect("an unreachable etcd must not hang a registration");
    assert!(
        matches!(register, Err(Error::BackendUnavailable(_))),
        "{register:?}"
    );
    assert!(registry.health().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_etcd_is_unreachable_the_client_serves_its_cache_and_says_so() {
    let server = EtcdServer::start();
    let (relay, behind) = behind_a_relay(&server).await;
    let writer = registry_at(&server.endpoint());
    put(&writer, "cached", "1", &["c-1"]).await;
    let backend = std::sync::Arc::new(behind);
    let client = microreg::Client::with_backend(backend, microreg::Config::default());
    let warm = client.get_service("cached", "micro").await.unwrap();
    assert_eq!(client.status(), None);

    relay.cut();
    eventually("the client reports etcd down", || async {
        client.status().is_some()
    })
    .await;
    assert_eq!(client.get_service("cached", "micro").await.unwrap(), warm);

    relay.restore();
    put(&writer, "cached", "1", &["c-2"]).await;
    eventually("the cache follows etcd again", || async {
        client
            .get_service("cached", "micro")
            .await
            .is_ok_and(|s| ids(&s).len() == 2)
    })
    .await;
    assert_eq!(client.status(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_is_a_clear_error() {
    let mut server = EtcdServer::start();
    server.enable_auth("microreg", "right-password");
    let with = |password: &str| {
        let config = EtcdConfig {
            addresses: vec![server.endpoint()],
            username: Some("microreg".into()),
            password: Some(password.into()),
            ..EtcdConfig::default()
        };
        EtcdRegistry::connect(&config, TIMEOUT).unwrap()
    };
    let wrong = with("wrong-password");
    let outcome = tokio::time::timeout(PATIENCE, wrong.list_services("micro"))
        .await
        .expect("a wrong password must not hang");
    match outcome {
        Err(Error::BackendUnavailable(message)) => {
            assert!(message.contains("authentication failed"), "{message}")
        }
        other => panic!("expected an authentication error, got {other:?}"),
    }
    let right = with("right-password");
    right
        .register(
            &service("secure", "1", &["s-1"]),
            &RegisterOptions::default().ttl(Duration::from_secs(5)),
        )
        .await
        .unwrap();
    assert_eq!(right.get_service("secure", "micro").await.unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_value_that_is_not_a_service_is_counted_and_skipped() {
    let server = EtcdServer::start();
    let registry = registry_at(&server.endpoint());
    put(&registry, "mixed", "1", &["good-1"]).await;
    let watcher = registry.watch(&WatchOptions::default()).await.unwrap();
    let mut raw = raw_client(&server).await;
    raw.put("/micro/registry/mixed/broken", "{not json", None)
        .await
        .unwrap();
    raw.put("/micro/registry/mixed/null", "null", None)
        .await
        .unwrap();
    let found = registry.get_service("mixed", "micro").await.unwrap();
    assert_eq!(ids(&found), ["good-1"].map(String::from).into());
    assert_eq!(registry.list_services("micro").await.unwrap().len(), 1);
    assert!(
        registry.invalid_values() >= 4,
        "{}",
        registry.invalid_values()
    );

    // The watch skips them and still tells the next real change.
    put(&registry, "mixed", "1", &["good-2"]).await;
    let event = next_event(&watcher).await;
    assert_eq!(
        (event.action, event.service.nodes[0].id.as_str()),
        (Action::Create, "good-2")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_nodes_go_in_a_few_transactions_and_refreshes_cost_nothing() {
    let server = EtcdServer::start();
    let registry = registry_at(&server.endpoint());
    let ids_owned: Vec<String> = (0..1000).map(|i| format!("node-{i:04}")).collect();
    let id_refs: Vec<&str> = ids_owned.iter().map(String::as_str).collect();
    let big = service("big", "1", &id_refs);
    let options = RegisterOptions::default().ttl(Duration::from_secs(10));
    let before = revision(&server).await;
    registry.register(&big, &options).await.unwrap();
    let after = revision(&server).await;
    // Each transaction is one etcd revision: 1000 nodes / 128 per txn = 8.
    assert!(
        after - before <= 8,
        "{} revisions for 1000 nodes",
        after - before
    );
    let observer = registry_at(&server.endpoint());
    let found = observer.get_service("big", "micro").await.unwrap();
    assert_eq!(found[0].nodes.len(), 1000);
    assert_eq!(registry.leases().await.len(), 1);

    // The same registration again (the keeper's refresh) writes nothing.
    registry.register(&big, &options).await.unwrap();
    assert_eq!(revision(&server).await, after);

    registry.deregister(&big, "micro").await.unwrap();
    assert!(revision(&server).await - after <= 8);
    assert_eq!(
        observer.get_service("big", "micro").await,
        Err(Error::NotFound)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_larger_than_the_watch_queue_loses_nothing() {
    let server = EtcdServer::start();
    let registry = registry_at(&server.endpoint());
    let watcher = registry.watch(&WatchOptions::default()).await.unwrap();
    let count = microreg::watch::WATCH_QUEUE_CAPACITY + 1000;
    let ids_owned: Vec<String> = (0..count).map(|i| format!("n-{i:05}")).collect();
    let id_refs: Vec<&str> = ids_owned.iter().map(String::as_str).collect();
    // Registered while nobody reads the watcher.
    put(&registry, "burst", "1", &id_refs).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut seen = BTreeSet::new();
    while seen.len() < count {
        let event = next_event(&watcher).await;
        assert_eq!(event.action, Action::Create);
        seen.insert(event.service.nodes[0].id.clone());
    }
    assert_eq!(watcher.dropped_events(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_with_a_client_certificate() {
    let server = EtcdServer::start_tls();
    let tls = server.tls.as_ref().unwrap();
    let config = EtcdConfig {
        addresses: vec![server.endpoint()],
        tls_ca: Some(tls.ca.clone()),
        tls_cert: Some(tls.client_cert.clone()),
        tls_key: Some(tls.client_key.clone()),
        ..EtcdConfig::default()
    };
    let registry = EtcdRegistry::connect(&config, TIMEOUT).unwrap();
    registry
        .register(
            &service("secret", "1", &["t-1"]),
            &RegisterOptions::default().ttl(Duration::from_secs(5)),
        )
        .await
        .unwrap();
    assert_eq!(
        registry.get_service("secret", "micro").await.unwrap()[0].nodes[0].id,
        "t-1"
    );
    let raw = server
        .ctl(&["get", "--print-value-only", "/micro/registry/secret/t-1"])
        .unwrap();
    assert!(raw.contains("t-1"), "{raw}");

    // Without a client certificate the server refuses: a clear error, no hang.
    let no_cert = EtcdRegistry::connect(
        &EtcdConfig {
            tls_cert: None,
            tls_key: None,
            ..config.clone()
        },
        TIMEOUT,
    )
    .unwrap();
    let outcome = tokio::time::timeout(PATIENCE, no_cert.list_services("micro"))
        .await
        .expect("a refused TLS handshake must not hang");
    assert!(
        matches!(outcome, Err(Error::BackendUnavailable(_))),
        "{outcome:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_member_in_the_list_is_passed_over() {
    let server = EtcdServer::start();
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let config = EtcdConfig {
        addresses: vec![dead.to_string(), server.endpoint()],
        dial_timeout_ms: 500,
        ..EtcdConfig::default()
    };
    let registry = EtcdRegistry::connect(&config, TIMEOUT).unwrap();
    for i in 0..20 {
        put(&registry, "failover", "1", &[&format!("f-{i}")]).await;
        assert_eq!(
            registry.get_service("failover", "micro").await.unwrap()[0]
                .nodes
                .len(),
            i + 1
        );
    }
}

/// Counts the registrations that reach the etcd backend.
struct Counting {
    inner: EtcdRegistry,
    registers: std::sync::atomic::AtomicUsize,
}

#[async_trait::async_trait]
impl Registry for Counting {
    async fn register(&self, service: &Service, options: &RegisterOptions) -> microreg::Result<()> {
        self.registers
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.register(service, options).await
    }
    async fn deregister(&self, service: &Service, domain: &str) -> microreg::Result<()> {
        self.inner.deregister(service, domain).await
    }
    async fn get_service(&self, name: &str, domain: &str) -> microreg::Result<Vec<Service>> {
        self.inner.get_service(name, domain).await
    }
    async fn list_services(&self, domain: &str) -> microreg::Result<Vec<Service>> {
        self.inner.list_services(domain).await
    }
    async fn watch(&self, options: &WatchOptions) -> microreg::Result<microreg::Watcher> {
        self.inner.watch(options).await
    }
    fn name(&self) -> &'static str {
        "counting etcd"
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_keepers_refreshes_cost_etcd_nothing() {
    let server = EtcdServer::start();
    let counting = std::sync::Arc::new(Counting {
        inner: registry_at(&server.endpoint()),
        registers: Default::default(),
    });
    let client = microreg::Client::with_backend(counting.clone(), microreg::Config::default());
    client
        .register(
            &service("kept", "1", &["k-1"]),
            &RegisterOptions::default().ttl(Duration::from_secs(2)),
        )
        .await
        .unwrap();
    let written = revision(&server).await;
    // Several TTLs: the keeper refreshes, the lease's stream keeps the node,
    // and etcd's data does not change.
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert!(counting.registers.load(std::sync::atomic::Ordering::SeqCst) >= 4);
    assert_eq!(raw_get(&server, "/micro/registry/kept/").await.len(), 1);
    assert_eq!(revision(&server).await, written);
    client.close().await;
    assert!(raw_get(&server, "/micro/registry/kept/").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_not_registered_again_within_its_ttl_goes() {
    let server = EtcdServer::start();
    let registry = registry_at(&server.endpoint());
    let watcher = registry.watch(&WatchOptions::default()).await.unwrap();
    registry
        .register(
            &service("lapsed", "1", &["l-1"]),
            &RegisterOptions::default().ttl(Duration::from_secs(2)),
        )
        .await
        .unwrap();
    put(&registry, "lasting", "1", &["l-2"]).await;
    let mut deleted = None;
    while deleted.is_none() {
        let event = next_event(&watcher).await;
        if event.action == Action::Delete {
            deleted = Some(event.service.nodes[0].id.clone());
        }
    }
    assert_eq!(deleted.as_deref(), Some("l-1"));
    assert_eq!(
        registry.get_service("lapsed", "micro").await,
        Err(Error::NotFound)
    );
    assert_eq!(
        registry
            .get_service("lasting", "micro")
            .await
            .unwrap()
            .len(),
        1
    );
    eventually("the lease without nodes is revoked", || async {
        registry.leases().await.is_empty()
    })
    .await;
}

/// etcd's count of Range requests served, from its metrics page.
fn ranges_served(server: &EtcdServer) -> f64 {
    server
        .metrics()
        .lines()
        .filter(|l| {
            l.starts_with("grpc_server_handled_total") && l.contains("grpc_method=\"Range\"")
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_warm_lookup_never_reaches_etcd() {
    let server = EtcdServer::start();
    let writer = registry_at(&server.endpoint());
    put(&writer, "warm", "1", &["w-1"]).await;
    let client = microreg::Client::with_backend(
        std::sync::Arc::new(registry_at(&server.endpoint())),
        microreg::Config::default(),
    );
    client.get_service("warm", "micro").await.unwrap();
    let before = ranges_served(&server);
    assert!(before > 0.0, "the metrics count Range requests");
    for _ in 0..1000 {
        client.get_service("warm", "micro").await.unwrap();
    }
    assert_eq!(ranges_served(&server), before);
    // Kept current by the domain's watch, still without a read.
    put(&writer, "warm", "1", &["w-2"]).await;
    eventually("the watch brings the new node", || async {
        client.get_service("warm", "micro").await.unwrap()[0]
            .nodes
            .len()
            == 2
    })
    .await;
    assert_eq!(ranges_served(&server), before);
}
