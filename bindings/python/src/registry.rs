//! `microreg.Registry`: the blocking face. Every call releases the GIL while the
//! core works, so other Python threads run meanwhile.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyType};

use microreg::{Error, Registry as _};

use crate::blocking::wait;
use crate::client::ClientRef;
use crate::config::{options_from_py, RegistryArgs};
use crate::errors::{self, IntoPyResult};
use crate::model::PyService;
use crate::watch::PyWatch;

/// A registry handle: register (kept alive until deregister/close), look up, watch.
#[pyclass(module = "microreg", name = "Registry", frozen)]
pub struct PyRegistry {
    client: ClientRef,
}

/// `NotFoundError` naming what was looked up.
pub fn not_found_in(error: Error, name: &str, domain: &str) -> PyErr {
    match error {
        Error::NotFound => errors::new_error(
            "NotFoundError",
            format!("service '{name}' not found in domain '{domain}'"),
        ),
        other => errors::to_py(other),
    }
}

#[pymethods]
impl PyRegistry {
    #[new]
    #[pyo3(signature = (backend = None, *, domain = None, interfaces = None, addresses = None,
                        timeout = None, cache = None, cache_ttl = None, register_ttl = None, **options),
           text_signature = "(backend=None, *, domain=None, interfaces=None, addresses=None, timeout=None, cache=None, cache_ttl=None, register_ttl=None, **options)")]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        backend: Option<String>,
        domain: Option<String>,
        interfaces: Option<Vec<String>>,
        addresses: Option<Vec<String>>,
        timeout: Option<f64>,
        cache: Option<bool>,
        cache_ttl: Option<f64>,
        register_ttl: Option<f64>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let args = RegistryArgs {
            backend,
            domain,
            interfaces,
            addresses,
            timeout,
            cache,
            cache_ttl,
            register_ttl,
            options: options_from_py(options)?,
        };
        Ok(PyRegistry {
            client: ClientRef::new(py, args)?,
        })
    }

    /// The backend's name: "memory", "mdns" or "etcd".
    #[getter]
    fn backend(&self) -> PyResult<&'static str> {
        Ok(self.client.get()?.name())
    }

    /// The domain used when a call names none.
    #[getter]
    fn domain(&self) -> PyResult<String> {
        Ok(self.client.get()?.domain().to_string())
    }

    /// The configuration in use: a dict of the core's flat settings (the
    /// backend's own included; the etcd password shown as "***").
    #[getter]
    fn config<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.client.config_dict(py)
    }

    /// Publishes every node of `service` and keeps it registered (re-registering
    /// before `ttl` seconds run out) until `deregister()` or `close()`.
    #[pyo3(signature = (service, *, ttl = None, domain = None))]
    fn register(
        &self,
        py: Python<'_>,
        service: &Bound<'_, PyService>,
        ttl: Option<f64>,
        domain: Option<String>,
    ) -> PyResult<()> {
        let service = service.borrow().to_core(py)?;
        let options = self.client.register_options(ttl, domain)?;
        let client = self.client.get()?.clone();
        wait(py, async move { client.register(&service, &options).await })?.into_py_result()
    }

    /// Removes the listed nodes of `service` (all its nodes at that version when
    /// it lists none) and stops keeping them alive.
    #[pyo3(signature = (service, *, domain = None))]
    fn deregister(
        &self,
        py: Python<'_>,
        service: &Bound<'_, PyService>,
        domain: Option<String>,
    ) -> PyResult<()> {
        let service = service.borrow().to_core(py)?;
        let domain = self.client.domain(domain)?;
        let client = self.client.get()?.clone();
        wait(
            py,
            async move { client.deregister(&service, &domain).await },
        )?
        .into_py_result()
    }

    /// Every version of `name`, nodes merged per version. Raises `NotFoundError`
    /// when no node serves it.
    #[pyo3(signature = (name, *, domain = None))]
    fn get_service(
        &self,
        py: Python<'_>,
        name: &str,
        domain: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let domain = self.client.domain(domain)?;
        let client = self.client.get()?.clone();
        let (owned_name, owned_domain) = (name.to_string(), domain.clone());
        let services = wait(py, async move {
            client.get_service(&owned_name, &owned_domain).await
        })?
        .map_err(|e| not_found_in(e, name, &domain))?;
        PyService::list_from_core(py, services)
    }

    /// Every service in the domain (`"*"` for all domains).
    #[pyo3(signature = (*, domain = None))]
    fn list_services(&self, py: Python<'_>, domain: Option<String>) -> PyResult<Py<PyAny>> {
        let domain = self.client.domain(domain)?;
        let client = self.client.get()?.clone();
        let services =
            wait(py, async move { client.list_services(&domain).await })?.into_py_result()?;
        PyService::list_from_core(py, services)
    }

    /// A stream of changes from now on; iterate it (`for event in w`) inside `with`.
    #[pyo3(signature = (service = None, *, domain = None))]
    fn watch(
        &self,
        py: Python<'_>,
        service: Option<String>,
        domain: Option<String>,
    ) -> PyResult<PyWatch> {
        let options = self.client.watch_options(service, domain)?;
        let client = self.client.get()?.clone();
        let watcher = wait(py, async move { client.watch(&options).await })?.into_py_result()?;
        Ok(PyWatch::new(watcher))
    }

    /// Deregisters everything this handle registered; later calls fail. Idempotent.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let client = self.client.get()?.clone();
        wait(py, async move { client.close().await })
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (_exc_type = None, _exc = None, _tb = None))]
    fn __exit__(
        &self,
        py: Python<'_>,
        _exc_type: Option<&Bound<'_, PyType>>,
        _exc: Option<&Bound<'_, PyAny>>,
        _tb: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        self.close(py)?;
        Ok(false)
    }

    fn __repr__(&self) -> String {
        match self.client.get() {
            Ok(c) => format!("Registry(backend='{}', domain='{}')", c.name(), c.domain()),
            Err(_) => "Registry(<from a parent process>)".to_string(),
        }
    }
}
