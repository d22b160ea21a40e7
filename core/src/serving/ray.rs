//! Ray Serve's default autoscaling policy (`replica_queue_length_autoscaling_policy`, Ray 2.60
//! semantics): target ongoing requests, scaling factors, wall-clock upscale/downscale delays,
//! scale to zero from one replica, cold start, and target-capacity bounds.
//!
//! Time is `now_s`, float seconds as Ray's `time.time()`: the delay test
//! `now − first + 1e-6 >= delay_s` is done on the same doubles Ray uses.
//!
//! ```
//! use tidescale::serving::ray::{Policy, RayConfig};
//! let cfg = RayConfig { min_replicas: 1, max_replicas: 5, upscale_delay_s: 0.0,
//!     downscale_delay_s: 0.0, ..RayConfig::default() };
//! let mut p = Policy::new(cfg, None, None)?;
//! let target = p.register(0);                 // bounds: 1
//! let d = p.step(1_700_000_000.0, 100.0, 1, target);
//! assert_eq!((d.raw_decision, d.decision), (50, 5)); // 100 requests / 2 per replica, max 5
//! println!("{d}");
//! # Ok::<(), tidescale::serving::ServingError>(())
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{ServingError, invalid, non_negative};

/// `_DELAY_ELAPSED_EPS_S`.
pub const DELAY_EPS_S: f64 = 1e-6;

/// Ray's `AutoscalingConfig` (snake_case, as Ray spells it), with Ray's defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RayConfig {
    /// `min_replicas` (1).
    pub min_replicas: i64,
    /// `max_replicas` (1).
    pub max_replicas: i64,
    /// `initial_replicas` (None).
    pub initial_replicas: Option<i64>,
    /// `target_ongoing_requests` (2; the deprecated name
    /// `target_num_ongoing_requests_per_replica` is accepted).
    #[serde(alias = "target_num_ongoing_requests_per_replica")]
    pub target_ongoing_requests: f64,
    /// `upscale_delay_s` (30).
    pub upscale_delay_s: f64,
    /// `downscale_delay_s` (600).
    pub downscale_delay_s: f64,
    /// `downscale_to_zero_delay_s` (None: `downscale_delay_s`).
    pub downscale_to_zero_delay_s: Option<f64>,
    /// `smoothing_factor` (1).
    pub smoothing_factor: f64,
    /// `upscale_smoothing_factor` (deprecated alias, None).
    pub upscale_smoothing_factor: Option<f64>,
    /// `downscale_smoothing_factor` (deprecated alias, None).
    pub downscale_smoothing_factor: Option<f64>,
    /// `upscaling_factor` (None).
    pub upscaling_factor: Option<f64>,
    /// `downscaling_factor` (None).
    pub downscaling_factor: Option<f64>,
    /// `metrics_interval_s`: how often replicas report; the host's concern, not the decision's.
    pub metrics_interval_s: Option<f64>,
    /// `look_back_period_s`: the averaging window of `total_ongoing`; the host's concern.
    pub look_back_period_s: Option<f64>,
    /// `aggregation_function` (`"mean"`, `"max"`, `"min"`): how the host aggregates.
    pub aggregation_function: Option<String>,
}

impl Default for RayConfig {
    fn default() -> Self {
        Self {
            min_replicas: 1,
            max_replicas: 1,
            initial_replicas: None,
            target_ongoing_requests: 2.0,
            upscale_delay_s: 30.0,
            downscale_delay_s: 600.0,
            downscale_to_zero_delay_s: None,
            smoothing_factor: 1.0,
            upscale_smoothing_factor: None,
            downscale_smoothing_factor: None,
            upscaling_factor: None,
            downscaling_factor: None,
            metrics_interval_s: None,
            look_back_period_s: None,
            aggregation_function: None,
        }
    }
}

/// Python truthiness of an optional float: `None` and `0.0` are false.
fn truthy(v: Option<f64>) -> Option<f64> {
    v.filter(|x| *x != 0.0)
}

