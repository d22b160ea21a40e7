//! Go's float and time arithmetic where it differs from Rust's.
//!
//! Go's `math.Exp2` and `math.Log` are not correctly rounded; the platform's libm gives a
//! different last bit for a few percent of arguments, which changes VPA weights, totals and
//! checkpoints by one ulp. [`go_exp2`] and [`go_log`] evaluate Go's own algorithms (the
//! FreeBSD `msun` polynomials Go ships) operation for operation, as Go runs them on amd64:
//! `Exp2` is Go code there (no assembly, and Go does not fuse multiply-adds on amd64 by
//! default, nor does Rust); `Log` is assembly (`log_amd64.s`) with the same operations except
//! the `f1 <= √2/2` comparison (pure Go uses `<`).

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
    // trunc, exactly: |y| < 9e18 < 2^63 here, and `as` truncates toward zero (no libm call).
    let mut yi = (y.abs() as i64) as f64;
    let mut yf = y.abs() - yi;
    let mut a1 = 1.0_f64;
    let mut ae: i64 = 0;
    if yf != 0.0 {
        if yf > 0.5 {
            yf -= 1.0;
            yi += 1.0;
        }
        // Go's Exp is assembly on amd64 (FMA where the CPU has it): not reproduced here. The
        // VPA only raises to integral powers (bucket starts, confidence exponents 1 and -2).
        a1 = (yf * go_log(x)).exp();
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

/// Go's `math.Exp2(x)` (`exp2` + `expmulti` in `math/exp.go`), bit for bit.
// The constants are written as Go writes them (they round to the same doubles).
#[allow(clippy::excessive_precision)]
pub(crate) fn go_exp2(x: f64) -> f64 {
    const LN2_HI: f64 = 6.931_471_803_691_238_164_90e-1;
    const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10;
    const OVERFLOW: f64 = 1.023_999_999_999_999_9e3;
    const UNDERFLOW: f64 = -1.074e3;
    if x.is_nan() || x == f64::INFINITY {
        return x;
    }
    if x == f64::NEG_INFINITY || x < UNDERFLOW {
        return 0.0;
    }
    if x > OVERFLOW {
        return f64::INFINITY;
    }
    // Go's int(x ± 0.5) truncates toward zero, as `as` does for values in range.
    let k = if x > 0.0 {
        (x + 0.5) as i64
    } else if x < 0.0 {
        (x - 0.5) as i64
    } else {
        0
    };
    let t = x - k as f64;
    let hi = t * LN2_HI;
    let lo = -t * LN2_LO;
    expmulti(hi, lo, k)
}

/// Go's `expmulti`: e^(hi − lo) × 2^k for |hi − lo| ≤ ln(2)/2.
// The constants are written as Go writes them (they round to the same doubles).
#[allow(clippy::excessive_precision)]
fn expmulti(hi: f64, lo: f64, k: i64) -> f64 {
    const P1: f64 = 1.666_666_666_666_666_574_15e-1;
    const P2: f64 = -2.777_777_777_701_559_338_42e-3;
    const P3: f64 = 6.613_756_321_437_934_361_17e-5;
    const P4: f64 = -1.653_390_220_546_525_153_90e-6;
    const P5: f64 = 4.138_136_797_057_238_460_39e-8;
    let r = hi - lo;
    let t = r * r;
    let c = r - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
    let y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi);
    ldexp(y, k)
}

/// Go's `math.Log(x)` on amd64 (`log_amd64.s`), bit for bit.
// The constants are written as Go writes them (they round to the same doubles).
#[allow(clippy::excessive_precision)]
pub(crate) fn go_log(x: f64) -> f64 {
    const LN2_HI: f64 = 6.931_471_803_691_238_164_90e-1;
    const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10;
    const L1: f64 = 6.666_666_666_666_735_130e-1;
    const L2: f64 = 3.999_999_999_940_941_908e-1;
    const L3: f64 = 2.857_142_874_366_239_149e-1;
    const L4: f64 = 2.222_219_843_214_978_396e-1;
    const L5: f64 = 1.818_357_216_161_805_012e-1;
    const L6: f64 = 1.531_383_769_920_937_332e-1;
    const L7: f64 = 1.479_819_860_511_658_591e-1;
    // Go's HSqrt2 (0x3FE6A09E667F3BCD) is the double nearest √2/2.
    const HALF_SQRT2: f64 = std::f64::consts::FRAC_1_SQRT_2;
    if x.is_nan() || x == f64::INFINITY {
        return x;
    }
    if x < 0.0 {
        return f64::NAN;
    }
    if x == 0.0 {
        return f64::NEG_INFINITY;
    }
    let (mut f1, mut ki) = frexp(x);
    // The assembly's `cmpnlt` takes this branch when f1 == √2/2 as well.
    if f1 <= HALF_SQRT2 {
        f1 *= 2.0;
        ki -= 1;
    }
    let f = f1 - 1.0;
    let k = ki as f64;
    let s = f / (2.0 + f);
    let s2 = s * s;
    let s4 = s2 * s2;
    let t1 = s2 * (L1 + s4 * (L3 + s4 * (L5 + s4 * L7)));
    let t2 = s4 * (L2 + s4 * (L4 + s4 * L6));
    let r = t1 + t2;
    let hfsq = 0.5 * f * f;
    k * LN2_HI - ((hfsq - (s * (hfsq + r) + k * LN2_LO)) - f)
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
    f * pow2(e)
}

