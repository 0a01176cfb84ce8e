//! The registry handle: `microreg_registry_*`.

use std::borrow::Cow;
use std::ffi::{c_char, c_int};

use crate::client::Client;
use crate::error::{Error, Result};
use crate::model::Service;
use crate::registry::Registry;
use crate::runtime;

use super::boundary::{run, run_void};
use super::watcher::microreg_watcher;
use super::{options, strings};

/// A registry handle: a backend, the cache in front of it, and the keeper that
/// holds registrations alive. Opaque; made by `microreg_registry_new`.
///
/// Threading: every function may be called on one handle from many threads at
/// once, except `microreg_registry_free`, which must be the last call.
/// After `fork()`, a handle made in the parent is refused in the child
/// (`MICROREG_ERR_INVALID_ARGUMENT`); make a new one there.
pub struct microreg_registry {
    pub(crate) client: Client,
    /// The process that made the handle: its runtime threads do not survive fork().
    pid: u32,
}

impl microreg_registry {
    /// The client behind the handle.
    pub(crate) fn client(&self) -> &Client {
        &self.client
    }
}

/// Checks a handle argument: not NULL, made in this process.
///
/// # Safety
/// `r` is NULL or a handle from `microreg_registry_new` that is not freed
/// during `'a`. The caller picks `'a`: at most the exported call that received
/// `r` (the header makes `microreg_registry_free` the last call on a handle, so
/// no other thread frees it while a call is running).
pub(crate) unsafe fn handle<'a>(r: *const microreg_registry) -> Result<&'a microreg_registry> {
    // SAFETY: a non-NULL `r` came from `Box::into_raw` in
    // `microreg_registry_new` (so it is aligned and points to an initialised
    // value) and stays live for `'a` (contract); the handle is only ever
    // shared, never mutated through, until `microreg_registry_free`.
    let registry =
        unsafe { r.as_ref() }.ok_or_else(|| Error::invalid("registry handle is NULL"))?;
    if registry.pid != crate::runtime::process_id() {
        return Err(Error::invalid(
            "registry handle was made before fork(); make a new one in this process",
        ));
    }
    Ok(registry)
}

/// The handle and the domain that `options_json` (`{"domain":...}`) names.
///
/// # Safety
/// As for [`handle`]; `options_json` as for [`strings::optional`], both for `'a`.
unsafe fn handle_and_domain<'a>(
    r: *const microreg_registry,
    options_json: *const c_char,
    what: &str,
) -> Result<(&'a microreg_registry, Cow<'a, str>)> {
    // SAFETY: this function's contract, passed on.
    let registry = unsafe { handle(r) }?;
    // SAFETY: this function's contract, passed on.
    let json = unsafe { strings::optional(options_json, "options_json") }?;
    Ok((registry, options::domain(&registry.client, json, what)?))
}

/// Reads go-micro's Service JSON.
///
/// # Safety
/// `service_json` as for [`strings::required`], for the duration of this call
/// (the Service returned owns its data).
unsafe fn service_arg(service_json: *const c_char) -> Result<Service> {
    // SAFETY: this function's contract; the borrow ends within this call.
    Service::from_json(unsafe { strings::required(service_json, "service_json") }?)
}

/// Checks an out-parameter up front; callers write it last, once nothing can
/// fail any more, so that nothing is written on failure.
///
/// # Safety
/// `out` is NULL, or aligned and valid for reads and writes of a `T` during
/// `'a`, and nothing else accesses it meanwhile (the header requires this of
/// callers for every out-parameter, for the duration of the call). A `T` is a
/// pointer here, so any bit pattern the caller left is a valid value.
pub(crate) unsafe fn out_param<'a, T>(out: *mut T, what: &str) -> Result<&'a mut T> {
    // SAFETY: this function's contract: NULL is handled, anything else is an
    // aligned, initialised, exclusively lent place for `'a`.
    unsafe { out.as_mut() }.ok_or_else(|| Error::invalid(format!("{what} is NULL")))
}

