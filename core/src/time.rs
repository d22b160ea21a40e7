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
#[repr(transparent)]
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

/// A duration in milliseconds (rounded) from Go / PromQL duration text: `1h30m`, `90s`,
/// `500ms`, `1.5h`, `250us`, and PromQL's `2d`, `1w`, `1y` (d = 24 h, w = 7 d, y = 365 d).
/// `None` for anything else.
///
/// ```
/// use tidescale::time::parse_duration_ms;
/// assert_eq!(parse_duration_ms("1h30m"), Some(5_400_000));
/// assert_eq!(parse_duration_ms("500ms"), Some(500));
/// assert_eq!(parse_duration_ms("5 minutes"), None);
/// ```
pub fn parse_duration_ms(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let mut total: f64 = 0.0;
    let mut rest = s;
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (num, tail) = rest.split_at(num_end);
        if num.is_empty() {
            return None;
        }
        let n: f64 = num.parse().ok()?;
        let unit_end = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_end);
        let ms = match unit {
            "ns" => 1e-6,
            "us" | "µs" | "μs" => 1e-3,
            "ms" => 1.0,
            "s" => 1e3,
            "m" => 60e3,
            "h" => 3600e3,
            "d" => 86_400e3,
            "w" => 604_800e3,
            "y" => 31_536_000e3,
            _ => return None,
        };
        total += n * ms;
        rest = tail;
    }
    let total = total.round();
    (total.is_finite() && total < 9.2e18).then_some(total as i64)
}
