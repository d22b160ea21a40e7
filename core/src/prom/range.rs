//! Range selection: which samples a range selector `m[range] offset o` evaluated at `t` sees.
//!
//! Prometheus 3.x selects `t − range − o < ts ≤ t − o` (left-open, right-closed); 2.x selected
//! `t − range − o ≤ ts ≤ t − o`, so a sample exactly on the left boundary counted (Prometheus
//! 3.0 migration guide).

use super::{PromError, Sample};
use crate::Timestamp;

/// Whether a sample exactly at the window start belongs to the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum WindowMode {
    /// Prometheus 3.x (the default): `(start, end]`.
    #[default]
    LeftOpen,
    /// Prometheus 2.x: `[start, end]`.
    LeftClosed,
}

impl WindowMode {
    /// The mode of Prometheus 3.x.
    pub const PROMETHEUS_3: Self = Self::LeftOpen;
    /// The mode of Prometheus 2.x.
    pub const PROMETHEUS_2: Self = Self::LeftClosed;
}

/// The time window of one range selector at one evaluation time.
///
/// ```
/// use tidescale::Timestamp;
/// use tidescale::prom::{RangeWindow, WindowMode};
/// // rate(m[10m] offset 5m) at t = 3000 s covers (2100 s, 2700 s].
/// let w = RangeWindow::new(Timestamp::from_secs(3000), 600_000)?.with_offset(300_000)?;
/// assert_eq!((w.start().as_millis(), w.end().as_millis()), (2_100_000, 2_700_000));
/// assert!(!w.contains(Timestamp::from_secs(2100)));
/// assert!(w.with_mode(WindowMode::LeftClosed).contains(Timestamp::from_secs(2100)));
/// # Ok::<(), tidescale::prom::PromError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RangeWindow {
    eval_time: Timestamp,
    range_ms: i64,
    offset_ms: i64,
    start: i64,
    end: i64,
    mode: WindowMode,
}

impl RangeWindow {
    /// `m[range]` evaluated at `eval_time`, no offset, Prometheus 3.x boundaries.
    /// `range_ms` must be > 0.
    pub fn new(eval_time: Timestamp, range_ms: i64) -> Result<Self, PromError> {
        if range_ms <= 0 {
            return Err(PromError::InvalidRange(format!(
                "range must be > 0 ms, got {range_ms}"
            )));
        }
        Self::build(eval_time, range_ms, 0, WindowMode::default())
    }

    fn build(
        eval_time: Timestamp,
        range_ms: i64,
        offset_ms: i64,
        mode: WindowMode,
    ) -> Result<Self, PromError> {
        // rangeStart = Ts − (range + offset), rangeEnd = Ts − offset (functions.go).
        let end = eval_time.as_millis().checked_sub(offset_ms);
        let start = range_ms
            .checked_add(offset_ms)
            .and_then(|d| eval_time.as_millis().checked_sub(d));
        match (start, end) {
            (Some(start), Some(end)) => Ok(Self {
                eval_time,
                range_ms,
                offset_ms,
                start,
                end,
                mode,
            }),
            _ => Err(PromError::InvalidRange(
                "window does not fit in the timestamp range".into(),
            )),
        }
    }

    /// `[range]` ending at `now` with saturating arithmetic, for the streaming form whose range
    /// was validated up front.
    pub(crate) fn saturating(now: Timestamp, range_ms: i64, mode: WindowMode) -> Self {
        Self {
            eval_time: now,
            range_ms,
            offset_ms: 0,
            start: now.as_millis().saturating_sub(range_ms),
            end: now.as_millis(),
            mode,
        }
    }

    /// The same window shifted back by `offset_ms` (`offset 5m`; negative offsets look forward).
    pub fn with_offset(self, offset_ms: i64) -> Result<Self, PromError> {
        Self::build(self.eval_time, self.range_ms, offset_ms, self.mode)
    }

    /// The same window with the boundary rule of `mode`.
    pub fn with_mode(self, mode: WindowMode) -> Self {
        Self { mode, ..self }
    }

    /// Window start (`t − range − offset`); excluded in [`WindowMode::LeftOpen`].
    pub fn start(&self) -> Timestamp {
        Timestamp(self.start)
    }

    /// Window end (`t − offset`), always included.
    pub fn end(&self) -> Timestamp {
        Timestamp(self.end)
    }

    /// The range in milliseconds.
    pub fn range_ms(&self) -> i64 {
        self.range_ms
    }

    /// The boundary rule.
    pub fn mode(&self) -> WindowMode {
        self.mode
    }

    /// The range in seconds as Go's `time.Duration.Seconds()` computes it (whole seconds plus
    /// the remainder / 1e9), the divisor of `rate`.
    pub fn range_secs(&self) -> f64 {
        go_duration_secs(self.range_ms)
    }

    /// Whether the left boundary admits `t` (the right boundary is not checked).
    pub(crate) fn after_start(&self, t: i64) -> bool {
        match self.mode {
            WindowMode::LeftOpen => t > self.start,
            WindowMode::LeftClosed => t >= self.start,
        }
    }

