//! A streaming `rate` / `increase` / `irate` for one counter series: a model server keeps a
//! window of its own counters and asks every sync, without re-scanning the window.
//!
//! [`CounterWindow`] is a ring buffer of fixed capacity with time-ordered appends. Between
//! queries it keeps running state: the index of the first sample inside the window (moved
//! forward as the window slides) and the counter resets inside the window with their exact
//! integer sum. A query at non-decreasing `now` costs O(1) amortized. Results are bit-for-bit
//! those of the from-scratch [`rate`](super::rate()) on the samples still in the buffer:
//! Prometheus adds reset corrections one by one in sample order, so the running sum is used
//! only while every partial sum is an exactly representable integer (integer counters below
//! 2^53, the common case); otherwise the resets inside the window are replayed in order
//! (O(resets in window), zero for a counter that did not restart).

use std::collections::VecDeque;

use super::range::{RangeWindow, WindowMode};
use super::rate::{WindowSummary, extrapolate};
use super::{PromError, Sample};
use crate::Timestamp;

/// 2^53: integers up to this magnitude are exact in an f64.
const EXACT_LIMIT: i128 = 1 << 53;

/// `v` as an exact integer if it is one with |v| ≤ 2^53 (−0.0 excluded, so that no partial
/// sum can be a negative zero).
#[inline]
fn exact_int(v: f64) -> Option<i128> {
    if v.abs() <= EXACT_LIMIT as f64 && !(v == 0.0 && v.is_sign_negative()) {
        let i = v as i64; // saturating cast, exact for |v| ≤ 2^53
        (i as f64 == v).then_some(i128::from(i))
    } else {
        None
    }
}

/// A counter reset between samples `index − 1` and `index` (global indices).
#[derive(Debug, Clone, Copy)]
struct Reset {
    index: u64,
    prev: f64,
    /// `prev` as an exact integer, if it is one with |prev| ≤ 2^53.
    exact: Option<i128>,
}

/// A bounded, time-ordered window of one counter's samples with O(1) amortized
/// `rate` / `increase` / `irate` queries.
///
/// ```
/// use tidescale::Timestamp;
/// use tidescale::prom::{CounterWindow, WindowMode};
/// // rate(requests_total[1m]), scraped every 10 s, 512 samples kept.
/// let mut w = CounterWindow::new(512, 60_000, WindowMode::LeftOpen)?;
/// for i in 0..=12 {
///     let v = if i < 9 { 100.0 * i as f64 } else { 100.0 * (i - 9) as f64 }; // restart at 90 s
///     w.push(Timestamp::from_secs(10 * i), v)?;
/// }
/// // Window (60 s, 120 s]: 700, 800, 0, 100, 200, 300 → Δ = 300 − 700 + 800 = 400 over 50 s,
/// // extrapolated 10 s to the start: 400 × 60/50 / 60 s.
/// assert_eq!(w.rate(Timestamp::from_secs(120)), Some(8.0));
/// assert_eq!(w.irate(Timestamp::from_secs(120)), Some(10.0));
/// assert!(w.push(Timestamp::from_secs(5), 1.0).is_err());
/// # Ok::<(), tidescale::prom::PromError>(())
/// ```
#[derive(Debug, Clone)]
pub struct CounterWindow {
    capacity: usize,
    range_ms: i64,
    /// `range_ms` in seconds as Go computes it, cached.
    range_secs: f64,
    mode: WindowMode,
    buf: VecDeque<Sample>,
    /// Global index of `buf[0]`.
    base: u64,
    /// Global index of the first sample after the window start at the last query.
    cursor: u64,
    last_query: Option<Timestamp>,
    /// Resets with `cursor < index`, in index order.
    resets: VecDeque<Reset>,
    exact_sum: i128,
    exact_abs: i128,
    inexact: usize,
}

impl CounterWindow {
    /// A window keeping at most `capacity` (≥ 2) samples, answering for `[range_ms]`
    /// (> 0) with the boundary rule `mode`.
    pub fn new(capacity: usize, range_ms: i64, mode: WindowMode) -> Result<Self, PromError> {
        if capacity < 2 {
            return Err(PromError::InvalidCapacity(capacity));
        }
        if range_ms <= 0 {
            return Err(PromError::InvalidRange(format!(
                "range must be > 0 ms, got {range_ms}"
            )));
        }
        Ok(Self {
            capacity,
            range_ms,
            range_secs: RangeWindow::saturating(Timestamp(0), range_ms, mode).range_secs(),
            mode,
            buf: VecDeque::with_capacity(capacity),
            base: 0,
            cursor: 0,
            last_query: None,
            resets: VecDeque::new(),
            exact_sum: 0,
            exact_abs: 0,
            inexact: 0,
        })
    }

    /// Maximum number of samples kept.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Number of samples kept.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// Whether no sample was pushed yet (or after [`clear`](Self::clear)).
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The range in milliseconds.
    pub fn range_ms(&self) -> i64 {
        self.range_ms
    }

    /// The boundary rule.
    pub fn mode(&self) -> WindowMode {
        self.mode
    }

