//! Bounds on what the LAN tells us: a node learnt from the wire gets the same
//! checks as a local registration, its size counts against the view's byte
//! budget, and its record TTL is capped, so that announcements with a TTL of
//! 2³¹−1 s cannot hold the view for the life of the process.

use std::time::Duration;

use crate::error::Result;
use crate::model::{Endpoint, Metadata, Service, Value};

/// Nodes tracked at most (floods of announcements cannot grow memory further).
pub const DEFAULT_MAX_NODES: usize = 16384;
/// Estimated bytes of node data the view holds at most.
pub const DEFAULT_MAX_BYTES: usize = 24 << 20;
/// A received record lives at most this long without a refresh, whatever TTL
/// it claims: go-micro's own record TTL (120 s) with room for registry TTLs
/// of a few minutes. A live peer is asked again at 80 % (RFC 6762 §5.2), so a
/// real node with a longer TTL stays in view while it answers.
pub const DEFAULT_MAX_RECEIVED_TTL: Duration = Duration::from_secs(300);

/// How much the LAN can make the mDNS backend hold: what a flood of
/// announcements cannot push past ([`MdnsOptions::limits`](super::MdnsOptions::limits)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ViewLimits {
    /// Nodes tracked at most; further ones are ignored (and counted).
    pub max_nodes: usize,
    /// Estimated bytes of node data held at most.
    pub max_bytes: usize,
    /// The longest a received record is trusted without a refresh, whatever
    /// TTL it claims.
    pub max_ttl: Duration,
}

impl Default for ViewLimits {
    fn default() -> Self {
        ViewLimits {
            max_nodes: DEFAULT_MAX_NODES,
            max_bytes: DEFAULT_MAX_BYTES,
            max_ttl: DEFAULT_MAX_RECEIVED_TTL,
        }
    }
}

impl ViewLimits {
    /// The record TTL a received record is trusted for.
    pub fn cap_ttl(&self, ttl: Duration) -> Duration {
        ttl.min(self.max_ttl)
    }
}

/// A received one-node service passes the checks a registration passes
/// (name, id, address, metadata and endpoint bounds).
pub fn check_received(service: &Service) -> Result<()> {
    service.validate_for_register()
}

/// Heap bytes a one-node service takes, roughly (strings and collection
/// overheads); what the view's byte budget counts.
pub fn approx_size(service: &Service) -> usize {
    const PER_STRING: usize = 24;
    const PER_ENTRY: usize = 64;
    let text = |s: &String| PER_STRING + s.len();
    let metadata = |m: &Metadata| {
        m.iter()
            .map(|(k, v)| PER_ENTRY + k.len() + v.len())
            .sum::<usize>()
    };
    fn value_size(value: &Value) -> usize {
        96 + value.name.len()
            + value.type_name.len()
            + value.values.iter().map(value_size).sum::<usize>()
    }
    let endpoint = |e: &Endpoint| {
        PER_ENTRY
            + text(&e.name)
            + metadata(&e.metadata)
            + e.request.as_ref().map_or(0, value_size)
            + e.response.as_ref().map_or(0, value_size)
    };
    256 + text(&service.name)
        + text(&service.version)
        + metadata(&service.metadata)
        + service.endpoints.iter().map(endpoint).sum::<usize>()
        + service
            .nodes
            .iter()
            .map(|n| PER_ENTRY + text(&n.id) + text(&n.address) + metadata(&n.metadata))
            .sum::<usize>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Node, MAX_METADATA_LEN};

    #[test]
    fn received_nodes_meet_the_registration_bounds() {
        let mut node = Node::new("n", "10.0.0.1:80");
        node.metadata.insert("k".into(), "v".into());
        let ok = Service::new("s", "1").with_node(node.clone());
        assert!(check_received(&ok).is_ok());
        node.metadata
            .insert("big".into(), "x".repeat(MAX_METADATA_LEN + 1));
        assert!(check_received(&Service::new("s", "1").with_node(node)).is_err());
        let no_address = Service::new("s", "1").with_node(Node::new("n", "nowhere"));
        assert!(check_received(&no_address).is_err());
    }

    #[test]
    fn sizes_grow_with_content_and_ttls_are_capped() {
        let small = Service::new("s", "1").with_node(Node::new("n", "10.0.0.1:80"));
        let mut large = small.clone();
        large.nodes[0].metadata.insert("k".into(), "v".repeat(4000));
        assert!(approx_size(&large) >= approx_size(&small) + 4000);
        let limits = ViewLimits::default();
        assert_eq!(
            limits.cap_ttl(Duration::from_secs(u64::from(u32::MAX))),
            DEFAULT_MAX_RECEIVED_TTL
        );
        assert_eq!(
            limits.cap_ttl(Duration::from_secs(3)),
            Duration::from_secs(3)
        );
    }
}