/// Makes a registry handle.
///
/// `config_json`: NULL, "" or "{}" for the defaults, or one flat object: the
/// common keys `backend` ("memory"|"mdns"|"etcd"), `domain`, `timeout_ms`,
/// `cache`, `cache_ttl_ms`, `register_ttl_ms` (0 or null: none), and any key of
/// the chosen backend, e.g. `{"backend":"mdns","interfaces":["eth1"]}` or
/// `{"backend":"etcd","addresses":["10.0.0.1:2379"],"username":"u","password":"p",
/// "tls_ca":"/etc/ca.pem"}`. A key the chosen backend does not take is refused
/// with a message listing its keys. What the object leaves out comes from
/// go-micro's environment (`MICRO_REGISTRY`, `MICRO_REGISTRY_ADDRESS`,
/// `ETCD_USERNAME`, `ETCD_PASSWORD`), then the defaults: backend mdns, domain
/// "micro", register TTL 90 s.
///
/// On success writes a new handle to `*out`, which the caller owns and releases
/// with `microreg_registry_free`. On failure returns a negative status (a
/// backend missing from this build is `MICROREG_ERR_BACKEND_UNAVAILABLE`) and
/// leaves `*out` untouched. Any thread.
///
/// # Safety
/// `config_json` is NULL or a NUL-terminated string; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn microreg_registry_new(
    config_json: *const c_char,
    out: *mut *mut microreg_registry,
) -> c_int {
    run(|| {
        // SAFETY: `config_json` is NULL or NUL-terminated for this call (contract).
        let config = unsafe { strings::optional(config_json, "config_json") }?;
        // SAFETY: `out` is NULL or writable for this call (contract).
        let out = unsafe { out_param(out, "out") }?;
        // Built inside the runtime's context: backends may open sockets there.
        let client = {
            let _context = runtime::handle().enter();
            Client::from_json(config)?
        };
        let registry = microreg_registry {
            client,
            pid: crate::runtime::process_id(),
        };
        *out = Box::into_raw(Box::new(registry));
        Ok(())
    })
}

/// Releases a handle: deregisters everything registered through it (waiting
/// for that, so a process may exit right after) and frees it. NULL is ignored.
///
/// Must be the last call on `r`: no other thread may be using it. Watchers made
/// from it stay valid and are freed on their own. In a child process after
/// `fork()`, the handle is abandoned instead (its registrations belong to the
/// parent). It may be called from a watch callback.
///
/// # Safety
/// `r` is NULL or a handle from `microreg_registry_new` not yet freed, and no
/// other thread is using it or uses it afterwards.
#[no_mangle]
pub unsafe extern "C" fn microreg_registry_free(r: *mut microreg_registry) {
    run_void(|| {
        if r.is_null() {
            return;
        }
        // SAFETY: `r` came from `Box::into_raw` in `microreg_registry_new`, is
        // freed once, and no other call is using it (contract): ownership
        // comes back here.
        let registry = unsafe { Box::from_raw(r) };
        if registry.pid != crate::runtime::process_id() {
            std::mem::forget(registry);
            return;
        }
        // Dropping the client deregisters what it keeps alive.
        drop(registry);
    })
}

/// Registers a service and keeps its nodes registered (refreshed before their
/// TTL runs out) until they are deregistered or the handle is freed.
///
/// `service_json`: go-micro's Service JSON, e.g. `{"name":"greeter","version":"1.0.0",
/// "nodes":[{"id":"greeter-1","address":"10.0.0.5:8080","metadata":{}}]}`.
/// `options_json`: NULL or `{"ttl_ms":30000, "domain":"micro"}` (both optional;
/// without `ttl_ms`, the handle's register TTL, 90 s unless its config says
/// otherwise; `"ttl_ms":0` or `null`: the nodes never expire; without `domain`,
/// the handle's).
///
/// Returns 0, or a negative status: invalid input changes nothing already
/// registered. Any thread, concurrently.
///
/// # Safety
/// `r` is NULL or a live handle; the strings are NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn microreg_registry_register(
    r: *mut microreg_registry,
    service_json: *const c_char,
    options_json: *const c_char,
) -> c_int {
    run(|| {
        // SAFETY: `r` is NULL or a live handle for this call (contract).
        let registry = unsafe { handle(r) }?;
        // SAFETY: `service_json` is NULL or NUL-terminated (contract).
        let service = unsafe { service_arg(service_json) }?;
        // SAFETY: `options_json` is NULL or NUL-terminated for this call (contract).
        let options_json = unsafe { strings::optional(options_json, "options_json") }?;
        let options = options::register(&registry.client, options_json)?;
        runtime::block_on(registry.client.register(&service, &options))?
    })
}

/// Deregisters the listed nodes of a service (every node of that version when
/// the JSON lists none) and stops keeping them alive.
///
/// `service_json`: go-micro's Service JSON (name, version, nodes with ids).
/// `options_json`: NULL or `{"domain":"micro"}`. Deregistering what is absent
/// is not an error. Any thread, concurrently.
///
/// # Safety
/// As for `microreg_registry_register`.
#[no_mangle]
pub unsafe extern "C" fn microreg_registry_deregister(
    r: *mut microreg_registry,
    service_json: *const c_char,
    options_json: *const c_char,
) -> c_int {
    run(|| {
        // SAFETY: `r` is NULL or a live handle, `options_json` NULL or
        // NUL-terminated, for this call (contract).
        let (registry, domain) =
            unsafe { handle_and_domain(r, options_json, "deregister options") }?;
        // SAFETY: `service_json` is NULL or NUL-terminated (contract).
        let service = unsafe { service_arg(service_json) }?;
        runtime::block_on(registry.client.deregister(&service, &domain))?
    })
}