impl RayConfig {
    /// Ray's pydantic validation: non-negative counts, `min <= initial <= max`, positive
    /// factors and target, non-negative delays.
    pub fn validate(&self) -> Result<(), ServingError> {
        if self.min_replicas < 0 {
            return Err(invalid("min_replicas", "negative"));
        }
        if self.max_replicas < 1 || self.max_replicas < self.min_replicas {
            return Err(invalid("max_replicas", "must be >= 1 and >= min_replicas"));
        }
        if let Some(i) = self.initial_replicas
            && (i < self.min_replicas || i > self.max_replicas)
        {
            return Err(invalid(
                "initial_replicas",
                "must be within [min_replicas, max_replicas]",
            ));
        }
        if !(self.target_ongoing_requests.is_finite() && self.target_ongoing_requests > 0.0) {
            return Err(invalid(
                "target_ongoing_requests",
                "must be a finite number > 0",
            ));
        }
        non_negative("upscale_delay_s", self.upscale_delay_s)?;
        non_negative("downscale_delay_s", self.downscale_delay_s)?;
        if let Some(d) = self.downscale_to_zero_delay_s {
            non_negative("downscale_to_zero_delay_s", d)?;
        }
        for (f, v) in [
            ("smoothing_factor", Some(self.smoothing_factor)),
            ("upscale_smoothing_factor", self.upscale_smoothing_factor),
            (
                "downscale_smoothing_factor",
                self.downscale_smoothing_factor,
            ),
            ("upscaling_factor", self.upscaling_factor),
            ("downscaling_factor", self.downscaling_factor),
        ] {
            if let Some(v) = v
                && (!(v.is_finite() && v > 0.0))
            {
                return Err(invalid(f, format!("{v} is not a finite number > 0")));
            }
        }
        Ok(())
    }

    /// `get_upscaling_factor`: `upscaling_factor` → `upscale_smoothing_factor` →
    /// `smoothing_factor`, by truthiness.
    pub fn upscaling_factor(&self) -> f64 {
        truthy(self.upscaling_factor)
            .or(truthy(self.upscale_smoothing_factor))
            .unwrap_or(self.smoothing_factor)
    }

    /// `get_downscaling_factor`, as [`Self::upscaling_factor`] for the downscaling side.
    pub fn downscaling_factor(&self) -> f64 {
        truthy(self.downscaling_factor)
            .or(truthy(self.downscale_smoothing_factor))
            .unwrap_or(self.smoothing_factor)
    }
}

/// The direction of the last target-capacity change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
#[non_exhaustive]
pub enum CapacityDirection {
    /// Scaling up: `initial_replicas` is the lower bound.
    Up,
    /// Scaling down.
    Down,
}

/// `get_capacity_adjusted_num_replicas`: `n × pct / 100`, ROUND_HALF_UP, at least 1 unless
/// `n` (or the capacity) is 0.
pub fn capacity_adjusted(n: i64, target_capacity: Option<f64>) -> i64 {
    let Some(tc) = target_capacity else { return n };
    if tc == 100.0 {
        return n;
    }
    if tc == 0.0 || n == 0 {
        return 0;
    }
    // Decimal(n * tc) / 100, half up: compare the exact double n*tc with 100k + 50.
    let p = n as f64 * tc;
    let mut k = (p / 100.0).floor();
    while (k + 1.0) * 100.0 <= p {
        k += 1.0;
    }
    while k * 100.0 > p {
        k -= 1.0;
    }
    let r = if p - k * 100.0 >= 50.0 { k + 1.0 } else { k };
    (r as i64).max(1)
}

/// Why a tick decided what it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// 0 running replicas with queued requests: scaled up at once.
    ColdStart,
    /// 0 running replicas and no requests: kept the target.
    IdleAtZero,
    /// Desired equals the target.
    Steady,
    /// Wants more replicas; waiting out `upscale_delay_s`.
    UpscaleDelayed,
    /// Scaled up after the delay.
    Upscaled,
    /// Wants fewer replicas; waiting out the downscale delay.
    DownscaleDelayed,
    /// Scaled down after the delay.
    Downscaled,
    /// The bounds changed the policy's answer.
    Bounded,
}

impl Reason {
    /// A stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ColdStart => "cold_start",
            Self::IdleAtZero => "idle_at_zero",
            Self::Steady => "steady",
            Self::UpscaleDelayed => "upscale_delayed",
            Self::Upscaled => "upscaled",
            Self::DownscaleDelayed => "downscale_delayed",
            Self::Downscaled => "downscaled",
            Self::Bounded => "bounded",
        }
    }
}

/// One tick's result.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Decision {
    /// The target passed in.
    pub target_in: i64,
    /// The damped desired count before the delay logic.
    pub desired: i64,
    /// The policy's output (after the delay, before bounds).
    pub raw_decision: i64,
    /// After bounds: the new target.
    pub decision: i64,
    reasons: Vec<Reason>,
}

impl Decision {
    /// The reasons, in order.
    pub fn reasons(&self) -> &[Reason] {
        &self.reasons
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.reasons.iter().map(|r| r.as_str()).collect();
        write!(
            f,
            "{} -> {} replicas (desired {}, policy {}) [{}]",
            self.target_in,
            self.decision,
            self.desired,
            self.raw_decision,
            names.join(", ")
        )
    }
}

