//! A read cache in front of any backend, after go-micro's `registry/cache`.
//!
//! `get_service` is answered from memory. Entries are kept current by one watch
//! per domain, so while that watch is live they never go stale; without it they
//! are trusted for `ttl`. Concurrent misses for one name make one backend lookup.
//! When the backend fails, the last known answer is served and the failure is
//! kept in [`CachedRegistry::status`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, RwLock, Weak};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use futures::future::{BoxFuture, FutureExt, Shared};
use tokio::task::AbortHandle;
use tokio::time::Instant;

use crate::domain::with_domain_metadata;
use crate::error::{Error, Result};
use crate::model::Service;
use crate::registry::{Action, Event, RegisterOptions, Registry, WatchOptions, WILDCARD_DOMAIN};
use crate::validate;
use crate::view::apply_change;
use crate::watch::Watcher;

pub use crate::defaults::DEFAULT_CACHE_TTL;

/// A cache in front of a backend; itself a [`Registry`].
pub struct CachedRegistry {
    inner: Arc<Inner>,
}

type Lookup = Shared<BoxFuture<'static, Result<Vec<Service>>>>;

struct Inner {
    backend: Arc<dyn Registry>,
    ttl: Duration,
    /// domain -> service name -> entry
    entries: RwLock<HashMap<String, HashMap<String, Entry>>>,
    watches: Mutex<HashMap<String, DomainWatch>>,
    in_flight: Mutex<HashMap<(String, String), Lookup>>,
    last_error: Mutex<Option<Error>>,
    /// (domain, name) of each lookup in flight -> changes applied to that name
    /// since it began (counted under `entries`' write lock). A lookup stores its
    /// answer only if no change came while it asked the backend: an answer from
    /// before a change would overwrite it for good. Only names being looked up
    /// are here, so the map does not grow with every name ever seen.
    changes: Mutex<HashMap<(String, String), u64>>,
    /// node id -> when this cache last applied its own write of that node. A
    /// watch event seen before that moment is older news than the write and is
    /// not applied (a late delete must not undo a re-register).
    own_writes: Mutex<HashMap<String, SystemTime>>,
}

/// Own-write times are forgotten after this long once many have gathered.
const OWN_WRITE_MEMORY: Duration = Duration::from_secs(60);
const OWN_WRITES_BEFORE_PRUNING: usize = 4096;
/// A domain's entries beyond which an empty one (a name looked up but absent,
/// or since deleted) is not kept: lookups of ever new missing names would
/// otherwise grow the cache without bound. Such a name is asked again.
const ENTRIES_KEEPING_EMPTY_ONES: usize = 4096;

struct Entry {
    /// Empty means "known not to exist" (only kept while watched).
    services: Vec<Service>,
    fetched: Instant,
    /// Fetched while the domain's watch was live, and kept current by it since.
    watched: bool,
    /// `services` as go-micro's JSON, made on first demand and dropped by every
    /// change: the C, Go and Python faces hand lookups out as JSON.
    json: OnceLock<Box<str>>,
    /// Each node's JSON, by version then node: made on first demand (node
    /// selection hands one out per call) and dropped by every change.
    node_json: OnceLock<NodesJson>,
}

/// Node JSON texts, by version then node.
type NodesJson = Box<[Box<[Box<str>]>]>;

/// The JSON of each node of a cached answer, lent by
/// [`CachedRegistry::read_cached_with_node_json`].
pub(crate) struct NodeJson<'a>(&'a [Box<[Box<str>]>]);

