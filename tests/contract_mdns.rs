//! The backend contract (tests/contract) on the mDNS backend: each handle is a
//! registry of its own (both dialects, as by default), as separate processes
//! would be, over the loopback of a private network namespace. Run it through
//! `tests/netns/isolated cargo test --test contract_mdns` (make test does).

mod contract;
mod support;

use std::sync::Arc;

use microreg::backend::mdns::{MdnsOptions, MdnsRegistry};
use microreg::Registry;

struct Mdns;

impl contract::Backend for Mdns {
    fn handle(&self) -> Arc<dyn Registry> {
        // Loopback only: test hosts that an earlier test binary left in this
        // namespace add a bridge without addresses, which is not the LAN
        // under test here.
        let options = MdnsOptions {
            interfaces: vec!["lo".to_string()],
            ..MdnsOptions::default()
        };
        Arc::new(MdnsRegistry::new(options).expect("an mDNS registry"))
    }
}

fn mdns() -> Option<Mdns> {
    support::require_isolated_network();
    Some(Mdns)
}

contract_tests!(mdns());
