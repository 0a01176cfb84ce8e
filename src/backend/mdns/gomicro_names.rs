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

/// The longest DNS label (RFC 1035 §2.3.4).
pub const MAX_LABEL: usize = 63;
/// The longest DNS name in presentation form without the final dot.
pub const MAX_NAME: usize = 253;
/// Bytes a go-micro default node id (`<service name>-<uuid>`) adds to the name.
pub const DEFAULT_ID_SUFFIX: usize = 37;

/// Checks up front that a node can be carried by mDNS, with a message that
/// says which limit it exceeds and what to do (rather than a DNS encoder's
/// error from deep inside).
pub fn check_node_fits(node_id: &str, service: &str, domain: &str) -> Result<()> {
    for label in node_id.split('.') {
        if label.len() > MAX_LABEL {
            let hint = if node_id.starts_with(service)
                && node_id.len() == service.len() + DEFAULT_ID_SUFFIX
            {
                format!(
                    " go-micro's default id <service name>-<uuid> adds {DEFAULT_ID_SUFFIX} bytes to the \
                     service name, so keep service names within {} bytes, or give the node a shorter id",
                    MAX_LABEL - DEFAULT_ID_SUFFIX
                )
            } else {
                " give the node a shorter id".to_string()
            };
            return Err(Error::invalid(format!(
                "node id {node_id:?} is too long for mDNS: it is one DNS label of {} bytes, more \
                 than DNS's {MAX_LABEL};{hint}",
                label.len()
            )));
        }
    }
    for (what, text) in [("service name", service), ("domain", domain)] {
        if let Some(label) = text.split('.').find(|l| l.len() > MAX_LABEL) {
            return Err(Error::invalid(format!(
                "{what} {text:?} is too long for mDNS: its part {label:?} is {} bytes, more than \
                 DNS's {MAX_LABEL} per dot-separated label; shorten it",
                label.len()
            )));
        }
    }
    let total = node_id.len() + service.len() + domain.len() + 2;
    if total > MAX_NAME {
        return Err(Error::invalid(format!(
            "node {node_id:?} of {service:?} is too long for mDNS: its name \
             <node id>.<service>.<domain> is {total} bytes, more than DNS's {MAX_NAME}; \
             shorten the service name or the node id"
        )));
    }
    instance_name(node_id, service, domain).map(|_| ())
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
#[cfg(test)]
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
    fn a_default_id_of_a_long_service_name_is_refused_with_a_clear_message() {
        let service = "a-service-name-of-27-bytes-";
        assert_eq!(service.len(), 27);
        let id = format!("{service}-6a1b2c3d-1111-4222-8333-944455556666");
        let message = check_node_fits(&id, service, "micro")
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("64 bytes, more than DNS's 63"),
            "{message}"
        );
        assert!(message.contains("within 26 bytes"), "{message}");
        assert!(!message.contains("LabelBytesTooLong"), "{message}");
        let fits = &service[..26];
        let id = format!("{fits}-6a1b2c3d-1111-4222-8333-944455556666");
        assert!(check_node_fits(&id, fits, "micro").is_ok());
        let long_label = format!("{}.x", "s".repeat(64));
        assert!(check_node_fits("n", &long_label, "micro")
            .unwrap_err()
            .to_string()
            .contains("per dot-separated label"));
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
