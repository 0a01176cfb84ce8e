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
use crate::watch::Watcher;

/// A registry handle: register (kept alive), deregister, look up, watch.
///
/// Safe to share between threads. Dropping it, or [`Client::close`], deregisters
/// what it registered.
pub struct Client {
    config: Config,
    registry: Arc<dyn Registry>,
    cache: Option<Arc<CachedRegistry>>,
    /// Shared so that a drop can finish deregistering in the background.
    keeper: Arc<Keeper>,
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

    /// The backend's last failure while the cache served stale data, if any.
    pub fn status(&self) -> Option<Error> {
        self.cache.as_ref().and_then(|c| c.status())
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
