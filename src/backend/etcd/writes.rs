//! What this process has written to etcd, and how: every node of one TTL
//! shares one lease, kept alive by one KeepAlive stream (see `leases`); many
//! nodes go in few transactions, and writing what is already there is skipped,
//! so the keeper's periodic refresh costs etcd nothing.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use etcd_client::{PutOptions, Txn, TxnOp};
use futures::{StreamExt, TryStreamExt};
use tokio::task::AbortHandle;

use super::connection::{is_lease_not_found, Connection};
use super::Shared;
use crate::error::Result;

/// etcd refuses requests above 1.5 MiB by default (`--max-request-bytes`).
const MAX_TXN_BYTES: usize = 1024 * 1024;
/// Transactions in flight at once when many nodes are written.
const TXNS_IN_FLIGHT: usize = 4;

/// The lease of one TTL, in seconds.
pub(crate) type TtlSeconds = i64;

/// This process's writes, behind one async lock: a refresh, a lease
/// replacement and a deregister never interleave.
#[derive(Default)]
pub(crate) struct Writes {
    /// etcd key -> what we put there.
    pub nodes: HashMap<String, Written>,
    /// One lease per distinct TTL.
    pub leases: BTreeMap<TtlSeconds, LeaseSlot>,
    /// etcd key -> when the node expires unless registered again.
    pub deadlines: HashMap<String, tokio::time::Instant>,
}

#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Written {
    pub value: String,
    pub ttl: Option<TtlSeconds>,
}

pub(crate) struct LeaseSlot {
    pub id: i64,
    pub keys: BTreeSet<String>,
    /// The task keeping it alive.
    pub keeper: Option<AbortHandle>,
}

impl Drop for LeaseSlot {
    fn drop(&mut self) {
        if let Some(task) = &self.keeper {
            task.abort();
        }
    }
}

/// One put or delete in a batch.
pub(crate) enum Op {
    Put {
        key: String,
        value: String,
        lease: i64,
    },
    Delete {
        key: String,
    },
}

impl Op {
    fn size(&self) -> usize {
        match self {
            Op::Put { key, value, .. } => key.len() + value.len() + 16,
            Op::Delete { key } => key.len() + 8,
        }
    }

    fn into_txn_op(self) -> TxnOp {
        match self {
            Op::Put { key, value, lease } => {
                let options = (lease != 0).then(|| PutOptions::new().with_lease(lease));
                TxnOp::put(key, value, options)
            }
            Op::Delete { key } => TxnOp::delete(key, None),
        }
    }
}

/// A TTL as etcd's whole seconds, rounded up.
pub(crate) fn ttl_seconds(ttl: Duration) -> TtlSeconds {
    let whole = ttl.as_secs() as i64 + i64::from(ttl.subsec_nanos() > 0);
    whole.max(1)
}

impl Shared {
    /// Sends `ops` in transactions of at most `max_txn_ops` operations and
    /// ~1 MiB each, a few in flight at once. Stops at the first failure.
    pub(crate) async fn apply_batched(&self, ops: Vec<Op>) -> Result<()> {
        let mut batches: Vec<Vec<Op>> = Vec::new();
        let mut bytes = 0;
        for op in ops {
            let size = op.size();
            match batches.last_mut() {
                Some(batch) if batch.len() < self.max_txn_ops && bytes + size <= MAX_TXN_BYTES => {
                    bytes += size;
                    batch.push(op);
                }
                _ => {
                    bytes = size;
                    batches.push(vec![op]);
                }
            }
        }
        futures::stream::iter(batches)
            .map(|batch| self.txn(batch))
            .buffer_unordered(TXNS_IN_FLIGHT)
            .try_collect::<Vec<()>>()
            .await
            .map(drop)
    }

    async fn txn(&self, batch: Vec<Op>) -> Result<()> {
        let ops: Vec<TxnOp> = batch.into_iter().map(Op::into_txn_op).collect();
        let result = self
            .conn
            .call("write", |client| {
                let txn = Txn::new().and_then(ops.clone());
                async move { Connection::kv(&client).txn(txn).await.map(drop) }
            })
            .await;
        self.health.record(&result);
        result
    }

    /// Like [`apply_batched`], but tells a put that names a lease etcd no
    /// longer has apart from other failures.
    pub(crate) async fn put_batched(&self, ops: Vec<Op>) -> std::result::Result<(), PutError> {
        let ops_for_retry_check = ops
            .iter()
            .any(|op| matches!(op, Op::Put { lease, .. } if *lease != 0));
        match self.apply_batched(ops).await {
            Ok(()) => Ok(()),
            Err(error) if ops_for_retry_check && error.to_string().contains("lease not found") => {
                Err(PutError::LeaseGone)
            }
            Err(error) => Err(PutError::Other(error)),
        }
    }

    /// Grants a lease of `ttl` seconds.
    pub(crate) async fn grant(&self, ttl: TtlSeconds) -> Result<i64> {
        let result = self
            .conn
            .call("lease grant", |client| async move {
                client.lease_client().grant(ttl, None).await.map(|r| r.id())
            })
            .await;
        self.health.record(&result);
        result
    }

    /// Revokes a lease, best effort (its keys go with it).
    pub(crate) async fn revoke(&self, id: i64) {
        let result = self
            .conn
            .call("lease revoke", |client| async move {
                match client.lease_client().revoke(id).await {
                    Err(error) if is_lease_not_found(&error) => Ok(()),
                    other => other.map(drop),
                }
            })
            .await;
        if let Err(error) = result {
            tracing::debug!(%error, lease = id, "revoking an unused lease failed; it expires by itself");
        }
    }
}

/// Why a batch of puts failed.
pub(crate) enum PutError {
    /// The lease was gone (expired or revoked): grant a new one and put again.
    LeaseGone,
    Other(crate::error::Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttls_round_up_to_whole_seconds() {
        assert_eq!(ttl_seconds(Duration::from_millis(1)), 1);
        assert_eq!(ttl_seconds(Duration::from_millis(1500)), 2);
        assert_eq!(ttl_seconds(Duration::from_secs(30)), 30);
    }
}
