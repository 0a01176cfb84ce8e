//! A lookup's answer must not overwrite changes applied while it was asking the
//! backend: otherwise a node registered during a cache fill stays missing for
//! as long as the watch lives (found by the C ABI's 8-thread test).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use microreg::backend::MemoryRegistry;
use microreg::CachedRegistry;
use microreg::{Node, RegisterOptions, Registry, Result, Service, WatchOptions, Watcher};
use tokio::sync::Notify;

/// A memory backend whose first lookup takes its answer, then waits to be released.
struct SlowFirstAnswer {
    inner: MemoryRegistry,
    first: AtomicBool,
    answered: Notify,
    release: Notify,
}

#[async_trait]
impl Registry for SlowFirstAnswer {
    async fn register(&self, service: &Service, options: &RegisterOptions) -> Result<()> {
        self.inner.register(service, options).await
    }
    async fn deregister(&self, service: &Service, domain: &str) -> Result<()> {
        self.inner.deregister(service, domain).await
    }
    async fn get_service(&self, name: &str, domain: &str) -> Result<Vec<Service>> {
        let answer = self.inner.get_service(name, domain).await;
        if self.first.swap(false, Ordering::SeqCst) {
            self.answered.notify_one();
            self.release.notified().await;
        }
        answer
    }
    async fn list_services(&self, domain: &str) -> Result<Vec<Service>> {
        self.inner.list_services(domain).await
    }
    async fn watch(&self, options: &WatchOptions) -> Result<Watcher> {
        self.inner.watch(options).await
    }
    fn name(&self) -> &'static str {
        "slow-first-answer"
    }
}

fn greeter(node: &str) -> Service {
    Service::new("greeter", "1").with_node(Node::new(node, "10.0.0.1:8080"))
}

fn node_ids(services: &[Service]) -> Vec<String> {
    let mut ids: Vec<_> = services
        .iter()
        .flat_map(|s| s.nodes.iter().map(|n| n.id.clone()))
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn a_change_during_a_lookup_is_not_overwritten_by_its_answer() {
    let backend = Arc::new(SlowFirstAnswer {
        inner: MemoryRegistry::isolated(),
        first: AtomicBool::new(true),
        answered: Notify::new(),
        release: Notify::new(),
    });
    let options = RegisterOptions::default();
    backend
        .register(&greeter("greeter-a"), &options)
        .await
        .unwrap();
    let cache = Arc::new(CachedRegistry::new(backend.clone()));

    let lookup = tokio::spawn({
        let cache = cache.clone();
        async move { cache.get_service("greeter", "micro").await }
    });
    backend.answered.notified().await; // its answer holds greeter-a only
    cache
        .register(&greeter("greeter-b"), &options)
        .await
        .unwrap();
    backend.release.notify_one();
    assert_eq!(node_ids(&lookup.await.unwrap().unwrap()), ["greeter-a"]);

    let now = cache.get_service("greeter", "micro").await.unwrap();
    assert_eq!(node_ids(&now), ["greeter-a", "greeter-b"]);
}
