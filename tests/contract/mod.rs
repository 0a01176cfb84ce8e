//! The backend contract: the behaviour every backend must show, written once
//! and run against each (tests/contract_memory.rs, contract_mdns.rs,
//! contract_etcd.rs). A new backend passes it before it is merged.
//!
//! Each check talks to the backend itself (no cache, no keeper) through two
//! handles, a writer and an observer, as two processes would. Reads are
//! "eventually" (a LAN or a cluster takes a moment), with a generous deadline;
//! nothing asserts a time. Names are unique per run, so backends shared with
//! other tests (a LAN, an etcd server) do not mix them up.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use microreg::{
    Action, Error, Event, Node, RegisterOptions, Registry, Service, WatchOptions, Watcher,
};

/// The checks of one backend take turns: each (1000 nodes, TTL expiry) is a
/// burst of traffic of its own, and running them together on a LAN tests
/// the machine's load more than the backend.
pub static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// How long "eventually" waits at most.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// A backend under test: hands out handles on one shared registry.
pub trait Backend: Send + Sync {
    /// A new handle; every handle of one `Backend` sees the same registrations.
    fn handle(&self) -> Arc<dyn Registry>;
    /// An address nodes can carry (some backends announce it).
    fn address(&self, port: u16) -> String {
        format!("127.0.0.1:{port}")
    }
}

