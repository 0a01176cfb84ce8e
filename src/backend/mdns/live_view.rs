//! What this process currently knows about every node on the LAN, from both
//! dialects, merged by node id; it feeds lookups and watchers.
//!
//! A node learnt through go-micro's dialect lives until its record TTL runs out
//! (refreshed by every announcement or answer) or a goodbye arrives; that dialect
//! carries the registry TTL, so for such a node its expiry or goodbye is final,
//! even if DNS-SD (whose TTLs mdns-sd keeps at 120 s and more) still lists it. A
//! node learnt through DNS-SD alone lives until mdns-sd reports it removed. Data
//! from go-micro's dialect wins, as it carries endpoints.
//!
//! The view is bounded (see [`received_bounds`](super::received_bounds)): in
//! nodes, in bytes, and in how long a received record is trusted. When it is
//! full, a node of a name that a lookup or watch asked for recently ("wanted")
//! takes the place of an unsolicited newcomer that was never heard again, so a
//! flood of fakes cannot keep the nodes that matter out.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use super::counters::Counters;
use super::farewells::Farewells;
use super::questions::requery_points;
use super::received_bounds::{approx_size, check_received, ViewLimits};
use super::signing::{SignPolicy, UNSIGNED_MARK};
use crate::domain::{in_view, seen_from};
use crate::fanout::WatchFanout;
use crate::model::Service;
use crate::registry::{merge_by_version, Action, WatchOptions, WILDCARD_DOMAIN};
use crate::watch::Watcher;

/// Which dialect reported a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    GoMicro,
    DnsSd,
}

/// One node of one service in one domain.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeKey {
    pub domain: String,
    pub service: String,
    pub node_id: String,
}

struct ViewNode {
    /// The service with exactly this node.
    service: Service,
    gomicro: Option<Lease>,
    dnssd: bool,
    /// [`approx_size`] of `service`, counted in the view's byte total.
    size: usize,
    /// Heard again (a refresh) or wanted when it came: kept over newcomers.
    confirmed: bool,
    /// Vouched for by a valid signature (or our own, or no keys are set):
    /// unsigned records neither change nor remove it.
    signed: bool,
}

struct Lease {
    expires: Instant,
    ttl: Duration,
    /// When to ask again (80, 85, 90 and 95 % of the TTL with jitter, as RFC
    /// 6762 §5.2 says), so that peers that never re-announce (go-micro) stay in
    /// view while alive even when a query or its answer is lost.
    requery_at: [Instant; 4],
    /// How many of `requery_at` have been used.
    requeried: usize,
}

impl Lease {
    /// When [`LiveView::expire`] next has something to do for this lease.
    fn next_check(&self) -> Instant {
        match self.requery_at.get(self.requeried) {
            Some(at) => (*at).min(self.expires),
            None => self.expires,
        }
    }

    /// Whether a re-query point has passed; uses it up.
    fn requery_due(&mut self, now: Instant) -> bool {
        let mut due = false;
        while self
            .requery_at
            .get(self.requeried)
            .is_some_and(|at| *at <= now)
        {
            self.requeried += 1;
            due = true;
        }
        due
    }
}

#[derive(Default)]
struct ViewState {
    /// Boxed: the map keeps spare slots, which then cost a pointer each.
    nodes: HashMap<NodeKey, Box<ViewNode>>,
    watchers: WatchFanout,
    /// No lease runs out or falls due for a re-query before this (a lower
    /// bound, lowered by every new lease), so expiry skips the table until then.
    next_check: Option<Instant>,
    /// Sum of the nodes' sizes.
    bytes: usize,
    /// Unconfirmed nodes, oldest first: the first to give way when the view
    /// is full (entries for nodes since gone or confirmed are skipped).
    newcomers: VecDeque<NodeKey>,
    /// (domain, service) that lookups and watches asked for -> when last.
    wanted: HashMap<(String, String), Instant>,
    /// Recent go-micro goodbyes: late DNS-SD reports of them are stale.
    farewells: Farewells,
}

