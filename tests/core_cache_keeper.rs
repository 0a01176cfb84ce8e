//! The cache (stale on failure, one lookup for concurrent misses, watch-fed) and
//! the client's keeping of registrations, over a backend whose failures and
//! lookups the test controls and counts. (The keeper's own tests are unit tests
//! in src/keeper.rs: it is not public.)

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use microreg::backend::MemoryRegistry;
use microreg::CachedRegistry;
use microreg::{
    Client, Config, Error, Node, RegisterOptions, Registry, Result, Service, WatchOptions, Watcher,
};

/// A memory backend that counts lookups, can be made slow, and can be broken.
#[derive(Clone)]
struct ControlledBackend {
    inner: MemoryRegistry,
    lookups: Arc<AtomicUsize>,
    broken: Arc<AtomicBool>,
    lookup_delay: Duration,
}

impl ControlledBackend {
    fn new(lookup_delay: Duration) -> Self {
        ControlledBackend {
            inner: MemoryRegistry::isolated(),
            lookups: Arc::default(),
            broken: Arc::default(),
            lookup_delay,
        }
    }

    fn check(&self) -> Result<()> {
        if self.broken.load(Ordering::SeqCst) {
            return Err(Error::unavailable("backend is down (test)"));
        }
        Ok(())
    }
}

#[async_trait]
impl Registry for ControlledBackend {
    async fn register(&self, service: &Service, options: &RegisterOptions) -> Result<()> {
        self.check()?;
        self.inner.register(service, options).await
    }
    async fn deregister(&self, service: &Service, domain: &str) -> Result<()> {
        self.check()?;
        self.inner.deregister(service, domain).await
    }
    async fn get_service(&self, name: &str, domain: &str) -> Result<Vec<Service>> {
        self.lookups.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(self.lookup_delay).await;
        self.check()?;
        self.inner.get_service(name, domain).await
    }
    async fn list_services(&self, domain: &str) -> Result<Vec<Service>> {
        self.check()?;
        self.inner.list_services(domain).await
    }
    async fn watch(&self, options: &WatchOptions) -> Result<Watcher> {
        self.check()?;
        self.inner.watch(options).await
    }
    fn name(&self) -> &'static str {
        "controlled"
    }
}

fn greeter(node: &str) -> Service {
    Service::new("greeter", "1").with_node(Node::new(node, "10.0.0.1:8080"))
}

