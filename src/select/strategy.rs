//! Picking one node among the candidates: those that pass the filters, less
//! those inside a failure backoff (unless no other is left). Works on the
//! cache's data in place: no allocation, two passes over the nodes.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::model::{Node, Service};

use super::marks::MarksView;
use super::options::{SelectOptions, Strategy};

/// Every node of `services` that passes every filter, in the registry's order.
pub(crate) fn candidates<'a>(
    services: &'a [Service],
    options: &'a SelectOptions,
) -> impl Iterator<Item = (&'a Service, &'a Node)> + Clone + 'a {
    services
        .iter()
        .filter(|service| options.filters.iter().all(|f| f.matches_service(service)))
        .flat_map(move |service| {
            service
                .nodes
                .iter()
                .filter(|node| options.filters.iter().all(|f| f.matches_node(node)))
                .map(move |node| (service, node))
        })
}

/// The node to use, or `None` when no node passes the filters.
///
/// `turn` is the client's counter for this service: each caller takes the
/// next ticket atomically, so concurrent round-robin callers visit every node
/// once per cycle.
pub(crate) fn choose<'a>(
    services: &'a [Service],
    options: &'a SelectOptions,
    turn: &AtomicUsize,
    marks: &MarksView<'_>,
) -> Option<(&'a Service, &'a Node)> {
    let all = candidates(services, options);
    if !marks.any() {
        return pick(all, options.strategy, turn, marks);
    }
    let healthy = all.clone().filter(|(_, node)| !marks.avoided(&node.id));
    if healthy.clone().next().is_some() {
        return pick(healthy, options.strategy, turn, marks);
    }
    // Every candidate is backing off: the one free soonest, rather than none.
    let soonest = all.clone().map(|(_, n)| marks.avoid_until(&n.id)).min()?;
    let freed_first = all.filter(move |(_, n)| marks.avoid_until(&n.id) == soonest);
    in_turn(freed_first, turn)
}

fn pick<'a>(
    pool: impl Iterator<Item = (&'a Service, &'a Node)> + Clone,
    strategy: Strategy,
    turn: &AtomicUsize,
    marks: &MarksView<'_>,
) -> Option<(&'a Service, &'a Node)> {
    match strategy {
        Strategy::Random => {
            let count = pool.clone().count();
            if count == 0 {
                return None;
            }
            pool.clone().nth(fastrand::usize(..count))
        }
        Strategy::RoundRobin => in_turn(pool, turn),
        Strategy::LeastFailed => {
            let fewest = pool.clone().map(|(_, n)| marks.failures(&n.id)).min()?;
            in_turn(
                pool.filter(move |(_, n)| marks.failures(&n.id) == fewest),
                turn,
            )
        }
    }
}

fn in_turn<'a>(
    pool: impl Iterator<Item = (&'a Service, &'a Node)> + Clone,
    turn: &AtomicUsize,
) -> Option<(&'a Service, &'a Node)> {
    let count = pool.clone().count();
    if count == 0 {
        return None;
    }
    let ticket = turn.fetch_add(1, Ordering::Relaxed);
    pool.clone().nth(ticket % count)
}
