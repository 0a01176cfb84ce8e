//! The in-process backend: every handle of a process sees the same registrations,
//! TTLs are honoured, and watchers see each node appear, change and leave.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::domain::{in_view, seen_from};
use crate::error::{Error, Result};
use crate::fanout::WatchFanout;
use crate::model::{Endpoint, Metadata, Node, Service};
use crate::registry::{merge_by_version, Action, RegisterOptions, Registry, WatchOptions};
use crate::validate;
use crate::watch::Watcher;

/// A handle on an in-memory registry. Clones share the same store.
///
/// [`MemoryRegistry::shared`] is the one registry of the process (what
/// `Config::memory()` opens); [`MemoryRegistry::isolated`] is a registry of its
/// own, for tests. TTLs are honoured: an expired node leaves, with a delete
/// event.
///
/// ```
/// use std::time::Duration;
/// use microreg::{Action, MemoryRegistry, Node, RegisterOptions, Registry, Service, WatchOptions};
///
/// # #[tokio::main] async fn main() -> microreg::Result<()> {
/// let registry = MemoryRegistry::isolated();
/// let watcher = registry.watch(&WatchOptions::default()).await?;
/// let service = Service::new("greeter", "1.0.0").with_node(Node::new("greeter-1", "10.0.0.5:8080"));
/// let options = RegisterOptions::default().ttl(Duration::from_millis(50));
/// registry.register(&service, &options).await?;
///
/// assert_eq!(watcher.next().await?.action, Action::Create);
/// // Nobody refreshes it (a Client would): it expires.
/// assert_eq!(watcher.next().await?.action, Action::Delete);
/// assert!(registry.get_service("greeter", "micro").await.is_err());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct MemoryRegistry {
    store: Arc<Store>,
}

struct Store {
    state: Mutex<State>,
    /// Wakes the reaper when a deadline may have moved earlier, or the store is gone.
    deadlines_changed: Arc<Notify>,
}

impl Drop for Store {
    fn drop(&mut self) {
        self.deadlines_changed.notify_one();
    }
}

#[derive(Default)]
struct State {
    /// domain -> service name -> version -> record
    domains: HashMap<String, HashMap<String, BTreeMap<String, Record>>>,
    watchers: WatchFanout,
}

struct Record {
    metadata: Metadata,
    endpoints: Vec<Endpoint>,
    nodes: BTreeMap<String, Entry>,
}

struct Entry {
    node: Node,
    expires: Option<Instant>,
}

/// One node-level change, before it is fanned out to watchers.
struct Change {
    action: Action,
    domain: String,
    service: Service,
}

impl MemoryRegistry {
    /// The registry shared by every handle in this process.
    ///
    /// A child made by `fork()` gets a fresh, empty one: the parent's copy may have
    /// been locked mid-update at the fork, and its TTL reaper ran on the parent's
    /// runtime, which the child does not have.
    pub fn shared() -> Self {
        static SHARED: Mutex<Option<(u32, MemoryRegistry)>> = Mutex::new(None);
        let pid = std::process::id();
        let mut slot = SHARED.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((owner, registry)) = &*slot {
            if *owner == pid {
                return registry.clone();
            }
        }
        let registry = MemoryRegistry::isolated();
        if let Some(inherited) = slot.replace((pid, registry.clone())) {
            // The parent's store: never touch it (it may hold a lock taken at the fork).
            std::mem::forget(inherited);
        }
        registry
    }

