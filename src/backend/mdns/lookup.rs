//! Lookup settling: how long a lookup that needs the LAN waits for it.
//!
//! A lookup asks in rounds. Each round sends its questions (with the answers
//! already held, so that responders only add what is missing) and lasts until
//! the round's answers have had time to arrive: twice the observed latency,
//! and no less than a quiet interval after the last arrival (which grows with
//! the observed spread of arrivals). A round that brought something new is
//! followed by another; the lookup ends after [`EMPTY_ROUNDS`] rounds in a row
//! brought nothing (a lost question or answer is asked again by the next
//! round), after [`NOT_FOUND_ROUNDS`] when nothing was found at all, or at the
//! deadline (the configured timeout). On a quiet LAN that is a few tens of
//! milliseconds; under delay and loss it stretches as the answers do.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;

use super::live_view::LiveView;

/// Rounds in a row without anything new that end a lookup that found something.
pub const EMPTY_ROUNDS: u32 = 3;
/// The same once the LAN has shown loss: a round brought something new after
/// a round that brought nothing (on a LAN that loses nothing, answers stop
/// once and do not resume).
pub const EMPTY_ROUNDS_LOSSY: u32 = 5;
/// Rounds that end a lookup that found nothing at all.
pub const NOT_FOUND_ROUNDS: u32 = 3;
/// The shortest round.
pub const MIN_ROUND: Duration = Duration::from_millis(20);
/// The longest round (a LAN slower than this is not one).
const MAX_ROUND: Duration = Duration::from_secs(1);
/// The shortest quiet interval after the last arrival of a round.
const MIN_QUIET: Duration = Duration::from_millis(15);
/// Latency assumed before any answer has been timed (go-micro's whole timeout
/// is 100 ms, so answers on a LAN come well within it).
const DEFAULT_LATENCY: Duration = Duration::from_millis(50);

/// What a lookup is after.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    /// Every node of one service in a domain (or `*`).
    Service { name: String, domain: String },
    /// Every service of a domain (or `*`).
    Listing { domain: String },
}

impl Target {
    pub fn domain(&self) -> &str {
        match self {
            Target::Service { domain, .. } | Target::Listing { domain } => domain,
        }
    }

    fn service(&self) -> Option<&str> {
        match self {
            Target::Service { name, .. } => Some(name),
            Target::Listing { .. } => None,
        }
    }
}

/// The latency of answers on this LAN (time from a round's question to its
/// first answer), smoothed over lookups; shared by every lookup of a registry.
#[derive(Debug, Default)]
pub struct Latency {
    /// Microseconds; 0 = not measured yet.
    micros: AtomicU64,
}

impl Latency {
    pub fn get(&self) -> Duration {
        match self.micros.load(Ordering::Relaxed) {
            0 => DEFAULT_LATENCY,
            us => Duration::from_micros(us),
        }
    }

    /// Folds in a sample (a quarter weight, so one late answer does not
    /// double every later round).
    pub fn sample(&self, latency: Duration) {
        let sample = (latency.as_micros() as u64).max(1);
        let _ = self
            .micros
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |old| {
                Some(if old == 0 {
                    sample
                } else {
                    (old * 3 + sample) / 4
                })
            });
    }
}

/// What sends a round's questions: the registry, over the dialects it speaks.
#[async_trait]
pub trait Asker: Sync {
    /// Sends the questions of round `round` (1-based) for `target`.
    async fn ask_round(&self, target: &Target, round: u32);
}

/// How a lookup went (for tests and benchmarks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settled {
    pub rounds: u32,
    /// Whether the deadline ended it.
    pub timed_out: bool,
}

/// When a lookup may end at the earliest (a fresh DNS-SD browse needs time
/// that no question of ours can shorten).
#[derive(Debug, Clone, Copy)]
pub struct NotBefore {
    /// Once something was found (DNS-SD responders' first answers are in).
    pub found: Instant,
    /// While nothing was found: a DNS-SD-only peer that multicast its records
    /// less than a second ago answers a new browse only a second later.
    pub nothing: Instant,
}

impl NotBefore {
    pub fn now() -> Self {
        let now = Instant::now();
        NotBefore {
            found: now,
            nothing: now,
        }
    }
}

