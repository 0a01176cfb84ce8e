//! The ids of the queries we sent, and when: an answer to a query from our
//! query port echoes its id (RFC 6762 §6.7), which dates the answer. An
//! answer to a question asked before a node's goodbye was heard may have been
//! sent before that goodbye, however late we read it (see
//! [`Farewells`](super::farewells::Farewells)).

use std::collections::{HashMap, VecDeque};

use tokio::time::Instant;

/// Sent queries remembered: ten seconds at the gate's highest datagram rate.
const MAX_REMEMBERED: usize = 1024;

/// Recent query ids (never 0: peers that do not echo ids answer with 0).
#[derive(Default)]
pub struct SentQueries {
    last_id: u16,
    at: HashMap<u16, Instant>,
    order: VecDeque<u16>,
}

impl SentQueries {
    /// A fresh id for a query sent at `now`.
    pub fn stamp(&mut self, now: Instant) -> u16 {
        self.last_id = self.last_id.wrapping_add(1).max(1);
        let id = self.last_id;
        if self.order.len() >= MAX_REMEMBERED {
            if let Some(oldest) = self.order.pop_front() {
                self.at.remove(&oldest);
            }
        }
        if self.at.insert(id, now).is_some() {
            self.order.retain(|other| *other != id);
        }
        self.order.push_back(id);
        id
    }

    /// When the query with `id` was sent, if it is ours and recent.
    pub fn asked_at(&self, id: u16) -> Option<Instant> {
        self.at.get(&id).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn ids_date_their_queries_and_are_never_zero() {
        let mut sent = SentQueries::default();
        let start = Instant::now();
        let first = sent.stamp(start);
        let second = sent.stamp(start + Duration::from_secs(1));
        assert_ne!(first, 0);
        assert_ne!(first, second);
        assert_eq!(sent.asked_at(first), Some(start));
        assert_eq!(sent.asked_at(second), Some(start + Duration::from_secs(1)));
        assert_eq!(sent.asked_at(0), None);
        assert_eq!(sent.asked_at(second + 1), None);
    }

    #[test]
    fn memory_is_bounded_and_ids_wrap_past_zero() {
        let mut sent = SentQueries::default();
        let now = Instant::now();
        let mut ids = Vec::new();
        for _ in 0..70_000 {
            ids.push(sent.stamp(now));
        }
        assert!(ids.iter().all(|id| *id != 0));
        assert!(sent.at.len() <= MAX_REMEMBERED && sent.order.len() <= MAX_REMEMBERED);
        assert_eq!(sent.asked_at(*ids.last().unwrap()), Some(now));
        assert_eq!(sent.asked_at(ids[ids.len() - MAX_REMEMBERED - 1]), None);
    }
}
