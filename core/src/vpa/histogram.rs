//! Bucketing options and the plain weighted histogram (`recommender/util/histogram.go`).
//!
//! Storage is a dense window over the buckets that were ever touched (`offset..offset+len`),
//! not upstream's dense array of all buckets: the same weights, the same float operations in
//! the same order, hence identical percentiles, at a fraction of the memory.

use super::bucket_index::BucketIndex;
use super::checkpoint::HistogramCheckpoint;
use super::gomath::{go_log, go_pow, round_half_up};
use super::{Result, VpaError};

/// Largest bucket count tidescale accepts (upstream would allocate the dense array).
const MAX_BUCKETS: f64 = 1_048_576.0;

/// `MaxCheckpointWeight`: the heaviest bucket of a checkpoint stores this weight.
pub const MAX_CHECKPOINT_WEIGHT: f64 = 10000.0;

/// How values map to buckets (`HistogramOptions`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum HistogramOptions {
    /// Buckets of equal width (used by upstream tests).
    Linear {
        /// Bucket width.
        bucket_size: f64,
        /// `ceil(max / size) + 1`.
        num_buckets: u32,
        /// Weights below this are treated as zero.
        epsilon: f64,
    },
    /// Bucket n has width `first × ratio^n` (production).
    Exponential {
        /// Width of bucket 0.
        first_bucket_size: f64,
        /// Growth per bucket (> 1).
        ratio: f64,
        /// `ln(ratio)`, cached (Go recomputes the same value).
        ln_ratio: f64,
        /// Number of buckets.
        num_buckets: u32,
        /// Weights below this are treated as zero.
        epsilon: f64,
    },
}

impl HistogramOptions {
    /// `NewLinearHistogramOptions`.
    ///
    /// ```
    /// let o = tidescale::vpa::HistogramOptions::linear(5.0, 0.3, 0.001).unwrap();
    /// assert_eq!(o.num_buckets(), 18);
    /// assert_eq!(o.find_bucket(1.3), 4);
    /// ```
    pub fn linear(max_value: f64, bucket_size: f64, epsilon: f64) -> Result<Self> {
        if !(max_value > 0.0 && bucket_size > 0.0 && epsilon > 0.0 && max_value.is_finite()) {
            return Err(VpaError::InvalidOptions(
                "max value, bucket size and epsilon must be > 0",
            ));
        }
        let n = (max_value / bucket_size).ceil() + 1.0;
        if n.is_nan() || n > MAX_BUCKETS {
            return Err(VpaError::InvalidOptions("too many buckets"));
        }
        Ok(Self::Linear {
            bucket_size,
            num_buckets: n as u32,
            epsilon,
        })
    }

    /// `NewExponentialHistogramOptions`.
    ///
    /// ```
    /// let o = tidescale::vpa::HistogramOptions::exponential(500.0, 40.0, 1.5, 0.001).unwrap();
    /// assert_eq!(o.num_buckets(), 6);
    /// assert_eq!(o.bucket_start(5), 527.5);
    /// ```
    pub fn exponential(max_value: f64, first: f64, ratio: f64, epsilon: f64) -> Result<Self> {
        if !(max_value > 0.0
            && first > 0.0
            && ratio > 1.0
            && epsilon > 0.0
            && max_value.is_finite()
            && ratio.is_finite())
        {
            return Err(VpaError::InvalidOptions(
                "need max value > 0, first bucket > 0, ratio > 1, epsilon > 0",
            ));
        }
        let ln_ratio = go_log(ratio);
        let n = (go_log(max_value * (ratio - 1.0) / first + 1.0) / ln_ratio).ceil() + 1.0;
        if n.is_nan() || n > MAX_BUCKETS {
            return Err(VpaError::InvalidOptions("too many buckets"));
        }
        Ok(Self::Exponential {
            first_bucket_size: first,
            ratio,
            ln_ratio,
            num_buckets: n as u32,
            epsilon,
        })
    }

    /// Production CPU options: 1000 cores, first bucket 0.01, ratio 1.05, epsilon 1e-4.
    pub fn default_cpu() -> Self {
        // Go folds 0.001 * 0.1 at compile time to the double nearest 1e-4.
        Self::exponential(1000.0, 0.01, 1.05, 1e-4).unwrap_or(Self::FALLBACK)
    }

    /// Production memory options: 1e12 bytes, first bucket 1e7, ratio 1.05, epsilon 1e-4.
    pub fn default_memory() -> Self {
        Self::exponential(1e12, 1e7, 1.05, 1e-4).unwrap_or(Self::FALLBACK)
    }

