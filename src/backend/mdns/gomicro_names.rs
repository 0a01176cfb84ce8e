//! DNS names of go-micro's mDNS dialect, built and taken apart.
//!
//! service `<name>.<domain>.`, instance `<node id>.<name>.<domain>.`, listing
//! `_services.<domain>.` -> `<name>._services.<domain>.`. Dots inside a service
//! name or node id make further labels, exactly as go-micro's `Sprintf` does.

use hickory_proto::rr::Name;

use crate::error::{Error, Result};

/// The service label of go-micro's listing entries.
pub const LISTING_LABEL: &str = "_services";

fn name_of(parts: &[&str]) -> Result<Name> {
    let labels: Vec<&str> = parts.iter().flat_map(|p| p.split('.')).collect();
    if labels.iter().any(|l| l.is_empty()) {
        return Err(Error::invalid(format!(
            "{:?} has an empty DNS label",
            parts.join(".")
        )));
    }
    Name::from_labels(labels.iter().map(|l| l.as_bytes())).map_err(|e| {
        Error::invalid(format!(
            "{:?} is not a valid mDNS name (labels up to 63 bytes, 255 in all): {e}",
            parts.join(".")
        ))
    })
}

/// `<service>.<domain>.`: what a go-micro GetService asks for.
pub fn service_name(service: &str, domain: &str) -> Result<Name> {
    name_of(&[service, domain])
}

/// `<node id>.<service>.<domain>.`: one node.
pub fn instance_name(node_id: &str, service: &str, domain: &str) -> Result<Name> {
    name_of(&[node_id, service, domain])
}

/// `_services.<domain>.`: what a go-micro ListServices asks for.
pub fn listing_name(domain: &str) -> Result<Name> {
    name_of(&[LISTING_LABEL, domain])
}

/// `<service>._services.<domain>.`: one listing entry.
pub fn listing_instance(service: &str, domain: &str) -> Result<Name> {
    name_of(&[service, LISTING_LABEL, domain])
}

/// This machine's host name as go-micro writes it (`os.Hostname()` + ".").
pub fn host_name() -> Name {
    let host = gethostname::gethostname().to_string_lossy().into_owned();
    name_of(&[&host]).unwrap_or_else(|_| name_of(&["microreg"]).expect("a valid label"))
}

/// A name as text without the trailing dot, labels joined by dots (lossy UTF-8).
pub fn to_text(name: &Name) -> String {
    name.iter()
        .map(String::from_utf8_lossy)
        .collect::<Vec<_>>()
        .join(".")
}

/// Splits an instance name (text, no trailing dot) for a known service into
/// (node id, domain). The domain is the last label, as go-micro's domains are one
/// label; `None` when the name does not end in `.<service>.<domain>`.
pub fn split_instance<'a>(instance: &'a str, service: &str) -> Option<(&'a str, &'a str)> {
    let (rest, domain) = instance.rsplit_once('.')?;
    let node_id = rest.strip_suffix(service)?.strip_suffix('.')?;
    (!node_id.is_empty() && !domain.is_empty()).then_some((node_id, domain))
}

/// Splits a listing instance `<service>._services.<domain>` into (service, domain).
pub fn split_listing(instance: &str) -> Option<(&str, &str)> {
    let (rest, domain) = instance.rsplit_once('.')?;
    let service = rest.strip_suffix(LISTING_LABEL)?.strip_suffix('.')?;
    (!service.is_empty()).then_some((service, domain))
}

/// Splits a service name `<service>.<domain>` (text) into (service, domain).
pub fn split_service(name: &str) -> Option<(&str, &str)> {
    let (service, domain) = name.rsplit_once('.')?;
    (!service.is_empty() && service != LISTING_LABEL).then_some((service, domain))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_go_micro_names() {
        assert_eq!(
            service_name("greeter", "micro").unwrap().to_string(),
            "greeter.micro."
        );
        let instance = instance_name("greeter-1", "go.micro.srv.greeter", "micro").unwrap();
        assert_eq!(
            instance.to_string(),
            "greeter-1.go.micro.srv.greeter.micro."
        );
        assert_eq!(
            listing_name("micro").unwrap().to_string(),
            "_services.micro."
        );
        assert_eq!(
            to_text(&listing_instance("a.b", "micro").unwrap()),
            "a.b._services.micro"
        );
    }

    #[test]
    fn rejects_names_dns_cannot_carry() {
        assert!(instance_name(&"x".repeat(64), "s", "micro").is_err());
        assert!(service_name("a..b", "micro").is_err());
    }

    #[test]
    fn splits_names_back() {
        assert_eq!(
            split_instance(
                "greeter-1.go.micro.srv.greeter.micro",
                "go.micro.srv.greeter"
            ),
            Some(("greeter-1", "micro"))
        );
        assert_eq!(split_instance("n.1.svc.dev", "svc"), Some(("n.1", "dev")));
        assert_eq!(split_instance("other.svc.micro", "greeter"), None);
        assert_eq!(split_instance("svc.micro", "svc"), None);
        assert_eq!(
            split_listing("greeter._services.micro"),
            Some(("greeter", "micro"))
        );
        assert_eq!(split_listing("greeter.micro"), None);
        assert_eq!(
            split_service("go.micro.x.micro"),
            Some(("go.micro.x", "micro"))
        );
        assert_eq!(split_service("_services.micro"), None);
    }
}
