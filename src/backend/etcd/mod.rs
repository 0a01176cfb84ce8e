//! The etcd backend: go-micro's etcd registry layout (wire-compatible with
//! go-micro.dev/v5 `registry/etcd`), one lease per TTL kept alive by one
//! stream, batched writes, and prefix watches that resume and resynchronise.
//!
//! Layout (see `layout`): the default domain is go-micro's own,
//! `/micro/registry/<service>/<node id>` holding the Service JSON with that one
//! node; other domains live under `/micro/registry-domains/<domain>/...`, out
//! of go-micro's sight; `*` reads both and stamps `metadata["domain"]`.
//!
//! Leases (see `leases`): every node registered with the same TTL (whole
//! seconds) shares one lease, renewed by one KeepAlive stream; a node without
//! a TTL has no lease. A lost lease is replaced and its nodes put again by the
//! backend itself. Registering a node exactly as it is already written sends
//! nothing, so the keeper's periodic refresh costs etcd no request.

mod config;
#[cfg(feature = "etcd")]
mod connection;
#[cfg(feature = "etcd")]
mod expiry;
#[cfg(feature = "etcd")]
mod follow;
#[cfg(feature = "etcd")]
mod health;
#[cfg(feature = "etcd")]
mod layout;
#[cfg(feature = "etcd")]
mod leases;
#[cfg(feature = "etcd")]
mod registry;
#[cfg(feature = "etcd")]
mod values;
#[cfg(feature = "etcd")]
mod writes;

pub use config::{EtcdConfig, DEFAULT_ADDRESS, DEFAULT_MAX_TXN_OPS, DEFAULT_PREFIX};
#[cfg(feature = "etcd")]
pub use registry::EtcdRegistry;
#[cfg(feature = "etcd")]
pub(crate) use registry::Shared;
