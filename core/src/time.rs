//! Time as an argument: the host passes `now` into every call.
//!
//! A [`Timestamp`] counts milliseconds since an epoch the host chooses (its monotonic clock,
//! Unix time, or the start of a trace). Nothing in tidescale reads a clock.
//!
//! ```
//! use tidescale::Timestamp;
//! let t = Timestamp::from_secs(90);
//! assert_eq!(t.as_millis(), 90_000);
//! assert!(t.minus_secs(30) < t);
//! ```

use serde::{Deserialize, Serialize};

/// Milliseconds since a caller-chosen epoch. Signed, so that "before the epoch" is expressible
/// (the conformance vectors put `now` at 0 and history at negative times).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// From milliseconds.
    pub const fn from_millis(ms: i64) -> Self {
        Self(ms)
    }

    /// From whole seconds (saturating).
    pub const fn from_secs(s: i64) -> Self {
        Self(s.saturating_mul(1000))
    }

    /// From fractional seconds; `None` if not finite or out of range.
    ///
    /// ```
    /// assert_eq!(tidescale::Timestamp::from_secs_f64(1.5).unwrap().as_millis(), 1500);
    /// assert!(tidescale::Timestamp::from_secs_f64(f64::NAN).is_none());
    /// ```
    pub fn from_secs_f64(s: f64) -> Option<Self> {
        let ms = (s * 1000.0).round();
        (ms.is_finite() && ms.abs() < 9.0e18).then_some(Self(ms as i64))
    }

    /// Milliseconds since the epoch.
    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// Seconds since the epoch, as a float.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1000.0
    }

    /// This instant moved back by `secs` seconds (saturating).
    pub const fn minus_secs(self, secs: i64) -> Self {
        Self(self.0.saturating_sub(secs.saturating_mul(1000)))
    }

    /// This instant moved forward by `secs` seconds (saturating).
    pub const fn plus_secs(self, secs: i64) -> Self {
        Self(self.0.saturating_add(secs.saturating_mul(1000)))
    }

    /// This instant moved forward by `ms` milliseconds (saturating).
    pub const fn plus_millis(self, ms: i64) -> Self {
        Self(self.0.saturating_add(ms))
    }
}
