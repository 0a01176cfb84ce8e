//! The watcher handle: `microreg_watcher_*`.

use std::ffi::{c_char, c_int};
use std::sync::Arc;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::runtime;
use crate::watch::Watcher;

use super::boundary::{run, run_void};
use super::callback_watch::Delivery;
use super::registry::out_param;
use super::strings;

/// A watch on a registry. Opaque; made by `microreg_registry_watch` (polled with
/// `microreg_watcher_next`) or `microreg_registry_watch_callback` (delivers to
/// callbacks). Independent of its registry handle once made.
///
/// Threading: `microreg_watcher_next` and `microreg_watcher_stop` may be called
/// from any thread, concurrently; `microreg_watcher_free` must be the last call.
/// After `fork()`, a watcher made in the parent is refused in the child
/// (`MICROREG_ERR_INVALID_ARGUMENT`) and freeing it there only forgets it.
pub struct microreg_watcher {
    watcher: Arc<Watcher>,
    /// The thread that feeds the callbacks, for a callback watch.
    delivery: Option<Delivery>,
    /// The process that made it: its runtime and threads do not survive fork().
    pid: u32,
}

impl microreg_watcher {
    pub(crate) fn polling(watcher: Watcher) -> *mut microreg_watcher {
        Box::into_raw(Box::new(microreg_watcher {
            watcher: Arc::new(watcher),
            delivery: None,
            pid: crate::runtime::process_id(),
        }))
    }

    pub(crate) fn with_delivery(
        watcher: Arc<Watcher>,
        delivery: Delivery,
    ) -> *mut microreg_watcher {
        Box::into_raw(Box::new(microreg_watcher {
            watcher,
            delivery: Some(delivery),
            pid: crate::runtime::process_id(),
        }))
    }
}

/// Checks a watcher argument: not NULL, made in this process.
///
/// # Safety
/// `w` is NULL or a watcher from `microreg_registry_watch` or
/// `microreg_registry_watch_callback` that is not freed during `'a`; the caller
/// picks `'a`: at most the exported call that received `w`.
unsafe fn handle<'a>(w: *const microreg_watcher) -> Result<&'a microreg_watcher> {
    // SAFETY: a non-NULL `w` came from `Box::into_raw` (`polling`,
    // `with_delivery`), so it is aligned and initialised, and stays live for
    // `'a` (contract); it is only shared until `microreg_watcher_free`.
    let watcher = unsafe { w.as_ref() }.ok_or_else(|| Error::invalid("watcher handle is NULL"))?;
    if watcher.pid != crate::runtime::process_id() {
        return Err(Error::invalid(
            "watcher was made before fork(); watch again in this process",
        ));
    }
    Ok(watcher)
}

/// Waits for the next event of a polled watch.
///
/// `timeout_ms`: how long to wait; negative waits until an event comes or the
/// watcher is stopped; 0 returns at once unless an event is already queued.
/// On success writes to `*out_event_json` one event,
/// `{"action":"create"|"update"|"delete","service":{...},"timestamp":"RFC 3339"}`,
/// whose service carries the node(s) concerned; release it with
/// `microreg_string_free`. No event in time is `MICROREG_ERR_TIMEOUT` (call
/// again); a stopped watcher, or a stream the backend ended, is
/// `MICROREG_ERR_WATCHER_STOPPED` (stop calling); a callback watcher is
/// `MICROREG_ERR_INVALID_ARGUMENT`. `*out_event_json` is written only on success.
/// Any thread; concurrent callers each get different events.
///
/// # Safety
/// `w` is NULL or a live watcher; `out_event_json` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn microreg_watcher_next(
    w: *mut microreg_watcher,
    timeout_ms: i32,
    out_event_json: *mut *mut c_char,
) -> c_int {
    run(|| {
        // SAFETY: `w` is NULL or a live watcher for this call (contract).
        let watcher = unsafe { handle(w) }?;
        // SAFETY: `out_event_json` is NULL or writable for this call (contract).
        let out = unsafe { out_param(out_event_json, "out_event_json") }?;
        if watcher.delivery.is_some() {
            return Err(Error::invalid(
                "this watcher delivers its events to callbacks; it cannot be polled",
            ));
        }
        let events = &watcher.watcher;
        let event = match u64::try_from(timeout_ms) {
            Ok(ms) => runtime::block_on(events.next_timeout(Duration::from_millis(ms)))??,
            Err(_) => runtime::block_on(events.next())??,
        };
        *out = strings::json_to_c(&event)?;
        Ok(())
    })
}

/// Stops a watcher: a `microreg_watcher_next` waiting on another thread returns
/// `MICROREG_ERR_WATCHER_STOPPED` at once, as do later ones; a callback watch
/// ends (its done callback runs once the current event callback, if any,
/// returns). Idempotent; any thread, including a callback. NULL is
/// `MICROREG_ERR_INVALID_ARGUMENT`.
///
/// # Safety
/// `w` is NULL or a live watcher.
#[no_mangle]
pub unsafe extern "C" fn microreg_watcher_stop(w: *mut microreg_watcher) -> c_int {
    run(|| {
        // SAFETY: `w` is NULL or a live watcher for this call (contract).
        unsafe { handle(w) }?.watcher.stop();
        Ok(())
    })
}

/// Stops and releases a watcher. NULL is ignored.
///
/// Must be the last call on `w`: stop it first and let calls on other threads
/// return. For a callback watch, when called outside its callbacks this
/// waits until the done callback has returned, so no callback runs after it;
/// called from inside one of its own callbacks, it returns at once and the done
/// callback runs right after that callback returns.
///
/// # Safety
/// `w` is NULL or a watcher not yet freed, and no other thread is using it or
/// uses it afterwards.
#[no_mangle]
pub unsafe extern "C" fn microreg_watcher_free(w: *mut microreg_watcher) {
    run_void(|| {
        if w.is_null() {
            return;
        }
        // SAFETY: `w` came from `Box::into_raw` (`polling`, `with_delivery`),
        // is freed once, and no other call is using it (contract): ownership
        // comes back here.
        let watcher = unsafe { Box::from_raw(w) };
        if watcher.pid != crate::runtime::process_id() {
            // A child after fork(): the delivery thread and runtime are the parent's.
            std::mem::forget(watcher);
            return;
        }
        watcher.watcher.stop();
        if let Some(delivery) = watcher.delivery {
            delivery.finish();
        }
    })
}
