//! The backend contract (tests/contract) on the memory backend.

mod contract;

use std::sync::Arc;

use microreg::backend::MemoryRegistry;
use microreg::Registry;

/// A store of its own per test; its handles are clones (one process).
struct Memory(MemoryRegistry);

impl contract::Backend for Memory {
    fn handle(&self) -> Arc<dyn Registry> {
        Arc::new(self.0.clone())
    }
}

contract_tests!(Some(Memory(MemoryRegistry::isolated())));
