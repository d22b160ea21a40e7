//! Kubernetes `resource.Quantity`: `500m`, `4Gi`, `1.5`, `1e3`, kept as exact milli-units.
//!
//! The grammar is apimachinery's:
//!
//! ```text
//! <quantity> ::= <signedNumber><suffix>
//! <suffix>   ::= <binarySI> | <decimalExponent> | <decimalSI>
//! <binarySI> ::= Ki | Mi | Gi | Ti | Pi | Ei
//! <decimalSI>::= m | "" | k | M | G | T | P | E
//! <decimalExponent> ::= "e" <signedNumber> | "E" <signedNumber>
//! ```
//!
//! The value is stored as an `i64` count of milli-units, which is what the HPA computes with
//! (`Quantity.MilliValue()`). A sub-milli remainder rounds up (towards positive infinity), as
//! apimachinery does ("0.1m will be rounded up to 1m").
//!
//! # Examples
//!
//! ```
//! use tidescale::Quantity;
//! let q: Quantity = "500m".parse().unwrap();
//! assert_eq!(q.milli_value(), 500);
//! assert_eq!("4Gi".parse::<Quantity>().unwrap().value(), 4 * 1024 * 1024 * 1024);
//! assert_eq!("0.1".parse::<Quantity>().unwrap().milli_value(), 100);
//! assert!("1.2.3".parse::<Quantity>().is_err());
//! ```

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a quantity string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid quantity {input:?}: {reason}")]
pub struct QuantityError {
    /// The text that failed to parse.
    pub input: String,
    /// What was wrong with it.
    pub reason: &'static str,
}

/// Which suffix family a quantity was written in; used again when it is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum QuantityFormat {
    /// `Ki`, `Mi`, `Gi`, ... (powers of 1024).
    BinarySi,
    /// `m`, `k`, `M`, `G`, ... or no suffix (powers of 1000).
    #[default]
    DecimalSi,
    /// `1e3`, `5E-2`.
    DecimalExponent,
}

/// A Kubernetes resource quantity, exact to the milli-unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Quantity {
    milli: i64,
    format: QuantityFormat,
}

impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Quantity {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.milli.cmp(&other.milli)
    }
}

impl Quantity {
    /// A quantity of `milli` thousandths (decimal format).
    ///
    /// ```
    /// assert_eq!(tidescale::Quantity::from_milli(1500).to_string(), "1500m");
    /// ```
    pub const fn from_milli(milli: i64) -> Self {
        Self {
            milli,
            format: QuantityFormat::DecimalSi,
        }
    }

    /// A whole-unit quantity, saturating at the `i64` milli range.
    ///
    /// ```
    /// assert_eq!(tidescale::Quantity::from_units(3).milli_value(), 3000);
    /// ```
    pub const fn from_units(units: i64) -> Self {
        Self::from_milli(units.saturating_mul(1000))
    }

    /// The value in milli-units (`MilliValue()`).
    pub const fn milli_value(&self) -> i64 {
        self.milli
    }

    /// The value in whole units, rounded up (`Value()`).
    ///
    /// ```
    /// assert_eq!("1500m".parse::<tidescale::Quantity>().unwrap().value(), 2);
    /// ```
    pub const fn value(&self) -> i64 {
        let q = self.milli.div_euclid(1000);
        if self.milli.rem_euclid(1000) == 0 {
            q
        } else {
            q + 1
        }
    }

    /// The value as a float (`AsApproximateFloat64()`).
    ///
    /// ```
    /// assert_eq!("0.05".parse::<tidescale::Quantity>().unwrap().as_f64(), 0.05);
    /// ```
    pub fn as_f64(&self) -> f64 {
        self.milli as f64 / 1000.0
    }

    /// The suffix family the quantity was written in.
    pub const fn format(&self) -> QuantityFormat {
        self.format
    }