/// Looks a service up (from the watch-fed cache when it is warm).
///
/// `options_json`: NULL or `{"domain":"micro"}` (`"*"` sees every domain; its
/// nodes then carry `metadata["domain"]`).
/// On success writes to `*out_json` a JSON array of Service, one per version
/// with its nodes; the caller releases it with `microreg_string_free`.
/// No node serving `name` is `MICROREG_ERR_NOT_FOUND`. `*out_json` is written
/// only on success. Any thread, concurrently.
///
/// # Safety
/// `r` is NULL or a live handle; the strings are NULL or NUL-terminated;
/// `out_json` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn microreg_registry_get_service(
    r: *mut microreg_registry,
    name: *const c_char,
    options_json: *const c_char,
    out_json: *mut *mut c_char,
) -> c_int {
    run(|| {
        // SAFETY: `r` is NULL or a live handle, `options_json` NULL or
        // NUL-terminated, for this call (contract).
        let (registry, domain) =
            unsafe { handle_and_domain(r, options_json, "get_service options") }?;
        // SAFETY: `name` is NULL or NUL-terminated for this call (contract).
        let name = unsafe { strings::required(name, "name") }?;
        // SAFETY: `out_json` is NULL or writable for this call (contract).
        let out = unsafe { out_param(out_json, "out_json") }?;
        // Warm: the cache's JSON of the answer, copied out; no executor.
        let json = match registry
            .client
            .read_cached_json(name, &domain, strings::str_to_c)
        {
            Some(answer) => answer??,
            None => {
                let services = runtime::block_on(registry.client.get_service(name, &domain))??;
                strings::json_to_c(&services)?
            }
        };
        *out = json;
        Ok(())
    })
}

/// Lists the services of a domain.
///
/// `options_json`: NULL or `{"domain":"micro"}`. On success writes to `*out_json`
/// a JSON array of Service (one per name and version; nodes where the backend
/// knows them; `[]` when there are none), released with `microreg_string_free`.
/// `*out_json` is written only on success. Any thread, concurrently.
///
/// # Safety
/// As for `microreg_registry_get_service`.
#[no_mangle]
pub unsafe extern "C" fn microreg_registry_list_services(
    r: *mut microreg_registry,
    options_json: *const c_char,
    out_json: *mut *mut c_char,
) -> c_int {
    run(|| {
        // SAFETY: `r` is NULL or a live handle, `options_json` NULL or
        // NUL-terminated, for this call (contract).
        let (registry, domain) =
            unsafe { handle_and_domain(r, options_json, "list_services options") }?;
        // SAFETY: `out_json` is NULL or writable for this call (contract).
        let out = unsafe { out_param(out_json, "out_json") }?;
        let services = runtime::block_on(registry.client.list_services(&domain))??;
        *out = strings::json_to_c(&services)?;
        Ok(())
    })
}

/// Starts a watch to be polled with `microreg_watcher_next`.
///
/// `options_json`: NULL or `{"service":"greeter", "domain":"micro"}` (both
/// optional: every service, the handle's domain). Events are changes from now
/// on. On success writes to `*out` a watcher the caller releases with
/// `microreg_watcher_free`; `*out` is written only on success. Any thread.
///
/// # Safety
/// `r` is NULL or a live handle; `options_json` is NULL or NUL-terminated;
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn microreg_registry_watch(
    r: *mut microreg_registry,
    options_json: *const c_char,
    out: *mut *mut microreg_watcher,
) -> c_int {
    run(|| {
        // SAFETY: `out` is NULL or writable for this call (contract).
        let out = unsafe { out_param(out, "out") }?;
        // SAFETY: `r` is NULL or a live handle, `options_json` NULL or
        // NUL-terminated, for this call (contract).
        *out = microreg_watcher::polling(unsafe { start_watch(r, options_json) }?);
        Ok(())
    })
}

/// Starts a watch through `registry`; shared with the callback flavour. The
/// watcher owns what it needs: nothing borrowed outlives the call.
///
/// # Safety
/// `r` as for [`handle`] and `options_json` as for [`strings::optional`], for
/// the duration of this call.
pub(crate) unsafe fn start_watch(
    r: *const microreg_registry,
    options_json: *const c_char,
) -> Result<crate::watch::Watcher> {
    // SAFETY: this function's contract, passed on.
    let registry = unsafe { handle(r) }?;
    // SAFETY: this function's contract, passed on.
    let options_json = unsafe { strings::optional(options_json, "options_json") }?;
    let options = options::watch(&registry.client, options_json)?;
    runtime::block_on(registry.client.watch(&options))?
}
