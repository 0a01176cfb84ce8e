//! The checks every backend makes before it acts, once: each [`crate::Registry`]
//! method of a backend starts with the function of the same name here, so a bad
//! call is refused the same way everywhere and changes nothing.

use crate::domain::validate_domain;
use crate::error::Result;
use crate::model::{validate_service_name, Service};
use crate::registry::{RegisterOptions, WatchOptions};

/// A complete service (name, version, nodes with ids and host:port addresses,
/// fields within bounds) into a concrete domain.
pub fn register(service: &Service, options: &RegisterOptions) -> Result<()> {
    service.validate_for_register()?;
    validate_domain(&options.domain, false)
}

/// A service name (and node ids, if any) out of a concrete domain.
pub fn deregister(service: &Service, domain: &str) -> Result<()> {
    service.validate_for_deregister()?;
    validate_domain(domain, false)
}

/// A service name in a domain or `*`.
pub fn get_service(name: &str, domain: &str) -> Result<()> {
    validate_service_name(name)?;
    validate_domain(domain, true)
}

/// A domain or `*`.
pub fn list_services(domain: &str) -> Result<()> {
    validate_domain(domain, true)
}

/// A domain or `*`, and the service name if one is named.
pub fn watch(options: &WatchOptions) -> Result<()> {
    validate_domain(&options.domain, true)?;
    match &options.service {
        Some(name) => validate_service_name(name),
        None => Ok(()),
    }
}
