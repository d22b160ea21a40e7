//! The exponentially decaying histogram (`recommender/util/decaying_histogram.go`).
//!
//! Timestamps are **Unix-epoch milliseconds**: the reference is rounded to a multiple of the
//! half-life counted from Go's zero time (0001-01-01T00:00:00Z), which depends on the epoch.

use super::checkpoint::HistogramCheckpoint;
use super::gomath::{go_exp2, ms_to_ns, round_half_up};
use super::histogram::{Histogram, HistogramOptions, check_sample};
use super::{Result, VpaError};
use crate::time::Timestamp;

/// Go's zero `time.Time` (0001-01-01T00:00:00Z) in Unix milliseconds.
pub const GO_ZERO_TIME_MS: i64 = -62_135_596_800_000;

/// `maxDecayExponent`: the reference is shifted when a sample is this many half-lives after it.
const MAX_DECAY_EXPONENT: i64 = 100;

/// A histogram whose sample weights double every half-life (newer samples weigh more).
#[derive(Debug, Clone, PartialEq)]
pub struct DecayingHistogram {
    hist: Histogram,
    half_life_ms: i64,
    /// `float64(halfLife)` in nanoseconds, as Go divides by it (a function of `half_life_ms`).
    half_life_ns: f64,
    reference_ms: i64,
    /// `reference + 100 half-lives` (saturating): a later sample shifts the reference.
    shift_after_ms: i64,
    /// The last decay factor computed, by its `t − reference` (samples often share times).
    last_decay: DecayCache,
}

/// One remembered decay factor: `exp2(dt / halfLife)` for `dt_ms` (a pure function of
/// `dt_ms` and the fixed half-life, so it never goes stale).
#[derive(Debug, Clone, Copy)]
struct DecayCache {
    dt_ms: i64,
    factor: f64,
}

/// A cache is no part of the histogram's value.
impl PartialEq for DecayCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// `reference + 100 half-lives`, saturating.
fn shift_after(reference_ms: i64, half_life_ms: i64) -> i64 {
    reference_ms.saturating_add(half_life_ms.saturating_mul(MAX_DECAY_EXPONENT))
}

impl DecayingHistogram {
    /// An empty histogram with the reference at Go's zero time. `half_life_ms` must be > 0.
    pub fn new(options: HistogramOptions, half_life_ms: i64) -> Result<Self> {
        if half_life_ms <= 0 {
            return Err(VpaError::InvalidValue {
                field: "half_life",
                value: half_life_ms as f64,
            });
        }
        Ok(Self {
            hist: Histogram::new(options),
            half_life_ms,
            half_life_ns: ms_to_ns(half_life_ms) as f64,
            reference_ms: GO_ZERO_TIME_MS,
            shift_after_ms: shift_after(GO_ZERO_TIME_MS, half_life_ms),
            // exp2(0 / halfLife) is exactly 1.
            last_decay: DecayCache {
                dt_ms: 0,
                factor: 1.0,
            },
        })
    }

    /// The plain histogram inside (relative weights).
    pub fn histogram(&self) -> &Histogram {
        &self.hist
    }

    /// The half-life in milliseconds.
    pub fn half_life_ms(&self) -> i64 {
        self.half_life_ms
    }

    /// The reference timestamp (Go's zero time until the first sample).
    pub fn reference(&self) -> Timestamp {
        Timestamp(self.reference_ms)
    }

    /// Whether the reference is still Go's zero time.
    pub fn reference_is_zero_time(&self) -> bool {
        self.reference_ms == GO_ZERO_TIME_MS
    }

    /// Bytes of heap held.
    pub fn heap_size(&self) -> usize {
        self.hist.heap_size()
    }

