//! Where registrations live: in this process (memory), on the LAN (mDNS), or in
//! an etcd cluster. [`open`] builds the one a configuration names.

use std::sync::Arc;

use crate::config::{BackendConfig, BackendKind, Config};
use crate::error::{Error, Result};
use crate::registry::Registry;

pub mod etcd;
pub mod mdns;
mod memory;

pub use memory::MemoryRegistry;

/// Builds the backend `config` names. Call it inside the runtime's context:
/// backends may open sockets and start tasks.
pub fn open(config: &Config) -> Result<Arc<dyn Registry>> {
    match &config.backend {
        BackendConfig::Memory => Ok(Arc::new(MemoryRegistry::shared())),
        #[cfg(feature = "mdns")]
        BackendConfig::Mdns(mdns) => Ok(Arc::new(mdns::MdnsRegistry::new(
            mdns::MdnsOptions::new(&config.domain, mdns, config.timeout()),
        )?)),
        #[cfg(feature = "etcd")]
        BackendConfig::Etcd(etcd) => Ok(Arc::new(etcd::EtcdRegistry::connect(
            etcd,
            config.timeout(),
        )?)),
        #[allow(unreachable_patterns)] // every backend is built in by default
        other => Err(not_built(other.kind())),
    }
}

/// Whether this build has `kind` (its cargo feature was on).
pub fn is_built(kind: BackendKind) -> bool {
    match kind {
        BackendKind::Memory => true,
        BackendKind::Mdns => cfg!(feature = "mdns"),
        BackendKind::Etcd => cfg!(feature = "etcd"),
    }
}

/// The error for a backend whose cargo feature was off.
fn not_built(kind: BackendKind) -> Error {
    Error::unavailable(format!(
        "the {kind} backend is not part of this build; rebuild with --features {kind}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// In a build without a backend (`cargo test --no-default-features`, as
    /// `make test-features` runs it), asking for it says how to get it; in a
    /// full build, every backend is there.
    #[test]
    fn a_backend_left_out_of_the_build_says_how_to_get_it() {
        for kind in BackendKind::ALL {
            let config = Config::with_backend(BackendConfig::defaults_of(kind));
            if is_built(kind) {
                continue;
            }
            let error = open(&config)
                .err()
                .expect("a missing backend opens")
                .to_string();
            assert!(
                error.contains(&format!(
                    "the {kind} backend is not part of this build; rebuild with --features {kind}"
                )),
                "{error}"
            );
        }
        let all = cfg!(all(feature = "mdns", feature = "etcd"));
        assert_eq!(all, BackendKind::ALL.into_iter().all(is_built));
    }
}
