//! The keyword arguments of `Registry(...)` / `AsyncRegistry(...)` as a core `Config`.

use std::str::FromStr;
use std::time::Duration;

use pyo3::PyResult;

use microreg::{BackendKind, Config};

use crate::errors::{self, IntoPyResult};

/// What `Registry(...)` accepts, before checking.
pub struct RegistryArgs {
    pub backend: String,
    pub domain: Option<String>,
    pub interfaces: Option<Vec<String>>,
    pub addresses: Option<Vec<String>>,
    pub timeout: Option<f64>,
    pub cache: bool,
    pub cache_ttl: Option<f64>,
}

impl RegistryArgs {
    pub fn into_config(self) -> PyResult<Config> {
        let defaults = Config::default();
        let config = Config {
            backend: BackendKind::from_str(&self.backend).into_py_result()?,
            domain: self.domain.unwrap_or(defaults.domain),
            interfaces: self.interfaces.unwrap_or_default(),
            addresses: self.addresses.unwrap_or_default(),
            timeout_ms: match self.timeout {
                Some(seconds) => millis("timeout", seconds)?,
                None => defaults.timeout_ms,
            },
            cache: self.cache,
            cache_ttl_ms: match self.cache_ttl {
                Some(seconds) => millis("cache_ttl", seconds)?,
                None => defaults.cache_ttl_ms,
            },
        };
        config.validate().into_py_result()?;
        Ok(config)
    }
}

/// A positive, finite number of seconds.
pub fn seconds(what: &str, seconds: f64) -> PyResult<Duration> {
    if !seconds.is_finite() || seconds <= 0.0 || seconds > 1e9 {
        return Err(errors::invalid(format!(
            "{what} must be a positive number of seconds, not {seconds}"
        )));
    }
    Ok(Duration::from_secs_f64(seconds))
}

fn millis(what: &str, value: f64) -> PyResult<u64> {
    Ok(seconds(what, value)?.as_millis().max(1) as u64)
}
