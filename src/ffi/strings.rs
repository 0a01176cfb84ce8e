//! Strings across the boundary: checked `const char *` in, owned `char *` out.

use std::ffi::{c_char, CString};

use crate::error::{Error, Result};

/// Longest string argument accepted, in bytes before the terminating NUL (1 MiB).
/// A longer one is refused with `MICROREG_ERR_INVALID_ARGUMENT` without being
/// read past this bound.
pub const MICROREG_MAX_INPUT_LEN: usize = 1024 * 1024;

/// Reads a required string argument: NULL, unterminated within the bound, or
/// invalid UTF-8 is an error naming the argument.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string, or to at least
/// `MICROREG_MAX_INPUT_LEN + 1` readable bytes.
pub(crate) unsafe fn required<'a>(ptr: *const c_char, what: &str) -> Result<&'a str> {
    optional(ptr, what)?.ok_or_else(|| Error::invalid(format!("{what} is NULL")))
}

/// Like [`required`], but NULL is `None`.
///
/// # Safety
/// As for [`required`].
pub(crate) unsafe fn optional<'a>(ptr: *const c_char, what: &str) -> Result<Option<&'a str>> {
    if ptr.is_null() {
        return Ok(None);
    }
    // A bounded strlen: never scan further than the cap allows.
    let mut len = 0usize;
    while *ptr.add(len) != 0 {
        if len == MICROREG_MAX_INPUT_LEN {
            return Err(Error::invalid(format!(
                "{what} is longer than {MICROREG_MAX_INPUT_LEN} bytes"
            )));
        }
        len += 1;
    }
    let bytes = std::slice::from_raw_parts(ptr.cast::<u8>(), len);
    std::str::from_utf8(bytes).map(Some).map_err(|e| {
        Error::invalid(format!(
            "{what} is not valid UTF-8 (at byte {})",
            e.valid_up_to()
        ))
    })
}

/// Hands a string to C; the caller releases it with `microreg_string_free`.
pub(crate) fn to_c(text: String) -> Result<*mut c_char> {
    CString::new(text)
        .map(CString::into_raw)
        .map_err(|_| Error::Internal("an output string contains a NUL byte".into()))
}

/// Releases a string that microreg returned (never one from elsewhere, and
/// never with `free()`). NULL is accepted and ignored. Any thread.
///
/// # Safety
/// `s` is NULL or a string returned by microreg and not yet freed.
#[no_mangle]
pub unsafe extern "C" fn microreg_string_free(s: *mut c_char) {
    super::boundary::run_void(|| {
        if !s.is_null() {
            drop(CString::from_raw(s));
        }
    })
}