    /// `AddSample(value, weight, t)`.
    ///
    /// ```
    /// use tidescale::{Timestamp, vpa::{DecayingHistogram, HistogramOptions}};
    /// let o = HistogramOptions::linear(10.0, 1.0, 1e-15).unwrap();
    /// let mut h = DecayingHistogram::new(o, 3_600_000).unwrap();
    /// h.add_sample(2.0, 1000.0, Timestamp::from_secs(1234567890)).unwrap();
    /// h.add_sample(1.0, 1.0, Timestamp::from_secs(1234639890)).unwrap();
    /// assert_eq!(h.percentile(0.999), 2.0);
    /// assert_eq!(h.percentile(1.0), 3.0);
    /// ```
    pub fn add_sample(&mut self, value: f64, weight: f64, t: Timestamp) -> Result<()> {
        check_sample(value, weight)?;
        self.add_unchecked(value, weight, t);
        Ok(())
    }

    #[inline]
    pub(crate) fn add_unchecked(&mut self, value: f64, weight: f64, t: Timestamp) {
        let f = self.decay_factor(t.0);
        self.hist.add_unchecked(value, weight * f);
    }

    /// [`DecayingHistogram::add_unchecked`] of a CPU amount in millicores (the value is
    /// `millicores / 1000` cores, see [`Histogram::add_millicores_unchecked`]).
    #[inline]
    pub(crate) fn add_millicores_unchecked(&mut self, millicores: i64, weight: f64, t: Timestamp) {
        let f = self.decay_factor(t.0);
        self.hist.add_millicores_unchecked(millicores, weight * f);
    }

    /// `SubtractSample(value, weight, t)`.
    pub fn subtract_sample(&mut self, value: f64, weight: f64, t: Timestamp) -> Result<()> {
        check_sample(value, weight)?;
        self.subtract_unchecked(value, weight, t);
        Ok(())
    }

    pub(crate) fn subtract_unchecked(&mut self, value: f64, weight: f64, t: Timestamp) {
        let f = self.decay_factor(t.0);
        self.hist.subtract_unchecked(value, weight * f);
    }

    /// Percentile of the decayed weights (see [`Histogram::percentile`]).
    pub fn percentile(&self, p: f64) -> f64 {
        self.hist.percentile(p)
    }

    /// Several percentiles in one pass (see [`Histogram::percentiles`]).
    pub fn percentiles<const N: usize>(&self, ps: [f64; N]) -> [f64; N] {
        self.hist.percentiles(ps)
    }

    /// Whether no bucket holds epsilon weight.
    pub fn is_empty(&self) -> bool {
        self.hist.is_empty()
    }

    #[inline]
    fn decay_factor(&mut self, t_ms: i64) -> f64 {
        if t_ms > self.shift_after_ms {
            self.shift_reference(t_ms);
        }
        let dt_ms = t_ms.saturating_sub(self.reference_ms);
        if dt_ms == self.last_decay.dt_ms {
            return self.last_decay.factor;
        }
        // Go: float64(t.Sub(ref)) / float64(halfLife), both in nanoseconds (Sub saturates).
        let factor = go_exp2(ms_to_ns(dt_ms) as f64 / self.half_life_ns);
        self.last_decay = DecayCache { dt_ms, factor };
        factor
    }

    fn set_reference(&mut self, reference_ms: i64) {
        self.reference_ms = reference_ms;
        self.shift_after_ms = shift_after(reference_ms, self.half_life_ms);
    }

    /// Moves the reference to `t` rounded to a half-life multiple since Go's zero time
    /// (halfway rounds up) and rescales the weights by 2^round((old − new)/halfLife).
    fn shift_reference(&mut self, t_ms: i64) {
        let d = self.half_life_ms;
        let since_zero = i128::from(t_ms) - i128::from(GO_ZERO_TIME_MS);
        let r = since_zero.rem_euclid(i128::from(d));
        let rounded = if r + r < i128::from(d) {
            i128::from(t_ms) - r
        } else {
            i128::from(t_ms) + (i128::from(d) - r)
        };
        let new_ref = rounded.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64;
        let diff = ms_to_ns(self.reference_ms.saturating_sub(new_ref));
        let exponent = round_half_up(diff as f64 / ms_to_ns(d) as f64);
        self.hist.scale(go_exp2(exponent));
        self.set_reference(new_ref);
    }