/// 2^e for −1000 ≤ e ≤ 1000, built from its bits: exactly `2f64.powi(e)` (a power of two is
/// exact in both), without `powi`'s call into compiler-rt's square-and-multiply loop.
#[inline]
fn pow2(e: i64) -> f64 {
    f64::from_bits(((e.clamp(-1000, 1000) + 1023) as u64) << 52)
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

    /// `(argument, result)` bit pairs printed by Go 1.19.8 linux/amd64 (`math.Exp2`, then
    /// `math.Log`), from `scripts/go-math-oracle.go`.
    const ORACLE: &str = include_str!("../../tests/data/go_math_amd64.txt");

    fn oracle(section: &str) -> Vec<(f64, f64)> {
        let mut lines = ORACLE.lines().skip_while(|l| *l != section).skip(1);
        let mut out = Vec::new();
        for l in lines.by_ref() {
            let Some((a, b)) = l.split_once(' ') else {
                break;
            };
            let bits = |h: &str| f64::from_bits(u64::from_str_radix(h, 16).expect("hex"));
            out.push((bits(a), bits(b)));
        }
        out
    }

    #[test]
    fn exp2_is_gos_bit_for_bit() {
        let cases = oracle("exp2");
        assert_eq!(cases.len(), 3000);
        for (x, want) in cases {
            assert_eq!(go_exp2(x).to_bits(), want.to_bits(), "Exp2({x:e})");
        }
    }

    #[test]
    fn log_is_gos_bit_for_bit() {
        let cases = oracle("log");
        assert_eq!(cases.len(), 3000);
        for (x, want) in cases {
            assert_eq!(go_log(x).to_bits(), want.to_bits(), "Log({x:e})");
        }
    }

    #[test]
    fn libm_differs_from_go_somewhere_in_the_oracle() {
        // The reason this module exists: if libm agreed everywhere, the oracle would be weak.
        let exp2_diff = oracle("exp2")
            .iter()
            .filter(|(x, w)| x.exp2() != *w)
            .count();
        let log_diff = oracle("log").iter().filter(|(x, w)| x.ln() != *w).count();
        assert!(exp2_diff > 0 && log_diff > 0, "{exp2_diff} {log_diff}");
    }

    #[test]
    fn exp2_and_log_special_cases() {
        assert_eq!(go_exp2(0.0), 1.0);
        assert_eq!(go_exp2(10.0), 1024.0);
        assert_eq!(go_exp2(-3.0), 0.125);
        assert_eq!(go_exp2(f64::INFINITY), f64::INFINITY);
        assert_eq!(go_exp2(f64::NEG_INFINITY), 0.0);
        assert_eq!(go_exp2(1024.0), f64::INFINITY);
        assert_eq!(go_exp2(-1075.0), 0.0);
        assert!(go_exp2(f64::NAN).is_nan());
        assert_eq!(go_log(1.0), 0.0);
        assert_eq!(go_log(0.0), f64::NEG_INFINITY);
        assert!(go_log(-1.0).is_nan());
        assert_eq!(go_log(f64::INFINITY), f64::INFINITY);
    }

    #[test]
    fn pow_matches_go_on_simple_values() {
        assert_eq!(go_pow(1.5, 2.0), 2.25);
        assert_eq!(go_pow(17.0, 2.0), 289.0);
        assert_eq!(go_pow(2.0, -2.0), 0.25);
        assert_eq!(go_pow(f64::INFINITY, 1.0), f64::INFINITY);
        assert_eq!(go_pow(f64::INFINITY, -2.0), 0.0);
        assert_eq!(go_pow(4.0, 0.5), 2.0);
    }

    /// `pow2` is `powi` at every exponent `ldexp` passes it, and `ldexp` with it scales any
    /// mantissa exactly as the `powi` form did (normal, subnormal and overflowing results).
    #[test]
    fn pow2_is_powi() {
        for e in -1000..=1000i64 {
            assert_eq!(pow2(e).to_bits(), 2f64.powi(e as i32).to_bits(), "2^{e}");
            for f in [
                1.0,
                0.75,
                1.999_999_999_999_999_8,
                1.234_567_890_123e-3,
                1.5e300,
            ] {
                let old = f * 2f64.powi(e as i32);
                assert_eq!((f * pow2(e)).to_bits(), old.to_bits(), "{f} * 2^{e}");
            }
        }
        assert_eq!(
            ldexp(1.5, -1060).to_bits(),
            (1.5 * 2f64.powi(-1000) * 2f64.powi(-60)).to_bits()
        );
    }

    proptest::proptest! {
        /// `go_pow`'s truncation through `i64` is `trunc` wherever it is used (|y| < 9e18).
        #[test]
        fn int_cast_is_trunc(y in 0.0f64..9.0e18, small in 0.0f64..1e4) {
            for a in [y, small] {
                proptest::prop_assert_eq!(((a as i64) as f64).to_bits(), a.trunc().to_bits());
            }
        }
    }

    #[test]
    fn minutes_is_go_form() {
        assert_eq!(duration_minutes(86_400_000_000_000), 1440.0);
        assert_eq!(duration_minutes(90_000_000_000), 1.5);
    }
}
