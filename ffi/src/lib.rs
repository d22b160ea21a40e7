//! # tidescale C ABI
//!
//! The C door of [tidescale](tidescale_core): Kubernetes-exact HorizontalPodAutoscaler, VPA
//! recommender, KEDA and Prometheus-function results for C and C++ hosts (model servers,
//! proxies, schedulers). Build it as
//! `libtidescale.a` / `libtidescale.so` and include the generated `include/tidescale.h`.
//!
//! ## Conventions (rustls-ffi's, with a `ts_` prefix)
//! - Every fallible function returns a `ts_result` (`uint32_t`, `TS_RESULT_OK` = 0); numbers
//!   are stable and never reused. `ts_result_str` describes a code; `ts_last_error_message`
//!   copies the detail of the last failure on the calling thread.
//! - The handle comes first, then inputs, then outputs. Outputs are written only on success
//!   (the one exception: the size out-parameter of a text output also receives the needed
//!   length with `TS_RESULT_BUFFER_TOO_SMALL`).
//! - Text comes in as `(const char *, size_t)` UTF-8, not necessarily NUL-terminated, and goes
//!   out as static strings or into caller buffers. The caller never frees library memory with
//!   `free(3)`; handles are freed with their `_free`, which accepts NULL.
//! - Enumerations come in as `uint32_t` and are validated. Time is `int64_t` milliseconds on a
//!   clock the caller chooses. Every pointer is checked for NULL and alignment.
//! - No panic crosses the boundary: each entry point catches it and returns
//!   `TS_RESULT_PANIC`.
//! - A handle must not be used from two threads at once; distinct handles are independent.
#![deny(missing_docs)]
#![allow(non_camel_case_types)]
#![cfg_attr(
    not(test),
    warn(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

mod args;
mod fleet;
mod hpa;
mod keda;
mod manifest;
mod observe;
mod prom;
mod result;
mod scaled_job;
mod types;
mod vpa;
mod vpa_options;

use std::ffi::c_char;

pub use fleet::*;
pub use hpa::*;
pub use keda::*;
pub use manifest::{
    TS_FIELD_VALIDATION_IGNORE, TS_FIELD_VALIDATION_STRICT, TS_FIELD_VALIDATION_WARN,
    ts_last_warning, ts_last_warning_count, ts_set_field_validation,
};
pub use prom::*;
pub use result::{ts_last_error, ts_last_error_message, ts_result, ts_result_str};
pub use scaled_job::*;
pub use types::*;
pub use vpa::*;

/// The ABI version of this library. It changes on any incompatible change of a function
/// signature, a struct layout or a code's meaning, even within 0.x. Compare
/// `ts_abi_version()` with this macro at start-up.
pub const TS_ABI_VERSION: u32 = 2;

/// The ABI version of the library actually linked (`TS_ABI_VERSION` it was built with).
#[unsafe(no_mangle)]
pub extern "C" fn ts_abi_version() -> u32 {
    TS_ABI_VERSION
}

/// The library version, static and NUL-terminated: `"tidescale/0.1.0"`.
#[unsafe(no_mangle)]
pub extern "C" fn ts_version() -> *const c_char {
    VERSION.as_ptr().cast()
}

const VERSION: &str = concat!("tidescale/", env!("CARGO_PKG_VERSION"), "\0");
