//! Core futures awaited from a blocking Python call: without the GIL, waking every
//! `SIGNAL_CHECK_INTERVAL` to run Python's signal handlers (Ctrl-C), so no call
//! into microreg can make a program deaf to KeyboardInterrupt.
//!
//! Fast path: the future is first polled once on the calling thread (inside the
//! runtime's context); a lookup answered by the warm cache returns from there.
//! A pending future moves to the core's runtime, which drives it with a real
//! waker while this thread waits on a channel in slices.

use std::future::Future;
use std::pin::Pin;
use std::sync::mpsc::{sync_channel, RecvTimeoutError};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use pyo3::prelude::*;
use tokio::runtime::Handle;

use microreg::runtime;

use crate::errors;

/// The longest a blocking call goes without checking for signals.
pub const SIGNAL_CHECK_INTERVAL: Duration = Duration::from_millis(100);

/// Runs `future` to completion. A signal handler that raises (KeyboardInterrupt)
/// aborts the future and propagates.
pub fn wait<F>(py: Python<'_>, future: F) -> PyResult<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let runtime = runtime::handle();
    let mut future = Box::pin(future);
    if let Poll::Ready(output) = poll_once(py, &runtime, &mut future) {
        return Ok(output);
    }

    let (done, mut outcome) = sync_channel(1);
    let task = runtime.spawn(async move {
        let _ = done.send(future.await);
    });
    loop {
        // The receiver is Send but not Sync: lend it to the GIL-free closure.
        let (received, receiver) = py.detach(move || {
            let received = outcome.recv_timeout(SIGNAL_CHECK_INTERVAL);
            (received, outcome)
        });
        outcome = receiver;
        match received {
            Ok(output) => return Ok(output),
            Err(RecvTimeoutError::Timeout) => {
                if let Err(interrupted) = py.check_signals() {
                    task.abort();
                    return Err(interrupted);
                }
            }
            Err(RecvTimeoutError::Disconnected) => {
                return Err(errors::new_error(
                    "InternalError",
                    "microreg's runtime dropped a call before it finished".into(),
                ))
            }
        }
    }
}

/// Polls `future` once on this thread, without the GIL and inside the runtime's
/// context. If it is pending, whoever polls it next (the runtime, once it is
/// spawned there) registers the real waker; the no-op one is never relied on.
pub fn poll_once<F: Future + Send>(
    py: Python<'_>,
    runtime: &Handle,
    future: &mut Pin<Box<F>>,
) -> Poll<F::Output>
where
    F::Output: Send,
{
    py.detach(|| {
        let _context = runtime.enter();
        future
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
    })
}
