//! `histogram_quantile` over classic histograms (`_bucket` series with an `le` label), exactly
//! as Prometheus 3.x `BucketQuantile` (promql/quantile.go):
//!
//! - no buckets at all → no result, whatever `q` is (NaN included): the server evaluates
//!   `histogram_quantile` per bucket series it finds, so an empty selection has no output
//!   sample (the same rule as `rate` over too few samples and `sum` over nothing);
//! - `q < 0` → −Inf, `q > 1` → +Inf, `q` NaN → NaN;
//! - buckets are sorted by upper bound; the highest must be +Inf, else NaN;
//! - buckets with equal bounds (`le="0.2"` and `le="2e-1"`) are coalesced by adding counts;
//! - counts are made monotonic: differences within a relative 1e-12 are snapped to the
//!   previous count, any remaining decrease is replaced by the previous count;
//! - fewer than two buckets, or zero observations → NaN;
//! - the rank `q × total` is located by binary search; in the +Inf bucket the result is the
//!   second-highest bound; in the lowest bucket with a bound ≤ 0 it is that bound; otherwise
//!   linear interpolation (from 0 in the lowest bucket when its bound is > 0).

use std::cmp::Ordering;
use std::collections::BTreeMap;

use super::PromError;
use super::aggregate::Series;

/// One classic histogram bucket: the cumulative count of observations ≤ `upper_bound`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    /// The `le` bound (+Inf for the last bucket).
    pub upper_bound: f64,
    /// Cumulative count (or rate of counts).
    pub count: f64,
}

impl Bucket {
    /// A bucket from its bound and count.
    pub const fn new(upper_bound: f64, count: f64) -> Self {
        Self { upper_bound, count }
    }
}

/// Prometheus' tolerance for floating-point noise between bucket counts (quantile.go
/// `smallDeltaTolerance`).
const SMALL_DELTA_TOLERANCE: f64 = 1e-12;

/// Parses an `le` label as Go's `strconv.ParseFloat` does for the spellings exporters use:
/// `"0.1"`, `".2"`, `"1e0"`, `"+Inf"`, `"+inf"`. A NaN bound is rejected.
///
/// ```
/// use tidescale::prom::parse_le;
/// assert_eq!(parse_le("2.0e-1")?, 0.2);
/// assert_eq!(parse_le("+Inf")?, f64::INFINITY);
/// assert!(parse_le("fast").is_err());
/// assert!(parse_le("NaN").is_err());
/// # Ok::<(), tidescale::prom::PromError>(())
/// ```
pub fn parse_le(le: &str) -> Result<f64, PromError> {
    // Rust's float grammar accepts what Go's ParseFloat accepts for decimal input, including
    // "inf"/"infinity" in any case; Go additionally accepts hex floats and '_' separators.
    match le.parse::<f64>() {
        Ok(v) if v.is_nan() => Err(PromError::NanBucketBound),
        Ok(v) => Ok(v),
        Err(_) => Err(PromError::InvalidLe(le.to_owned())),
    }
}

/// Go's `sort.Search(n, f)`: the smallest index in `[0, n)` where `f` is true (binary search,
/// same probe order, so NaN counts behave as in Prometheus).
fn go_search(n: usize, f: impl Fn(usize) -> bool) -> usize {
    let (mut i, mut j) = (0usize, n);
    while i < j {
        let h = i + (j - i) / 2;
        if f(h) {
            j = h;
        } else {
            i = h + 1;
        }
    }
    i
}

/// Prometheus `almost.Equal`.
fn almost_equal(a: f64, b: f64, epsilon: f64) -> bool {
    if a.is_nan() && b.is_nan() {
        return true;
    }
    if a == b {
        return true;
    }
    let abs_sum = a.abs() + b.abs();
    let diff = (a - b).abs();
    if a == 0.0 || b == 0.0 || abs_sum < f64::MIN_POSITIVE {
        return diff < epsilon * f64::MIN_POSITIVE;
    }
    diff / abs_sum.min(f64::MAX) < epsilon
}

