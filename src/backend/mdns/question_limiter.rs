//! Which questions we may send now: every multicast question microreg asks
//! (lookups, listings, re-queries, follow-ups on incomplete records) goes
//! through one [`QuestionLimiter`], so that no packet of the LAN can make us
//! multicast more than a bounded number of questions.
//!
//! RFC 6762 §5.2/§7: the same question is not asked again within a minimum
//! interval. (§7.3's suppression of a question someone else just asked does
//! not apply: go-micro's dialect answers the asker alone, by unicast, so their
//! answer would never reach us.) On top of that, an overall token bucket
//! bounds the questions per second, with a smaller share for follow-ups, which
//! are the ones the network triggers (one datagram naming 400 unknown
//! instances must not become 400 questions).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use hickory_proto::rr::{Name, RecordType};
use tokio::time::Instant;

/// Why a question is asked; decides its minimum interval and budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A caller is waiting for the answer (lookup, listing, a re-ask while
    /// answers are missing).
    Lookup,
    /// A cached record nears its end (RFC 6762 §5.2 re-query at 80–95 %).
    Refresh,
    /// A received record was incomplete or named something unknown: the
    /// network asked us to ask. Budgeted separately and most tightly.
    FollowUp,
}

impl Purpose {
    /// The same question (name and type) is not sent again sooner than this.
    fn min_interval(self) -> Duration {
        match self {
            // Long enough to merge a burst of lookups of one name, short
            // enough for a re-ask under loss.
            Purpose::Lookup => Duration::from_millis(250),
            // RFC 6762 §5.2: re-queries of one record are at least 5 % of its
            // TTL apart; a second is the shortest that makes sense.
            Purpose::Refresh => Duration::from_secs(1),
            Purpose::FollowUp => Duration::from_secs(1),
        }
    }
}

/// Questions per second overall (burst as large), and the follow-ups' share.
pub const MAX_QUESTIONS_PER_SECOND: u32 = 100;
pub const MAX_FOLLOW_UPS_PER_SECOND: u32 = 20;
/// Remembered questions at most; older ones are forgotten first.
const MAX_REMEMBERED: usize = 4096;

/// A token bucket refilled continuously.
#[derive(Debug)]
struct Bucket {
    tokens: f64,
    per_second: f64,
    updated: Instant,
}

impl Bucket {
    fn new(per_second: u32, now: Instant) -> Self {
        Bucket {
            tokens: f64::from(per_second),
            per_second: f64::from(per_second),
            updated: now,
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.per_second);
        self.updated = now;
    }

    fn has_token(&self) -> bool {
        self.tokens >= 1.0
    }

    fn take(&mut self) {
        self.tokens -= 1.0;
    }
}

struct State {
    /// (lowercase name, type) -> when we last asked it.
    asked: HashMap<(String, RecordType), Instant>,
    all: Bucket,
    follow_ups: Bucket,
}

/// Counts of what the limiter held back.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    pub repeated: u64,
    pub over_rate: u64,
}

/// The one gate for outgoing questions; shared by every part that asks.
pub struct QuestionLimiter {
    state: Mutex<State>,
    held: Mutex<Held>,
}

impl Default for QuestionLimiter {
    fn default() -> Self {
        Self::new()
    }
}

impl QuestionLimiter {
    pub fn new() -> Self {
        let now = Instant::now();
        QuestionLimiter {
            state: Mutex::new(State {
                asked: HashMap::new(),
                all: Bucket::new(MAX_QUESTIONS_PER_SECOND, now),
                follow_ups: Bucket::new(MAX_FOLLOW_UPS_PER_SECOND, now),
            }),
            held: Mutex::new(Held::default()),
        }
    }

    /// Whether `name`/`kind` may be asked now for `purpose`; if so, it is
    /// counted as asked.
    pub fn permit(&self, name: &Name, kind: RecordType, purpose: Purpose) -> bool {
        self.permit_at(name, kind, purpose, Instant::now())
    }

