//! Rate limits of `behavior` (`calculateScaleUpLimitWithScalingRules`,
//! `calculateScaleDownLimitWithBehaviors`, `convertDesiredReplicasWithBehaviorRate`) and the
//! legacy clamp (`convertDesiredReplicasWithRules`).

use super::conditions::Reason;
use super::replica_calc::ceil_i32;
use super::scale_events::{ScaleEvent, replicas_change_per_period};
use super::spec::{HpaScalingPolicyType, HpaScalingRules, ScalingPolicySelect};
use crate::Timestamp;

/// Scale-event history of one HPA, both directions.
#[derive(Debug, Clone, Copy)]
pub struct Events<'a> {
    /// Past scale-ups.
    pub up: &'a [ScaleEvent],
    /// Past scale-downs.
    pub down: &'a [ScaleEvent],
}

fn period_start(current: i32, period: i32, ev: Events<'_>, now: Timestamp) -> i32 {
    current
        .saturating_sub(replicas_change_per_period(period, ev.up, now))
        .saturating_add(replicas_change_per_period(period, ev.down, now))
}

/// The highest replica count the scale-up policies allow now.
///
/// `Pods` adds `value` to the count at the start of the period, `Percent` multiplies it by
/// `1 + value/100` and rounds up; `selectPolicy: Max` takes the largest proposal, `Min` the
/// smallest, `Disabled` returns `current`. Sums saturate at the `i32` bounds (upstream wraps;
/// see the crate docs).
///
/// ```
/// use tidescale::Timestamp;
/// use tidescale::hpa::{Events, scale_up_limit, scale_up_rules};
/// let rules = scale_up_rules(None); // max(+4 pods, +100 %) per 15 s
/// let none = Events { up: &[], down: &[] };
/// assert_eq!(scale_up_limit(3, none, &rules, Timestamp(0)), 7);
/// assert_eq!(scale_up_limit(10, none, &rules, Timestamp(0)), 20);
/// ```
pub fn scale_up_limit(
    current: i32,
    ev: Events<'_>,
    rules: &HpaScalingRules,
    now: Timestamp,
) -> i32 {
    let select = rules
        .select_policy
        .as_ref()
        .unwrap_or(&ScalingPolicySelect::Max);
    let (mut result, pick): (i32, fn(i32, i32) -> i32) = match select {
        ScalingPolicySelect::Disabled => return current,
        ScalingPolicySelect::Min => (i32::MAX, i32::min),
        _ => (i32::MIN, i32::max),
    };
    for p in rules.policies.iter().flatten() {
        let start = period_start(current, p.period_seconds, ev, now);
        let proposed = match p.type_ {
            HpaScalingPolicyType::Pods => start.saturating_add(p.value),
            HpaScalingPolicyType::Percent => {
                ceil_i32(f64::from(start) * (1.0 + f64::from(p.value) / 100.0))
            }
            HpaScalingPolicyType::Unknown(_) => continue,
        };
        result = pick(result, proposed);
    }
    result
}

/// The lowest replica count the scale-down policies allow now.
///
/// `Pods` subtracts `value`, `Percent` multiplies by `1 - value/100` and truncates;
/// `selectPolicy: Max` takes the **smallest** count (the biggest change), `Min` the largest.
///
/// ```
/// use tidescale::Timestamp;
/// use tidescale::hpa::{Events, scale_down_limit, scale_down_rules};
/// let none = Events { up: &[], down: &[] };
/// assert_eq!(scale_down_limit(10, none, &scale_down_rules(None), Timestamp(0)), 0);
/// ```
pub fn scale_down_limit(
    current: i32,
    ev: Events<'_>,
    rules: &HpaScalingRules,
    now: Timestamp,
) -> i32 {
    let select = rules
        .select_policy
        .as_ref()
        .unwrap_or(&ScalingPolicySelect::Max);
    let (mut result, pick): (i32, fn(i32, i32) -> i32) = match select {
        ScalingPolicySelect::Disabled => return current,
        ScalingPolicySelect::Min => (i32::MIN, i32::max),
        _ => (i32::MAX, i32::min),
    };
    for p in rules.policies.iter().flatten() {
        let start = period_start(current, p.period_seconds, ev, now);
        let proposed = match p.type_ {
            HpaScalingPolicyType::Pods => start.saturating_sub(p.value),
            // float64 -> int32 truncation, as Go converts
            HpaScalingPolicyType::Percent => {
                (f64::from(start) * (1.0 - f64::from(p.value) / 100.0)) as i32
            }
            HpaScalingPolicyType::Unknown(_) => continue,
        };
        result = pick(result, proposed);
    }
    result
}

