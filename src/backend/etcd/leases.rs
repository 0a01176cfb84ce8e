//! Leases: one per distinct TTL (in whole seconds) per registry, shared by all
//! nodes registered with that TTL, each kept alive by ONE long-lived KeepAlive
//! stream (go-micro keeps one stream per node; its PERFORMANCE.md tells why
//! per-request keepalives took etcd down). A lease that is lost (expired during
//! a partition, revoked, or etcd's data gone) is noticed by its stream, and
//! every node under it is put again with a new lease, without the user doing
//! anything.

use std::sync::{Arc, Weak};
use std::time::Duration;

use super::connection::is_lease_not_found;
use super::writes::{LeaseSlot, Op, PutError, TtlSeconds, Writes};
use super::Shared;
use crate::error::{Error, Result};

/// First pause after a failure to reach etcd; doubled up to `MAX_BACKOFF`.
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// How often a lease of `ttl` seconds is renewed: a third of it, so two
/// renewals may be lost before it expires.
fn renew_every(ttl: TtlSeconds) -> Duration {
    Duration::from_millis((ttl as u64 * 1000 / 3).max(300))
}

impl Shared {
    /// The lease for `ttl`, granted (and its keeper started) on first use.
    pub(crate) async fn lease_for(
        self: &Arc<Self>,
        writes: &mut Writes,
        ttl: TtlSeconds,
    ) -> Result<i64> {
        if let Some(slot) = writes.leases.get(&ttl) {
            return Ok(slot.id);
        }
        let id = self.grant(ttl).await?;
        let task = crate::runtime::handle().spawn(keep_alive(Arc::downgrade(self), ttl, id));
        writes.leases.insert(
            ttl,
            LeaseSlot {
                id,
                keys: Default::default(),
                keeper: Some(task.abort_handle()),
            },
        );
        Ok(id)
    }

    /// Grants a new lease for `ttl` and puts every node of the old one again
    /// under it. Called with the writes lock held.
    pub(crate) async fn replace_lease(&self, writes: &mut Writes, ttl: TtlSeconds) -> Result<i64> {
        let id = self.grant(ttl).await?;
        let Some(slot) = writes.leases.get_mut(&ttl) else {
            self.revoke(id).await;
            return Err(Error::Internal(
                "lease replaced after its last node left".into(),
            ));
        };
        let old = std::mem::replace(&mut slot.id, id);
        let ops: Vec<Op> = slot
            .keys
            .iter()
            .filter_map(|key| {
                let written = writes.nodes.get(key)?;
                Some(Op::Put {
                    key: key.clone(),
                    value: written.value.clone(),
                    lease: id,
                })
            })
            .collect();
        let count = ops.len();
        match self.put_batched(ops).await {
            Ok(()) => {
                tracing::info!(
                    ttl,
                    old_lease = old,
                    lease = id,
                    nodes = count,
                    "etcd lease was lost; nodes put again under a new lease"
                );
                Ok(id)
            }
            Err(PutError::LeaseGone) => {
                Err(Error::unavailable("the new etcd lease vanished at once"))
            }
            Err(PutError::Other(error)) => Err(error),
        }
    }

    /// Whether `id` is still the lease of `ttl` (it may have been replaced or dropped).
    async fn current_lease(&self, ttl: TtlSeconds) -> Option<i64> {
        self.writes
            .lock()
            .await
            .leases
            .get(&ttl)
            .map(|slot| slot.id)
    }
}

