//! The callback flavour of a watch: a thread of its own polls the watcher and
//! calls the user's functions, then the done function exactly once.

use std::ffi::{c_char, c_int, c_void, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::thread::JoinHandle;

use crate::error::{Error, Result};
use crate::runtime;
use crate::watch::Watcher;

use super::boundary::run;
use super::registry::{microreg_registry, out_param, start_watch};
use super::watcher::microreg_watcher;

/// Called with each event of a callback watch. `event_json` is the event as
/// `microreg_watcher_next` gives it, valid only during the call (copy it to
/// keep it; do not free it). Must not unwind (no C++ exception, no longjmp).
pub type microreg_event_fn =
    Option<unsafe extern "C" fn(user_data: *mut c_void, event_json: *const c_char)>;

/// Called once when a callback watch has ended, after the last event call.
pub type microreg_done_fn = Option<unsafe extern "C" fn(user_data: *mut c_void)>;

/// The user's pointer, passed back untouched on the delivery thread.
struct UserData(*mut c_void);
// SAFETY: microreg never dereferences the pointer, it only hands it to the
// user's callbacks; the caller of `microreg_registry_watch_callback` promises
// that those are safe to call with it from another thread (the header says the
// callbacks run on a thread microreg starts).
unsafe impl Send for UserData {}

/// The delivery thread of one callback watch.
pub(crate) struct Delivery {
    thread: JoinHandle<()>,
}

impl Delivery {
    /// Waits for the thread to end (its done callback returned), unless called
    /// from that very thread, which ends by itself once its callback returns.
    pub(crate) fn finish(self) {
        if self.thread.thread().id() != std::thread::current().id() {
            let _ = self.thread.join();
        }
    }
}

/// Starts a watch that delivers each event to `on_event(user_data, event_json)`.
///
/// `options_json`: as for `microreg_registry_watch`. `on_event` is required;
/// `on_done` may be NULL. `user_data` is passed back untouched.
///
/// Threading: both callbacks run on one thread that microreg starts for this
/// watch (never on the caller's thread, never on microreg's runtime threads),
/// one call at a time, never concurrently with each other. Callbacks may call
/// any microreg function, including blocking ones and `microreg_watcher_stop`
/// or `microreg_watcher_free` on this watcher.
///
/// Exactly once: after the watch ends — `microreg_watcher_stop`,
/// `microreg_watcher_free`, or the backend ending the stream — `on_done` runs
/// exactly once, after the last `on_event` call has returned; then user_data is
/// no longer used and may be released there.
///
/// On success writes to `*out` a watcher to stop and release with
/// `microreg_watcher_free` (not to be polled). On failure neither callback is
/// ever called and `*out` is untouched.
///
/// # Safety
/// `r` is NULL or a live handle; `options_json` is NULL or NUL-terminated;
/// `out` is NULL or writable; the callbacks are safe to call with `user_data`
/// from another thread until `on_done` has run.
#[no_mangle]
pub unsafe extern "C" fn microreg_registry_watch_callback(
    r: *mut microreg_registry,
    options_json: *const c_char,
    on_event: microreg_event_fn,
    on_done: microreg_done_fn,
    user_data: *mut c_void,
    out: *mut *mut microreg_watcher,
) -> c_int {
    run(|| {
        // SAFETY: `out` is NULL or writable for this call (contract).
        let out = unsafe { out_param(out, "out") }?;
        let on_event = on_event.ok_or_else(|| Error::invalid("on_event is NULL"))?;
        // SAFETY: `r` is NULL or a live handle, `options_json` NULL or
        // NUL-terminated, for this call (contract).
        let watcher = Arc::new(unsafe { start_watch(r, options_json) }?);
        let delivery = spawn_delivery(watcher.clone(), on_event, on_done, UserData(user_data))?;
        *out = microreg_watcher::with_delivery(watcher, delivery);
        Ok(())
    })
}

fn spawn_delivery(
    watcher: Arc<Watcher>,
    on_event: unsafe extern "C" fn(*mut c_void, *const c_char),
    on_done: microreg_done_fn,
    user_data: UserData,
) -> Result<Delivery> {
    let body = move || {
        let user_data = user_data;
        // Even if microreg panicked here, the done callback must still run.
        let _ = catch_unwind(AssertUnwindSafe(|| {
            deliver(&watcher, on_event, user_data.0)
        }));
        if let Some(done) = on_done {
            // SAFETY: the caller of `microreg_registry_watch_callback` promised
            // `on_done` is callable with `user_data` from this thread; it runs
            // once, after the last `on_event` call has returned.
            unsafe { done(user_data.0) };
        }
    };
    let thread = std::thread::Builder::new()
        .name("microreg-watch".into())
        .spawn(body)
        .map_err(|e| Error::Internal(format!("cannot start the watch thread: {e}")))?;
    Ok(Delivery { thread })
}

/// Calls `on_event` for each event until the watcher stops or fails.
fn deliver(
    watcher: &Watcher,
    on_event: unsafe extern "C" fn(*mut c_void, *const c_char),
    user_data: *mut c_void,
) {
    // This is a thread of its own, not a runtime thread: blocking here is fine.
    while let Ok(Ok(event)) = runtime::block_on(watcher.next()) {
        let Ok(json) = CString::new(event.to_json()) else {
            continue;
        };
        // SAFETY: the caller of `microreg_registry_watch_callback` promised
        // `on_event` is callable with `user_data` from this thread; `json` is
        // NUL-terminated and outlives the call, as the header's contract
        // (valid during the call only) requires.
        unsafe { on_event(user_data, json.as_ptr()) };
    }
}
