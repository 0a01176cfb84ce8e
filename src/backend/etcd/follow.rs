//! Watches: a prefix read, then a prefix watch from the revision after it.
//!
//! Each watch keeps the services it has seen by key (its snapshot). A delete
//! is told with the service from the snapshot (go-micro decodes the previous
//! value); a put that only changes the lease (a node put again after a lost
//! lease) is no change and tells nothing. After a dropped connection the watch
//! resumes from the revision after the last one it saw; if etcd has compacted
//! that history away, it reads the prefix afresh and tells the differences
//! (deletes included), so no watcher misses a change.

use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::Duration;

use etcd_client::{EventType, GetOptions, WatchOptions as EtcdWatchOptions, WatchStream};

use super::connection::Connection;
use super::layout::Scope;
use super::values::{decode, Decoded};
use super::Shared;
use crate::error::{Error, Result};
use crate::model::Service;
use crate::registry::{Action, Event};
use crate::watch::{self, WatchSender, Watcher};

const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// What one key of the scope holds.
pub(crate) struct Known {
    value: Vec<u8>,
    /// `None` for a value that is not a service.
    service: Option<Service>,
}

impl Known {
    /// The version of the service it holds, if it holds one.
    pub fn version(&self) -> Option<&String> {
        self.service.as_ref().map(|s| &s.version)
    }

    pub fn into_service(self) -> Option<Service> {
        self.service
    }
}

/// key -> what it holds, for every key of a scope.
pub(crate) type Snapshot = HashMap<Vec<u8>, Known>;

enum Opened {
    Stream(Box<WatchStream>),
    /// The revision asked for is compacted away: read afresh.
    Compacted,
}

impl Shared {
    /// Every key of `scope` and the revision it was read at.
    pub(crate) async fn read_snapshot(&self, scope: &Scope) -> Result<(Snapshot, i64)> {
        let prefix = scope.prefix.clone();
        let result = self
            .conn
            .call("read", |client| {
                let prefix = prefix.clone();
                async move {
                    Connection::kv(&client)
                        .get(prefix, Some(GetOptions::new().with_prefix()))
                        .await
                }
            })
            .await;
        self.health.record(&result);
        let mut answer = result?;
        let revision = answer.header().map_or(0, |h| h.revision());
        let mut snapshot = Snapshot::new();
        for kv in answer.take_kvs() {
            let (key, value) = kv.into_key_value();
            let service = match decode(&self.layout, scope, &key, &value, &self.invalid) {
                Decoded::Outside => continue,
                Decoded::Invalid => None,
                Decoded::Service(service) => Some(service),
            };
            snapshot.insert(key, Known { value, service });
        }
        Ok((snapshot, revision))
    }

    /// Starts a watch of `scope`; it is live (no change can be missed) when
    /// this returns.
    pub(crate) async fn start_watch(self: &Arc<Self>, scope: Scope) -> Result<Watcher> {
        let (snapshot, revision) = self.read_snapshot(&scope).await?;
        let stream = match self.open(&scope, revision + 1).await? {
            Opened::Stream(stream) => *stream,
            Opened::Compacted => {
                return Err(Error::unavailable(
                    "etcd compacted the revision just read; try again",
                ))
            }
        };
        let (sender, watcher) = watch::channel();
        crate::runtime::handle().spawn(follow(
            Arc::downgrade(self),
            scope,
            snapshot,
            revision,
            stream,
            sender,
        ));
        Ok(watcher)
    }

