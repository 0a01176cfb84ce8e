//! The etcd backend's settings: which members, how to authenticate, where the
//! keys live. Parsed once in the core (the `etcd` variant of the backend
//! config); every face passes it through untouched.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The key prefix go-micro's etcd registry uses.
pub const DEFAULT_PREFIX: &str = "/micro/registry/";
/// go-micro's default etcd member.
pub const DEFAULT_ADDRESS: &str = "127.0.0.1:2379";

/// How to reach an etcd cluster and lay out keys in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EtcdConfig {
    /// Cluster members, `host:port` (or `http(s)://host:port`); the client fails
    /// over between them.
    pub addresses: Vec<String>,
    /// User name for etcd's auth (also from `ETCD_USERNAME`).
    pub username: Option<String>,
    /// Password for etcd's auth (also from `ETCD_PASSWORD`).
    pub password: Option<String>,
    /// PEM file of the CA that signed the members' certificates; turns TLS on.
    pub tls_ca: Option<PathBuf>,
    /// PEM client certificate, for clusters that ask for one (with `tls_key`).
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of `tls_cert`.
    pub tls_key: Option<PathBuf>,
    /// Where registrations live; go-micro's layout under its default prefix.
    pub prefix: String,
    /// Time limit to connect to a member, in milliseconds.
    pub dial_timeout_ms: u64,
}

impl Default for EtcdConfig {
    fn default() -> Self {
        EtcdConfig {
            addresses: vec![DEFAULT_ADDRESS.to_string()],
            username: None,
            password: None,
            tls_ca: None,
            tls_cert: None,
            tls_key: None,
            prefix: DEFAULT_PREFIX.to_string(),
            dial_timeout_ms: 5000,
        }
    }
}

impl EtcdConfig {
    /// Checks what the JSON types alone do not.
    pub fn validate(&self) -> Result<()> {
        if self.addresses.is_empty() {
            return Err(Error::invalid(
                "etcd addresses: name at least one member (host:port)",
            ));
        }
        if let Some(empty) = self.addresses.iter().find(|a| a.trim().is_empty()) {
            return Err(Error::invalid(format!(
                "etcd addresses: {empty:?} is not host:port"
            )));
        }
        if self.tls_cert.is_some() != self.tls_key.is_some() {
            return Err(Error::invalid(
                "etcd tls_cert and tls_key go together: give both or neither",
            ));
        }
        if self.dial_timeout_ms == 0 {
            return Err(Error::invalid("etcd dial_timeout_ms must be above zero"));
        }
        Ok(())
    }
}
