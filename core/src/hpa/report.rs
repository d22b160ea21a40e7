//! A decision in words and as JSON: the reasons list and the camelCase document that the CLI
//! prints, Python's `Decision.to_dict()` returns and the C ABI's explain call writes.

use super::controller::Decision;

impl Decision {
    /// The reasons, in order: why the target scales (or not), each metric's proposal (the
    /// chosen one marked), stabilization, the limit that applied, the error.
    pub fn reasons(&self) -> Vec<String> {
        reasons(self)
    }

    /// A one-line summary: `scale up from 3 to 6 replicas` / `stay at 5 replicas`.
    pub fn headline(&self) -> String {
        headline(self)
    }

    /// The decision as a JSON document (camelCase, Kubernetes spellings): current, desired,
    /// rescale, proposed and stabilized replicas, limit, conditions, metrics and reasons.
    #[cfg(feature = "parse")]
    pub fn to_json(&self) -> serde_json::Value {
        decision_json(self)
    }
}

/// What the sync did with the values the caller gave: the ones it did not evaluate, and a
/// note when none was given. Shared by [`Decision::reasons`] and `Display`.
pub(crate) fn input_notes(d: &Decision) -> Vec<String> {
    let mut notes = Vec::new();
    // (only when the sync read metrics: otherwise no value would have been used)
    if !d.not_given.is_empty() && !d.metrics.is_empty() {
        let (value, counts) = if d.not_given.len() == 1 {
            ("a value to evaluate it", "it counts")
        } else {
            ("values to evaluate them", "they count")
        };
        notes.push(format!(
            "no value was given for {}: {counts} as unavailable, as when the metrics API fails \
             (give {value})",
            d.not_given.join(", ")
        ));
    }
    if !d.unevaluated.is_empty() {
        let why = if d.rescale_reason.contains("MinReplicas") {
            "the current replica count is below minReplicas, so the controller scales to \
             minReplicas without reading metrics"
        } else if d.rescale_reason.contains("MaxReplicas") {
            "the current replica count is above maxReplicas, so the controller scales to \
             maxReplicas without reading metrics"
        } else {
            "the target has 0 replicas, so scaling is disabled"
        };
        let (values, were) = if d.unevaluated.len() == 1 {
            ("value", "was")
        } else {
            ("values", "were")
        };
        notes.push(format!(
            "the {values} given for {} {were} not evaluated: {why}",
            d.unevaluated.join(", ")
        ));
    }
    notes
}

/// Reasons, in order: why the target scales (or not), each metric's proposal (the chosen one
/// first marked `*`), stabilization, the limit that applied, the error.
pub(super) fn reasons(d: &Decision) -> Vec<String> {
    let mut out = Vec::new();
    if d.rescale && !d.rescale_reason.is_empty() {
        out.push(d.rescale_reason.to_string());
    }
    for (i, m) in d.metrics.iter().enumerate() {
        let chosen = if Some(i) == d.chosen_metric {
            " (chosen)"
        } else {
            ""
        };
        match &m.result {
            Ok(p) => out.push(format!(
                "{} metric {}: usage ratio {:.3} proposes {}{chosen}",
                m.source.as_str(),
                m.name,
                p.ratio,
                replicas(p.replicas)
            )),
            Err(e) => out.push(format!(
                "{} metric {}: {} ({})",
                m.source.as_str(),
                m.name,
                e.message,
                e.reason.as_str()
            )),
        }
    }
    if let (Some(p), Some(s)) = (d.proposed_replicas, d.stabilized_replicas)
        && p != s
    {
        out.push(format!(
            "the stabilization window held the proposal of {p} at {}",
            replicas(s)
        ));
    }
    if let Some(r) = d.limited_by {
        if let Some(c) = d.conditions.iter().find(|c| c.reason == r) {
            out.push(format!("limited by {}: {}", r.as_str(), c.message));
        } else {
            out.push(format!("limited by {}", r.as_str()));
        }
    }
    out.extend(input_notes(d));
    if let Some(e) = &d.error
        && d.metrics.iter().all(|m| m.result.is_ok())
    {
        out.push(format!("error: {e}"));
    }
    if out.is_empty() {
        for c in &d.conditions {
            if c.status != super::ConditionStatus::True
                && c.type_ != super::ConditionType::ScalingLimited
            {
                out.push(format!("{}: {}", c.reason.as_str(), c.message));
            }
        }
    }
    out
}

/// A one-line summary: `scale up from 3 to 6 replicas` / `stay at 5 replicas`.
pub(super) fn headline(d: &Decision) -> String {
    scale_headline(d.current_replicas, d.desired_replicas, d.rescale)
}

/// `n replicas`, or `1 replica`.
pub(crate) fn replicas(n: i32) -> String {
    if n == 1 {
        "1 replica".to_owned()
    } else {
        format!("{n} replicas")
    }
}

