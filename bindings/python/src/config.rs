//! The keyword arguments of `Registry(...)` / `AsyncRegistry(...)` as a core `Config`.

use std::str::FromStr;
use std::time::Duration;

use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde_json::Value;

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
    /// Further `Config` fields by name (`**options`).
    pub options: Option<serde_json::Map<String, Value>>,
}

impl RegistryArgs {
    #[allow(clippy::needless_update)]
    pub fn into_config(self) -> PyResult<Config> {
        let defaults = Config::default();
        let mut config = Config {
            backend: BackendKind::from_str(&self.backend).into_py_result()?,
            domain: self.domain.unwrap_or_else(|| defaults.domain.clone()),
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
            // Fields that backends add later keep their defaults.
            ..defaults
        };
        if let Some(options) = self.options {
            config = with_options(config, options)?;
        }
        config.validate().into_py_result()?;
        Ok(config)
    }
}

/// Applies further backend options, named as the core's `Config` fields (JSON),
/// so every setting a backend adds is reachable without a new binding.
fn with_options(config: Config, options: serde_json::Map<String, Value>) -> PyResult<Config> {
    let mut fields = match serde_json::to_value(&config) {
        Ok(Value::Object(fields)) => fields,
        _ => return Err(errors::invalid("the registry config is not a JSON object")),
    };
    fields.extend(options);
    Config::from_json(Some(&Value::Object(fields).to_string())).into_py_result()
}

/// The `**options` of `Registry(...)` as JSON, through Python's json module.
pub fn options_from_py(
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<Option<serde_json::Map<String, Value>>> {
    let Some(options) = options.filter(|o| !o.is_empty()) else {
        return Ok(None);
    };
    let json: String = options
        .py()
        .import("json")?
        .call_method1("dumps", (options,))?
        .extract()?;
    match serde_json::from_str(&json) {
        Ok(Value::Object(map)) => Ok(Some(map)),
        _ => Err(errors::invalid("registry options must be JSON values")),
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
