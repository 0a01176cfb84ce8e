//! What callers reported about nodes: a node that failed is avoided for a
//! backoff that doubles with each consecutive failure (capped); a success
//! forgets it. Marks of nodes that left the registry are pruned.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::RwLock;
use std::time::Duration;

use tokio::time::Instant;

/// What a call to a node did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The call succeeded: the node's failures are forgotten.
    Ok,
    /// The call failed: the node is avoided for a while.
    Failed,
}

impl std::str::FromStr for Outcome {
    type Err = crate::Error;

    fn from_str(text: &str) -> crate::Result<Self> {
        match text {
            "ok" => Ok(Outcome::Ok),
            "failed" => Ok(Outcome::Failed),
            other => Err(crate::Error::invalid(format!(
                "unknown mark {other:?}; choose ok or failed"
            ))),
        }
    }
}

/// How long a failed node is avoided: `first` after one failure, doubled for
/// each further consecutive failure, at most `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub first: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    /// 1 s, doubling up to 60 s.
    fn default() -> Self {
        Backoff {
            first: Duration::from_secs(1),
            max: Duration::from_secs(60),
        }
    }
}

impl Backoff {
    /// The pause after `failures` consecutive failures (at least one).
    pub fn after(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(31);
        self.first
            .checked_mul(1u32 << doublings)
            .map_or(self.max, |d| d.min(self.max))
    }
}

/// Calls its argument with every node id the registry still knows.
pub type KnownNodes<'a> = &'a dyn Fn(&mut dyn FnMut(&str));

/// Most marks kept; past it the oldest are dropped.
const MAX_MARKS: usize = 16_384;

#[derive(Debug, Clone, Copy)]
struct Mark {
    failures: u32,
    last_failure: Instant,
    avoid_until: Instant,
    /// Scratch for pruning: seen among the registry's nodes.
    known: bool,
}

/// The failed nodes of one client, by node id.
#[derive(Debug)]
pub(crate) struct Marks {
    backoff: Backoff,
    marks: RwLock<HashMap<String, Mark>>,
    /// `marks.len()`, readable without the lock: selection skips every lookup
    /// while no node is marked (the usual case).
    count: AtomicUsize,
}

impl Marks {
    pub(crate) fn new(backoff: Backoff) -> Self {
        Marks {
            backoff,
            marks: RwLock::new(HashMap::new()),
            count: AtomicUsize::new(0),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.count.load(Ordering::Acquire) == 0
    }

    /// Records `outcome` for `node_id`. On a failure, the marks of nodes that
    /// left the registry are dropped: `known_nodes`, when given, calls its
    /// argument with every node id the registry still knows. Marks that have
    /// not been renewed for ten times the longest backoff go too.
    pub(crate) fn mark(
        &self,
        node_id: &str,
        outcome: Outcome,
        now: Instant,
        known_nodes: Option<KnownNodes<'_>>,
    ) {
        if outcome == Outcome::Ok && self.is_empty() {
            return;
        }
        let mut marks = self.marks.write().unwrap_or_else(|e| e.into_inner());
        match outcome {
            Outcome::Ok => {
                marks.remove(node_id);
            }
            Outcome::Failed => {
                self.prune(&mut marks, now, known_nodes);
                if marks.len() >= MAX_MARKS && !marks.contains_key(node_id) {
                    let oldest = marks
                        .iter()
                        .min_by_key(|(_, m)| m.last_failure)
                        .map(|(id, _)| id.clone());
                    oldest.map(|id| marks.remove(&id));
                }
                let mark = marks.entry(node_id.to_string()).or_insert(Mark {
                    failures: 0,
                    last_failure: now,
                    avoid_until: now,
                    known: true,
                });
                mark.failures = mark.failures.saturating_add(1);
                mark.last_failure = now;
                mark.avoid_until = now + self.backoff.after(mark.failures);
            }
        }
        self.count.store(marks.len(), Ordering::Release);
    }

    fn prune(
        &self,
        marks: &mut HashMap<String, Mark>,
        now: Instant,
        known_nodes: Option<KnownNodes<'_>>,
    ) {
        if marks.is_empty() {
            return;
        }
        let forgotten_after = self.backoff.max.saturating_mul(10);
        if let Some(known_nodes) = known_nodes {
            marks.values_mut().for_each(|m| m.known = false);
            known_nodes(&mut |id| {
                if let Some(mark) = marks.get_mut(id) {
                    mark.known = true;
                }
            });
        }
        marks.retain(|_, m| m.known && now.duration_since(m.last_failure) < forgotten_after);
    }

    /// Forgets every mark (go-micro's `Reset`).
    pub(crate) fn clear(&self) {
        let mut marks = self.marks.write().unwrap_or_else(|e| e.into_inner());
        marks.clear();
        self.count.store(0, Ordering::Release);
    }

    /// A read view for one selection: one lock for every lookup it makes.
    /// `now` is asked only when some node is marked (the clock costs too).
    pub(crate) fn view(&self, now: impl FnOnce() -> Instant) -> MarksView<'_> {
        if self.is_empty() {
            return MarksView {
                marks: None,
                now: None,
            };
        }
        MarksView {
            marks: Some(self.marks.read().unwrap_or_else(|e| e.into_inner())),
            now: Some(now()),
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.count.load(Ordering::Acquire)
    }
}

/// The marks as one selection reads them.
pub(crate) struct MarksView<'a> {
    marks: Option<std::sync::RwLockReadGuard<'a, HashMap<String, Mark>>>,
    /// Set whenever `marks` is.
    now: Option<Instant>,
}