    const FALLBACK: Self = Self::Linear {
        bucket_size: 1.0,
        num_buckets: 1,
        epsilon: 1e-4,
    };

    /// Number of buckets.
    pub fn num_buckets(&self) -> u32 {
        match *self {
            Self::Linear { num_buckets, .. } | Self::Exponential { num_buckets, .. } => num_buckets,
        }
    }

    /// Minimum meaningful weight.
    pub fn epsilon(&self) -> f64 {
        match *self {
            Self::Linear { epsilon, .. } | Self::Exponential { epsilon, .. } => epsilon,
        }
    }

    /// The bucket holding `value` (`FindBucket`), clamped to the valid range.
    #[inline]
    pub fn find_bucket(&self, value: f64) -> u32 {
        let last = self.num_buckets().saturating_sub(1);
        let b = match *self {
            Self::Linear { bucket_size, .. } => value / bucket_size,
            Self::Exponential {
                first_bucket_size,
                ratio,
                ln_ratio,
                ..
            } => {
                if value < first_bucket_size {
                    return 0;
                }
                go_log(value * (ratio - 1.0) / first_bucket_size + 1.0) / ln_ratio
            }
        };
        // Go's int(x) truncates; negative → 0 and beyond the last bucket → last.
        if b >= last as f64 {
            last
        } else if b > 0.0 {
            b as u32
        } else {
            0
        }
    }

    /// Where bucket `b` starts (`GetBucketStart`); `b` beyond the range gives the last start.
    pub fn bucket_start(&self, b: u32) -> f64 {
        let b = b.min(self.num_buckets().saturating_sub(1));
        match *self {
            Self::Linear { bucket_size, .. } => f64::from(b) * bucket_size,
            Self::Exponential {
                first_bucket_size,
                ratio,
                ..
            } => {
                if b == 0 {
                    0.0
                } else {
                    first_bucket_size * (go_pow(ratio, f64::from(b)) - 1.0) / (ratio - 1.0)
                }
            }
        }
    }
}

/// A histogram of weighted samples (upstream `histogram`).
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    options: HistogramOptions,
    total_weight: f64,
    min_bucket: u32,
    max_bucket: u32,
    offset: u32,
    weights: Vec<f64>,
    /// The shared bucket table of the production bucketings (same answers as the formula).
    index: Option<&'static BucketIndex>,
}

impl Histogram {
    /// An empty histogram.
    pub fn new(options: HistogramOptions) -> Self {
        Self {
            options,
            total_weight: 0.0,
            min_bucket: options.num_buckets().saturating_sub(1),
            max_bucket: 0,
            offset: 0,
            weights: Vec::new(),
            index: BucketIndex::for_options(&options),
        }
    }

    /// The bucketing.
    pub fn options(&self) -> &HistogramOptions {
        &self.options
    }

    /// Sum of all weights (including sub-epsilon ones).
    pub fn total_weight(&self) -> f64 {
        self.total_weight
    }

    /// The lowest bucket with weight ≥ epsilon (or the last bucket when empty).
    pub fn min_bucket(&self) -> u32 {
        self.min_bucket
    }

    /// The highest bucket with weight ≥ epsilon (or 0 when empty).
    pub fn max_bucket(&self) -> u32 {
        self.max_bucket
    }

    /// Weight of one bucket.
    #[inline]
    pub fn bucket_weight(&self, b: u32) -> f64 {
        b.checked_sub(self.offset)
            .and_then(|i| self.weights.get(i as usize))
            .copied()
            .unwrap_or(0.0)
    }

    /// Bytes of heap this histogram holds.
    pub fn heap_size(&self) -> usize {
        self.weights.capacity() * size_of::<f64>()
    }

    /// Grows the window to cover bucket `b` and returns its index in `weights`.
    #[inline]
    fn ensure(&mut self, b: u32) -> usize {
        if self.weights.is_empty() {
            self.offset = b;
        }
        if b < self.offset {
            let grow = (self.offset - b) as usize;
            self.weights.splice(0..0, std::iter::repeat_n(0.0, grow));
            self.offset = b;
        }
        let i = (b - self.offset) as usize;
        if i >= self.weights.len() {
            self.weights.resize(i + 1, 0.0);
        }
        i
    }

    /// Applies `f` to bucket `b`'s weight (growing the window) and returns the new weight.
    #[inline]
    fn update(&mut self, b: u32, f: impl FnOnce(f64) -> f64) -> f64 {
        let i = self.ensure(b);
        match self.weights.get_mut(i) {
            Some(w) => {
                *w = f(*w);
                *w
            }
            None => 0.0,
        }
    }