    /// A registry of its own, seen by nobody else (for tests and embedding).
    pub fn isolated() -> Self {
        let deadlines_changed = Arc::new(Notify::new());
        let store = Arc::new(Store {
            state: Mutex::new(State::default()),
            deadlines_changed: deadlines_changed.clone(),
        });
        crate::runtime::handle().spawn(reap_expired(Arc::downgrade(&store), deadlines_changed));
        MemoryRegistry { store }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.store.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait]
impl Registry for MemoryRegistry {
    async fn register(&self, service: &Service, options: &RegisterOptions) -> Result<()> {
        validate::register(service, options)?;
        let expires = options.ttl.map(|ttl| Instant::now() + ttl);
        let now = Instant::now();

        let mut state = self.lock();
        let record = state
            .domains
            .entry(options.domain.clone())
            .or_default()
            .entry(service.name.clone())
            .or_default()
            .entry(service.version.clone())
            .or_insert_with(|| Record {
                metadata: Metadata::new(),
                endpoints: Vec::new(),
                nodes: BTreeMap::new(),
            });
        let service_changed =
            record.metadata != service.metadata || record.endpoints != service.endpoints;
        record.metadata = service.metadata.clone();
        record.endpoints = service.endpoints.clone();

        let mut changes = Vec::new();
        for node in &service.nodes {
            let action = match record.nodes.get(&node.id) {
                Some(old) if !old.is_expired(now) => {
                    (service_changed || old.node != *node).then_some(Action::Update)
                }
                _ => Some(Action::Create),
            };
            record.nodes.insert(
                node.id.clone(),
                Entry {
                    node: node.clone(),
                    expires,
                },
            );
            if let Some(action) = action {
                changes.push(Change {
                    action,
                    domain: options.domain.clone(),
                    service: single_node(service, node.clone()),
                });
            }
        }
        state.publish(changes);
        drop(state);
        if expires.is_some() {
            self.store.deadlines_changed.notify_one();
        }
        Ok(())
    }

    async fn deregister(&self, service: &Service, domain: &str) -> Result<()> {
        validate::deregister(service, domain)?;
        let now = Instant::now();
        let mut state = self.lock();
        let Some(record) = state
            .domains
            .get_mut(domain)
            .and_then(|services| services.get_mut(&service.name))
            .and_then(|versions| versions.get_mut(&service.version))
        else {
            return Ok(());
        };
        let removed: Vec<Entry> = if service.nodes.is_empty() {
            std::mem::take(&mut record.nodes).into_values().collect()
        } else {
            service
                .nodes
                .iter()
                .filter_map(|n| record.nodes.remove(&n.id))
                .collect()
        };
        let changes = removed
            .into_iter()
            .filter(|entry| !entry.is_expired(now)) // the reaper already reported those
            .map(|entry| Change {
                action: Action::Delete,
                domain: domain.to_string(),
                service: record.to_service(&service.name, &service.version, [entry.node]),
            })
            .collect();
        state.prune_empty(domain, &service.name);
        state.publish(changes);
        Ok(())
    }

    async fn get_service(&self, name: &str, domain: &str) -> Result<Vec<Service>> {
        validate::get_service(name, domain)?;
        let now = Instant::now();
        let state = self.lock();
        let services: Vec<Service> = state
            .domains_matching(domain)
            .filter_map(|(d, services)| Some((d, services.get(name)?)))
            .flat_map(|(d, versions)| {
                versions.iter().map(move |(version, record)| {
                    record.live_service(name, version, d, domain, now)
                })
            })
            .filter(|s| !s.nodes.is_empty())
            .collect();
        let merged = merge_by_version(services);
        if merged.is_empty() {
            return Err(Error::NotFound);
        }
        Ok(merged)
    }

    async fn list_services(&self, domain: &str) -> Result<Vec<Service>> {
        validate::list_services(domain)?;
        let now = Instant::now();
        let state = self.lock();
        let mut by_name: BTreeMap<&str, Vec<Service>> = BTreeMap::new();
        for (d, services) in state.domains_matching(domain) {
            for (name, versions) in services {
                for (version, record) in versions {
                    let service = record.live_service(name, version, d, domain, now);
                    if !service.nodes.is_empty() {
                        by_name.entry(name).or_default().push(service);
                    }
                }
            }
        }
        Ok(by_name.into_values().flat_map(merge_by_version).collect())
    }

    async fn watch(&self, options: &WatchOptions) -> Result<Watcher> {
        validate::watch(options)?;
        Ok(self.lock().watchers.subscribe(options))
    }

    fn name(&self) -> &'static str {
        "memory"
    }
}

