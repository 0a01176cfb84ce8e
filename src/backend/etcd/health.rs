//! Whether etcd answered lately: the last failure to reach it, cleared by the
//! next success. `Client::status()` reports it, so that a caller served from
//! the cache still learns that etcd is down.

use std::sync::Mutex;

use crate::error::{Error, Result};

#[derive(Default)]
pub(crate) struct Health(Mutex<Option<Error>>);

impl Health {
    /// Records the outcome of a request: only failures to reach etcd (not, say,
    /// a bad argument) mark it down.
    pub fn record<T>(&self, result: &Result<T>) {
        match result {
            Ok(_) => self.up(),
            Err(error) => self.down(error),
        }
    }

    pub fn up(&self) {
        let mut slot = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if slot.is_some() {
            *slot = None;
        }
    }

    pub fn down(&self, error: &Error) {
        if matches!(error, Error::BackendUnavailable(_)) {
            *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(error.clone());
        }
    }

    pub fn get(&self) -> Option<Error> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}
