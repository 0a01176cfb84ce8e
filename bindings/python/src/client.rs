//! The core `Client` behind a Python registry object: one per `Registry`, shared
//! with the watches and pending async calls that need it.

use std::sync::Arc;

use pyo3::prelude::*;

use microreg::{Client, RegisterOptions, WatchOptions};

use crate::config::{self, RegistryArgs};
use crate::errors::IntoPyResult;
use crate::fork::ProcessBound;

pub struct ClientRef {
    client: Option<ProcessBound<Arc<Client>>>,
}

impl ClientRef {
    pub fn new(py: Python<'_>, args: RegistryArgs) -> PyResult<Self> {
        let config = args.into_config()?;
        // Building a backend may open sockets or start tasks: without the GIL.
        let client = py.detach(|| Client::new(config)).into_py_result()?;
        Ok(ClientRef {
            client: Some(ProcessBound::new(Arc::new(client))),
        })
    }

    /// The client, or `UsedAfterForkError` in a forked child.
    pub fn get(&self) -> PyResult<&Arc<Client>> {
        self.client
            .as_ref()
            .expect("the client is only taken on drop")
            .get()
    }

    pub fn register_options(
        &self,
        ttl: Option<f64>,
        domain: Option<String>,
    ) -> PyResult<RegisterOptions> {
        let client = self.get()?;
        let mut options = client.register_options(config::ttl(ttl)?);
        if let Some(domain) = domain {
            options.domain = domain;
        }
        Ok(options)
    }

    /// The configuration in use as a dict (secrets masked), through Python's json.
    pub fn config_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let json = self.get()?.config().to_json_redacted();
        py.import("json")?.call_method1("loads", (json,))
    }

    /// `domain`, or the client's own when None.
    pub fn domain(&self, domain: Option<String>) -> PyResult<String> {
        let client = self.get()?;
        Ok(domain.unwrap_or_else(|| client.domain().to_string()))
    }

    pub fn watch_options(
        &self,
        service: Option<String>,
        domain: Option<String>,
    ) -> PyResult<WatchOptions> {
        Ok(WatchOptions {
            service,
            domain: self.domain(domain)?,
        })
    }
}

impl Drop for ClientRef {
    fn drop(&mut self) {
        // Dropping the client deregisters what it kept alive and may wait for
        // the runtime: never while holding the GIL.
        if let Some(client) = self.client.take() {
            Python::attach(|py| py.detach(move || drop(client)));
        }
    }
}
