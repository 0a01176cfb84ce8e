//! Node selection through the C ABI: `microreg_registry_select` and
//! `microreg_registry_mark`. The core parses the options and picks the node;
//! this file passes strings through.

use std::cell::RefCell;
use std::ffi::{c_char, c_int};

use crate::error::{Error, Result};
use crate::runtime;
use crate::select::{Outcome, SelectOptions};

use super::boundary::run;
use super::registry::{handle, microreg_registry, out_param};
use super::strings;

/// What a call to a node did, for `microreg_registry_mark`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum microreg_outcome {
    /// The call succeeded: the node's failures are forgotten.
    MICROREG_OUTCOME_OK = 0,
    /// The call failed: the node is avoided for a backoff.
    MICROREG_OUTCOME_FAILED = 1,
}

thread_local! {
    /// The options this thread parsed last, with their JSON: a caller that
    /// passes the same options on every call has them parsed once.
    static LAST_OPTIONS: RefCell<Option<(Box<str>, SelectOptions)>> = const { RefCell::new(None) };
}

/// Runs `use_options` with the options `json` describes, parsed by the core.
fn with_options<R>(json: Option<&str>, use_options: impl FnOnce(&SelectOptions) -> R) -> Result<R> {
    let Some(json) = json.filter(|j| !j.trim().is_empty()) else {
        return Ok(use_options(&SelectOptions::default()));
    };
    LAST_OPTIONS.with_borrow_mut(|last| {
        if !matches!(last, Some((text, _)) if **text == *json) {
            let parsed = SelectOptions::from_json(Some(json))?;
            *last = Some((json.into(), parsed));
        }
        let (_, options) = last.as_ref().expect("just stored");
        Ok(use_options(options))
    })
}

/// Picks one node of service `name` to call, from the watch-fed cache when it
/// is warm (no backend call, no waiting).
///
/// `options_json`: NULL, "" or an object, every field optional:
/// `{"strategy":"random"|"round_robin"|"least_failed", "version":"1.2.0" or a
/// semver range like "^1.2", "labels":{"zone":"eu-1"}, "endpoint":"Greeter.Hello",
/// "domain":"micro"}` (default: random, no filter, the handle's domain).
/// Round robin turns per handle and service, fairly across threads; a node
/// marked failed is skipped during its backoff unless no other is left.
///
/// On success writes to `*out_json` the node as go-micro's Node JSON
/// (`{"id","address","metadata"}`), released with `microreg_string_free`.
/// No node serving `name` is `MICROREG_ERR_NOT_FOUND`; none passing the
/// filters is `MICROREG_ERR_NOT_FOUND` too, with the reason in
/// `microreg_last_error()`. An unknown strategy or a malformed filter is
/// `MICROREG_ERR_INVALID_ARGUMENT`. `*out_json` is written only on success.
/// Any thread, concurrently.
///
/// # Safety
/// `r` is NULL or a live handle; the strings are NULL or NUL-terminated;
/// `out_json` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn microreg_registry_select(
    r: *mut microreg_registry,
    name: *const c_char,
    options_json: *const c_char,
    out_json: *mut *mut c_char,
) -> c_int {
    run(|| {
        // SAFETY: `r` is NULL or a live handle for this call (contract).
        let client = unsafe { handle(r) }?.client();
        // SAFETY: `name` is NULL or NUL-terminated for this call (contract).
        let name = unsafe { strings::required(name, "name") }?;
        // SAFETY: `options_json` is NULL or NUL-terminated for this call (contract).
        let options = unsafe { strings::optional(options_json, "options_json") }?;
        // SAFETY: `out_json` is NULL or writable for this call (contract).
        let out = unsafe { out_param(out_json, "out_json") }?;
        let json = with_options(options, |options| {
            // Warm: the chosen node's JSON, kept by the cache, copied out.
            match client.select_json(name, options, strings::str_to_c) {
                Some(answer) => answer?,
                None => {
                    let selected = runtime::block_on(client.select(name, options))??;
                    strings::json_to_c(&selected.node)
                }
            }
        })??;
        *out = json;
        Ok(())
    })
}

/// Reports what a call to node `node_id` did: `MICROREG_OUTCOME_FAILED` makes
/// `microreg_registry_select` avoid the node for a backoff that doubles with
/// each consecutive failure (1 s up to 60 s) unless no other node is left;
/// `MICROREG_OUTCOME_OK` clears it. Marks of nodes that left the registry
/// are dropped. An unknown outcome or an empty id is
/// `MICROREG_ERR_INVALID_ARGUMENT`. Never waits. Any thread, concurrently.
///
/// # Safety
/// `r` is NULL or a live handle; `node_id` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn microreg_registry_mark(
    r: *mut microreg_registry,
    node_id: *const c_char,
    outcome: c_int,
) -> c_int {
    run(|| {
        // SAFETY: `r` is NULL or a live handle for this call (contract).
        let client = unsafe { handle(r) }?.client();
        // SAFETY: `node_id` is NULL or NUL-terminated for this call (contract).
        let node_id = unsafe { strings::required(node_id, "node_id") }?;
        let outcome = match outcome {
            0 => Outcome::Ok,
            1 => Outcome::Failed,
            other => {
                return Err(Error::invalid(format!(
                    "outcome {other} is neither MICROREG_OUTCOME_OK (0) nor MICROREG_OUTCOME_FAILED (1)"
                )))
            }
        };
        client.mark(node_id, outcome)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_parsed_once_per_thread_and_errors_are_not_kept() {
        let json = r#"{"strategy":"round_robin"}"#;
        let strategy = with_options(Some(json), |o| o.strategy).unwrap();
        assert_eq!(strategy, crate::select::Strategy::RoundRobin);
        let kept = LAST_OPTIONS.with_borrow(|l| l.as_ref().map(|(t, _)| t.to_string()));
        assert_eq!(kept.as_deref(), Some(json));
        let error = with_options(Some(r#"{"strategy":"x"}"#), |_| ()).unwrap_err();
        assert!(matches!(error, Error::InvalidArgument(_)));
        // A failed parse leaves the last good options in place.
        let kept = LAST_OPTIONS.with_borrow(|l| l.as_ref().map(|(t, _)| t.to_string()));
        assert_eq!(kept.as_deref(), Some(json));
        let default = with_options(None, |o| o.clone()).unwrap();
        assert_eq!(default, SelectOptions::default());
    }
}
