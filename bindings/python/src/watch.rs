//! `microreg.Watch`: a blocking iterator over registry changes.
//!
//! Waits run without the GIL and wake regularly to run Python's signal handlers
//! (see `blocking.rs`), so Ctrl-C interrupts `for event in watch`.

use std::sync::Arc;
use std::time::Duration;

use pyo3::prelude::*;
use pyo3::types::PyType;

use microreg::{Error, Watcher};

use crate::blocking::wait;
use crate::config;
use crate::errors;
use crate::event::PyEvent;
use crate::fork::ProcessBound;

/// A stream of events; stop it with `stop()` or by leaving its `with` block.
#[pyclass(module = "microreg", name = "Watch", frozen)]
pub struct PyWatch {
    watcher: ProcessBound<Arc<Watcher>>,
}

impl PyWatch {
    pub fn new(watcher: Watcher) -> Self {
        PyWatch {
            watcher: ProcessBound::new(Arc::new(watcher)),
        }
    }

    /// The next event, `Err(WatcherStopped)` once stopped, `Err(Timeout)` after
    /// `timeout`; signal handlers run meanwhile (and may raise).
    fn wait(
        &self,
        py: Python<'_>,
        timeout: Option<Duration>,
    ) -> PyResult<Result<Py<PyAny>, Error>> {
        let watcher = self.watcher.get()?.clone();
        let outcome = wait(py, async move {
            match timeout {
                Some(timeout) => watcher.next_timeout(timeout).await,
                None => watcher.next().await,
            }
        })?;
        match outcome {
            Ok(event) => Ok(Ok(PyEvent::from_core(py, event)?)),
            Err(error) => Ok(Err(error)),
        }
    }
}

#[pymethods]
impl PyWatch {
    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// The next event; the iteration ends when the watch is stopped.
    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        match self.wait(py, None)? {
            Ok(event) => Ok(Some(event)),
            Err(Error::WatcherStopped) => Ok(None),
            Err(other) => Err(errors::to_py(other)),
        }
    }

    /// The next event, waiting at most `timeout` seconds (forever when None).
    /// Raises `TimeoutError` when none came, `WatcherStoppedError` once stopped.
    #[pyo3(signature = (timeout = None))]
    fn next(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<Py<PyAny>> {
        let timeout = timeout.map(|t| config::seconds("timeout", t)).transpose()?;
        self.wait(py, timeout)?.map_err(errors::to_py)
    }

    /// Ends the watch; a waiting iteration ends too. Idempotent, any thread.
    fn stop(&self) -> PyResult<()> {
        self.watcher.get()?.stop();
        Ok(())
    }

    #[getter]
    fn stopped(&self) -> PyResult<bool> {
        Ok(self.watcher.get()?.is_stopped())
    }

    /// Events lost because this watch was not read fast enough.
    #[getter]
    fn dropped_events(&self) -> PyResult<u64> {
        Ok(self.watcher.get()?.dropped_events())
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (_exc_type = None, _exc = None, _tb = None))]
    fn __exit__(
        &self,
        _exc_type: Option<&Bound<'_, PyType>>,
        _exc: Option<&Bound<'_, PyAny>>,
        _tb: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        self.stop()?;
        Ok(false)
    }
}
