//! [`MdnsRegistry`]: the [`Registry`] over both mDNS dialects.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use tokio::task::AbortHandle;
use tokio::time::Instant;

use super::config::MdnsConfig;
use super::counters::{CounterSnapshot, Counters};
use super::dnssd::DnsSd;
use super::gomicro_dialect::GoMicroDialect;
use super::interfaces::{self, NetInterface};
use super::live_view::LiveView;
use super::question_limiter::Purpose;
use super::received_bounds::ViewLimits;
use super::signing::{load_keys, Keys, SignPolicy, Signer};
use super::transport::Transport;
use crate::error::{Error, Result};
use crate::model::Service;
use crate::registry::{
    validate_domain, RegisterOptions, Registry, WatchOptions, DEFAULT_DOMAIN, WILDCARD_DOMAIN,
};
use crate::validate;
use crate::watch::Watcher;

/// How long a lookup of an unknown service waits for answers (go-micro's
/// default registry timeout); it returns as soon as answers have arrived.
pub const QUERY_WAIT: Duration = Duration::from_millis(100);
/// Domains that `*` follows at most (questions asked and DNS-SD types browsed).
pub const MAX_FOLLOWED_DOMAINS: usize = super::dnssd::MAX_BROWSED_TYPES;
/// After the first answer, wait this much longer for the other nodes' answers.
const ANSWER_GRACE: Duration = Duration::from_millis(15);

/// Settings of the mDNS backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MdnsOptions {
    /// The domain used when a call names none; its services are fetched at start.
    pub domain: String,
    /// Interface names or addresses; empty = every multicast-capable interface.
    pub interfaces: Vec<String>,
    /// Speak go-micro's mDNS dialect.
    pub gomicro: bool,
    /// Speak standard DNS-SD (mdns-sd).
    pub dnssd: bool,
    /// Bounds on what the LAN can make us hold.
    pub limits: ViewLimits,
    /// Registry keys (see [`MdnsConfig::keys`]); empty: `keys_file`, then
    /// `MICROREG_KEYS`.
    pub keys: Keys,
    pub keys_file: Option<std::path::PathBuf>,
    /// With keys: ignore unsigned records instead of marking them.
    pub require_signed: bool,
}

impl Default for MdnsOptions {
    fn default() -> Self {
        MdnsOptions {
            domain: DEFAULT_DOMAIN.to_string(),
            interfaces: Vec::new(),
            gomicro: true,
            dnssd: true,
            limits: ViewLimits::default(),
            keys: Keys::default(),
            keys_file: None,
            require_signed: false,
        }
    }
}

impl MdnsOptions {
    /// The options of a registry whose default domain is `domain`.
    pub fn new(domain: &str, config: &MdnsConfig) -> Self {
        MdnsOptions {
            domain: domain.to_string(),
            interfaces: config.interfaces.clone(),
            gomicro: config.gomicro,
            dnssd: config.dnssd,
            limits: ViewLimits::default(),
            keys: Keys(config.keys.clone()),
            keys_file: config.keys_file.clone(),
            require_signed: config.require_signed,
        }
    }
}

/// A registry on the LAN with no server: every process publishes its own nodes
/// and keeps a live view of everybody else's.
pub struct MdnsRegistry {
    gomicro: Option<Arc<GoMicroDialect>>,
    dnssd: Option<Arc<DnsSd>>,
    view: Arc<LiveView>,
    counters: Arc<Counters>,
    interfaces: Vec<NetInterface>,
    options: MdnsOptions,
    /// domain -> when the initial listing of that domain has had time to answer.
    synced: Mutex<HashMap<String, Instant>>,
    tasks: Vec<AbortHandle>,
    /// The process that opened the sockets: a forked child inherits them but
    /// must not say goodbye for its parent's nodes.
    owner_pid: u32,
}

