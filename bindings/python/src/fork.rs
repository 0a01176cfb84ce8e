//! Handles that belong to the process that made them.
//!
//! The core's runtime threads do not survive `fork()`: a child gets a fresh runtime
//! from `microreg::runtime::handle()`, but objects made before the fork still point
//! at the parent's state (its registrations, its mDNS sockets). Using one in the
//! child raises `UsedAfterForkError`; dropping one there forgets it instead of
//! running its cleanup, which would deregister the parent's nodes or wait on
//! threads that do not exist in the child.

use std::mem::ManuallyDrop;

use pyo3::PyResult;

use crate::errors;

/// A value usable only in the process that created it.
pub struct ProcessBound<T> {
    pid: u32,
    value: ManuallyDrop<T>,
}

impl<T> ProcessBound<T> {
    pub fn new(value: T) -> Self {
        ProcessBound {
            pid: std::process::id(),
            value: ManuallyDrop::new(value),
        }
    }

    /// The value, or `UsedAfterForkError` in a forked child.
    pub fn get(&self) -> PyResult<&T> {
        if self.in_owner_process() {
            Ok(&self.value)
        } else {
            Err(errors::used_after_fork(self.pid))
        }
    }

    pub fn in_owner_process(&self) -> bool {
        std::process::id() == self.pid
    }
}

impl<T> Drop for ProcessBound<T> {
    #[allow(unsafe_code)]
    fn drop(&mut self) {
        if self.in_owner_process() {
            // SAFETY: `value` is initialised (it is only ever dropped here) and
            // this is `Drop::drop`, which runs once: nothing reads or drops it
            // again.
            unsafe { ManuallyDrop::drop(&mut self.value) }
        }
        // In a forked child the value is leaked on purpose (see the module docs).
    }
}
