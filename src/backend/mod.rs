//! Where registrations live: in this process (memory), on the LAN (mDNS), or in
//! an etcd cluster. [`open`] builds the one a configuration names.

use std::sync::Arc;

use crate::config::{BackendConfig, Config};
use crate::error::Result;
use crate::registry::Registry;

pub mod etcd;
pub mod mdns;
pub mod memory;

pub use memory::MemoryRegistry;

/// Builds the backend `config` names. Call it inside the runtime's context:
/// backends may open sockets and start tasks.
pub fn open(config: &Config) -> Result<Arc<dyn Registry>> {
    match &config.backend {
        BackendConfig::Memory => Ok(Arc::new(MemoryRegistry::shared())),
        BackendConfig::Mdns(mdns) => Ok(Arc::new(mdns::MdnsRegistry::new(
            mdns::MdnsOptions::new(&config.domain, mdns),
        )?)),
        BackendConfig::Etcd(etcd) => open_etcd(etcd, config.timeout()),
    }
}

#[cfg(feature = "etcd")]
fn open_etcd(config: &etcd::EtcdConfig, timeout: std::time::Duration) -> Result<Arc<dyn Registry>> {
    Ok(Arc::new(etcd::EtcdRegistry::connect(config, timeout)?))
}

#[cfg(not(feature = "etcd"))]
fn open_etcd(_: &etcd::EtcdConfig, _: std::time::Duration) -> Result<Arc<dyn Registry>> {
    Err(crate::error::Error::unavailable(
        "this build of microreg has no etcd backend (cargo feature \"etcd\" is off)",
    ))
}