    fn permit_at(&self, name: &Name, kind: RecordType, purpose: Purpose, now: Instant) -> bool {
        let key = (name.to_ascii().to_ascii_lowercase(), kind);
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let recent = state
            .asked
            .get(&key)
            .is_some_and(|at| now < *at + purpose.min_interval());
        if recent {
            self.hold(|h| h.repeated += 1);
            return false;
        }
        state.all.refill(now);
        state.follow_ups.refill(now);
        let budget_left =
            state.all.has_token() && (purpose != Purpose::FollowUp || state.follow_ups.has_token());
        if !budget_left {
            self.hold(|h| h.over_rate += 1);
            return false;
        }
        state.all.take();
        if purpose == Purpose::FollowUp {
            state.follow_ups.take();
        }
        remember(&mut state.asked, key, now);
        true
    }

    /// What was held back so far.
    pub fn held(&self) -> Held {
        *self.held.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn hold(&self, count: impl FnOnce(&mut Held)) {
        count(&mut self.held.lock().unwrap_or_else(|e| e.into_inner()));
    }
}

/// Inserts, forgetting entries past every window first when the map is full.
fn remember(
    asked: &mut HashMap<(String, RecordType), Instant>,
    key: (String, RecordType),
    now: Instant,
) {
    if asked.len() >= MAX_REMEMBERED && !asked.contains_key(&key) {
        let longest = Purpose::Refresh.min_interval();
        asked.retain(|_, at| now < *at + longest);
        if asked.len() >= MAX_REMEMBERED {
            // All recent (the rate bounds how many that can be): drop the
            // oldest half.
            let mut times: Vec<Instant> = asked.values().copied().collect();
            times.sort_unstable();
            let cut = times[times.len() / 2];
            asked.retain(|_, at| *at > cut);
        }
    }
    asked.insert(key, now);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(i: usize) -> Name {
        Name::from_ascii(format!("n{i}.greeter.micro.")).unwrap()
    }

    #[test]
    fn the_same_question_waits_its_interval() {
        let limiter = QuestionLimiter::new();
        let now = Instant::now();
        let q = name(1);
        assert!(limiter.permit_at(&q, RecordType::PTR, Purpose::Lookup, now));
        assert!(!limiter.permit_at(&q, RecordType::PTR, Purpose::Lookup, now));
        assert!(
            limiter.permit_at(&q, RecordType::ANY, Purpose::Lookup, now),
            "another type is another question"
        );
        let later = now + Duration::from_millis(300);
        assert!(limiter.permit_at(&q, RecordType::PTR, Purpose::Lookup, later));
        assert!(!limiter.permit_at(&q, RecordType::PTR, Purpose::FollowUp, later));
        assert_eq!(limiter.held().repeated, 2);
    }

    #[test]
    fn four_hundred_unknown_names_make_a_bounded_number_of_questions() {
        let limiter = QuestionLimiter::new();
        let now = Instant::now();
        let sent = (0..400)
            .filter(|i| limiter.permit_at(&name(*i), RecordType::ANY, Purpose::FollowUp, now))
            .count();
        assert_eq!(sent, MAX_FOLLOW_UPS_PER_SECOND as usize);
        // Lookups still have the rest of the overall budget.
        let lookups = (400..1000)
            .filter(|i| limiter.permit_at(&name(*i), RecordType::PTR, Purpose::Lookup, now))
            .count();
        assert_eq!(
            lookups,
            (MAX_QUESTIONS_PER_SECOND - MAX_FOLLOW_UPS_PER_SECOND) as usize
        );
        // The budget refills with time.
        let later = now + Duration::from_secs(1);
        assert!(limiter.permit_at(&name(2000), RecordType::ANY, Purpose::FollowUp, later));
    }

    #[test]
    fn memory_stays_bounded_under_a_flood_of_names() {
        let limiter = QuestionLimiter::new();
        let start = Instant::now();
        for i in 0..20_000 {
            let at = start + Duration::from_millis(i as u64 * 10);
            limiter.permit_at(&name(i), RecordType::PTR, Purpose::Lookup, at);
        }
        let state = limiter.state.lock().unwrap();
        assert!(state.asked.len() <= MAX_REMEMBERED);
    }
}
