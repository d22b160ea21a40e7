//! Erlang B and C: the M/M/c queue, and sizing by "fewest servers meeting a wait target".
//!
//! Erlang B uses the recursion `B_k = a·B_{k−1} / (k + a·B_{k−1})`, stable for thousands of
//! servers (no factorials, no `a^c`). Erlang C follows as `C = c·B / (c − a(1 − B))`.
//!
//! ```
//! use tidescale::capacity::queueing::{mmc, size_for_wait_prob};
//! // λ = 20/s, S = 0.5 s (a = 10 Erlangs): P(wait > 0.1 s) <= 5 % needs 15 servers.
//! let s = size_for_wait_prob(20.0, 0.5, 0.1, 0.05, None)?;
//! assert_eq!(s.servers, 15);
//! assert!(s.met);
//! assert!((s.value_at_servers - 0.037539288950709848).abs() < 1e-12);
//! let m = mmc(20.0, 0.5, 14, 0.1)?;
//! assert!((m.prob_wait_gt_t - 0.078242521341992560).abs() < 1e-12);
//! # Ok::<(), tidescale::capacity::CapacityError>(())
//! ```

use super::{CapacityError, positive};

/// The largest server count the sizing searches try when the caller gives no cap.
pub const DEFAULT_MAX_SERVERS: u32 = 1_000_000;

/// Erlang B blocking probability for `servers` servers and offered load `a` Erlangs.
///
/// `a` must be finite and non-negative (not checked here; [`mmc`] checks its inputs).
pub fn erlang_b(servers: u32, a: f64) -> f64 {
    let mut b = 1.0;
    for k in 1..=servers {
        let ab = a * b;
        b = ab / (f64::from(k) + ab);
    }
    b
}

/// Erlang C (probability of waiting) from Erlang B, for a stable queue (`c > a`).
fn erlang_c_from_b(c: f64, a: f64, b: f64) -> f64 {
    c * b / (c - a * (1.0 - b))
}

/// M/M/c figures for one server count.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct MmcMetrics {
    /// `a = λ·S`, in Erlangs.
    pub offered_load: f64,
    /// `ρ = a / c`.
    pub utilization: f64,
    /// Erlang B: the blocking probability of the same system without a queue.
    pub erlang_b: f64,
    /// Erlang C: the probability that an arrival waits.
    pub prob_wait: f64,
    /// Mean wait in queue `Wq = C·S/(c − a)`, in the unit of `S`.
    pub mean_wait: f64,
    /// Mean response time `Wq + S`.
    pub mean_response: f64,
    /// `P(wait > t) = C·exp(−(c − a)·t/S)`.
    pub prob_wait_gt_t: f64,
}

fn check_rates(arrival_rate: f64, mean_service_time: f64) -> Result<f64, CapacityError> {
    let l = positive("arrivalRate", arrival_rate, false)?;
    let s = positive("meanServiceTime", mean_service_time, false)?;
    Ok(l * s)
}

fn metrics_at(c: u32, a: f64, b: f64, s: f64, t: f64) -> MmcMetrics {
    let cf = f64::from(c);
    let pw = erlang_c_from_b(cf, a, b);
    let wq = pw * s / (cf - a);
    MmcMetrics {
        offered_load: a,
        utilization: a / cf,
        erlang_b: b,
        prob_wait: pw,
        mean_wait: wq,
        mean_response: wq + s,
        prob_wait_gt_t: pw * (-(cf - a) * t / s).exp(),
    }
}

/// M/M/c metrics: arrival rate `λ` (per unit time), mean service time `S`, `servers`, and the
/// wait threshold `t` for `P(wait > t)` (same time unit as `S`).
///
/// Errors: a non-positive or non-finite rate or time ([`CapacityError::InvalidValue`]), a
/// negative `t`, or `servers <= λ·S` ([`CapacityError::Unstable`]).
pub fn mmc(
    arrival_rate: f64,
    mean_service_time: f64,
    servers: u32,
    t: f64,
) -> Result<MmcMetrics, CapacityError> {
    let a = check_rates(arrival_rate, mean_service_time)?;
    let t = positive("t", t, true)?;
    if f64::from(servers) <= a {
        return Err(CapacityError::Unstable {
            offered_load: a,
            servers,
        });
    }
    Ok(metrics_at(
        servers,
        a,
        erlang_b(servers, a),
        mean_service_time,
        t,
    ))
}

