//! The mDNS backend: go-micro's own mDNS dialect (so that stock go-micro services
//! and microreg find each other) and standard DNS-SD through the mdns-sd crate
//! (avahi, Bonjour, python-zeroconf), merged by node id.
//!
//! Open it with [`Client::new`](crate::Client::new) and a configuration whose
//! backend is [`BackendConfig::Mdns`](crate::BackendConfig::Mdns) (the
//! default), or directly with `MdnsRegistry::new` and `MdnsOptions`.
//! Settings: [`MdnsConfig`]. Names must fit DNS: a node id, and each
//! dot-separated part of a service name or domain, is one DNS label of at most
//! 63 bytes; a registration that does not fit is refused with
//! [`Error::InvalidArgument`](crate::Error::InvalidArgument).
//!
//! Inside, one file per part: the TXT codec (`gomicro_txt`), names
//! (`gomicro_names`), records written (`gomicro_records`) and read
//! (`gomicro_parse`), lenient decoding (`wire`) and the inflation each sender
//! may cost (`inflate_budget`), our nodes and their answers (`published`), the
//! merged view of the LAN (`live_view`) and its bounds (`received_bounds`), the
//! dialect on the wire (`gomicro_dialect`), sockets (`transport`), interface
//! choice (`interfaces`), counters (`counters`), the one gate every question we
//! send passes, and when leases are asked about again (`questions`), how long a
//! lookup waits for the LAN (`lookup`), the domains `*` follows (`domains`),
//! the byte rate each asker may be answered at (`answer_limiter`), signed
//! announcements (`signing`), and the `MdnsRegistry` that ties them together
//! (`registry`). All but the settings (`config`) are behind the `mdns` cargo
//! feature.

mod config;
pub use config::MdnsConfig;

/// Marks each item as part of the `mdns` feature.
macro_rules! mdns_feature {
    ($($item:item)*) => { $( #[cfg(feature = "mdns")] $item )* };
}

/// Modules that only the fuzz targets (fuzz/) reach from outside: public when
/// cargo-fuzz builds (it passes `--cfg fuzzing`), private otherwise.
macro_rules! fuzzed_modules {
    ($($name:ident)*) => { $(
        #[cfg(all(feature = "mdns", fuzzing))]
        #[doc(hidden)]
        pub mod $name;
        #[cfg(all(feature = "mdns", not(fuzzing)))]
        mod $name;
    )* };
}

fuzzed_modules! { counters gomicro_parse live_view published received_bounds }

// The modules marked `doc(hidden)` are not part of the API (no semver promise):
// they are public only for the project's own tools that work on the wire
// itself (the fuzz targets, the mdns_flood and mdns_sign_bench examples, the
// CLI's doctor).
mdns_feature! {
    mod answer_limiter;
    mod dnssd;
    mod domains;
    mod farewells;
    mod gomicro_dialect;
    #[doc(hidden)]
    pub mod gomicro_names;
    #[doc(hidden)]
    pub mod gomicro_records;
    #[doc(hidden)]
    pub mod gomicro_txt;
    mod inflate_budget;
    mod interfaces;
    mod lookup;
    #[doc(hidden)]
    pub mod questions;
    mod registry;
    mod sent_queries;
    #[doc(hidden)]
    pub mod signing;
    mod transport;
    #[doc(hidden)]
    pub mod wire;

    pub use counters::CounterSnapshot;
    pub use interfaces::NetInterface;
    pub use received_bounds::ViewLimits;
    pub use registry::{MdnsOptions, MdnsRegistry, DEFAULT_LOOKUP_LIMIT};
    pub use signing::Keys;
}
