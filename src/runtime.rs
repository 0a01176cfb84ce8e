//! The one tokio runtime that runs microreg's background work (TTL reapers,
//! keepers, cache watches) and the blocking calls of the C, Python and Go faces.

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, Once};

use tokio::runtime::{Builder, Handle, Runtime};

use crate::error::{Error, Result};

/// The runtime of this process, created on first use.
///
/// A runtime's threads do not survive `fork()`: a child process that calls this
/// gets a fresh runtime of its own; handles created before the fork stay tied to
/// the parent's and must not be used in the child (the faces check this).
pub fn handle() -> Handle {
    static RUNTIME: Mutex<Option<(u32, &'static Runtime)>> = Mutex::new(None);
    let pid = process_id();
    let mut slot = RUNTIME.lock().unwrap_or_else(|e| e.into_inner());
    match *slot {
        Some((owner, runtime)) if owner == pid => runtime.handle().clone(),
        _ => {
            let runtime = Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("microreg")
                .enable_all()
                .build()
                .expect("cannot start microreg's runtime threads");
            // Leaked on purpose: it lives as long as the process.
            let runtime: &'static Runtime = Box::leak(Box::new(runtime));
            *slot = Some((pid, runtime));
            runtime.handle().clone()
        }
    }
}

/// Runs `future` to completion from a thread that is not a runtime thread (the
/// blocking faces). Called on a runtime thread, it refuses instead of deadlocking.
pub fn block_on<F: Future>(future: F) -> Result<F::Output> {
    if Handle::try_current().is_ok() {
        return Err(Error::Internal(
            "a blocking microreg call was made from inside an async runtime; use the async API"
                .into(),
        ));
    }
    Ok(handle().block_on(future))
}

/// This process's id, as `std::process::id()` but without a system call per
/// use: the faces compare it on every call, to refuse handles made before a
/// `fork()`. Cached; a `pthread_atfork` child handler clears the cache, so a
/// child made by fork() (Python's os.fork included) sees its own id. (A child
/// made by a raw clone() system call that skips the fork handlers and then
/// calls microreg is not detected.)
pub(crate) fn process_id() -> u32 {
    static CACHED: AtomicU32 = AtomicU32::new(0);
    static WATCH_FORKS: Once = Once::new();
    extern "C" fn forget_in_child() {
        CACHED.store(0, Ordering::Relaxed);
    }
    // The one unsafe call outside the C ABI: the crate denies unsafe_code.
    #[allow(unsafe_code)]
    WATCH_FORKS.call_once(|| {
        // SAFETY: pthread_atfork only records the three function pointers (two
        // NULL, which it allows). `forget_in_child` is an `extern "C"` fn that
        // lives as long as the process, cannot unwind, and only stores to a
        // static atomic: async-signal-safe, as a handler that runs in the child
        // of a multi-threaded process must be.
        if unsafe { libc::pthread_atfork(None, None, Some(forget_in_child)) } != 0 {
            // Not registered: never cache (0 stays "unknown").
            CACHED.store(u32::MAX, Ordering::Relaxed);
        }
    });
    match CACHED.load(Ordering::Relaxed) {
        u32::MAX => std::process::id(),
        0 => {
            let pid = std::process::id();
            // Only if still unknown: a concurrent fork handler's reset wins.
            let _ = CACHED.compare_exchange(0, pid, Ordering::Relaxed, Ordering::Relaxed);
            pid
        }
        pid => pid,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn process_id_is_this_process() {
        assert_eq!(super::process_id(), std::process::id());
        assert_eq!(super::process_id(), std::process::id());
    }
}
