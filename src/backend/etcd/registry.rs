//! The etcd backend's Registry: register, deregister, lookups and watches
//! over the connection, the leases and the key layout.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use super::config::EtcdConfig;
use super::connection::Connection;
use super::health::Health;
use super::layout::Layout;
use super::values::{self, InvalidValues};
use super::writes::{ttl_seconds, Op, PutError, Writes, Written};

use crate::error::{Error, Result};
use crate::model::Service;
use crate::registry::{merge_by_version, RegisterOptions, Registry, WatchOptions};
use crate::validate;
use crate::watch::Watcher;

/// A registry in an etcd cluster. Cheap to clone; clones share the connection,
/// the leases and what was written.
#[derive(Clone)]
pub struct EtcdRegistry {
    shared: Arc<Shared>,
}

pub(crate) struct Shared {
    pub(super) conn: Connection,
    pub(super) layout: Layout,
    pub(super) max_txn_ops: usize,
    pub(super) writes: tokio::sync::Mutex<Writes>,
    pub(super) health: Health,
    pub(super) invalid: InvalidValues,
    /// Wakes the expiry reaper when a deadline may have moved earlier.
    pub(super) deadlines_changed: Arc<tokio::sync::Notify>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        self.deadlines_changed.notify_one();
    }
}

impl EtcdRegistry {
    /// A registry on the cluster `config` names. Checks the configuration
    /// (addresses, TLS files, credentials given in pairs) but does not wait for
    /// etcd: the connection is made on first use, and every operation fails
    /// with a clear [`Error::BackendUnavailable`] within `request_timeout` (plus
    /// the dial timeout) while etcd cannot be reached or refuses the
    /// credentials.
    pub fn connect(config: &EtcdConfig, request_timeout: Duration) -> Result<Self> {
        if config.max_txn_ops == 0 {
            return Err(Error::invalid("etcd max_txn_ops must be above zero"));
        }
        let deadlines_changed = Arc::new(tokio::sync::Notify::new());
        let shared = Arc::new(Shared {
            conn: Connection::new(config, request_timeout)?,
            layout: Layout::new(&config.prefix)?,
            max_txn_ops: config.max_txn_ops,
            writes: tokio::sync::Mutex::new(Writes::default()),
            health: Health::default(),
            invalid: InvalidValues::default(),
            deadlines_changed: deadlines_changed.clone(),
        });
        crate::runtime::handle().spawn(super::expiry::reap_expired(
            Arc::downgrade(&shared),
            deadlines_changed,
        ));
        Ok(EtcdRegistry { shared })
    }

    /// How many values under the prefix could not be read as a service (and
    /// were skipped) since this registry was made.
    pub fn invalid_values(&self) -> u64 {
        self.shared.invalid.count()
    }

    /// The etcd lease ids this registry keeps alive, by TTL in seconds.
    pub async fn leases(&self) -> BTreeMap<i64, i64> {
        let writes = self.shared.writes.lock().await;
        writes
            .leases
            .iter()
            .map(|(ttl, slot)| (*ttl, slot.id))
            .collect()
    }

    /// The etcd key of a node (where go-micro would put it, in the default domain).
    pub fn node_key(&self, domain: &str, service: &str, node_id: &str) -> String {
        self.shared.layout.node_key(domain, service, node_id)
    }
}

impl Shared {
    async fn register(
        self: &Arc<Self>,
        service: &Service,
        options: &RegisterOptions,
    ) -> Result<()> {
        validate::register(service, options)?;
        let ttl = options.ttl.map(ttl_seconds);
        let mut writes = self.writes.lock().await;
        let lease = match ttl {
            Some(ttl) => self.lease_for(&mut writes, ttl).await?,
            None => 0,
        };
        let wanted: Vec<(String, Written)> = service
            .nodes
            .iter()
            .map(|node| {
                let key = self
                    .layout
                    .node_key(&options.domain, &service.name, &node.id);
                let value = values::encode(service, node);
                (key, Written { value, ttl })
            })
            .filter(|(key, written)| writes.nodes.get(key) != Some(written))
            .collect();
        if wanted.is_empty() {
            self.set_deadlines(&mut writes, service, options);
            return Ok(());
        }
        let ops = |lease: i64| {
            wanted
                .iter()
                .map(|(key, written)| Op::Put {
                    key: key.clone(),
                    value: written.value.clone(),
                    lease,
                })
                .collect::<Vec<_>>()
        };
        let written = match self.put_batched(ops(lease)).await {
            Ok(()) => Ok(()),
            Err(PutError::Other(error)) => Err(error),
            Err(PutError::LeaseGone) => {
                // Lost before the keepalive stream noticed: replace it (its
                // other nodes are put again too) and put ours under the new one.
                let ttl = ttl.expect("only a lease can be gone");
                match self.replace_lease(&mut writes, ttl).await {
                    Ok(new_lease) => match self.put_batched(ops(new_lease)).await {
                        Ok(()) => Ok(()),
                        Err(PutError::LeaseGone) => {
                            Err(Error::unavailable("etcd dropped a lease just granted"))
                        }
                        Err(PutError::Other(error)) => Err(error),
                    },
                    Err(error) => Err(error),
                }
            }
        };
        if let Err(error) = written {
            // A lease granted for this call alone goes, and with it whatever
            // part of the call's batches did reach etcd.
            if let Some(ttl) = ttl {
                if writes
                    .leases
                    .get(&ttl)
                    .is_some_and(|slot| slot.keys.is_empty())
                {
                    if let Some(slot) = writes.leases.remove(&ttl) {
                        self.revoke(slot.id).await;
                    }
                }
            }
            return Err(error);
        }
        for (key, written) in wanted {
            let previous = writes.nodes.insert(key.clone(), written);
            self.move_key(&mut writes, &key, previous.and_then(|w| w.ttl), ttl)
                .await;
        }
        self.set_deadlines(&mut writes, service, options);
        Ok(())
    }