impl MdnsRegistry {
    /// Opens the sockets and starts listening; asks the LAN what the default
    /// domain holds, so that lookups and listings are answered from memory.
    pub fn new(options: MdnsOptions) -> Result<Self> {
        validate_domain(&options.domain, false)?;
        if !options.gomicro && !options.dnssd {
            return Err(Error::invalid(
                "the mdns backend needs at least one dialect: gomicro or dnssd",
            ));
        }
        let chosen = interfaces::select(&options.interfaces)?;
        let counters = Arc::new(Counters::default());
        let keys = load_keys(&options.keys.0, options.keys_file.as_deref())?;
        let signer = Signer::new(&keys)?.map(Arc::new);
        let policy = match (&signer, options.require_signed) {
            (None, false) => SignPolicy::NoKeys,
            (None, true) => {
                return Err(Error::invalid(
                    "mdns require_signed needs keys (keys, keys_file or MICROREG_KEYS)",
                ))
            }
            (Some(_), false) => SignPolicy::MarkUnsigned,
            (Some(_), true) => SignPolicy::RequireSigned,
        };
        let view = Arc::new(LiveView::new(options.limits, counters.clone()).with_sign_policy(policy));
        let runtime = crate::runtime::handle();
        let _inside = runtime.enter();
        let mut tasks = Vec::new();
        let gomicro = if options.gomicro {
            let transport = Transport::open(chosen.clone(), counters.clone()).map_err(|e| {
                Error::unavailable(format!("cannot open the mDNS sockets on port 5353: {e}"))
            })?;
            let (dialect, dialect_tasks) =
                GoMicroDialect::start(transport, view.clone(), counters.clone(), signer);
            tasks.extend(dialect_tasks);
            Some(dialect)
        } else {
            None
        };
        let dnssd = if options.dnssd {
            // Browsing starts with the first lookup or watch: a process that only
            // publishes does not pay for it (mdns-sd answers its own browse queries).
            Some(DnsSd::start(
                &chosen,
                view.clone(),
                options.limits.max_nodes,
                counters.clone(),
            )?)
        } else {
            None
        };
        let registry = MdnsRegistry {
            gomicro,
            dnssd,
            view,
            counters,
            interfaces: chosen,
            synced: Mutex::new(HashMap::new()),
            tasks,
            owner_pid: std::process::id(),
            options,
        };
        registry.start_sync(&registry.options.domain.clone());
        Ok(registry)
    }

    /// What the backend has seen and done so far.
    pub fn counters(&self) -> CounterSnapshot {
        self.counters.snapshot()
    }

    /// The interfaces in use.
    pub fn interfaces(&self) -> &[NetInterface] {
        &self.interfaces
    }

    /// How many nodes of the LAN are in view.
    pub fn nodes_in_view(&self) -> usize {
        self.view.len()
    }

    /// Makes mdns-sd drop our DNS-SD browses, as it does under a flood, to
    /// test that they recover (restarted, resynchronised, counted).
    #[doc(hidden)]
    pub fn drop_dnssd_browses(&self) {
        if let Some(dnssd) = &self.dnssd {
            dnssd.drop_browses();
        }
    }

    /// The estimated bytes of node data in view (bounded by the view's limits).
    pub fn bytes_in_view(&self) -> usize {
        self.view.bytes()
    }

    /// Asks for a domain's listing once; returns when its answers are due.
    fn start_sync(&self, domain: &str) -> Instant {
        let mut synced = self.synced.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(due) = synced.get(domain) {
            return *due;
        }
        let due = Instant::now() + QUERY_WAIT;
        synced.insert(domain.to_string(), due);
        if let Some(dialect) = &self.gomicro {
            let dialect = dialect.clone();
            let domain = domain.to_string();
            crate::runtime::handle().spawn(async move { dialect.query_listing(&domain).await });
        }
        due
    }

    /// Addresses that stand in for a node address that is not an IP literal.
    fn fallback_ips(&self) -> Vec<std::net::IpAddr> {
        self.interfaces
            .iter()
            .flat_map(|i| i.v4.iter().map(|a| std::net::IpAddr::V4(*a)))
            .take(1)
            .collect()
    }

    /// DNS-SD browses a domain's type from the first time it is asked about.
    fn browse(&self, domain: &str) {
        if let Some(dnssd) = &self.dnssd {
            for d in self.domains_of(domain) {
                dnssd.browse(&d);
            }
        }
    }

    /// The later of `due` and the moment DNS-SD browsing of `domain` has settled.
    fn answers_due(&self, domain: &str, due: Instant) -> Instant {
        let Some(dnssd) = &self.dnssd else {
            return due;
        };
        self.domains_of(domain)
            .iter()
            .filter_map(|d| dnssd.settled_at(d))
            .fold(due, Instant::max)
    }