/// A clamped count and the `ScalingLimited` reason that explains it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limited {
    /// The final replica count.
    pub replicas: i32,
    /// `DesiredWithinRange`, `TooManyReplicas`, `TooFewReplicas`, `ScaleUpLimit` or
    /// `ScaleDownLimit`.
    pub reason: Reason,
}

/// Arguments of [`behavior_rate`].
#[derive(Debug, Clone, Copy)]
pub struct RateArgs<'a> {
    /// Replicas now (scale spec).
    pub current: i32,
    /// The stabilized recommendation.
    pub desired: i32,
    /// `minReplicas`.
    pub min: i32,
    /// `maxReplicas`.
    pub max: i32,
    /// Defaulted `behavior.scaleUp`.
    pub scale_up: &'a HpaScalingRules,
    /// Defaulted `behavior.scaleDown`.
    pub scale_down: &'a HpaScalingRules,
    /// Scale-event history.
    pub events: Events<'a>,
    /// The sync instant.
    pub now: Timestamp,
}

/// `convertDesiredReplicasWithBehaviorRate`: applies the policies and min/max.
///
/// ```
/// use tidescale::Timestamp;
/// use tidescale::hpa::{Events, RateArgs, Reason, behavior_rate, scale_down_rules, scale_up_rules};
/// let (up, down) = (scale_up_rules(None), scale_down_rules(None));
/// let r = behavior_rate(RateArgs { current: 3, desired: 30, min: 1, max: 100, scale_up: &up,
///     scale_down: &down, events: Events { up: &[], down: &[] }, now: Timestamp(0) });
/// assert_eq!((r.replicas, r.reason), (7, Reason::ScaleUpLimit));
/// ```
pub fn behavior_rate(a: RateArgs<'_>) -> Limited {
    if a.desired > a.current {
        let limit = scale_up_limit(a.current, a.events, a.scale_up, a.now).max(a.current);
        let (ceiling, reason) = if a.max > limit {
            (limit, Reason::ScaleUpLimit)
        } else {
            (a.max, Reason::TooManyReplicas)
        };
        if a.desired > ceiling {
            return Limited {
                replicas: ceiling,
                reason,
            };
        }
    } else if a.desired < a.current {
        let limit = scale_down_limit(a.current, a.events, a.scale_down, a.now).min(a.current);
        let (floor, reason) = if a.min < limit {
            (limit, Reason::ScaleDownLimit)
        } else {
            (a.min, Reason::TooFewReplicas)
        };
        if a.desired < floor {
            return Limited {
                replicas: floor,
                reason,
            };
        }
    }
    Limited {
        replicas: a.desired,
        reason: Reason::DesiredWithinRange,
    }
}

/// `convertDesiredReplicasWithRules` (no `behavior`): min, max and the scale-up cap
/// `int32(max(factor * current, minimum))` (2.0 and 4.0 in production).
///
/// ```
/// use tidescale::hpa::{Reason, legacy_rate};
/// let r = legacy_rate(3, 20, 1, 10, 2.0, 4.0);
/// assert_eq!((r.replicas, r.reason), (6, Reason::ScaleUpLimit));
/// ```
pub fn legacy_rate(
    current: i32,
    desired: i32,
    min: i32,
    max: i32,
    factor: f64,
    minimum: f64,
) -> Limited {
    let scale_up_limit = (factor * f64::from(current)).max(minimum) as i32;
    let (ceiling, reason) = if max > scale_up_limit {
        (scale_up_limit, Reason::ScaleUpLimit)
    } else {
        (max, Reason::TooManyReplicas)
    };
    if desired < min {
        Limited {
            replicas: min,
            reason: Reason::TooFewReplicas,
        }
    } else if desired > ceiling {
        Limited {
            replicas: ceiling,
            reason,
        }
    } else {
        Limited {
            replicas: desired,
            reason: Reason::DesiredWithinRange,
        }
    }
}
