//! The mDNS backend between registries of one process, over the loopback of a
//! private network namespace (run through `make test` / tests/netns/isolated).

mod support;

use std::net::UdpSocket;
use std::time::Duration;

use microreg::backend::mdns::{MdnsOptions, MdnsRegistry};
use microreg::{Action, Error, Node, RegisterOptions, Registry, Service, WatchOptions};

const PATIENCE: Duration = Duration::from_secs(5);

/// The tests of this file share one loopback and run at once; a test that
/// counts what its registry answered runs alone (`exclusive`), since other
/// tests' registries ask questions too (follow-ups of what they hear).
static LOOPBACK: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

async fn shared() -> tokio::sync::RwLockReadGuard<'static, ()> {
    LOOPBACK.read().await
}

async fn exclusive() -> tokio::sync::RwLockWriteGuard<'static, ()> {
    LOOPBACK.write().await
}

fn registry() -> MdnsRegistry {
    support::require_isolated_network();
    MdnsRegistry::new(MdnsOptions {
        dnssd: false,
        // Loopback only: test hosts that an earlier test binary left in this
        // namespace add a bridge, and a registry on both would hear every
        // question twice.
        interfaces: vec!["lo".to_string()],
        ..MdnsOptions::default()
    })
    .expect("mDNS registry")
}

fn service(name: &str, ids: &[&str]) -> Service {
    let mut service = Service::new(name, "1.0.0");
    for (i, id) in ids.iter().enumerate() {
        service
            .nodes
            .push(Node::new(*id, format!("127.0.0.1:{}", 9000 + i)));
    }
    service
}

