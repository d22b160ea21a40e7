//! `spec.fallback`: replicas to hold while a scaler keeps failing (spec §1.4).
//!
//! Health is kept per external metric name. A failure increments `numberOfFailures`; once it
//! is **strictly** above `failureThreshold` the scaler's metric is replaced by one that makes
//! the HPA compute exactly the fallback replica count.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::KedaError;
use super::goparse::{approx_f64, go_f64_to_i64};
use crate::hpa::MetricTargetType;

/// `fallback.behavior`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FallbackBehavior {
    /// `R = replicas` (default).
    #[default]
    Static,
    /// `R = current`.
    CurrentReplicas,
    /// `R = max(current, replicas)`.
    CurrentReplicasIfHigher,
    /// `R = min(current, replicas)`.
    CurrentReplicasIfLower,
    /// Failing triggers reach the scaling-modifiers formula as nil.
    ScalingModifiers,
}

/// `spec.fallback`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fallback {
    /// Failures tolerated before falling back (>= 0).
    pub failure_threshold: i32,
    /// Replicas to hold (>= 0).
    pub replicas: i32,
    /// How `replicas` combines with the current count.
    #[serde(default)]
    pub behavior: FallbackBehavior,
}

impl Fallback {
    /// `HasValidFallback`: threshold and replicas >= 0 and, when scaling modifiers are used,
    /// their `target` parses as an integer > 0.
    pub fn is_valid(&self, modifiers_target: Option<&str>) -> bool {
        let modifiers_ok = match modifiers_target {
            Some(t) => super::go_parse_int(t).is_some_and(|v| v > 0),
            None => true,
        };
        self.failure_threshold >= 0 && self.replicas >= 0 && modifiers_ok
    }

    /// The replica count `R` the behavior selects. `current` is the scale subresource's
    /// `spec.replicas`; behaviors that need it fail without it.
    pub fn replicas_for(&self, current: Option<i32>) -> Result<i32, KedaError> {
        let need = || KedaError::Fallback("the current replica count is unknown".to_owned());
        Ok(match self.behavior {
            FallbackBehavior::Static | FallbackBehavior::ScalingModifiers => self.replicas,
            FallbackBehavior::CurrentReplicas => current.ok_or_else(need)?,
            FallbackBehavior::CurrentReplicasIfHigher => {
                current.ok_or_else(need)?.max(self.replicas)
            }
            FallbackBehavior::CurrentReplicasIfLower => {
                current.ok_or_else(need)?.min(self.replicas)
            }
        })
    }
}

/// `Happy` or `Failing`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum HealthState {
    /// The last read succeeded.
    #[default]
    Happy,
    /// The last read failed.
    Failing,
}

/// `status.health[<metric>]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthStatus {
    /// Consecutive failures.
    pub number_of_failures: i32,
    /// Last outcome.
    pub status: HealthState,
}

/// One metric read to pass through the fallback logic.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FallbackInput<'a> {
    /// The ScaledObject's fallback, if any.
    pub fallback: Option<&'a Fallback>,
    /// `spec.advanced.scalingModifiers.target`, if modifiers are used.
    pub modifiers_target: Option<&'a str>,
    /// Whether the metric is one fallback applies to (External; not cpu/memory).
    pub external: bool,
    /// The metric's target type (AverageValue or Value).
    pub target_type: MetricTargetType,
    /// The metric's target in milli-units.
    pub target_milli: i64,
    /// Scale subresource `spec.replicas`.
    pub current_replicas: Option<i32>,
    /// Ready pods (for `Value` targets).
    pub ready_replicas: Option<i32>,
}

/// What the fallback step returns for one metric.
#[derive(Debug, Clone, PartialEq)]
pub enum FallbackOutcome {
    /// The scaler's own value passes through.
    Passed(i64),
    /// The scaler failed past the threshold: this fallback metric (milli-units) replaces it.
    FallenBack {
        /// The metric in milli-units.
        metric_milli: i64,
        /// The replica count it encodes.
        replicas: i32,
    },
    /// The scaler's error propagates: this metric produces no value for the HPA.
    Failed(String),
}

