//! A node registered with a TTL and not registered again within it goes, as
//! the Registry contract says (and as the memory and mDNS backends do): the
//! lease keeps nodes alive cheaply while their process lives, and this reaper
//! deletes the ones the program stopped refreshing. The keeper's refreshes
//! reach only this bookkeeping; etcd sees nothing of them.

use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use super::writes::Op;
use super::Shared;

/// A failed delete (etcd unreachable) is tried again after this long.
const RETRY: Duration = Duration::from_secs(1);

impl Shared {
    /// Deletes the nodes whose TTL ran out; when the next one is due.
    async fn reap(&self) -> Option<Instant> {
        let mut writes = self.writes.lock().await;
        let now = Instant::now();
        let expired: Vec<String> = writes
            .deadlines
            .iter()
            .filter(|(_, deadline)| **deadline <= now)
            .map(|(key, _)| key.clone())
            .collect();
        if !expired.is_empty() {
            let ops = expired
                .iter()
                .map(|key| Op::Delete { key: key.clone() })
                .collect();
            if let Err(error) = self.apply_batched(ops).await {
                tracing::warn!(%error, nodes = expired.len(), "deleting expired nodes failed; retrying");
                return Some(Instant::now() + RETRY);
            }
            for key in &expired {
                writes.deadlines.remove(key);
                if let Some(previous) = writes.nodes.remove(key) {
                    self.move_key(&mut writes, key, previous.ttl, None).await;
                }
            }
        }
        writes.deadlines.values().min().copied()
    }
}

/// Runs until the registry is dropped; woken when a deadline may have moved earlier.
pub(crate) async fn reap_expired(shared: Weak<Shared>, changed: Arc<Notify>) {
    loop {
        let wake = changed.notified();
        tokio::pin!(wake);
        wake.as_mut().enable();
        let next = {
            let Some(registry) = shared.upgrade() else {
                return;
            };
            registry.reap().await
        };
        let until = next.unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
        tokio::select! {
            _ = tokio::time::sleep_until(until) => {}
            _ = &mut wake => {}
        }
    }
}
