//! The Go parsers KEDA's numbers and flags pass through, reproduced exactly (spec §7), and the
//! float <-> quantity conversions KEDA applies to every metric.
//!
//! Rust's own parsers differ from Go's on hex floats, underscores, `+` signs, overflow and JSON
//! grammar, so none of them is used directly on user text.

/// Go `strconv.ParseBool`: `1 t T TRUE true True` / `0 f F FALSE false False`, nothing else.
///
/// ```
/// use tidescale::keda::go_parse_bool;
/// assert_eq!(go_parse_bool("T"), Some(true));
/// assert_eq!(go_parse_bool("FaLsE"), None);
/// ```
pub fn go_parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Go `strconv.ParseInt(s, 10, 64)`: optional sign, ASCII digits only, no underscores, in range.
///
/// ```
/// use tidescale::keda::go_parse_int;
/// assert_eq!(go_parse_int("+7"), Some(7));
/// assert_eq!(go_parse_int("0x10"), None);
/// ```
pub fn go_parse_int(s: &str) -> Option<i64> {
    let (neg, digits) = match s.as_bytes().first()? {
        b'+' => (false, s.get(1..)?),
        b'-' => (true, s.get(1..)?),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut v: i64 = 0;
    for b in digits.bytes() {
        let d = i64::from(b - b'0');
        // Accumulate negatively so i64::MIN parses.
        v = v.checked_mul(10)?.checked_sub(d)?;
    }
    if neg { Some(v) } else { v.checked_neg() }
}

/// `encoding/json` number grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
fn json_number_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if b.first() == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(c) if c.is_ascii_digit() => {
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
        }
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    i == b.len()
}

/// What `json.Unmarshal` does with `s` into an `int64` (KEDA's typed scaler config): JSON
/// integer grammar only (`+7`, `007`, `1e3`, `1.0` are errors), `null` leaves the zero value.
///
/// ```
/// use tidescale::keda::json_int;
/// assert_eq!(json_int(" 42 "), Some(42));
/// assert_eq!(json_int("+7"), None);
/// ```
pub fn json_int(s: &str) -> Option<i64> {
    let s = s.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r'));
    if s == "null" {
        return Some(0);
    }
    if !json_number_ok(s) || s.contains(['.', 'e', 'E']) {
        return None;
    }
    go_parse_int(s)
}

/// What `json.Unmarshal` does with `s` into a `float64`: JSON number grammar (no `NaN`, no
/// `Inf`, no hex), out-of-range is an error, `null` leaves 0.
///
/// ```
/// use tidescale::keda::json_float;
/// assert_eq!(json_float("1.5e2"), Some(150.0));
/// assert_eq!(json_float("one"), None);
/// ```
pub fn json_float(s: &str) -> Option<f64> {
    let s = s.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r'));
    if s == "null" {
        return Some(0.0);
    }
    if !json_number_ok(s) {
        return None;
    }
    let v: f64 = s.parse().ok()?;
    v.is_finite().then_some(v)
}

/// Go `strconv.ParseFloat(s, 64)`: decimal and hex floats (`0x1p-2`), `_` between digits,
/// `inf`/`infinity`/`nan` in any case (signs only on infinities); overflow is an error;
/// surrounding spaces are errors.
///
/// ```
/// use tidescale::keda::go_parse_float;
/// assert_eq!(go_parse_float("0x1p-2"), Some(0.25));
/// assert_eq!(go_parse_float("1_000"), Some(1000.0));
/// assert_eq!(go_parse_float("1e400"), None);
/// assert_eq!(go_parse_float(" 0.5"), None);
/// ```
pub fn go_parse_float(s: &str) -> Option<f64> {
    if s.is_empty() {
        return None;
    }
    // Special values.
    let (sign, rest) = match s.as_bytes().first() {
        Some(b'+') => (1.0, s.get(1..)?),
        Some(b'-') => (-1.0, s.get(1..)?),
        _ => (1.0, s),
    };
    let lower = rest.to_ascii_lowercase();
    if lower == "inf" || lower == "infinity" {
        return Some(sign * f64::INFINITY);
    }
    if lower == "nan" {
        return (rest.len() == s.len()).then_some(f64::NAN);
    }
    if !underscore_ok(s) {
        return None;
    }
    let clean: String = rest.chars().filter(|&c| c != '_').collect();
    let v = if clean.len() > 1 && (clean.starts_with("0x") || clean.starts_with("0X")) {
        parse_hex_float(clean.get(2..)?)?
    } else {
        // Decimal: digits, optional '.', optional exponent; at least one mantissa digit.
        let b = clean.as_bytes();
        let mut i = 0;
        let mut digits = 0;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
            digits += 1;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
                digits += 1;
            }
        }
        if digits == 0 {
            return None;
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            let start = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == start {
                return None;
            }
        }
        if i != b.len() {
            return None;
        }
        clean.parse::<f64>().ok()?
    };
    // Go reports overflow (ErrRange); underflow to 0 is not an error.
    v.is_finite().then_some(sign * v)
}