/// Defines one `#[tokio::test]` per contract check, each with a fresh backend
/// from `$make` (an expression of a type that implements [`Backend`]).
/// Attributes after `$make` (e.g. `, #[ignore = "..."]`) go on every test.
#[macro_export]
macro_rules! contract_tests {
    ($make:expr $(, #[$attr:meta])* $(,)?) => {
        $crate::contract_tests!(@each [$(#[$attr])*] $make;
            register_get_list_deregister,
            watch_sees_create_update_delete_in_order,
            ttl_expiry_removes_the_node_and_tells_watchers,
            domains_are_separate_and_the_wildcard_sees_all,
            bad_input_changes_nothing,
            a_thousand_nodes,
            concurrent_callers);
    };
    (@each $attrs:tt $make:expr; $($check:ident),*) => {
        $( $crate::contract_tests!(@one $attrs $make; $check); )*
    };
    (@one [$(#[$attr:meta])*] $make:expr; $check:ident) => {
        $(#[$attr])*
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $check() {
            let _turn = $crate::contract::TURN.lock().await;
            let Some(backend) = $make else { return };
            contract::$check(&backend).await;
        }
    };
}

/// A name unique to this run: short, as mDNS node ids (`name-N`) must fit a
/// DNS label.
pub fn unique(prefix: &str) -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("{prefix}{}", &id[..8])
}

fn service(backend: &dyn Backend, name: &str, nodes: std::ops::Range<u16>) -> Service {
    let mut service = Service::new(name, "1.0.0");
    for i in nodes {
        service
            .nodes
            .push(Node::new(format!("{name}-{i}"), backend.address(9000 + i)));
    }
    service
}

fn options(domain: &str) -> RegisterOptions {
    RegisterOptions::default().domain(domain)
}

/// Polls `check` until it returns `Some`, or fails after [`PATIENCE`].
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not within {PATIENCE:?}: {what}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// The ids of the nodes `registry` finds for `name` in `domain` (empty: none).
async fn node_ids(registry: &dyn Registry, name: &str, domain: &str) -> BTreeSet<String> {
    match registry.get_service(name, domain).await {
        Ok(services) => services
            .iter()
            .flat_map(|s| s.nodes.iter().map(|n| n.id.clone()))
            .collect(),
        Err(Error::NotFound) => BTreeSet::new(),
        Err(other) => panic!("get_service({name}, {domain}): {other}"),
    }
}

async fn wait_for_nodes(
    registry: &dyn Registry,
    name: &str,
    domain: &str,
    want: &BTreeSet<String>,
) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let found = node_ids(registry, name, domain).await;
        if found == *want {
            return;
        }
        if tokio::time::Instant::now() >= deadline {
            let missing: Vec<_> = want.difference(&found).take(5).collect();
            let extra: Vec<_> = found.difference(want).take(5).collect();
            panic!(
                "not within {PATIENCE:?}: {name} in {domain} has {} nodes, wants {} \
                 (missing e.g. {missing:?}, extra e.g. {extra:?})",
                found.len(),
                want.len()
            );
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn ids(service: &Service) -> BTreeSet<String> {
    service.nodes.iter().map(|n| n.id.clone()).collect()
}

/// The next event of `watcher` about node `id`, skipping others.
async fn next_about(watcher: &Watcher, id: &str) -> Event {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let event = watcher
            .next_timeout(left)
            .await
            .unwrap_or_else(|e| panic!("no event about {id}: {e}"));
        if event.service.nodes.iter().any(|n| n.id == id) {
            return event;
        }
    }
}

/// Register → found by get and list on another handle; deregister → gone.
pub async fn register_get_list_deregister(backend: &impl Backend) {
    let (writer, observer) = (backend.handle(), backend.handle());
    let domain = unique("d");
    let mut svc = service(backend, &unique("c"), 1..3);
    svc.nodes[0].metadata.insert("zone".into(), "a".into());
    writer.register(&svc, &options(&domain)).await.unwrap();

    wait_for_nodes(&*observer, &svc.name, &domain, &ids(&svc)).await;
    let found = observer.get_service(&svc.name, &domain).await.unwrap();
    assert_eq!(found.len(), 1, "one entry per version");
    assert_eq!(found[0].version, "1.0.0");
    let first = found[0]
        .nodes
        .iter()
        .find(|n| n.id == svc.nodes[0].id)
        .unwrap();
    assert_eq!(first.address, svc.nodes[0].address);
    assert_eq!(first.metadata.get("zone").map(String::as_str), Some("a"));
    eventually("listed", || async {
        let listed = observer.list_services(&domain).await.unwrap();
        listed.iter().any(|s| s.name == svc.name).then_some(())
    })
    .await;

    writer.deregister(&svc, &domain).await.unwrap();
    wait_for_nodes(&*observer, &svc.name, &domain, &BTreeSet::new()).await;
    assert!(matches!(
        observer.get_service(&svc.name, &domain).await,
        Err(Error::NotFound)
    ));
    eventually("no longer listed", || async {
        let listed = observer.list_services(&domain).await.unwrap();
        (!listed.iter().any(|s| s.name == svc.name)).then_some(())
    })
    .await;
}

/// A watcher sees a node's create, then its update, then its delete, in order.
pub async fn watch_sees_create_update_delete_in_order(backend: &impl Backend) {
    let (writer, observer) = (backend.handle(), backend.handle());
    let domain = unique("d");
    let mut svc = service(backend, &unique("c"), 1..2);
    let id = svc.nodes[0].id.clone();
    let watcher = observer
        .watch(
            &WatchOptions::default()
                .service(svc.name.clone())
                .domain(domain.clone()),
        )
        .await
        .unwrap();

    writer.register(&svc, &options(&domain)).await.unwrap();
    let first = next_about(&watcher, &id).await;
    assert_eq!(first.action, Action::Create, "{first:?}");
    wait_for_nodes(&*observer, &svc.name, &domain, &ids(&svc)).await;

    svc.nodes[0]
        .metadata
        .insert("state".into(), "changed".into());
    writer.register(&svc, &options(&domain)).await.unwrap();
    // An update that carries the change (a backend may report further updates
    // of the same node first, e.g. mDNS merging its two dialects).
    loop {
        let event = next_about(&watcher, &id).await;
        assert_eq!(event.action, Action::Update, "after the create: {event:?}");
        if event.service.nodes[0]
            .metadata
            .get("state")
            .map(String::as_str)
            == Some("changed")
        {
            break;
        }
    }

    writer.deregister(&svc, &domain).await.unwrap();
    loop {
        let event = next_about(&watcher, &id).await;
        match event.action {
            Action::Delete => break,
            Action::Update => continue,
            Action::Create => panic!("a create after the update: {event:?}"),
        }
    }
    // Nothing about the node after its delete.
    let quiet = watcher.next_timeout(Duration::from_millis(500)).await;
    assert!(
        !matches!(&quiet, Ok(e) if e.service.nodes.iter().any(|n| n.id == id)),
        "an event after the delete: {quiet:?}"
    );
}

/// A node whose TTL runs out without a refresh disappears, and watchers hear of it.
pub async fn ttl_expiry_removes_the_node_and_tells_watchers(backend: &impl Backend) {
    let (writer, observer) = (backend.handle(), backend.handle());
    let domain = unique("d");
    let short = service(backend, &unique("t"), 1..2);
    let kept = service(backend, &unique("k"), 1..2);
    let watcher = observer
        .watch(
            &WatchOptions::default()
                .service(short.name.clone())
                .domain(domain.clone()),
        )
        .await
        .unwrap();
    writer
        .register(&short, &options(&domain).ttl(Duration::from_secs(2)))
        .await
        .unwrap();
    writer.register(&kept, &options(&domain)).await.unwrap();
    let id = short.nodes[0].id.clone();
    assert_eq!(next_about(&watcher, &id).await.action, Action::Create);

    // Not refreshed: gone after its TTL; the node without a TTL stays.
    loop {
        let event = next_about(&watcher, &id).await;
        if event.action == Action::Delete {
            break;
        }
    }
    wait_for_nodes(&*observer, &short.name, &domain, &BTreeSet::new()).await;
    assert_eq!(node_ids(&*observer, &kept.name, &domain).await, ids(&kept));
    writer.deregister(&kept, &domain).await.unwrap();
}

/// A domain sees only its own services; `*` sees every domain, marking each
/// node with `metadata["domain"]`, in lookups, listings and watches.
pub async fn domains_are_separate_and_the_wildcard_sees_all(backend: &impl Backend) {
    let (writer, observer) = (backend.handle(), backend.handle());
    let (one, two) = (unique("d"), unique("d"));
    let name = unique("c");
    let in_one = service(backend, &name, 1..2);
    let in_two = service(backend, &name, 2..3);
    let all = observer
        .watch(&WatchOptions::default().service(name.clone()).domain("*"))
        .await
        .unwrap();

    writer.register(&in_one, &options(&one)).await.unwrap();
    writer.register(&in_two, &options(&two)).await.unwrap();
    wait_for_nodes(&*observer, &name, &one, &ids(&in_one)).await;
    wait_for_nodes(&*observer, &name, &two, &ids(&in_two)).await;
    assert_eq!(
        node_ids(&*observer, &name, microreg::DEFAULT_DOMAIN).await,
        BTreeSet::new(),
        "the default domain sees neither"
    );

    let both: BTreeSet<String> = ids(&in_one).union(&ids(&in_two)).cloned().collect();
    wait_for_nodes(&*observer, &name, "*", &both).await;
    let found = observer.get_service(&name, "*").await.unwrap();
    for node in found.iter().flat_map(|s| &s.nodes) {
        let home = if ids(&in_one).contains(&node.id) {
            &one
        } else {
            &two
        };
        assert_eq!(node.metadata.get("domain"), Some(home), "{node:?}");
    }
    eventually("both domains listed under *", || async {
        let listed = observer.list_services("*").await.unwrap();
        let domains: BTreeSet<&str> = listed
            .iter()
            .filter(|s| s.name == name)
            .flat_map(|s| s.nodes.iter().filter_map(|n| n.metadata.get("domain")))
            .map(String::as_str)
            .collect();
        (domains.contains(one.as_str()) && domains.contains(two.as_str())).then_some(())
    })
    .await;
    for (svc, home) in [(&in_one, &one), (&in_two, &two)] {
        let event = next_about(&all, &svc.nodes[0].id).await;
        assert_eq!(event.action, Action::Create);
        assert_eq!(event.service.nodes[0].metadata.get("domain"), Some(home));
    }

    writer.deregister(&in_one, &one).await.unwrap();
    writer.deregister(&in_two, &two).await.unwrap();
    wait_for_nodes(&*observer, &name, "*", &BTreeSet::new()).await;
}

/// Every bad call is `InvalidArgument` and leaves what is registered as it was.
pub async fn bad_input_changes_nothing(backend: &impl Backend) {
    let (writer, observer) = (backend.handle(), backend.handle());
    let domain = unique("d");
    let good = service(backend, &unique("c"), 1..2);
    writer.register(&good, &options(&domain)).await.unwrap();
    wait_for_nodes(&*observer, &good.name, &domain, &ids(&good)).await;

    let mut bad = Vec::new();
    for change in [
        (|s: &mut Service| s.name.clear()) as fn(&mut Service),
        |s| s.nodes.clear(),
        |s| s.nodes[0].id.clear(),
        |s| s.nodes[0].address = "no-port".into(),
        |s| s.nodes[0].address = "[::1]:99999".into(),
        |s| s.name = "x".repeat(300),
    ] {
        let mut svc = good.clone();
        svc.nodes[0].address = backend.address(9999);
        change(&mut svc);
        bad.push((svc, domain.clone()));
    }
    for domain in ["", "*", "a.b"] {
        bad.push((good.clone(), domain.to_string()));
    }
    for (svc, domain) in &bad {
        let result = writer.register(svc, &options(domain)).await;
        assert!(
            matches!(result, Err(Error::InvalidArgument(_))),
            "register {svc:?} in {domain:?}: {result:?}"
        );
    }
    assert!(matches!(
        writer.deregister(&good, "*").await,
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        observer.get_service("", &domain).await,
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        observer.list_services("").await,
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        observer.watch(&WatchOptions::default().domain("")).await,
        Err(Error::InvalidArgument(_))
    ));

    // The good registration is exactly as it was.
    let found = observer.get_service(&good.name, &domain).await.unwrap();
    assert_eq!(found[0].nodes, good.nodes);
    writer.deregister(&good, &domain).await.unwrap();
}

/// A thousand nodes of one service, registered by one handle, all seen by another.
pub async fn a_thousand_nodes(backend: &impl Backend) {
    let (writer, observer) = (backend.handle(), backend.handle());
    let domain = unique("d");
    let all = service(backend, &unique("m"), 0..1000);
    for chunk in all.nodes.chunks(100) {
        let part = Service {
            nodes: chunk.to_vec(),
            ..all.clone()
        };
        writer.register(&part, &options(&domain)).await.unwrap();
    }
    wait_for_nodes(&*observer, &all.name, &domain, &ids(&all)).await;
    writer.deregister(&all, &domain).await.unwrap();
    wait_for_nodes(&*observer, &all.name, &domain, &BTreeSet::new()).await;
}

/// Many callers on one handle at once: each sees its own work done, none
/// disturbs another's.
pub async fn concurrent_callers(backend: &impl Backend) {
    let writer = backend.handle();
    let observer = backend.handle();
    let domain = unique("d");
    let mut tasks = Vec::new();
    for caller in 0..8u16 {
        let writer = writer.clone();
        let domain = domain.clone();
        let svc = service(backend, &unique("p"), caller * 10..caller * 10 + 3);
        tasks.push(tokio::spawn(async move {
            for round in 0..5 {
                writer.register(&svc, &options(&domain)).await.unwrap();
                let seen = node_ids(&*writer, &svc.name, &domain).await;
                assert!(seen.is_subset(&ids(&svc)), "round {round}: {seen:?}");
                if round < 4 {
                    writer.deregister(&svc, &domain).await.unwrap();
                }
            }
            svc
        }));
    }
    let mut kept = Vec::new();
    for task in tasks {
        kept.push(task.await.unwrap());
    }
    for svc in &kept {
        wait_for_nodes(&*observer, &svc.name, &domain, &ids(svc)).await;
    }
    for svc in &kept {
        writer.deregister(svc, &domain).await.unwrap();
    }
    for svc in &kept {
        wait_for_nodes(&*observer, &svc.name, &domain, &BTreeSet::new()).await;
    }
}
