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

/// The wire modules: public, hidden from the docs and outside the API (no
/// semver promise), only with the `unstable-wire` feature, which the project's
/// own tools that work on the wire itself enable (the fuzz targets, the
/// hostile-LAN and signing examples, through the package's dev-dependency on
/// itself); private otherwise.
macro_rules! wire_modules {
    ($($name:ident)*) => { $(
        #[cfg(all(feature = "mdns", feature = "unstable-wire"))]
        #[doc(hidden)]
        pub mod $name;
        #[cfg(all(feature = "mdns", not(feature = "unstable-wire")))]
        mod $name;
    )* };
}

wire_modules! {
    counters gomicro_names gomicro_parse gomicro_records gomicro_txt live_view published
    received_bounds signing wire
}

mdns_feature! {
    mod answer_limiter;
    mod dnssd;
    mod domains;
    mod farewells;
    mod gomicro_dialect;
    mod inflate_budget;
    mod interfaces;
    mod lookup;
    mod questions;
    mod registry;
    mod sent_queries;
    mod transport;

    pub use counters::CounterSnapshot;
    pub use interfaces::NetInterface;
    pub use received_bounds::ViewLimits;
    pub use registry::{MdnsOptions, MdnsRegistry, DEFAULT_LOOKUP_LIMIT};
    pub use signing::Keys;
}
