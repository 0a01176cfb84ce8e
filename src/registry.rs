//! The Registry API every backend implements: go-micro's `registry.Registry`, async.

use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::model::Service;
use crate::watch::Watcher;

pub use crate::domain::{validate_domain, DEFAULT_DOMAIN, WILDCARD_DOMAIN};

/// How to register: for how long, and in which domain, as a backend receives
/// it (`ttl: None` is no TTL). Applications get theirs from
/// [`crate::Client::register_options`], which applies the client's default
/// register TTL (90 s unless configured) when the caller names none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterOptions {
    /// A node not registered again within this time disappears; `None` keeps it
    /// until it is deregistered.
    pub ttl: Option<Duration>,
    /// The domain to register in; never the wildcard.
    pub domain: String,
}

impl Default for RegisterOptions {
    fn default() -> Self {
        RegisterOptions {
            ttl: None,
            domain: DEFAULT_DOMAIN.to_string(),
        }
    }
}

impl RegisterOptions {
    /// Sets the TTL (builder style).
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = Some(ttl);
        self
    }

    /// Sets the domain (builder style).
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = domain.into();
        self
    }
}

/// What a caller asks for a registration's TTL; faces turn "no TTL given" into
/// [`Ttl::Default`], and the client resolves it from its configuration
/// ([`crate::Config::register_ttl_ms`], [`crate::defaults::DEFAULT_REGISTER_TTL`]
/// unless configured).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Ttl {
    /// The client's default register TTL.
    #[default]
    Default,
    /// No TTL: kept until deregistered.
    Never,
    /// Expires this long after each (re-)registration.
    After(Duration),
}

impl Ttl {
    /// The TTL itself, given the client's default.
    pub fn resolve(self, default: Option<Duration>) -> Option<Duration> {
        match self {
            Ttl::Default => default,
            Ttl::Never => None,
            Ttl::After(ttl) => Some(ttl),
        }
    }

    /// From a face's "milliseconds, if given": absent is the default, zero is
    /// no TTL (go-micro's zero TTL), anything else that many milliseconds.
    pub fn from_millis(ms: Option<u64>) -> Self {
        match ms {
            None => Ttl::Default,
            Some(0) => Ttl::Never,
            Some(ms) => Ttl::After(Duration::from_millis(ms)),
        }
    }
}

/// `Some(d)` is that TTL (zero: none); `None` is the client's default.
impl From<Option<Duration>> for Ttl {
    fn from(ttl: Option<Duration>) -> Self {
        ttl.map_or(Ttl::Default, Ttl::from)
    }
}

/// A zero duration is no TTL, as in go-micro.
impl From<Duration> for Ttl {
    fn from(ttl: Duration) -> Self {
        if ttl.is_zero() {
            Ttl::Never
        } else {
            Ttl::After(ttl)
        }
    }
}

/// What to watch: one service or all, in one domain or `*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchOptions {
    /// Only events of this service; `None` for every service.
    pub service: Option<String>,
    /// The domain watched, or [`WILDCARD_DOMAIN`] for all (whose events mark
    /// each node with its domain).
    pub domain: String,
}

impl Default for WatchOptions {
    fn default() -> Self {
        WatchOptions {
            service: None,
            domain: DEFAULT_DOMAIN.to_string(),
        }
    }
}

impl WatchOptions {
    /// Watches only `service` (builder style).
    pub fn service(mut self, service: impl Into<String>) -> Self {
        self.service = Some(service.into());
        self
    }

    /// Sets the domain (builder style).
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = domain.into();
        self
    }

    /// Whether an event about `service_name` passes this filter.
    pub fn matches(&self, service_name: &str) -> bool {
        self.service.as_deref().is_none_or(|s| s == service_name)
    }
}

/// What happened to the nodes an [`Event`] carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// A node appeared.
    Create,
    /// A known node changed (address, metadata, version data or endpoints).
    Update,
    /// A node left: deregistered, said goodbye, or its TTL ran out.
    Delete,
}

impl Action {
    /// go-micro's spelling: "create", "update" or "delete".
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
        }
    }
}

/// One change seen by a watcher. `service.nodes` holds the nodes it concerns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// What happened to the nodes.
    pub action: Action,
    /// The service at its version, carrying only the node(s) concerned.
    pub service: Service,
    /// When the change was seen, written as RFC 3339 (as Go writes `time.Time`).
    #[serde(with = "rfc3339")]
    pub timestamp: SystemTime,
}

