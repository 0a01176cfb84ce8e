//! The status codes every fallible C function returns.

use std::ffi::{c_char, c_int};

use crate::error::Error;

/// What a microreg C function returns: 0 on success, a negative code on failure.
/// Functions return it as a plain `int`; compare it with these names.
/// After a failure, `microreg_last_error()` gives the message.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum microreg_status {
    /// Success.
    MICROREG_OK = 0,
    /// NULL where a value is needed, invalid UTF-8, malformed JSON, a JSON value
    /// of the wrong type or an unknown field, input over `MICROREG_MAX_INPUT_LEN`,
    /// a value the registry refuses (empty name, bad address, ...), or a handle
    /// that was closed or created before `fork()`. Nothing was changed.
    MICROREG_ERR_INVALID_ARGUMENT = -1,
    /// No node serves the service asked for, or none passes a selection's
    /// filters (the message says which).
    MICROREG_ERR_NOT_FOUND = -2,
    /// `microreg_watcher_next` waited `timeout_ms` without an event.
    MICROREG_ERR_TIMEOUT = -3,
    /// The backend cannot be reached, or is not part of this build.
    MICROREG_ERR_BACKEND_UNAVAILABLE = -4,
    /// The watcher was stopped, or its stream ended.
    MICROREG_ERR_WATCHER_STOPPED = -5,
    /// A bug or an impossible state inside microreg.
    MICROREG_ERR_INTERNAL = -6,
    /// microreg panicked; the call was abandoned at the boundary.
    MICROREG_ERR_PANIC = -7,
}

impl From<&Error> for microreg_status {
    fn from(error: &Error) -> Self {
        match error {
            Error::InvalidArgument(_) => microreg_status::MICROREG_ERR_INVALID_ARGUMENT,
            Error::NotFound | Error::NoMatch(_) => microreg_status::MICROREG_ERR_NOT_FOUND,
            Error::Timeout => microreg_status::MICROREG_ERR_TIMEOUT,
            Error::BackendUnavailable(_) => microreg_status::MICROREG_ERR_BACKEND_UNAVAILABLE,
            Error::WatcherStopped => microreg_status::MICROREG_ERR_WATCHER_STOPPED,
            Error::Internal(_) => microreg_status::MICROREG_ERR_INTERNAL,
        }
    }
}

/// A short static description of a status code ("ok", "not found", ...), or
/// "unknown status" for a value that is not one.
///
/// Never fails; the string is static: do not free it. Any thread.
#[no_mangle]
pub extern "C" fn microreg_status_str(status: c_int) -> *const c_char {
    super::boundary::run_or(c"unknown status".as_ptr(), || describe(status).as_ptr())
}

fn describe(status: c_int) -> &'static std::ffi::CStr {
    match status {
        0 => c"ok",
        -1 => c"invalid argument",
        -2 => c"not found",
        -3 => c"timed out",
        -4 => c"backend unavailable",
        -5 => c"watcher stopped",
        -6 => c"internal error",
        -7 => c"panic inside microreg",
        _ => c"unknown status",
    }
}
