//! Picking one node among the candidates: those that pass the filters, less
//! those inside a failure backoff (unless no other is left). Works on the
//! cache's data in place: no allocation, two passes over the nodes.

use crate::model::{Node, Service};

use super::marks::MarksView;
use super::options::{SelectOptions, Strategy};

/// A node that passes the filters: where it is in the services, and itself.
#[derive(Clone, Copy)]
pub(crate) struct Candidate<'a> {
    /// Index of its version in the services.
    pub service_index: usize,
    /// Index of the node in its version's nodes.
    pub node_index: usize,
    pub node: &'a Node,
}

/// Every node of `services` that passes every filter, in the registry's order.
pub(crate) fn candidates<'a>(
    services: &'a [Service],
    options: &'a SelectOptions,
) -> impl Iterator<Item = Candidate<'a>> + Clone + 'a {
    services
        .iter()
        .enumerate()
        .filter(|(_, service)| options.filters.iter().all(|f| f.matches_service(service)))
        .flat_map(move |(service_index, service)| {
            service
                .nodes
                .iter()
                .enumerate()
                .filter(|(_, node)| options.filters.iter().all(|f| f.matches_node(node)))
                .map(move |(node_index, node)| Candidate {
                    service_index,
                    node_index,
                    node,
                })
        })
}

/// Where the node to use is (its version's index, its index there), or `None`
/// when no node passes the filters.
///
/// `ticket` takes the next number of the client's counter for this service
/// (atomically, so concurrent round-robin callers visit every node once per
/// cycle); random selection never takes one.
pub(crate) fn choose<'a>(
    services: &'a [Service],
    options: &'a SelectOptions,
    ticket: &dyn Fn() -> usize,
    marks: &MarksView<'_>,
) -> Option<(usize, usize)> {
    let all = candidates(services, options);
    if !marks.any() {
        return pick(all, options.strategy, ticket, marks);
    }
    let healthy = all.clone().filter(|c| !marks.avoided(&c.node.id));
    if healthy.clone().next().is_some() {
        return pick(healthy, options.strategy, ticket, marks);
    }
    // Every candidate is backing off: the one free soonest, rather than none.
    let soonest = all.clone().map(|c| marks.avoid_until(&c.node.id)).min()?;
    let freed_first = all.filter(move |c| marks.avoid_until(&c.node.id) == soonest);
    one_of(freed_first, |count| ticket() % count)
}

fn pick<'a>(
    pool: impl Iterator<Item = Candidate<'a>> + Clone,
    strategy: Strategy,
    ticket: &dyn Fn() -> usize,
    marks: &MarksView<'_>,
) -> Option<(usize, usize)> {
    match strategy {
        Strategy::Random => one_of(pool, |count| fastrand::usize(..count)),
        Strategy::RoundRobin => one_of(pool, |count| ticket() % count),
        Strategy::LeastFailed => {
            let fewest = pool.clone().map(|c| marks.failures(&c.node.id)).min()?;
            let least = pool.filter(move |c| marks.failures(&c.node.id) == fewest);
            one_of(least, |count| ticket() % count)
        }
    }
}

/// Candidates remembered on the stack during the counting pass, so that a
/// pool this small is walked (and filtered) once, not twice.
const REMEMBERED: usize = 32;

/// The candidate at `index(count)` of the pool.
fn one_of<'a>(
    pool: impl Iterator<Item = Candidate<'a>> + Clone,
    index: impl FnOnce(usize) -> usize,
) -> Option<(usize, usize)> {
    let mut remembered = [(0usize, 0usize); REMEMBERED];
    let mut count = 0;
    for candidate in pool.clone() {
        if let Some(slot) = remembered.get_mut(count) {
            *slot = (candidate.service_index, candidate.node_index);
        }
        count += 1;
    }
    if count == 0 {
        return None;
    }
    let at = index(count);
    match remembered.get(at) {
        Some(place) => Some(*place),
        None => pool
            .into_iter()
            .nth(at)
            .map(|c| (c.service_index, c.node_index)),
    }
}
