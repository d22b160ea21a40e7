//! The Prometheus door: `rate` and friends over host samples, `histogram_quantile`,
//! `sum`/`avg` by labels, and the streaming `CounterWindow`.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType};
use tidescale::Timestamp;
use tidescale::prom::{
    self, Bucket, CounterWindow as CoreWindow, Grouping, RangeWindow, Sample, Series, WindowMode,
};

use crate::convert::{duration_ms, float_seq, seconds};
use crate::errors::{invalid_input, prom_error};

/// `"3.x"` (the default, left-open windows) or `"2.x"` (left-closed).
fn window_mode(window: &str) -> PyResult<WindowMode> {
    match window {
        "3.x" | "3" => Ok(WindowMode::PROMETHEUS_3),
        "2.x" | "2" => Ok(WindowMode::PROMETHEUS_2),
        other => Err(invalid_input(format!(
            "window: {other:?} is not \"3.x\" (left-open, the default) or \"2.x\" (left-closed)"
        ))),
    }
}

fn mode_name(m: WindowMode) -> &'static str {
    match m {
        WindowMode::LeftClosed => "2.x",
        WindowMode::LeftOpen => "3.x",
    }
}

fn is_scalar(obj: &Bound<'_, PyAny>) -> bool {
    obj.is_instance_of::<PyFloat>()
        || obj.is_instance_of::<PyInt>()
        || obj.is_instance_of::<PyString>()
}

/// Samples: a sequence of `(t, v)` pairs (seconds), an `(n, 2)` array, or a tuple of two
/// arrays `(times, values)`.
fn samples_from_py(obj: &Bound<'_, PyAny>) -> PyResult<Vec<Sample>> {
    let pairs: Vec<(f64, f64)> = if let Ok(t) = obj.cast::<PyTuple>()
        && t.len() == 2
        && !is_scalar(&t.get_item(0)?)
        && !is_scalar(&t.get_item(1)?)
        && !looks_like_pair(&t.get_item(0)?)?
    {
        let times = float_seq("times", &t.get_item(0)?)?;
        let values = float_seq("values", &t.get_item(1)?)?;
        if times.len() != values.len() {
            return Err(invalid_input(format!(
                "{} values for {} times",
                values.len(),
                times.len()
            )));
        }
        times.into_iter().zip(values).collect()
    } else {
        let listed;
        let obj = if !obj.is_instance_of::<PyList>()
            && !obj.is_instance_of::<PyTuple>()
            && obj.hasattr("tolist")?
        {
            listed = obj.call_method0("tolist")?;
            &listed
        } else {
            obj
        };
        if is_scalar(obj) {
            return Err(invalid_input(
                "samples: expected (t, v) pairs or (times, values) arrays",
            ));
        }
        let mut out = Vec::new();
        for (i, item) in obj.try_iter()?.enumerate() {
            let item = item?;
            let pair = float_seq(&format!("samples[{i}]"), &item)?;
            match pair.as_slice() {
                [t, v] => out.push((*t, *v)),
                _ => {
                    return Err(invalid_input(format!(
                        "samples[{i}]: expected a (t, v) pair, got {} numbers",
                        pair.len()
                    )));
                }
            }
        }
        out
    };
    prom::samples_from_secs(&pairs).map_err(prom_error)
}

/// A tuple `(times, values)` of two arrays, told apart from a tuple of two `(t, v)` pairs: the
/// first element of an array pair is a sequence longer than 2, or any array object.
fn looks_like_pair(first: &Bound<'_, PyAny>) -> PyResult<bool> {
    if first.hasattr("tolist")?
        && !first.is_instance_of::<PyList>()
        && !first.is_instance_of::<PyTuple>()
    {
        return Ok(false);
    }
    Ok(first.is_instance_of::<PyTuple>() && first.len()? == 2)
}

