//! Core futures as asyncio futures, with no thread pool in between.
//!
//! A call spawns the core future as a task on the core's tokio runtime and hands
//! Python an `asyncio.Future` of the running loop. When the task ends it converts
//! the outcome (holding the GIL briefly) and resolves the future through
//! `loop.call_soon_threadsafe`, the one thread-safe way into a loop. Cancelling
//! the asyncio future aborts the tokio task.
//!
//! Fast path: the future is first polled once on the calling thread (inside the
//! runtime's context). What is ready at once, such as a lookup answered by the
//! warm cache, resolves the asyncio future on the spot, with no thread hop; what
//! is pending moves to the runtime, which polls it again with a real waker.

use std::future::Future;
use std::task::Poll;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use tokio::task::AbortHandle;

use microreg::runtime;

use crate::blocking::poll_once;

/// Aborts the tokio task once its asyncio future is done (cancelled or not).
#[pyclass(module = "microreg._microreg", frozen)]
struct AbortTask {
    task: AbortHandle,
}

#[pymethods]
impl AbortTask {
    fn __call__(&self, _future: &Bound<'_, PyAny>) {
        self.task.abort();
    }
}

/// Runs `future` on the core's runtime; the returned asyncio future resolves to
/// `convert(outcome)` (or raises what `convert` returns as an error).
pub fn spawn<'py, T, F, C>(py: Python<'py>, future: F, convert: C) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
    C: FnOnce(Python<'_>, T) -> PyResult<Py<PyAny>> + Send + 'static,
{
    static GET_RUNNING_LOOP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    static RESOLVE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let event_loop = GET_RUNNING_LOOP
        .import(py, "asyncio", "get_running_loop")?
        .call0()?;
    let py_future = event_loop.call_method0(pyo3::intern!(py, "create_future"))?;
    let resolve = RESOLVE
        .import(py, "microreg._asyncio", "resolve_future")?
        .clone()
        .unbind();
    let runtime = runtime::handle();
    let mut future = Box::pin(future);
    if let Poll::Ready(outcome) = poll_once(py, &runtime, &mut future) {
        let (ok, value) = settle(py, convert, outcome);
        resolve.bind(py).call1((&py_future, ok, value))?;
        return Ok(py_future);
    }

    let (event_loop, target) = (event_loop.unbind(), py_future.clone().unbind());
    let task = runtime.spawn(async move {
        let outcome = future.await;
        Python::attach(|py| {
            let (ok, value) = settle(py, convert, outcome);
            // Fails only when the loop is closed: then nobody awaits the result.
            let _ = event_loop.bind(py).call_method1(
                pyo3::intern!(py, "call_soon_threadsafe"),
                (resolve, target, ok, value),
            );
        });
    });
    py_future.call_method1(
        pyo3::intern!(py, "add_done_callback"),
        (AbortTask {
            task: task.abort_handle(),
        },),
    )?;
    Ok(py_future)
}

/// `(true, result)` or `(false, exception)`, as `resolve_future` takes them.
fn settle<T, C>(py: Python<'_>, convert: C, outcome: T) -> (bool, Py<PyAny>)
where
    C: FnOnce(Python<'_>, T) -> PyResult<Py<PyAny>>,
{
    match convert(py, outcome) {
        Ok(value) => (true, value),
        Err(error) => (false, error.into_value(py).into_any()),
    }
}