/// Asks in rounds until the answers stop arriving (see the module text). Once
/// the rounds are over, a lookup that must not end yet (`not_before`) waits
/// without asking further.
pub async fn settle(
    view: &LiveView,
    asker: &dyn Asker,
    latency: &Latency,
    target: &Target,
    not_before: NotBefore,
    deadline: Instant,
) -> Settled {
    let progress = || view.count(target.service(), target.domain()) as u64 + view.hints();
    let mut seen = progress();
    let mut empty_rounds = 0;
    let mut lossy = false;
    let mut round = 0;
    loop {
        round += 1;
        let changed = view.changed.notified();
        tokio::pin!(changed);
        changed.as_mut().enable();
        asker.ask_round(target, round).await;
        let started = Instant::now();
        let mut first: Option<Instant> = None;
        let mut last: Option<Instant> = None;
        let mut largest_gap = Duration::ZERO;
        let timed_out = loop {
            let lat = latency.get();
            let round_len = (lat * 2 + MIN_ROUND).min(MAX_ROUND);
            let quiet = MIN_QUIET.max(lat / 2).max(largest_gap * 2).min(MAX_ROUND);
            let mut end = started + round_len;
            if let Some(last) = last {
                end = end.max(last + quiet);
            }
            tokio::select! {
                _ = &mut changed => {
                    changed.set(view.changed.notified());
                    changed.as_mut().enable();
                }
                _ = tokio::time::sleep_until(end.min(deadline)) => {
                    if Instant::now() >= deadline {
                        break true;
                    }
                }
            }
            let now = Instant::now();
            let current = progress();
            if current != seen {
                seen = current;
                if first.is_none() {
                    first = Some(now);
                    latency.sample(now - started);
                }
                if let Some(last) = last {
                    largest_gap = largest_gap.max(now - last);
                }
                last = Some(now);
            } else if now >= end {
                break false;
            }
        };
        if timed_out {
            return Settled {
                rounds: round,
                timed_out: true,
            };
        }
        tracing::trace!(
            round,
            progress = seen,
            new = first.is_some(),
            took_ms = started.elapsed().as_millis() as u64,
            latency_ms = latency.get().as_millis() as u64,
            "lookup round"
        );
        if first.is_some() {
            lossy |= empty_rounds > 0;
            empty_rounds = 0;
        } else {
            empty_rounds += 1;
        }
        let needed = if seen == 0 {
            NOT_FOUND_ROUNDS
        } else if lossy {
            EMPTY_ROUNDS_LOSSY
        } else {
            EMPTY_ROUNDS
        };
        if empty_rounds < needed {
            continue;
        }
        let until = if view.count(target.service(), target.domain()) == 0 {
            not_before.nothing
        } else {
            not_before.found
        };
        if Instant::now() >= until {
            return Settled {
                rounds: round,
                timed_out: false,
            };
        }
        // Wait quietly; anything new starts the rounds again.
        let changed = view.changed.notified();
        tokio::pin!(changed);
        changed.as_mut().enable();
        let waiting = seen;
        loop {
            if progress() != waiting {
                break;
            }
            tokio::select! {
                _ = &mut changed => {
                    changed.set(view.changed.notified());
                    changed.as_mut().enable();
                }
                _ = tokio::time::sleep_until(until.min(deadline)) => {
                    let timed_out = Instant::now() >= deadline;
                    if timed_out || progress() == waiting {
                        return Settled { rounds: round, timed_out };
                    }
                }
            }
        }
        seen = progress();
        empty_rounds = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::mdns::counters::Counters;
    use crate::backend::mdns::live_view::Source;
    use crate::model::{Node, Service};
    use std::sync::{Arc, Mutex};

    /// Answers each round with the nodes its script names, after a delay.
    struct Scripted {
        view: Arc<LiveView>,
        /// Per round: (delay, node ids); rounds past the end get nothing.
        script: Vec<Vec<(u64, &'static str)>>,
        asked: Mutex<Vec<Instant>>,
    }

    #[async_trait]
    impl Asker for Scripted {
        async fn ask_round(&self, _target: &Target, round: u32) {
            self.asked.lock().unwrap().push(Instant::now());
            for (delay, id) in self
                .script
                .get(round as usize - 1)
                .cloned()
                .unwrap_or_default()
            {
                let view = self.view.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(delay)).await;
                    let svc = Service::new("greeter", "1").with_node(Node::new(id, "10.0.0.1:1"));
                    view.observe("micro", svc, Source::GoMicro, Duration::from_secs(60));
                });
            }
        }
    }

    fn target() -> Target {
        Target::Service {
            name: "greeter".into(),
            domain: "micro".into(),
        }
    }

    async fn run(script: Vec<Vec<(u64, &'static str)>>) -> (Arc<LiveView>, Settled, usize) {
        let view = Arc::new(LiveView::new(
            crate::backend::mdns::received_bounds::ViewLimits::default(),
            Arc::new(Counters::default()),
        ));
        let asker = Scripted {
            view: view.clone(),
            script,
            asked: Mutex::new(Vec::new()),
        };
        let latency = Latency::default();
        let now = Instant::now();
        let settled = settle(
            &view,
            &asker,
            &latency,
            &target(),
            NotBefore::now(),
            now + Duration::from_secs(20),
        )
        .await;
        let asked = asker.asked.lock().unwrap().len();
        (view, settled, asked)
    }

    #[tokio::test]
    async fn answers_spread_over_time_are_all_waited_for() {
        // Answers 100 to 400 ms after the question, in a trickle: a lookup that
        // returned soon after the first answer would miss most of them.
        let round: Vec<(u64, &'static str)> = ["a", "b", "c", "d", "e", "f", "g"]
            .iter()
            .enumerate()
            .map(|(i, id)| (100 + 50 * i as u64, *id))
            .collect();
        let (view, settled, _) = run(vec![round]).await;
        assert!(!settled.timed_out);
        assert_eq!(view.count(Some("greeter"), "micro"), 7);
    }

    #[tokio::test]
    async fn what_a_lost_round_missed_is_asked_again() {
        // Round 1 brings two nodes; the third answers only the third round.
        let (view, settled, asked) =
            run(vec![vec![(1, "a"), (2, "b")], vec![], vec![(1, "c")]]).await;
        assert_eq!(view.count(Some("greeter"), "micro"), 3);
        // Answers resumed after an empty round: the LAN loses, so more empty
        // rounds are needed before giving up.
        assert_eq!(asked, 3 + EMPTY_ROUNDS_LOSSY as usize, "{asked}");
        assert!(!settled.timed_out);
    }

    #[tokio::test]
    async fn a_lan_that_answers_everything_at_once_is_asked_few_rounds() {
        let (view, _, asked) = run(vec![vec![(1, "a"), (2, "b")]]).await;
        assert_eq!(view.count(Some("greeter"), "micro"), 2);
        assert_eq!(asked, 1 + EMPTY_ROUNDS as usize);
    }

    #[tokio::test]
    async fn nothing_found_ends_after_a_few_rounds() {
        let (view, settled, asked) = run(vec![]).await;
        assert_eq!(view.count(None, "micro"), 0);
        assert_eq!(asked as u32, NOT_FOUND_ROUNDS);
        assert!(!settled.timed_out);
    }
}