    /// The value written as `like` was written: a fraction of a unit as a decimal number
    /// (`83.334`) when `like` is whole units (a target of `100`), else as [`fmt::Display`]
    /// does (`83334m` next to a target of `500m`; whole values keep their suffix, `2Gi`).
    ///
    /// ```
    /// use tidescale::Quantity;
    /// let v = Quantity::from_milli(83_334);
    /// assert_eq!(v.display_like(&Quantity::from_units(100)), "83.334");
    /// assert_eq!(v.display_like(&Quantity::from_milli(500)), "83334m");
    /// assert_eq!(Quantity::from_milli(-1_500).display_like(&Quantity::from_units(1)), "-1.5");
    /// assert_eq!(Quantity::from_units(4).display_like(&Quantity::from_units(1)), "4");
    /// ```
    pub fn display_like(&self, like: &Self) -> String {
        if self.milli % 1000 == 0 || like.milli % 1000 != 0 {
            return self.to_string();
        }
        let sign = if self.milli < 0 { "-" } else { "" };
        let abs = self.milli.unsigned_abs();
        let frac = format!("{:03}", abs % 1000);
        format!("{sign}{}.{}", abs / 1000, frac.trim_end_matches('0'))
    }
}

const BINARY: [(&str, u32); 6] = [
    ("Ki", 10),
    ("Mi", 20),
    ("Gi", 30),
    ("Ti", 40),
    ("Pi", 50),
    ("Ei", 60),
];
const DECIMAL: [(&str, i32); 7] = [
    ("k", 3),
    ("M", 6),
    ("G", 9),
    ("T", 12),
    ("P", 15),
    ("E", 18),
    ("m", -3),
];

fn err(input: &str, reason: &'static str) -> QuantityError {
    QuantityError {
        input: input.to_owned(),
        reason,
    }
}

/// Splits `s` into (sign, integer digits, fraction digits, rest).
fn split_number(s: &str) -> (bool, &str, &str, &str) {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let int_end = body
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(body.len());
    let (int, rest) = body.split_at(int_end);
    if let Some(after_dot) = rest.strip_prefix('.') {
        let frac_end = after_dot
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(after_dot.len());
        let (frac, rest) = after_dot.split_at(frac_end);
        (neg, int, frac, rest)
    } else {
        (neg, int, "", rest)
    }
}

impl FromStr for Quantity {
    type Err = QuantityError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let s = input.trim();
        if s.is_empty() {
            return Err(err(input, "empty"));
        }
        let (neg, int, frac, suffix) = split_number(s);
        if int.is_empty() && frac.is_empty() {
            return Err(err(input, "no digits"));
        }
        // decimal exponent applied to the digits, and a binary shift
        let (format, dec_exp, bin_shift) = if suffix.is_empty() {
            (QuantityFormat::DecimalSi, 0i32, 0u32)
        } else if let Some(&(_, shift)) = BINARY.iter().find(|(n, _)| *n == suffix) {
            (QuantityFormat::BinarySi, 0, shift)
        } else if let Some(&(_, e)) = DECIMAL.iter().find(|(n, _)| *n == suffix) {
            (QuantityFormat::DecimalSi, e, 0)
        } else if let Some(exp) = suffix.strip_prefix(['e', 'E']) {
            let e: i32 = exp.parse().map_err(|_| err(input, "malformed exponent"))?;
            if !(-40..=40).contains(&e) {
                return Err(err(input, "exponent out of range"));
            }
            (QuantityFormat::DecimalExponent, e, 0)
        } else {
            return Err(err(input, "unknown suffix"));
        };
        // mantissa = int.frac as an integer, scaled by 10^-len(frac)
        let digits = int.trim_start_matches('0');
        let frac_trim = frac.trim_end_matches('0');
        if digits.len() + frac_trim.len() > 36 {
            return Err(err(input, "too many digits"));
        }
        let mut mantissa: i128 = 0;
        for c in digits.bytes().chain(frac_trim.bytes()) {
            mantissa = mantissa * 10 + i128::from(c - b'0');
        }
        // milli = mantissa * 10^(dec_exp + 3 - frac_len) * 2^bin_shift, rounded up
        let exp10 = dec_exp + 3 - frac_trim.len() as i32;
        let too_big = || err(input, "magnitude out of range");
        let mut value = mantissa
            .checked_mul(1i128 << bin_shift)
            .ok_or_else(too_big)?;
        if exp10 >= 0 {
            for _ in 0..exp10 {
                value = value.checked_mul(10).ok_or_else(too_big)?;
            }
        } else {
            let div = (0..-exp10).try_fold(1i128, |acc, _| acc.checked_mul(10));
            match div {
                Some(div) => {
                    let q = value / div;
                    let rounded_up = value % div != 0;
                    // round towards +inf: positive values with a remainder go up
                    value = if rounded_up && !neg { q + 1 } else { q };
                }
                None => value = i128::from(mantissa != 0 && !neg),
            }
        }
        let signed = if neg { -value } else { value };
        let milli = i64::try_from(signed).map_err(|_| too_big())?;
        Ok(Self { milli, format })
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.milli;
        if m % 1000 != 0 {
            return write!(f, "{m}m");
        }
        let units = m / 1000;
        if units == 0 {
            return f.write_str("0");
        }
        match self.format {
            QuantityFormat::BinarySi => {
                for &(name, shift) in BINARY.iter().rev() {
                    let d = 1i64 << shift;
                    if units % d == 0 {
                        return write!(f, "{}{name}", units / d);
                    }
                }
                write!(f, "{units}")
            }
            QuantityFormat::DecimalSi | QuantityFormat::DecimalExponent => {
                let mut best: Option<(&str, i64)> = None;
                for &(name, e) in DECIMAL.iter().filter(|(_, e)| *e > 0) {
                    let d = 10i64.pow(e as u32);
                    if units % d == 0 {
                        best = Some((name, units / d));
                    }
                }
                match best {
                    Some((name, v)) => write!(f, "{v}{name}"),
                    None => write!(f, "{units}"),
                }
            }
        }
    }
}

