//! microreg: a service registry for every language.
//!
//! It follows go-micro's registry model ([`Service`], [`Node`], [`Endpoint`],
//! domains, TTLs, watches). A [`Client`] is what applications use: a backend,
//! a watch-fed cache that answers lookups in memory, and a keeper that holds
//! registrations alive.
//!
//! ```
//! use microreg::{Client, Config, Node, Registry, Service};
//! # microreg::runtime::block_on(async {
//! // The default backend is mdns (the LAN); this example stays in the process.
//! let client = Client::new(Config::memory())?;
//! let service = Service::new("greeter", "1.0.0").with_node(Node::new("greeter-1", "10.0.0.5:8080"));
//! client.register(&service, &client.register_options(None)).await?;
//! let found = client.get_service("greeter", client.domain()).await?;
//! assert_eq!(found[0].nodes[0].address, "10.0.0.5:8080");
//! # Ok::<(), microreg::Error>(())
//! # }).unwrap().unwrap();
//! ```
//!
//! Where things are:
//!
//! - [`Client`], configured by [`Config`] (flat JSON, go-micro's
//!   [`environment`], the [`defaults`]); [`Client::select`] and [`select`]
//!   pick the node to call.
//! - The model: [`Service`], [`Node`], [`Endpoint`], [`Value`], bounded by
//!   [`limits`].
//! - [`Registry`], the trait every backend implements, with
//!   [`RegisterOptions`], [`WatchOptions`], and [`Watcher`] yielding
//!   [`Event`]s; [`watch::channel`] for a backend of your own, and
//!   [`CachedRegistry`] to put go-micro's cache in front of it.
//! - The backends in [`backend`]: [`MemoryRegistry`], `mdns` and `etcd` (each
//!   a cargo feature, both on by default) with their option types.
//! - [`Error`] (`#[non_exhaustive]`), [`Result`].
//! - [`runtime`]: the shared tokio runtime, for callers without one of their
//!   own; [`ffi`]: the C ABI (`include/microreg.h`).

// unsafe lives only in the C ABI (src/ffi) and the runtime's fork handling
// (src/runtime.rs), each block with a SAFETY comment.
#![deny(unsafe_code)]
// Every public item says what it is for (docs.rs is the API's manual).
#![warn(missing_docs)]

// The public API: the types a user names, re-exported below, and the few
// modules a user reaches into (backends and their options, the shared runtime,
// go-micro's environment, the defaults, watches for backend authors, limits,
// selection, the C ABI). Everything else is private, so that refactoring it
// breaks nobody.
pub mod backend;
mod cache;
mod client;
mod config;
pub mod defaults;
mod domain;
pub mod environment;
mod error;
mod fanout;
pub mod ffi;
mod keeper;
pub mod limits;
mod model;
mod registry;
pub mod runtime;
pub mod select;
mod validate;
mod view;
pub mod watch;

pub use backend::MemoryRegistry;
pub use cache::CachedRegistry;
pub use client::Client;
pub use config::{BackendConfig, BackendKind, Config};
pub use domain::DOMAIN_METADATA_KEY;
pub use error::{Error, Result};
pub use model::{Endpoint, Metadata, Node, Service, Value};
pub use registry::{
    Action, Event, RegisterOptions, Registry, Ttl, WatchOptions, DEFAULT_DOMAIN, WILDCARD_DOMAIN,
};
pub use select::{Outcome, SelectOptions, Selected, Strategy};
pub use view::ServiceView;
pub use watch::Watcher;

/// The Rust examples of README.md and of every page of docs/, compiled and run
/// as doc tests. They use the LAN (the mdns backend), so they are collected only
/// inside the test network namespace: `make test-rust` passes
/// `--cfg microreg_isolated` to rustdoc there.
#[cfg(all(doctest, microreg_isolated))]
mod doc_examples {
    macro_rules! pages {
        ($($name:ident = $path:literal),* $(,)?) => {
            $(#[doc = include_str!($path)] pub struct $name;)*
        };
    }
    pages! {
        Readme = "../README.md",
        Benchmarks = "../docs/benchmarks.md",
        C = "../docs/c.md",
        Cli = "../docs/cli.md",
        Concepts = "../docs/concepts.md",
        Configuration = "../docs/configuration.md",
        Etcd = "../docs/etcd.md",
        Go = "../docs/go.md",
        Mdns = "../docs/mdns.md",
        Performance = "../docs/performance.md",
        Python = "../docs/python.md",
        Rust = "../docs/rust.md",
        Selection = "../docs/selection.md",
        Testing = "../docs/testing.md",
        WireFormats = "../docs/wire-formats.md",
    }
}
