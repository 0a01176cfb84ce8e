//! The memory backend: TTLs, domains, the wildcard view, watch order.

use std::time::Duration;

use microreg::backend::MemoryRegistry;
use microreg::{Action, Error, Node, RegisterOptions, Registry, Service, WatchOptions};

fn service(name: &str, version: &str, node_id: &str, address: &str) -> Service {
    Service::new(name, version).with_node(Node::new(node_id, address))
}

const PATIENCE: Duration = Duration::from_secs(10);

#[tokio::test]
async fn register_get_list_deregister() {
    let reg = MemoryRegistry::isolated();
    let opts = RegisterOptions::default();
    reg.register(&service("greeter", "1", "greeter-a", "10.0.0.1:80"), &opts)
        .await
        .unwrap();
    reg.register(&service("greeter", "1", "greeter-b", "10.0.0.2:80"), &opts)
        .await
        .unwrap();
    reg.register(&service("greeter", "2", "greeter-c", "10.0.0.3:80"), &opts)
        .await
        .unwrap();

    let found = reg.get_service("greeter", "micro").await.unwrap();
    assert_eq!(found.len(), 2, "one entry per version");
    let v1 = found.iter().find(|s| s.version == "1").unwrap();
    assert_eq!(v1.nodes.len(), 2, "nodes of a version are merged");

    let listed = reg.list_services("micro").await.unwrap();
    assert_eq!(listed.len(), 2);

    reg.deregister(
        &service("greeter", "1", "greeter-a", "10.0.0.1:80"),
        "micro",
    )
    .await
    .unwrap();
    let found = reg.get_service("greeter", "micro").await.unwrap();
    let v1 = found.iter().find(|s| s.version == "1").unwrap();
    assert_eq!(v1.nodes.len(), 1);
    assert_eq!(v1.nodes[0].id, "greeter-b");

    // Deregistering what is absent is fine; an unknown name is NotFound.
    reg.deregister(
        &service("greeter", "1", "greeter-a", "10.0.0.1:80"),
        "micro",
    )
    .await
    .unwrap();
    assert_eq!(
        reg.get_service("nobody", "micro").await,
        Err(Error::NotFound)
    );
}

#[tokio::test]
async fn invalid_input_is_rejected_and_changes_nothing() {
    let reg = MemoryRegistry::isolated();
    let good = service("greeter", "1", "greeter-a", "10.0.0.1:80");
    reg.register(&good, &RegisterOptions::default())
        .await
        .unwrap();

    let bad_inputs = [
        service("", "1", "x-1", "10.0.0.9:1"),
        service("greeter", "1", "", "10.0.0.9:1"),
        service("greeter", "1", "greeter-z", "not-an-address"),
        Service::new("greeter", "1"),
    ];
    for bad in &bad_inputs {
        let err = reg
            .register(bad, &RegisterOptions::default())
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::InvalidArgument(_)),
            "{bad:?} gave {err:?}"
        );
    }
    let err = reg
        .register(&good, &RegisterOptions::default().domain("*"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)));

    assert_eq!(
        reg.get_service("greeter", "micro").await.unwrap(),
        vec![good]
    );
}

#[tokio::test]
async fn ttl_expiry_removes_the_node_and_watchers_see_delete() {
    let reg = MemoryRegistry::isolated();
    let watcher = reg.watch(&WatchOptions::default()).await.unwrap();
    let svc = service("short", "1", "short-a", "10.0.0.1:80");
    reg.register(
        &svc,
        &RegisterOptions::default().ttl(Duration::from_millis(300)),
    )
    .await
    .unwrap();
    assert_eq!(
        watcher.next_timeout(PATIENCE).await.unwrap().action,
        Action::Create
    );

    let event = watcher.next_timeout(PATIENCE).await.unwrap();
    assert_eq!(event.action, Action::Delete);
    assert_eq!(event.service.nodes[0].id, "short-a");
    assert_eq!(
        reg.get_service("short", "micro").await,
        Err(Error::NotFound)
    );
}

