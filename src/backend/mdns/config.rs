//! The mDNS backend's settings: which interfaces and which dialects. Parsed
//! once in the core (the `mdns` variant of the backend config); every face
//! passes it through untouched, so a field added here is reachable from all.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How the mDNS backend uses the LAN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MdnsConfig {
    /// Interfaces to use, by name or address; empty = every interface that is
    /// up and multicast-capable.
    pub interfaces: Vec<String>,
    /// Speak go-micro's own mDNS dialect (stock go-micro services see us and we
    /// see them; records carry the registry TTL).
    #[serde(alias = "mdns_gomicro")]
    pub gomicro: bool,
    /// Speak standard DNS-SD under `_<domain>._tcp.local.` (avahi, Bonjour,
    /// python-zeroconf).
    #[serde(alias = "mdns_dnssd")]
    pub dnssd: bool,
}

impl Default for MdnsConfig {
    fn default() -> Self {
        MdnsConfig {
            interfaces: Vec::new(),
            gomicro: true,
            dnssd: true,
        }
    }
}

impl MdnsConfig {
    /// Checks what the JSON types alone do not.
    pub fn validate(&self) -> Result<()> {
        if !self.gomicro && !self.dnssd {
            return Err(Error::invalid(
                "the mdns backend needs at least one dialect: gomicro or dnssd",
            ));
        }
        if self.interfaces.iter().any(|i| i.trim().is_empty()) {
            return Err(Error::invalid(
                "mdns interfaces: an interface name is empty",
            ));
        }
        Ok(())
    }
}
