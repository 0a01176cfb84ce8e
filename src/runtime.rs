//! The one tokio runtime that runs microreg's background work (TTL reapers,
//! keepers, cache watches) and the blocking calls of the C, Python and Go faces.

use std::future::Future;
use std::sync::Mutex;

use tokio::runtime::{Builder, Handle, Runtime};

use crate::error::{Error, Result};

/// The runtime of this process, created on first use.
///
/// A runtime's threads do not survive `fork()`: a child process that calls this
/// gets a fresh runtime of its own; handles created before the fork stay tied to
/// the parent's and must not be used in the child (the faces check this).
pub fn handle() -> Handle {
    static RUNTIME: Mutex<Option<(u32, &'static Runtime)>> = Mutex::new(None);
    let pid = std::process::id();
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
