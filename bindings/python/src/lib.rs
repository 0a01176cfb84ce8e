//! `microreg._microreg`: the compiled half of the `microreg` Python package.
//!
//! Everything here translates between Python and the Rust core's [`microreg::Client`];
//! behaviour lives in the core. The pure-Python half (exceptions, re-exports,
//! asyncio glue) is in `python/microreg/`.

// No unsafe code but the one drop in fork.rs, which says why it is sound.
#![deny(unsafe_code)]

use pyo3::prelude::*;

mod async_registry;
mod asyncio;
mod blocking;
mod client;
mod config;
mod errors;
mod event;
mod fork;
mod model;
mod registry;
mod select;
mod watch;

#[pymodule]
fn _microreg(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("DEFAULT_DOMAIN", microreg::DEFAULT_DOMAIN)?;
    m.add("WILDCARD_DOMAIN", microreg::WILDCARD_DOMAIN)?;
    m.add_class::<model::PyValue>()?;
    m.add_class::<model::PyEndpoint>()?;
    m.add_class::<model::PyNode>()?;
    m.add_class::<model::PyService>()?;
    m.add_class::<event::PyEvent>()?;
    m.add_class::<registry::PyRegistry>()?;
    m.add_class::<watch::PyWatch>()?;
    m.add_class::<async_registry::PyAsyncRegistry>()?;
    m.add_class::<async_registry::PyAsyncWatch>()?;
    m.add_function(wrap_pyfunction!(config::resolve_config, m)?)?;
    Ok(())
}