impl MarksView<'_> {
    /// Whether `node_id` is inside its backoff now.
    pub(crate) fn avoided(&self, node_id: &str) -> bool {
        self.mark(node_id)
            .is_some_and(|m| Some(m.avoid_until) > self.now)
    }

    /// Consecutive failures of `node_id` since its last success.
    pub(crate) fn failures(&self, node_id: &str) -> u32 {
        self.mark(node_id).map_or(0, |m| m.failures)
    }

    /// When `node_id` may be used again (`None`: now, it is not avoided).
    pub(crate) fn avoid_until(&self, node_id: &str) -> Option<Instant> {
        self.mark(node_id)
            .map(|m| m.avoid_until)
            .filter(|until| Some(*until) > self.now)
    }

    pub(crate) fn any(&self) -> bool {
        self.marks.as_ref().is_some_and(|m| !m.is_empty())
    }

    fn mark(&self, node_id: &str) -> Option<&Mark> {
        self.marks.as_ref()?.get(node_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let backoff = Backoff {
            first: secs(1),
            max: secs(10),
        };
        let pauses: Vec<u64> = (1..=6).map(|n| backoff.after(n).as_secs()).collect();
        assert_eq!(pauses, [1, 2, 4, 8, 10, 10]);
        assert_eq!(backoff.after(u32::MAX), secs(10));
    }

    #[test]
    fn failure_avoids_until_the_backoff_ends_and_success_clears() {
        let marks = Marks::new(Backoff {
            first: secs(1),
            max: secs(60),
        });
        let t0 = Instant::now();
        marks.mark("a", Outcome::Failed, t0, None);
        assert!(marks.view(|| t0).avoided("a"));
        assert!(marks.view(|| t0 + Duration::from_millis(999)).avoided("a"));
        assert!(!marks.view(|| t0 + secs(1)).avoided("a"));
        // A second failure doubles the pause; failures are counted.
        marks.mark("a", Outcome::Failed, t0 + secs(1), None);
        assert!(marks.view(|| t0 + secs(2)).avoided("a"));
        assert!(!marks.view(|| t0 + secs(3)).avoided("a"));
        assert_eq!(marks.view(|| t0 + secs(3)).failures("a"), 2);
        marks.mark("a", Outcome::Ok, t0 + secs(3), None);
        assert!(marks.is_empty());
        assert_eq!(marks.view(|| t0).failures("a"), 0);
    }

    #[test]
    fn marks_of_nodes_that_left_are_pruned() {
        let marks = Marks::new(Backoff::default());
        let now = Instant::now();
        for id in ["a", "b", "c"] {
            marks.mark(id, Outcome::Failed, now, None);
        }
        assert_eq!(marks.len(), 3);
        // "b" left the registry; the next failure report drops its mark.
        let registry = |seen: &mut dyn FnMut(&str)| ["a", "c", "d", "e"].into_iter().for_each(seen);
        marks.mark("d", Outcome::Failed, now, Some(&registry));
        assert_eq!(marks.len(), 3);
        assert!(!marks.view(|| now).avoided("b"));
        assert!(marks.view(|| now).avoided("d"));
        // A mark not renewed for ten times the longest backoff is forgotten.
        let later = now + Backoff::default().max * 10;
        marks.mark("e", Outcome::Failed, later, None);
        assert_eq!(marks.len(), 1);
    }

    #[test]
    fn marks_are_bounded() {
        let marks = Marks::new(Backoff::default());
        let now = Instant::now();
        for i in 0..MAX_MARKS + 10 {
            let at = now + Duration::from_millis(i as u64);
            marks.mark(&format!("n{i}"), Outcome::Failed, at, None);
        }
        assert_eq!(marks.len(), MAX_MARKS);
        // The oldest went first.
        assert!(!marks.view(|| now).avoided("n0"));
        assert!(marks.view(|| now).avoided(&format!("n{}", MAX_MARKS + 9)));
    }

    #[test]
    fn unknown_outcome_is_an_error() {
        assert_eq!("failed".parse::<Outcome>().unwrap(), Outcome::Failed);
        let error = "broken".parse::<Outcome>().unwrap_err();
        assert!(error.to_string().contains("choose ok or failed"));
    }
}