/// Keeps the lease of `ttl` alive over one stream for as long as the slot
/// exists; reopens the stream after a failure and replaces the lease when etcd
/// says it is gone.
async fn keep_alive(shared: Weak<Shared>, ttl: TtlSeconds, mut id: i64) {
    let mut backoff = FIRST_BACKOFF;
    loop {
        let outcome = stream_keepalives(&shared, ttl, id).await;
        let Some(registry) = shared.upgrade() else {
            return;
        };
        let lost = match outcome {
            Stream::Lost => true,
            Stream::Broken(error) => {
                registry.health.down(&error);
                tracing::debug!(%error, lease = id, "etcd keepalive stream broken; reopening");
                false
            }
        };
        if lost {
            let mut writes = registry.writes.lock().await;
            if writes.leases.get(&ttl).map(|slot| slot.id) != Some(id) {
                // Replaced by a register that met the loss first, or dropped.
                match writes.leases.get(&ttl) {
                    Some(slot) => id = slot.id,
                    None => return,
                }
                backoff = FIRST_BACKOFF;
                continue;
            }
            match registry.replace_lease(&mut writes, ttl).await {
                Ok(new_id) => {
                    id = new_id;
                    backoff = FIRST_BACKOFF;
                    continue;
                }
                Err(error) => {
                    registry.health.down(&error);
                    tracing::warn!(%error, ttl, "cannot replace a lost etcd lease yet; retrying");
                }
            }
        } else if let Some(current) = registry.current_lease(ttl).await {
            id = current;
        } else {
            return;
        }
        drop(registry);
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

enum Stream {
    /// etcd says the lease does not exist (any more).
    Lost,
    /// The stream could not be opened or broke; the lease may be fine.
    Broken(Error),
}

/// Renews `id` every third of its TTL over one stream until something goes wrong.
/// Holds the registry only while talking, never while waiting.
async fn stream_keepalives(shared: &Weak<Shared>, ttl: TtlSeconds, id: i64) -> Stream {
    let opened = {
        let Some(registry) = shared.upgrade() else {
            return Stream::Broken(Error::Internal("registry dropped".into()));
        };
        let timeout = registry.conn.request_timeout();
        match registry.conn.client().await {
            Err(error) => Err(Stream::Broken(error)),
            Ok(client) => {
                let mut lease = client.lease_client();
                match tokio::time::timeout(timeout, lease.keep_alive(id)).await {
                    Ok(Ok(stream)) => {
                        registry.health.up();
                        Ok((stream, timeout))
                    }
                    Ok(Err(error)) if is_lease_not_found(&error) => Err(Stream::Lost),
                    Ok(Err(error)) => Err(Stream::Broken(
                        registry.conn.error("lease keepalive", error),
                    )),
                    Err(_) => Err(Stream::Broken(Error::unavailable(
                        "etcd lease keepalive: no answer within the request timeout",
                    ))),
                }
            }
        }
    };
    let ((mut keeper, mut responses), timeout) = match opened {
        Ok(opened) => opened,
        Err(outcome) => return outcome,
    };
    loop {
        tokio::time::sleep(renew_every(ttl)).await;
        // Stop when the registry is gone or the lease was replaced or dropped.
        match shared.upgrade() {
            Some(registry) if registry.current_lease(ttl).await == Some(id) => {}
            _ => return Stream::Broken(Error::Internal("lease no longer used".into())),
        }
        if let Err(error) = keeper.keep_alive().await {
            return Stream::Broken(Error::unavailable(format!("etcd lease keepalive: {error}")));
        }
        match tokio::time::timeout(timeout, responses.message()).await {
            Ok(Ok(Some(answer))) if answer.ttl() > 0 => {
                if let Some(registry) = shared.upgrade() {
                    registry.health.up();
                }
            }
            Ok(Ok(Some(_))) => return Stream::Lost,
            Ok(Ok(None)) => {
                return Stream::Broken(Error::unavailable("etcd closed the lease keepalive stream"))
            }
            Ok(Err(error)) if is_lease_not_found(&error) => return Stream::Lost,
            Ok(Err(error)) => {
                return Stream::Broken(Error::unavailable(format!("etcd lease keepalive: {error}")))
            }
            Err(_) => {
                return Stream::Broken(Error::unavailable(
                    "etcd lease keepalive: no answer within the request timeout",
                ))
            }
        }
    }
}