/// A name stays wanted this long after the last lookup or watch of it.
const WANTED_FOR: Duration = Duration::from_secs(600);
/// Wanted names remembered at most.
const MAX_WANTED: usize = 1024;

impl ViewState {
    fn lease_taken(&mut self, lease: &Lease) {
        let at = lease.next_check();
        self.next_check = Some(self.next_check.map_or(at, |c| c.min(at)));
    }
}

/// The merged, bounded view of the LAN.
pub struct LiveView {
    state: Mutex<ViewState>,
    limits: ViewLimits,
    policy: SignPolicy,
    counters: Arc<Counters>,
    /// Woken whenever a node appears or changes, or a hint arrives (lookups
    /// waiting for answers).
    pub changed: Notify,
    /// Bumped when the LAN mentions something a lookup should wait for (a
    /// service name in a listing, a domain) before its nodes arrive.
    hints: AtomicU64,
}

impl LiveView {
    pub fn new(limits: ViewLimits, counters: Arc<Counters>) -> Self {
        LiveView {
            state: Mutex::new(ViewState::default()),
            limits,
            policy: SignPolicy::NoKeys,
            counters,
            changed: Notify::new(),
            hints: AtomicU64::new(0),
        }
    }

    /// What to do with unsigned records (registry keys set or not).
    pub fn with_sign_policy(mut self, policy: SignPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// A record from the LAN: `signed` says whether a valid signature vouched
    /// for it. With keys set, an unsigned one is ignored (`require_signed`) or
    /// marked, and never changes or removes a signed node. Returns what it
    /// changed, as [`observe`](Self::observe) does.
    pub fn observe_received(
        &self,
        domain: &str,
        mut service: Service,
        source: Source,
        ttl: Duration,
        signed: bool,
    ) -> Option<Action> {
        let goodbye = source == Source::GoMicro && ttl.is_zero();
        if !signed {
            match self.policy {
                SignPolicy::NoKeys => return self.observe_as(domain, service, source, ttl, true),
                SignPolicy::RequireSigned => {
                    Counters::add(&self.counters.unsigned_ignored, 1);
                    return None;
                }
                SignPolicy::MarkUnsigned if !goodbye => {
                    if let Some(node) = service.nodes.first_mut() {
                        node.metadata.insert(UNSIGNED_MARK.into(), "true".into());
                    }
                }
                SignPolicy::MarkUnsigned => {}
            }
        }
        self.observe_as(domain, service, source, ttl, signed)
    }

    /// Whether an answer to our question (asked at `asked`, if known) about
    /// `node_id`, read now, may have been sent before that node's goodbye
    /// (see [`Farewells`]); if so it is counted and should be ignored.
    pub fn answer_predates_goodbye(
        &self,
        domain: &str,
        service: &str,
        node_id: &str,
        asked: Option<Instant>,
    ) -> bool {
        let key = NodeKey {
            domain: domain.to_string(),
            service: service.to_string(),
            node_id: node_id.to_string(),
        };
        let stale = self
            .lock()
            .farewells
            .outweighs_answer(&key, Instant::now(), asked);
        if stale {
            Counters::add(&self.counters.stale_answers_ignored, 1);
        }
        stale
    }

    /// A removal reported by mdns-sd (unsigned: it cannot remove a signed node).
    pub fn forget_received(&self, key: &NodeKey, source: Source) {
        self.forget_as(key, source, self.policy == SignPolicy::NoKeys);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ViewState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The view's limits.
    pub fn limits(&self) -> ViewLimits {
        self.limits
    }

    /// A lookup or watch asks for `name` in `domain` (`*`: every domain): its
    /// nodes are kept over unsolicited newcomers for a while.
    pub fn want(&self, name: &str, domain: &str) {
        let now = Instant::now();
        let mut state = self.lock();
        if state.wanted.len() >= MAX_WANTED {
            state.wanted.retain(|_, at| now < *at + WANTED_FOR);
            if state.wanted.len() >= MAX_WANTED {
                state.wanted.clear();
            }
        }
        state
            .wanted
            .insert((domain.to_string(), name.to_string()), now);
    }

    /// Records a sighting of `service.nodes[0]` in `domain` that needs no
    /// signature (our own nodes); `ttl` matters only for the go-micro dialect
    /// (zero = goodbye). See [`observe_received`](Self::observe_received).
    /// Returns what it changed (`None` for a refresh or a node refused).
    pub fn observe(
        &self,
        domain: &str,
        service: Service,
        source: Source,
        ttl: Duration,
    ) -> Option<Action> {
        self.observe_as(domain, service, source, ttl, true)
    }

    /// Received nodes that a registration would refuse are dropped; TTLs are capped.
    fn observe_as(
        &self,
        domain: &str,
        service: Service,
        source: Source,
        ttl: Duration,
        signed: bool,
    ) -> Option<Action> {
        let node = service.nodes.first()?;
        let key = NodeKey {
            domain: domain.to_string(),
            service: service.name.clone(),
            node_id: node.id.clone(),
        };
        if source == Source::GoMicro && ttl.is_zero() {
            self.forget_as(&key, source, signed);
            return None;
        }
        if let Err(error) = check_received(&service) {
            tracing::trace!(%error, "received node refused");
            Counters::add(&self.counters.nodes_refused, 1);
            return None;
        }
        let size = approx_size(&service);
        let now = Instant::now();
        let ttl = self.limits.cap_ttl(ttl);
        let lease = (source == Source::GoMicro).then(|| Lease::new(now, ttl));
        let mut state = self.lock();
        match source {
            Source::GoMicro => state.farewells.forget(&key),
            Source::DnsSd if state.farewells.outweighs_dnssd(&key, now) => {
                Counters::add(&self.counters.stale_dnssd_ignored, 1);
                return None;
            }
            Source::DnsSd => {}
        }
        if let Some(lease) = &lease {
            state.lease_taken(lease);
        }
        if !signed && state.nodes.get(&key).is_some_and(|n| n.signed) {
            Counters::add(&self.counters.unsigned_ignored, 1);
            return None; // an unsigned record does not override a signed node
        }
        let bytes_without = |state: &ViewState, old: usize| state.bytes - old;
        let action = match state.nodes.get(&key).map(|n| n.size) {
            Some(old_size) if bytes_without(&state, old_size) + size > self.limits.max_bytes => {
                // A change that would break the byte budget: keep what we had.
                Counters::add(&self.counters.nodes_dropped_over_limit, 1);
                let existing = state.nodes.get_mut(&key).expect("present above");
                existing.confirmed = true;
                if source == Source::GoMicro {
                    existing.gomicro = lease;
                }
                None
            }
            Some(old_size) => {
                state.bytes = bytes_without(&state, old_size);
                let existing = state.nodes.get_mut(&key).expect("present above");
                existing.confirmed = true;
                existing.signed |= signed;
                let gomicro_live = existing.gomicro.as_ref().is_some_and(|l| l.expires > now);
                // Compared before it is replaced: a refresh (the usual case at
                // idle) neither clones nor reallocates the service.
                let changed = match source {
                    Source::GoMicro => {
                        existing.gomicro = lease;
                        let changed = existing.service != service;
                        if changed {
                            existing.service = service;
                        }
                        changed
                    }
                    Source::DnsSd => {
                        existing.dnssd = true;
                        if gomicro_live {
                            false
                        } else {
                            let mut merged = service;
                            if merged.endpoints.is_empty() {
                                merged.endpoints = existing.service.endpoints.clone();
                            }
                            let changed = existing.service != merged;
                            if changed {
                                existing.service = merged;
                            }
                            changed
                        }
                    }
                };
                existing.size = approx_size(&existing.service);
                state.bytes += state.nodes[&key].size;
                changed.then_some(Action::Update)
            }
            None => {
                let wanted = state.is_wanted(domain, &key.service, now);
                if !state.make_room(&self.limits, size, wanted) {
                    Counters::add(&self.counters.nodes_dropped_over_limit, 1);
                    return None;
                }
                if !wanted {
                    state.queue_newcomer(key.clone(), self.limits.max_nodes);
                }
                state.bytes += size;
                state.nodes.insert(
                    key.clone(),
                    Box::new(ViewNode {
                        service,
                        gomicro: lease,
                        dnssd: source == Source::DnsSd,
                        size,
                        confirmed: wanted,
                        signed,
                    }),
                );
                Some(Action::Create)
            }
        };
        if let Some(action) = action {
            let service = state.nodes[&key].service.clone();
            state.publish(action, domain, service);
            drop(state);
            self.changed.notify_waiters();
        }
        action
    }

    /// The LAN mentioned something worth waiting for (see `hints`).
    pub fn hint(&self) {
        self.hints.fetch_add(1, Ordering::Relaxed);
        self.changed.notify_waiters();
    }

    /// How many hints have arrived so far.
    pub fn hints(&self) -> u64 {
        self.hints.load(Ordering::Relaxed)
    }

    /// Nodes in view of `service` (every service when `None`) in `domain`
    /// (every domain for `*`): the progress measure of a lookup.
    pub fn count(&self, service: Option<&str>, domain: &str) -> usize {
        self.lock()
            .nodes
            .keys()
            .filter(|k| service.is_none_or(|s| k.service == s) && in_view(domain, &k.domain))
            .count()
    }

    /// The go-micro nodes of `service` in `domain` that a question may list as
    /// known answers (RFC 6762 §7.1: only with more than half their TTL left),
    /// with the seconds left.
    pub fn known_answers(&self, domain: &str, service: &str, now: Instant) -> Vec<(String, u32)> {
        self.lock()
            .nodes
            .iter()
            .filter(|(k, _)| k.domain == domain && k.service == service)
            .filter_map(|(k, n)| {
                let lease = n.gomicro.as_ref()?;
                let left = lease.expires.checked_duration_since(now)?;
                (left > lease.ttl / 2).then(|| (k.node_id.clone(), left.as_secs() as u32))
            })
            .collect()
    }

    /// The service names in view in `domain`, each with the longest TTL left
    /// of its go-micro nodes (for known listing answers; 0 = DNS-SD only).
    pub fn services_in(&self, domain: &str, now: Instant) -> BTreeMap<String, u32> {
        let state = self.lock();
        let mut services = BTreeMap::new();
        for (key, node) in state.nodes.iter().filter(|(k, _)| k.domain == domain) {
            let left = node
                .gomicro
                .as_ref()
                .and_then(|l| l.expires.checked_duration_since(now))
                .map_or(0, |d| d.as_secs() as u32);
            let entry = services.entry(key.service.clone()).or_insert(0);
            *entry = (*entry).max(left);
        }
        services
    }

    /// A dialect no longer vouches for the node: a go-micro goodbye removes it;
    /// a DNS-SD removal does unless go-micro's dialect still holds it.
    pub fn forget(&self, key: &NodeKey, source: Source) {
        self.forget_as(key, source, true);
    }

    fn forget_as(&self, key: &NodeKey, source: Source, signed: bool) {
        let mut state = self.lock();
        let node_signed = state.nodes.get(key).map(|n| n.signed);
        if node_signed == Some(true) && !signed {
            Counters::add(&self.counters.unsigned_ignored, 1);
            return; // an unsigned goodbye does not remove a signed node
        }
        if source == Source::GoMicro && (signed || node_signed.is_some()) {
            state.farewells.remember(key.clone(), Instant::now());
        }
        let Some(node) = state.nodes.get_mut(key) else {
            return;
        };
        let gone = match source {
            Source::GoMicro => true,
            Source::DnsSd => {
                node.dnssd = false;
                node.gomicro.is_none()
            }
        };
        if gone {
            state.remove(key);
        }
    }

    /// Removes go-micro leases that ran out (and nodes nobody vouches for any
    /// more); returns the (domain, service) pairs worth asking about again.
    pub fn expire(&self, now: Instant) -> HashSet<(String, String)> {
        let mut state = self.lock();
        let mut gone = Vec::new();
        let mut requery = HashSet::new();
        if state.next_check.is_none_or(|at| now < at) {
            return requery;
        }
        let mut next_check: Option<Instant> = None;
        for (key, node) in state.nodes.iter_mut() {
            let Some(lease) = node.gomicro.as_mut() else {
                continue;
            };
            if lease.expires <= now {
                gone.push(key.clone());
                continue;
            } else if lease.requery_due(now) {
                requery.insert((key.domain.clone(), key.service.clone()));
            }
            let at = lease.next_check();
            next_check = Some(next_check.map_or(at, |c| c.min(at)));
        }
        state.next_check = next_check;
        for key in gone {
            state.remove(&key);
        }
        requery
    }

    /// Every version of `name` in `domain` (or every domain for `*`).
    pub fn get(&self, name: &str, domain: &str) -> Vec<Service> {
        let state = self.lock();
        let services = state
            .nodes
            .iter()
            .filter(|(k, _)| k.service == name && in_view(domain, &k.domain))
            .map(|(k, n)| seen_from(domain, &k.domain, n.service.clone()));
        merge_by_version(services)
    }

    /// Every service in `domain`, one entry per name and version, with nodes.
    pub fn list(&self, domain: &str) -> Vec<Service> {
        let state = self.lock();
        let mut by_name: BTreeMap<&str, Vec<Service>> = BTreeMap::new();
        for (key, node) in &state.nodes {
            if in_view(domain, &key.domain) {
                by_name.entry(&key.service).or_default().push(seen_from(
                    domain,
                    &key.domain,
                    node.service.clone(),
                ));
            }
        }
        by_name.into_values().flat_map(merge_by_version).collect()
    }

    /// The domains that nodes in view belong to.
    pub fn domains(&self) -> HashSet<String> {
        self.lock().nodes.keys().map(|k| k.domain.clone()).collect()
    }

    pub fn len(&self) -> usize {
        self.lock().nodes.len()
    }

    // (Also public, beside len, when the module is: unstable-wire.)
    #[cfg(any(test, feature = "unstable-wire"))]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The estimated bytes of node data in view.
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }

    pub fn subscribe(&self, options: &WatchOptions) -> Watcher {
        self.lock().watchers.subscribe(options)
    }
}

impl Lease {
    fn new(now: Instant, ttl: Duration) -> Self {
        Lease {
            expires: now + ttl,
            ttl,
            requery_at: requery_points(now, ttl),
            requeried: 0,
        }
    }
}

impl ViewState {
    /// Removes a node, telling watchers.
    fn remove(&mut self, key: &NodeKey) {
        if let Some(node) = self.nodes.remove(key) {
            self.bytes -= node.size;
            self.publish(Action::Delete, &key.domain, node.service);
        }
    }

