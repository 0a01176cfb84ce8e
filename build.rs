//! Gives the shared library (the cdylib, libmicroreg.so) a SONAME carrying the
//! major version, so that programs linked against it load a compatible one
//! (`libmicroreg.so.0`). Only this package's cdylib gets it: the static library
//! (Go) and the Python extension (its own cdylib) are not affected.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    // Set for rustdoc by `make test-rust` inside the test namespace (README's
    // examples use the LAN; see lib.rs).
    println!("cargo:rustc-check-cfg=cfg(microreg_isolated)");
    // Set by cargo-fuzz (fuzz/): opens the modules its targets drive.
    println!("cargo:rustc-check-cfg=cfg(fuzzing)");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_else(|_| "0".into());
    if os == "linux" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libmicroreg.so.{major}");
    }
}
