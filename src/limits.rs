//! The bounds every backend enforces on what is registered. A registration
//! that exceeds one is refused with [`Error::InvalidArgument`](crate::Error)
//! naming the field, and nothing is changed. (The mDNS backend also fits
//! names to DNS: see [`backend::mdns`](crate::backend::mdns).)

pub use crate::model::{
    MAX_ENDPOINTS, MAX_METADATA_ENTRIES, MAX_METADATA_LEN, MAX_NAME_LEN, MAX_NODES, MAX_VALUE_DEPTH,
};