#[tokio::test]
async fn reregistering_within_the_ttl_keeps_the_node() {
    let reg = MemoryRegistry::isolated();
    let svc = service("kept", "1", "kept-a", "10.0.0.1:80");
    let opts = RegisterOptions::default().ttl(Duration::from_millis(400));
    for _ in 0..6 {
        reg.register(&svc, &opts).await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(reg.get_service("kept", "micro").await.is_ok());
}

#[tokio::test]
async fn domains_are_isolated_and_the_wildcard_sees_all() {
    let reg = MemoryRegistry::isolated();
    reg.register(
        &service("svc", "1", "svc-a", "10.0.0.1:80"),
        &RegisterOptions::default().domain("alpha"),
    )
    .await
    .unwrap();
    reg.register(
        &service("svc", "1", "svc-b", "10.0.0.2:80"),
        &RegisterOptions::default().domain("beta"),
    )
    .await
    .unwrap();

    let alpha = reg.get_service("svc", "alpha").await.unwrap();
    assert_eq!(alpha[0].nodes.len(), 1);
    assert_eq!(alpha[0].nodes[0].id, "svc-a");
    assert!(!alpha[0].nodes[0].metadata.contains_key("domain"));
    assert_eq!(reg.get_service("svc", "micro").await, Err(Error::NotFound));

    let all = reg.get_service("svc", "*").await.unwrap();
    assert_eq!(all.len(), 1, "same version across domains is one entry");
    let mut seen: Vec<(String, String)> = all[0]
        .nodes
        .iter()
        .map(|n| (n.id.clone(), n.metadata["domain"].clone()))
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        vec![
            ("svc-a".into(), "alpha".into()),
            ("svc-b".into(), "beta".into())
        ]
    );
    assert_eq!(reg.list_services("*").await.unwrap().len(), 1);
    assert_eq!(reg.list_services("gamma").await.unwrap(), vec![]);
}

#[tokio::test]
async fn watch_sees_create_update_delete_in_order_filtered_by_service_and_domain() {
    let reg = MemoryRegistry::isolated();
    let only_greeter = reg
        .watch(&WatchOptions::default().service("greeter"))
        .await
        .unwrap();
    let wildcard = reg
        .watch(&WatchOptions::default().domain("*"))
        .await
        .unwrap();

    let mut svc = service("greeter", "1", "greeter-a", "10.0.0.1:80");
    let opts = RegisterOptions::default();
    reg.register(&svc, &opts).await.unwrap();
    reg.register(&svc, &opts).await.unwrap(); // unchanged: no event
    reg.register(&service("other", "1", "other-a", "10.0.0.2:80"), &opts)
        .await
        .unwrap();
    svc.nodes[0].metadata.insert("weight".into(), "5".into());
    reg.register(&svc, &opts).await.unwrap();
    reg.register(
        &service("greeter", "1", "greeter-x", "10.0.0.3:80"),
        &RegisterOptions::default().domain("elsewhere"),
    )
    .await
    .unwrap();
    reg.deregister(&svc, "micro").await.unwrap();

    let mut actions = Vec::new();
    for _ in 0..3 {
        let event = only_greeter.next_timeout(PATIENCE).await.unwrap();
        assert_eq!(event.service.name, "greeter");
        assert_eq!(event.service.nodes[0].id, "greeter-a");
        actions.push(event.action);
    }
    assert_eq!(actions, [Action::Create, Action::Update, Action::Delete]);
    assert_eq!(
        only_greeter.next_timeout(Duration::from_millis(200)).await,
        Err(Error::Timeout),
        "nothing else: the other service and the other domain are filtered out"
    );
    let updated = {
        let mut events = Vec::new();
        for _ in 0..5 {
            events.push(wildcard.next_timeout(PATIENCE).await.unwrap());
        }
        events
    };
    assert_eq!(updated[2].service.nodes[0].metadata["weight"], "5");
    assert_eq!(updated[3].service.nodes[0].metadata["domain"], "elsewhere");
}

#[tokio::test]
async fn a_stopped_watcher_says_so() {
    let reg = MemoryRegistry::isolated();
    let watcher = std::sync::Arc::new(reg.watch(&WatchOptions::default()).await.unwrap());
    let waiting = {
        let watcher = watcher.clone();
        tokio::spawn(async move { watcher.next().await })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    watcher.stop();
    assert_eq!(waiting.await.unwrap(), Err(Error::WatcherStopped));
    assert_eq!(watcher.next().await, Err(Error::WatcherStopped));
}

#[tokio::test]
async fn shared_registry_is_seen_by_every_handle() {
    let a = MemoryRegistry::shared();
    let b = MemoryRegistry::shared();
    let svc = service("shared-probe", "1", "shared-probe-a", "10.0.0.1:80");
    a.register(&svc, &RegisterOptions::default()).await.unwrap();
    assert_eq!(
        b.get_service("shared-probe", "micro").await.unwrap(),
        vec![svc.clone()]
    );
    a.deregister(&svc, "micro").await.unwrap();
}