/// The answer of a sizing search.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Sizing {
    /// The fewest servers meeting the target, or the cap when `met` is false.
    pub servers: u32,
    /// Whether `servers` meets the target (false: the cap was reached; `value_at_servers` is
    /// then the best figure achievable within the cap).
    pub met: bool,
    /// The criterion (`P(wait > t)` or `Wq`) at `servers`.
    pub value_at_servers: f64,
    /// The criterion at `servers − 1`, or `None` when `servers − 1` is unstable.
    pub value_at_servers_minus_1: Option<f64>,
}

/// Smallest `c > a` with `criterion(c) <= target`, searching up to `max_servers`.
fn size_by(
    a: f64,
    s: f64,
    t: f64,
    target: f64,
    max_servers: u32,
    criterion: impl Fn(&MmcMetrics) -> f64,
) -> Result<Sizing, CapacityError> {
    // First stable count: floor(a) + 1 (a is finite and non-negative here).
    let first = a.floor() + 1.0;
    if first > f64::from(max_servers) {
        return Err(CapacityError::Unstable {
            offered_load: a,
            servers: max_servers,
        });
    }
    // `first` is in [1, max_servers], so the conversion is exact.
    let first = first as u32;
    let mut b = erlang_b(first, a);
    let mut prev: Option<f64> = None;
    let mut c = first;
    loop {
        let v = criterion(&metrics_at(c, a, b, s, t));
        if v <= target || c == max_servers {
            return Ok(Sizing {
                servers: c,
                met: v <= target,
                value_at_servers: v,
                value_at_servers_minus_1: prev,
            });
        }
        prev = Some(v);
        c += 1;
        let ab = a * b;
        b = ab / (f64::from(c) + ab);
    }
}

/// Fewest servers `c > λ·S` with `P(wait > t) <= eps`.
///
/// `max_servers` caps the search (default [`DEFAULT_MAX_SERVERS`]); when the cap is reached
/// first, the answer has `met == false` and the best achievable figure.
pub fn size_for_wait_prob(
    arrival_rate: f64,
    mean_service_time: f64,
    t: f64,
    eps: f64,
    max_servers: Option<u32>,
) -> Result<Sizing, CapacityError> {
    let a = check_rates(arrival_rate, mean_service_time)?;
    let t = positive("t", t, true)?;
    let eps = positive("eps", eps, false)?;
    if eps > 1.0 {
        return Err(CapacityError::InvalidValue {
            field: "eps",
            reason: format!("{eps} is a probability above 1"),
        });
    }
    let cap = max_servers.unwrap_or(DEFAULT_MAX_SERVERS);
    size_by(a, mean_service_time, t, eps, cap, |m| m.prob_wait_gt_t)
}

/// Fewest servers `c > λ·S` with mean wait `Wq <= max_mean_wait`.
///
/// `max_servers` caps the search as in [`size_for_wait_prob`].
pub fn size_for_mean_wait(
    arrival_rate: f64,
    mean_service_time: f64,
    max_mean_wait: f64,
    max_servers: Option<u32>,
) -> Result<Sizing, CapacityError> {
    let a = check_rates(arrival_rate, mean_service_time)?;
    let w = positive("maxMeanWait", max_mean_wait, true)?;
    let cap = max_servers.unwrap_or(DEFAULT_MAX_SERVERS);
    size_by(a, mean_service_time, 0.0, w, cap, |m| m.mean_wait)
}

