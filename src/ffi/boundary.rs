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

/// Runs a body that cannot fail and returns a value (a static string, say); a
/// panic, impossible as these are written, would give `fallback`.
pub(crate) fn run_or<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
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

#[cfg(test)]
mod tests {
    use std::ffi::CStr;

    use super::*;
    use crate::error::Error;

    fn last_error() -> String {
        // SAFETY: microreg_last_error never returns NULL.
        unsafe { CStr::from_ptr(last_error::microreg_last_error()) }
            .to_string_lossy()
            .into_owned()
    }

    #[test]
    fn a_panic_becomes_a_status_and_a_message() {
        let status = run(|| panic!("boom {}", 42));
        assert_eq!(status, microreg_status::MICROREG_ERR_PANIC as c_int);
        assert!(last_error().contains("panic: boom 42"), "{}", last_error());
        run_void(|| panic!("in a free function"));
        assert!(last_error().contains("in a free function"));
    }

    #[test]
    fn errors_map_to_their_codes_and_keep_their_message() {
        assert_eq!(run(|| Ok(())), 0);
        let status = run(|| Err(Error::invalid("bad thing\0with a NUL")));
        assert_eq!(
            status,
            microreg_status::MICROREG_ERR_INVALID_ARGUMENT as c_int
        );
        assert_eq!(last_error(), "invalid argument: bad thingwith a NUL");
        assert_eq!(run(|| Err(Error::NotFound)), -2);
        assert_eq!(run(|| Err(Error::Timeout)), -3);
        assert_eq!(run(|| Err(Error::unavailable("x"))), -4);
        assert_eq!(run(|| Err(Error::WatcherStopped)), -5);
        assert_eq!(run(|| Err(Error::Internal("x".into()))), -6);
        // A success leaves the last failure's message in place.
        assert_eq!(run(|| Ok(())), 0);
        assert_eq!(last_error(), "internal error: x");
    }
}
