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

/// The node to use, or `None` when no node passes the filters.
///
/// `ticket` takes the next number of the client's counter for this service
/// (atomically, so concurrent round-robin callers visit every node once per
/// cycle); random selection never takes one.
pub(crate) fn choose<'a>(
    services: &'a [Service],
    options: &'a SelectOptions,
    ticket: &dyn Fn() -> usize,
    marks: &MarksView<'_>,
) -> Option<Candidate<'a>> {
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
    in_turn(freed_first, ticket)
}

fn pick<'a>(
    pool: impl Iterator<Item = Candidate<'a>> + Clone,
    strategy: Strategy,
    ticket: &dyn Fn() -> usize,
    marks: &MarksView<'_>,
) -> Option<Candidate<'a>> {
    match strategy {
        Strategy::Random => {
            let count = pool.clone().count();
            if count == 0 {
                return None;
            }
            pool.clone().nth(fastrand::usize(..count))
        }
        Strategy::RoundRobin => in_turn(pool, ticket),
        Strategy::LeastFailed => {
            let fewest = pool.clone().map(|c| marks.failures(&c.node.id)).min()?;
            in_turn(
                pool.filter(move |c| marks.failures(&c.node.id) == fewest),
                ticket,
            )
        }
    }
}

fn in_turn<'a>(
    pool: impl Iterator<Item = Candidate<'a>> + Clone,
    ticket: &dyn Fn() -> usize,
) -> Option<Candidate<'a>> {
    let count = pool.clone().count();
    if count == 0 {
        return None;
    }
    pool.clone().nth(ticket() % count)
}
