//! The watch fan-out, once for every backend: a backend keeps one
//! [`WatchFanout`], hands out watchers from it, and publishes each node-level
//! change once; the fan-out picks the watchers whose service and domain filter
//! it passes, shows it as each watcher's domain view shows it (`*` marks the
//! node's domain), and forgets watchers that are gone.

use crate::domain::{in_view, seen_from};
use crate::model::Service;
use crate::registry::{Action, Event, WatchOptions};
use crate::watch::{self, WatchSender, Watcher};

/// The watchers of one backend. Not locked itself: keep it under the lock that
/// orders the backend's changes, so that events leave in the order they happened.
#[derive(Default)]
pub struct WatchFanout {
    subscriptions: Vec<Subscription>,
}

struct Subscription {
    options: WatchOptions,
    sender: WatchSender,
}

impl WatchFanout {
    /// An empty fan-out.
    #[cfg(test)]
    pub fn new() -> Self {
        Self::default()
    }

    /// A new watcher of what `options` select, from now on.
    pub fn subscribe(&mut self, options: &WatchOptions) -> Watcher {
        let (sender, watcher) = watch::channel();
        self.forget_closed();
        self.subscriptions.push(Subscription {
            options: options.clone(),
            sender,
        });
        watcher
    }

    /// Tells every interested watcher that `service` (its nodes: the ones that
    /// changed), stored in `domain`, had `action`.
    pub fn publish(&mut self, action: Action, domain: &str, service: &Service) {
        self.forget_closed();
        for subscription in &self.subscriptions {
            let options = &subscription.options;
            if options.matches(&service.name) && in_view(&options.domain, domain) {
                let seen = seen_from(&options.domain, domain, service.clone());
                subscription.sender.send(Event::now(action, seen));
            }
        }
    }

    /// Whether nobody watches.
    #[cfg(test)]
    pub fn is_empty(&mut self) -> bool {
        self.forget_closed();
        self.subscriptions.is_empty()
    }

    /// Drops watchers that were stopped or dropped.
    fn forget_closed(&mut self) {
        self.subscriptions.retain(|s| !s.sender.is_closed());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Node;
    use std::time::Duration;

    fn node_of(domain: &str) -> Service {
        Service::new("cart", "1").with_node(Node::new(format!("cart-{domain}"), "10.0.0.1:1"))
    }

    #[tokio::test]
    async fn each_watcher_gets_what_its_filter_selects_in_order() {
        let mut fanout = WatchFanout::new();
        let shop = fanout.subscribe(&WatchOptions::default().domain("shop"));
        let all = fanout.subscribe(&WatchOptions::default().domain("*").service("cart"));
        let other = fanout.subscribe(&WatchOptions::default().service("other"));
        fanout.publish(Action::Create, "shop", &node_of("shop"));
        fanout.publish(Action::Create, "micro", &node_of("micro"));
        fanout.publish(Action::Delete, "shop", &node_of("shop"));

        let soon = Duration::from_millis(50);
        let event = shop.next_timeout(soon).await.unwrap();
        assert_eq!(event.action, Action::Create);
        assert!(!event.service.nodes[0].metadata.contains_key("domain"));
        assert_eq!(
            shop.next_timeout(soon).await.unwrap().action,
            Action::Delete
        );
        assert!(
            shop.next_timeout(soon).await.is_err(),
            "micro is not shop's"
        );

        let mut seen = Vec::new();
        for _ in 0..3 {
            let event = all.next_timeout(soon).await.unwrap();
            seen.push((
                event.action,
                event.service.nodes[0].metadata["domain"].clone(),
            ));
        }
        assert_eq!(
            seen,
            [
                (Action::Create, "shop".to_string()),
                (Action::Create, "micro".to_string()),
                (Action::Delete, "shop".to_string())
            ]
        );
        assert!(other.next_timeout(soon).await.is_err());
    }

    #[test]
    fn stopped_watchers_are_forgotten() {
        let mut fanout = WatchFanout::new();
        let watcher = fanout.subscribe(&WatchOptions::default());
        assert!(!fanout.is_empty());
        watcher.stop();
        assert!(fanout.is_empty());
    }
}