    /// `AddSample(value, weight)`: weight must be ≥ 0 and finite, value finite.
    pub fn add_sample(&mut self, value: f64, weight: f64) -> Result<()> {
        check_sample(value, weight)?;
        self.add_unchecked(value, weight);
        Ok(())
    }

    /// [`HistogramOptions::find_bucket`], through the table when there is one.
    #[inline]
    fn find_bucket(&self, value: f64) -> u32 {
        match self.index {
            Some(index) => index.find_bucket(value),
            None => self.options.find_bucket(value),
        }
    }

    #[inline]
    pub(crate) fn add_unchecked(&mut self, value: f64, weight: f64) {
        let b = self.find_bucket(value);
        self.add_to_bucket(b, weight);
    }

    /// [`Histogram::add_unchecked`] of `millicores / 1000` (a CPU amount as cores, exactly as
    /// `cores_from_cpu_amount` computes it), with the bucket from the millicores table when
    /// there is one.
    #[inline]
    pub(crate) fn add_millicores_unchecked(&mut self, millicores: i64, weight: f64) {
        match self.index.and_then(|i| i.thousandths_bucket(millicores)) {
            Some(b) => self.add_to_bucket(b, weight),
            None => self.add_unchecked(super::resources::cores_from_cpu_amount(millicores), weight),
        }
    }

    #[inline]
    fn add_to_bucket(&mut self, b: u32, weight: f64) {
        let eps = self.options.epsilon();
        // Usually the bucket is inside the window already.
        let w = match b
            .checked_sub(self.offset)
            .and_then(|i| self.weights.get_mut(i as usize))
        {
            Some(w) => {
                *w += weight;
                *w
            }
            None => self.update(b, |w| w + weight),
        };
        self.total_weight += weight;
        if b < self.min_bucket && w >= eps {
            self.min_bucket = b;
        }
        if b > self.max_bucket && w >= eps {
            self.max_bucket = b;
        }
    }

    /// `SubtractSample(value, weight)`: results below epsilon become exactly 0.
    pub fn subtract_sample(&mut self, value: f64, weight: f64) -> Result<()> {
        check_sample(value, weight)?;
        self.subtract_unchecked(value, weight);
        Ok(())
    }

    pub(crate) fn subtract_unchecked(&mut self, value: f64, weight: f64) {
        let b = self.find_bucket(value);
        let eps = self.options.epsilon();
        self.total_weight -= weight;
        if self.total_weight < eps {
            self.total_weight = 0.0;
        }
        self.update(b, |w| if w - weight < eps { 0.0 } else { w - weight });
        self.update_min_max();
    }

    fn update_min_max(&mut self) {
        let last = self.options.num_buckets().saturating_sub(1);
        let eps = self.options.epsilon();
        while self.bucket_weight(self.min_bucket) < eps && self.min_bucket < last {
            self.min_bucket += 1;
        }
        while self.bucket_weight(self.max_bucket) < eps && self.max_bucket > 0 {
            self.max_bucket -= 1;
        }
    }

    /// `IsEmpty`: the minimum bucket holds less than epsilon.
    pub fn is_empty(&self) -> bool {
        self.bucket_weight(self.min_bucket) < self.options.epsilon()
    }

    /// `Percentile(p)`: the END of the bucket where the cumulative weight first reaches
    /// `p × total` (the start of the last bucket if that is the one); 0 when empty.
    ///
    /// ```
    /// use tidescale::vpa::{Histogram, HistogramOptions};
    /// let mut h = Histogram::new(HistogramOptions::linear(10.0, 1.0, 1e-15).unwrap());
    /// for v in 1..=4 { h.add_sample(v as f64, v as f64).unwrap(); }
    /// assert_eq!(h.percentile(0.5), 4.0);
    /// assert_eq!(h.percentile(1.0), 5.0);
    /// ```
    pub fn percentile(&self, p: f64) -> f64 {
        if self.is_empty() {
            return 0.0;
        }
        let threshold = p * self.total_weight;
        let b = match self.scanned_weights() {
            // The first bucket whose running sum reaches the threshold, else the maximum.
            Some(ws) => {
                let mut sum = 0.0;
                let mut b = self.max_bucket;
                for (k, &w) in (0u32..).zip(ws) {
                    sum += w;
                    if sum >= threshold {
                        b = self.min_bucket + k;
                        break;
                    }
                }
                b
            }
            None => self.percentile_bucket_by_lookup(threshold),
        };
        self.bucket_end(b)
    }

