//! `rate`, `increase`, `delta` (Prometheus `extrapolatedRate`) and `irate`, `idelta`
//! (Prometheus `instantValue`), over float samples.
//!
//! The rules (promql/functions.go, spec §4.2–4.3):
//! - at least two samples in the window, else no result (`None`);
//! - `Δ = last − first`; for counters every drop `cur < prev` adds `prev` (3 → 2 reads as
//!   3 → 0 → 2), summed in sample order exactly as Prometheus does;
//! - the result is extrapolated towards the window edges: all the way if the gap to the edge
//!   is below 1.1 × the average sample interval, else by half an interval; a counter is never
//!   extrapolated below zero;
//! - `rate` divides by the full range in seconds, not the sampled span;
//! - NaN propagates; there is no rounding.

use super::range::{RangeWindow, check_increasing, is_increasing};
use super::{PromError, Sample};

/// The pieces of a window `extrapolatedRate` needs, so the streaming form can supply them
/// without a scan.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WindowSummary {
    pub first: Sample,
    pub last: Sample,
    /// Number of samples in the window, ≥ 2.
    pub count: usize,
    /// `last − first`, plus (for counters) the reset corrections added in order.
    pub result: f64,
}

/// Prometheus `extrapolatedRate` once first/last/count/Δ are known. `range_secs` is
/// `w.range_secs()`, passed in so the streaming form can compute it once.
#[inline]
pub(crate) fn extrapolate(
    s: &WindowSummary,
    w: &RangeWindow,
    range_secs: f64,
    is_counter: bool,
    is_rate: bool,
) -> f64 {
    let (first_t, first_v) = (s.first.0.as_millis(), s.first.1);
    let last_t = s.last.0.as_millis();
    let mut result = s.result;
    // Integer millisecond differences first, then / 1000, as Go does.
    let mut to_start = first_t.saturating_sub(w.start().as_millis()) as f64 / 1000.0;
    let mut to_end = w.end().as_millis().saturating_sub(last_t) as f64 / 1000.0;
    let sampled = last_t.saturating_sub(first_t) as f64 / 1000.0;
    let avg = sampled / (s.count.saturating_sub(1)) as f64;
    let threshold = avg * 1.1;
    if to_start >= threshold {
        to_start = avg / 2.0;
    }
    if is_counter {
        // A counter cannot go below zero: do not extrapolate past the zero point.
        let mut to_zero = to_start;
        if result > 0.0 && first_v >= 0.0 {
            to_zero = sampled * (first_v / result);
        }
        if to_zero < to_start {
            to_start = to_zero;
        }
    }
    if to_end >= threshold {
        to_end = avg / 2.0;
    }
    let mut factor = (sampled + to_start + to_end) / sampled;
    if is_rate {
        factor /= range_secs;
    }
    result *= factor;
    result
}

fn extrapolated(
    samples: &[Sample],
    w: &RangeWindow,
    is_counter: bool,
    is_rate: bool,
) -> Result<Option<f64>, PromError> {
    // One pass: the order check of the window's pairs is fused with the reset scan; the
    // samples outside the window (and the two boundary pairs) are checked separately.
    let (lo, hi) = w.bounds(samples);
    let sel = samples.get(lo..hi).unwrap_or(&[]);
    let before = samples
        .get(..lo.saturating_add(1).min(samples.len()))
        .unwrap_or(&[]);
    let after = samples.get(hi.saturating_sub(1)..).unwrap_or(&[]);
    let (Some(&first), Some(&last)) = (sel.first(), sel.last()) else {
        check_increasing(samples)?;
        return Ok(None);
    };
    let mut result = last.1 - first.1;
    let mut ordered = true;
    let mut prev = first;
    for &cur in sel.iter().skip(1) {
        ordered &= cur.0 > prev.0;
        // Counter reset: add the value before the drop, in sample order (functions.go).
        if is_counter && cur.1 < prev.1 {
            result += prev.1;
        }
        prev = cur;
    }
    if !(ordered && is_increasing(before) && is_increasing(after)) {
        check_increasing(samples)?;
    }
    if sel.len() < 2 {
        return Ok(None);
    }
    let summary = WindowSummary {
        first,
        last,
        count: sel.len(),
        result,
    };
    Ok(Some(extrapolate(
        &summary,
        w,
        w.range_secs(),
        is_counter,
        is_rate,
    )))
}

