//! Turning etcd key-values into services, and services into values.
//!
//! A value under the prefix that is not a service (written by someone else,
//! or damaged) is counted and skipped: it never hides the other nodes.

use std::sync::atomic::{AtomicU64, Ordering};

use super::layout::{Layout, Scope};
use crate::domain::with_domain_metadata;
use crate::model::{Node, Service};
use crate::registry::WILDCARD_DOMAIN;

/// Counts the values that could not be read as a service.
#[derive(Default)]
pub(crate) struct InvalidValues(AtomicU64);

impl InvalidValues {
    pub fn count(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    fn add(&self, key: &str, error: &dyn std::fmt::Display) {
        self.0.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(key, %error, "etcd value under the registry prefix is not a service; skipped");
    }
}

/// What a key under a scope holds, as far as this scope is concerned.
pub(crate) enum Decoded {
    /// Not a node key of this scope (another domain, another service, not ours).
    Outside,
    /// A node key of this scope whose value is not a usable service.
    Invalid,
    /// One service with its node(s), domain-stamped in the wildcard view.
    Service(Service),
}

/// Reads one key-value in `scope`.
pub(crate) fn decode(
    layout: &Layout,
    scope: &Scope,
    key: &[u8],
    value: &[u8],
    invalid: &InvalidValues,
) -> Decoded {
    let Ok(key) = std::str::from_utf8(key) else {
        return Decoded::Outside;
    };
    let Some(domain) = layout.domain_of(key) else {
        return Decoded::Outside;
    };
    if scope.domain != WILDCARD_DOMAIN && domain != scope.domain.as_str() {
        return Decoded::Outside;
    }
    let service: Service = match serde_json::from_slice(value) {
        Ok(service) => service,
        Err(error) => {
            invalid.add(key, &error);
            return Decoded::Invalid;
        }
    };
    if service.name.is_empty() || service.nodes.is_empty() {
        invalid.add(key, &"no service name or no node");
        return Decoded::Invalid;
    }
    if scope
        .service
        .as_ref()
        .is_some_and(|name| *name != service.name)
    {
        return Decoded::Outside;
    }
    if scope.domain == WILDCARD_DOMAIN {
        Decoded::Service(with_domain_metadata(service, &domain))
    } else {
        Decoded::Service(service)
    }
}

/// The value go-micro writes for one node: the Service JSON with that node only.
pub(crate) fn encode(template: &Service, node: &Node) -> String {
    // Serialized through a borrowing twin of Service, so that a service with
    // large endpoint lists is not cloned once per node.
    #[derive(serde::Serialize)]
    struct OneNode<'a> {
        name: &'a str,
        version: &'a str,
        #[serde(serialize_with = "null_if_empty_map")]
        metadata: &'a crate::model::Metadata,
        #[serde(serialize_with = "null_if_empty_slice")]
        endpoints: &'a [crate::model::Endpoint],
        nodes: [&'a Node; 1],
    }
    fn null_if_empty_map<S: serde::Serializer>(
        map: &&crate::model::Metadata,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        use serde::Serialize;
        if map.is_empty() {
            s.serialize_none()
        } else {
            map.serialize(s)
        }
    }
    fn null_if_empty_slice<S: serde::Serializer>(
        list: &&[crate::model::Endpoint],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        use serde::Serialize;
        if list.is_empty() {
            s.serialize_none()
        } else {
            list.serialize(s)
        }
    }
    serde_json::to_string(&OneNode {
        name: &template.name,
        version: &template.version,
        metadata: &template.metadata,
        endpoints: &template.endpoints,
        nodes: [node],
    })
    .expect("a Service always serializes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Endpoint;

    #[test]
    fn encode_is_the_services_own_json_with_one_node() {
        let mut service = Service::new("greeter", "1.0.0")
            .with_node(Node::new("g-1", "10.0.0.1:80"))
            .with_node(Node::new("g-2", "10.0.0.2:80"));
        let expected = Service {
            nodes: vec![service.nodes[1].clone()],
            ..service.clone()
        };
        assert_eq!(encode(&service, &service.nodes[1]), expected.to_json());
        service.metadata.insert("k".into(), "v".into());
        service.endpoints.push(Endpoint {
            name: "Greeter.Hello".into(),
            ..Default::default()
        });
        let expected = Service {
            nodes: vec![service.nodes[0].clone()],
            ..service.clone()
        };
        assert_eq!(encode(&service, &service.nodes[0]), expected.to_json());
    }

    #[test]
    fn values_that_are_not_services_are_counted() {
        let layout = Layout::new("/micro/registry/").unwrap();
        let scope = layout.scope("micro", None);
        let invalid = InvalidValues::default();
        let key = b"/micro/registry/x/y";
        assert!(matches!(
            decode(&layout, &scope, key, b"{not json", &invalid),
            Decoded::Invalid
        ));
        assert!(matches!(
            decode(&layout, &scope, key, b"null", &invalid),
            Decoded::Invalid
        ));
        assert!(matches!(
            decode(
                &layout,
                &scope,
                key,
                br#"{"name":"x","nodes":null}"#,
                &invalid
            ),
            Decoded::Invalid
        ));
        assert_eq!(invalid.count(), 3);
        let good = Service::new("x", "1").with_node(Node::new("y", "1.2.3.4:5"));
        assert!(matches!(
            decode(&layout, &scope, key, good.to_json().as_bytes(), &invalid),
            Decoded::Service(s) if s == good
        ));
    }
}
