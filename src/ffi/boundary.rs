//! The panic boundary (rustls-ffi's `ffi_panic_boundary!`, as functions): every
//! exported body runs inside one, so a panic becomes a status code instead of
//! unwinding into C, and every error leaves its message for `microreg_last_error`.

use std::any::Any;
use std::ffi::c_int;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::Result;

use super::last_error;
use super::status::microreg_status;

/// Runs `body`; 0 on success, else the error's status code with its message kept.
pub(crate) fn run(body: impl FnOnce() -> Result<()>) -> c_int {
    // AssertUnwindSafe: after a panic the call is abandoned and reported; the
    // core's shared state is behind poison-tolerant locks.
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => microreg_status::MICROREG_OK as c_int,
        Ok(Err(error)) => {
            last_error::set(error.to_string());
            microreg_status::from(&error) as c_int
        }
        Err(panic) => {
            last_error::set(format!("internal error: panic: {}", panic_message(&*panic)));
            microreg_status::MICROREG_ERR_PANIC as c_int
        }
    }
}

/// Runs a body that cannot report failure (the `_free` functions): a panic is
/// kept as the last error and otherwise swallowed.
pub(crate) fn run_void(body: impl FnOnce()) {
    if let Err(panic) = catch_unwind(AssertUnwindSafe(body)) {
        last_error::set(format!("internal error: panic: {}", panic_message(&*panic)));
    }
}

fn panic_message(panic: &(dyn Any + Send)) -> &str {
    if let Some(text) = panic.downcast_ref::<&str>() {
        text
    } else if let Some(text) = panic.downcast_ref::<String>() {
        text
    } else {
        "(no message)"
    }
}