    /// Opens a prefix watch from `start` and waits until etcd confirms it.
    async fn open(&self, scope: &Scope, start: i64) -> Result<Opened> {
        let prefix = scope.prefix.clone();
        let result = self
            .conn
            .call("watch", |client| {
                let prefix = prefix.clone();
                async move {
                    let options = EtcdWatchOptions::new()
                        .with_prefix()
                        .with_start_revision(start);
                    let mut stream = Connection::watch(&client)
                        .watch(prefix, Some(options))
                        .await?;
                    loop {
                        match stream.message().await? {
                            Some(answer) if answer.compact_revision() > 0 => {
                                return Ok(Opened::Compacted)
                            }
                            Some(answer) if answer.canceled() => {
                                return Err(etcd_client::Error::WatchError(format!(
                                    "watch refused: {}",
                                    answer.cancel_reason()
                                )))
                            }
                            Some(answer) if answer.created() => {
                                return Ok(Opened::Stream(Box::new(stream)))
                            }
                            Some(_) => continue,
                            None => {
                                return Err(etcd_client::Error::WatchError(
                                    "etcd closed the watch stream".into(),
                                ))
                            }
                        }
                    }
                }
            })
            .await;
        self.health.record(&result);
        result
    }
}

/// How a stream ended.
enum Ended {
    /// The watcher is gone or stopped.
    Stopped,
    /// The history after our revision is compacted away.
    Compacted,
    /// Connection lost or watch cancelled: resume.
    Broken(String),
}

