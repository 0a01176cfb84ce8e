//! `microreg.AsyncRegistry` and `AsyncWatch`: the asyncio face. Every method
//! returns an awaitable driven by the core's own tokio runtime (see `asyncio.rs`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use pyo3::exceptions::PyStopAsyncIteration;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyType};
use tokio::sync::OnceCell;

use microreg::{Client, Error, Registry as _, WatchOptions, Watcher};

use crate::asyncio;
use crate::client::ClientRef;
use crate::config::{options_from_py, RegistryArgs};
use crate::errors::{self, IntoPyResult};
use crate::event::PyEvent;
use crate::fork::ProcessBound;
use crate::model::PyService;
use crate::registry::not_found_in;

/// The asyncio twin of `Registry`: the same arguments, awaitable methods.
#[pyclass(module = "microreg", name = "AsyncRegistry", frozen)]
pub struct PyAsyncRegistry {
    client: ClientRef,
}

fn none(py: Python<'_>, outcome: microreg::Result<()>) -> PyResult<Py<PyAny>> {
    outcome.into_py_result()?;
    Ok(py.None())
}

#[pymethods]
impl PyAsyncRegistry {
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
        Ok(PyAsyncRegistry {
            client: ClientRef::new(py, args)?,
        })
    }

    #[getter]
    fn backend(&self) -> PyResult<&'static str> {
        Ok(self.client.get()?.name())
    }

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

    #[pyo3(signature = (service, *, ttl = None, domain = None))]
    fn register<'py>(
        &self,
        py: Python<'py>,
        service: &Bound<'py, PyService>,
        ttl: Option<f64>,
        domain: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let service = service.borrow().to_core(py)?;
        let options = self.client.register_options(ttl, domain)?;
        let client = self.client.get()?.clone();
        asyncio::spawn(
            py,
            async move { client.register(&service, &options).await },
            none,
        )
    }

    #[pyo3(signature = (service, *, domain = None))]
    fn deregister<'py>(
        &self,
        py: Python<'py>,
        service: &Bound<'py, PyService>,
        domain: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let service = service.borrow().to_core(py)?;
        let domain = self.client.domain(domain)?;
        let client = self.client.get()?.clone();
        asyncio::spawn(
            py,
            async move { client.deregister(&service, &domain).await },
            none,
        )
    }

    #[pyo3(signature = (name, *, domain = None))]
    fn get_service<'py>(
        &self,
        py: Python<'py>,
        name: String,
        domain: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let domain = self.client.domain(domain)?;
        let client = self.client.get()?.clone();
        asyncio::spawn(
            py,
            async move {
                let outcome = client.get_service(&name, &domain).await;
                (outcome, name, domain)
            },
            |py, (outcome, name, domain)| {
                let services = outcome.map_err(|e| not_found_in(e, &name, &domain))?;
                PyService::list_from_core(py, services)
            },
        )
    }

    #[pyo3(signature = (*, domain = None))]
    fn list_services<'py>(
        &self,
        py: Python<'py>,
        domain: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let domain = self.client.domain(domain)?;
        let client = self.client.get()?.clone();
        asyncio::spawn(
            py,
            async move { client.list_services(&domain).await },
            |py, outcome| PyService::list_from_core(py, outcome.into_py_result()?),
        )
    }

    /// An `AsyncWatch`; it starts on `async with` or the first `async for` step.
    #[pyo3(signature = (service = None, *, domain = None))]
    fn watch(&self, service: Option<String>, domain: Option<String>) -> PyResult<PyAsyncWatch> {
        let options = self.client.watch_options(service, domain)?;
        Ok(PyAsyncWatch {
            state: Some(ProcessBound::new(Arc::new(WatchState {
                client: self.client.get()?.clone(),
                options,
                watcher: OnceCell::new(),
                stopped: AtomicBool::new(false),
            }))),
        })
    }

    fn close<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let client = self.client.get()?.clone();
        asyncio::spawn(
            py,
            async move {
                client.close().await;
                Ok(())
            },
            none,
        )
    }

    fn __aenter__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        slf.get().client.get()?;
        let this = slf.clone().into_any().unbind();
        asyncio::spawn(slf.py(), async {}, move |_, ()| Ok(this))
    }

    #[pyo3(signature = (_exc_type = None, _exc = None, _tb = None))]
    fn __aexit__<'py>(
        &self,
        py: Python<'py>,
        _exc_type: Option<&Bound<'py, PyType>>,
        _exc: Option<&Bound<'py, PyAny>>,
        _tb: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.close(py)
    }

    fn __repr__(&self) -> String {
        match self.client.get() {
            Ok(c) => format!(
                "AsyncRegistry(backend='{}', domain='{}')",
                c.name(),
                c.domain()
            ),
            Err(_) => "AsyncRegistry(<from a parent process>)".to_string(),
        }
    }
}