    /// The domains a call about `domain` concerns: `*` means the default one
    /// and those in view, at most [`MAX_FOLLOWED_DOMAINS`] (a LAN can plant
    /// thousands; each costs a question and a browse).
    fn domains_of(&self, domain: &str) -> Vec<String> {
        if domain != WILDCARD_DOMAIN {
            return vec![domain.to_string()];
        }
        let mut others: Vec<String> = self
            .view
            .domains()
            .into_iter()
            .filter(|d| *d != self.options.domain)
            .collect();
        others.sort_unstable();
        if others.len() >= MAX_FOLLOWED_DOMAINS {
            Counters::add(&self.counters.domains_not_followed, 1);
        }
        let mut all = vec![self.options.domain.clone()];
        all.extend(others.into_iter().take(MAX_FOLLOWED_DOMAINS - 1));
        all
    }
}

#[async_trait]
impl Registry for MdnsRegistry {
    async fn register(&self, service: &Service, options: &RegisterOptions) -> Result<()> {
        validate::register(service, options)?;
        if let Some(dialect) = &self.gomicro {
            dialect
                .publish(&options.domain, service, options.ttl)
                .await?;
        }
        if let Some(dnssd) = &self.dnssd {
            let fallback = self.fallback_ips();
            dnssd
                .publish(&options.domain, service, options.ttl, &fallback)
                .await?;
        }
        Ok(())
    }

    async fn deregister(&self, service: &Service, domain: &str) -> Result<()> {
        validate::deregister(service, domain)?;
        if let Some(dialect) = &self.gomicro {
            dialect.unpublish(domain, service).await;
        }
        if let Some(dnssd) = &self.dnssd {
            dnssd.unpublish(domain, service).await;
        }
        Ok(())
    }

    async fn get_service(&self, name: &str, domain: &str) -> Result<Vec<Service>> {
        validate::get_service(name, domain)?;
        self.browse(domain);
        self.view.want(name, domain);
        let found = self.view.get(name, domain);
        if !found.is_empty() {
            return Ok(found);
        }
        let changed = self.view.changed.notified();
        tokio::pin!(changed);
        changed.as_mut().enable();
        if let Some(dialect) = &self.gomicro {
            for d in self.domains_of(domain) {
                dialect.query_service(&d, name, Purpose::Lookup).await;
            }
        }
        let deadline = self.answers_due(domain, Instant::now() + QUERY_WAIT);
        loop {
            tokio::select! {
                _ = &mut changed => {
                    if !self.view.get(name, domain).is_empty() {
                        tokio::time::sleep(ANSWER_GRACE).await;
                        return Ok(self.view.get(name, domain));
                    }
                    changed.set(self.view.changed.notified());
                    changed.as_mut().enable();
                }
                _ = tokio::time::sleep_until(deadline) => break,
            }
        }
        let found = self.view.get(name, domain);
        if found.is_empty() {
            Err(Error::NotFound)
        } else {
            Ok(found)
        }
    }

    async fn list_services(&self, domain: &str) -> Result<Vec<Service>> {
        validate::list_services(domain)?;
        let sync_domain = if domain == WILDCARD_DOMAIN {
            self.options.domain.clone()
        } else {
            domain.to_string()
        };
        self.browse(domain);
        let due = self.start_sync(&sync_domain);
        tokio::time::sleep_until(self.answers_due(domain, due)).await;
        Ok(self.view.list(domain))
    }

    async fn watch(&self, options: &WatchOptions) -> Result<Watcher> {
        validate::watch(options)?;
        if let Some(name) = &options.service {
            self.view.want(name, &options.domain);
        }
        self.browse(&options.domain);
        Ok(self.view.subscribe(options))
    }

    fn name(&self) -> &'static str {
        "mdns"
    }

    fn backend_status(&self) -> Option<Error> {
        let restarts = self.counters.snapshot().browse_restarts;
        (restarts > 0).then(|| {
            Error::unavailable(format!(
                "mdns-sd dropped DNS-SD browses {restarts} time(s) (their event queue \
                 filled, as under a flood); each was restarted and resynchronised"
            ))
        })
    }
}

impl Drop for MdnsRegistry {
    fn drop(&mut self) {
        if std::process::id() != self.owner_pid {
            return; // a forked child: the parent still publishes these nodes
        }
        if let Some(dialect) = &self.gomicro {
            dialect.goodbye_all_now();
        }
        if let Some(dnssd) = &self.dnssd {
            dnssd.shutdown();
        }
        for task in &self.tasks {
            task.abort();
        }
    }
}
