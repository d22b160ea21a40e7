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

    /// Parses RFC 3339 (`2018-01-02T03:04:05Z`; fractional seconds, a lower-case `t`/`z` or a
    /// space, and `±hh:mm` offsets accepted) as Unix time. `None` for anything else.
    ///
    /// ```
    /// use tidescale::Timestamp;
    /// assert_eq!(Timestamp::parse_rfc3339("2018-01-02T03:04:05.25Z"), Some(Timestamp(1_514_862_245_250)));
    /// assert_eq!(Timestamp::parse_rfc3339("2018-01-02T04:04:05+01:00"), Some(Timestamp(1_514_862_245_000)));
    /// assert_eq!(Timestamp::parse_rfc3339("2018-01-02"), None);
    /// ```
    pub fn parse_rfc3339(s: &str) -> Option<Self> {
        parse_rfc3339(s).map(Self)
    }

    /// This Unix time as RFC 3339 in UTC with second precision (`metav1.Time`), truncating.
    ///
    /// ```
    /// use tidescale::Timestamp;
    /// assert_eq!(Timestamp(1_514_862_245_999).to_rfc3339(), "2018-01-02T03:04:05Z");
    /// assert_eq!(Timestamp(-1).to_rfc3339(), "1969-12-31T23:59:59Z");
    /// ```
    pub fn to_rfc3339(self) -> String {
        let secs = self.0.div_euclid(1000);
        let days = secs.div_euclid(86_400);
        let sod = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            sod / 3600,
            (sod / 60) % 60,
            sod % 60
        )
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

fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        if t.bytes().all(|c| c.is_ascii_digit()) && !t.is_empty() {
            t.parse().ok()
        } else {
            None
        }
    };
    if b.len() < 20 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    if !matches!(b.get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut i = 19;
    let mut frac_ms = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        let digits = s.get(start..i)?;
        let padded: String = digits.chars().chain("000".chars()).take(3).collect();
        frac_ms = padded.parse().ok()?;
    }
    let offset_s = match b.get(i) {
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(&sign @ (b'+' | b'-')) if i + 6 == b.len() => {
            let oh = num(i + 1..i + 3)?;
            let om = num(i + 4..i + 6)?;
            let o = oh * 3600 + om * 60;
            if sign == b'+' { o } else { -o }
        }
        _ => return None,
    };
    let days = days_from_civil(y, u32::try_from(mo).ok()?, u32::try_from(d).ok()?);
    let secs = days * 86_400 + h * 3600 + mi * 60 + se - offset_s;
    Some(secs * 1000 + frac_ms)
}

/// Howard Hinnant's `civil_from_days`: (year, month, day) of day `z` since 1970-01-01.
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Howard Hinnant's `days_from_civil`: days since 1970-01-01 of a proleptic Gregorian date.
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_round_trips_every_day_of_four_centuries() {
        for z in -146_097..146_097 {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn rfc3339_parses_and_formats() {
        let t = Timestamp::parse_rfc3339("2024-05-01T09:00:00Z").unwrap();
        assert_eq!(t, Timestamp(1_714_554_000_000));
        assert_eq!(t.to_rfc3339(), "2024-05-01T09:00:00Z");
        assert_eq!(
            Timestamp::parse_rfc3339("2024-05-01 09:00:00.5-02:30"),
            Some(Timestamp(1_714_554_000_000 + 9_000_000 + 500))
        );
        for bad in [
            "",
            "2024-05-01",
            "2024-05-01T09:00:00",
            "2024-05-01T24:00:00Z",
            "2024-00-01T09:00:00Z",
            "2024-05-01T09:00:00+1:00",
            "2024-05-01T09:00:00Zjunk",
            "２０２４-05-01T09:00:00Z",
            "2024-05-32T09:00:00Z",
        ] {
            assert_eq!(Timestamp::parse_rfc3339(bad), None, "{bad}");
        }
    }
}