    /// The latest sample.
    pub fn latest(&self) -> Option<Sample> {
        self.buf.back().copied()
    }

    /// The samples kept, oldest first.
    pub fn samples(&self) -> impl Iterator<Item = Sample> + '_ {
        self.buf.iter().copied()
    }

    /// Drops every sample and all running state.
    pub fn clear(&mut self) {
        let (capacity, range_ms, range_secs, mode) =
            (self.capacity, self.range_ms, self.range_secs, self.mode);
        self.buf.clear();
        self.resets.clear();
        *self = Self {
            buf: std::mem::take(&mut self.buf),
            resets: std::mem::take(&mut self.resets),
            capacity,
            range_ms,
            range_secs,
            mode,
            base: 0,
            cursor: 0,
            last_query: None,
            exact_sum: 0,
            exact_abs: 0,
            inexact: 0,
        };
    }

    /// Appends a sample. A timestamp before the latest is [`PromError::OutOfOrder`]; the same
    /// timestamp again is ignored if the value is identical and a
    /// [`PromError::DuplicateTimestamp`] otherwise (as the Prometheus TSDB does). When full, the
    /// oldest sample is dropped.
    pub fn push(&mut self, t: Timestamp, v: f64) -> Result<(), PromError> {
        let prev = self.buf.back().copied();
        if let Some((lt, lv)) = prev {
            if t < lt {
                return Err(PromError::OutOfOrder {
                    latest: lt.0,
                    at: t.0,
                });
            }
            if t == lt {
                return if v.to_bits() == lv.to_bits() {
                    Ok(())
                } else {
                    Err(PromError::DuplicateTimestamp(t.0))
                };
            }
        }
        if self.buf.len() >= self.capacity {
            self.buf.pop_front();
            self.base += 1;
            if self.cursor < self.base {
                self.cursor = self.base;
                self.drop_resets_through(self.cursor);
            }
        }
        let index = self.base + self.buf.len() as u64;
        if let Some((_, pv)) = prev
            && v < pv
            && index > self.cursor
        {
            self.add_reset(index, pv);
        }
        self.buf.push_back((t, v));
        Ok(())
    }

    fn add_reset(&mut self, index: u64, prev: f64) {
        let exact = exact_int(prev);
        match exact {
            Some(p) => {
                self.exact_sum += p;
                self.exact_abs += p.abs();
            }
            None => self.inexact += 1,
        }
        self.resets.push_back(Reset { index, prev, exact });
    }

    /// Forgets resets whose pair is no longer inside the window (`index ≤ first`).
    fn drop_resets_through(&mut self, first: u64) {
        while let Some(r) = self.resets.front().copied() {
            if r.index > first {
                break;
            }
            self.resets.pop_front();
            match r.exact {
                Some(p) => {
                    self.exact_sum -= p;
                    self.exact_abs -= p.abs();
                }
                None => self.inexact = self.inexact.saturating_sub(1),
            }
        }
    }

    fn sample(&self, index: u64) -> Option<Sample> {
        let i = usize::try_from(index.checked_sub(self.base)?).ok()?;
        self.buf.get(i).copied()
    }

    /// Moves the running state to the window ending at `now` and returns it with the global
    /// indices of the first and last samples inside (if any).
    fn seek(&mut self, now: Timestamp) -> (RangeWindow, Option<(u64, u64)>) {
        let w = RangeWindow::saturating(now, self.range_ms, self.mode);
        if self.last_query.is_some_and(|q| now < q) {
            // Time went backwards: the cursor may have passed samples now inside. Rebuild.
            self.cursor = self.base;
            self.resets.clear();
            (self.exact_sum, self.exact_abs, self.inexact) = (0, 0, 0);
            for i in 1..self.buf.len() {
                if let (Some(&(_, a)), Some(&(_, b))) = (self.buf.get(i - 1), self.buf.get(i))
                    && b < a
                {
                    self.add_reset(self.base + i as u64, a);
                }
            }
        }
        self.last_query = Some(now);
        while let Some((t, _)) = self.sample(self.cursor) {
            if w.after_start(t.0) {
                break;
            }
            self.cursor += 1;
            self.drop_resets_through(self.cursor);
        }
        let end = match self.buf.back() {
            None => return (w, None),
            Some(&(t, _)) if t <= now => self.base + self.buf.len() as u64 - 1,
            Some(_) => {
                let n = self.buf.partition_point(|&(t, _)| t <= now) as u64;
                match (self.base + n).checked_sub(1) {
                    Some(e) if n > 0 => e,
                    _ => return (w, None),
                }
            }
        };
        if end < self.cursor {
            return (w, None);
        }
        (w, Some((self.cursor, end)))
    }

    fn extrapolated(&mut self, now: Timestamp, is_rate: bool) -> Option<f64> {
        let (w, Some((a, b))) = self.seek(now) else {
            return None;
        };
        if b <= a {
            return None;
        }
        let (first, last) = (self.sample(a)?, self.sample(b)?);
        let delta = last.1 - first.1;
        let newest = self.base + self.buf.len() as u64 - 1;
        let result = match (exact_int(first.1), exact_int(last.1)) {
            // Every partial sum is an integer ≤ 2^53, so any order gives Prometheus' bits.
            (Some(f), Some(l))
                if b == newest
                    && self.inexact == 0
                    && f.abs() + l.abs() + self.exact_abs <= EXACT_LIMIT =>
            {
                // |exact_sum| ≤ 2^53 here, so the i64 route is exact (and avoids soft i128 → f64).
                delta + i64::try_from(self.exact_sum).unwrap_or(i64::MAX) as f64
            }
            _ => {
                let mut r = delta;
                for reset in self.resets.iter().take_while(|r| r.index <= b) {
                    r += reset.prev;
                }
                r
            }
        };
        let summary = WindowSummary {
            first,
            last,
            count: usize::try_from(b - a + 1).unwrap_or(usize::MAX),
            result,
        };
        Some(extrapolate(&summary, &w, self.range_secs, true, is_rate))
    }

    /// `rate(counter[range])` at `now`; `None` with fewer than two samples in the window.
    pub fn rate(&mut self, now: Timestamp) -> Option<f64> {
        self.extrapolated(now, true)
    }

    /// `increase(counter[range])` at `now`; `None` with fewer than two samples in the window.
    pub fn increase(&mut self, now: Timestamp) -> Option<f64> {
        self.extrapolated(now, false)
    }

    /// `irate(counter[range])` at `now`; `None` with fewer than two samples in the window.
    pub fn irate(&mut self, now: Timestamp) -> Option<f64> {
        let (_, Some((a, b))) = self.seek(now) else {
            return None;
        };
        if b <= a {
            return None;
        }
        let ((pt, pv), (lt, lv)) = (self.sample(b - 1)?, self.sample(b)?);
        let result = if lv < pv { lv } else { lv - pv };
        let dt = lt.0.saturating_sub(pt.0);
        (dt != 0).then(|| result / (dt as f64 / 1000.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prom::{increase, irate, rate};

    fn from_scratch(w: &CounterWindow, now: Timestamp) -> [Option<f64>; 3] {
        let samples: Vec<Sample> = w.samples().collect();
        let win = RangeWindow::new(now, w.range_ms())
            .unwrap()
            .with_mode(w.mode());
        [
            rate(&samples, &win).unwrap(),
            increase(&samples, &win).unwrap(),
            irate(&samples, &win).unwrap(),
        ]
    }

    fn same(a: Option<f64>, b: Option<f64>) -> bool {
        a.map(f64::to_bits) == b.map(f64::to_bits)
    }

    #[test]
    fn matches_from_scratch_with_float_resets_and_eviction() {
        let mut w = CounterWindow::new(7, 45_000, WindowMode::LeftOpen).unwrap();
        let values = [
            0.1, 5.3, 2.2, 9.7, 0.0, 3.3, 1.1, 8.8, 8.8, 0.5, 7.25, 1e17, 3.0,
        ];
        for (i, v) in values.iter().enumerate() {
            w.push(Timestamp::from_secs(10 * i as i64), *v).unwrap();
            for now_s in [10 * i as i64, 10 * i as i64 + 3] {
                let now = Timestamp::from_secs(now_s);
                let want = from_scratch(&w, now);
                let got = [w.rate(now), w.increase(now), w.irate(now)];
                for (g, e) in got.iter().zip(want) {
                    assert!(same(*g, e), "at {now_s}: {got:?} vs {want:?}");
                }
            }
        }
        // Going back in time rebuilds the state.
        let now = Timestamp::from_secs(95);
        assert!(same(w.rate(now), from_scratch(&w, now)[0]));
    }

    #[test]
    fn future_samples_are_outside() {
        let mut w = CounterWindow::new(16, 30_000, WindowMode::LeftClosed).unwrap();
        for (t, v) in [(0, 5.0), (10, 1.0), (20, 4.0), (30, 2.0), (40, 9.0)] {
            w.push(Timestamp::from_secs(t), v).unwrap();
        }
        let now = Timestamp::from_secs(30);
        let want = from_scratch(&w, now);
        assert!(same(w.increase(now), want[1]));
        assert!(same(w.irate(now), want[2]));
        assert_eq!(w.irate(Timestamp::from_secs(-10)), None);
    }

    #[test]
    fn appends_are_validated() {
        assert!(CounterWindow::new(1, 1000, WindowMode::LeftOpen).is_err());
        assert!(CounterWindow::new(4, 0, WindowMode::LeftOpen).is_err());
        let mut w = CounterWindow::new(4, 1000, WindowMode::LeftOpen).unwrap();
        w.push(Timestamp(10), 1.0).unwrap();
        assert_eq!(w.push(Timestamp(10), 1.0), Ok(()));
        assert_eq!(
            w.push(Timestamp(10), 2.0),
            Err(PromError::DuplicateTimestamp(10))
        );
        assert_eq!(
            w.push(Timestamp(9), 2.0),
            Err(PromError::OutOfOrder { latest: 10, at: 9 })
        );
        assert_eq!(w.len(), 1);
        w.clear();
        assert!(w.is_empty());
        assert_eq!(w.rate(Timestamp(20)), None);
    }
}
