//! The message of the last failure on each thread (zenoh-c's `zc_get_last_error`).

use std::cell::RefCell;
use std::ffi::{c_char, CString};

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

/// Records `message` as this thread's last failure.
pub(crate) fn set(message: impl Into<String>) {
    let mut bytes = message.into().into_bytes();
    // A message is text for people: an interior NUL would cut it, so drop them.
    bytes.retain(|&b| b != 0);
    let text = CString::new(bytes).unwrap_or_default();
    // During thread teardown the slot may be gone; losing the message is fine then.
    let _ = LAST_ERROR.try_with(|slot| *slot.borrow_mut() = text);
}

/// The message of the last failed microreg call on the calling thread, or ""
/// if none has failed on it. A successful call does not clear it.
///
/// Ownership: the string belongs to microreg; do not free it. It stays valid
/// until the next failing microreg call on this thread or the thread's end:
/// copy it if you need it longer. Never returns NULL. Never fails.
///
/// Runtimes that move work between OS threads (Go's goroutines) must read it
/// on the thread of the failed call: in the same native call (a small C
/// wrapper in the cgo preamble) or with the thread locked.
#[no_mangle]
pub extern "C" fn microreg_last_error() -> *const c_char {
    super::boundary::run_or(c"".as_ptr(), || {
        LAST_ERROR
            .try_with(|slot| slot.borrow().as_ptr())
            .unwrap_or(c"".as_ptr())
    })
}
