//! A watch event as a Python object: `Event(action, service, timestamp)`.

use std::time::{SystemTime, UNIX_EPOCH};

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyTuple;

use microreg::Event;

use crate::model::PyService;

/// One change seen by a watch; `service.nodes` holds the node(s) it concerns.
#[pyclass(module = "microreg", name = "Event", frozen)]
pub struct PyEvent {
    /// "create", "update" or "delete", as go-micro spells them.
    #[pyo3(get)]
    action: &'static str,
    #[pyo3(get)]
    service: Py<PyService>,
    /// When the change was seen: an aware `datetime` in UTC.
    #[pyo3(get)]
    timestamp: Py<PyAny>,
    /// Kept for `to_dict()`, so it writes exactly the core's JSON.
    core: Event,
}

impl PyEvent {
    pub fn from_core(py: Python<'_>, event: Event) -> PyResult<Py<PyAny>> {
        let service = PyService::from_core(py, event.service.clone())?;
        let timestamp = utc_datetime(py, event.timestamp)?;
        Ok(Py::new(
            py,
            PyEvent {
                action: event.action.as_str(),
                service,
                timestamp,
                core: event,
            },
        )?
        .into_any())
    }

    fn fields<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        (self.action, self.service.bind(py), self.timestamp.bind(py)).into_pyobject(py)
    }
}

fn utc_datetime(py: Python<'_>, time: SystemTime) -> PyResult<Py<PyAny>> {
    static FROM_TIMESTAMP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    static UTC: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let seconds = match time.duration_since(UNIX_EPOCH) {
        Ok(after) => after.as_secs_f64(),
        Err(before) => -before.duration().as_secs_f64(),
    };
    let from_timestamp = FROM_TIMESTAMP.get_or_try_init(py, || {
        Ok::<_, PyErr>(
            py.import("datetime")?
                .getattr("datetime")?
                .getattr("fromtimestamp")?
                .unbind(),
        )
    })?;
    let utc = UTC.get_or_try_init(py, || {
        Ok::<_, PyErr>(
            py.import("datetime")?
                .getattr("timezone")?
                .getattr("utc")?
                .unbind(),
        )
    })?;
    Ok(from_timestamp
        .bind(py)
        .call1((seconds, utc.bind(py)))?
        .unbind())
}

#[pymethods]
impl PyEvent {
    /// go-micro's JSON shape: `{"action": ..., "service": {...}, "timestamp": RFC 3339}`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py.import("json")?
            .call_method1("loads", (self.core.to_json(),))
    }

    fn to_json(&self) -> String {
        self.core.to_json()
    }

    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        match other.cast::<PyEvent>() {
            Ok(other) => Ok(self
                .fields(py)?
                .eq(other.get().fields(py)?)?
                .into_pyobject(py)?
                .to_owned()
                .into_any()
                .unbind()),
            Err(_) => Ok(py.NotImplemented()),
        }
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Event(action='{}', service={}, timestamp={})",
            self.action,
            self.service.bind(py).repr()?,
            self.timestamp.bind(py).repr()?
        ))
    }
}
