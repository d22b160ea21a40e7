//! Conversions between Python values and JSON-shaped Rust values, and the number rules.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};

use crate::errors::invalid_input;

/// Nesting limit for dict/list conversion (manifests are shallow).
const MAX_DEPTH: usize = 64;

/// A Python value made of dict/list/tuple/str/int/float/bool/None into JSON.
pub(crate) fn to_json(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    to_json_at(obj, 0)
}

fn to_json_at(obj: &Bound<'_, PyAny>, depth: usize) -> PyResult<Value> {
    if depth > MAX_DEPTH {
        return Err(invalid_input("value nested too deeply"));
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::Number(i.into()));
        }
        let u: u64 = obj
            .extract()
            .map_err(|_| invalid_input("integer out of the 64-bit range"))?;
        return Ok(Value::Number(u.into()));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        let v = f.value();
        return Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| invalid_input(format!("{v} is not a finite number")));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut map = Map::new();
        for (k, v) in d.iter() {
            let key = k
                .cast::<PyString>()
                .map_err(|_| invalid_input("mapping keys must be strings"))?
                .to_cow()?
                .into_owned();
            map.insert(key, to_json_at(&v, depth + 1)?);
        }
        return Ok(Value::Object(map));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut out = Vec::new();
        for item in obj.try_iter()? {
            out.push(to_json_at(&item?, depth + 1)?);
        }
        return Ok(Value::Array(out));
    }
    Err(PyTypeError::new_err(format!(
        "cannot convert a {} to a manifest value (expected dict, list, str, int, float, bool or None)",
        obj.get_type().name()?
    )))
}

/// JSON into plain Python values (dicts, lists, str, int, float, bool, None).
pub(crate) fn from_json<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(from_json(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let d = PyDict::new(py);
            for (k, item) in map {
                d.set_item(k, from_json(py, item)?)?;
            }
            d.into_any()
        }
    })
}

/// A float that must be finite and `>= 0`.
pub(crate) fn non_negative(what: &str, v: f64) -> PyResult<f64> {
    if v.is_nan() {
        Err(invalid_input(format!("{what}: NaN is not a valid value")))
    } else if v.is_infinite() {
        Err(invalid_input(format!("{what}: {v} is not a finite value")))
    } else if v < 0.0 {
        Err(invalid_input(format!("{what}: {v} is negative")))
    } else {
        Ok(v)
    }
}

/// Units (cores, bytes, requests/s) to milli-units, rounded to the nearest milli-unit.
pub(crate) fn units_to_milli(what: &str, v: f64) -> PyResult<i64> {
    let v = non_negative(what, v)?;
    let m = (v * 1000.0).round();
    if m >= 9.2e18 {
        return Err(invalid_input(format!("{what}: {v} is too large")));
    }
    // in range and finite: the cast is exact for the integral value
    Ok(m as i64)
}

/// `now` (float seconds) to a timestamp.
pub(crate) fn seconds(what: &str, v: f64) -> PyResult<tidescale::Timestamp> {
    if !v.is_finite() {
        return Err(invalid_input(format!("{what}: {v} is not a finite time")));
    }
    tidescale::Timestamp::from_secs_f64(v)
        .ok_or_else(|| invalid_input(format!("{what}: {v} is out of range")))
}

/// A sequence of numbers: a list or tuple, or anything with `tolist()` (numpy arrays,
/// `array.array`, pandas Series): numpy is never imported, only duck-typed.
pub(crate) fn float_seq(what: &str, obj: &Bound<'_, PyAny>) -> PyResult<Vec<f64>> {
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
    if obj.is_instance_of::<PyString>()
        || obj.is_instance_of::<PyFloat>()
        || obj.is_instance_of::<PyInt>()
    {
        return Err(invalid_input(format!(
            "{what}: expected a sequence of numbers, not a {}",
            obj.get_type().name()?
        )));
    }
    if let Ok(v) = obj.extract::<Vec<f64>>() {
        return Ok(v);
    }
    let mut out = Vec::new();
    for (i, item) in obj
        .try_iter()
        .map_err(|_| {
            invalid_input(format!(
                "{what}: expected a sequence of numbers (list, tuple or array)"
            ))
        })?
        .enumerate()
    {
        let item = item?;
        out.push(item.extract::<f64>().map_err(|_| {
            invalid_input(format!(
                "{what}[{i}]: expected a number, not {}",
                item.repr().map(|r| r.to_string()).unwrap_or_default()
            ))
        })?);
    }
    Ok(out)
}