    /// Whether a sample at `t` is inside the window.
    pub fn contains(&self, t: Timestamp) -> bool {
        self.after_start(t.0) && t.0 <= self.end
    }

    /// The samples inside the window, after checking that timestamps strictly increase.
    pub fn select<'a>(&self, samples: &'a [Sample]) -> Result<&'a [Sample], PromError> {
        check_increasing(samples)?;
        Ok(self.select_sorted(samples))
    }

    /// Selection by binary search; `samples` must already be strictly increasing.
    fn select_sorted<'a>(&self, samples: &'a [Sample]) -> &'a [Sample] {
        let (lo, hi) = self.bounds(samples);
        samples.get(lo..hi).unwrap_or(&[])
    }

    /// `[lo, hi)` of the samples inside the window, by binary search (meaningful only on
    /// strictly increasing timestamps, which the caller checks).
    pub(crate) fn bounds(&self, samples: &[Sample]) -> (usize, usize) {
        let lo = samples.partition_point(|s| !self.after_start(s.0.0));
        let hi = samples.partition_point(|s| s.0.0 <= self.end);
        (lo, hi.max(lo))
    }
}

/// Go's `time.Duration(ms * 1e6).Seconds()`: `float64(sec) + float64(nsec)/1e9`.
pub(crate) fn go_duration_secs(ms: i64) -> f64 {
    let secs = ms / 1000;
    let nanos = (ms % 1000) * 1_000_000;
    secs as f64 + nanos as f64 / 1e9
}

/// Whether timestamps strictly increase (branch-free scan).
pub(crate) fn is_increasing(samples: &[Sample]) -> bool {
    let next = samples.get(1..).unwrap_or(&[]);
    !samples
        .iter()
        .zip(next)
        .fold(false, |bad, (a, b)| bad | (b.0 <= a.0))
}

/// Errors unless timestamps strictly increase.
pub(crate) fn check_increasing(samples: &[Sample]) -> Result<(), PromError> {
    if is_increasing(samples) {
        return Ok(());
    }
    let next = samples.get(1..).unwrap_or(&[]);
    match samples.iter().zip(next).position(|(a, b)| b.0 <= a.0) {
        Some(i) => Err(PromError::NonMonotonicTimestamps {
            index: i + 1,
            previous: samples.get(i).map_or(0, |s| s.0.0),
            at: samples.get(i + 1).map_or(0, |s| s.0.0),
        }),
        None => Ok(()),
    }
}

/// Converts `(seconds, value)` pairs (as PromQL test files and JSON APIs write them) into
/// samples, rounding to the millisecond as Prometheus does.
///
/// ```
/// let s = tidescale::prom::samples_from_secs(&[(1.5, 2.0)])?;
/// assert_eq!(s[0].0.as_millis(), 1500);
/// assert!(tidescale::prom::samples_from_secs(&[(f64::NAN, 1.0)]).is_err());
/// # Ok::<(), tidescale::prom::PromError>(())
/// ```
pub fn samples_from_secs(pairs: &[(f64, f64)]) -> Result<Vec<Sample>, PromError> {
    pairs
        .iter()
        .map(|&(t, v)| {
            Timestamp::from_secs_f64(t)
                .map(|ts| (ts, v))
                .ok_or(PromError::InvalidTimestamp(t))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(secs: &[i64]) -> Vec<Sample> {
        secs.iter()
            .map(|&t| (Timestamp::from_secs(t), t as f64))
            .collect()
    }

    #[test]
    fn left_open_excludes_start_left_closed_includes_it() {
        let samples = s(&[0, 60, 120, 180]);
        let w = RangeWindow::new(Timestamp::from_secs(120), 60_000).unwrap();
        assert_eq!(w.select(&samples).unwrap(), &samples[2..3]);
        let w2 = w.with_mode(WindowMode::PROMETHEUS_2);
        assert_eq!(w2.select(&samples).unwrap(), &samples[1..3]);
    }

    #[test]
    fn negative_offset_looks_forward() {
        let samples = s(&[0, 60, 120, 180]);
        let w = RangeWindow::new(Timestamp::from_secs(120), 60_000)
            .unwrap()
            .with_offset(-60_000)
            .unwrap();
        assert_eq!(w.select(&samples).unwrap(), &samples[3..4]);
    }

    #[test]
    fn rejects_bad_input() {
        assert!(RangeWindow::new(Timestamp(0), 0).is_err());
        assert!(RangeWindow::new(Timestamp(i64::MIN), 10).is_err());
        let w = RangeWindow::new(Timestamp::from_secs(120), 60_000).unwrap();
        assert_eq!(
            w.select(&s(&[0, 60, 60])),
            Err(PromError::NonMonotonicTimestamps {
                index: 2,
                previous: 60_000,
                at: 60_000
            })
        );
    }

    #[test]
    fn go_seconds() {
        assert_eq!(go_duration_secs(901_000), 901.0);
        assert_eq!(go_duration_secs(60_500), 60.5);
        assert_eq!(go_duration_secs(-1_500), -1.5);
    }
}