/// Go's `underscoreOK`: underscores only between digits (or after a base prefix).
fn underscore_ok(s: &str) -> bool {
    let mut b = s.as_bytes();
    if matches!(b.first(), Some(b'+' | b'-')) {
        b = b.get(1..).unwrap_or_default();
    }
    let mut saw = b'^';
    let mut i = 0;
    let mut hex = false;
    if b.len() >= 2
        && b.first() == Some(&b'0')
        && matches!(
            b.get(1).map(u8::to_ascii_lowercase),
            Some(b'b' | b'o' | b'x')
        )
    {
        i = 2;
        saw = b'0';
        hex = b.get(1).map(u8::to_ascii_lowercase) == Some(b'x');
    }
    while let Some(&c) = b.get(i) {
        i += 1;
        if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            saw = b'0';
            continue;
        }
        if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
            continue;
        }
        if saw == b'_' {
            return false;
        }
        saw = b'!';
    }
    saw != b'_'
}

/// Hex float body after `0x`: hex mantissa with optional '.', mandatory `p` exponent.
fn parse_hex_float(s: &str) -> Option<f64> {
    let (mant, exp) = s.split_once(['p', 'P'])?;
    let exp: i32 = {
        let (neg, d) = match exp.as_bytes().first()? {
            b'+' => (false, exp.get(1..)?),
            b'-' => (true, exp.get(1..)?),
            _ => (false, exp),
        };
        if d.is_empty() || !d.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let v: i32 = d.parse().unwrap_or(i32::MAX / 2).min(100_000);
        if neg { -v } else { v }
    };
    let (int_part, frac_part) = mant.split_once('.').unwrap_or((mant, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mut m: u64 = 0;
    let mut e: i32 = exp;
    let mut sticky = false;
    for (is_frac, c) in int_part
        .chars()
        .map(|c| (false, c))
        .chain(frac_part.chars().map(|c| (true, c)))
    {
        let d = u64::from(c.to_digit(16)?);
        if m >> 60 == 0 {
            m = (m << 4) | d;
            if is_frac {
                e -= 4;
            }
        } else {
            sticky |= d != 0;
            if !is_frac {
                e += 4;
            }
        }
    }
    if sticky {
        m |= 1;
    }
    let v = (m as f64) * 2f64.powi(e);
    Some(v)
}

/// Go's `int64(f)` on amd64: truncation toward zero; NaN and out-of-range give `i64::MIN`
/// (the CPU's "integer indefinite" value).
pub(crate) fn go_f64_to_i64(f: f64) -> i64 {
    // 2^63 is exactly representable; the valid range is [-2^63, 2^63).
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if f.is_nan() || !(-TWO_63..TWO_63).contains(&f) {
        i64::MIN
    } else {
        f as i64
    }
}

/// KEDA's `GenerateMetricInMili`: the value in milli-units, rounded to the nearest milli;
/// NaN, ±Inf and negative values become 0; values beyond the `i64` milli range saturate.
///
/// ```
/// use tidescale::keda::metric_milli;
/// assert_eq!(metric_milli(1.2345), 1235);
/// assert_eq!(metric_milli(-5.0), 0);
/// assert_eq!(metric_milli(f64::NAN), 0);
/// ```
pub fn metric_milli(value: f64) -> i64 {
    let m = value * 1000.0;
    if !m.is_finite() || m < 0.0 {
        return 0;
    }
    // Above 2^63 milli Go's int64() conversion is platform-defined (amd64 gives MinInt64, a
    // negative metric); tidescale saturates at i64::MAX instead.
    m.round() as i64
}

/// `Quantity.AsApproximateFloat64()` of a milli quantity: a whole number is exact; otherwise
/// `milli × 10^-3` in float64 (so `700m` reads as `0.7000000000000001`).
///
/// ```
/// use tidescale::keda::approx_f64;
/// assert_eq!(approx_f64(700), 0.7000000000000001);
/// assert_eq!(approx_f64(7000), 7.0);
/// ```
pub fn approx_f64(milli: i64) -> f64 {
    if milli % 1000 == 0 {
        (milli / 1000) as f64
    } else {
        milli as f64 * 0.001
    }
}

/// Replaces each of `/ . : % ( )` by `-`, as KEDA's `NormalizeString` does for metric names.
pub fn normalize_metric_name(s: &str) -> String {
    s.chars()
        .map(|c| {
            if matches!(c, '/' | '.' | ':' | '%' | '(' | ')') {
                '-'
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_float_edges() {
        assert_eq!(go_parse_float("NaN").map(f64::is_nan), Some(true));
        assert_eq!(go_parse_float("+NaN"), None);
        assert_eq!(go_parse_float("-Inf"), Some(f64::NEG_INFINITY));
        assert_eq!(go_parse_float("-0"), Some(-0.0));
        assert_eq!(go_parse_float("0.5 "), None);
        assert_eq!(go_parse_float("_1"), None);
        assert_eq!(go_parse_float("1__0"), None);
        assert_eq!(go_parse_float("0x10"), None);
        assert_eq!(go_parse_float("0x1.8p1"), Some(3.0));
        assert_eq!(go_parse_float(".5"), Some(0.5));
        assert_eq!(go_parse_float("5."), Some(5.0));
        assert_eq!(go_parse_float("1e-400"), Some(0.0));
        assert_eq!(go_parse_float("abc"), None);
        assert_eq!(go_parse_float(""), None);
    }

    #[test]
    fn go_int_edges() {
        assert_eq!(go_parse_int("-9223372036854775808"), Some(i64::MIN));
        assert_eq!(go_parse_int("9223372036854775808"), None);
        assert_eq!(go_parse_int("١٢"), None);
        assert_eq!(go_parse_int("-"), None);
        assert_eq!(json_int("007"), None);
        assert_eq!(json_int("-0"), Some(0));
        assert_eq!(json_int("1e3"), None);
        assert_eq!(json_int("null"), Some(0));
        assert_eq!(json_float("NaN"), None);
        assert_eq!(json_float("1e400"), None);
    }

    #[test]
    fn go_conversions() {
        assert_eq!(go_f64_to_i64(f64::NAN), i64::MIN);
        assert_eq!(go_f64_to_i64(-2.7), -2);
        assert_eq!(go_f64_to_i64(1e19), i64::MIN);
        assert_eq!(normalize_metric_name("a/b.c:d%e(f)"), "a-b-c-d-e-f-");
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn parse_int_agrees_with_decimal_text(v in any::<i64>()) {
            prop_assert_eq!(go_parse_int(&v.to_string()), Some(v));
            prop_assert_eq!(json_int(&v.to_string()), Some(v));
        }

        #[test]
        fn metric_milli_is_never_negative(v in any::<f64>()) {
            prop_assert!(metric_milli(v) >= 0);
        }

        #[test]
        fn go_float_never_panics_and_round_trips(v in any::<f64>(), s in ".{0,24}") {
            let _ = go_parse_float(&s);
            if v.is_finite() {
                prop_assert_eq!(go_parse_float(&format!("{v:e}")), Some(v));
            }
        }
    }
}
