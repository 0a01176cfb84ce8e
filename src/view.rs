//! A picture of services kept current by watch events, the one way every view
//! of the registry (the cache, `microreg browse`) applies a change.
//!
//! Events are per node: a create or update carries the node as it now is, a
//! delete carries the node that went. Applying them in the order the watcher
//! yields them to a listing taken *after* the watch started gives the
//! registry's current state: a change made before the listing is either in it
//! or arrives again as an event (applying it twice changes nothing), and a
//! change after it always arrives. So a view fed this way never brings back a
//! node that a later event removed.

use std::collections::BTreeMap;

use crate::model::{Node, Service};
use crate::registry::{merge_by_version, Action, Event};

/// Applies one change to the versions of one service (`services` all share the
/// change's name): upserts or removes the change's nodes in its version, drops
/// a version left without nodes. Service-level data (endpoints, metadata) comes
/// from the latest create or update.
pub fn apply_change(services: &mut Vec<Service>, action: Action, change: &Service) {
    let position = services.iter().position(|s| s.version == change.version);
    match action {
        Action::Create | Action::Update => {
            let index = position.unwrap_or_else(|| {
                services.push(Service {
                    nodes: Vec::new(),
                    ..change.clone()
                });
                services.len() - 1
            });
            let service = &mut services[index];
            service.metadata = change.metadata.clone();
            service.endpoints = change.endpoints.clone();
            for node in &change.nodes {
                match service.nodes.iter_mut().find(|n| same_node(n, node)) {
                    Some(slot) => *slot = node.clone(),
                    None => service.nodes.push(node.clone()),
                }
            }
        }
        Action::Delete => {
            if let Some(index) = position {
                let service = &mut services[index];
                service
                    .nodes
                    .retain(|n| !change.nodes.iter().any(|gone| same_node(gone, n)));
                if service.nodes.is_empty() {
                    services.remove(index);
                }
            }
        }
    }
}

/// One node: the same id in the same domain (a `*` view marks each node's
/// domain in its metadata; elsewhere that key is absent on both sides).
fn same_node(a: &Node, b: &Node) -> bool {
    a.id == b.id && a.metadata.get("domain") == b.metadata.get("domain")
}

/// Every service of a domain, by name, fed by a listing and then by events.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceView {
    by_name: BTreeMap<String, Vec<Service>>,
}

impl ServiceView {
    /// A view of `services` (as `list_services` returns them: with nodes).
    pub fn from_services(services: impl IntoIterator<Item = Service>) -> Self {
        let mut grouped: BTreeMap<String, Vec<Service>> = BTreeMap::new();
        for service in services {
            grouped
                .entry(service.name.clone())
                .or_default()
                .push(service);
        }
        let by_name = grouped
            .into_iter()
            .map(|(name, versions)| {
                let mut merged = merge_by_version(versions);
                merged.retain(|s| !s.nodes.is_empty());
                (name, merged)
            })
            .filter(|(_, versions)| !versions.is_empty())
            .collect();
        ServiceView { by_name }
    }

    /// Applies a watch event.
    pub fn apply(&mut self, event: &Event) {
        let name = &event.service.name;
        let versions = self.by_name.entry(name.clone()).or_default();
        apply_change(versions, event.action, &event.service);
        if versions.is_empty() {
            self.by_name.remove(name);
        }
    }

    /// Every version of every service, by name, then in the order versions
    /// were first seen.
    pub fn services(&self) -> impl Iterator<Item = &Service> {
        self.by_name.values().flatten()
    }

    /// How many services (names) are in view.
    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    /// Whether no service is in view.
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    /// How many nodes are in view.
    pub fn node_count(&self) -> usize {
        self.services().map(|s| s.nodes.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, id: &str) -> Service {
        Service::new(name, "1").with_node(Node::new(id, "10.0.0.1:1"))
    }

    fn event(action: Action, service: Service) -> Event {
        Event::now(action, service)
    }

    #[test]
    fn a_delete_after_the_listing_is_final() {
        let mut view = ServiceView::from_services([node("a", "a-1"), node("a", "a-2")]);
        // Events queued since the watch started: a create that the listing
        // already holds, then the delete; nothing may bring a-1 back.
        view.apply(&event(Action::Create, node("a", "a-1")));
        view.apply(&event(Action::Delete, node("a", "a-1")));
        view.apply(&event(Action::Delete, node("a", "a-2")));
        assert!(view.is_empty(), "{view:?}");
        view.apply(&event(Action::Delete, node("a", "a-2")));
        assert!(view.is_empty(), "a repeated delete changes nothing");
    }

    #[test]
    fn updates_replace_nodes_and_versions_stay_apart() {
        let mut view = ServiceView::default();
        view.apply(&event(Action::Create, node("a", "a-1")));
        let mut v2 = Service::new("a", "2").with_node(Node::new("a-9", "10.0.0.9:1"));
        view.apply(&event(Action::Create, v2.clone()));
        v2.nodes[0].address = "10.0.0.9:2".into();
        view.apply(&event(Action::Update, v2));
        let versions: Vec<(&str, usize)> = view
            .services()
            .map(|s| (s.version.as_str(), s.nodes.len()))
            .collect();
        assert_eq!(versions, [("1", 1), ("2", 1)]);
        assert_eq!(
            view.services().nth(1).unwrap().nodes[0].address,
            "10.0.0.9:2"
        );
        assert_eq!((view.len(), view.node_count()), (1, 2));
    }

    #[test]
    fn the_same_id_in_two_domains_is_two_nodes() {
        let in_domain = |domain: &str| {
            let mut service = node("a", "a-1");
            service.nodes[0]
                .metadata
                .insert("domain".into(), domain.into());
            service
        };
        let mut view = ServiceView::default();
        view.apply(&event(Action::Create, in_domain("micro")));
        view.apply(&event(Action::Create, in_domain("prod")));
        view.apply(&event(Action::Delete, in_domain("micro")));
        let left: Vec<&str> = view
            .services()
            .flat_map(|s| &s.nodes)
            .map(|n| n.metadata["domain"].as_str())
            .collect();
        assert_eq!(left, ["prod"]);
    }
}