/// The one headline every capability prints: `scale up from 1 to 4 replicas`,
/// `scale down from 2 to 1 replica`, `stay at 5 replicas`.
pub(crate) fn scale_headline(current: i32, desired: i32, rescale: bool) -> String {
    if rescale && desired > current {
        format!("scale up from {current} to {}", replicas(desired))
    } else if rescale && desired < current {
        format!("scale down from {current} to {}", replicas(desired))
    } else {
        format!("stay at {}", replicas(current))
    }
}

/// The decision as a JSON document (camelCase, Kubernetes spellings).
#[cfg(feature = "parse")]
pub(super) fn decision_json(d: &Decision) -> serde_json::Value {
    use serde_json::{Value, json};
    let metrics: Vec<Value> = d
        .metrics
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let chosen = Some(i) == d.chosen_metric;
            match &m.result {
                Ok(p) => json!({
                    "name": &*m.name,
                    "type": m.source.as_str(),
                    "chosen": chosen,
                    "replicas": p.replicas,
                    "ratio": p.ratio,
                    "utilization": p.utilization,
                    "value": crate::Quantity::from_milli(p.value_milli).to_string(),
                }),
                Err(e) => json!({
                    "name": &*m.name,
                    "type": m.source.as_str(),
                    "chosen": chosen,
                    "error": {"reason": e.reason.as_str(), "message": e.message},
                }),
            }
        })
        .collect();
    let conditions: Vec<Value> = d
        .conditions
        .iter()
        .map(|c| {
            json!({
                "type": c.type_.as_str(),
                "status": c.status.as_str(),
                "reason": c.reason.as_str(),
                "message": c.message,
            })
        })
        .collect();
    json!({
        "currentReplicas": d.current_replicas,
        "desiredReplicas": d.desired_replicas,
        "rescale": d.rescale,
        "proposedReplicas": d.proposed_replicas,
        "stabilizedReplicas": d.stabilized_replicas,
        "limitedBy": d.limited_by.map(|r| r.as_str()),
        "rescaleReason": if d.rescale_reason.is_empty() { None } else { Some(&*d.rescale_reason) },
        "error": d.error,
        "conditions": conditions,
        "metrics": metrics,
        "unevaluatedMetrics": d.unevaluated,
        "notGivenMetrics": d.not_given,
        "reasons": reasons(d),
    })
}

#[cfg(test)]
mod wording_tests {
    use super::scale_headline;
    use crate::hpa::controller::{Decision, MetricFailure, MetricOutcome};
    use crate::hpa::{MetricSourceType, Proposal, Reason};

    /// The one-line explanation the C door writes (`ts_hpa_explain`): single spaces, and a
    /// failed metric's message once, not again as the sync's error.
    #[test]
    fn the_one_line_explanation_has_no_double_space_or_repeat() {
        let failure = "unable to get metric memory: the metrics API returned an error";
        let d = Decision {
            current_replicas: 2,
            desired_replicas: 1,
            rescale: true,
            rescale_reason: "All metrics below target".to_owned(),
            metrics: vec![
                MetricOutcome {
                    name: "cpu".into(),
                    source: MetricSourceType::Resource,
                    result: Ok(Proposal {
                        replicas: 1,
                        ratio: 0.4,
                        utilization: Some(28),
                        value_milli: 280,
                    }),
                },
                MetricOutcome {
                    name: "rps".into(),
                    source: MetricSourceType::Pods,
                    result: Ok(Proposal {
                        replicas: 1,
                        ratio: 0.3,
                        utilization: None,
                        value_milli: 300,
                    }),
                },
                MetricOutcome {
                    name: "memory".into(),
                    source: MetricSourceType::Resource,
                    result: Err(MetricFailure {
                        reason: Reason::FailedGetResourceMetric,
                        message: failure.to_owned(),
                    }),
                },
            ],
            chosen_metric: Some(0),
            error: Some(failure.to_owned()),
            ..Decision::default()
        };
        assert_eq!(
            d.to_string(),
            "2 -> 1 (All metrics below target); *Resource cpu: ratio 0.400 -> 1 replica; \
             Pods rps: ratio 0.300 -> 1 replica; Resource memory: unable to get metric memory: \
             the metrics API returned an error"
        );
    }

    #[test]
    fn one_replica_is_singular_and_every_headline_names_the_direction() {
        assert_eq!(scale_headline(1, 4, true), "scale up from 1 to 4 replicas");
        assert_eq!(scale_headline(2, 1, true), "scale down from 2 to 1 replica");
        assert_eq!(scale_headline(0, 1, true), "scale up from 0 to 1 replica");
        assert_eq!(scale_headline(1, 1, false), "stay at 1 replica");
        assert_eq!(scale_headline(5, 0, false), "stay at 5 replicas");
    }
}