async fn eventually(mut condition: impl AsyncFnMut() -> bool) {
    for _ in 0..200 {
        if condition().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("condition not met within 5 s");
}

#[tokio::test]
async fn concurrent_misses_make_one_backend_lookup() {
    let backend = ControlledBackend::new(Duration::from_millis(200));
    backend
        .inner
        .register(&greeter("greeter-a"), &RegisterOptions::default())
        .await
        .unwrap();
    let cache = Arc::new(CachedRegistry::new(Arc::new(backend.clone())));

    let lookups: Vec<_> = (0..16)
        .map(|_| {
            let cache = cache.clone();
            tokio::spawn(async move { cache.get_service("greeter", "micro").await })
        })
        .collect();
    for lookup in lookups {
        assert_eq!(lookup.await.unwrap().unwrap()[0].nodes[0].id, "greeter-a");
    }
    assert_eq!(backend.lookups.load(Ordering::SeqCst), 1);

    // Warm: answered from memory.
    cache.get_service("greeter", "micro").await.unwrap();
    assert_eq!(backend.lookups.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn the_watch_keeps_cached_entries_current() {
    let backend = ControlledBackend::new(Duration::ZERO);
    let cache = CachedRegistry::new(Arc::new(backend.clone()));
    backend
        .inner
        .register(&greeter("greeter-a"), &RegisterOptions::default())
        .await
        .unwrap();
    cache.get_service("greeter", "micro").await.unwrap();

    // Changes made behind the cache's back reach it through its watch.
    backend
        .inner
        .register(&greeter("greeter-b"), &RegisterOptions::default())
        .await
        .unwrap();
    eventually(async || {
        cache.get_service("greeter", "micro").await.unwrap()[0]
            .nodes
            .len()
            == 2
    })
    .await;
    backend
        .inner
        .deregister(&greeter("greeter-a"), "micro")
        .await
        .unwrap();
    backend
        .inner
        .deregister(&greeter("greeter-b"), "micro")
        .await
        .unwrap();
    eventually(async || cache.get_service("greeter", "micro").await == Err(Error::NotFound)).await;
    assert_eq!(
        backend.lookups.load(Ordering::SeqCst),
        1,
        "all from the watch"
    );

    // A name that did not exist appears through the watch too.
    backend
        .inner
        .register(&greeter("greeter-c"), &RegisterOptions::default())
        .await
        .unwrap();
    eventually(async || cache.get_service("greeter", "micro").await.is_ok()).await;
}

#[tokio::test]
async fn stale_entries_are_served_while_the_backend_fails_and_the_failure_is_reported() {
    let backend = ControlledBackend::new(Duration::ZERO);
    backend
        .inner
        .register(&greeter("greeter-a"), &RegisterOptions::default())
        .await
        .unwrap();
    // A tiny TTL and a broken watch force the cache back to the backend.
    backend.broken.store(true, Ordering::SeqCst);
    let cache = CachedRegistry::with_ttl(Arc::new(backend.clone()), Duration::from_millis(1));
    assert!(matches!(
        cache.get_service("greeter", "micro").await,
        Err(Error::BackendUnavailable(_))
    ));
    assert!(matches!(cache.status(), Some(Error::BackendUnavailable(_))));

    backend.broken.store(false, Ordering::SeqCst);
    let fresh = cache.get_service("greeter", "micro").await.unwrap();
    assert_eq!(cache.status(), None);

    backend.broken.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(5)).await;
    let stale = cache.get_service("greeter", "micro").await.unwrap();
    assert_eq!(stale, fresh);
    assert!(matches!(cache.status(), Some(Error::BackendUnavailable(_))));
    assert!(backend.lookups.load(Ordering::SeqCst) >= 3);
}

#[test]
fn dropping_a_client_deregisters_what_it_registered() {
    let svc = Service::new("drop-probe", "1").with_node(Node::new("drop-probe-a", "10.0.0.1:1"));
    let client = Client::new(memory_config()).unwrap();
    microreg::runtime::block_on(client.register(&svc, &client.register_options(None)))
        .unwrap()
        .unwrap();
    let observer = MemoryRegistry::shared();
    assert!(
        microreg::runtime::block_on(observer.get_service("drop-probe", "micro"))
            .unwrap()
            .is_ok()
    );
    drop(client);
    assert_eq!(
        microreg::runtime::block_on(observer.get_service("drop-probe", "micro")).unwrap(),
        Err(Error::NotFound)
    );
}

#[test]
fn a_closed_client_refuses_further_calls() {
    let client = Client::new(memory_config()).unwrap();
    microreg::runtime::block_on(client.close()).unwrap();
    let err = microreg::runtime::block_on(client.get_service("x", "micro"))
        .unwrap()
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)));
}

