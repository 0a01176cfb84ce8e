//! The registry as every face uses it (CLI, C, Python, Go): a backend, the cache
//! in front of it, and the keeper that holds registrations alive.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::cache::CachedRegistry;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::keeper::Keeper;
use crate::model::Service;
use crate::registry::{RegisterOptions, Registry, Ttl, WatchOptions};
use crate::select::{KnownNodes, Outcome, SelectOptions, Selected, Selector};
use crate::watch::Watcher;

/// A registry handle: register (kept alive), deregister, look up, watch.
///
/// Safe to share between threads. Dropping it, or [`Client::close`], deregisters
/// what it registered.
///
/// ```
/// use std::time::Duration;
/// use microreg::{Client, Config, Node, Registry, SelectOptions, Service, Strategy};
///
/// # #[tokio::main] async fn main() -> microreg::Result<()> {
/// // Config::from_env() is what a deployed program uses (mdns unless
/// // $MICRO_REGISTRY says otherwise); memory keeps this example in the process.
/// let client = Client::new(Config::memory())?;
/// let service = Service::new("greeter", "1.0.0")
///     .with_node(Node::new("greeter-1", "10.0.0.5:8080"))
///     .with_node(Node::new("greeter-2", "10.0.0.6:8080"));
/// // Kept alive (refreshed at a third of the TTL) until deregistered or closed.
/// client.register(&service, &client.register_options(Duration::from_secs(30))).await?;
///
/// let found = client.get_service("greeter", client.domain()).await?;
/// assert_eq!(found[0].nodes.len(), 2);
///
/// // The node to call, from the watch-fed cache.
/// let options = SelectOptions::new().strategy(Strategy::RoundRobin);
/// let first = client.select("greeter", &options).await?;
/// let second = client.select("greeter", &options).await?;
/// assert_ne!(first.node.id, second.node.id);
///
/// client.close().await; // deregisters greeter-1 and greeter-2
/// # Ok(()) }
/// ```
pub struct Client {
    config: Config,
    registry: Arc<dyn Registry>,
    cache: Option<Arc<CachedRegistry>>,
    /// Shared so that a drop can finish deregistering in the background.
    keeper: Arc<Keeper>,
    /// Round-robin counters and failure marks of `select` (boxed: a Client
    /// stays small to move around).
    selector: Box<Selector>,
    closed: AtomicBool,
}

impl Client {
    /// Builds the backend that `config` names, with the cache unless disabled.
    /// `config` is used as given; [`Client::from_json`] and [`Client::from_env`]
    /// also apply go-micro's environment variables.
    pub fn new(config: Config) -> Result<Self> {
        config.validate()?;
        let backend = crate::backend::open(&config)?;
        Ok(Self::with_backend(backend, config))
    }

    /// Parses `config_json` (see [`Config::from_json`]: a flat object; what it
    /// leaves out comes from the environment, then the defaults) and builds from it.
    pub fn from_json(config_json: Option<&str>) -> Result<Self> {
        Self::new(Config::from_json(config_json)?)
    }

    /// What a program that chooses nothing gets: [`Config::from_env`].
    pub fn from_env() -> Result<Self> {
        Self::new(Config::from_env()?)
    }

    /// Wraps an existing backend; `config` supplies the domain and cache settings.
    pub fn with_backend(backend: Arc<dyn Registry>, config: Config) -> Self {
        let cache = config.cache.then(|| {
            let ttl = Duration::from_millis(config.cache_ttl_ms);
            Arc::new(CachedRegistry::with_ttl(backend.clone(), ttl))
        });
        let registry: Arc<dyn Registry> = match &cache {
            Some(cache) => cache.clone(),
            None => backend,
        };
        Client {
            keeper: Arc::new(Keeper::new(registry.clone())),
            registry,
            cache,
            config,
            selector: Box::default(),
            closed: AtomicBool::new(false),
        }
    }

    /// The configuration this client was built from.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The domain used when a call names none.
    pub fn domain(&self) -> &str {
        &self.config.domain
    }

