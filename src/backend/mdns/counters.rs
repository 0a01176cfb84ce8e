//! Counters of what the mDNS backend saw and did, for operators and tests.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

/// Live counters, updated without locks.
#[derive(Debug, Default)]
pub struct Counters {
    pub packets_received: AtomicU64,
    pub malformed_packets: AtomicU64,
    pub queries_answered: AtomicU64,
    pub datagrams_sent: AtomicU64,
    pub send_errors: AtomicU64,
    pub announcements: AtomicU64,
    pub goodbyes: AtomicU64,
    pub nodes_seen: AtomicU64,
    pub nodes_dropped_over_limit: AtomicU64,
    pub questions_held: AtomicU64,
    pub nodes_refused: AtomicU64,
    pub browse_restarts: AtomicU64,
    pub domains_not_followed: AtomicU64,
    pub queries_off_link: AtomicU64,
    pub answers_held: AtomicU64,
    pub signatures_rejected: AtomicU64,
    pub signatures_stale: AtomicU64,
    pub signatures_replayed: AtomicU64,
    pub unsigned_ignored: AtomicU64,
    pub stale_dnssd_ignored: AtomicU64,
    pub stale_answers_ignored: AtomicU64,
}

/// What the mDNS backend saw and did since it started
/// ([`MdnsRegistry::counters`](super::MdnsRegistry::counters), `microreg doctor`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CounterSnapshot {
    /// Datagrams read from the mDNS sockets.
    pub packets_received: u64,
    /// Datagrams that were not valid DNS messages (dropped).
    pub malformed_packets: u64,
    /// Questions this process answered for its own nodes.
    pub queries_answered: u64,
    /// Datagrams sent (questions, answers, announcements, goodbyes).
    pub datagrams_sent: u64,
    /// Sends the operating system refused (no route, interface down...).
    pub send_errors: u64,
    /// Unsolicited announcements of our nodes (per node, per interface).
    pub announcements: u64,
    /// Goodbyes (TTL 0) for our nodes.
    pub goodbyes: u64,
    /// Node sightings read from the network (announcements and answers).
    pub nodes_seen: u64,
    /// New nodes (or growth of a node) ignored because the live view was full
    /// (in nodes or bytes).
    pub nodes_dropped_over_limit: u64,
    /// Questions not sent: asked again too soon, or over the rate (RFC 6762 §5.2/§7).
    pub questions_held: u64,
    /// Received nodes that a registration would refuse (oversized, malformed).
    pub nodes_refused: u64,
    /// DNS-SD browses that mdns-sd dropped (its event queue filled, as under a
    /// flood) and that were started again and resynchronised.
    pub browse_restarts: u64,
    /// `*` calls that left domains in view out (over the bound on domains
    /// followed) or service types not browsed for the same reason.
    pub domains_not_followed: u64,
    /// Questions about our nodes from a source off our links (not answered,
    /// RFC 6762 §11).
    pub queries_off_link: u64,
    /// Answer datagrams not sent: over the destination's byte rate.
    pub answers_held: u64,
    /// Signed records refused: bad MAC or unknown key (forgeries, tampering),
    /// stale, or replayed.
    pub signatures_rejected: u64,
    /// Of `signatures_rejected`: valid but outside the freshness window
    /// (a replay of an old record, or a clock off by more than the window).
    pub signatures_stale: u64,
    /// Of `signatures_rejected`: valid and fresh but older than the last one
    /// accepted for the node (a replay within the window). The rest had a
    /// bad MAC or an unknown key.
    pub signatures_replayed: u64,
    /// Unsigned records ignored because keys are set (`require_signed`, or
    /// because they would override or remove a signed node).
    pub unsigned_ignored: u64,
    /// DNS-SD reports of nodes that had just said goodbye in go-micro's
    /// dialect (mdns-sd reports late), ignored so that they leave no ghost.
    pub stale_dnssd_ignored: u64,
    /// Answers to our questions about nodes that had just said goodbye (sent
    /// before it, read after it), ignored so that they leave no ghost.
    pub stale_answers_ignored: u64,
}

impl Counters {
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> CounterSnapshot {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        CounterSnapshot {
            packets_received: get(&self.packets_received),
            malformed_packets: get(&self.malformed_packets),
            queries_answered: get(&self.queries_answered),
            datagrams_sent: get(&self.datagrams_sent),
            send_errors: get(&self.send_errors),
            announcements: get(&self.announcements),
            goodbyes: get(&self.goodbyes),
            nodes_seen: get(&self.nodes_seen),
            nodes_dropped_over_limit: get(&self.nodes_dropped_over_limit),
            questions_held: get(&self.questions_held),
            nodes_refused: get(&self.nodes_refused),
            browse_restarts: get(&self.browse_restarts),
            domains_not_followed: get(&self.domains_not_followed),
            queries_off_link: get(&self.queries_off_link),
            answers_held: get(&self.answers_held),
            signatures_rejected: get(&self.signatures_rejected),
            signatures_stale: get(&self.signatures_stale),
            signatures_replayed: get(&self.signatures_replayed),
            unsigned_ignored: get(&self.unsigned_ignored),
            stale_dnssd_ignored: get(&self.stale_dnssd_ignored),
            stale_answers_ignored: get(&self.stale_answers_ignored),
        }
    }
}
