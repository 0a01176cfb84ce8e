//! Declares the project's own cfg names. (The shared library's SONAME is given
//! where it is built, by `make c-lib` in mk/c.mk: the package's lib is an rlib,
//! so a `cargo:rustc-cdylib-link-arg` here would apply to no target.)

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    // Set for rustdoc by `make test-rust` inside the test namespace (README's
    // examples use the LAN; see lib.rs).
    println!("cargo:rustc-check-cfg=cfg(microreg_isolated)");
}
