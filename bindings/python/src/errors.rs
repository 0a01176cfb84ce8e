//! The core's errors as the Python exceptions of `microreg._errors`.
//!
//! The exception classes are defined in Python because `TimeoutError` derives from
//! both `RegistryError` and the builtin `TimeoutError`, and `InvalidArgumentError`
//! from `ValueError`, which is plain in Python and awkward in PyO3.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyModule, PyType};

use microreg::Error;

static ERRORS_MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

/// A `microreg._errors` exception class with `message`.
pub fn new_error(class: &str, message: String) -> PyErr {
    Python::attach(|py| {
        let class = ERRORS_MODULE
            .get_or_try_init(py, || py.import("microreg._errors").map(Bound::unbind))
            .and_then(|module| module.bind(py).getattr(class))
            .and_then(|class| Ok(class.cast_into::<PyType>()?));
        match class {
            Ok(class) => PyErr::from_type(class, message),
            Err(import_failed) => import_failed,
        }
    })
}

/// The Python exception for a core error.
pub fn to_py(error: Error) -> PyErr {
    let class = match &error {
        Error::NotFound | Error::NoMatch(_) => "NotFoundError",
        Error::WatcherStopped => "WatcherStoppedError",
        Error::InvalidArgument(_) => "InvalidArgumentError",
        Error::BackendUnavailable(_) => "BackendError",
        Error::Timeout => "TimeoutError",
        Error::Internal(_) => "InternalError",
        // A kind newer than this face: the base class, with the core's message.
        _ => "RegistryError",
    };
    new_error(class, error.to_string())
}

/// `InvalidArgumentError` for a bad value passed from Python.
pub fn invalid(message: impl Into<String>) -> PyErr {
    new_error("InvalidArgumentError", message.into())
}

/// The error for a handle used in a forked child.
pub fn used_after_fork(owner_pid: u32) -> PyErr {
    new_error(
        "UsedAfterForkError",
        format!(
            "this microreg object was created in process {owner_pid} and cannot be used \
             after fork() (this is process {}); create a new Registry in the child",
            std::process::id()
        ),
    )
}

/// Converts core results with `?`.
pub trait IntoPyResult<T> {
    fn into_py_result(self) -> PyResult<T>;
}

impl<T> IntoPyResult<T> for microreg::Result<T> {
    fn into_py_result(self) -> PyResult<T> {
        self.map_err(to_py)
    }
}