impl State {
    /// The domains a query in `domain` covers: itself, or all for the wildcard.
    fn domains_matching<'a>(
        &'a self,
        domain: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a HashMap<String, BTreeMap<String, Record>>)> + 'a {
        self.domains
            .iter()
            .filter(move |(d, _)| in_view(domain, d))
            .map(|(d, services)| (d.as_str(), services))
    }

    /// Sends each change to the watchers whose filter it passes.
    fn publish(&mut self, changes: Vec<Change>) {
        for change in changes {
            self.watchers
                .publish(change.action, &change.domain, &change.service);
        }
    }

    /// Drops versions without nodes and services without versions.
    fn prune_empty(&mut self, domain: &str, name: &str) {
        if let Some(services) = self.domains.get_mut(domain) {
            if let Some(versions) = services.get_mut(name) {
                versions.retain(|_, record| !record.nodes.is_empty());
                if versions.is_empty() {
                    services.remove(name);
                }
            }
            if services.is_empty() {
                self.domains.remove(domain);
            }
        }
    }

    /// Removes expired nodes, returning their delete events, and the next deadline.
    fn take_expired(&mut self, now: Instant) -> (Vec<Change>, Option<Instant>) {
        let mut changes = Vec::new();
        let mut next: Option<Instant> = None;
        let mut emptied = Vec::new();
        for (domain, services) in &mut self.domains {
            for (name, versions) in services.iter_mut() {
                for (version, record) in versions.iter_mut() {
                    let expired: Vec<String> = record
                        .nodes
                        .iter()
                        .filter(|(_, e)| e.is_expired(now))
                        .map(|(id, _)| id.clone())
                        .collect();
                    for id in expired {
                        let entry = record.nodes.remove(&id).expect("listed above");
                        changes.push(Change {
                            action: Action::Delete,
                            domain: domain.clone(),
                            service: record.to_service(name, version, [entry.node]),
                        });
                    }
                    for deadline in record.nodes.values().filter_map(|e| e.expires) {
                        next = Some(next.map_or(deadline, |n| n.min(deadline)));
                    }
                }
                emptied.push((domain.clone(), name.clone()));
            }
        }
        for (domain, name) in emptied {
            self.prune_empty(&domain, &name);
        }
        (changes, next)
    }
}

impl Record {
    fn to_service(
        &self,
        name: &str,
        version: &str,
        nodes: impl IntoIterator<Item = Node>,
    ) -> Service {
        Service {
            name: name.to_string(),
            version: version.to_string(),
            metadata: self.metadata.clone(),
            endpoints: self.endpoints.clone(),
            nodes: nodes.into_iter().collect(),
        }
    }

    /// The record's live nodes as a service, as seen from `view` (the domain the
    /// caller asked about) for a record stored in `domain`.
    fn live_service(
        &self,
        name: &str,
        version: &str,
        domain: &str,
        view: &str,
        now: Instant,
    ) -> Service {
        let nodes = self
            .nodes
            .values()
            .filter(|e| !e.is_expired(now))
            .map(|e| e.node.clone());
        seen_from(view, domain, self.to_service(name, version, nodes))
    }
}

impl Entry {
    fn is_expired(&self, now: Instant) -> bool {
        self.expires.is_some_and(|deadline| deadline <= now)
    }
}

fn single_node(service: &Service, node: Node) -> Service {
    Service {
        name: service.name.clone(),
        version: service.version.clone(),
        metadata: service.metadata.clone(),
        endpoints: service.endpoints.clone(),
        nodes: vec![node],
    }
}

/// Deletes nodes whose TTL ran out, and tells watchers, until the store is gone.
async fn reap_expired(store: Weak<Store>, deadlines_changed: Arc<Notify>) {
    const IDLE_CHECK: Duration = Duration::from_secs(3600);
    loop {
        let wake = deadlines_changed.notified();
        tokio::pin!(wake);
        wake.as_mut().enable();
        let next = {
            let Some(store) = store.upgrade() else {
                return;
            };
            let mut state = store.state.lock().unwrap_or_else(|e| e.into_inner());
            let (changes, next) = state.take_expired(Instant::now());
            state.publish(changes);
            next
        };
        let deadline = next.unwrap_or_else(|| Instant::now() + IDLE_CHECK);
        tokio::select! {
            _ = tokio::time::sleep_until(deadline) => {}
            _ = wake => {}
        }
    }
}