    /// The weights of buckets `min..max` (the ones `Percentile` adds up), when they all lie
    /// inside the stored window (always, for a non-empty histogram: min and max hold weight).
    #[inline]
    fn scanned_weights(&self) -> Option<&[f64]> {
        let lo = self.min_bucket.checked_sub(self.offset)? as usize;
        let hi = self.max_bucket.checked_sub(self.offset)? as usize;
        self.weights.get(lo..hi)
    }

    /// Upstream's loop verbatim, one bucket lookup per step (buckets outside the window
    /// weigh 0): what [`Histogram::percentile`] does when [`Self::scanned_weights`] is `None`,
    /// and the reference its slice scan is tested against.
    fn percentile_bucket_by_lookup(&self, threshold: f64) -> u32 {
        let mut sum = 0.0;
        let mut b = self.min_bucket;
        while b < self.max_bucket {
            sum += self.bucket_weight(b);
            if sum >= threshold {
                break;
            }
            b += 1;
        }
        b
    }

    /// `Percentile`'s answer for bucket `b`: its end, or the start of the last bucket.
    #[inline]
    fn bucket_end(&self, b: u32) -> f64 {
        let end = if b < self.options.num_buckets().saturating_sub(1) {
            b + 1
        } else {
            b
        };
        match self.index {
            Some(index) => index.bucket_start(end),
            None => self.options.bucket_start(end),
        }
    }

    /// Several percentiles in one pass over the cumulative weights: the same values as
    /// [`Histogram::percentile`] for each (the running sum is the same sequence of additions).
    ///
    /// ```
    /// use tidescale::vpa::{Histogram, HistogramOptions};
    /// let mut h = Histogram::new(HistogramOptions::linear(10.0, 1.0, 1e-15).unwrap());
    /// for v in 1..=4 { h.add_sample(v as f64, v as f64).unwrap(); }
    /// assert_eq!(h.percentiles([1.0, 0.5, 0.1]), [5.0, 4.0, 2.0]);
    /// ```
    pub fn percentiles<const N: usize>(&self, ps: [f64; N]) -> [f64; N] {
        if self.is_empty() {
            return [0.0; N];
        }
        // (threshold, which percentile), ascending; NaN (never reached) last.
        let mut order = ps.map(|p| p * self.total_weight);
        let mut which: [usize; N] = std::array::from_fn(|i| i);
        // Insertion sort (N is 3 for a container): by threshold, NaN last, stable.
        let after = |x: f64, y: f64| (x.is_nan() && !y.is_nan()) || x > y;
        for i in 1..N {
            let mut j = i;
            while j > 0 {
                let (Some(&x), Some(&y)) = (order.get(j - 1), order.get(j)) else {
                    break;
                };
                if !after(x, y) {
                    break;
                }
                order.swap(j - 1, j);
                which.swap(j - 1, j);
                j -= 1;
            }
        }
        let mut found = [self.max_bucket; N];
        match self.scanned_weights() {
            Some(ws) => {
                // `next` thresholds are reached; each one is tested at every bucket until it
                // is, as in `percentile` (a larger one cannot be reached before a smaller one).
                let mut next = 0;
                let mut sum = 0.0;
                for (k, &w) in (0u32..).zip(ws) {
                    sum += w;
                    while let (Some(&threshold), Some(&i)) = (order.get(next), which.get(next)) {
                        if !matches!(
                            sum.partial_cmp(&threshold),
                            Some(std::cmp::Ordering::Greater | std::cmp::Ordering::Equal)
                        ) {
                            break;
                        }
                        if let Some(slot) = found.get_mut(i) {
                            *slot = self.min_bucket + k;
                        }
                        next += 1;
                    }
                    if next >= N {
                        break;
                    }
                }
            }
            // Upstream's loop, once per percentile.
            None => {
                for (&threshold, &i) in order.iter().zip(&which) {
                    if let Some(slot) = found.get_mut(i) {
                        *slot = self.percentile_bucket_by_lookup(threshold);
                    }
                }
            }
        }
        found.map(|b| self.bucket_end(b))
    }

