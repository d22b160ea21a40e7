//! Conformance kinds of the prom family (`../spec/serving-metrics-capacity.md` §4.5):
//! `rate`, `increase`, `irate` (plus `delta`, `idelta`) and `histogram_quantile`.
//!
//! Rate-based histogram vectors are run twice: on the derived `input.buckets`, and end to end
//! from `input.bucket_series` through the inner function, the aggregation and
//! `histogram_quantile_vector`.

use serde_json::Value;
use tidescale::Timestamp;
use tidescale::prom::{
    self, Bucket, Grouping, RangeWindow, Sample, Series, WindowMode, histogram_quantile,
    histogram_quantile_vector, parse_le,
};

use crate::Outcome;
use crate::util::Tolerance;

/// Runs one vector of this family, or `None` if `kind` is not one of its implemented kinds.
pub(crate) fn run(kind: &str, input: &Value, expect: &Value) -> Option<Outcome> {
    match kind {
        "rate" | "increase" | "irate" | "delta" | "idelta" => Some(range_fn(kind, input, expect)),
        "histogram_quantile" => Some(quantile(input, expect)),
        _ => None,
    }
}

/// `input` plus the vector's top-level fields it lacks (prom.json puts `eval_time_s`,
/// `range_s`, `offset_s`, `window` and `q` beside `input`, spec §4.5).
pub(crate) fn with_vector_fields(input: &Value, vector: &Value) -> Value {
    let mut merged = input.clone();
    if let (Some(m), Some(top)) = (merged.as_object_mut(), vector.as_object()) {
        for (k, v) in top {
            if !matches!(k.as_str(), "id" | "name" | "kind" | "input" | "expect") {
                m.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
    }
    merged
}

/// A number written as JSON number or as "NaN" / "+Inf" / "-Inf" / "Inf".
fn num(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => match s.trim() {
            "NaN" | "nan" => Some(f64::NAN),
            "+Inf" | "Inf" | "+inf" | "inf" => Some(f64::INFINITY),
            "-Inf" | "-inf" => Some(f64::NEG_INFINITY),
            other => other.parse().ok(),
        },
        _ => None,
    }
}

fn num_field(v: &Value, k: &str) -> Result<f64, String> {
    v.get(k)
        .and_then(num)
        .ok_or_else(|| format!("field {k:?} missing or not a number"))
}

fn secs_to_ms(s: f64) -> Result<i64, String> {
    Timestamp::from_secs_f64(s)
        .map(Timestamp::as_millis)
        .ok_or_else(|| format!("bad time {s}"))
}

fn samples(v: &Value) -> Result<Vec<Sample>, String> {
    let arr = v.as_array().ok_or("samples is not an array")?;
    arr.iter()
        .map(|p| {
            let t = p.get(0).and_then(num).ok_or("sample time")?;
            let x = p.get(1).and_then(num).ok_or("sample value")?;
            Ok((Timestamp(secs_to_ms(t)?), x))
        })
        .collect()
}

/// Window mode from the vector's `window` text; Prometheus 3.x unless it says otherwise.
fn mode_of(v: &Value) -> WindowMode {
    let w = v.get("window").and_then(Value::as_str).unwrap_or("");
    if w.starts_with('[') || w.contains("2.x") || w.contains("left-closed") {
        WindowMode::LeftClosed
    } else {
        WindowMode::LeftOpen
    }
}

fn window(input: &Value, range_s: f64) -> Result<RangeWindow, String> {
    let eval = input
        .get("eval_time_s")
        .and_then(num)
        .ok_or("eval_time_s missing")?;
    let offset = input.get("offset_s").and_then(num).unwrap_or(0.0);
    let offset_ms = secs_to_ms(offset)?;
    let w = RangeWindow::new(Timestamp(secs_to_ms(eval)?), secs_to_ms(range_s)?)
        .and_then(|w| w.with_offset(offset_ms))
        .map_err(|e| e.to_string())?;
    Ok(w.with_mode(mode_of(input)))
}

fn apply(kind: &str, s: &[Sample], w: &RangeWindow) -> Result<Option<f64>, String> {
    let r = match kind {
        "rate" => prom::rate(s, w),
        "increase" => prom::increase(s, w),
        "irate" => prom::irate(s, w),
        "delta" => prom::delta(s, w),
        "idelta" => prom::idelta(s, w),
        other => return Err(format!("unknown inner function {other}")),
    };
    r.map_err(|e| e.to_string())
}

fn compare(expect: &Value, got: Option<f64>) -> Outcome {
    let empty = expect
        .get("empty")
        .and_then(Value::as_bool)
        .unwrap_or(false)
        || expect.get("value").is_some_and(Value::is_null);
    let tolerance = Tolerance::of(expect)?;
    match (empty, got) {
        (true, None) => Ok(()),
        (true, Some(x)) => Err(format!("expected no result, got {x}")),
        (false, None) => Err(format!(
            "expected {}, got no result",
            expect.get("value").unwrap_or(&Value::Null)
        )),
        (false, Some(x)) => tolerance.check("value", num_field(expect, "value")?, x),
    }
}

fn range_fn(kind: &str, input: &Value, expect: &Value) -> Outcome {
    let s = samples(input.get("samples").ok_or("input.samples missing")?)?;
    let range_s = num_field(input, "range_s")?;
    let w = window(input, range_s)?;
    compare(expect, apply(kind, &s, &w)?)
}

fn quantile(input: &Value, expect: &Value) -> Outcome {
    let q = input.get("q").and_then(num).ok_or("q missing")?;
    let buckets = input
        .get("buckets")
        .and_then(Value::as_array)
        .ok_or("input.buckets missing")?
        .iter()
        .map(|b| {
            let le = b.get(0).and_then(Value::as_str).ok_or("le")?;
            let c = b.get(1).and_then(num).ok_or("count")?;
            Ok(Bucket::new(parse_le(le).map_err(|e| e.to_string())?, c))
        })
        .collect::<Result<Vec<_>, String>>()?;
    let direct = histogram_quantile(q, &buckets).map_err(|e| e.to_string())?;
    compare(expect, direct).map_err(|e| format!("from input.buckets: {e}"))?;

    let (Some(series), Some(inner)) = (input.get("bucket_series"), input.get("inner")) else {
        return Ok(());
    };
    let fn_name = inner.get("fn").and_then(Value::as_str).ok_or("inner.fn")?;
    let range_s = num_field(inner, "range_s")?;
    let w = window(input, range_s)?;
    let mut vector = Vec::new();
    for s in series.as_array().ok_or("bucket_series")? {
        let labels = s
            .get("labels")
            .and_then(Value::as_object)
            .ok_or("labels")?
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
            .collect();
        let samples = samples(s.get("samples").ok_or("samples")?)?;
        if let Some(value) = apply(fn_name, &samples, &w)? {
            vector.push(Series { labels, value });
        }
    }
    if let Some(agg) = inner.get("aggregation").and_then(Value::as_str) {
        vector = aggregate(agg, &vector)?;
    }
    let out = histogram_quantile_vector(q, &vector).map_err(|e| e.to_string())?;
    match out.as_slice() {
        [] => compare(expect, None),
        [one] => compare(expect, Some(one.value)),
        many => Err(format!("expected one output series, got {}", many.len())),
    }
    .map_err(|e| format!("end to end from bucket_series: {e}"))
}

/// Parses `sum by (le, job)` / `avg without (instance)` and applies it.
fn aggregate(text: &str, vector: &[Series]) -> Result<Vec<Series>, String> {
    let text = text.trim();
    let (op, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    let rest = rest.trim();
    let labels = |s: &str| -> Vec<String> {
        s.trim_start_matches('(')
            .trim_end_matches(')')
            .split(',')
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let grouping = if let Some(l) = rest.strip_prefix("by") {
        Grouping::By(labels(l.trim()))
    } else if let Some(l) = rest.strip_prefix("without") {
        Grouping::Without(labels(l.trim()))
    } else {
        Grouping::By(Vec::new())
    };
    match op {
        "sum" => Ok(prom::sum(vector, &grouping)),
        "avg" => Ok(prom::avg(vector, &grouping)),
        other => Err(format!("unsupported aggregation {other}")),
    }
}
