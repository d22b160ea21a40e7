//! Small helpers shared by the conformance families.

use serde_json::Value;

/// Field `k` of `v` as i64, or a readable error.
pub fn i64_of(v: &Value, k: &str) -> Result<i64, String> {
    v.get(k)
        .and_then(Value::as_i64)
        .ok_or_else(|| format!("input field {k:?} missing or not an integer"))
}

/// Field `k` of `v` as f64, or a readable error.
pub fn f64_of(v: &Value, k: &str) -> Result<f64, String> {
    v.get(k)
        .and_then(Value::as_f64)
        .ok_or_else(|| format!("input field {k:?} missing or not a number"))
}

/// Field `k` of `v` as a string slice, or a readable error.
pub fn str_of<'a>(v: &'a Value, k: &str) -> Result<&'a str, String> {
    v.get(k)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("input field {k:?} missing or not a string"))
}

/// Compares two values, returning a difference message naming `what`.
pub fn check<T: PartialEq + std::fmt::Debug>(
    what: &str,
    expected: T,
    actual: T,
) -> Result<(), String> {
    if expected == actual {
        Ok(())
    } else {
        Err(format!("{what}: expected {expected:?}, got {actual:?}"))
    }
}

/// Compares two floats within an absolute-or-relative tolerance.
#[allow(dead_code)]
pub fn check_f64(what: &str, expected: f64, actual: f64, tol: f64) -> Result<(), String> {
    let ok = (expected - actual).abs() <= tol.max(tol * expected.abs())
        || (expected.is_nan() && actual.is_nan())
        || expected == actual;
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{what}: expected {expected}, got {actual} (tolerance {tol})"
        ))
    }
}