    /// Register options in this client's domain. `ttl`: a [`Ttl`], or an
    /// `Option<Duration>` where `None` is this client's default register TTL
    /// ([`Config::register_ttl_ms`]) and a zero duration is no TTL.
    pub fn register_options(&self, ttl: impl Into<Ttl>) -> RegisterOptions {
        RegisterOptions {
            ttl: ttl.into().resolve(self.config.register_ttl()),
            domain: self.config.domain.clone(),
        }
    }

    /// Watch options in this client's domain.
    pub fn watch_options(&self, service: Option<String>) -> WatchOptions {
        WatchOptions {
            service,
            domain: self.config.domain.clone(),
        }
    }

    /// The backend's last failure while the cache served stale data, or the
    /// backend's own report that its servers cannot be reached, if any.
    pub fn status(&self) -> Option<Error> {
        self.cache
            .as_ref()
            .and_then(|c| c.status())
            .or_else(|| self.registry.health())
    }

    /// How many nodes this client keeps registered.
    pub fn kept_nodes(&self) -> usize {
        self.keeper.len()
    }

    /// Deregisters everything registered through this client. Later calls fail
    /// with [`Error::InvalidArgument`]. Idempotent.
    pub async fn close(&self) {
        if !self.closed.swap(true, Ordering::AcqRel) {
            self.keeper.shutdown().await;
        }
    }

    /// The warm path of `get_service`, synchronous and without a copy: lends
    /// the cached answer (one Service per version) to `read` under the cache's
    /// read lock. `None` when there is no trusted cached answer (cache off, cold
    /// or expired): then call `get_service`. Not found and a closed client are
    /// `Some(Err(..))`, as `get_service` would say. `read` should be quick.
    pub fn read_cached<R>(
        &self,
        name: &str,
        domain: &str,
        read: impl FnOnce(&[Service]) -> R,
    ) -> Option<Result<R>> {
        if let Err(error) = self.check_open() {
            return Some(Err(error));
        }
        self.cache.as_ref()?.read_cached(name, domain, read)
    }

    /// Like [`read_cached`](Self::read_cached), but lends the answer as JSON (an
    /// array of go-micro's Service, as `Service::to_json` writes each), which
    /// the cache serializes once per change rather than once per lookup.
    pub fn read_cached_json<R>(
        &self,
        name: &str,
        domain: &str,
        read: impl FnOnce(&str) -> R,
    ) -> Option<Result<R>> {
        if let Err(error) = self.check_open() {
            return Some(Err(error));
        }
        self.cache.as_ref()?.read_cached_json(name, domain, read)
    }

    /// One node of service `name` to call, as `options` asks (strategy,
    /// filters, domain; see [`crate::select`]). Answered from the warm cache
    /// without a backend call; a cold or uncached client looks the service up.
    ///
    /// `NotFound` when no node serves it; `NoMatch` (a NotFound with its
    /// reason) when none passes the filters. A node marked failed is skipped
    /// during its backoff unless no other is left.
    pub async fn select(&self, name: &str, options: &SelectOptions) -> Result<Selected> {
        let owned = |service: &Service, node: &crate::model::Node| Selected {
            service: service.name.clone(),
            version: service.version.clone(),
            node: node.clone(),
        };
        if let Some(answer) = self.select_with(name, options, owned) {
            return answer;
        }
        let domain = options.domain.as_deref().unwrap_or(self.domain());
        let services = self.get_service(name, domain).await?;
        let (service, node) = self.selector.choose(&services, name, domain, options)?;
        Ok(owned(service, node))
    }

    /// The warm path of [`select`](Self::select), synchronous and without a
    /// copy: lends the chosen node and its service (version, endpoints) to
    /// `read` under the cache's read lock. `None` when the cache has no trusted
    /// answer: then call `select`. `read` should be quick.
    pub fn select_with<R>(
        &self,
        name: &str,
        options: &SelectOptions,
        read: impl FnOnce(&Service, &crate::model::Node) -> R,
    ) -> Option<Result<R>> {
        let domain = options.domain.as_deref().unwrap_or(self.domain());
        let answer = self.read_cached(name, domain, |services| {
            let (service, node) = self.selector.choose(services, name, domain, options)?;
            Ok(read(service, node))
        });
        Some(answer?.and_then(|chosen| chosen))
    }