impl NodeJson<'_> {
    /// Node `node` of version `service` (indices into the lent services) as
    /// go-micro's Node JSON.
    pub fn get(&self, service: usize, node: usize) -> &str {
        &self.0[service][node]
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum WatchState {
    Starting,
    Live,
    Down,
}

struct DomainWatch {
    state: tokio::sync::watch::Receiver<WatchState>,
    task: AbortHandle,
}

impl CachedRegistry {
    /// Caches `backend` with go-micro's default TTL.
    pub fn new(backend: Arc<dyn Registry>) -> Self {
        Self::with_ttl(backend, DEFAULT_CACHE_TTL)
    }

    /// Caches `backend`, trusting unwatched entries for `ttl`.
    pub fn with_ttl(backend: Arc<dyn Registry>, ttl: Duration) -> Self {
        CachedRegistry {
            inner: Arc::new(Inner {
                backend,
                ttl,
                entries: RwLock::new(HashMap::new()),
                watches: Mutex::new(HashMap::new()),
                in_flight: Mutex::new(HashMap::new()),
                last_error: Mutex::new(None),
                changes: Mutex::new(HashMap::new()),
                own_writes: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The backend's last failure, if the last lookup that reached it failed
    /// (stale data was served then, where there was any).
    pub fn status(&self) -> Option<Error> {
        lock(&self.inner.last_error).clone()
    }

    /// The backend behind the cache.
    pub fn backend(&self) -> &Arc<dyn Registry> {
        &self.inner.backend
    }

    /// The cached answer, if it can be trusted now. Never waits, never asks the
    /// backend: `None` means a lookup is needed.
    pub fn cached(&self, name: &str, domain: &str) -> Option<Result<Vec<Service>>> {
        self.read_cached(name, domain, <[Service]>::to_vec)
    }

    /// Like [`cached`](Self::cached), but lends the answer to `read` under the
    /// cache's read lock instead of cloning it, so a face can serialize it
    /// straight into its output. `read` should be quick: writers wait for it.
    pub fn read_cached<R>(
        &self,
        name: &str,
        domain: &str,
        read: impl FnOnce(&[Service]) -> R,
    ) -> Option<Result<R>> {
        let entries = self.inner.entries.read().unwrap_or_else(|e| e.into_inner());
        let entry = self.inner.trusted(entries.get(domain)?.get(name)?)?;
        Some(if entry.services.is_empty() {
            Err(Error::NotFound)
        } else {
            Ok(read(&entry.services))
        })
    }

    /// Like [`read_cached`](Self::read_cached), but lends the answer as its
    /// JSON (an array of go-micro's Service), serialized once per change of the
    /// entry rather than once per lookup.
    pub fn read_cached_json<R>(
        &self,
        name: &str,
        domain: &str,
        read: impl FnOnce(&str) -> R,
    ) -> Option<Result<R>> {
        let entries = self.inner.entries.read().unwrap_or_else(|e| e.into_inner());
        let entry = self.inner.trusted(entries.get(domain)?.get(name)?)?;
        if entry.services.is_empty() {
            return Some(Err(Error::NotFound));
        }
        let json = match entry.json.get() {
            Some(json) => json,
            None => match serde_json::to_string(&entry.services) {
                // Racing readers may both serialize; one result is kept.
                Ok(text) => entry.json.get_or_init(|| text.into_boxed_str()),
                Err(error) => return Some(Err(Error::Internal(format!("JSON output: {error}")))),
            },
        };
        Some(Ok(read(json)))
    }

    /// Calls `seen` with the id of every node in the cache, any domain.
    pub(crate) fn for_each_node_id(&self, seen: &mut dyn FnMut(&str)) {
        let entries = self.inner.entries.read().unwrap_or_else(|e| e.into_inner());
        let services = entries.values().flat_map(HashMap::values);
        services
            .flat_map(|entry| &entry.services)
            .flat_map(|service| &service.nodes)
            .for_each(|node| seen(&node.id));
    }

    /// Like [`read_cached`](Self::read_cached), but also lends each node's
    /// JSON, serialized once per change of the entry rather than once per call.
    pub(crate) fn read_cached_with_node_json<R>(
        &self,
        name: &str,
        domain: &str,
        read: impl FnOnce(&[Service], &NodeJson<'_>) -> R,
    ) -> Option<Result<R>> {
        let entries = self.inner.entries.read().unwrap_or_else(|e| e.into_inner());
        let entry = self.inner.trusted(entries.get(domain)?.get(name)?)?;
        if entry.services.is_empty() {
            return Some(Err(Error::NotFound));
        }
        let nodes = match entry.node_json.get() {
            Some(nodes) => nodes,
            None => {
                let made: serde_json::Result<NodesJson> = entry
                    .services
                    .iter()
                    .map(|s| {
                        s.nodes
                            .iter()
                            .map(|n| serde_json::to_string(n).map(String::into_boxed_str))
                            .collect()
                    })
                    .collect();
                match made {
                    // Racing readers may both serialize; one result is kept.
                    Ok(made) => entry.node_json.get_or_init(|| made),
                    Err(error) => {
                        return Some(Err(Error::Internal(format!("JSON output: {error}"))))
                    }
                }
            }
        };
        Some(Ok(read(&entry.services, &NodeJson(nodes))))
    }

    /// One backend lookup per (domain, name) at a time; later callers share it.
    async fn lookup(&self, name: &str, domain: &str) -> Result<Vec<Service>> {
        let key = (domain.to_string(), name.to_string());
        let lookup = lock(&self.inner.in_flight)
            .entry(key.clone())
            .or_insert_with(|| {
                let inner = self.inner.clone();
                async move {
                    let result = inner.fetch_and_store(&key.1, &key.0).await;
                    lock(&inner.in_flight).remove(&key);
                    result
                }
                .boxed()
                .shared()
            })
            .clone();
        lookup.await
    }
}

impl Inner {
    /// The entry, if it can be answered from now (kept current by the watch,
    /// or younger than the TTL).
    fn trusted<'a>(&self, entry: &'a Entry) -> Option<&'a Entry> {
        (entry.watched || entry.fetched.elapsed() < self.ttl).then_some(entry)
    }

    async fn fetch_and_store(self: &Arc<Self>, name: &str, domain: &str) -> Result<Vec<Service>> {
        let watched = self.ensure_watch(domain).await;
        let _counting = self.count_changes_of(domain, name);
        match self.backend.get_service(name, domain).await {
            Ok(services) => {
                *lock(&self.last_error) = None;
                self.store(domain, name, services.clone(), watched);
                Ok(services)
            }
            Err(Error::NotFound) => {
                *lock(&self.last_error) = None;
                if watched {
                    self.store(domain, name, Vec::new(), true);
                } else {
                    self.forget(domain, name);
                }
                Err(Error::NotFound)
            }
            Err(error) => {
                tracing::warn!(%error, service = name, domain, "backend lookup failed");
                *lock(&self.last_error) = Some(error.clone());
                match self.stale(domain, name) {
                    Some(services) => Ok(services),
                    None => Err(error),
                }
            }
        }
    }

    /// Stores a lookup's answer unless a change to `name` was applied since the
    /// lookup began (then the next lookup asks the backend again).
    fn store(&self, domain: &str, name: &str, services: Vec<Service>, watched: bool) {
        let watched = watched && self.watch_state(domain) == Some(WatchState::Live);
        let mut entries = write(&self.entries);
        if self.change_count(domain, name) != 0 {
            return;
        }
        let names = entries.entry(domain.to_string()).or_default();
        if services.is_empty() && names.len() >= ENTRIES_KEEPING_EMPTY_ONES {
            names.remove(name);
            return;
        }
        names.insert(
            name.to_string(),
            Entry {
                services,
                fetched: Instant::now(),
                watched,
                json: OnceLock::new(),
                node_json: OnceLock::new(),
            },
        );
    }

    fn forget(&self, domain: &str, name: &str) {
        let mut entries = write(&self.entries);
        self.count_change(domain, name);
        if let Some(names) = entries.get_mut(domain) {
            names.remove(name);
        }
    }

    /// Starts counting changes to `name` for a lookup; they are forgotten when
    /// the returned guard drops (one lookup per name runs at a time).
    fn count_changes_of(self: &Arc<Self>, domain: &str, name: &str) -> ChangeCount {
        let key = (domain.to_string(), name.to_string());
        lock(&self.changes).insert(key.clone(), 0);
        ChangeCount {
            cache: Arc::downgrade(self),
            key,
        }
    }

    fn change_count(&self, domain: &str, name: &str) -> u64 {
        let key = (domain.to_string(), name.to_string());
        lock(&self.changes).get(&key).copied().unwrap_or(0)
    }

    /// Called with `entries`' write lock held, so that `store` sees it
    /// atomically. Names that no lookup is fetching are not counted.
    fn count_change(&self, domain: &str, name: &str) {
        let mut changes = lock(&self.changes);
        if changes.is_empty() {
            return;
        }
        let key = (domain.to_string(), name.to_string());
        if let Some(count) = changes.get_mut(&key) {
            *count += 1;
        }
    }

    #[cfg(test)]
    fn counted_names(&self) -> usize {
        lock(&self.changes).len()
    }

    #[cfg(test)]
    fn cached_names(&self, domain: &str) -> usize {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        entries.get(domain).map_or(0, HashMap::len)
    }

    fn stale(&self, domain: &str, name: &str) -> Option<Vec<Service>> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        let services = &entries.get(domain)?.get(name)?.services;
        (!services.is_empty()).then(|| services.clone())
    }

    fn watch_state(&self, domain: &str) -> Option<WatchState> {
        lock(&self.watches).get(domain).map(|w| *w.state.borrow())
    }

    /// Starts the domain's watch if it is not running; true when it is live.
    async fn ensure_watch(self: &Arc<Self>, domain: &str) -> bool {
        let mut state = {
            let mut watches = lock(&self.watches);
            let watch = watches.entry(domain.to_string()).or_insert_with(|| {
                let (tx, rx) = tokio::sync::watch::channel(WatchState::Starting);
                let task = crate::runtime::handle().spawn(keep_domain_watched(
                    Arc::downgrade(self),
                    domain.to_string(),
                    tx,
                ));
                DomainWatch {
                    state: rx,
                    task: task.abort_handle(),
                }
            });
            watch.state.clone()
        };
        let settled = state.wait_for(|s| *s != WatchState::Starting).await;
        settled.is_ok_and(|s| *s == WatchState::Live)
    }

    /// Applies a change to an entry that exists; unknown names are left to the
    /// next lookup, since one event does not tell the whole service.
    fn apply(&self, domain: &str, action: Action, change: &Service) {
        let mut entries = write(&self.entries);
        self.count_change(domain, &change.name);
        let crowded = entries.get(domain).map_or(0, HashMap::len) >= ENTRIES_KEEPING_EMPTY_ONES;
        let Some(entry) = entries
            .get_mut(domain)
            .and_then(|n| n.get_mut(&change.name))
        else {
            return;
        };
        entry.json = OnceLock::new();
        entry.node_json = OnceLock::new();
        apply_change(&mut entry.services, action, change);
        let services = &entry.services;
        if services.is_empty() && (!entry.watched || crowded) {
            entries.get_mut(domain).map(|n| n.remove(&change.name));
        }
    }

    /// A change made through this cache, applied at once so that the caller
    /// reads its own writes (the watch brings the same change again later).
    fn apply_own(&self, domain: &str, action: Action, service: &Service) {
        {
            let now = SystemTime::now();
            let mut own_writes = lock(&self.own_writes);
            if own_writes.len() >= OWN_WRITES_BEFORE_PRUNING {
                own_writes.retain(|_, at| {
                    now.duration_since(*at)
                        .is_ok_and(|age| age < OWN_WRITE_MEMORY)
                });
            }
            for node in &service.nodes {
                own_writes.insert(node.id.clone(), now);
            }
        }
        self.apply(domain, action, service);
        self.apply(
            WILDCARD_DOMAIN,
            action,
            &with_domain_metadata(service.clone(), domain),
        );
    }

    /// Drops the nodes of a watch event that this cache has written itself since
    /// the event happened.
    fn without_superseded(&self, mut service: Service, happened: SystemTime) -> Service {
        let own_writes = lock(&self.own_writes);
        if !own_writes.is_empty() {
            service.nodes.retain(|node| {
                own_writes
                    .get(&node.id)
                    .is_none_or(|written| *written <= happened)
            });
        }
        service
    }

    fn mark_unwatched(&self, domain: &str) {
        if let Some(names) = write(&self.entries).get_mut(domain) {
            names.retain(|_, entry| !entry.services.is_empty());
            names.values_mut().for_each(|entry| entry.watched = false);
        }
    }
}

/// A lookup's interest in the changes to one name; dropping it (the lookup
/// ended, or was cancelled) forgets the count.
struct ChangeCount {
    cache: Weak<Inner>,
    key: (String, String),
}

impl Drop for ChangeCount {
    fn drop(&mut self) {
        if let Some(inner) = self.cache.upgrade() {
            lock(&inner.changes).remove(&self.key);
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        for watch in lock(&self.watches).values() {
            watch.task.abort();
        }
    }
}

/// Feeds one domain's changes into the cache; restarts the watch with backoff
/// when the backend drops it. Ends when the cache is dropped.
async fn keep_domain_watched(
    cache: Weak<Inner>,
    domain: String,
    state: tokio::sync::watch::Sender<WatchState>,
) {
    let mut backoff = Duration::from_millis(250);
    loop {
        let watcher = {
            let Some(inner) = cache.upgrade() else { return };
            let options = WatchOptions {
                service: None,
                domain: domain.clone(),
            };
            inner.backend.watch(&options).await
        };
        match watcher {
            Ok(watcher) => {
                backoff = Duration::from_millis(250);
                state.send_replace(WatchState::Live);
                follow(&cache, &domain, &watcher).await;
                state.send_replace(WatchState::Down);
                let Some(inner) = cache.upgrade() else { return };
                inner.mark_unwatched(&domain);
            }
            Err(error) => {
                tracing::warn!(%error, domain, "cache cannot watch the backend");
                state.send_replace(WatchState::Down);
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(30));
    }
}

async fn follow(cache: &Weak<Inner>, domain: &str, watcher: &Watcher) {
    while let Ok(Event {
        action,
        service,
        timestamp,
    }) = watcher.next().await
    {
        let Some(inner) = cache.upgrade() else { return };
        let service = inner.without_superseded(service, timestamp);
        if !service.nodes.is_empty() {
            inner.apply(domain, action, &service);
        }
    }
}

#[async_trait]
impl Registry for CachedRegistry {
    async fn register(&self, service: &Service, options: &RegisterOptions) -> Result<()> {
        self.inner.backend.register(service, options).await?;
        self.inner
            .apply_own(&options.domain, Action::Update, service);
        Ok(())
    }

    async fn deregister(&self, service: &Service, domain: &str) -> Result<()> {
        self.inner.backend.deregister(service, domain).await?;
        if !service.nodes.is_empty() {
            self.inner.apply_own(domain, Action::Delete, service);
        } else {
            // "every node of this version": let the next lookup ask the backend.
            self.inner.forget(domain, &service.name);
            self.inner.forget(WILDCARD_DOMAIN, &service.name);
        }
        Ok(())
    }

    async fn get_service(&self, name: &str, domain: &str) -> Result<Vec<Service>> {
        if let Some(answer) = self.cached(name, domain) {
            return answer;
        }
        validate::get_service(name, domain)?;
        self.lookup(name, domain).await
    }

    async fn list_services(&self, domain: &str) -> Result<Vec<Service>> {
        self.inner.backend.list_services(domain).await
    }

    async fn watch(&self, options: &WatchOptions) -> Result<Watcher> {
        self.inner.backend.watch(options).await
    }

    fn name(&self) -> &'static str {
        self.inner.backend.name()
    }

    fn health(&self) -> Option<Error> {
        self.inner.backend.health()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::MemoryRegistry;
    use crate::model::Node;

    #[test]
    fn changes_to_names_nobody_looks_up_leave_nothing_behind() {
        let cache = CachedRegistry::new(Arc::new(MemoryRegistry::isolated()));
        for i in 0..10_000 {
            let service =
                Service::new(format!("short-lived-{i}"), "1").with_node(Node::new("n", "h:1"));
            cache.inner.apply("micro", Action::Create, &service);
            cache.inner.apply("micro", Action::Delete, &service);
        }
        assert_eq!(cache.inner.counted_names(), 0);
    }

    #[tokio::test]
    async fn lookups_of_ever_new_missing_names_keep_the_cache_bounded() {
        let cache = CachedRegistry::new(Arc::new(MemoryRegistry::isolated()));
        let service = Service::new("present", "1").with_node(Node::new("n", "h:1"));
        cache
            .register(&service, &RegisterOptions::default())
            .await
            .unwrap();
        for i in 0..ENTRIES_KEEPING_EMPTY_ONES + 2000 {
            let missing = cache.get_service(&format!("missing-{i}"), "micro").await;
            assert!(matches!(missing, Err(Error::NotFound)));
        }
        assert!(cache.inner.cached_names("micro") <= ENTRIES_KEEPING_EMPTY_ONES);
        assert_eq!(
            cache.get_service("present", "micro").await.unwrap().len(),
            1
        );
    }

    #[tokio::test]
    async fn a_change_during_a_lookup_is_counted_and_then_forgotten() {
        let cache = CachedRegistry::new(Arc::new(MemoryRegistry::isolated()));
        let counting = cache.inner.count_changes_of("micro", "greeter");
        let service = Service::new("greeter", "1").with_node(Node::new("n", "h:1"));
        cache.inner.apply("micro", Action::Create, &service);
        assert_eq!(cache.inner.change_count("micro", "greeter"), 1);
        cache.inner.store("micro", "greeter", vec![], false);
        assert!(
            cache.cached("greeter", "micro").is_none(),
            "an answer older than a change is not stored"
        );
        drop(counting);
        assert_eq!(cache.inner.counted_names(), 0);
    }
}