/// An offset: like a duration, but may be negative (`offset -5m` looks ahead).
fn signed_duration_ms(what: &str, obj: &Bound<'_, PyAny>) -> PyResult<i64> {
    if let Ok(s) = obj.cast::<PyString>() {
        let s = s.to_cow()?;
        if let Some(rest) = s.trim().strip_prefix('-') {
            let r = PyString::new(obj.py(), rest);
            return duration_ms(what, r.as_any()).map(|ms| -ms);
        }
        return duration_ms(what, obj);
    }
    let secs: f64 = obj
        .extract()
        .map_err(|_| invalid_input(format!("{what}: expected seconds or a duration string")))?;
    if secs < 0.0 {
        let neg = (-secs).into_pyobject(obj.py())?;
        return duration_ms(what, neg.as_any()).map(|ms| -ms);
    }
    duration_ms(what, obj)
}

fn range_window(
    eval_time: f64,
    range: &Bound<'_, PyAny>,
    window: &str,
    offset: &Bound<'_, PyAny>,
) -> PyResult<RangeWindow> {
    let t = seconds("eval_time", eval_time)?;
    let range_ms = duration_ms("range", range)?;
    let offset_ms = signed_duration_ms("offset", offset)?;
    let mut w = RangeWindow::new(t, range_ms).map_err(prom_error)?;
    if offset_ms != 0 {
        w = w.with_offset(offset_ms).map_err(prom_error)?;
    }
    Ok(w.with_mode(window_mode(window)?))
}

/// `rate`, `increase`, `delta`, `irate` or `idelta` of `samples` over `range` at `eval_time`;
/// `None` when the window holds too few samples.
#[pyfunction]
#[pyo3(signature = (function, samples, eval_time, range, *, window = "3.x", offset = None))]
pub(crate) fn prom_range_function(
    py: Python<'_>,
    function: &str,
    samples: &Bound<'_, PyAny>,
    eval_time: f64,
    range: &Bound<'_, PyAny>,
    window: &str,
    offset: Option<&Bound<'_, PyAny>>,
) -> PyResult<Option<f64>> {
    let f = match function {
        "rate" => prom::rate,
        "increase" => prom::increase,
        "delta" => prom::delta,
        "irate" => prom::irate,
        "idelta" => prom::idelta,
        other => {
            return Err(invalid_input(format!(
                "unknown range function {other:?} (rate, increase, delta, irate, idelta)"
            )));
        }
    };
    let zero = 0i64.into_pyobject(py)?.into_any();
    let w = range_window(eval_time, range, window, offset.unwrap_or(&zero))?;
    let samples = samples_from_py(samples)?;
    py.detach(|| f(&samples, &w)).map_err(prom_error)
}

fn bound(le: &Bound<'_, PyAny>) -> PyResult<f64> {
    if let Ok(s) = le.cast::<PyString>() {
        return prom::parse_le(&s.to_cow()?).map_err(prom_error);
    }
    let v: f64 = le.extract().map_err(|_| {
        invalid_input("a bucket bound (le) is a number or a string like \"0.5\" or \"+Inf\"")
    })?;
    if v.is_nan() {
        return Err(prom_error(prom::PromError::NanBucketBound));
    }
    Ok(v)
}

fn count(c: &Bound<'_, PyAny>) -> PyResult<f64> {
    c.extract()
        .map_err(|_| invalid_input("a bucket count is a number"))
}

/// `histogram_quantile(q, buckets)`: buckets as `{le: count}` or `(le, count)` pairs; `None`
/// when there are no buckets (Prometheus has no result then, for any `q`).
#[pyfunction]
pub(crate) fn histogram_quantile(q: f64, buckets: &Bound<'_, PyAny>) -> PyResult<Option<f64>> {
    let mut bs = Vec::new();
    if let Ok(d) = buckets.cast::<PyDict>() {
        for (le, c) in d.iter() {
            bs.push(Bucket::new(bound(&le)?, count(&c)?));
        }
    } else {
        for (i, item) in buckets.try_iter()?.enumerate() {
            let item = item?;
            let (le, c): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract().map_err(|_| {
                invalid_input(format!("buckets[{i}]: expected an (le, count) pair"))
            })?;
            bs.push(Bucket::new(bound(&le)?, count(&c)?));
        }
    }
    prom::histogram_quantile(q, &bs).map_err(prom_error)
}

