//! The mDNS backend: go-micro's own mDNS dialect (so that stock go-micro services
//! and microreg find each other) and standard DNS-SD through the mdns-sd crate
//! (avahi, Bonjour, python-zeroconf), merged by node id.
//!
//! One file per part: the TXT codec ([`gomicro_txt`]), names ([`gomicro_names`]),
//! records written ([`gomicro_records`]) and read ([`gomicro_parse`]), lenient
//! decoding ([`wire`]) and the inflation each sender may cost
//! (`inflate_budget`), our nodes and their answers ([`published`]), the merged
//! view of the LAN ([`live_view`]) and its bounds (`received_bounds`), the
//! dialect on the wire ([`gomicro_dialect`]), sockets ([`transport`]),
//! interface choice ([`interfaces`]), counters ([`counters`]), the one gate
//! every question we send passes, and when leases are asked about again
//! (`questions`), how long a lookup waits for the LAN (`lookup`), the domains
//! `*` follows (`domains`), the byte rate each asker may be answered at
//! (`answer_limiter`), signed announcements (`signing`), and the
//! `MdnsRegistry` that ties them together
//! (`registry`). All but the settings ([`config`]) are behind the `mdns`
//! cargo feature.

pub mod config;
pub use config::MdnsConfig;

/// Marks each item as part of the `mdns` feature.
macro_rules! mdns_feature {
    ($($item:item)*) => { $( #[cfg(feature = "mdns")] $item )* };
}

mdns_feature! {
    pub mod answer_limiter;
    pub mod counters;
    pub mod dnssd;
    pub mod domains;
    pub mod farewells;
    pub mod gomicro_dialect;
    pub mod gomicro_names;
    pub mod gomicro_parse;
    pub mod gomicro_records;
    pub mod gomicro_txt;
    pub mod inflate_budget;
    pub mod interfaces;
    pub mod live_view;
    pub mod lookup;
    pub mod published;
    pub mod questions;
    pub mod received_bounds;
    pub mod sent_queries;
    pub mod registry;
    pub mod signing;
    pub mod transport;
    pub mod wire;

    pub use counters::CounterSnapshot;
    pub use registry::{MdnsOptions, MdnsRegistry};
}