impl Event {
    /// An event stamped now.
    pub fn now(action: Action, service: Service) -> Self {
        Event {
            action,
            service,
            timestamp: SystemTime::now(),
        }
    }

    /// The event as one line of JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("an Event always serializes")
    }
}

mod rfc3339 {
    use std::time::SystemTime;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(time: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&humantime::format_rfc3339_nanos(*time))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
        let text = String::deserialize(d)?;
        humantime::parse_rfc3339_weak(&text).map_err(serde::de::Error::custom)
    }
}

/// A service registry: go-micro's `registry.Registry`, with async methods.
///
/// Implementations are shared between threads and tasks behind an `Arc`. Every
/// backend ([`MemoryRegistry`](crate::MemoryRegistry), `MdnsRegistry`,
/// `EtcdRegistry`: see [`backend`](crate::backend)) and
/// [`Client`](crate::Client) implement it, so code can take any of them:
///
/// ```
/// use microreg::{MemoryRegistry, Node, RegisterOptions, Registry, Service};
///
/// /// The addresses of every node of `name`, whichever registry holds them.
/// async fn addresses(registry: &dyn Registry, name: &str) -> microreg::Result<Vec<String>> {
///     let versions = registry.get_service(name, microreg::DEFAULT_DOMAIN).await?;
///     Ok(versions.iter().flat_map(|v| &v.nodes).map(|n| n.address.clone()).collect())
/// }
///
/// # #[tokio::main] async fn main() -> microreg::Result<()> {
/// let registry = MemoryRegistry::isolated();
/// let service = Service::new("greeter", "1.0.0").with_node(Node::new("greeter-1", "10.0.0.5:8080"));
/// // A backend used directly keeps nothing alive: a TTL given here expires.
/// registry.register(&service, &RegisterOptions::default()).await?;
/// assert_eq!(addresses(&registry, "greeter").await?, ["10.0.0.5:8080"]);
/// assert!(registry.get_service("nobody", "micro").await.unwrap_err().is_not_found());
/// # Ok(()) }
/// ```
///
/// To write a backend of your own, implement the five methods and make the
/// watchers with [`watch::channel`](crate::watch::channel).
#[async_trait]
pub trait Registry: Send + Sync {
    /// Publishes every node of `service`. Registering a node again refreshes its
    /// TTL; registering it with changed data is an update.
    async fn register(&self, service: &Service, options: &RegisterOptions) -> Result<()>;

    /// Removes the listed nodes of `service` from `domain` (all of its nodes at
    /// that version when none are listed). Removing what is absent is not an error.
    async fn deregister(&self, service: &Service, domain: &str) -> Result<()>;

    /// Every version of `name`, one entry per version with its nodes merged.
    /// [`crate::Error::NotFound`] when no node serves it.
    async fn get_service(&self, name: &str, domain: &str) -> Result<Vec<Service>>;

    /// Every service in `domain`, one entry per name and version. Nodes are filled
    /// in where the backend knows them without a further lookup.
    async fn list_services(&self, domain: &str) -> Result<Vec<Service>>;

    /// A stream of changes from now on.
    async fn watch(&self, options: &WatchOptions) -> Result<Watcher>;

    /// The backend's name, e.g. "memory" or "mdns".
    fn name(&self) -> &'static str;

    /// The backend's own report of a problem, while it lasts: its servers
    /// cannot be reached (etcd), or a condition it recovered from that the user
    /// should know of (mDNS browses that a flood made mdns-sd drop); `None`
    /// when all is well or when the backend cannot tell.
    /// [`Client::status`](crate::Client::status) reports it.
    fn health(&self) -> Option<crate::error::Error> {
        None
    }
}

/// Merges services by version: one entry per version, nodes appended in order,
/// a node id already present replaced by the later one.
pub fn merge_by_version(services: impl IntoIterator<Item = Service>) -> Vec<Service> {
    let mut merged: Vec<Service> = Vec::new();
    for service in services {
        match merged.iter_mut().find(|s| s.version == service.version) {
            Some(existing) => {
                for node in service.nodes {
                    match existing.nodes.iter_mut().find(|n| n.id == node.id) {
                        Some(slot) => *slot = node,
                        None => existing.nodes.push(node),
                    }
                }
                if existing.endpoints.is_empty() {
                    existing.endpoints = service.endpoints;
                }
                existing.metadata.extend(service.metadata);
            }
            None => merged.push(service),
        }
    }
    merged
}
