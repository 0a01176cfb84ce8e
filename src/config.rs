//! How a registry is built: which backend, which domain, and the backend's
//! settings. The C, Python and Go faces hand this over as JSON or keywords.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::cache::DEFAULT_CACHE_TTL;
use crate::error::{Error, Result};
use crate::registry::{validate_domain, DEFAULT_DOMAIN};

/// Which backend holds the registrations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    /// In this process only; every handle of the process shares it.
    Memory,
    /// The LAN, with no server: go-micro's mDNS dialect and standard DNS-SD.
    /// The default, as go-micro's default registry is mdns.
    #[default]
    Mdns,
    /// An etcd cluster, in go-micro's etcd key layout.
    Etcd,
}

impl BackendKind {
    /// The name used in configuration and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            BackendKind::Memory => "memory",
            BackendKind::Mdns => "mdns",
            BackendKind::Etcd => "etcd",
        }
    }
}

impl std::str::FromStr for BackendKind {
    type Err = Error;

    fn from_str(name: &str) -> Result<Self> {
        match name {
            "memory" => Ok(BackendKind::Memory),
            "mdns" => Ok(BackendKind::Mdns),
            "etcd" => Ok(BackendKind::Etcd),
            other => Err(Error::invalid(format!(
                "unknown backend {other:?}; choose memory, mdns or etcd"
            ))),
        }
    }
}

/// Everything needed to build a registry. Unknown JSON fields are rejected, so a
/// misspelt option is an error rather than silently ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub backend: BackendKind,
    /// The domain used when a call names none.
    pub domain: String,
    /// mDNS: interfaces to use, by name or address; empty = every multicast one.
    pub interfaces: Vec<String>,
    /// etcd: `host:port` of the cluster members.
    pub addresses: Vec<String>,
    /// Time limit of one backend operation, in milliseconds.
    pub timeout_ms: u64,
    /// Answer lookups from the watch-fed cache.
    pub cache: bool,
    /// How long the cache trusts an entry that no live watch keeps current (ms).
    pub cache_ttl_ms: u64,
    /// mDNS: speak go-micro's own mDNS dialect (stock go-micro services see us
    /// and we see them; records carry the registry TTL).
    pub mdns_gomicro: bool,
    /// mDNS: speak standard DNS-SD under `_<domain>._tcp.local.` (avahi,
    /// Bonjour, python-zeroconf).
    pub mdns_dnssd: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            backend: BackendKind::default(),
            domain: DEFAULT_DOMAIN.to_string(),
            interfaces: Vec::new(),
            addresses: Vec::new(),
            timeout_ms: 5000,
            cache: true,
            cache_ttl_ms: DEFAULT_CACHE_TTL.as_millis() as u64,
            mdns_gomicro: true,
            mdns_dnssd: true,
        }
    }
}

impl Config {
    /// Parses a JSON object; `None`, `""` and `"{}"` give the defaults.
    pub fn from_json(json: Option<&str>) -> Result<Self> {
        let config: Config = match json.map(str::trim) {
            None | Some("") => Config::default(),
            Some(text) => crate::model::object_from_json(text, "registry config")?,
        };
        config.validate()?;
        Ok(config)
    }

    /// Checks values that JSON types alone do not.
    pub fn validate(&self) -> Result<()> {
        validate_domain(&self.domain, false)?;
        if self.timeout_ms == 0 {
            return Err(Error::invalid("timeout_ms must be above zero"));
        }
        Ok(())
    }

    /// The backend operation time limit.
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }
}
