//! Strings across the boundary: checked `const char *` in, owned `char *` out.

use std::cell::RefCell;
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
/// `ptr` is NULL, or points to a NUL-terminated string, or to at least
/// `MICROREG_MAX_INPUT_LEN + 1` readable bytes; those bytes stay valid and
/// unchanged for `'a`. The caller picks `'a`: at most the exported call that
/// received `ptr` (C lends its strings for the duration of the call only).
pub(crate) unsafe fn required<'a>(ptr: *const c_char, what: &str) -> Result<&'a str> {
    // SAFETY: this function's own contract, passed on unchanged.
    unsafe { optional(ptr, what) }?.ok_or_else(|| Error::invalid(format!("{what} is NULL")))
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
    // SAFETY: `ptr` is not NULL, so (contract) the bytes up to its NUL, or the
    // first `MICROREG_MAX_INPUT_LEN + 1`, are readable; strnlen reads no further.
    let len = unsafe { libc::strnlen(ptr, MICROREG_MAX_INPUT_LEN + 1) };
    if len > MICROREG_MAX_INPUT_LEN {
        return Err(Error::invalid(format!(
            "{what} is longer than {MICROREG_MAX_INPUT_LEN} bytes"
        )));
    }
    // SAFETY: strnlen just read these `len` bytes, so they are readable; u8 and
    // c_char have the same size and alignment (1); `len` <= 1 MiB < isize::MAX;
    // the caller keeps them valid and unchanged for `'a` (contract).
    let bytes = unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) };
    std::str::from_utf8(bytes).map(Some).map_err(|e| {
        Error::invalid(format!(
            "{what} is not valid UTF-8 (at byte {})",
            e.valid_up_to()
        ))
    })
}

/// Scratch capacity a thread keeps between calls; a larger answer's buffer is
/// released after use.
const KEPT_SCRATCH: usize = 64 * 1024;

thread_local! {
    /// Where this thread serializes: it keeps its capacity, so a lookup's answer
    /// costs one allocation of its exact size (no growth, no shrinking realloc).
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Hands `value` to C as JSON, a NUL-terminated string the caller releases with
/// `microreg_string_free`.
pub(crate) fn json_to_c(value: &(impl serde::Serialize + ?Sized)) -> Result<*mut c_char> {
    SCRATCH.with_borrow_mut(|scratch| {
        scratch.clear();
        let written = serde_json::to_writer(&mut *scratch, value)
            .map_err(|e| Error::Internal(format!("JSON output: {e}")));
        scratch.push(0);
        // serde_json escapes control characters, so the only NUL is ours.
        let text = written.and_then(|()| {
            CString::from_vec_with_nul(scratch.as_slice().to_vec())
                .map_err(|_| Error::Internal("an output string contains a NUL byte".into()))
        });
        if scratch.capacity() > KEPT_SCRATCH {
            *scratch = Vec::new();
        }
        text.map(CString::into_raw)
    })
}

/// Hands a copy of `text` (JSON, so without NUL bytes) to C, released with
/// `microreg_string_free`.
pub(crate) fn str_to_c(text: &str) -> Result<*mut c_char> {
    // JSON never holds a NUL byte (serde_json escapes control characters), but
    // this is a safe function: `CString::new` checks (one memchr, far cheaper
    // than the copy) rather than trusting every caller.
    let mut bytes = Vec::with_capacity(text.len() + 1);
    bytes.extend_from_slice(text.as_bytes());
    CString::new(bytes)
        .map(CString::into_raw)
        .map_err(|_| Error::Internal("an output string contains a NUL byte".into()))
}

/// Releases a string that microreg returned (never one from elsewhere, and
/// never with `free()`). NULL is accepted and ignored. Any thread.
///
/// # Safety
/// `s` is NULL or a string returned by microreg and not yet freed; no other
/// thread uses it, and it is not used after this call.
#[no_mangle]
pub unsafe extern "C" fn microreg_string_free(s: *mut c_char) {
    super::boundary::run_void(|| {
        if !s.is_null() {
            // SAFETY: every string microreg returns comes from
            // `CString::into_raw` (json_to_c, str_to_c) and the caller hands it
            // back once, unaltered in length (contract), so ownership returns here.
            drop(unsafe { CString::from_raw(s) });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_up_to_the_limit_and_no_further() {
        let mut at_limit = vec![b'a'; MICROREG_MAX_INPUT_LEN];
        at_limit.push(0);
        // SAFETY: a NUL-terminated buffer that outlives the borrow.
        let text = unsafe { required(at_limit.as_ptr().cast(), "x") }.unwrap();
        assert_eq!(text.len(), MICROREG_MAX_INPUT_LEN);

        // Unterminated past the limit: refused after reading exactly limit + 1 bytes.
        let unterminated = vec![b'a'; MICROREG_MAX_INPUT_LEN + 1];
        // SAFETY: limit + 1 readable bytes, all the contract asks of an
        // unterminated buffer.
        let error = unsafe { required(unterminated.as_ptr().cast(), "x") }.unwrap_err();
        assert!(error.to_string().contains("longer than 1048576 bytes"));
    }

    #[test]
    fn null_and_invalid_utf8_are_named_errors() {
        // SAFETY: NULL is allowed.
        let error = unsafe { required(std::ptr::null(), "service_json") }.unwrap_err();
        assert_eq!(error, Error::invalid("service_json is NULL"));
        // SAFETY: NULL is allowed.
        assert_eq!(unsafe { optional(std::ptr::null(), "o") }.unwrap(), None);
        let bad = b"ab\xffcd\0";
        // SAFETY: a NUL-terminated static.
        let error = unsafe { required(bad.as_ptr().cast(), "name") }.unwrap_err();
        assert!(error
            .to_string()
            .contains("name is not valid UTF-8 (at byte 2)"));
    }

    #[test]
    fn json_out_round_trips_and_frees() {
        let out = json_to_c(&vec!["a\u{0}b", "ü"]).unwrap();
        // SAFETY: json_to_c returns an owned NUL-terminated string, freed below.
        let text = unsafe { std::ffi::CStr::from_ptr(out) }
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(text, r#"["a\u0000b","ü"]"#);
        assert!(
            str_to_c("a\0b").is_err(),
            "a NUL inside is refused, not passed on"
        );
        // SAFETY: a string from json_to_c, freed once.
        unsafe { microreg_string_free(out) };
    }
}