async fn eventually_found(registry: &MdnsRegistry, name: &str, nodes: usize) -> Vec<Service> {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        if let Ok(found) = registry.get_service(name, "micro").await {
            if found.iter().map(|s| s.nodes.len()).sum::<usize>() >= nodes {
                return found;
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{name}: {nodes} nodes not seen in time"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registration_is_found_listed_and_watched_by_another_registry() {
    let _loopback = shared().await;
    let a = registry();
    let b = registry();
    let watcher = b
        .watch(&WatchOptions::default().service("local-greeter"))
        .await
        .unwrap();
    let mut svc = service("local-greeter", &["local-greeter-1"]);
    svc.nodes[0].metadata.insert("zone".into(), "a".into());
    svc.endpoints.push(microreg::Endpoint {
        name: "Greeter.Hello".into(),
        ..Default::default()
    });
    a.register(&svc, &RegisterOptions::default()).await.unwrap();

    let event = watcher.next_timeout(PATIENCE).await.unwrap();
    assert_eq!(event.action, Action::Create);
    assert_eq!(event.service.nodes[0].id, "local-greeter-1");

    let found = eventually_found(&b, "local-greeter", 1).await;
    assert_eq!(found[0].nodes[0].address, "127.0.0.1:9000");
    assert_eq!(found[0].nodes[0].metadata["zone"], "a");
    assert_eq!(found[0].endpoints[0].name, "Greeter.Hello");
    let listed = b.list_services("micro").await.unwrap();
    assert!(listed.iter().any(|s| s.name == "local-greeter"));

    a.deregister(&svc, "micro").await.unwrap();
    let event = watcher.next_timeout(PATIENCE).await.unwrap();
    assert_eq!(event.action, Action::Delete);
    assert_eq!(
        b.get_service("local-greeter", "micro").await,
        Err(Error::NotFound)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registry_started_later_finds_what_was_registered_before() {
    let _loopback = shared().await;
    let a = registry();
    let svc = service("local-early", &["local-early-1", "local-early-2"]);
    a.register(&svc, &RegisterOptions::default()).await.unwrap();
    let b = registry();
    let found = eventually_found(&b, "local-early", 2).await;
    assert_eq!(found[0].nodes.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lapsed_ttl_and_a_dropped_registry_remove_nodes() {
    let _loopback = shared().await;
    let a = registry();
    let b = registry();
    let watcher = b
        .watch(&WatchOptions::default().service("local-lapse"))
        .await
        .unwrap();
    let short = RegisterOptions::default().ttl(Duration::from_secs(1));
    a.register(&service("local-lapse", &["local-lapse-1"]), &short)
        .await
        .unwrap();
    assert_eq!(
        watcher.next_timeout(PATIENCE).await.unwrap().action,
        Action::Create
    );
    // Not registered again: gone after its TTL, on both sides.
    assert_eq!(
        watcher.next_timeout(PATIENCE).await.unwrap().action,
        Action::Delete
    );

    let long = RegisterOptions::default();
    a.register(&service("local-lapse", &["local-lapse-2"]), &long)
        .await
        .unwrap();
    assert_eq!(
        watcher.next_timeout(PATIENCE).await.unwrap().action,
        Action::Create
    );
    drop(a); // says goodbye
    let event = watcher.next_timeout(PATIENCE).await.unwrap();
    assert_eq!(event.action, Action::Delete);
    assert_eq!(event.service.nodes[0].id, "local-lapse-2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_packets_are_dropped_counted_and_harmless() {
    let _loopback = shared().await;
    let a = registry();
    let b = registry();
    let svc = service("local-garbage", &["local-garbage-1"]);
    a.register(&svc, &RegisterOptions::default()).await.unwrap();
    let sender = UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut junk = vec![0u8; 12];
    junk[5] = 9; // nine questions that are not there
    for i in 0..200u32 {
        let noise: Vec<u8> = (0..(i % 300))
            .map(|j| {
                (i.wrapping_mul(7919)
                    .wrapping_add(j)
                    .wrapping_mul(2654435761)
                    >> 24) as u8
            })
            .collect();
        for packet in [&junk, &noise] {
            let _ = sender.send_to(packet, "224.0.0.251:5353");
        }
    }
    let found = eventually_found(&b, "local-garbage", 1).await;
    assert_eq!(found[0].nodes[0].id, "local-garbage-1");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(b.counters().malformed_packets >= 200, "{:?}", b.counters());
    assert!(a.counters().malformed_packets >= 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_nodes_are_all_seen() {
    let _loopback = shared().await;
    let a = registry();
    let b = registry();
    let ids: Vec<String> = (0..1000).map(|i| format!("local-many-{i}")).collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    a.register(&service("local-many", &refs), &RegisterOptions::default())
        .await
        .unwrap();
    let found = eventually_found(&b, "local-many", 1000).await;
    assert_eq!(found[0].nodes.len(), 1000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_that_do_not_fit_in_dns_are_refused() {
    let _loopback = shared().await;
    let a = registry();
    let svc = service("local-long", &[&"x".repeat(70)]);
    assert!(matches!(
        a.register(&svc, &RegisterOptions::default()).await,
        Err(Error::InvalidArgument(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registering_again_with_changes_is_an_update() {
    let _loopback = shared().await;
    let a = registry();
    let b = registry();
    let watcher = b
        .watch(&WatchOptions::default().service("local-update"))
        .await
        .unwrap();
    let mut svc = service("local-update", &["local-update-1"]);
    a.register(&svc, &RegisterOptions::default()).await.unwrap();
    assert_eq!(
        watcher.next_timeout(PATIENCE).await.unwrap().action,
        Action::Create
    );
    a.register(&svc, &RegisterOptions::default()).await.unwrap(); // unchanged: no event
    svc.nodes[0].metadata.insert("weight".into(), "2".into());
    a.register(&svc, &RegisterOptions::default()).await.unwrap();
    let event = watcher.next_timeout(PATIENCE).await.unwrap();
    assert_eq!(event.action, Action::Update);
    assert_eq!(event.service.nodes[0].metadata["weight"], "2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lookups_repeated_rounds_are_not_answered_again_for_what_it_holds() {
    let _loopback = exclusive().await;
    // 60 nodes: their known answers take several datagrams (RFC 6762 §7.2).
    let a = registry();
    let ids: Vec<String> = (0..60)
        .map(|i| format!("kas-{i}-6a1b2c3d-1111-4222-8333-944455556666"))
        .collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let kas = RegisterOptions::default().domain("kas");
    a.register(&service("kas-service", &ids), &kas)
        .await
        .unwrap();
    // Past the announcement and its repeat: b learns the nodes only by asking.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let before = a.counters();
    let b = registry();
    let found = b.get_service("kas-service", "kas").await.unwrap();
    assert_eq!(found.iter().map(|s| s.nodes.len()).sum::<usize>(), 60);
    let after = a.counters();
    // The lookup asks in 4 rounds at least. The first is answered in full;
    // the later ones carry the nodes held as known answers and get nothing
    // back once all 60 are held (a round that goes out before the first
    // round's answers have all arrived, as on a loaded machine, is answered
    // for what it lacks). Without known answers, every round is answered.
    // (In a domain of its own, so that other tests' registries ask nothing a
    // answers.)
    let answered = after.queries_answered - before.queries_answered;
    assert!(
        (1..=3).contains(&answered),
        "{answered} of the lookup's questions answered"
    );
    // b offers a one-frame payload (EDNS(0)): the answer comes packed.
    let datagrams = after.datagrams_sent - before.datagrams_sent;
    assert!(
        (1..60).contains(&datagrams),
        "{datagrams} datagrams answered the lookup"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_goodbye_is_said_twice_unless_the_node_is_registered_again() {
    let _loopback = shared().await;
    let a = registry();
    let gone = service("local-bye-twice", &["local-bye-twice-1"]);
    let back = service("local-bye-back", &["local-bye-back-1"]);
    for svc in [&gone, &back] {
        a.register(svc, &RegisterOptions::default()).await.unwrap();
    }
    a.deregister(&gone, "micro").await.unwrap();
    a.deregister(&back, "micro").await.unwrap();
    a.register(&back, &RegisterOptions::default())
        .await
        .unwrap();
    assert_eq!(a.counters().goodbyes, 2, "one goodbye each at once");
    // The repeat comes about a second later; none for the node that came back.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while a.counters().goodbyes < 3 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no repeated goodbye"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(a.counters().goodbyes, 3, "{:?}", a.counters());
}
