//! Where registrations live: in this process (memory), on the LAN (mDNS), or in
//! an etcd cluster.

pub mod etcd;
pub mod mdns;
pub mod memory;

pub use memory::MemoryRegistry;
