//! Prometheus-exact custom-metric math: the PromQL functions an autoscaler fed by the Prometheus
//! Adapter or KEDA's Prometheus scaler ends up depending on.
//!
//! Everything works on samples the host supplies as `(Timestamp, f64)` pairs ([`Sample`]), with
//! timestamps in milliseconds exactly as Prometheus stores them.
//!
//! - [`range`]: range selection, `(t − range − offset, t − offset]` (Prometheus 3.x, the
//!   default) or closed on the left (Prometheus 2.x), see [`WindowMode`].
//! - [`rate`](mod@rate): [`rate()`], [`increase()`], [`delta()`] (Prometheus `extrapolatedRate`) and
//!   [`irate()`], [`idelta()`] (Prometheus `instantValue`).
//! - [`histogram_quantile`](mod@histogram_quantile): `histogram_quantile` over classic `le`
//!   buckets.
//! - [`aggregate`]: `sum` / `avg` by (or without) labels over instant vectors.
//! - [`streaming`]: [`CounterWindow`], a per-series ring buffer answering `rate` / `increase` /
//!   `irate` every sync in O(1) amortized, bit-for-bit equal to the from-scratch functions.
//!
//! ```
//! use tidescale::Timestamp;
//! use tidescale::prom::{RangeWindow, rate};
//! // http_requests_total scraped every 15 s, +30 requests per scrape.
//! let samples: Vec<_> = (0..=8).map(|i| (Timestamp::from_secs(15 * i), 30.0 * i as f64)).collect();
//! // rate(http_requests_total[2m]) evaluated at t = 120 s.
//! let w = RangeWindow::new(Timestamp::from_secs(120), 120_000)?;
//! // 8 samples in (0 s, 120 s], Δ = 210 over 105 s, extrapolated 15 s back to the window start.
//! let r = rate(&samples, &w)?.unwrap();
//! assert!((r - 2.0).abs() < 1e-12);
//! # Ok::<(), tidescale::prom::PromError>(())
//! ```

pub mod aggregate;
pub mod histogram_quantile;
pub mod range;
pub mod rate;
pub mod streaming;

pub use aggregate::{Grouping, Series, avg, sum};
pub use histogram_quantile::{Bucket, histogram_quantile, histogram_quantile_vector, parse_le};
pub use range::{RangeWindow, WindowMode, samples_from_secs};
pub use rate::{delta, idelta, increase, irate, rate};
pub use streaming::CounterWindow;

use crate::Timestamp;

/// One float sample: timestamp (milliseconds) and value.
pub type Sample = (Timestamp, f64);

/// Input the Prometheus functions reject.
///
/// Where Prometheus returns "no result" (too few samples in the window) the functions return
/// `None` or an empty vector instead; where Prometheus returns NaN or ±Inf, so do they.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PromError {
    /// Sample timestamps are not strictly increasing (Prometheus storage never yields that).
    #[error(
        "sample timestamps must be strictly increasing: sample {index} at {at} ms follows {previous} ms"
    )]
    NonMonotonicTimestamps {
        /// Index of the offending sample.
        index: usize,
        /// Timestamp of the sample before it.
        previous: i64,
        /// Its own timestamp.
        at: i64,
    },
    /// A timestamp given in seconds was NaN, infinite or out of range.
    #[error("timestamp {0} s is not a finite time")]
    InvalidTimestamp(f64),
    /// A streaming append went backwards in time.
    #[error("out-of-order sample: {at} ms is before the latest sample at {latest} ms")]
    OutOfOrder {
        /// Latest timestamp already in the buffer.
        latest: i64,
        /// Timestamp of the rejected sample.
        at: i64,
    },
    /// A streaming append repeated the latest timestamp with a different value (Prometheus TSDB:
    /// "duplicate sample for timestamp").
    #[error("duplicate sample for timestamp {0} ms with a different value")]
    DuplicateTimestamp(i64),
    /// A range selector duration must be > 0 (PromQL rejects `[0s]`), and the window must fit
    /// in the timestamp type.
    #[error("invalid range: {0}")]
    InvalidRange(String),
    /// A ring buffer needs room for at least two samples to compute anything.
    #[error("streaming capacity must be at least 2, got {0}")]
    InvalidCapacity(usize),
    /// A classic histogram bucket has a NaN upper bound.
    #[error("histogram bucket upper bound is NaN")]
    NanBucketBound,
    /// A `le` label is missing or does not parse as a float.
    #[error("invalid le label {0:?}")]
    InvalidLe(String),
}
