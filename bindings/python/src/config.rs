//! The keyword arguments of `Registry(...)` / `AsyncRegistry(...)` as the core's
//! flat configuration object. Nothing here knows a backend's settings: every
//! keyword that is not a typed one below goes to the core as it is, and the core
//! routes it to the chosen backend (or says which keys that backend takes).

use std::time::Duration;

use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde_json::{Map, Value};

use microreg::environment::Environment;
use microreg::{Config, Ttl};

use crate::errors::{self, IntoPyResult};

/// What `Registry(...)` accepts, before checking. `None` = not given: the
/// environment (`MICRO_REGISTRY` & co.) or the core's default decides.
pub struct RegistryArgs {
    pub backend: Option<String>,
    pub domain: Option<String>,
    pub interfaces: Option<Vec<String>>,
    pub addresses: Option<Vec<String>>,
    /// Seconds.
    pub timeout: Option<f64>,
    pub cache: Option<bool>,
    /// Seconds.
    pub cache_ttl: Option<f64>,
    /// Seconds; 0 = no TTL.
    pub register_ttl: Option<f64>,
    /// Further settings by their core name (`**options`), e.g. `tls_ca`.
    pub options: Option<Map<String, Value>>,
}

impl RegistryArgs {
    pub fn into_config(self) -> PyResult<Config> {
        let mut map = Map::new();
        let mut put = |key: &str, value: Option<Value>| {
            if let Some(value) = value {
                map.insert(key.to_string(), value);
            }
        };
        put("backend", self.backend.map(Value::from));
        put("domain", self.domain.map(Value::from));
        put("interfaces", self.interfaces.map(Value::from));
        put("addresses", self.addresses.map(Value::from));
        put(
            "timeout_ms",
            self.timeout.map(|s| millis("timeout", s)).transpose()?,
        );
        put("cache", self.cache.map(Value::from));
        put(
            "cache_ttl_ms",
            self.cache_ttl.map(|s| millis("cache_ttl", s)).transpose()?,
        );
        put(
            "register_ttl_ms",
            self.register_ttl
                .map(|s| ttl_millis("register_ttl", s).map(Value::from))
                .transpose()?,
        );
        for (key, value) in self.options.unwrap_or_default() {
            if map.contains_key(&key) {
                return Err(errors::invalid(format!(
                    "registry option {key:?} is given twice"
                )));
            }
            map.insert(key, value);
        }
        Config::from_options(map, &Environment::from_process()).into_py_result()
    }
}

impl RegistryArgs {
    /// The arguments of `resolve_config(backend, **keywords)`: the same keywords
    /// as `Registry(...)`, the ones in seconds converted like there.
    pub fn from_keywords(
        backend: Option<String>,
        mut keywords: Map<String, Value>,
    ) -> PyResult<Self> {
        let mut seconds_of = |key: &str| -> PyResult<Option<f64>> {
            match keywords.remove(key) {
                None | Some(Value::Null) => Ok(None),
                Some(value) => value
                    .as_f64()
                    .map(Some)
                    .ok_or_else(|| errors::invalid(format!("{key} must be a number of seconds"))),
            }
        };
        let (timeout, cache_ttl, register_ttl) = (
            seconds_of("timeout")?,
            seconds_of("cache_ttl")?,
            seconds_of("register_ttl")?,
        );
        Ok(RegistryArgs {
            backend,
            domain: None,
            interfaces: None,
            addresses: None,
            timeout,
            cache: None,
            cache_ttl,
            register_ttl,
            // domain, interfaces, addresses, cache: the core's own key names.
            options: Some(keywords),
        })
    }
}

/// What `Registry(backend, **keywords)` would use, as a dict, without opening
/// anything: the keywords, then go-micro's environment (`MICRO_REGISTRY`,
/// `MICRO_REGISTRY_ADDRESS`, `ETCD_USERNAME`, `ETCD_PASSWORD`), then the
/// defaults; the etcd password shown as "***".
#[pyfunction]
#[pyo3(signature = (backend = None, **options))]
pub fn resolve_config<'py>(
    py: Python<'py>,
    backend: Option<String>,
    options: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    let keywords = options_from_py(options)?.unwrap_or_default();
    let config = RegistryArgs::from_keywords(backend, keywords)?.into_config()?;
    py.import("json")?
        .call_method1("loads", (config.to_json_redacted(),))
}

/// The `**options` of `Registry(...)` as JSON, through Python's json module.
pub fn options_from_py(
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<Option<Map<String, Value>>> {
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

/// A register TTL in seconds: `None` is the registry's default, 0 no TTL.
pub fn ttl(seconds_or_none: Option<f64>) -> PyResult<Ttl> {
    Ok(match seconds_or_none {
        None => Ttl::Default,
        Some(0.0) => Ttl::Never,
        Some(s) => Ttl::After(seconds("ttl", s)?),
    })
}

fn millis(what: &str, value: f64) -> PyResult<Value> {
    Ok(Value::from(seconds(what, value)?.as_millis().max(1) as u64))
}

/// Milliseconds of a TTL in seconds, 0 (no TTL) allowed.
fn ttl_millis(what: &str, value: f64) -> PyResult<u64> {
    if value == 0.0 {
        return Ok(0);
    }
    Ok(seconds(what, value)?.as_millis().max(1) as u64)
}
