//! Domains, once for every backend: which names are valid, which domains a view
//! covers (one, or every one through `*`), and how a node is shown in the
//! wildcard view (marked with `metadata["domain"]`).

use crate::error::{Error, Result};
use crate::model::Service;

pub use crate::defaults::DEFAULT_DOMAIN;

/// The domain that sees every domain; its nodes carry `metadata["domain"]`.
pub const WILDCARD_DOMAIN: &str = "*";
/// The node metadata key that names a node's own domain in the wildcard view.
pub const DOMAIN_METADATA_KEY: &str = "domain";

/// Rejects a domain that is empty, too long, or the wildcard where a concrete
/// domain is required (`allow_wildcard` false: register, deregister, a
/// client's own domain).
pub fn validate_domain(domain: &str, allow_wildcard: bool) -> Result<()> {
    if domain.is_empty() {
        return Err(Error::invalid("domain is empty"));
    }
    if domain == WILDCARD_DOMAIN && !allow_wildcard {
        return Err(Error::invalid(
            "cannot register into the wildcard domain \"*\"; name a concrete domain",
        ));
    }
    if domain.len() > 63 || domain.chars().any(|c| c.is_control() || c == '.') {
        return Err(Error::invalid(format!(
            "domain {domain:?} must be one label of at most 63 characters"
        )));
    }
    Ok(())
}

/// Whether a view of `view` (a domain or `*`) covers what lives in `domain`.
pub fn in_view(view: &str, domain: &str) -> bool {
    view == WILDCARD_DOMAIN || view == domain
}

/// `service`, stored in `domain`, as a view of `view` shows it: marked with its
/// domain in the wildcard view, unchanged otherwise. Call it only when
/// [`in_view`] holds.
pub fn seen_from(view: &str, domain: &str, service: Service) -> Service {
    if view == WILDCARD_DOMAIN {
        with_domain_metadata(service, domain)
    } else {
        service
    }
}

/// Marks every node with the domain it was registered in (the wildcard view).
pub fn with_domain_metadata(mut service: Service, domain: &str) -> Service {
    for node in &mut service.nodes {
        node.metadata
            .insert(DOMAIN_METADATA_KEY.to_string(), domain.to_string());
    }
    service
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Node;

    #[test]
    fn the_wildcard_sees_every_domain_and_marks_its_nodes() {
        assert!(in_view("*", "shop") && in_view("shop", "shop") && !in_view("micro", "shop"));
        let service = Service::new("cart", "1").with_node(Node::new("cart-1", "10.0.0.1:1"));
        let marked = seen_from("*", "shop", service.clone());
        assert_eq!(marked.nodes[0].metadata["domain"], "shop");
        assert_eq!(seen_from("shop", "shop", service.clone()), service);
    }

    #[test]
    fn domains_must_be_one_label() {
        assert!(validate_domain("micro", false).is_ok());
        assert!(validate_domain("*", true).is_ok());
        for bad in ["", "*", "a.b", "a\nb", &"x".repeat(64)] {
            assert!(validate_domain(bad, false).is_err(), "{bad:?}");
        }
    }
}
