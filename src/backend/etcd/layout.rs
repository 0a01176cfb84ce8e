//! Where registrations live in etcd's key space.
//!
//! The default domain is go-micro's etcd registry byte for byte:
//!
//! ```text
//! /micro/registry/<service>/<node id>            domain "micro" (go-micro's own)
//! /micro/registry-domains/<domain>/<service>/<node id>   every other domain
//! ```
//!
//! A `/` inside a service name, node id or domain becomes `-`, as go-micro does.
//! The value is go-micro's Service JSON carrying exactly that one node.
//!
//! Other domains live beside go-micro's prefix, not under it: go-micro reads
//! every value under `/micro/registry/` as a service of its own (ListServices,
//! Watch, GetService of a service named like a domain), so a key such as
//! `/micro/registry/<domain>/...` would leak into its default view. The
//! wildcard domain `*` reads the common prefix `/micro/registry` and sorts the
//! keys by where they fall; anything else there (not ours) is ignored.
//!
//! A configured prefix `P` (default `/micro/registry/`) moves both: `P` and
//! `P` without its trailing `/` + `-domains/`.

use crate::error::{Error, Result};
use crate::registry::{DEFAULT_DOMAIN, WILDCARD_DOMAIN};

/// The key layout of one configured prefix.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    /// The default domain's prefix, ending in `/`.
    default_prefix: String,
    /// Where the other domains begin: `<prefix without />-domains/`.
    domains_prefix: String,
    /// The common beginning of both, read by the wildcard domain.
    common_prefix: String,
}

/// What one read or watch covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Scope {
    /// The etcd key prefix to read or watch.
    pub prefix: String,
    /// The domain asked for (possibly `*`).
    pub domain: String,
    /// Only this service, where the prefix alone does not say so.
    pub service: Option<String>,
}

impl Layout {
    /// The layout under `prefix`; a missing trailing `/` is added.
    pub fn new(prefix: &str) -> Result<Self> {
        let trimmed = prefix.trim_end_matches('/');
        if trimmed.is_empty() {
            return Err(Error::invalid(
                "etcd prefix must name a key path, e.g. /micro/registry/",
            ));
        }
        Ok(Layout {
            default_prefix: format!("{trimmed}/"),
            domains_prefix: format!("{trimmed}-domains/"),
            common_prefix: trimmed.to_string(),
        })
    }

    /// The prefix that holds every service of a concrete `domain`.
    pub fn domain_prefix(&self, domain: &str) -> String {
        if domain == DEFAULT_DOMAIN {
            self.default_prefix.clone()
        } else {
            format!("{}{}/", self.domains_prefix, escape(domain))
        }
    }

    /// The key of one node: `<domain prefix><service>/<node id>`.
    pub fn node_key(&self, domain: &str, service: &str, node_id: &str) -> String {
        format!(
            "{}{}/{}",
            self.domain_prefix(domain),
            escape(service),
            escape(node_id)
        )
    }

    /// What to read or watch for `domain` (or `*`), optionally one service.
    pub fn scope(&self, domain: &str, service: Option<&str>) -> Scope {
        if domain == WILDCARD_DOMAIN {
            return Scope {
                prefix: self.common_prefix.clone(),
                domain: domain.to_string(),
                service: service.map(str::to_string),
            };
        }
        let mut prefix = self.domain_prefix(domain);
        if let Some(service) = service {
            prefix.push_str(&escape(service));
            prefix.push('/');
        }
        Scope {
            prefix,
            domain: domain.to_string(),
            // The prefix already selects the service by its escaped name; the
            // value's name is checked too, as two names may escape alike.
            service: service.map(str::to_string),
        }
    }

    /// The domain a key belongs to, or `None` for a key that is not a node key
    /// of this layout (e.g. someone else's key under the common prefix).
    pub fn domain_of<'k>(&self, key: &'k str) -> Option<std::borrow::Cow<'k, str>> {
        if let Some(rest) = key.strip_prefix(&self.default_prefix) {
            return rest.contains('/').then_some(DEFAULT_DOMAIN.into());
        }
        let rest = key.strip_prefix(&self.domains_prefix)?;
        let mut parts = rest.splitn(3, '/');
        let domain = parts.next()?;
        let _service = parts.next()?;
        let _node = parts.next()?;
        (!domain.is_empty()).then_some(domain.into())
    }
}

/// go-micro's escaping of a key part: `/` becomes `-`.
fn escape(part: &str) -> std::borrow::Cow<'_, str> {
    if part.contains('/') {
        part.replace('/', "-").into()
    } else {
        part.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_domain_is_go_micros_layout() {
        let layout = Layout::new("/micro/registry/").unwrap();
        assert_eq!(
            layout.node_key("micro", "go.micro.srv/a", "n/1"),
            "/micro/registry/go.micro.srv-a/n-1"
        );
        assert_eq!(
            layout.scope("micro", Some("greeter")).prefix,
            "/micro/registry/greeter/"
        );
        assert_eq!(layout.scope("micro", None).prefix, "/micro/registry/");
    }

    #[test]
    fn other_domains_stay_outside_go_micros_prefix() {
        let layout = Layout::new("/micro/registry").unwrap();
        let key = layout.node_key("staging", "greeter", "g-1");
        assert_eq!(key, "/micro/registry-domains/staging/greeter/g-1");
        assert!(!key.starts_with("/micro/registry/"));
        assert_eq!(layout.domain_of(&key).as_deref(), Some("staging"));
        assert_eq!(
            layout.domain_of("/micro/registry/greeter/g-1").as_deref(),
            Some("micro")
        );
        assert_eq!(layout.domain_of("/micro/registryfoo/x/y"), None);
        assert_eq!(layout.domain_of("/micro/registry-domains/staging"), None);
        assert_eq!(layout.scope("*", None).prefix, "/micro/registry");
    }

    #[test]
    fn an_empty_prefix_is_refused() {
        assert!(Layout::new("/").is_err());
        assert!(Layout::new("").is_err());
    }
}