    /// `Merge`: the histogram with the older reference is shifted to the newer one (upstream
    /// mutates the argument too), then the weights are added.
    pub fn merge(&mut self, other: &mut Self) -> Result<()> {
        if self.half_life_ms != other.half_life_ms {
            return Err(VpaError::Incompatible("half-lives differ"));
        }
        if self.hist.options() != other.hist.options() {
            return Err(VpaError::Incompatible("histogram options differ"));
        }
        if self.reference_ms < other.reference_ms {
            self.shift_reference(other.reference_ms);
        } else if other.reference_ms < self.reference_ms {
            other.shift_reference(self.reference_ms);
        }
        self.hist.merge(&other.hist)
    }

    /// Upstream's test `Equals`.
    pub fn equals(&self, other: &Self) -> bool {
        self.half_life_ms == other.half_life_ms
            && self.reference_ms == other.reference_ms
            && self.hist.equals(&other.hist)
    }

    /// `SaveToChekpoint` plus the reference timestamp.
    pub fn save_checkpoint(&self) -> HistogramCheckpoint {
        let mut cp = self.hist.save_checkpoint();
        cp.reference_timestamp =
            (!self.reference_is_zero_time()).then_some(Timestamp(self.reference_ms));
        cp
    }

    /// `LoadFromCheckpoint`: weights as the plain histogram, then the reference verbatim
    /// (even when no weights were loaded). Nothing changes on error.
    pub fn load_checkpoint(&mut self, cp: &HistogramCheckpoint) -> Result<()> {
        self.hist.load_checkpoint(cp)?;
        self.set_reference(cp.reference_timestamp.map_or(GO_ZERO_TIME_MS, |t| t.0));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lin() -> HistogramOptions {
        HistogramOptions::linear(10.0, 1.0, 1e-15).unwrap()
    }

    #[test]
    fn first_sample_rounds_reference() {
        let mut h = DecayingHistogram::new(lin(), 3_600_000).unwrap();
        h.add_sample(2.0, 1000.0, Timestamp::from_secs(1234567890))
            .unwrap();
        assert_eq!(h.reference(), Timestamp::from_secs(1234569600));
    }

    proptest::proptest! {
        /// Repeated timestamps (served from the decay cache) weigh exactly what a direct
        /// `weight × 2^((t − ref) / halfLife)` into a plain histogram gives.
        #[test]
        fn cached_decay_is_exact(samples in proptest::collection::vec((0u32..4000, 0i64..5, 0u32..3), 1..300)) {
            let o = HistogramOptions::default_cpu();
            let mut h = DecayingHistogram::new(o, 86_400_000).unwrap();
            let mut plain = Histogram::new(o);
            let mut t = 1_700_000_000_000i64;
            let mut reference = None;
            for (m, step, repeat) in samples {
                t += step * 30_000;
                for _ in 0..=repeat {
                    let v = f64::from(m) / 1000.0;
                    h.add_sample(v, 0.1, Timestamp(t)).unwrap();
                    let r = *reference.get_or_insert(h.reference().0);
                    let f = go_exp2(((t - r) * 1_000_000) as f64 / 86_400_000_000_000.0);
                    plain.add_sample(v, 0.1 * f).unwrap();
                }
            }
            proptest::prop_assert_eq!(h.histogram(), &plain);
        }
    }

    #[test]
    fn long_decay_renormalises() {
        let mut h = DecayingHistogram::new(lin(), 3_600_000).unwrap();
        h.add_sample(2.0, 1.0, Timestamp::from_secs(1234567890))
            .unwrap();
        h.add_sample(1.0, 1.0, Timestamp::from_secs(1234931490))
            .unwrap();
        assert_eq!(h.reference(), Timestamp::from_secs(1234933200));
        assert_eq!(h.percentile(1.0), 2.0);
    }
}