/// What an `AsyncWatch` shares with its pending steps.
struct WatchState {
    client: Arc<Client>,
    options: WatchOptions,
    watcher: OnceCell<Watcher>,
    stopped: AtomicBool,
}

impl WatchState {
    /// The core watcher, started on first use; `WatcherStopped` after `stop()`.
    async fn watcher(&self) -> microreg::Result<&Watcher> {
        if self.stopped.load(Ordering::Acquire) {
            return Err(Error::WatcherStopped);
        }
        let watcher = self
            .watcher
            .get_or_try_init(|| self.client.watch(&self.options))
            .await?;
        if self.stopped.load(Ordering::Acquire) {
            watcher.stop(); // stop() raced with the start
        }
        Ok(watcher)
    }

    fn stop(&self) {
        self.stopped.store(true, Ordering::Release);
        if let Some(watcher) = self.watcher.get() {
            watcher.stop();
        }
    }
}

/// An asynchronous stream of events: `async with reg.watch() as w: async for e in w`.
#[pyclass(module = "microreg", name = "AsyncWatch", frozen)]
pub struct PyAsyncWatch {
    /// Taken only by `drop`.
    state: Option<ProcessBound<Arc<WatchState>>>,
}

impl PyAsyncWatch {
    fn state(&self) -> PyResult<&Arc<WatchState>> {
        self.state.as_ref().expect("taken only by drop").get()
    }
}

impl Drop for PyAsyncWatch {
    fn drop(&mut self) {
        // It may hold the last reference to the client, whose drop deregisters
        // and waits for the runtime: never while holding the GIL.
        if let Some(state) = self.state.take() {
            Python::attach(|py| py.detach(move || drop(state)));
        }
    }
}

#[pymethods]
impl PyAsyncWatch {
    fn __aiter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// Awaits the next event; `async for` ends when the watch is stopped.
    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let state = self.state()?.clone();
        asyncio::spawn(
            py,
            async move { state.watcher().await?.next().await },
            |py, outcome| match outcome {
                Ok(event) => PyEvent::from_core(py, event),
                Err(Error::WatcherStopped) => Err(PyStopAsyncIteration::new_err(())),
                Err(other) => Err(errors::to_py(other)),
            },
        )
    }

    /// Awaits the next event for at most `timeout` seconds (`TimeoutError`);
    /// `WatcherStoppedError` once stopped.
    #[pyo3(signature = (timeout = None))]
    fn next<'py>(&self, py: Python<'py>, timeout: Option<f64>) -> PyResult<Bound<'py, PyAny>> {
        let timeout = timeout
            .map(|t| crate::config::seconds("timeout", t))
            .transpose()?;
        let state = self.state()?.clone();
        asyncio::spawn(
            py,
            async move {
                let watcher = state.watcher().await?;
                match timeout {
                    Some(timeout) => watcher.next_timeout(timeout).await,
                    None => watcher.next().await,
                }
            },
            |py, outcome| PyEvent::from_core(py, outcome.into_py_result()?),
        )
    }

    /// Ends the watch; pending steps end too. Idempotent.
    fn stop(&self) -> PyResult<()> {
        self.state()?.stop();
        Ok(())
    }

    #[getter]
    fn stopped(&self) -> PyResult<bool> {
        Ok(self.state()?.stopped.load(Ordering::Acquire))
    }

    fn __aenter__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let state = slf.get().state()?.clone();
        let this = slf.clone().into_any().unbind();
        asyncio::spawn(
            slf.py(),
            async move { state.watcher().await.map(|_| ()) },
            move |_, outcome| {
                outcome.into_py_result()?;
                Ok(this)
            },
        )
    }

    #[pyo3(signature = (_exc_type = None, _exc = None, _tb = None))]
    fn __aexit__<'py>(
        &self,
        py: Python<'py>,
        _exc_type: Option<&Bound<'py, PyType>>,
        _exc: Option<&Bound<'py, PyAny>>,
        _tb: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.stop()?;
        asyncio::spawn(py, async {}, |py, ()| {
            Ok(false.into_pyobject(py)?.to_owned().into_any().unbind())
        })
    }
}