    /// The registered nodes expire a TTL from now unless registered again.
    fn set_deadlines(&self, writes: &mut Writes, service: &Service, options: &RegisterOptions) {
        let deadline = options.ttl.map(|ttl| tokio::time::Instant::now() + ttl);
        for node in &service.nodes {
            let key = self
                .layout
                .node_key(&options.domain, &service.name, &node.id);
            match deadline {
                Some(deadline) => writes.deadlines.insert(key, deadline),
                None => writes.deadlines.remove(&key),
            };
        }
        if deadline.is_some() {
            self.deadlines_changed.notify_one();
        }
    }

    /// Files `key` under the lease of `to` instead of `from`; a lease left
    /// without nodes is revoked.
    pub(super) async fn move_key(
        &self,
        writes: &mut Writes,
        key: &str,
        from: Option<i64>,
        to: Option<i64>,
    ) {
        if from != to {
            if let Some(from) = from {
                let empty = writes.leases.get_mut(&from).is_some_and(|slot| {
                    slot.keys.remove(key);
                    slot.keys.is_empty()
                });
                if empty {
                    if let Some(slot) = writes.leases.remove(&from) {
                        self.revoke(slot.id).await;
                    }
                }
            }
        }
        if let Some(to) = to {
            if let Some(slot) = writes.leases.get_mut(&to) {
                slot.keys.insert(key.to_string());
            }
        }
    }

    async fn deregister(&self, service: &Service, domain: &str) -> Result<()> {
        validate::deregister(service, domain)?;
        let keys: Vec<String> = if service.nodes.is_empty() {
            // Every node of this version: find them.
            let scope = self.layout.scope(domain, Some(&service.name));
            let (snapshot, _) = self.read_snapshot(&scope).await?;
            let mut keys = Vec::new();
            for (key, value) in snapshot {
                let Ok(key) = String::from_utf8(key) else {
                    continue;
                };
                if value.version() == Some(&service.version) {
                    keys.push(key);
                }
            }
            keys
        } else {
            service
                .nodes
                .iter()
                .map(|node| self.layout.node_key(domain, &service.name, &node.id))
                .collect()
        };
        let mut writes = self.writes.lock().await;
        let ops = keys
            .iter()
            .map(|key| Op::Delete { key: key.clone() })
            .collect();
        self.apply_batched(ops).await?;
        for key in &keys {
            writes.deadlines.remove(key);
            if let Some(previous) = writes.nodes.remove(key) {
                self.move_key(&mut writes, key, previous.ttl, None).await;
            }
        }
        Ok(())
    }

    /// The services of one scope, merged by version, grouped by name.
    async fn read_services(&self, domain: &str, service: Option<&str>) -> Result<Vec<Service>> {
        let scope = self.layout.scope(domain, service);
        let (snapshot, _) = self.read_snapshot(&scope).await?;
        let mut by_name: BTreeMap<String, Vec<Service>> = BTreeMap::new();
        let mut entries: Vec<(Vec<u8>, Service)> = snapshot
            .into_iter()
            .filter_map(|(key, known)| Some((key, known.into_service()?)))
            .collect();
        // Key order, as etcd lists them (and go-micro merges them).
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        for (_, service) in entries {
            by_name
                .entry(service.name.clone())
                .or_default()
                .push(service);
        }
        Ok(by_name.into_values().flat_map(merge_by_version).collect())
    }
}

#[async_trait]
impl Registry for EtcdRegistry {
    async fn register(&self, service: &Service, options: &RegisterOptions) -> Result<()> {
        self.shared.register(service, options).await
    }

    async fn deregister(&self, service: &Service, domain: &str) -> Result<()> {
        self.shared.deregister(service, domain).await
    }

    async fn get_service(&self, name: &str, domain: &str) -> Result<Vec<Service>> {
        validate::get_service(name, domain)?;
        let services = self.shared.read_services(domain, Some(name)).await?;
        if services.is_empty() {
            return Err(Error::NotFound);
        }
        Ok(services)
    }

    async fn list_services(&self, domain: &str) -> Result<Vec<Service>> {
        validate::list_services(domain)?;
        self.shared.read_services(domain, None).await
    }

    async fn watch(&self, options: &WatchOptions) -> Result<Watcher> {
        validate::watch(options)?;
        let scope = self
            .shared
            .layout
            .scope(&options.domain, options.service.as_deref());
        self.shared.start_watch(scope).await
    }

    fn name(&self) -> &'static str {
        "etcd"
    }

    fn health(&self) -> Option<Error> {
        self.shared.health.get()
    }
}
