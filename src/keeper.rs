//! Keeps registrations alive: re-registers each node before its TTL runs out and
//! deregisters everything on shutdown, so that no user writes a heartbeat loop.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::task::AbortHandle;
use tokio::time::Instant;

use crate::error::Result;
use crate::model::{Node, Service};
use crate::registry::{RegisterOptions, Registry};

/// A refresh that failed is tried again after this long (or sooner, at TTL/3).
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(1);

/// Registrations kept alive against one registry.
pub struct Keeper {
    inner: Arc<Inner>,
    task: AbortHandle,
}

struct Inner {
    registry: Arc<dyn Registry>,
    kept: Mutex<BTreeMap<Key, Kept>>,
    changed: Arc<Notify>,
    /// Held while talking to the registry, so that a refresh never re-registers
    /// a node that a concurrent deregister has just removed.
    ordering: tokio::sync::Mutex<()>,
}

/// One node of one service version in one domain.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Debug)]
struct Key {
    domain: String,
    name: String,
    version: String,
    node_id: String,
}

#[derive(Clone)]
struct Kept {
    /// The service without nodes, shared by its nodes.
    service: Arc<Service>,
    node: Node,
    options: RegisterOptions,
    due: Option<Instant>,
}

impl Keeper {
    /// A keeper that registers through `registry`.
    pub fn new(registry: Arc<dyn Registry>) -> Self {
        let changed = Arc::new(Notify::new());
        let inner = Arc::new(Inner {
            registry,
            kept: Mutex::new(BTreeMap::new()),
            changed: changed.clone(),
            ordering: tokio::sync::Mutex::new(()),
        });
        let task = crate::runtime::handle()
            .spawn(refresh_when_due(Arc::downgrade(&inner), changed))
            .abort_handle();
        Keeper { inner, task }
    }

    /// Registers `service` and keeps every node registered until it is
    /// deregistered here or the keeper shuts down. Nothing is kept if the first
    /// registration fails.
    pub async fn register(&self, service: &Service, options: &RegisterOptions) -> Result<()> {
        let _order = self.inner.ordering.lock().await;
        self.inner.registry.register(service, options).await?;
        let due = options
            .ttl
            .map(|ttl| Instant::now() + refresh_interval(ttl));
        let template = Arc::new(Service {
            nodes: Vec::new(),
            ..service.clone()
        });
        let mut kept = self.inner.lock();
        for node in &service.nodes {
            kept.insert(
                Key::new(&options.domain, service, &node.id),
                Kept {
                    service: template.clone(),
                    node: node.clone(),
                    options: options.clone(),
                    due,
                },
            );
        }
        drop(kept);
        self.inner.changed.notify_one();
        Ok(())
    }

    /// Stops keeping the listed nodes (all nodes of that version when none are
    /// listed) and deregisters them.
    pub async fn deregister(&self, service: &Service, domain: &str) -> Result<()> {
        let _order = self.inner.ordering.lock().await;
        {
            let mut kept = self.inner.lock();
            if service.nodes.is_empty() {
                kept.retain(|k, _| {
                    !(k.domain == domain && k.name == service.name && k.version == service.version)
                });
            } else {
                for node in &service.nodes {
                    kept.remove(&Key::new(domain, service, &node.id));
                }
            }
        }
        self.inner.registry.deregister(service, domain).await
    }

    /// How many nodes are being kept alive.
    pub fn len(&self) -> usize {
        self.inner.lock().len()
    }

    /// Whether nothing is being kept alive.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Deregisters every kept node and stops refreshing. Errors are logged: a
    /// shutdown goes on with the remaining nodes.
    pub async fn shutdown(&self) {
        self.task.abort();
        let _order = self.inner.ordering.lock().await;
        let kept = std::mem::take(&mut *self.inner.lock());
        for Group {
            service, options, ..
        } in group_by_service(kept)
        {
            if let Err(error) = self
                .inner
                .registry
                .deregister(&service, &options.domain)
                .await
            {
                tracing::warn!(%error, service = service.name, "deregister on shutdown failed");
            }
        }
    }
}