/// `histogram_quantile(q, buckets)` for one classic histogram.
///
/// Returns what Prometheus returns, including NaN and ±Inf; a NaN bucket bound (which
/// Prometheus does not expect and would sort arbitrarily) is a [`PromError::NanBucketBound`].
/// An empty bucket list gives `None` for every `q`, NaN included: Prometheus has no series to
/// evaluate then, so no output sample (a single bucket still gives NaN, as the server does).
///
/// ```
/// use tidescale::prom::{Bucket, histogram_quantile};
/// let b = [Bucket::new(0.1, 50.0), Bucket::new(0.2, 70.0), Bucket::new(1.0, 110.0), Bucket::new(f64::INFINITY, 120.0)];
/// // rank 0.2 × 120 = 24 falls in the lowest bucket: 0 + 0.1 × 24/50.
/// assert_eq!(histogram_quantile(0.2, &b)?, Some(0.048));
/// // rank 0.99 × 120 lands in +Inf: the second-highest bound.
/// assert_eq!(histogram_quantile(0.99, &b)?, Some(1.0));
/// assert_eq!(histogram_quantile(-0.1, &b)?, Some(f64::NEG_INFINITY));
/// // no buckets: no result, even for q = NaN or q out of [0, 1]
/// assert_eq!(histogram_quantile(f64::NAN, &[])?, None);
/// # Ok::<(), tidescale::prom::PromError>(())
/// ```
pub fn histogram_quantile(q: f64, buckets: &[Bucket]) -> Result<Option<f64>, PromError> {
    if buckets.is_empty() {
        return Ok(None);
    }
    if buckets.iter().any(|b| b.upper_bound.is_nan()) {
        return Err(PromError::NanBucketBound);
    }
    bucket_quantile(q, buckets).map(Some)
}

/// `BucketQuantile` for a non-empty bucket list.
fn bucket_quantile(q: f64, buckets: &[Bucket]) -> Result<f64, PromError> {
    if q.is_nan() {
        return Ok(f64::NAN);
    }
    if q < 0.0 {
        return Ok(f64::NEG_INFINITY);
    }
    if q > 1.0 {
        return Ok(f64::INFINITY);
    }
    // Up to 32 buckets on the stack, more on the heap.
    let mut stack = [Bucket::new(0.0, 0.0); 32];
    let mut heap;
    let work: &mut [Bucket] = if let Some(dst) = stack.get_mut(..buckets.len()) {
        dst.copy_from_slice(buckets);
        dst
    } else {
        heap = buckets.to_vec();
        &mut heap
    };
    Ok(quantile_in_place(q, work))
}

/// The body of `BucketQuantile` after the `q` checks; sorts and rewrites `b`.
fn quantile_in_place(q: f64, b: &mut [Bucket]) -> f64 {
    if !b.is_sorted_by(|x, y| x.upper_bound <= y.upper_bound) {
        b.sort_by(|x, y| {
            x.upper_bound
                .partial_cmp(&y.upper_bound)
                .unwrap_or(Ordering::Equal)
        });
    }
    match b.last() {
        Some(last) if last.upper_bound == f64::INFINITY => {}
        _ => return f64::NAN,
    }
    let n = coalesce(b);
    let b = b.get_mut(..n).unwrap_or_default();
    ensure_monotonic(b);
    let (Some(last), Some(second)) = (b.last(), b.len().checked_sub(2).and_then(|i| b.get(i)))
    else {
        return f64::NAN; // fewer than two buckets
    };
    let observations = last.count;
    if observations == 0.0 {
        return f64::NAN;
    }
    let mut rank = q * observations;
    let i = go_search(b.len() - 1, |i| b.get(i).is_some_and(|x| x.count >= rank));
    if i == b.len() - 1 {
        return second.upper_bound;
    }
    let Some(&hit) = b.get(i) else {
        return f64::NAN;
    };
    if i == 0 && hit.upper_bound <= 0.0 {
        return hit.upper_bound;
    }
    let (mut start, end, mut count) = (0.0, hit.upper_bound, hit.count);
    if let Some(prev) = i.checked_sub(1).and_then(|p| b.get(p)) {
        start = prev.upper_bound;
        count -= prev.count;
        rank -= prev.count;
    }
    start + (end - start) * (rank / count)
}