async fn follow(
    shared: Weak<Shared>,
    scope: Scope,
    mut snapshot: Snapshot,
    mut revision: i64,
    mut stream: WatchStream,
    sender: WatchSender,
) {
    loop {
        let mut compacted = match follow_stream(
            &shared,
            &scope,
            &mut snapshot,
            &mut revision,
            &mut stream,
            &sender,
        )
        .await
        {
            Ended::Stopped => return,
            Ended::Compacted => true,
            Ended::Broken(reason) => {
                tracing::debug!(reason, prefix = scope.prefix, "etcd watch broken; resuming");
                if let Some(registry) = shared.upgrade() {
                    registry
                        .health
                        .down(&Error::unavailable(format!("etcd watch: {reason}")));
                }
                false
            }
        };
        let mut backoff = FIRST_BACKOFF;
        // Told once the watch is open again and the registry let go.
        let mut pending = Vec::new();
        loop {
            let Some(registry) = shared.upgrade() else {
                return;
            };
            if compacted {
                match registry.read_snapshot(&scope).await {
                    Ok((fresh, fresh_revision)) => {
                        let events = differences(&snapshot, &fresh);
                        tracing::info!(
                            prefix = scope.prefix,
                            changes = events.len(),
                            "etcd watch history was compacted; resynchronised from a fresh read"
                        );
                        pending.extend(events);
                        snapshot = fresh;
                        revision = fresh_revision;
                        compacted = false;
                    }
                    Err(error) => {
                        tracing::debug!(%error, "resynchronising a watch failed; retrying")
                    }
                }
            }
            if !compacted {
                match registry.open(&scope, revision + 1).await {
                    Ok(Opened::Stream(fresh)) => {
                        stream = *fresh;
                        break;
                    }
                    Ok(Opened::Compacted) => {
                        compacted = true;
                        continue;
                    }
                    Err(error) => tracing::debug!(%error, "reopening a watch failed; retrying"),
                }
            }
            drop(registry);
            tokio::select! {
                _ = tokio::time::sleep(backoff) => {}
                _ = sender.closed() => return,
            }
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
        for event in pending {
            if !sender.send_waiting(event).await {
                return;
            }
        }
    }
}

async fn follow_stream(
    shared: &Weak<Shared>,
    scope: &Scope,
    snapshot: &mut Snapshot,
    revision: &mut i64,
    stream: &mut WatchStream,
    sender: &WatchSender,
) -> Ended {
    loop {
        let message = tokio::select! {
            message = stream.message() => message,
            _ = sender.closed() => return Ended::Stopped,
        };
        let answer = match message {
            Ok(Some(answer)) => answer,
            Ok(None) => return Ended::Broken("stream closed".into()),
            Err(error) => return Ended::Broken(error.to_string()),
        };
        if answer.compact_revision() > 0 {
            return Ended::Compacted;
        }
        if answer.canceled() {
            return Ended::Broken(format!("cancelled: {}", answer.cancel_reason()));
        }
        // The registry is held while decoding, not while waiting for the reader.
        let told = {
            let Some(registry) = shared.upgrade() else {
                return Ended::Stopped;
            };
            registry.health.up();
            changes(&registry, scope, snapshot, revision, answer.events())
        };
        for event in told {
            if !sender.send_waiting(event).await {
                return Ended::Stopped;
            }
        }
    }
}

/// Applies one answer's events to the snapshot; the changes to tell.
fn changes(
    registry: &Shared,
    scope: &Scope,
    snapshot: &mut Snapshot,
    revision: &mut i64,
    events: &[etcd_client::Event],
) -> Vec<Event> {
    let mut told = Vec::new();
    for event in events {
        let Some(kv) = event.kv() else { continue };
        *revision = (*revision).max(kv.mod_revision());
        let change = match event.event_type() {
            EventType::Put => {
                let key = kv.key();
                if snapshot.get(key).is_some_and(|k| k.value == kv.value()) {
                    continue; // same value, new lease: nothing changed
                }
                let decoded = decode(&registry.layout, scope, key, kv.value(), &registry.invalid);
                let service = match decoded {
                    Decoded::Outside => continue,
                    Decoded::Invalid => None,
                    Decoded::Service(service) => Some(service),
                };
                let known = Known {
                    value: kv.value().to_vec(),
                    service: service.clone(),
                };
                let before = snapshot.insert(key.to_vec(), known).and_then(|k| k.service);
                match (before, service) {
                    (None, Some(now)) => Some(Event::now(Action::Create, now)),
                    (Some(_), Some(now)) => Some(Event::now(Action::Update, now)),
                    (Some(before), None) => Some(Event::now(Action::Delete, before)),
                    (None, None) => None,
                }
            }
            EventType::Delete => snapshot
                .remove(kv.key())
                .and_then(|k| k.service)
                .map(|before| Event::now(Action::Delete, before)),
        };
        told.extend(change);
    }
    told
}

/// The events that turn `before` into `after`.
fn differences(before: &Snapshot, after: &Snapshot) -> Vec<Event> {
    let mut events = Vec::new();
    for (key, old) in before {
        if !after.contains_key(key) {
            if let Some(service) = &old.service {
                events.push(Event::now(Action::Delete, service.clone()));
            }
        }
    }
    for (key, new) in after {
        let old = before.get(key);
        if old.is_some_and(|old| old.value == new.value) {
            continue;
        }
        let had = old.and_then(|old| old.service.as_ref());
        match (had, &new.service) {
            (None, Some(now)) => events.push(Event::now(Action::Create, now.clone())),
            (Some(_), Some(now)) => events.push(Event::now(Action::Update, now.clone())),
            (Some(was), None) => events.push(Event::now(Action::Delete, was.clone())),
            (None, None) => {}
        }
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Node;

    fn known(service: &Service) -> Known {
        Known {
            value: service.to_json().into_bytes(),
            service: Some(service.clone()),
        }
    }

    #[test]
    fn a_resync_tells_creates_updates_and_deletes() {
        let a = Service::new("s", "1").with_node(Node::new("a", "1.1.1.1:1"));
        let b = Service::new("s", "1").with_node(Node::new("b", "1.1.1.2:1"));
        let b2 = Service::new("s", "2").with_node(Node::new("b", "1.1.1.2:1"));
        let c = Service::new("s", "1").with_node(Node::new("c", "1.1.1.3:1"));
        let before: Snapshot = [(b"a".to_vec(), known(&a)), (b"b".to_vec(), known(&b))].into();
        let after: Snapshot = [(b"b".to_vec(), known(&b2)), (b"c".to_vec(), known(&c))].into();
        let mut told: Vec<(Action, String)> = differences(&before, &after)
            .into_iter()
            .map(|e| (e.action, e.service.nodes[0].id.clone()))
            .collect();
        told.sort_by(|x, y| x.1.cmp(&y.1));
        assert_eq!(
            told,
            [
                (Action::Delete, "a".to_string()),
                (Action::Update, "b".to_string()),
                (Action::Create, "c".to_string())
            ]
        );
        assert!(differences(&after, &after).is_empty());
    }
}
