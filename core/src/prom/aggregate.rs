//! `sum` and `avg` by (or without) labels over an instant vector, as the Prometheus Adapter
//! rules write them (`sum(rate(http_requests_total[2m])) by (pod)`,
//! `avg(inference_queue_depth) by (namespace)`).
//!
//! Summation is Prometheus 3.x's: Kahan–Neumaier compensated, in input order; `avg` divides
//! the compensated sum by the count and falls back to an incremental mean only if the sum
//! would overflow (promql/engine.go `aggregation`). Output series carry only the grouping
//! labels and come out sorted by labels.

use std::collections::BTreeMap;

/// One element of an instant vector: a label set and a float value.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Labels, including `__name__` if the host keeps it.
    pub labels: BTreeMap<String, String>,
    /// The sample value.
    pub value: f64,
}

impl Series {
    /// A series from `(name, value)` label pairs.
    ///
    /// ```
    /// let s = tidescale::prom::Series::new([("pod", "web-1")], 3.0);
    /// assert_eq!(s.labels["pod"], "web-1");
    /// ```
    pub fn new<'a>(labels: impl IntoIterator<Item = (&'a str, &'a str)>, value: f64) -> Self {
        Self {
            labels: labels
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            value,
        }
    }
}

/// The grouping clause of an aggregation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grouping {
    /// `by (l1, l2)`: keep only these labels. `By(vec![])` (the default) is a plain `sum(...)`.
    By(Vec<String>),
    /// `without (l1, l2)`: drop these labels and `__name__`.
    Without(Vec<String>),
}

impl Default for Grouping {
    fn default() -> Self {
        Self::By(Vec::new())
    }
}

