//! Nodes that said goodbye in go-micro's dialect, remembered for a while so
//! that older news of them, arriving late, does not bring them back.
//!
//! Two kinds of news overtake a goodbye:
//! - DNS-SD: a microreg node is announced in both dialects and says goodbye in
//!   both. The go-micro goodbye reaches the view at once, while mdns-sd reports
//!   on its own thread, sometimes seconds late under load, and its goodbye may
//!   be lost (its sockets keep the kernel's default buffer size).
//! - Answers: an answer to one of our questions, sent just before the goodbye,
//!   comes to our query socket while the goodbye comes to port 5353; read by
//!   different tasks, the answer may be read last, seconds later when many
//!   answers queue up on a busy machine. An answer is dated by the question it
//!   echoes ([`SentQueries`](super::sent_queries::SentQueries)): one to a
//!   question asked before the goodbye was heard is older news.
//!
//! Without this memory either re-created the node after its goodbye, a ghost
//! until its records ran out. A node registered again announces itself
//! unasked, which ends the memory at once.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use tokio::time::Instant;

use super::live_view::NodeKey;
use super::published::DEFAULT_RECORD_TTL;

/// How long a goodbye outweighs DNS-SD: as long as mdns-sd may keep the
/// node's host records (SRV, A/AAAA) after a lost goodbye.
pub const REMEMBERED_FOR: Duration = Duration::from_secs(DEFAULT_RECORD_TTL as u64);

/// How long a goodbye outweighs answers that cannot be dated (peers that do
/// not echo the query id, such as go-micro): longer than an answer sent
/// before it usually lies unread in a busy process's socket.
pub const ANSWERS_STALE_FOR: Duration = Duration::from_secs(5);

/// Goodbyes remembered at most (a flood of goodbyes forgets the oldest first).
pub const MAX_REMEMBERED: usize = 4096;

/// Recent go-micro goodbyes, bounded in count and in time.
#[derive(Default)]
pub struct Farewells {
    /// When each node said goodbye.
    said: HashMap<NodeKey, Instant>,
    /// Keys in the order they were said goodbye, to forget the oldest first
    /// (an entry whose key was since heard again, or said goodbye again, is
    /// skipped by comparing its time).
    order: VecDeque<(NodeKey, Instant)>,
}

impl Farewells {
    /// `key` said goodbye at `now`.
    pub fn remember(&mut self, key: NodeKey, now: Instant) {
        while self.said.len() >= MAX_REMEMBERED || self.order.len() >= 2 * MAX_REMEMBERED {
            let Some((oldest, at)) = self.order.pop_front() else {
                break;
            };
            if self.said.get(&oldest) == Some(&at) {
                self.said.remove(&oldest);
            }
        }
        self.said.insert(key.clone(), now);
        self.order.push_back((key, now));
    }

    /// `key` was heard alive in go-micro's dialect again (re-registered).
    pub fn forget(&mut self, key: &NodeKey) {
        self.said.remove(key);
    }

    /// Whether a DNS-SD report of `key` at `now` is older news than its goodbye.
    pub fn outweighs_dnssd(&self, key: &NodeKey, now: Instant) -> bool {
        self.said_within(key, now, REMEMBERED_FOR)
    }

    /// Whether an answer about `key`, read at `now`, to a question asked at
    /// `asked` (`None`: unknown) may have been sent before the goodbye.
    pub fn outweighs_answer(&self, key: &NodeKey, now: Instant, asked: Option<Instant>) -> bool {
        match (asked, self.said.get(key)) {
            (_, None) => false,
            (Some(asked), Some(said)) => asked <= *said,
            (None, Some(_)) => self.said_within(key, now, ANSWERS_STALE_FOR),
        }
    }

    fn said_within(&self, key: &NodeKey, now: Instant, window: Duration) -> bool {
        self.said.get(key).is_some_and(|said| now < *said + window)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: usize) -> NodeKey {
        NodeKey {
            domain: "micro".into(),
            service: "svc".into(),
            node_id: format!("n{id}"),
        }
    }

    #[test]
    fn a_goodbye_outweighs_dnssd_for_a_while_then_not() {
        let mut farewells = Farewells::default();
        let now = Instant::now();
        farewells.remember(key(1), now);
        assert!(farewells.outweighs_dnssd(&key(1), now + Duration::from_secs(5)));
        assert!(!farewells.outweighs_dnssd(&key(2), now));
        assert!(!farewells.outweighs_dnssd(&key(1), now + REMEMBERED_FOR));
    }

    #[test]
    fn an_undated_answer_is_stale_only_briefly_after_a_goodbye() {
        let mut farewells = Farewells::default();
        let now = Instant::now();
        farewells.remember(key(1), now);
        assert!(farewells.outweighs_answer(&key(1), now + Duration::from_secs(1), None));
        assert!(!farewells.outweighs_answer(&key(1), now + ANSWERS_STALE_FOR, None));
        assert!(farewells.outweighs_dnssd(&key(1), now + ANSWERS_STALE_FOR));
    }

    #[test]
    fn a_dated_answer_is_stale_when_asked_before_the_goodbye_however_late_it_is_read() {
        let mut farewells = Farewells::default();
        let asked = Instant::now();
        let said = asked + Duration::from_millis(10);
        farewells.remember(key(1), said);
        let much_later = said + 10 * ANSWERS_STALE_FOR;
        assert!(farewells.outweighs_answer(&key(1), much_later, Some(asked)));
        let asked_after = said + Duration::from_millis(1);
        assert!(!farewells.outweighs_answer(&key(1), said, Some(asked_after)));
        assert!(!farewells.outweighs_answer(&key(2), said, Some(asked)));
    }

    #[test]
    fn heard_again_it_is_forgotten() {
        let mut farewells = Farewells::default();
        let now = Instant::now();
        farewells.remember(key(1), now);
        farewells.forget(&key(1));
        assert!(!farewells.outweighs_dnssd(&key(1), now));
    }

    #[test]
    fn a_flood_of_goodbyes_stays_bounded_and_forgets_the_oldest() {
        let mut farewells = Farewells::default();
        let now = Instant::now();
        for id in 0..3 * MAX_REMEMBERED {
            farewells.remember(key(id), now);
        }
        assert!(farewells.said.len() <= MAX_REMEMBERED);
        assert!(farewells.order.len() <= 2 * MAX_REMEMBERED);
        assert!(!farewells.outweighs_dnssd(&key(0), now));
        assert!(farewells.outweighs_dnssd(&key(3 * MAX_REMEMBERED - 1), now));
    }

    #[test]
    fn saying_goodbye_again_keeps_the_later_time() {
        let mut farewells = Farewells::default();
        let now = Instant::now();
        farewells.remember(key(1), now);
        for id in 2..MAX_REMEMBERED + 1 {
            farewells.remember(key(id), now);
        }
        // key(1) again, then push its first entry out of the queue.
        farewells.remember(key(1), now + Duration::from_secs(1));
        farewells.remember(key(0), now);
        assert!(farewells.outweighs_dnssd(&key(1), now + Duration::from_secs(2)));
    }
}
