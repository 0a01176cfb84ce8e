//! The etcd backend: go-micro's etcd registry layout (wire-compatible with
//! go-micro.dev/v5 `registry/etcd`), one lease per client kept alive by one
//! stream, and a prefix watch per domain feeding the core cache.

mod config;

pub use config::{EtcdConfig, DEFAULT_ADDRESS, DEFAULT_PREFIX};