/// The policy with its state (`decision_counter`, `decision_timestamp`). Serializable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    config: RayConfig,
    target_capacity: Option<f64>,
    direction: Option<CapacityDirection>,
    decision_counter: i64,
    decision_timestamp: Option<f64>,
}

impl Policy {
    /// A policy for `config`, with an optional target capacity (percent) and its direction.
    pub fn new(
        config: RayConfig,
        target_capacity: Option<f64>,
        direction: Option<CapacityDirection>,
    ) -> Result<Self, ServingError> {
        config.validate()?;
        if let Some(tc) = target_capacity
            && (!(tc.is_finite() && (0.0..=100.0).contains(&tc)))
        {
            return Err(invalid(
                "target_capacity",
                format!("{tc} is not in [0, 100]"),
            ));
        }
        Ok(Self {
            config,
            target_capacity,
            direction,
            decision_counter: 0,
            decision_timestamp: None,
        })
    }

    /// The capacity-adjusted `(lower, upper)` bounds.
    pub fn bounds(&self) -> (i64, i64) {
        let lower = match (self.direction, self.config.initial_replicas) {
            (Some(CapacityDirection::Up), Some(i)) => i,
            _ => self.config.min_replicas,
        };
        (
            capacity_adjusted(lower, self.target_capacity),
            capacity_adjusted(self.config.max_replicas, self.target_capacity),
        )
    }

    /// `apply_bounds`.
    pub fn apply_bounds(&self, n: i64) -> i64 {
        let (lo, hi) = self.bounds();
        lo.max(hi.min(n))
    }

    /// `register`: the first target, `initial_replicas` if set, else the target before this
    /// deployment, within bounds.
    pub fn register(&self, target_before_deploy: i64) -> i64 {
        self.apply_bounds(self.config.initial_replicas.unwrap_or(target_before_deploy))
    }

    /// Internal state: the consecutive-decision counter (informative in 2.60).
    pub fn decision_counter(&self) -> i64 {
        self.decision_counter
    }

    /// Internal state: when the current run of same-direction decisions began.
    pub fn decision_timestamp(&self) -> Option<f64> {
        self.decision_timestamp
    }

    /// When a pending decision's delay elapses (`None`: nothing pending).
    pub fn next_wakeup(&self, target: i64) -> Option<f64> {
        let first = self.decision_timestamp?;
        let delay = if self.decision_counter > 0 {
            self.config.upscale_delay_s
        } else if target == 1 {
            self.config
                .downscale_to_zero_delay_s
                .unwrap_or(self.config.downscale_delay_s)
        } else {
            self.config.downscale_delay_s
        };
        Some(first + delay)
    }

    /// One control-loop call: `total_ongoing` requests over `running` replicas, with the
    /// current `target`. Non-finite or negative `total_ongoing` counts as 0.
    pub fn step(&mut self, now_s: f64, total_ongoing: f64, running: u32, target: i64) -> Decision {
        let total = if total_ongoing.is_finite() && total_ongoing > 0.0 {
            total_ongoing
        } else {
            0.0
        };
        let mut reasons = Vec::new();
        let (raw, desired) = if running == 0 {
            if total > 0.0 {
                reasons.push(Reason::ColdStart);
                let up = (self.config.upscaling_factor()).ceil() as i64;
                let v = up.max(target);
                (v, v)
            } else {
                reasons.push(Reason::IdleAtZero);
                if target > 0 {
                    (target, target)
                } else {
                    // 2.60: only a positive cold-start answer bypasses the delay logic; a 0
                    // goes through it (equal to the target, so the pending timer resets).
                    (self.delay(now_s, 0, target, &mut reasons), 0)
                }
            }
        } else {
            let cur = f64::from(running);
            let desired_f = cur * (total / (self.config.target_ongoing_requests * cur));
            let scaled = if desired_f == cur {
                i64::from(running)
            } else {
                let delta = desired_f - cur;
                let factor = if delta > 0.0 {
                    self.config.upscaling_factor()
                } else {
                    self.config.downscaling_factor()
                };
                let mut s = (cur + factor * delta).ceil() as i64;
                if (desired_f.ceil() as i64) < i64::from(running) && s == i64::from(running) {
                    s -= 1;
                }
                s
            };
            let desired = scaled.max(0);
            (self.delay(now_s, desired, target, &mut reasons), desired)
        };
        let decision = self.apply_bounds(raw);
        if decision != raw {
            reasons.push(Reason::Bounded);
        }
        Decision {
            target_in: target,
            desired,
            raw_decision: raw,
            decision,
            reasons,
        }
    }