fn labels_of(obj: &Bound<'_, PyAny>, i: usize) -> PyResult<BTreeMap<String, String>> {
    obj.extract::<BTreeMap<String, String>>()
        .map_err(|_| invalid_input(format!("series[{i}]: labels must be a dict of strings")))
}

fn series_from_py(series: &Bound<'_, PyAny>) -> PyResult<Vec<Series>> {
    let mut out = Vec::new();
    for (i, item) in series.try_iter()?.enumerate() {
        let item = item?;
        let (labels, value) = if let Ok(d) = item.cast::<PyDict>() {
            let labels = match d.get_item("labels")? {
                Some(l) => Some(l),
                None => d.get_item("metric")?,
            };
            let value = d.get_item("value")?.ok_or_else(|| {
                invalid_input(format!("series[{i}]: a series dict needs \"value\""))
            })?;
            (labels, value)
        } else {
            let (l, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract().map_err(|_| {
                invalid_input(format!(
                    "series[{i}]: expected (labels, value) or {{\"labels\": ..., \"value\": ...}}"
                ))
            })?;
            (Some(l), v)
        };
        let labels = match labels {
            Some(l) => labels_of(&l, i)?,
            None => BTreeMap::new(),
        };
        let value = sample_value(&value, i)?;
        out.push(Series { labels, value });
    }
    Ok(out)
}

/// A value as a number, a numeric string (`"3.5"`, `"NaN"`, `"+Inf"`) or the Prometheus API's
/// `[t, "v"]`.
fn sample_value(v: &Bound<'_, PyAny>, i: usize) -> PyResult<f64> {
    if let Ok(s) = v.cast::<PyString>() {
        let s = s.to_cow()?;
        return prom::parse_le(&s)
            .or_else(|_| {
                if s.trim().eq_ignore_ascii_case("nan") {
                    Ok(f64::NAN)
                } else {
                    Err(())
                }
            })
            .map_err(|()| invalid_input(format!("series[{i}]: value {s:?} is not a number")));
    }
    if let Ok(x) = v.extract::<f64>() {
        return Ok(x);
    }
    if (v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>()) && v.len()? == 2 {
        return sample_value(&v.get_item(1)?, i);
    }
    Err(invalid_input(format!("series[{i}]: value is not a number")))
}

/// `sum` / `avg` by (or without) labels; a list of `{"labels", "value"}` dicts sorted by labels.
#[pyfunction]
#[pyo3(signature = (op, series, *, by = None, without = None))]
pub(crate) fn prom_aggregate<'py>(
    py: Python<'py>,
    op: &str,
    series: &Bound<'py, PyAny>,
    by: Option<Vec<String>>,
    without: Option<Vec<String>>,
) -> PyResult<Bound<'py, PyList>> {
    let grouping = match (by, without) {
        (Some(_), Some(_)) => return Err(invalid_input("give by= or without=, not both")),
        (Some(b), None) => Grouping::By(b),
        (None, Some(w)) => Grouping::Without(w),
        (None, None) => Grouping::default(),
    };
    let v = series_from_py(series)?;
    let out = match op {
        "sum" => prom::sum(&v, &grouping),
        "avg" => prom::avg(&v, &grouping),
        other => {
            return Err(invalid_input(format!(
                "unknown aggregation {other:?} (sum, avg)"
            )));
        }
    };
    let list = PyList::empty(py);
    for s in out {
        let d = PyDict::new(py);
        d.set_item("labels", s.labels)?;
        d.set_item("value", s.value)?;
        list.append(d)?;
    }
    Ok(list)
}

/// A per-series ring buffer answering `rate` / `increase` / `irate` every sync.
#[pyclass(frozen, subclass, module = "tidescale.prom", name = "CounterWindow")]
#[derive(Debug)]
pub(crate) struct CounterWindow {
    w: Mutex<CoreWindow>,
}

