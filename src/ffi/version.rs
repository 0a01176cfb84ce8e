//! The library's version, in the header and at run time.

use std::ffi::c_char;

/// Major version of the microreg this header belongs to.
pub const MICROREG_VERSION_MAJOR: u32 = 0;
/// Minor version of the microreg this header belongs to.
pub const MICROREG_VERSION_MINOR: u32 = 1;
/// Patch version of the microreg this header belongs to.
pub const MICROREG_VERSION_PATCH: u32 = 0;

// cbindgen needs literals above; the build fails if they drift from Cargo.toml.
const _: () = {
    assert!(MICROREG_VERSION_MAJOR == parse(env!("CARGO_PKG_VERSION_MAJOR")));
    assert!(MICROREG_VERSION_MINOR == parse(env!("CARGO_PKG_VERSION_MINOR")));
    assert!(MICROREG_VERSION_PATCH == parse(env!("CARGO_PKG_VERSION_PATCH")));
};

const fn parse(digits: &str) -> u32 {
    let bytes = digits.as_bytes();
    let mut value = 0u32;
    let mut i = 0;
    while i < bytes.len() {
        value = value * 10 + (bytes[i] - b'0') as u32;
        i += 1;
    }
    value
}

/// The version of the loaded library, "MAJOR.MINOR.PATCH" (compare it with the
/// header's MICROREG_VERSION_* to detect a mismatched library at run time).
///
/// Static string: do not free it. Never fails. Any thread.
#[no_mangle]
pub extern "C" fn microreg_version() -> *const c_char {
    const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");
    super::boundary::run_or(VERSION, || VERSION).as_ptr().cast()
}