impl Serialize for Quantity {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Quantity;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a Kubernetes quantity such as \"500m\", \"4Gi\" or 1.5")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Quantity, E> {
                v.parse().map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Quantity, E> {
                v.checked_mul(1000)
                    .map(Quantity::from_milli)
                    .ok_or_else(|| E::custom(format!("quantity {v} is out of range")))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Quantity, E> {
                i64::try_from(v)
                    .map_err(|_| E::custom(format!("quantity {v} is out of range")))
                    .and_then(|v| self.visit_i64(v))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Quantity, E> {
                if !v.is_finite() {
                    return Err(E::custom(format!("quantity {v} is not a finite number")));
                }
                // Shortest round-trip decimal text, then the exact grammar.
                format!("{v:?}").parse().map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Quantity {
        s.parse().unwrap()
    }

    #[test]
    fn grammar() {
        assert_eq!(q("500m").milli_value(), 500);
        assert_eq!(q("1").milli_value(), 1000);
        assert_eq!(q("1.5").milli_value(), 1500);
        assert_eq!(q("1k").milli_value(), 1_000_000);
        assert_eq!(q("1Ki").milli_value(), 1_024_000);
        assert_eq!(q("4Gi").value(), 4 << 30);
        assert_eq!(q("1e3").milli_value(), 1_000_000);
        assert_eq!(q("5E-2").milli_value(), 50);
        assert_eq!(q("0.1m").milli_value(), 1);
        assert_eq!(q("0.0001").milli_value(), 1);
        assert_eq!(q("-1.5").milli_value(), -1500);
        assert_eq!(q("+2").milli_value(), 2000);
        assert_eq!(q(".5").milli_value(), 500);
        assert_eq!(q("100m").as_f64(), 0.1);
        assert_eq!(q("1.5Gi").value(), 3 << 29);
    }

    #[test]
    fn rejects() {
        for s in [
            "",
            "m",
            "1.2.3",
            "1x",
            "1 Gi",
            "abc",
            "1e",
            "1e999",
            "9E",
            "99999999999999999999",
        ] {
            assert!(s.parse::<Quantity>().is_err(), "{s}");
        }
    }

    #[test]
    fn display() {
        assert_eq!(q("500m").to_string(), "500m");
        assert_eq!(q("4Gi").to_string(), "4Gi");
        assert_eq!(q("1536Mi").to_string(), "1536Mi");
        assert_eq!(q("2000").to_string(), "2k");
        assert_eq!(q("1.5").to_string(), "1500m");
        assert_eq!(q("0").to_string(), "0");
    }

    #[test]
    fn serde_string_and_number() {
        let a: Quantity = serde_json::from_str("\"250m\"").unwrap();
        assert_eq!(a.milli_value(), 250);
        let b: Quantity = serde_json::from_str("100").unwrap();
        assert_eq!(b.milli_value(), 100_000);
        let c: Quantity = serde_json::from_str("0.05").unwrap();
        assert_eq!(c.milli_value(), 50);
        assert_eq!(serde_json::to_string(&a).unwrap(), "\"250m\"");
    }
}
