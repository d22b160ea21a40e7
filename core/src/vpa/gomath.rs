//! Go's float and time arithmetic where it differs from Rust's.

/// Go's `math.Pow(x, y)` for the finite, positive bases used by the VPA: the integral part of
/// the exponent by repeated squaring on the `frexp` mantissa (not correctly rounded), a
/// fractional part through `exp(yf * ln x)`, and `1/ans` for negative exponents.
pub(crate) fn go_pow(x: f64, y: f64) -> f64 {
    if y == 0.0 || x == 1.0 {
        return 1.0;
    }
    if y == 1.0 {
        return x;
    }
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x == 0.0 || x.is_infinite() || y.is_infinite() || x < 0.0 || y.abs() >= 9.0e18 {
        // Special cases (Go and IEEE agree on these).
        return x.powf(y);
    }
    let mut yi = y.abs().trunc();
    let mut yf = y.abs() - yi;
    let mut a1 = 1.0_f64;
    let mut ae: i64 = 0;
    if yf != 0.0 {
        if yf > 0.5 {
            yf -= 1.0;
            yi += 1.0;
        }
        a1 = (yf * x.ln()).exp();
    }
    let (mut x1, mut xe) = frexp(x);
    let mut i = yi as i64;
    while i != 0 {
        if !(-(1 << 12)..=(1 << 12)).contains(&xe) {
            ae += xe;
            break;
        }
        if i & 1 == 1 {
            a1 *= x1;
            ae += xe;
        }
        x1 *= x1;
        xe <<= 1;
        if x1 < 0.5 {
            x1 += x1;
            xe -= 1;
        }
        i >>= 1;
    }
    if y < 0.0 {
        a1 = 1.0 / a1;
        ae = -ae;
    }
    ldexp(a1, ae)
}

/// `frexp` for finite non-zero `x`: mantissa in [0.5, 1) and exponent.
fn frexp(x: f64) -> (f64, i64) {
    let mut x = x;
    let mut e = 0_i64;
    if x.abs() < f64::MIN_POSITIVE {
        // Normalise subnormals.
        x *= (1u64 << 52) as f64;
        e = -52;
    }
    let bits = x.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i64;
    e += exp - 1022;
    let mant = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    (mant, e)
}

/// `ldexp(frac, exp)` = frac × 2^exp, with gradual underflow / overflow to infinity.
fn ldexp(frac: f64, exp: i64) -> f64 {
    let mut f = frac;
    let mut e = exp.clamp(-2200, 2200);
    while e > 1000 {
        f *= 2f64.powi(1000);
        e -= 1000;
    }
    while e < -1000 {
        f *= 2f64.powi(-1000);
        e += 1000;
    }
    f * 2f64.powi(e as i32)
}

/// Go's `Duration.Minutes()` for a duration in nanoseconds: whole minutes plus the
/// remainder's fraction (not `d / 60e9`).
pub(crate) fn duration_minutes(ns: i64) -> f64 {
    const MINUTE: i64 = 60_000_000_000;
    (ns / MINUTE) as f64 + (ns % MINUTE) as f64 / 60e9
}

/// Go's unexported `round(x) = int(math.Floor(x + 0.5))` as a float.
pub(crate) fn round_half_up(x: f64) -> f64 {
    (x + 0.5).floor()
}

/// Milliseconds to nanoseconds, saturating like Go's `time.Sub`.
pub(crate) fn ms_to_ns(ms: i64) -> i64 {
    ms.saturating_mul(1_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pow_matches_go_on_simple_values() {
        assert_eq!(go_pow(1.5, 2.0), 2.25);
        assert_eq!(go_pow(17.0, 2.0), 289.0);
        assert_eq!(go_pow(2.0, -2.0), 0.25);
        assert_eq!(go_pow(f64::INFINITY, 1.0), f64::INFINITY);
        assert_eq!(go_pow(f64::INFINITY, -2.0), 0.0);
        assert_eq!(go_pow(4.0, 0.5), 2.0);
    }

    #[test]
    fn minutes_is_go_form() {
        assert_eq!(duration_minutes(86_400_000_000_000), 1440.0);
        assert_eq!(duration_minutes(90_000_000_000), 1.5);
    }
}
