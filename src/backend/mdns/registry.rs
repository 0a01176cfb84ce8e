//! [`MdnsRegistry`]: the [`Registry`] over both mDNS dialects.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use tokio::task::AbortHandle;
use tokio::time::Instant;

use super::config::MdnsConfig;
use super::counters::{CounterSnapshot, Counters};
use super::dnssd::DnsSd;
use super::domains::KnownDomains;
use super::gomicro_dialect::GoMicroDialect;
use super::interfaces::{self, NetInterface};
use super::live_view::LiveView;
use super::lookup::{self, Asker, Latency, NotBefore, Target};
use super::published::check_publishable;
use super::questions::Purpose;
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

/// The longest a lookup waits for the LAN when the configuration names no
/// timeout: the core's default operation timeout.
pub const DEFAULT_LOOKUP_LIMIT: Duration = crate::defaults::DEFAULT_TIMEOUT;

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
    /// The longest a lookup waits for the LAN's answers (it returns as soon as
    /// they stop arriving).
    pub lookup_limit: Duration,
    /// Registry keys (see [`MdnsConfig::keys`]); empty: `keys_file`, then
    /// `MICROREG_KEYS`.
    pub keys: Keys,
    /// A file with one key per line, read when `keys` is empty.
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
            lookup_limit: DEFAULT_LOOKUP_LIMIT,
            keys: Keys::default(),
            keys_file: None,
            require_signed: false,
        }
    }
}

