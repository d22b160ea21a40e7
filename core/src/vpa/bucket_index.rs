//! A table lookup that returns exactly what [`HistogramOptions::find_bucket`] returns for the
//! production exponential bucketings, without the logarithm.
//!
//! Go's formula `floor(ln(v·(ratio−1)/first + 1) / ln(ratio))` is evaluated in floating point,
//! so right at a bucket start it may land on either side. The table therefore answers only
//! for values more than [`GUARD`] (relative) away from every bucket start; anything closer,
//! and anything odd (NaN, below the first bucket), goes to the formula itself. Away from the
//! starts the formula is exact: its rounding error is below 1e-12 of a bucket, while a
//! relative distance of 1e-9 from a start is ≥ 0.97e-9 of a bucket (for ratio 1.05, values
//! at least `first`). The table is also checked against the formula when it is built.
//!
//! Lookup: the top bits of the value's IEEE representation (exponent and [`MANTISSA_BITS`]
//! mantissa bits) form a monotone cell number; each cell spans less than one bucket, so it
//! holds at most one bucket start (`split`).

use std::sync::LazyLock;

use super::histogram::HistogramOptions;

/// Relative distance from a bucket start under which the formula decides.
const GUARD: f64 = 1e-9;
/// Mantissa bits in the cell number: cells are at most 2^-5 ≈ 3.1 % wide (buckets ≥ 5 %).
const MANTISSA_BITS: u32 = 5;
const SHIFT: u32 = 52 - MANTISSA_BITS;
/// Upper bound on the table size (cells).
const MAX_CELLS: u64 = 1 << 14;
/// Integers `m` below this have their bucket of `m / 1000` in a direct table (CPU millicores:
/// up to 8 cores, one byte each).
const THOUSANDTHS: usize = 1 << 13;

/// One cell of the value axis: its lowest bucket and the next bucket start.
#[derive(Debug, Clone, Copy)]
struct Cell {
    /// Bucket of the cell's lowest value.
    bucket: u32,
    /// Start of `bucket + 1` (the only start inside the cell, if any).
    split: f64,
}

/// The lookup table of one exponential bucketing.
pub(crate) struct BucketIndex {
    options: HistogramOptions,
    first: f64,
    /// Values at or above this are in the last bucket (beyond its start's guard).
    top: f64,
    last: u32,
    base: u64,
    cells: Vec<Cell>,
    /// `bucket_start(b)` for every bucket, as the options compute it.
    starts: Vec<f64>,
    /// Per bucket: `[start·(1+GUARD), next start·(1−GUARD))`, where the table is trusted.
    safe: Vec<(f64, f64)>,
    /// `options.find_bucket(m as f64 / 1000.0)` for `m` in `0..THOUSANDTHS` (empty when a
    /// bucket number does not fit a byte): a CPU sample's bucket from its millicores, without
    /// the division or the lookup above.
    thousandths: Vec<u8>,
}

/// A table is a function of its options: equal options, equal tables.
impl PartialEq for BucketIndex {
    fn eq(&self, other: &Self) -> bool {
        self.options == other.options
    }
}

impl std::fmt::Debug for BucketIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BucketIndex({} cells)", self.cells.len())
    }
}

static CPU: LazyLock<Option<BucketIndex>> =
    LazyLock::new(|| BucketIndex::build(HistogramOptions::default_cpu()));
static MEMORY: LazyLock<Option<BucketIndex>> =
    LazyLock::new(|| BucketIndex::build(HistogramOptions::default_memory()));