impl CounterWindow {
    fn lock(&self) -> MutexGuard<'_, CoreWindow> {
        // the core does not panic while the lock is held
        self.w
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn now_ts(now: f64) -> PyResult<Timestamp> {
    seconds("now", now)
}

#[pymethods]
impl CounterWindow {
    #[new]
    #[pyo3(signature = (capacity, range, window = "3.x"))]
    fn new(capacity: usize, range: &Bound<'_, PyAny>, window: &str) -> PyResult<Self> {
        let range_ms = duration_ms("range", range)?;
        let w = CoreWindow::new(capacity, range_ms, window_mode(window)?).map_err(prom_error)?;
        Ok(Self { w: Mutex::new(w) })
    }

    /// Appends a sample at `t` (seconds). Going back in time, or repeating a timestamp with a
    /// different value, raises; when full the oldest sample is dropped.
    fn push(&self, t: f64, v: f64) -> PyResult<()> {
        let t = seconds("t", t)?;
        self.lock().push(t, v).map_err(prom_error)
    }

    /// Appends many samples (pairs or two arrays), all or nothing.
    fn extend(&self, samples: &Bound<'_, PyAny>) -> PyResult<()> {
        let samples = samples_from_py(samples)?;
        let mut w = self.lock();
        let mut copy = w.clone();
        for (t, v) in samples {
            copy.push(t, v).map_err(prom_error)?;
        }
        *w = copy;
        Ok(())
    }

    /// `rate(m[range])` at `now`, or `None` with fewer than two samples in the window.
    fn rate(&self, now: f64) -> PyResult<Option<f64>> {
        Ok(self.lock().rate(now_ts(now)?))
    }

    /// `increase(m[range])` at `now`.
    fn increase(&self, now: f64) -> PyResult<Option<f64>> {
        Ok(self.lock().increase(now_ts(now)?))
    }

    /// `irate(m[range])` at `now`.
    fn irate(&self, now: f64) -> PyResult<Option<f64>> {
        Ok(self.lock().irate(now_ts(now)?))
    }

    /// Drops every sample.
    fn clear(&self) {
        self.lock().clear();
    }

    /// The samples kept, oldest first, as `(t, v)` (seconds).
    fn samples(&self) -> Vec<(f64, f64)> {
        self.lock()
            .samples()
            .map(|(t, v)| (t.as_secs_f64(), v))
            .collect()
    }

    /// The newest sample, if any.
    #[getter]
    fn latest(&self) -> Option<(f64, f64)> {
        self.lock().latest().map(|(t, v)| (t.as_secs_f64(), v))
    }

    /// Maximum number of samples kept.
    #[getter]
    fn capacity(&self) -> usize {
        self.lock().capacity()
    }

    /// The range in seconds.
    #[getter]
    fn range(&self) -> f64 {
        self.lock().range_ms() as f64 / 1000.0
    }

    /// `"3.x"` or `"2.x"`.
    #[getter]
    fn window(&self) -> &'static str {
        mode_name(self.lock().mode())
    }

    fn __len__(&self) -> usize {
        self.lock().len()
    }

    /// Pickle: the configuration and the samples kept.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let this = slf.get();
        let args = {
            let w = this.lock();
            (
                w.capacity(),
                w.range_ms() as f64 / 1000.0,
                mode_name(w.mode()),
            )
                .into_pyobject(py)?
        };
        let state = PyList::new(py, this.samples())?;
        let cls: Bound<'py, PyType> = slf.get_type();
        PyTuple::new(py, [cls.into_any(), args.into_any(), state.into_any()])
    }

    /// Restores the samples (pickle protocol).
    fn __setstate__(&self, state: &Bound<'_, PyAny>) -> PyResult<()> {
        self.extend(state)
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let cls = slf.get_type().qualname()?;
        let w = slf.get().lock();
        let range = w.range_ms() as f64 / 1000.0;
        let latest = w.latest().map_or("empty".to_owned(), |(t, v)| {
            format!("latest {v} at {}s", t.as_secs_f64())
        });
        Ok(format!(
            "<{cls} [{range}s] {}/{} samples, {latest}, Prometheus {}>",
            w.len(),
            w.capacity(),
            mode_name(w.mode())
        ))
    }
}
