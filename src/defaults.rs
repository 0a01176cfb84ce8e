//! The defaults of every face (Rust, CLI, C, C++, Python, Go, the go-micro
//! adapter), defined once. A face leaves a setting out and the core fills it
//! in from here; no face repeats one of these values.

use std::time::Duration;

use crate::config::BackendKind;

/// The backend used when neither the program nor `MICRO_REGISTRY` names one:
/// mdns, as go-micro's default registry is mdns.
pub const DEFAULT_BACKEND: BackendKind = BackendKind::Mdns;

/// The domain used when none is given, as in go-micro.
pub const DEFAULT_DOMAIN: &str = "micro";

/// The TTL of a registration that names none: go-micro v5's server default
/// (`server.DefaultRegisterTTL`, 90 s). The keeper refreshes at a third of it,
/// every 30 s, which is go-micro's `DefaultRegisterInterval`. A crashed node
/// thus leaves every view within 90 s, as a crashed go-micro service does.
pub const DEFAULT_REGISTER_TTL: Duration = Duration::from_secs(90);

/// Time limit of one backend operation (go-micro's registry timeout for etcd).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long the cache trusts an entry that no live watch keeps current
/// (go-micro's `registry/cache`: 1 min).
pub const DEFAULT_CACHE_TTL: Duration = Duration::from_secs(60);