impl Grouping {
    /// `by (labels…)`.
    pub fn by<'a>(labels: impl IntoIterator<Item = &'a str>) -> Self {
        Self::By(labels.into_iter().map(str::to_owned).collect())
    }

    /// `without (labels…)`.
    pub fn without<'a>(labels: impl IntoIterator<Item = &'a str>) -> Self {
        Self::Without(labels.into_iter().map(str::to_owned).collect())
    }

    /// The output label set of `labels` (Prometheus treats an empty value as absent).
    fn key(&self, labels: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        let keep = |k: &String, v: &String| {
            !v.is_empty()
                && match self {
                    Self::By(names) => names.contains(k),
                    Self::Without(names) => k != "__name__" && !names.contains(k),
                }
        };
        labels
            .iter()
            .filter(|(k, v)| keep(k, v))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

/// Prometheus `kahanSumInc` (Neumaier's variant; the compensation is dropped on overflow).
fn kahan_inc(inc: f64, sum: f64, c: f64) -> (f64, f64) {
    let t = sum + inc;
    let c = if t.is_infinite() {
        0.0
    } else if sum.abs() >= inc.abs() {
        c + ((sum - t) + inc)
    } else {
        c + ((inc - t) + sum)
    };
    (t, c)
}

#[derive(Debug, Clone, Copy)]
struct Acc {
    sum: f64,
    c: f64,
    mean: f64,
    count: f64,
    incremental: bool,
}

impl Acc {
    fn new(v: f64) -> Self {
        Self {
            sum: v,
            c: 0.0,
            mean: v,
            count: 1.0,
            incremental: false,
        }
    }

    fn add_sum(&mut self, v: f64) {
        (self.sum, self.c) = kahan_inc(v, self.sum, self.c);
    }

    fn add_avg(&mut self, v: f64) {
        self.count += 1.0;
        if !self.incremental {
            let (s, c) = kahan_inc(v, self.sum, self.c);
            if !s.is_infinite() {
                (self.sum, self.c) = (s, c);
                return;
            }
            // The sum would overflow: switch to the incremental mean from here on.
            self.incremental = true;
            self.mean = self.sum / (self.count - 1.0);
            self.c /= self.count - 1.0;
        }
        let q = (self.count - 1.0) / self.count;
        (self.mean, self.c) = kahan_inc(v / self.count, q * self.mean, q * self.c);
    }
}

fn aggregate(
    vector: &[Series],
    grouping: &Grouping,
    add: fn(&mut Acc, f64),
    finish: fn(&Acc) -> f64,
) -> Vec<Series> {
    let mut groups: BTreeMap<BTreeMap<String, String>, Acc> = BTreeMap::new();
    for s in vector {
        groups
            .entry(grouping.key(&s.labels))
            .and_modify(|a| add(a, s.value))
            .or_insert_with(|| Acc::new(s.value));
    }
    groups
        .into_iter()
        .map(|(labels, acc)| Series {
            labels,
            value: finish(&acc),
        })
        .collect()
}

/// `sum by (…) (vector)` / `sum without (…) (vector)`. Empty input gives an empty vector.
///
/// ```
/// use tidescale::prom::{Grouping, Series, sum};
/// let v = [
///     Series::new([("pod", "a"), ("path", "/x")], 1.5),
///     Series::new([("pod", "a"), ("path", "/y")], 2.0),
///     Series::new([("pod", "b"), ("path", "/x")], 4.0),
/// ];
/// let out = sum(&v, &Grouping::by(["pod"]));
/// assert_eq!(out, vec![Series::new([("pod", "a")], 3.5), Series::new([("pod", "b")], 4.0)]);
/// ```
pub fn sum(vector: &[Series], grouping: &Grouping) -> Vec<Series> {
    aggregate(vector, grouping, Acc::add_sum, |a| a.sum + a.c)
}

/// `avg by (…) (vector)` / `avg without (…) (vector)`. Empty input gives an empty vector.
///
/// ```
/// use tidescale::prom::{Grouping, Series, avg};
/// let v = [Series::new([("ns", "ml")], 10.0), Series::new([("ns", "ml")], 20.0)];
/// assert_eq!(avg(&v, &Grouping::by(["ns"]))[0].value, 15.0);
/// ```
pub fn avg(vector: &[Series], grouping: &Grouping) -> Vec<Series> {
    aggregate(vector, grouping, Acc::add_avg, |a| {
        if a.incremental {
            a.mean + a.c
        } else {
            a.sum / a.count + a.c / a.count
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_drops_name() {
        let v = [
            Series::new([("__name__", "m"), ("pod", "a"), ("le", "1")], 1.0),
            Series::new([("__name__", "m"), ("pod", "b"), ("le", "1")], 2.0),
        ];
        let out = sum(&v, &Grouping::without(["pod"]));
        assert_eq!(out, vec![Series::new([("le", "1")], 3.0)]);
        assert_eq!(sum(&v, &Grouping::default()), vec![Series::new([], 3.0)]);
    }

    #[test]
    fn kahan_beats_naive_sum() {
        let v: Vec<Series> = [1e16, 1.0, -1e16]
            .iter()
            .map(|&x| Series::new([], x))
            .collect();
        assert_eq!(sum(&v, &Grouping::default())[0].value, 1.0);
    }

    #[test]
    fn avg_survives_overflow() {
        let v: Vec<Series> = [f64::MAX, f64::MAX, 0.0]
            .iter()
            .map(|&x| Series::new([], x))
            .collect();
        let a = avg(&v, &Grouping::default())[0].value;
        assert!((a / f64::MAX - 2.0 / 3.0).abs() < 1e-12, "{a}");
        let inf = [Series::new([], f64::INFINITY), Series::new([], 1.0)];
        assert_eq!(avg(&inf, &Grouping::default())[0].value, f64::INFINITY);
    }

    #[test]
    fn empty_label_values_are_absent() {
        let v = [Series::new([("pod", "")], 1.0), Series::new([], 2.0)];
        assert_eq!(sum(&v, &Grouping::by(["pod"])), vec![Series::new([], 3.0)]);
        assert!(sum(&[], &Grouping::default()).is_empty());
    }
}
