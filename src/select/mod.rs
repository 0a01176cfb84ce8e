//! Node selection: the part of go-micro's client that picks the node to call.
//!
//! [`Client::select`](crate::Client::select) returns one node of a service,
//! answered from the watch-fed cache (no backend call while it is warm), so it
//! follows the registry live: a node deleted by a watch event is never
//! returned once the event is applied, and a new node enters the rotation.
//!
//! - [`SelectOptions`]: what a selection asks for ([`Strategy`], [`Filter`]s,
//!   domain).
//! - [`Outcome`]: what a call to the chosen node did, reported with
//!   [`Client::mark`](crate::Client::mark); failed nodes back off.

mod marks;
mod options;
mod strategy;

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::RwLock;

use tokio::time::Instant;

use crate::error::{Error, Result};
use crate::model::{Node, Service};

pub use marks::Outcome;
pub(crate) use marks::{Backoff, KnownNodes};
pub use options::{Filter, SelectOptions, Strategy, VersionFilter};

/// The node a selection picked, with the version of the service it serves.
/// (`Client::select_with` lends the whole service, endpoints included.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selected {
    /// The service's name.
    pub service: String,
    /// The version the node serves.
    pub version: String,
    /// The node to call.
    pub node: Node,
}

/// One client's selection state: a round-robin counter per service, and marks.
#[derive(Debug)]
pub(crate) struct Selector {
    /// service -> (domain, next ticket): one hash per selection (domains
    /// are few, so they are scanned).
    turns: RwLock<Turns>,
    marks: marks::Marks,
}

impl Default for Selector {
    fn default() -> Self {
        Self::new(Backoff::default())
    }
}

/// Service -> (domain, counter).
type Turns = HashMap<String, Vec<(String, AtomicUsize)>, BuildHasherDefault<Fnv1a>>;

/// Counters kept before the ones of services no longer selected are dropped.
const MAX_TURNS: usize = 4096;

impl Selector {
    /// A selector whose failed nodes back off as `backoff` says.
    pub fn new(backoff: Backoff) -> Self {
        Selector {
            turns: RwLock::new(HashMap::default()),
            marks: marks::Marks::new(backoff),
        }
    }

    /// Picks a node of `services` (the versions of `name` in `domain`).
    /// `Error::NotFound` when there are none; `Error::NoMatch` with the
    /// reason when no node passes the filters.
    pub fn choose<'a>(
        &self,
        services: &'a [Service],
        name: &str,
        domain: &str,
        options: &'a SelectOptions,
    ) -> Result<(&'a Service, &'a Node)> {
        let (service, node) = self.choose_index(services, name, domain, options)?;
        Ok((&services[service], &services[service].nodes[node]))
    }

    /// Like [`choose`](Self::choose), but says where the node is: the index of
    /// its version in `services` and its index in that version's nodes.
    pub fn choose_index(
        &self,
        services: &[Service],
        name: &str,
        domain: &str,
        options: &SelectOptions,
    ) -> Result<(usize, usize)> {
        if services.iter().all(|s| s.nodes.is_empty()) {
            return Err(Error::NotFound);
        }
        let marks = self.marks.view(Instant::now);
        let ticket = || self.next_ticket(domain, name);
        let chosen = strategy::choose(services, options, &ticket, &marks);
        chosen.ok_or_else(|| no_match(services, name, domain, options))
    }

    /// Records what a call to `node_id` did. `known_nodes`, when given, lists
    /// the node ids still in the registry (the marks of others are dropped).
    pub fn mark(
        &self,
        node_id: &str,
        outcome: Outcome,
        known_nodes: Option<KnownNodes<'_>>,
    ) -> Result<()> {
        if node_id.is_empty() {
            return Err(Error::invalid("node id is empty"));
        }
        self.marks
            .mark(node_id, outcome, Instant::now(), known_nodes);
        Ok(())
    }

    /// Forgets every mark and restarts the rotations (go-micro's `Reset`).
    pub fn reset(&self) {
        self.marks.clear();
        write(&self.turns).clear();
    }

    /// The next ticket of the service's counter (made on first use).
    fn next_ticket(&self, domain: &str, name: &str) -> usize {
        let take = |turn: &AtomicUsize| turn.fetch_add(1, Ordering::Relaxed);
        let find =
            |domains: &[(String, AtomicUsize)]| domains.iter().position(|(d, _)| d == domain);
        {
            let turns = self.turns.read().unwrap_or_else(|e| e.into_inner());
            if let Some(domains) = turns.get(name) {
                if let Some(at) = find(domains) {
                    return take(&domains[at].1);
                }
            }
        }
        let mut turns = write(&self.turns);
        if turns.values().map(Vec::len).sum::<usize>() >= MAX_TURNS {
            // Rotations restart; a bounded map matters more than their phase.
            turns.clear();
        }
        let domains = turns.entry(name.to_string()).or_default();
        let at = find(domains).unwrap_or_else(|| {
            domains.push((domain.to_string(), AtomicUsize::new(0)));
            domains.len() - 1
        });
        take(&domains[at].1)
    }
}

/// FNV-1a for the round-robin counters: their keys are the names this client
/// selects (not data from the network), and SipHash cost more than the rest of
/// a warm selection.
struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv1a {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// NotFound with its reason: which filters left nothing of what is there.
fn no_match(services: &[Service], name: &str, domain: &str, options: &SelectOptions) -> Error {
    let nodes: usize = services.iter().map(|s| s.nodes.len()).sum();
    let versions: Vec<&str> = services.iter().map(|s| s.version.as_str()).collect();
    Error::NoMatch(format!(
        "no node of service {name:?} in domain {domain:?} passes {}; it has {nodes} node{} \
         at version{} {}",
        options.describe_filters(),
        if nodes == 1 { "" } else { "s" },
        if versions.len() == 1 { "" } else { "s" },
        versions.join(", "),
    ))
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|e| e.into_inner())
}