    /// `Merge(other)`: adds the other's buckets `min..=max` and its total.
    pub fn merge(&mut self, other: &Self) -> Result<()> {
        if self.options != other.options {
            return Err(VpaError::Incompatible("histogram options differ"));
        }
        for b in other.min_bucket..=other.max_bucket {
            let w = other.bucket_weight(b);
            self.update(b, |x| x + w);
        }
        self.total_weight += other.total_weight;
        self.min_bucket = self.min_bucket.min(other.min_bucket);
        self.max_bucket = self.max_bucket.max(other.max_bucket);
        Ok(())
    }

    /// Upstream's test `Equals`: same options, same min/max, weights within 1e-15.
    pub fn equals(&self, other: &Self) -> bool {
        self.options == other.options
            && self.min_bucket == other.min_bucket
            && self.max_bucket == other.max_bucket
            && (self.min_bucket..=self.max_bucket)
                .all(|b| (self.bucket_weight(b) - other.bucket_weight(b)).abs() <= 1e-15)
    }

    /// Multiplies the weights in `min..=max` and the total by `factor` (≥ 0), then recomputes
    /// min/max.
    pub(crate) fn scale(&mut self, factor: f64) {
        let factor = factor.max(0.0);
        if self.min_bucket <= self.max_bucket {
            for b in self.min_bucket..=self.max_bucket {
                if let Some(w) = b
                    .checked_sub(self.offset)
                    .and_then(|i| self.weights.get_mut(i as usize))
                {
                    *w *= factor;
                }
            }
        }
        self.total_weight *= factor;
        self.update_min_max();
    }

    /// `SaveToChekpoint`: weights scaled so the heaviest is 10000, rounded half up, zeros
    /// dropped; the exact total is kept.
    pub fn save_checkpoint(&self) -> HistogramCheckpoint {
        let mut cp = HistogramCheckpoint {
            total_weight: self.total_weight,
            ..HistogramCheckpoint::default()
        };
        if self.min_bucket > self.max_bucket {
            return cp;
        }
        let max = (self.min_bucket..=self.max_bucket)
            .map(|b| self.bucket_weight(b))
            .fold(0.0, f64::max);
        let ratio = MAX_CHECKPOINT_WEIGHT / max;
        for b in self.min_bucket..=self.max_bucket {
            let w = round_half_up(self.bucket_weight(b) * ratio);
            // Go converts through int → uint32; NaN (empty) and non-positive give nothing.
            if w >= 1.0 {
                let w = if w >= u32::MAX as f64 {
                    u32::MAX
                } else {
                    w as u32
                };
                cp.bucket_weights.insert(i64::from(b), w);
            }
        }
        cp
    }

    /// `LoadFromCheckpoint`: adds the checkpoint's weights (rescaled to its total) to this
    /// histogram. Nothing is changed when an error is returned.
    pub fn load_checkpoint(&mut self, cp: &HistogramCheckpoint) -> Result<()> {
        if cp.total_weight.is_nan() || cp.total_weight < 0.0 || cp.total_weight.is_infinite() {
            return Err(VpaError::Checkpoint(format!(
                "invalid total weight {}",
                cp.total_weight
            )));
        }
        let n = i64::from(self.options.num_buckets());
        let mut sum: i64 = 0;
        for (&b, &w) in &cp.bucket_weights {
            if b < 0 || b >= n {
                return Err(VpaError::Checkpoint(format!(
                    "bucket {b} out of range 0..{n}"
                )));
            }
            sum += i64::from(w);
        }
        if sum == 0 {
            return Ok(());
        }
        let ratio = cp.total_weight / sum as f64;
        for (&b, &w) in &cp.bucket_weights {
            let b = b as u32; // checked above: 0 <= b < n <= u32::MAX
            self.min_bucket = self.min_bucket.min(b);
            self.max_bucket = self.max_bucket.max(b);
            self.update(b, |x| x + f64::from(w) * ratio);
        }
        self.total_weight += cp.total_weight;
        // kubernetes/autoscaler#7726: recompute min/max with the epsilon rule.
        self.update_min_max();
        Ok(())
    }
}

