//! Every C ABI entry that takes JSON, on a memory-backend registry (no
//! network): config, service and options documents of any bytes.
#![no_main]

use std::ffi::{c_char, CString};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use microreg::ffi::*;

struct Handle(*mut microreg_registry);
unsafe impl Send for Handle {}
unsafe impl Sync for Handle {}

fn registry() -> *mut microreg_registry {
    static REGISTRY: OnceLock<Handle> = OnceLock::new();
    REGISTRY
        .get_or_init(|| {
            let config = CString::new(r#"{"backend":"memory"}"#).unwrap();
            let mut r = std::ptr::null_mut();
            let status = unsafe { microreg_registry_new(config.as_ptr(), &mut r) };
            assert_eq!(status, 0);
            Handle(r)
        })
        .0
}

/// `{"domain": ...}` of register options that name one; `None` otherwise.
fn deregister_options(register_options: &CString) -> Option<CString> {
    let options: serde_json::Value = serde_json::from_slice(register_options.as_bytes()).ok()?;
    let domain = options.get("domain")?.as_str()?;
    CString::new(serde_json::json!({ "domain": domain }).to_string()).ok()
}

fuzz_target!(|data: &[u8]| {
    let Some((&entry, rest)) = data.split_first() else {
        return;
    };
    // Two NUL-terminated strings: the JSON document and the second argument.
    let mut parts = rest.splitn(2, |b| *b == 0);
    let first = CString::new(parts.next().unwrap_or_default()).unwrap();
    let second = CString::new(
        parts
            .next()
            .unwrap_or_default()
            .split(|b| *b == 0)
            .next()
            .unwrap_or_default(),
    )
    .unwrap();
    let (a, b) = (first.as_ptr(), second.as_ptr());
    let r = registry();
    let mut out: *mut c_char = std::ptr::null_mut();
    unsafe {
        match entry % 6 {
            // Config documents are parsed without building a registry: a
            // config naming mdns would open sockets on this machine's network.
            0 => {
                microreg_config_resolve(a, &mut out);
            }
            1 => {
                if microreg_registry_register(r, a, b) == 0 {
                    // Deregistered in the domain it went to, whatever else the
                    // options said: a node left registered (with a TTL, kept
                    // alive by a task) would slow every later input.
                    let options = deregister_options(&second);
                    let options = options.as_ref().map_or(std::ptr::null(), |o| o.as_ptr());
                    if microreg_registry_deregister(r, a, options) != 0 {
                        panic!("a registered service cannot be deregistered");
                    }
                }
            }
            2 => {
                microreg_registry_deregister(r, a, b);
            }
            3 => {
                microreg_registry_get_service(r, a, b, &mut out);
            }
            4 => {
                microreg_registry_list_services(r, a, &mut out);
            }
            _ => {
                let mut watcher = std::ptr::null_mut();
                if microreg_registry_watch(r, a, &mut watcher) == 0 {
                    microreg_watcher_free(watcher);
                }
            }
        }
        microreg_string_free(out);
    }
});