#[test]
fn config_json_is_checked() {
    assert_eq!(Config::from_json(None).unwrap(), Config::default());
    assert_eq!(Config::from_json(Some("{}")).unwrap(), Config::default());
    for bad in [
        "{",
        r#"{"backend":"zookeeper"}"#,
        r#"{"domian":"x"}"#,
        r#"{"domain":""}"#,
        r#"{"timeout_ms":-1}"#,
    ] {
        assert!(
            matches!(Config::from_json(Some(bad)), Err(Error::InvalidArgument(_))),
            "{bad}"
        );
    }
    // The etcd backend checks its member addresses when it is built.
    assert!(matches!(
        Client::from_json(Some(r#"{"backend":"etcd","addresses":["h:notaport"]}"#)),
        Err(Error::InvalidArgument(_))
    ));
}

/// These tests are about the memory backend (the default is mdns, which needs
/// a network namespace).
fn memory_config() -> Config {
    Config::memory()
}

/// A memory backend whose watch delivers each event 20 ms late, one after the
/// other, as a slow network would.
struct SlowWatchBackend(MemoryRegistry);

#[async_trait]
impl Registry for SlowWatchBackend {
    async fn register(&self, service: &Service, options: &RegisterOptions) -> Result<()> {
        self.0.register(service, options).await
    }
    async fn deregister(&self, service: &Service, domain: &str) -> Result<()> {
        self.0.deregister(service, domain).await
    }
    async fn get_service(&self, name: &str, domain: &str) -> Result<Vec<Service>> {
        self.0.get_service(name, domain).await
    }
    async fn list_services(&self, domain: &str) -> Result<Vec<Service>> {
        self.0.list_services(domain).await
    }
    async fn watch(&self, options: &WatchOptions) -> Result<Watcher> {
        let prompt = self.0.watch(options).await?;
        let (late, watcher) = microreg::watch::channel();
        tokio::spawn(async move {
            while let Ok(event) = prompt.next().await {
                tokio::time::sleep(Duration::from_millis(20)).await;
                late.send(event);
            }
        });
        Ok(watcher)
    }
    fn name(&self) -> &'static str {
        "slow-watch"
    }
}

#[tokio::test]
async fn a_late_delete_does_not_undo_a_later_registration() {
    let cache = CachedRegistry::new(Arc::new(SlowWatchBackend(MemoryRegistry::isolated())));
    let node = greeter("greeter-churn");
    cache
        .register(&node, &RegisterOptions::default())
        .await
        .unwrap();
    cache.get_service("greeter", "micro").await.unwrap(); // cached and watched
    tokio::time::sleep(Duration::from_millis(100)).await;

    cache.deregister(&node, "micro").await.unwrap();
    cache
        .register(&node, &RegisterOptions::default())
        .await
        .unwrap();
    // The delete arrives 20 ms from now, the create 40 ms from now; look between
    // and after them.
    for _ in 0..10 {
        tokio::time::sleep(Duration::from_millis(10)).await;
        let found = cache.get_service("greeter", "micro").await;
        assert!(
            found.is_ok_and(|s| s[0].nodes.iter().any(|n| n.id == "greeter-churn")),
            "a late delete event hid the node registered after it"
        );
    }
}

#[test]
fn read_cached_lends_the_warm_answer_that_get_service_would_give() {
    let backend = Arc::new(ControlledBackend::new(Duration::ZERO));
    let client = Client::with_backend(backend.clone(), memory_config());
    let count_nodes = |services: &[Service]| services.iter().map(|s| s.nodes.len()).sum::<usize>();
    let get = |name: &str| microreg::runtime::block_on(client.get_service(name, "micro")).unwrap();

    // Cold: no answer to lend; the caller must look up.
    assert!(client
        .read_cached("greeter", "micro", count_nodes)
        .is_none());
    let service = greeter("greeter-a").with_node(Node::new("greeter-b", "10.0.0.2:8080"));
    microreg::runtime::block_on(client.register(&service, &client.register_options(None)))
        .unwrap()
        .unwrap();
    let answer = get("greeter").unwrap();
    let lent = client
        .read_cached("greeter", "micro", <[Service]>::to_vec)
        .expect("warm after a lookup")
        .unwrap();
    assert_eq!(lent, answer);
    let json = |client: &Client| client.read_cached_json("greeter", "micro", str::to_owned);
    let expected = serde_json::to_string(&answer).unwrap();
    assert_eq!(json(&client), Some(Ok(expected.clone())));
    assert_eq!(json(&client), Some(Ok(expected))); // the kept JSON, same text
    let lookups = backend.lookups.load(Ordering::SeqCst);

    // Own writes show at once; a known-absent name is NotFound; no backend lookups.
    microreg::runtime::block_on(client.deregister(&greeter("greeter-a"), "micro"))
        .unwrap()
        .unwrap();
    assert_eq!(
        client.read_cached("greeter", "micro", count_nodes),
        Some(Ok(1))
    );
    // The kept JSON follows the change.
    let after: Vec<Service> =
        serde_json::from_str(&json(&client).expect("still cached").unwrap()).unwrap();
    assert_eq!(after, get("greeter").unwrap());
    assert_eq!(after[0].nodes.len(), 1);
    // A change that arrives by the watch (made behind the client's back) too.
    microreg::runtime::block_on(
        backend
            .inner
            .register(&greeter("greeter-c"), &RegisterOptions::default()),
    )
    .unwrap()
    .unwrap();
    microreg::runtime::block_on(eventually(async || {
        json(&client).is_some_and(|j| j.unwrap().contains("greeter-c"))
    }))
    .unwrap();
    assert_eq!(get("absent"), Err(Error::NotFound));
    assert_eq!(
        client.read_cached("absent", "micro", count_nodes),
        Some(Err(Error::NotFound))
    );
    assert_eq!(
        client.read_cached_json("absent", "micro", str::len),
        Some(Err(Error::NotFound))
    );
    assert_eq!(backend.lookups.load(Ordering::SeqCst), lookups + 1);

    // Another domain is its own entry; a closed client refuses, as get_service does.
    assert!(client
        .read_cached("greeter", "other", count_nodes)
        .is_none());
    microreg::runtime::block_on(client.close()).unwrap();
    assert!(matches!(
        client.read_cached("greeter", "micro", count_nodes),
        Some(Err(Error::InvalidArgument(_)))
    ));

    // Without a cache there is never anything to lend.
    let uncached = Client::with_backend(
        backend,
        Config {
            cache: false,
            ..memory_config()
        },
    );
    // (Closing the first client deregistered what it kept: greeter-c is left.)
    let found = microreg::runtime::block_on(uncached.get_service("greeter", "micro"))
        .unwrap()
        .unwrap();
    assert_eq!(found[0].nodes[0].id, "greeter-c");
    assert!(uncached
        .read_cached("greeter", "micro", count_nodes)
        .is_none());
    assert!(uncached
        .read_cached_json("greeter", "micro", str::len)
        .is_none());
}