impl Drop for Keeper {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<Key, Kept>> {
        self.kept.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Key {
    fn new(domain: &str, service: &Service, node_id: &str) -> Self {
        Key {
            domain: domain.to_string(),
            name: service.name.clone(),
            version: service.version.clone(),
            node_id: node_id.to_string(),
        }
    }
}

/// Refresh at a third of the TTL, as go-micro's RegisterInterval conventionally is,
/// so that two refreshes can be lost before a node expires.
fn refresh_interval(ttl: Duration) -> Duration {
    (ttl / 3).max(Duration::from_millis(50))
}

/// Kept nodes of one service version in one domain: one registration call.
struct Group {
    service: Service,
    options: RegisterOptions,
    keys: Vec<Key>,
}

fn group_by_service(kept: impl IntoIterator<Item = (Key, Kept)>) -> Vec<Group> {
    let mut groups: BTreeMap<(String, String, String), Group> = BTreeMap::new();
    for (key, item) in kept {
        let group = groups
            .entry((key.domain.clone(), key.name.clone(), key.version.clone()))
            .or_insert_with(|| Group {
                service: (*item.service).clone(),
                options: item.options.clone(),
                keys: Vec::new(),
            });
        group.service.nodes.push(item.node);
        group.keys.push(key);
    }
    groups.into_values().collect()
}

async fn refresh_when_due(inner: std::sync::Weak<Inner>, changed: Arc<Notify>) {
    loop {
        let wake = changed.notified();
        tokio::pin!(wake);
        wake.as_mut().enable();

        let next_due = {
            let Some(keeper) = inner.upgrade() else {
                return;
            };
            keeper.refresh_due().await;
            let next_due = keeper.lock().values().filter_map(|k| k.due).min();
            next_due
        };
        let sleep_until = next_due.unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
        tokio::select! {
            _ = tokio::time::sleep_until(sleep_until) => {}
            _ = wake => {}
        }
    }
}

impl Inner {
    /// Re-registers every node whose refresh is due, one call per service version.
    async fn refresh_due(&self) {
        let _order = self.ordering.lock().await;
        let now = Instant::now();
        let due: Vec<(Key, Kept)> = self
            .lock()
            .iter()
            .filter(|(_, k)| k.due.is_some_and(|d| d <= now))
            .map(|(key, k)| (key.clone(), k.clone()))
            .collect();
        for Group {
            service,
            options,
            keys,
        } in group_by_service(due)
        {
            let ttl = options.ttl.expect("only nodes with a TTL fall due");
            let next = match self.registry.register(&service, &options).await {
                Ok(()) => refresh_interval(ttl),
                Err(error) => {
                    tracing::warn!(%error, service = service.name, "refreshing a registration failed");
                    RETRY_AFTER_FAILURE.min(refresh_interval(ttl))
                }
            };
            let mut kept = self.lock();
            for key in keys {
                if let Some(k) = kept.get_mut(&key) {
                    k.due = Some(Instant::now() + next);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! Moved from tests/core_cache_keeper.rs when the keeper stopped being public.

    use std::sync::Arc;
    use std::time::Duration;

    use super::Keeper;
    use crate::backend::MemoryRegistry;
    use crate::error::Error;
    use crate::model::{Node, Service};
    use crate::registry::{RegisterOptions, Registry};

    fn greeter(node: &str) -> Service {
        Service::new("greeter", "1").with_node(Node::new(node, "10.0.0.1:8080"))
    }

    #[tokio::test]
    async fn the_keeper_refreshes_before_the_ttl_and_deregisters_on_shutdown() {
        let backend = MemoryRegistry::isolated();
        let keeper = Keeper::new(Arc::new(backend.clone()));
        let ttl = RegisterOptions::default().ttl(Duration::from_millis(300));
        keeper.register(&greeter("greeter-a"), &ttl).await.unwrap();

        // Several TTLs later the node is still there: the keeper refreshed it.
        tokio::time::sleep(Duration::from_millis(1200)).await;
        assert_eq!(
            backend.get_service("greeter", "micro").await.unwrap()[0].nodes[0].id,
            "greeter-a"
        );

        keeper.shutdown().await;
        assert_eq!(
            backend.get_service("greeter", "micro").await,
            Err(Error::NotFound)
        );
    }

    #[tokio::test]
    async fn a_node_deregistered_through_the_keeper_is_not_refreshed_back() {
        let backend = MemoryRegistry::isolated();
        let keeper = Keeper::new(Arc::new(backend.clone()));
        let ttl = RegisterOptions::default().ttl(Duration::from_millis(150));
        keeper.register(&greeter("greeter-a"), &ttl).await.unwrap();
        keeper
            .deregister(&greeter("greeter-a"), "micro")
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(
            backend.get_service("greeter", "micro").await,
            Err(Error::NotFound)
        );
        assert!(keeper.is_empty());
    }
}