/// `rate(m[range])`: per-second increase of a counter, extrapolated to the window edges.
/// `None` when the window holds fewer than two samples.
///
/// ```
/// use tidescale::Timestamp;
/// use tidescale::prom::{RangeWindow, rate};
/// // 0+10x10 every 5 minutes, with a reset in the middle; rate([50m]) at 3000 s.
/// let v = [0., 10., 20., 30., 40., 0., 10., 20., 30., 40., 50.];
/// let s: Vec<_> = v.iter().enumerate().map(|(i, &x)| (Timestamp::from_secs(300 * i as i64), x)).collect();
/// let w = RangeWindow::new(Timestamp::from_secs(3000), 3_000_000)?;
/// // Window (0, 3000 s]: 10 samples from 10 to 50, Δ = 40 + 40 (the reset) = 80 over 2700 s,
/// // extrapolated 300 s back to the window start: 80 × 3000 / 2700 / 3000 s.
/// assert!((rate(&s, &w)?.unwrap() - 80.0 / 2700.0).abs() < 1e-15);
/// # Ok::<(), tidescale::prom::PromError>(())
/// ```
pub fn rate(samples: &[Sample], window: &RangeWindow) -> Result<Option<f64>, PromError> {
    extrapolated(samples, window, true, true)
}

/// `increase(m[range])`: the increase of a counter over the window, extrapolated to the
/// window edges (so it can be fractional). `None` with fewer than two samples.
///
/// ```
/// use tidescale::Timestamp;
/// use tidescale::prom::{RangeWindow, increase};
/// let s: Vec<_> = (0..=10).map(|i| (Timestamp::from_secs(300 * i), 10.0 * i as f64)).collect();
/// let w = RangeWindow::new(Timestamp::from_secs(3000), 3_000_000)?;
/// assert_eq!(increase(&s, &w)?, Some(100.0));
/// # Ok::<(), tidescale::prom::PromError>(())
/// ```
pub fn increase(samples: &[Sample], window: &RangeWindow) -> Result<Option<f64>, PromError> {
    extrapolated(samples, window, true, false)
}

/// `delta(m[range])`: the change of a gauge over the window, extrapolated like `increase` but
/// without counter-reset handling or the zero clamp. `None` with fewer than two samples.
///
/// ```
/// use tidescale::Timestamp;
/// use tidescale::prom::{RangeWindow, delta};
/// let s = [(Timestamp::from_secs(30), 10.0), (Timestamp::from_secs(60), 4.0)];
/// let w = RangeWindow::new(Timestamp::from_secs(60), 60_000)?;
/// assert_eq!(delta(&s, &w)?, Some(-12.0));
/// # Ok::<(), tidescale::prom::PromError>(())
/// ```
pub fn delta(samples: &[Sample], window: &RangeWindow) -> Result<Option<f64>, PromError> {
    extrapolated(samples, window, false, false)
}

/// Prometheus `instantValue` over the last two samples of the window.
fn instant(samples: &[Sample], w: &RangeWindow, is_rate: bool) -> Result<Option<f64>, PromError> {
    let sel = w.select(samples)?;
    let [.., (prev_t, prev_v), (last_t, last_v)] = sel else {
        return Ok(None);
    };
    let mut result = if is_rate && last_v < prev_v {
        *last_v // counter reset: the new value is the increase
    } else {
        last_v - prev_v
    };
    let dt_ms = last_t.0.saturating_sub(prev_t.0);
    if dt_ms == 0 {
        return Ok(None);
    }
    if is_rate {
        result /= dt_ms as f64 / 1000.0;
    }
    Ok(Some(result))
}

/// `irate(m[range])`: per-second rate between the last two samples of the window (a drop is
/// a counter reset, so the later value itself is the increase). `None` with fewer than two
/// samples.
///
/// ```
/// use tidescale::Timestamp;
/// use tidescale::prom::{RangeWindow, irate};
/// let s = [(Timestamp::from_secs(0), 90.0), (Timestamp::from_secs(15), 120.0), (Timestamp::from_secs(30), 6.0)];
/// let w = RangeWindow::new(Timestamp::from_secs(30), 60_000)?;
/// assert_eq!(irate(&s, &w)?, Some(0.4)); // reset: 6 requests in 15 s
/// # Ok::<(), tidescale::prom::PromError>(())
/// ```
pub fn irate(samples: &[Sample], window: &RangeWindow) -> Result<Option<f64>, PromError> {
    instant(samples, window, true)
}