/// A duration: a number of seconds, or a Go / PromQL duration string (`"90s"`, `"2m"`,
/// `"1h30m"`, `"500ms"`, `"1d"`), in milliseconds. Must be finite and `>= 0`.
pub(crate) fn duration_ms(what: &str, obj: &Bound<'_, PyAny>) -> PyResult<i64> {
    if let Ok(s) = obj.cast::<PyString>() {
        let s = s.to_cow()?;
        return tidescale::time::parse_duration_ms(&s).ok_or_else(|| {
            invalid_input(format!(
                "{what}: {s:?} is not a duration (e.g. \"90s\", \"5m\", \"1h30m\")"
            ))
        });
    }
    let secs: f64 = obj
        .extract()
        .map_err(|_| invalid_input(format!("{what}: expected seconds or a duration string")))?;
    let secs = non_negative(what, secs)?;
    let ms = (secs * 1000.0).round();
    if ms >= 9.2e18 {
        return Err(invalid_input(format!("{what}: {secs} s is too long")));
    }
    // finite, non-negative and in range: the cast is exact for the integral value
    Ok(ms as i64)
}

/// A Kubernetes quantity from a number (in units) or a quantity string.
pub(crate) fn quantity(what: &str, obj: &Bound<'_, PyAny>) -> PyResult<tidescale::Quantity> {
    if let Ok(s) = obj.cast::<PyString>() {
        let s = s.to_cow()?;
        let q: tidescale::Quantity = s
            .parse()
            .map_err(|e| invalid_input(format!("{what}: {s:?} is not a quantity: {e}")))?;
        if q.milli_value() < 0 {
            return Err(invalid_input(format!("{what}: {s:?} is negative")));
        }
        return Ok(q);
    }
    let v: f64 = obj
        .extract()
        .map_err(|_| invalid_input(format!("{what}: expected a number or a quantity string")))?;
    Ok(tidescale::Quantity::from_milli(units_to_milli(what, v)?))
}

/// The keys of a serialized HPA `History` whose entries carry a `time`.
const HISTORY_LISTS: [&str; 3] = ["recommendations", "scaleUpEvents", "scaleDownEvents"];

/// An HPA history as a Python dict with every `time` in float seconds (the Python door's one
/// unit of time), from the core's milliseconds.
pub(crate) fn history_to_py<'py>(
    py: Python<'py>,
    h: &tidescale::hpa::History,
) -> PyResult<Bound<'py, PyAny>> {
    let mut v = serde_json::to_value(h).map_err(|e| invalid_input(e.to_string()))?;
    for key in HISTORY_LISTS {
        if let Some(Value::Array(items)) = v.get_mut(key) {
            for item in items {
                if let Some(t) = item.get_mut("time")
                    && let Some(ms) = t.as_i64()
                {
                    *t = Number::from_f64(tidescale::Timestamp(ms).as_secs_f64())
                        .map_or(Value::Null, Value::Number);
                }
            }
        }
    }
    from_json(py, &v)
}

/// An HPA history saved by [`history_to_py`] (times in seconds); `what` names it in errors.
pub(crate) fn history_from_py(
    what: &str,
    obj: &Bound<'_, PyAny>,
) -> PyResult<tidescale::hpa::History> {
    let mut v = to_json(obj)?;
    for key in HISTORY_LISTS {
        if let Some(Value::Array(items)) = v.get_mut(key) {
            for (i, item) in items.iter_mut().enumerate() {
                if let Some(t) = item.get_mut("time") {
                    let Some(secs) = t.as_f64() else {
                        return Err(invalid_input(format!(
                            "{what}.{key}[{i}].time: expected seconds (a number)"
                        )));
                    };
                    let ts = seconds(&format!("{what}.{key}[{i}].time"), secs)?;
                    *t = Value::from(ts.as_millis());
                }
            }
        }
    }
    serde_path_to_error::deserialize(v)
        .map_err(|e| invalid_input(format!("{what}.{}: {}", e.path(), e.inner())))
}
