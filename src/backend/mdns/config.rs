//! The mDNS backend's settings: which interfaces and which dialects. Parsed
//! once in the core (the `mdns` variant of the backend config); every face
//! passes it through untouched, so a field added here is reachable from all.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How the mDNS backend uses the LAN.
/// (`Debug` shows how many keys there are, never the keys.)
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    /// Registry keys (at least 16 characters each): with any set, everything
    /// we announce is signed, and signed records from the LAN are accepted
    /// only when valid, fresh and not replayed. The first key signs, all
    /// verify (rotation). Empty: read from `keys_file`, else from the
    /// comma-separated `MICROREG_KEYS` environment variable.
    #[serde(skip_serializing)]
    pub keys: Vec<String>,
    /// A file with one key per line (`#` comments), used when `keys` is empty.
    pub keys_file: Option<std::path::PathBuf>,
    /// With keys: ignore unsigned records (go-micro, avahi, zeroconf peers and
    /// any DNS-SD data). Without it they are kept apart, marked with
    /// `metadata["microreg.unsigned"] = "true"`, and never override a signed node.
    pub require_signed: bool,
}

impl std::fmt::Debug for MdnsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MdnsConfig")
            .field("interfaces", &self.interfaces)
            .field("gomicro", &self.gomicro)
            .field("dnssd", &self.dnssd)
            .field("keys", &format_args!("[{} hidden]", self.keys.len()))
            .field("keys_file", &self.keys_file)
            .field("require_signed", &self.require_signed)
            .finish()
    }
}

impl Default for MdnsConfig {
    fn default() -> Self {
        MdnsConfig {
            interfaces: Vec::new(),
            gomicro: true,
            dnssd: true,
            keys: Vec::new(),
            keys_file: None,
            require_signed: false,
        }
    }
}

/// Only go-micro's dialect carries signatures: DNS-SD records (sent and
/// answered by mdns-sd) cannot, so keys without it would sign nothing.
pub(crate) const KEYS_NEED_GOMICRO: &str =
    "mdns keys need the gomicro dialect: DNS-SD records carry no signature";

impl MdnsConfig {
    /// Checks what the JSON types alone do not.
    pub fn validate(&self) -> Result<()> {
        if !self.gomicro && !self.dnssd {
            return Err(Error::invalid(
                "the mdns backend needs at least one dialect: gomicro or dnssd",
            ));
        }
        if self.require_signed
            && self.keys.is_empty()
            && self.keys_file.is_none()
            && std::env::var("MICROREG_KEYS").map_or(true, |k| k.trim().is_empty())
        {
            return Err(Error::invalid(
                "mdns require_signed needs keys (keys, keys_file or MICROREG_KEYS)",
            ));
        }
        if !self.gomicro && (!self.keys.is_empty() || self.keys_file.is_some()) {
            return Err(Error::invalid(KEYS_NEED_GOMICRO));
        }
        if self.interfaces.iter().any(|i| i.trim().is_empty()) {
            return Err(Error::invalid(
                "mdns interfaces: an interface name is empty",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{BackendConfig, Config};

    #[test]
    fn keys_come_through_the_flat_config_and_never_show() {
        let config = Config::from_json(Some(
            r#"{"backend":"mdns","keys":["0123456789abcdef-key"],"require_signed":true}"#,
        ))
        .unwrap();
        let BackendConfig::Mdns(mdns) = &config.backend else {
            panic!("an mdns config: {config:?}");
        };
        assert_eq!(mdns.keys, ["0123456789abcdef-key"]);
        assert!(mdns.require_signed);
        assert!(!format!("{config:?}").contains("0123456789abcdef-key"));
        assert!(!serde_json::to_string(mdns)
            .unwrap()
            .contains("0123456789abcdef-key"));
    }

    #[test]
    fn keys_without_the_gomicro_dialect_are_refused() {
        let error = Config::from_json(Some(
            r#"{"backend":"mdns","keys":["0123456789abcdef-key"],"gomicro":false}"#,
        ))
        .and_then(|c| c.validate())
        .unwrap_err();
        assert!(error.to_string().contains("gomicro dialect"), "{error}");
    }
}