/// `idelta(m[range])`: difference between the last two samples of the window (no reset
/// handling). `None` with fewer than two samples.
///
/// ```
/// use tidescale::Timestamp;
/// use tidescale::prom::{RangeWindow, idelta};
/// let s = [(Timestamp::from_secs(15), 120.0), (Timestamp::from_secs(30), 6.0)];
/// let w = RangeWindow::new(Timestamp::from_secs(30), 60_000)?;
/// assert_eq!(idelta(&s, &w)?, Some(-114.0));
/// # Ok::<(), tidescale::prom::PromError>(())
/// ```
pub fn idelta(samples: &[Sample], window: &RangeWindow) -> Result<Option<f64>, PromError> {
    instant(samples, window, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Timestamp;
    use crate::prom::WindowMode;

    fn series(step_s: i64, values: &[f64]) -> Vec<Sample> {
        values
            .iter()
            .enumerate()
            .map(|(i, &v)| (Timestamp::from_secs(step_s * i as i64), v))
            .collect()
    }

    fn win(at_s: i64, range_s: i64) -> RangeWindow {
        RangeWindow::new(Timestamp::from_secs(at_s), range_s * 1000).unwrap()
    }

    #[test]
    fn reset_mid_window() {
        // functions.test: testcounter_reset_middle_total 0+27x4 0+27x5, rate([50m]) @ 3000 = 0.08
        let mut v: Vec<f64> = (0..5).map(|i| 27.0 * i as f64).collect();
        v.extend((0..6).map(|i| 27.0 * i as f64));
        let s = series(300, &v);
        let r = rate(&s, &win(3000, 3000)).unwrap().unwrap();
        assert!((r - 0.08).abs() < 1e-12, "{r}");
    }

    #[test]
    fn zero_clamp() {
        // functions.test: testcounter_zero_cutoff_total 0+240x10, rate([20m]) @ 600 = 0.5 over
        // samples every 240 s; window (-600, 600]: 0, 240, 480 → zero point at t = 0.
        let s = series(240, &[0.0, 240.0, 480.0, 720.0]);
        assert_eq!(rate(&s, &win(600, 1200)).unwrap(), Some(0.5));
        // increase 3 → 2 reads as 3 → 0 → 2.
        let s = series(60, &[3.0, 2.0]);
        let inc = increase(&s, &win(60, 120)).unwrap().unwrap();
        // Δ = 2 − 3 + 3 = 2; sampled 60 s; to_start 60 s ≥ 66? no → 60, zero clamp 60·3/2 = 90
        // keeps 60; to_end 0 → 2·(60+60)/60 = 4.
        assert_eq!(inc, 4.0);
    }

    #[test]
    fn too_few_samples_is_none() {
        let s = series(60, &[1.0, 2.0, 3.0]);
        assert_eq!(rate(&s, &win(60, 30)).unwrap(), None);
        assert_eq!(irate(&s, &win(60, 30)).unwrap(), None);
        assert_eq!(rate(&[], &win(60, 30)).unwrap(), None);
    }

    #[test]
    fn nan_propagates_in_irate() {
        let s = series(300, &[1.0, f64::NAN, f64::NAN, 5.0]);
        assert!(irate(&s, &win(600, 901)).unwrap().unwrap().is_nan());
        // 5 after NaN: NaN comparisons are false, so Δ = 5 − NaN = NaN.
        assert!(irate(&s, &win(900, 901)).unwrap().unwrap().is_nan());
    }

    #[test]
    fn delta_has_no_reset_handling() {
        let s = series(30, &[10.0, 4.0, 7.0]);
        let w = win(60, 90).with_mode(WindowMode::LeftClosed);
        // Δ = −3 over 60 s sampled, both edges inside threshold → × 90/60.
        assert_eq!(delta(&s, &w).unwrap(), Some(-4.5));
        let inc = increase(&s, &w).unwrap().unwrap();
        assert!(inc > 0.0);
    }

    #[test]
    fn unsorted_is_an_error() {
        let s = vec![(Timestamp(10), 1.0), (Timestamp(5), 2.0)];
        assert!(matches!(
            rate(&s, &win(60, 60)),
            Err(PromError::NonMonotonicTimestamps { index: 1, .. })
        ));
        // Disorder outside the window is still reported, for every function.
        let s = series(10, &[1.0, 2.0, 3.0, 4.0]);
        let mut bad = s.clone();
        bad.push((Timestamp::from_secs(5), 9.0));
        let w = win(20, 15);
        assert_eq!(increase(&s, &w).unwrap(), Some(1.5));
        for f in [rate, increase, delta, irate, idelta] {
            assert!(matches!(
                f(&bad, &w),
                Err(PromError::NonMonotonicTimestamps { index: 4, .. })
            ));
        }
    }
}
