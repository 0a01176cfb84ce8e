//! The C ABI: opaque handles over [`crate::Client`], JSON in and out, integer
//! status codes. It only translates; every behaviour lives in the core.
//!
//! `include/microreg.h` is generated from these files by cbindgen (`make header`);
//! the comments on the exported items are the header's documentation.
//!
//! Every exported body runs inside a panic boundary (`boundary.rs`), so no
//! panic crosses into C.

// The exported types carry their C names.
#![allow(non_camel_case_types)]
// The C ABI is where microreg meets raw pointers: unsafe is allowed here (the
// crate denies it elsewhere), and only as rustls-ffi allows it: every unsafe
// operation, even inside an `unsafe fn`, sits in its own `unsafe { }` block, and
// every block, `unsafe fn` and `unsafe impl` says why it is sound (`// SAFETY:`,
// `# Safety`).
#![allow(unsafe_code)]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks, clippy::missing_safety_doc)]

mod boundary;
mod callback_watch;
mod config;
mod last_error;
mod options;
mod registry;
mod select;
mod status;
mod strings;
mod version;
mod watcher;

pub use callback_watch::{microreg_done_fn, microreg_event_fn, microreg_registry_watch_callback};
pub use config::{microreg_config_resolve, microreg_registry_config};
pub use last_error::microreg_last_error;
pub use registry::{
    microreg_registry, microreg_registry_deregister, microreg_registry_free,
    microreg_registry_get_service, microreg_registry_list_services, microreg_registry_new,
    microreg_registry_register, microreg_registry_watch,
};
pub use select::{microreg_outcome, microreg_registry_mark, microreg_registry_select};
pub use status::{microreg_status, microreg_status_str};
pub use strings::{microreg_string_free, MICROREG_MAX_INPUT_LEN};
pub use version::{
    microreg_version, MICROREG_VERSION_MAJOR, MICROREG_VERSION_MINOR, MICROREG_VERSION_PATCH,
};
pub use watcher::{
    microreg_watcher, microreg_watcher_free, microreg_watcher_next, microreg_watcher_stop,
};