    /// `_apply_delay_logic` (2.60, wall-clock).
    fn delay(&mut self, now: f64, mut desired: i64, target: i64, reasons: &mut Vec<Reason>) -> i64 {
        let mut decision = target;
        if desired > target {
            if self.decision_counter < 0 {
                self.decision_counter = 0;
                self.decision_timestamp = None;
            }
            self.decision_counter += 1;
            let first = *self.decision_timestamp.get_or_insert(now);
            if now - first + DELAY_EPS_S >= self.config.upscale_delay_s {
                self.decision_counter = 0;
                self.decision_timestamp = None;
                decision = desired;
                reasons.push(Reason::Upscaled);
            } else {
                reasons.push(Reason::UpscaleDelayed);
            }
        } else if desired < target {
            if self.decision_counter > 0 {
                self.decision_counter = 0;
                self.decision_timestamp = None;
            }
            self.decision_counter -= 1;
            let delay = if target == 1 {
                self.config
                    .downscale_to_zero_delay_s
                    .unwrap_or(self.config.downscale_delay_s)
            } else {
                desired = desired.max(1);
                self.config.downscale_delay_s
            };
            let first = *self.decision_timestamp.get_or_insert(now);
            if now - first + DELAY_EPS_S >= delay {
                self.decision_counter = 0;
                self.decision_timestamp = None;
                decision = desired;
                reasons.push(Reason::Downscaled);
            } else {
                reasons.push(Reason::DownscaleDelayed);
            }
        } else {
            self.decision_counter = 0;
            self.decision_timestamp = None;
            reasons.push(Reason::Steady);
        }
        decision
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_rounds_half_up() {
        assert_eq!(capacity_adjusted(8, Some(25.0)), 2);
        assert_eq!(capacity_adjusted(20, Some(25.0)), 5);
        assert_eq!(capacity_adjusted(1, Some(50.0)), 1); // 0.5 -> 1
        assert_eq!(capacity_adjusted(3, Some(50.0)), 2); // 1.5 -> 2
        assert_eq!(capacity_adjusted(1, Some(10.0)), 1); // 0.1 -> 0 -> max(1, 0)
        assert_eq!(capacity_adjusted(0, Some(50.0)), 0);
    }

    #[test]
    fn upscale_waits_for_the_delay() {
        let cfg = RayConfig {
            max_replicas: 10,
            upscale_delay_s: 30.0,
            ..RayConfig::default()
        };
        let mut p = Policy::new(cfg, None, None).unwrap();
        let t0 = 1_700_000_000.0;
        let d = p.step(t0, 5.0, 1, 1);
        assert_eq!(d.decision, 1);
        assert_eq!(p.next_wakeup(1), Some(t0 + 30.0));
        assert_eq!(p.step(t0 + 29.0, 5.0, 1, 1).decision, 1);
        let d = p.step(t0 + 30.0, 5.0, 1, 1);
        assert_eq!(d.decision, 3); // ceil(5 / 2)
        assert!(d.reasons().contains(&Reason::Upscaled));
    }

    #[test]
    fn invalid_config_names_the_field() {
        let cfg = RayConfig {
            target_ongoing_requests: 0.0,
            ..RayConfig::default()
        };
        assert!(matches!(Policy::new(cfg, None, None),
            Err(ServingError::InvalidValue { field, .. }) if field == "target_ongoing_requests"));
    }

    #[test]
    fn one_to_zero_uses_the_zero_delay_and_state_round_trips() {
        let cfg = RayConfig {
            min_replicas: 0,
            max_replicas: 4,
            downscale_delay_s: 600.0,
            downscale_to_zero_delay_s: Some(5.0),
            ..RayConfig::default()
        };
        let mut p = Policy::new(cfg, None, None).unwrap();
        let t0 = 1_700_000_000.0;
        assert_eq!(p.step(t0, 0.0, 1, 1).decision, 1);
        assert_eq!(p.decision_counter(), -1);
        assert_eq!(p.next_wakeup(1), Some(t0 + 5.0));
        // The state survives a JSON round trip mid-delay.
        let mut q: Policy = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
        assert_eq!(q, p);
        let d = q.step(t0 + 5.0, 0.0, 1, 1);
        assert_eq!(d.decision, 0);
        assert!(d.reasons().contains(&Reason::Downscaled));
        // From 3 replicas, a desired 0 is clamped to 1 (only 1 -> 0 reaches zero).
        let mut p = Policy::new(
            RayConfig {
                min_replicas: 0,
                max_replicas: 4,
                downscale_delay_s: 0.0,
                ..RayConfig::default()
            },
            None,
            None,
        )
        .unwrap();
        assert_eq!(p.step(t0, 0.0, 3, 3).decision, 1);
    }
}