pub(crate) fn check_sample(value: f64, weight: f64) -> Result<()> {
    if !value.is_finite() {
        return Err(VpaError::InvalidValue {
            field: "value",
            value,
        });
    }
    super::check_non_negative("weight", weight).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lin() -> HistogramOptions {
        HistogramOptions::linear(10.0, 1.0, 1e-15).unwrap()
    }

    proptest::proptest! {
        /// One pass gives exactly what one `percentile` call per value gives, whatever the
        /// samples (adds and subtracts, default CPU buckets) and the percentiles (any order,
        /// duplicates, outside [0, 1], NaN).
        #[test]
        fn percentiles_in_one_pass_are_percentile(
            ops in proptest::collection::vec((0.0f64..20.0, 0.01f64..5.0, proptest::bool::weighted(0.2)), 0..200),
            ps in proptest::array::uniform3(proptest::prop_oneof![
                0.0f64..1.0, proptest::strategy::Just(0.5), proptest::strategy::Just(1.0),
                proptest::strategy::Just(f64::NAN), -0.5f64..1.5]),
        ) {
            let mut h = Histogram::new(HistogramOptions::default_cpu());
            for (v, w, sub) in ops {
                if sub { h.subtract_unchecked(v, w) } else { h.add_unchecked(v, w) }
            }
            let one_pass = h.percentiles(ps);
            let each = ps.map(|p| h.percentile(p));
            proptest::prop_assert_eq!(one_pass.map(f64::to_bits), each.map(f64::to_bits));
        }
    }

    proptest::proptest! {
        /// The slice scan of `percentile` stops at the bucket upstream's loop (one lookup per
        /// bucket) stops at, for any samples and any threshold, and the millicores path puts a
        /// CPU sample where `add_unchecked` of its cores does.
        #[test]
        fn slice_scan_is_upstream_loop(
            ops in proptest::collection::vec((0i64..12_000, 0.01f64..5.0, proptest::bool::weighted(0.2)), 1..200),
            p in proptest::prop_oneof![0.0f64..1.0, proptest::strategy::Just(1.0), -0.5f64..1.5],
        ) {
            let mut h = Histogram::new(HistogramOptions::default_cpu());
            let mut by_value = h.clone();
            for (m, w, sub) in ops {
                let v = super::super::resources::cores_from_cpu_amount(m);
                if sub {
                    h.subtract_unchecked(v, w);
                    by_value.subtract_unchecked(v, w);
                } else {
                    h.add_millicores_unchecked(m, w);
                    by_value.add_unchecked(v, w);
                }
            }
            proptest::prop_assert_eq!(&h, &by_value);
            if !h.is_empty() {
                let t = p * h.total_weight();
                let want = h.bucket_end(h.percentile_bucket_by_lookup(t));
                proptest::prop_assert_eq!(h.percentile(p).to_bits(), want.to_bits());
            }
        }
    }

    #[test]
    fn default_bucketing() {
        let cpu = HistogramOptions::default_cpu();
        assert_eq!(cpu.num_buckets(), 176);
        assert_eq!(cpu.find_bucket(0.25), 16);
        assert_eq!(cpu.bucket_start(17), 0.2584036635602064);
        let mem = HistogramOptions::default_memory();
        assert_eq!(mem.find_bucket(1e7), 1);
    }

    #[test]
    fn subtract_zeroes_below_epsilon() {
        let mut h = Histogram::new(lin());
        h.add_sample(0.1, 2.5e-15).unwrap();
        h.subtract_sample(0.1, 1e-15).unwrap();
        assert!(!h.is_empty());
        h.subtract_sample(0.1, 1e-15).unwrap();
        assert!(h.is_empty());
        assert_eq!(h.total_weight(), 0.0);
    }

    #[test]
    fn checkpoint_round_trip() {
        let mut h = Histogram::new(lin());
        h.add_sample(1.0, 1.0).unwrap();
        h.add_sample(2.0, 100000.0).unwrap();
        let cp = h.save_checkpoint();
        assert_eq!(cp.bucket_weights.len(), 1);
        assert_eq!(cp.bucket_weights.get(&2), Some(&10000));
        let mut g = Histogram::new(lin());
        g.load_checkpoint(&cp).unwrap();
        assert_eq!(g.total_weight(), 100001.0);
        assert_eq!(g.percentile(0.5), 3.0);
    }

    #[test]
    fn rejects_bad_samples_without_change() {
        let mut h = Histogram::new(lin());
        h.add_sample(1.0, 1.0).unwrap();
        let before = h.clone();
        assert!(h.add_sample(f64::NAN, 1.0).is_err());
        assert!(h.add_sample(1.0, -1.0).is_err());
        assert!(h.add_sample(1.0, f64::INFINITY).is_err());
        assert_eq!(h, before);
    }

    #[test]
    fn sparse_window_is_small() {
        let mut h = Histogram::new(HistogramOptions::default_cpu());
        for i in 0..1000 {
            h.add_sample(0.2 + (i % 10) as f64 * 0.01, 0.1).unwrap();
        }
        assert!(h.heap_size() <= 16 * 8, "{}", h.heap_size());
    }
}