/// Merges adjacent buckets with equal bounds (input sorted), adding counts; returns the new
/// length.
fn coalesce(b: &mut [Bucket]) -> usize {
    let mut out = 0usize;
    for i in 1..b.len() {
        let (Some(&cur), Some(&last)) = (b.get(i), b.get(out)) else {
            break;
        };
        if cur.upper_bound == last.upper_bound {
            if let Some(l) = b.get_mut(out) {
                l.count += cur.count;
            }
        } else {
            out += 1;
            if let Some(slot) = b.get_mut(out) {
                *slot = cur;
            }
        }
    }
    if b.is_empty() { 0 } else { out + 1 }
}

/// `ensureMonotonicAndIgnoreSmallDeltas`: snaps relative differences within 1e-12 to the
/// previous count, then replaces decreases by the previous count. `prev` is only moved by
/// accepted increases. Returns (forced monotonic, fixed precision).
fn ensure_monotonic(b: &mut [Bucket]) -> (bool, bool) {
    let (mut forced, mut fixed) = (false, false);
    let Some(mut prev) = b.first().map(|x| x.count) else {
        return (forced, fixed);
    };
    for x in b.iter_mut().skip(1) {
        let cur = x.count;
        if cur == prev {
            continue;
        }
        if almost_equal(prev, cur, SMALL_DELTA_TOLERANCE) {
            x.count = prev;
            fixed = true;
            continue;
        }
        if cur < prev {
            x.count = prev;
            forced = true;
            continue;
        }
        prev = cur;
    }
    (forced, fixed)
}

