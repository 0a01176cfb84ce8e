//! Node selection for `Registry.select`/`mark` and `AsyncRegistry.select`/`mark`:
//! Python keywords become the core's `SelectOptions` (the core validates them).

use std::collections::BTreeMap;

use pyo3::prelude::*;

use microreg::select::{Outcome, SelectOptions};
use microreg::{Client, Error};

use crate::errors::{self, IntoPyResult};

/// The keywords of `select()`, as the core's options.
pub fn options(
    strategy: Option<&str>,
    version: Option<&str>,
    labels: Option<BTreeMap<String, String>>,
    endpoint: Option<String>,
    domain: Option<String>,
) -> PyResult<SelectOptions> {
    let mut options = SelectOptions::new();
    if let Some(strategy) = strategy {
        options = options.strategy(strategy.parse().into_py_result()?);
    }
    if let Some(version) = version {
        options = options.version(version).into_py_result()?;
    }
    for (key, value) in labels.unwrap_or_default() {
        options = options.label(key, value);
    }
    if let Some(endpoint) = endpoint {
        options = options.endpoint(endpoint);
    }
    options.domain = domain;
    options.validate().into_py_result()?;
    Ok(options)
}

/// `NotFoundError` naming the service when the core's error does not.
pub fn error(error: Error, name: &str, client: &Client, options: &SelectOptions) -> PyErr {
    match error {
        Error::NotFound => {
            let domain = options.domain.as_deref().unwrap_or(client.domain());
            errors::new_error(
                "NotFoundError",
                format!("service '{name}' not found in domain '{domain}'"),
            )
        }
        other => errors::to_py(other),
    }
}

/// `mark(node_id, ok)` of both registry classes.
pub fn mark(client: &Client, node_id: &str, ok: bool) -> PyResult<()> {
    let outcome = if ok { Outcome::Ok } else { Outcome::Failed };
    client.mark(node_id, outcome).into_py_result()
}
