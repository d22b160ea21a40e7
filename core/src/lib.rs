//! # tidescale
//!
//! Autoscaling decisions exactly as Kubernetes makes them, as a no-IO library: the host passes
//! in time, metrics and state; tidescale returns decisions and the reasons for them.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    warn(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod error;
pub mod hpa;
pub mod keda;
#[cfg(feature = "parse")]
pub mod manifest;
pub mod prom;
pub mod quantity;
pub mod time;
pub mod vpa;

pub use error::{Error, Result};
pub use quantity::{Quantity, QuantityError};
pub use time::Timestamp;