/// `histogram_quantile(q, v)` over an instant vector of bucket series (each with an `le`
/// label): one output series per label set without `le` and `__name__`, sorted by labels.
///
/// A missing or unparsable `le` is a [`PromError::InvalidLe`] (Prometheus drops such a series
/// with a warning; an autoscaler should not silently compute on a partial histogram).
///
/// ```
/// use std::collections::BTreeMap;
/// use tidescale::prom::{Series, histogram_quantile_vector};
/// let s = |pod: &str, le: &str, v: f64| Series::new([("pod", pod), ("le", le)], v);
/// let v = [s("a", "0.1", 1.0), s("a", "+Inf", 2.0), s("b", "0.1", 0.0), s("b", "+Inf", 0.0)];
/// let out = histogram_quantile_vector(0.5, &v)?;
/// assert_eq!(out.len(), 2);
/// assert_eq!(out[0].labels, BTreeMap::from([("pod".to_owned(), "a".to_owned())]));
/// assert!((out[0].value - 0.1).abs() < 1e-12);
/// assert!(out[1].value.is_nan()); // no observations
/// # Ok::<(), tidescale::prom::PromError>(())
/// ```
pub fn histogram_quantile_vector(q: f64, vector: &[Series]) -> Result<Vec<Series>, PromError> {
    let mut groups: BTreeMap<BTreeMap<String, String>, Vec<Bucket>> = BTreeMap::new();
    for s in vector {
        let le = s
            .labels
            .get("le")
            .ok_or_else(|| PromError::InvalidLe(String::new()))?;
        let bound = parse_le(le)?;
        let key: BTreeMap<String, String> = s
            .labels
            .iter()
            .filter(|(k, _)| k.as_str() != "le" && k.as_str() != "__name__")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        groups
            .entry(key)
            .or_default()
            .push(Bucket::new(bound, s.value));
    }
    groups
        .into_iter()
        .filter_map(|(labels, buckets)| {
            // Every group holds at least the bucket that created it.
            histogram_quantile(q, &buckets)
                .map(|v| v.map(|value| Series { labels, value }))
                .transpose()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of a non-empty histogram.
    fn q(q: f64, b: &[Bucket]) -> f64 {
        histogram_quantile(q, b)
            .unwrap()
            .expect("a non-empty histogram has a value")
    }

    fn h(pairs: &[(&str, f64)]) -> Vec<Bucket> {
        pairs
            .iter()
            .map(|&(le, c)| Bucket::new(parse_le(le).unwrap(), c))
            .collect()
    }

    #[test]
    fn negative_lowest_bucket_returns_its_bound() {
        let b = h(&[
            ("-.25", 0.0),
            ("-.2", 10.0),
            ("-0.1", 20.0),
            ("0.3", 20.0),
            ("+Inf", 20.0),
        ]);
        assert_eq!(q(0.0, &b), -0.25);
        assert!((q(0.25, &b) - -0.225).abs() < 1e-12);
    }

    #[test]
    fn nonmonotonic_envelope() {
        let b = h(&[
            ("0.1", 20.0),
            ("1", 10.0),
            ("10", 50.0),
            ("100", 40.0),
            ("1000", 90.0),
            ("+Inf", 80.0),
        ]);
        assert!((q(0.01, &b) - 0.0045).abs() < 1e-12);
        assert!((q(0.5, &b) - 8.5).abs() < 1e-12);
        assert!((q(0.99, &b) - 979.75).abs() < 1e-9);
    }

    #[test]
    fn special_cases() {
        let no_inf = h(&[("0.1", 1.0), ("1", 2.0)]);
        assert!(q(0.5, &no_inf).is_nan());
        let only_inf = h(&[("+Inf", 3.0), ("+inf", 4.0)]);
        assert!(q(0.5, &only_inf).is_nan());
        let empty = h(&[("1", 0.0), ("+Inf", 0.0)]);
        assert!(q(1.0, &empty).is_nan());
        assert!(q(f64::NAN, &empty).is_nan());
        assert_eq!(q(2.0, &empty), f64::INFINITY);
        // No buckets: no output sample for any q (Prometheus evaluates per series found).
        for q in [0.5, 0.0, 1.0, -1.0, 2.0, f64::NAN, f64::INFINITY] {
            assert_eq!(histogram_quantile(q, &[]), Ok(None), "q = {q}");
        }
        // One bucket is a series: NaN, not "no result".
        assert!(q(0.5, &[Bucket::new(f64::INFINITY, 3.0)]).is_nan());
        assert!(histogram_quantile_vector(f64::NAN, &[]).unwrap().is_empty());
        assert_eq!(
            histogram_quantile(0.5, &[Bucket::new(f64::NAN, 1.0)]),
            Err(PromError::NanBucketBound)
        );
    }

    #[test]
    fn duplicate_bounds_are_added() {
        let b = h(&[
            ("0.1", 1.0),
            ("0.2", 1.0),
            ("2.0e-1", 1.0),
            ("2e-1", 1.0),
            ("+Inf", 4.0),
        ]);
        assert_eq!(q(1.0, &b), 0.2);
        // After coalescing: 0.1 → 1, 0.2 → 3, +Inf → 4. q = 0.5 → rank 2 in (0.1, 0.2].
        assert!((q(0.5, &b) - 0.15).abs() < 1e-12);
    }

    #[test]
    fn unsorted_input_and_many_buckets() {
        let mut b: Vec<Bucket> = (1..=40).map(|i| Bucket::new(i as f64, i as f64)).collect();
        b.push(Bucket::new(f64::INFINITY, 40.0));
        b.reverse();
        assert!((q(0.5, &b) - 20.0).abs() < 1e-12);
    }

    #[test]
    fn small_deltas_are_noise() {
        let b = [
            Bucket::new(1.0, 10.0),
            Bucket::new(2.0, 10.0 - 1e-14),
            Bucket::new(f64::INFINITY, 10.0),
        ];
        let mut w = b;
        assert_eq!(ensure_monotonic(&mut w), (false, true));
        assert_eq!(w[1].count, 10.0);
        // Without the snap the 1e-14 dip would be forced up and flagged as non-monotonic.
        let mut big = [
            Bucket::new(1.0, 10.0),
            Bucket::new(2.0, 9.0),
            Bucket::new(f64::INFINITY, 10.0),
        ];
        assert_eq!(ensure_monotonic(&mut big), (true, false));
        assert_eq!(q(1.0, &b), 1.0);
    }

    #[test]
    fn go_search_matches_sort_search() {
        let v = [1, 3, 3, 5];
        assert_eq!(go_search(4, |i| v[i] >= 3), 1);
        assert_eq!(go_search(4, |i| v[i] >= 6), 4);
        assert_eq!(go_search(0, |_| true), 0);
    }
}