    fn is_wanted(&self, domain: &str, service: &str, now: Instant) -> bool {
        let recent = |d: &str| {
            self.wanted
                .get(&(d.to_string(), service.to_string()))
                .is_some_and(|at| now < *at + WANTED_FOR)
        };
        !self.wanted.is_empty() && (recent(domain) || recent(WILDCARD_DOMAIN))
    }

    fn is_full(&self, limits: &ViewLimits, size: usize) -> bool {
        self.nodes.len() >= limits.max_nodes || self.bytes + size > limits.max_bytes
    }

    /// Whether a newcomer of `size` fits; a wanted one evicts unconfirmed
    /// newcomers (oldest first), then nodes nobody wants, to get in.
    fn make_room(&mut self, limits: &ViewLimits, size: usize, wanted: bool) -> bool {
        if size > limits.max_bytes {
            return false;
        }
        if !self.is_full(limits, size) {
            return true;
        }
        if !wanted {
            return false;
        }
        while self.is_full(limits, size) {
            let victim = loop {
                match self.newcomers.pop_front() {
                    Some(key) if self.nodes.get(&key).is_some_and(|n| !n.confirmed) => {
                        break Some(key)
                    }
                    Some(_) => continue,
                    None => break None,
                }
            };
            let victim = victim.or_else(|| {
                let now = Instant::now();
                self.nodes
                    .keys()
                    .find(|k| !self.is_wanted(&k.domain, &k.service, now))
                    .cloned()
            });
            match victim {
                Some(key) => self.remove(&key),
                None => return false,
            }
        }
        true
    }

