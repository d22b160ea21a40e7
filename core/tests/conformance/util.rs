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

/// How closely a float must match: what a vector states in `expect.tolerance`.
///
/// The forms in the vendored files and the specs' schema sections:
/// `{"mode": "exact"}`, `{"mode": "relative" | "absolute", "value": x}` (VPA, spec §1) and
/// `{"relative": x}` / `{"absolute": x}` (Prometheus §4.5, KEDA/CA §6). No `tolerance` means
/// exact: the same bits, with every NaN equal to every NaN.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Tolerance {
    /// Bit-equal (NaN matches NaN).
    Exact,
    /// `|got - want| <= x * max(|got|, |want|)`.
    Relative(f64),
    /// `|got - want| <= x`.
    Absolute(f64),
}

impl Tolerance {
    /// The tolerance `expect` states (exact when it states none). An unknown form is an error,
    /// never silently exact or loose.
    pub fn of(expect: &Value) -> Result<Self, String> {
        let Some(t) = expect.get("tolerance").filter(|t| !t.is_null()) else {
            return Ok(Self::Exact);
        };
        let value = |k: &str| {
            t.get(k)
                .and_then(Value::as_f64)
                .filter(|x| x.is_finite() && *x >= 0.0)
                .ok_or_else(|| format!("tolerance {t}: {k:?} is not a number >= 0"))
        };
        let known = |k: &str| t.get(k).is_some();
        match t.get("mode").map(|m| m.as_str()) {
            Some(Some("exact")) => Ok(Self::Exact),
            Some(Some("relative")) => value("value").map(Self::Relative),
            Some(Some("absolute")) => value("value").map(Self::Absolute),
            Some(_) => Err(format!("tolerance {t}: unknown mode")),
            None if known("relative") && !known("absolute") => {
                value("relative").map(Self::Relative)
            }
            None if known("absolute") && !known("relative") => {
                value("absolute").map(Self::Absolute)
            }
            None => Err(format!("tolerance {t}: unknown form")),
        }
    }

    /// Whether `got` matches `want`.
    pub fn matches(self, want: f64, got: f64) -> bool {
        if want.is_nan() || got.is_nan() {
            return want.is_nan() && got.is_nan();
        }
        match self {
            Self::Exact => want.to_bits() == got.to_bits(),
            Self::Relative(x) => approx::relative_eq!(got, want, epsilon = 0.0, max_relative = x),
            Self::Absolute(x) => approx::abs_diff_eq!(got, want, epsilon = x),
        }
    }

    /// `Ok` when `got` matches `want`, else a message naming `what`.
    pub fn check(self, what: &str, want: f64, got: f64) -> Result<(), String> {
        if self.matches(want, got) {
            Ok(())
        } else {
            Err(format!(
                "{what}: expected {want:?}, got {got:?} ({})",
                match self {
                    Self::Exact => "exact".to_owned(),
                    Self::Relative(x) => format!("relative {x:e}"),
                    Self::Absolute(x) => format!("absolute {x:e}"),
                }
            ))
        }
    }
}

/// The comparison rules themselves, checked before any vector runs (this target has no test
/// harness): a runner that compared loosely would pass anything.
pub fn tolerance_self_check() {
    use serde_json::json;
    {
        let of = |v| Tolerance::of(&v).unwrap();
        assert_eq!(of(json!({})), Tolerance::Exact);
        assert_eq!(
            of(json!({"tolerance": {"mode": "exact"}})),
            Tolerance::Exact
        );
        assert_eq!(
            of(json!({"tolerance": {"mode": "relative", "value": 1e-15}})),
            Tolerance::Relative(1e-15)
        );
        assert_eq!(
            of(json!({"tolerance": {"relative": 1e-6}})),
            Tolerance::Relative(1e-6)
        );
        assert_eq!(
            of(json!({"tolerance": {"absolute": 0.5}})),
            Tolerance::Absolute(0.5)
        );
        assert!(Tolerance::of(&json!({"tolerance": {"mode": "loose"}})).is_err());
        assert!(Tolerance::of(&json!({"tolerance": {"relative": "big"}})).is_err());

        let one_ulp = f64::from_bits(0.3f64.to_bits() + 1);
        assert!(!Tolerance::Exact.matches(0.3, one_ulp));
        assert!(!Tolerance::Exact.matches(0.0, -0.0));
        assert!(Tolerance::Exact.matches(f64::NAN, f64::NAN));
        assert!(!Tolerance::Exact.matches(f64::NAN, 1.0));
        assert!(Tolerance::Relative(1e-15).matches(0.3, one_ulp));
        assert!(!Tolerance::Relative(1e-6).matches(1.0, 1.00001));
        assert!(!Tolerance::Relative(1e-6).matches(0.0, 1e-300));
        assert!(Tolerance::Absolute(1e-4).matches(1.0, 1.00009));
        assert!(!Tolerance::Absolute(1e-4).matches(1.0, 1.0002));
        assert!(!Tolerance::Relative(1.0).matches(f64::INFINITY, f64::MAX));
    }
}