    /// Like [`select_with`](Self::select_with), but lends the chosen node as
    /// go-micro's Node JSON, which the cache serializes once per change rather
    /// than once per call (the C, Go faces hand it out).
    pub fn select_json<R>(
        &self,
        name: &str,
        options: &SelectOptions,
        read: impl FnOnce(&str) -> R,
    ) -> Option<Result<R>> {
        if let Err(error) = self.check_open() {
            return Some(Err(error));
        }
        let domain = options.domain.as_deref().unwrap_or(self.domain());
        let answer =
            self.cache
                .as_ref()?
                .read_cached_with_node_json(name, domain, |services, json| {
                    let (service, node) = self
                        .selector
                        .choose_index(services, name, domain, options)?;
                    Ok(read(json.get(service, node)))
                });
        Some(answer?.and_then(|chosen| chosen))
    }

    /// Reports what a call to node `node_id` did: a failure makes `select`
    /// avoid the node for a backoff that doubles with each consecutive failure
    /// (1 s up to 60 s), unless no other node is left; a success clears it.
    /// Marks of nodes that left the registry are dropped.
    pub fn mark(&self, node_id: &str, outcome: Outcome) -> Result<()> {
        self.check_open()?;
        let known = |seen: &mut dyn FnMut(&str)| {
            if let Some(cache) = &self.cache {
                cache.for_each_node_id(seen);
            }
        };
        // Without a cache this client cannot tell which nodes left; marks then
        // go by age and count alone.
        let known: Option<KnownNodes<'_>> = match self.cache {
            Some(_) => Some(&known),
            None => None,
        };
        self.selector.mark(node_id, outcome, known)
    }

    /// Forgets every failure mark and restarts the rotations (go-micro's
    /// selector `Reset`).
    pub fn reset_selection(&self) {
        self.selector.reset();
    }

    fn check_open(&self) -> Result<()> {
        if self.closed.load(Ordering::Acquire) {
            return Err(Error::invalid("the registry handle is closed"));
        }
        Ok(())
    }
}

#[async_trait]
impl Registry for Client {
    /// Registers and keeps the nodes registered (TTL refresh) until deregistered.
    async fn register(&self, service: &Service, options: &RegisterOptions) -> Result<()> {
        self.check_open()?;
        self.keeper.register(service, options).await
    }

    async fn deregister(&self, service: &Service, domain: &str) -> Result<()> {
        self.check_open()?;
        self.keeper.deregister(service, domain).await
    }

    async fn get_service(&self, name: &str, domain: &str) -> Result<Vec<Service>> {
        self.check_open()?;
        // The warm path: straight from the cache, without a further boxed future.
        if let Some(answer) = self.cache.as_ref().and_then(|c| c.cached(name, domain)) {
            return answer;
        }
        self.registry.get_service(name, domain).await
    }

    async fn list_services(&self, domain: &str) -> Result<Vec<Service>> {
        self.check_open()?;
        self.registry.list_services(domain).await
    }

    async fn watch(&self, options: &WatchOptions) -> Result<Watcher> {
        self.check_open()?;
        self.registry.watch(options).await
    }

    fn name(&self) -> &'static str {
        self.registry.name()
    }

    fn health(&self) -> Option<Error> {
        self.registry.health()
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        if self.closed.load(Ordering::Acquire) || self.keeper.is_empty() {
            return;
        }
        // Deregister what we registered. From a plain thread, wait for it, so a
        // process that exits right after still says goodbye; from inside a
        // runtime, that would block the runtime, so let it finish in the background.
        let keeper = self.keeper.clone();
        let shutdown = async move { keeper.shutdown().await };
        if tokio::runtime::Handle::try_current().is_ok() {
            crate::runtime::handle().spawn(shutdown);
        } else {
            crate::runtime::handle().block_on(shutdown);
        }
    }
}