    /// Queues an unconfirmed newcomer, keeping the queue from outgrowing the
    /// view with keys of nodes since gone or confirmed.
    fn queue_newcomer(&mut self, key: NodeKey, max_nodes: usize) {
        self.newcomers.push_back(key);
        if self.newcomers.len() > 2 * max_nodes.max(16) {
            let nodes = &self.nodes;
            self.newcomers
                .retain(|k| nodes.get(k).is_some_and(|n| !n.confirmed));
        }
    }

    fn publish(&mut self, action: Action, domain: &str, service: Service) {
        self.watchers.publish(action, domain, &service);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Node;

    fn svc(id: &str, version: &str, address: &str) -> Service {
        Service::new("greeter", version).with_node(Node::new(id, address))
    }

    fn view() -> LiveView {
        let limits = ViewLimits {
            max_nodes: 3,
            ..ViewLimits::default()
        };
        LiveView::new(limits, Arc::new(Counters::default()))
    }

    fn greeter_key(node_id: &str) -> NodeKey {
        NodeKey {
            domain: "micro".into(),
            service: "greeter".into(),
            node_id: node_id.into(),
        }
    }

    #[tokio::test]
    async fn create_update_delete_reach_watchers() {
        let view = view();
        let watcher = view.subscribe(&WatchOptions::default().service("greeter"));
        let long = Duration::from_secs(60);
        view.observe("micro", svc("a", "1", "10.0.0.1:1"), Source::GoMicro, long);
        view.observe("micro", svc("a", "1", "10.0.0.1:1"), Source::GoMicro, long);
        view.observe("micro", svc("a", "1", "10.0.0.2:1"), Source::GoMicro, long);
        view.observe(
            "micro",
            svc("a", "1", "10.0.0.2:1"),
            Source::GoMicro,
            Duration::ZERO,
        );
        let soon = Duration::from_millis(50);
        let mut actions = Vec::new();
        while let Ok(event) = watcher.next_timeout(soon).await {
            actions.push(event.action);
        }
        // The repeated sighting (a refresh) is not an event.
        assert_eq!(actions, [Action::Create, Action::Update, Action::Delete]);
    }

    #[test]
    fn go_micro_data_wins_and_its_goodbye_is_final() {
        let view = view();
        let mut rich = svc("a", "1", "10.0.0.1:1");
        rich.endpoints = vec![crate::model::Endpoint {
            name: "Call".into(),
            ..Default::default()
        }];
        view.observe("micro", rich, Source::GoMicro, Duration::from_secs(60));
        view.observe(
            "micro",
            svc("a", "1", "10.0.0.1:1"),
            Source::DnsSd,
            Duration::ZERO,
        );
        assert_eq!(view.get("greeter", "micro")[0].endpoints.len(), 1);
        let key = greeter_key("a");
        view.forget(&key, Source::DnsSd);
        assert_eq!(view.get("greeter", "micro").len(), 1, "go-micro holds it");
        let plain = || svc("a", "1", "10.0.0.1:1");
        view.observe("micro", plain(), Source::DnsSd, Duration::ZERO);
        view.forget(&key, Source::GoMicro);
        assert!(
            view.get("greeter", "micro").is_empty(),
            "a goodbye is final"
        );
        view.observe("micro", plain(), Source::DnsSd, Duration::ZERO);
        assert!(
            view.get("greeter", "micro").is_empty(),
            "a late DNS-SD report does not bring back a node that said goodbye"
        );
        view.observe("micro", plain(), Source::GoMicro, Duration::from_secs(60));
        view.observe("micro", plain(), Source::DnsSd, Duration::ZERO);
        view.forget(&key, Source::GoMicro);
        view.observe("micro", plain(), Source::DnsSd, Duration::ZERO);
        assert!(
            view.get("greeter", "micro").is_empty(),
            "registered again and gone again: still final"
        );
        view.observe("micro", svc("b", "1", "10.0.0.2:1"), Source::DnsSd, Duration::ZERO);
        assert_eq!(view.get("greeter", "micro")[0].nodes.len(), 1, "DNS-SD alone");
        assert_eq!(view.counters.snapshot().stale_dnssd_ignored, 2);
    }

    #[test]
    fn a_node_heard_alive_again_after_its_goodbye_is_back_in_both_dialects() {
        let view = view();
        let plain = || svc("a", "1", "10.0.0.1:1");
        let key = greeter_key("a");
        view.observe("micro", plain(), Source::GoMicro, Duration::from_secs(60));
        view.forget(&key, Source::GoMicro);
        view.observe("micro", plain(), Source::GoMicro, Duration::from_secs(60));
        view.observe("micro", plain(), Source::DnsSd, Duration::ZERO);
        assert_eq!(view.counters.snapshot().stale_dnssd_ignored, 0);
        assert_eq!(view.get("greeter", "micro").len(), 1);
    }

    #[test]
    fn answers_read_just_after_a_goodbye_are_stale_until_the_node_announces() {
        let view = view();
        let plain = || svc("a", "1", "10.0.0.1:1");
        let key = greeter_key("a");
        assert!(!view.answer_predates_goodbye("micro", "greeter", "a", None));
        view.observe("micro", plain(), Source::GoMicro, Duration::from_secs(60));
        view.forget(&key, Source::GoMicro);
        assert!(view.answer_predates_goodbye("micro", "greeter", "a", None));
        assert!(!view.answer_predates_goodbye("micro", "greeter", "b", None));
        view.observe("micro", plain(), Source::GoMicro, Duration::from_secs(60));
        assert!(!view.answer_predates_goodbye("micro", "greeter", "a", None));
        assert_eq!(view.counters.snapshot().stale_answers_ignored, 1);
    }

    #[test]
    fn leases_expire_and_ask_again_first() {
        let view = view();
        view.observe(
            "micro",
            svc("a", "1", "x:1"),
            Source::GoMicro,
            Duration::from_secs(10),
        );
        let now = Instant::now();
        assert!(view.expire(now).is_empty());
        let asked = view.expire(now + Duration::from_secs(9));
        assert!(asked.contains(&("micro".to_string(), "greeter".to_string())));
        assert!(
            view.expire(now + Duration::from_secs(9)).is_empty(),
            "asked once"
        );
        view.expire(now + Duration::from_secs(11));
        assert_eq!(view.len(), 0);
    }

    #[test]
    fn an_unanswered_requery_is_repeated_at_85_90_and_95_percent_and_renewal_starts_over() {
        let view = view();
        let ttl = Duration::from_secs(100);
        view.observe("micro", svc("a", "1", "x:1"), Source::GoMicro, ttl);
        let start = Instant::now();
        let at = |percent: u64| start + Duration::from_secs(percent);
        let asked = |now| !view.expire(now).is_empty();
        assert!(!asked(at(79)));
        // Each point is asked once, whatever became of the previous question.
        for percent in [83, 88, 93, 98] {
            assert!(asked(at(percent)), "asked again at {percent} %");
            assert!(!asked(at(percent)), "once per point");
        }
        assert_eq!(view.len(), 1, "alive until its TTL");
        // An answer renews the lease: the points start over for the new TTL.
        view.observe("micro", svc("a", "1", "x:1"), Source::GoMicro, ttl);
        let renewed = Instant::now();
        assert!(!asked(renewed + Duration::from_secs(79)));
        assert!(asked(renewed + Duration::from_secs(83)));
        assert!(asked(renewed + Duration::from_secs(98)));
        view.expire(renewed + Duration::from_secs(101));
        assert_eq!(view.len(), 0, "gone at its TTL when nobody answers");
    }

    #[test]
    fn a_shorter_lease_after_a_long_one_still_expires_on_time() {
        let view = view();
        let long = Duration::from_secs(120);
        view.observe("micro", svc("a", "1", "x:1"), Source::GoMicro, long);
        let now = Instant::now();
        assert!(
            view.expire(now).is_empty(),
            "nothing due: the table is skipped"
        );
        let short = Duration::from_secs(3);
        view.observe("micro", svc("a", "1", "x:1"), Source::GoMicro, short);
        view.observe("micro", svc("b", "1", "x:2"), Source::GoMicro, long);
        view.expire(Instant::now() + Duration::from_secs(4));
        assert_eq!(view.len(), 1, "a lapsed within its new TTL, b stays");
    }

    #[test]
    fn the_view_is_bounded_and_the_wildcard_sees_domains() {
        let view = view();
        for i in 0..5 {
            let domain = if i % 2 == 0 { "micro" } else { "dev" };
            view.observe(
                domain,
                svc(&format!("n{i}"), "1", "x:1"),
                Source::DnsSd,
                Duration::ZERO,
            );
        }
        assert_eq!(view.len(), 3);
        assert_eq!(view.counters.snapshot().nodes_dropped_over_limit, 2);
        let all = view.get("greeter", "*");
        let domains: HashSet<&str> = all[0]
            .nodes
            .iter()
            .map(|n| n.metadata["domain"].as_str())
            .collect();
        assert_eq!(domains, HashSet::from(["micro", "dev"]));
        assert_eq!(view.list("dev")[0].nodes.len(), 1);
    }

    #[test]
    fn a_full_view_still_takes_a_wanted_node_and_drops_unsolicited_ones() {
        let view = view();
        let long = Duration::from_secs(u64::from(u32::MAX));
        for i in 0..3 {
            let fake =
                Service::new(format!("fake{i}"), "1").with_node(Node::new("f", "10.6.6.6:1"));
            view.observe("micro", fake, Source::GoMicro, long);
        }
        let real = || svc("real", "1", "10.0.0.1:1");
        view.observe("micro", real(), Source::GoMicro, long);
        assert!(
            view.get("greeter", "micro").is_empty(),
            "full: unsolicited newcomer dropped"
        );
        view.want("greeter", "micro");
        view.observe("micro", real(), Source::GoMicro, long);
        assert_eq!(
            view.get("greeter", "micro").len(),
            1,
            "a wanted node gets in"
        );
        assert_eq!(view.len(), 3, "by evicting an unsolicited newcomer");
        assert_eq!(view.counters.snapshot().nodes_dropped_over_limit, 1);
    }

    #[test]
    fn received_ttls_are_capped() {
        let view = view();
        let forever = Duration::from_secs(u64::from(u32::MAX >> 1));
        view.observe(
            "micro",
            svc("a", "1", "10.0.0.1:1"),
            Source::GoMicro,
            forever,
        );
        let cap = view.limits().max_ttl;
        view.expire(Instant::now() + cap + Duration::from_secs(1));
        assert_eq!(view.len(), 0, "gone within the capped TTL");
    }

    #[test]
    fn received_nodes_get_the_registration_bounds_and_a_byte_budget() {
        let limits = ViewLimits {
            max_bytes: 64 << 10,
            ..ViewLimits::default()
        };
        let view = LiveView::new(limits, Arc::new(Counters::default()));
        let long = Duration::from_secs(60);
        let mut oversized = svc("big", "1", "10.0.0.1:1");
        oversized.nodes[0]
            .metadata
            .insert("k".into(), "x".repeat(crate::model::MAX_METADATA_LEN + 1));
        view.observe("micro", oversized, Source::GoMicro, long);
        assert_eq!(view.len(), 0);
        assert_eq!(view.counters.snapshot().nodes_refused, 1);
        for i in 0..100 {
            let mut node = svc(&format!("n{i}"), "1", "10.0.0.1:1");
            for k in 0..4 {
                node.nodes[0]
                    .metadata
                    .insert(format!("k{k}"), "v".repeat(4000));
            }
            view.observe("micro", node, Source::GoMicro, long);
        }
        assert!(view.bytes() <= limits.max_bytes, "{}", view.bytes());
        assert!(view.len() < 100 && !view.is_empty());
    }
}