/// M/M/c/K (finite room `k >= c`, arrivals beyond it are lost): probability that an arrival is
/// blocked, and the throughput `λ(1 − p_K)`.
///
/// Probabilities are built by the ratio recursion `p_{n+1} = p_n·a/min(n+1, c)`, rescaled as
/// they grow, so large `c` and `k` do not overflow.
pub fn mmck_blocking(
    arrival_rate: f64,
    mean_service_time: f64,
    servers: u32,
    capacity: u32,
) -> Result<(f64, f64), CapacityError> {
    let a = check_rates(arrival_rate, mean_service_time)?;
    if servers == 0 {
        return Err(CapacityError::InvalidValue {
            field: "servers",
            reason: "0 servers".into(),
        });
    }
    if capacity < servers {
        return Err(CapacityError::InvalidValue {
            field: "capacity",
            reason: format!("room {capacity} is below the {servers} servers"),
        });
    }
    // Unnormalised p_n with running rescale; track the sum and the last term.
    let mut p = 1.0_f64;
    let mut sum = 1.0_f64;
    for n in 0..capacity {
        let div = f64::from((n + 1).min(servers));
        p = p * a / div;
        sum += p;
        if sum > 1e250 {
            p /= 1e250;
            sum /= 1e250;
        }
    }
    let pk = p / sum;
    Ok((pk, arrival_rate * (1.0 - pk)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worked_example_from_the_vectors() {
        // erlangc-003: λ = 20, S = 0.5, c = 14, t = 0.1.
        let m = mmc(20.0, 0.5, 14, 0.1).unwrap();
        assert_eq!(m.offered_load, 10.0);
        assert!((m.erlang_b - 0.056_819_143_386_520_86).abs() < 1e-15);
        assert!((m.prob_wait - 0.174_131_933_595_049_83).abs() < 1e-15);
        assert!((m.mean_wait - 0.021_766_491_699_381_23).abs() < 1e-15);
    }

    #[test]
    fn thousands_of_servers_do_not_overflow() {
        // a = 1900 Erlangs on 2000 servers: a^c/c! would overflow; the recursion does not.
        let m = mmc(1900.0, 1.0, 2000, 0.0).unwrap();
        assert!(m.prob_wait.is_finite() && m.prob_wait > 0.0 && m.prob_wait < 1.0);
    }

    #[test]
    fn size_for_mean_wait_matches_the_vector() {
        // erlangc-102: λ = 20, S = 0.5, Wq <= 0.1 -> 13 servers.
        let s = size_for_mean_wait(20.0, 0.5, 0.1, None).unwrap();
        assert_eq!(s.servers, 13);
        assert!((s.value_at_servers - 0.047_545_075_506_082_154).abs() < 1e-15);
        assert!((s.value_at_servers_minus_1.unwrap() - 0.112_347_056_074_567_71).abs() < 1e-14);
    }

    #[test]
    fn unmeetable_within_cap_reports_best() {
        let s = size_for_wait_prob(20.0, 0.5, 0.1, 1e-9, Some(12)).unwrap();
        assert!(!s.met);
        assert_eq!(s.servers, 12);
        assert!(s.value_at_servers > 1e-9);
    }

    #[test]
    fn bad_input_names_the_field() {
        for (l, s, field) in [
            (0.0, 1.0, "arrivalRate"),
            (1.0, f64::NAN, "meanServiceTime"),
        ] {
            match mmc(l, s, 3, 0.0) {
                Err(CapacityError::InvalidValue { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{other:?}"),
            }
        }
        assert!(matches!(
            mmc(10.0, 1.0, 10, 0.0),
            Err(CapacityError::Unstable { .. })
        ));
    }

    #[test]
    fn mmck_with_one_server_and_no_queue_is_erlang_b() {
        // M/M/1/1 blocking = a/(1+a); with a = 1: 0.5.
        let (pk, x) = mmck_blocking(1.0, 1.0, 1, 1).unwrap();
        assert_eq!(pk, 0.5);
        assert_eq!(x, 0.5);
        // M/M/c/c equals Erlang B.
        let (pk, _) = mmck_blocking(20.0, 0.5, 14, 14).unwrap();
        assert!((pk - erlang_b(14, 10.0)).abs() < 1e-15);
    }
}
