//! The configuration as C sees it: what a handle uses, and what a config JSON
//! resolves to (defaults and go-micro's environment applied) without opening
//! anything.

use std::ffi::{c_char, c_int};

use crate::config::Config;

use super::boundary::run;
use super::registry::{handle, microreg_registry, out_param};
use super::strings;

/// What `config_json` resolves to, as one flat JSON object: the keys it gives,
/// then go-micro's environment (`MICRO_REGISTRY`, `MICRO_REGISTRY_ADDRESS`,
/// `ETCD_USERNAME`, `ETCD_PASSWORD`), then the defaults, with the chosen
/// backend's settings; the etcd password shown as "***". Opens no backend, so
/// it answers "which registry would this program use?".
///
/// `config_json`: as for `microreg_registry_new` (NULL, "" or "{}" for the
/// defaults). On success writes to `*out_json` a string the caller releases with
/// `microreg_string_free`; invalid configuration is
/// `MICROREG_ERR_INVALID_ARGUMENT` and `*out_json` is left untouched. Any thread.
///
/// # Safety
/// `config_json` is NULL or NUL-terminated; `out_json` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn microreg_config_resolve(
    config_json: *const c_char,
    out_json: *mut *mut c_char,
) -> c_int {
    run(|| {
        // SAFETY: `config_json` is NULL or NUL-terminated for this call (contract).
        let config_json = unsafe { strings::optional(config_json, "config_json") }?;
        let config = Config::from_json(config_json)?;
        // SAFETY: `out_json` is NULL or writable for this call (contract).
        let out = unsafe { out_param(out_json, "out_json") }?;
        *out = strings::str_to_c(&config.to_json_redacted())?;
        Ok(())
    })
}

/// The configuration a handle uses, in the shape of `microreg_config_resolve`.
///
/// On success writes to `*out_json` a string the caller releases with
/// `microreg_string_free`; `*out_json` is written only on success. Any thread.
///
/// # Safety
/// `r` is NULL or a live handle; `out_json` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn microreg_registry_config(
    r: *mut microreg_registry,
    out_json: *mut *mut c_char,
) -> c_int {
    run(|| {
        // SAFETY: `r` is NULL or a live handle for this call (contract).
        let registry = unsafe { handle(r) }?;
        // SAFETY: `out_json` is NULL or writable for this call (contract).
        let out = unsafe { out_param(out_json, "out_json") }?;
        *out = strings::str_to_c(&registry.client.config().to_json_redacted())?;
        Ok(())
    })
}