impl BucketIndex {
    /// The shared table for `options` (the production CPU and memory bucketings), if any.
    pub(crate) fn for_options(options: &HistogramOptions) -> Option<&'static Self> {
        [&*CPU, &*MEMORY]
            .into_iter()
            .flatten()
            .find(|i| i.options == *options)
    }

    /// Builds the table, or `None` if the bucketing does not suit it (linear, buckets narrower
    /// than a cell, too many cells) or the table disagrees with the formula anywhere checked.
    pub(crate) fn build(options: HistogramOptions) -> Option<Self> {
        let HistogramOptions::Exponential {
            first_bucket_size: first,
            ratio,
            ..
        } = options
        else {
            return None;
        };
        if ratio < 1.0 + 1.0 / f64::from(1u32 << MANTISSA_BITS)
            || !first.is_finite()
            || first <= 0.0
        {
            return None;
        }
        let last = options.num_buckets().checked_sub(1)?;
        let starts: Vec<f64> = (0..=last).map(|b| options.bucket_start(b)).collect();
        let start = |b: u32| starts.get(b as usize).copied().unwrap_or(f64::INFINITY);
        let top = start(last) * (1.0 + GUARD);
        let base = first.to_bits() >> SHIFT;
        let n = (top.to_bits() >> SHIFT).checked_sub(base)?.checked_add(1)?;
        if !top.is_finite() || n > MAX_CELLS {
            return None;
        }
        let mut cells = Vec::with_capacity(n as usize);
        let mut bucket = 0u32;
        for c in 0..n {
            let lo = f64::from_bits((base + c) << SHIFT);
            let hi = f64::from_bits((base + c + 1) << SHIFT);
            while bucket < last && start(bucket + 1) <= lo {
                bucket += 1;
            }
            // At most one bucket start inside a cell.
            if start(bucket + 2) < hi {
                return None;
            }
            cells.push(Cell {
                bucket,
                split: start(bucket + 1),
            });
        }
        let safe = (0..=last)
            .map(|b| (start(b) * (1.0 + GUARD), start(b + 1) * (1.0 - GUARD)))
            .collect();
        // Each entry is the formula's own answer (computed once, when the table is built).
        let thousandths = if last <= u32::from(u8::MAX) {
            (0..THOUSANDTHS)
                .map(|m| options.find_bucket(m as f64 / 1000.0) as u8)
                .collect()
        } else {
            Vec::new()
        };
        let index = Self {
            options,
            first,
            top,
            last,
            base,
            cells,
            starts,
            safe,
            thousandths,
        };
        index.self_check().then_some(index)
    }

    /// The bucket of `value`, as [`HistogramOptions::find_bucket`] computes it.
    #[inline]
    pub(crate) fn find_bucket(&self, value: f64) -> u32 {
        if value >= self.top {
            return self.last;
        }
        if value >= self.first {
            let c = (value.to_bits() >> SHIFT).wrapping_sub(self.base);
            if let Some(cell) = self.cells.get(c as usize) {
                let b = cell.bucket + u32::from(value >= cell.split);
                if let Some(&(lo, hi)) = self.safe.get(b as usize)
                    && value >= lo
                    && value < hi
                {
                    return b;
                }
            }
        }
        self.options.find_bucket(value)
    }

    /// The bucket of `m as f64 / 1000.0` (a CPU amount in millicores, as cores) when `m` is in
    /// the direct table; `None` otherwise (the caller divides and uses [`Self::find_bucket`]).
    #[inline]
    pub(crate) fn thousandths_bucket(&self, m: i64) -> Option<u32> {
        usize::try_from(m)
            .ok()
            .and_then(|i| self.thousandths.get(i))
            .map(|&b| u32::from(b))
    }

    /// [`HistogramOptions::bucket_start`] (the same value, from the table).
    #[inline]
    pub(crate) fn bucket_start(&self, b: u32) -> f64 {
        match self.starts.get(b as usize) {
            Some(&s) => s,
            None => self.options.bucket_start(b),
        }
    }

    /// The table agrees with the formula at both ends of every trusted range and at points
    /// inside it.
    fn self_check(&self) -> bool {
        self.safe.iter().enumerate().all(|(b, &(lo, hi))| {
            let b = b as u32;
            let lo = lo.max(self.first);
            let hi = if hi.is_finite() { hi } else { self.top };
            let below_hi = f64::from_bits(hi.to_bits().saturating_sub(1));
            lo >= hi
                || [lo, below_hi, (lo + hi) / 2.0, lo + (hi - lo) / 3.0]
                    .into_iter()
                    .all(|v| self.find_bucket(v) == b && self.options.find_bucket(v) == b)
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn both() -> [(&'static BucketIndex, HistogramOptions); 2] {
        [
            HistogramOptions::default_cpu(),
            HistogramOptions::default_memory(),
        ]
        .map(|o| (BucketIndex::for_options(&o).unwrap(), o))
    }

    /// Values at, around and between every bucket start, and the odd ones.
    fn probes(o: &HistogramOptions) -> Vec<f64> {
        let mut v = vec![
            0.0,
            -0.0,
            -1.0,
            f64::MIN_POSITIVE,
            5e-324,
            1e-300,
            f64::MAX,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ];
        for b in 0..=o.num_buckets() {
            let s = o.bucket_start(b);
            let up = |x: f64, k: u64| f64::from_bits(x.to_bits() + k);
            let down = |x: f64, k: u64| f64::from_bits(x.to_bits().saturating_sub(k));
            for k in 0..64 {
                v.extend([up(s, k), down(s, k)]);
            }
            for r in [1e-15, 1e-12, 1e-10, 1e-9, 2e-9, 1e-6, 1e-3, 0.02] {
                v.extend([s * (1.0 + r), s * (1.0 - r)]);
            }
            for g in [GUARD, -GUARD] {
                let x = s * (1.0 + g);
                v.extend([up(x, 1), x, down(x, 1)]);
            }
        }
        v
    }

    #[test]
    fn defaults_have_tables() {
        for (i, o) in both() {
            assert_eq!(i.last, 175);
            assert!(i.cells.len() < 600, "{}", i.cells.len());
            assert_eq!(i.options, o);
        }
        assert!(
            BucketIndex::for_options(&HistogramOptions::linear(5.0, 0.3, 1e-3).unwrap()).is_none()
        );
        let other = HistogramOptions::exponential(500.0, 40.0, 1.5, 0.001).unwrap();
        assert!(BucketIndex::for_options(&other).is_none());
        assert!(BucketIndex::build(other).is_some());
        let fine = HistogramOptions::exponential(500.0, 40.0, 1.01, 0.001).unwrap();
        assert!(BucketIndex::build(fine).is_none());
    }

    #[test]
    fn equals_formula_at_every_bucket_start() {
        for (i, o) in both() {
            for b in 0..=o.num_buckets() + 2 {
                assert_eq!(i.bucket_start(b).to_bits(), o.bucket_start(b).to_bits());
            }
            for v in probes(&o) {
                assert_eq!(i.find_bucket(v), o.find_bucket(v), "{v:e}");
            }
        }
    }

    /// Every entry of the millicores table is the formula's bucket of `m / 1000` (the value
    /// `cores_from_cpu_amount` gives), and the table covers 8 cores for both bucketings.
    #[test]
    fn thousandths_table_is_formula() {
        for (i, o) in both() {
            assert_eq!(i.thousandths.len(), THOUSANDTHS);
            for m in 0..THOUSANDTHS as i64 {
                let v = crate::vpa::resources::cores_from_cpu_amount(m);
                assert_eq!(i.thousandths_bucket(m), Some(o.find_bucket(v)), "{m}");
            }
            assert_eq!(i.thousandths_bucket(-1), None);
            assert_eq!(i.thousandths_bucket(THOUSANDTHS as i64), None);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        /// Any finite or infinite double (uniform over bit patterns).
        #[test]
        fn equals_formula_on_any_bits(bits in any::<u64>()) {
            let v = f64::from_bits(bits);
            for (i, o) in both() {
                prop_assert_eq!(i.find_bucket(v), o.find_bucket(v), "{:e}", v);
            }
        }

        /// Values spread log-uniformly over the whole bucketed range and beyond.
        #[test]
        fn equals_formula_over_the_range(e in -6.0f64..14.0, scale in 0u32..2) {
            let v = 10f64.powf(e) * if scale == 0 { 1.0 } else { 1e-7 };
            for (i, o) in both() {
                prop_assert_eq!(i.find_bucket(v), o.find_bucket(v), "{:e}", v);
            }
        }

        /// Values within a few hundred ulps or a tiny relative distance of a bucket start.
        #[test]
        fn equals_formula_near_starts(b in 0u32..177, ulps in -300i64..300, rel in -1e-8f64..1e-8) {
            for (i, o) in both() {
                let s = o.bucket_start(b);
                let x = f64::from_bits(s.to_bits().saturating_add_signed(ulps));
                for v in [x, s * (1.0 + rel)] {
                    prop_assert_eq!(i.find_bucket(v), o.find_bucket(v), "{:e}", v);
                }
            }
        }
    }
}