/// `GetMetricsWithFallback` for one metric: updates `health` (only when a valid fallback is
/// configured) and decides what the HPA gets.
///
/// ```
/// use std::collections::BTreeMap;
/// use tidescale::hpa::MetricTargetType;
/// use tidescale::keda::{apply_fallback, Fallback, FallbackBehavior, FallbackInput, FallbackOutcome};
/// let fb = Fallback { failure_threshold: 3, replicas: 10, behavior: FallbackBehavior::Static };
/// let input = FallbackInput { fallback: Some(&fb), modifiers_target: None, external: true,
///     target_type: MetricTargetType::AverageValue, target_milli: 10_000,
///     current_replicas: None, ready_replicas: None };
/// let mut health = BTreeMap::new();
/// for _ in 0..3 {
///     let r = apply_fallback(&input, &mut health, "s0-x", Err("down")).unwrap();
///     assert!(matches!(r, FallbackOutcome::Failed(_)));
/// }
/// // The 4th consecutive failure is the first to fall back: 10 replicas x target 10.
/// let r = apply_fallback(&input, &mut health, "s0-x", Err("down")).unwrap();
/// assert_eq!(r, FallbackOutcome::FallenBack { metric_milli: 100_000, replicas: 10 });
/// ```
pub fn apply_fallback(
    input: &FallbackInput<'_>,
    health: &mut BTreeMap<String, HealthStatus>,
    metric_name: &str,
    reading: Result<i64, &str>,
) -> Result<FallbackOutcome, KedaError> {
    let fb = match input.fallback {
        Some(fb) if input.external && fb.is_valid(input.modifiers_target) => fb,
        // No (valid) fallback: the stored health is not touched, not even reset.
        _ => {
            return Ok(match reading {
                Ok(v) => FallbackOutcome::Passed(v),
                Err(e) => FallbackOutcome::Failed(e.to_owned()),
            });
        }
    };
    // get_mut first: no allocation on the hot path once the entry exists.
    if !health.contains_key(metric_name) {
        health.insert(metric_name.to_owned(), HealthStatus::default());
    }
    let Some(entry) = health.get_mut(metric_name) else {
        return Ok(FallbackOutcome::Failed("health entry missing".to_owned()));
    };
    let err = match reading {
        Ok(v) => {
            *entry = HealthStatus {
                number_of_failures: 0,
                status: HealthState::Happy,
            };
            return Ok(FallbackOutcome::Passed(v));
        }
        Err(e) => e,
    };
    entry.status = HealthState::Failing;
    entry.number_of_failures = entry.number_of_failures.saturating_add(1);
    if entry.number_of_failures <= fb.failure_threshold {
        return Ok(FallbackOutcome::Failed(err.to_owned()));
    }
    let replicas = fb.replicas_for(input.current_replicas)?;
    let target = approx_f64(input.target_milli);
    let metric = match input.target_type {
        MetricTargetType::Value => {
            let ready = input.ready_replicas.unwrap_or(0);
            if ready <= 0 {
                return Err(KedaError::Fallback(
                    "no ready pods to divide a Value fallback by".to_owned(),
                ));
            }
            target * 1000.0 * f64::from(replicas) / f64::from(ready)
        }
        _ => target * 1000.0 * f64::from(replicas),
    };
    // int64(...) truncation, as upstream.
    Ok(FallbackOutcome::FallenBack {
        metric_milli: go_f64_to_i64(metric),
        replicas,
    })
}

/// The `Fallback` condition: any health entry `Failing` with failures > threshold.
pub fn fallback_condition(fallback: &Fallback, health: &BTreeMap<String, HealthStatus>) -> bool {
    health.values().any(|h| {
        h.status == HealthState::Failing && h.number_of_failures > fallback.failure_threshold
    })
}