impl MdnsOptions {
    /// The options of a registry whose default domain is `domain` and whose
    /// operations are bounded by `timeout` (a lookup waits for the LAN at most
    /// this long).
    pub fn new(domain: &str, config: &MdnsConfig, timeout: Duration) -> Self {
        MdnsOptions {
            domain: domain.to_string(),
            interfaces: config.interfaces.clone(),
            gomicro: config.gomicro,
            dnssd: config.dnssd,
            limits: ViewLimits::default(),
            lookup_limit: timeout,
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
    /// Lookups that have waited for the LAN once: the live view keeps them
    /// current from then on (announcements, goodbyes, re-queries, catch-ups).
    settled: Mutex<HashSet<Target>>,
    /// Domains learnt from the wire, and those `*` follows.
    domains: Arc<KnownDomains>,
    latency: Arc<Latency>,
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
        if signer.is_some() && !options.gomicro {
            return Err(Error::invalid(super::config::KEYS_NEED_GOMICRO));
        }
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
        let domains = Arc::new(KnownDomains::new(&options.domain, counters.clone()));
        let latency = Arc::new(Latency::default());
        let gomicro = if options.gomicro {
            let transport = Transport::open(chosen.clone(), counters.clone()).map_err(|e| {
                Error::unavailable(format!("cannot open the mDNS sockets on port 5353: {e}"))
            })?;
            let (dialect, dialect_tasks) = GoMicroDialect::start(
                transport,
                view.clone(),
                counters.clone(),
                domains.clone(),
                latency.clone(),
                signer,
            );
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
            settled: Mutex::new(HashSet::new()),
            domains,
            latency,
            tasks,
            owner_pid: std::process::id(),
            options,
        };
        registry.ask_listing_at_start();
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
    /// test that they recover (restarted, resynchronised, counted). A test
    /// hook (examples/mdns_peer.rs), outside the API: `unstable-wire` only.
    #[cfg(feature = "unstable-wire")]
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

    /// Asks what the default domain holds, so that a long-lived process has
    /// the LAN in view before its first lookup.
    fn ask_listing_at_start(&self) {
        if let Some(dialect) = &self.gomicro {
            let dialect = dialect.clone();
            let domain = self.options.domain.clone();
            crate::runtime::handle()
                .spawn(async move { dialect.query_listing(&domain, Purpose::FollowUp).await });
        }
    }

    /// Waits for the LAN's answers about `target` unless an earlier lookup
    /// already has (see [`super::lookup`]).
    async fn settle(&self, target: Target) {
        if self.lock_settled().contains(&target) {
            return;
        }
        let now = Instant::now();
        let not_before = self.dnssd_answers_due(target.domain());
        let settled = lookup::settle(
            &self.view,
            self,
            &self.latency,
            &target,
            not_before,
            now + self.options.lookup_limit,
        )
        .await;
        tracing::debug!(?target, ?settled, "lookup settled");
        // A service not found is asked about again next time (it may appear
        // with all its announcements lost); a listing is kept current by the
        // view.
        let found = match &target {
            Target::Service { name, domain } => self.view.count(Some(name), domain) > 0,
            Target::Listing { .. } => true,
        };
        if !settled.timed_out && found {
            let mut all = self.lock_settled();
            if all.len() < MAX_SETTLED {
                all.insert(target);
            }
        }
    }

    fn lock_settled(&self) -> std::sync::MutexGuard<'_, HashSet<Target>> {
        self.settled.lock().unwrap_or_else(|e| e.into_inner())
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

    /// When a DNS-SD browse of `domain` has had time to hear the LAN, allowing
    /// two latencies of the LAN on top: its first answers
    /// ([`super::dnssd::BROWSE_FIRST_ANSWERS`]) once something was found (or
    /// always, with go-micro's dialect, whose peers answer at once), everything
    /// ([`super::dnssd::BROWSE_SETTLE`]) while nothing was.
    fn dnssd_answers_due(&self, domain: &str) -> NotBefore {
        let mut due = NotBefore::now();
        let Some(dnssd) = &self.dnssd else {
            return due;
        };
        let first = if self.gomicro.is_some() {
            super::dnssd::BROWSE_FIRST_ANSWERS
        } else {
            super::dnssd::BROWSE_SETTLE
        };
        for started in self
            .domains_of(domain)
            .iter()
            .filter_map(|d| dnssd.browse_started(d))
        {
            let extra = self.latency.get() * 2;
            due.found = due.found.max(started + first + extra);
            due.nothing = due.nothing.max(started + super::dnssd::BROWSE_SETTLE + extra);
        }
        due
    }

    /// The domains a call about `domain` concerns: itself, or for `*` the
    /// domains followed (the default one first, at most
    /// [`MAX_FOLLOWED_DOMAINS`](super::domains::MAX_FOLLOWED_DOMAINS): a LAN
    /// can plant thousands, and each costs questions and a browse).
    fn domains_of(&self, domain: &str) -> Vec<String> {
        self.domains.followed(domain, self.view.domains())
    }
}

/// Lookups remembered as settled at most.
const MAX_SETTLED: usize = 4096;

/// A round of a lookup: go-micro's questions for every domain covered, and a
/// DNS-SD browse of each (new domains of `*` included).
#[async_trait]
impl Asker for MdnsRegistry {
    async fn ask_round(&self, target: &Target, round: u32) {
        let rounds = Rounds {
            gomicro: self.gomicro.clone(),
            dnssd: self.dnssd.clone(),
        };
        rounds.ask_round(target, round).await;
    }
}

/// The dialects a lookup's rounds go out through (owned, so that a round can
/// also run in a background task).
struct Rounds {
    gomicro: Option<Arc<GoMicroDialect>>,
    dnssd: Option<Arc<DnsSd>>,
}

#[async_trait]
impl Asker for Rounds {
    async fn ask_round(&self, target: &Target, round: u32) {
        let Some(dialect) = &self.gomicro else {
            return; // DNS-SD alone: mdns-sd's browse does its own asking
        };
        let domains = dialect.domains_of(target.domain());
        if let Some(dnssd) = &self.dnssd {
            for domain in &domains {
                dnssd.browse(domain);
            }
        }
        dialect
            .ask_lookup_round(target, &domains, round == 1, Purpose::Lookup)
            .await;
    }
}

#[async_trait]
impl Registry for MdnsRegistry {
    async fn register(&self, service: &Service, options: &RegisterOptions) -> Result<()> {
        validate::register(service, options)?;
        // Before either dialect publishes anything: both carry a node id as
        // one DNS label.
        check_publishable(&options.domain, service)?;
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
        self.settle(Target::Service {
            name: name.to_string(),
            domain: domain.to_string(),
        })
        .await;
        let found = self.view.get(name, domain);
        if found.is_empty() {
            Err(Error::NotFound)
        } else {
            Ok(found)
        }
    }

    async fn list_services(&self, domain: &str) -> Result<Vec<Service>> {
        validate::list_services(domain)?;
        self.browse(domain);
        self.settle(Target::Listing {
            domain: domain.to_string(),
        })
        .await;
        Ok(self.view.list(domain))
    }

    async fn watch(&self, options: &WatchOptions) -> Result<Watcher> {
        validate::watch(options)?;
        if let Some(name) = &options.service {
            self.view.want(name, &options.domain);
        }
        self.browse(&options.domain);
        let watcher = self.view.subscribe(options);
        if options.domain == WILDCARD_DOMAIN && self.gomicro.is_some() {
            // Learn every domain of the LAN now rather than as traffic happens
            // to pass: a listing lookup of `*` asks for them (in the background;
            // the watcher reports what it finds as it arrives).
            let asker = Rounds {
                gomicro: self.gomicro.clone(),
                dnssd: self.dnssd.clone(),
            };
            let view = self.view.clone();
            let latency = self.latency.clone();
            let limit = self.options.lookup_limit;
            crate::runtime::handle().spawn(async move {
                let target = Target::Listing {
                    domain: WILDCARD_DOMAIN.to_string(),
                };
                let now = Instant::now();
                let quick = NotBefore::now();
                lookup::settle(&view, &asker, &latency, &target, quick, now + limit).await;
            });
        }
        Ok(watcher)
    }

    fn name(&self) -> &'static str {
        "mdns"
    }

    fn health(&self) -> Option<Error> {
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
