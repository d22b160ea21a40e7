//! A decision as words and as JSON: the reasons list and the camelCase document that the CLI
//! prints and the Python `Decision.to_dict()` returns.
//!
//! This file is kept identical in `cli/src/report.rs` and `python/src/report.rs`.

use serde_json::{Value, json};
use tidescale::hpa::Decision;

/// Reasons, in order: why the target scales (or not), each metric's proposal (the chosen one
/// first marked `*`), stabilization, the limit that applied, the error.
pub(crate) fn reasons(d: &Decision) -> Vec<String> {
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
                "{} metric {}: usage ratio {:.3} proposes {} replicas{chosen}",
                m.source.as_str(),
                m.name,
                p.ratio,
                p.replicas
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
            "the stabilization window held the proposal of {p} at {s} replicas"
        ));
    }
    if let Some(r) = d.limited_by {
        if let Some(c) = d.conditions.iter().find(|c| c.reason == r) {
            out.push(format!("limited by {}: {}", r.as_str(), c.message));
        } else {
            out.push(format!("limited by {}", r.as_str()));
        }
    }
    if let Some(e) = &d.error
        && d.metrics.iter().all(|m| m.result.is_ok())
    {
        out.push(format!("error: {e}"));
    }
    if out.is_empty() {
        for c in &d.conditions {
            if c.status != tidescale::hpa::ConditionStatus::True
                && c.type_ != tidescale::hpa::ConditionType::ScalingLimited
            {
                out.push(format!("{}: {}", c.reason.as_str(), c.message));
            }
        }
    }
    out
}

/// A one-line summary: `scale up from 3 to 6 replicas` / `stay at 5 replicas`.
pub(crate) fn headline(d: &Decision) -> String {
    let (cur, des) = (d.current_replicas, d.desired_replicas);
    if d.rescale && des > cur {
        format!("scale up from {cur} to {des} replicas")
    } else if d.rescale && des < cur {
        format!("scale down from {cur} to {des} replicas")
    } else {
        format!("stay at {cur} replicas")
    }
}

/// The decision as a JSON document (camelCase, Kubernetes spellings).
pub(crate) fn decision_json(d: &Decision) -> Value {
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
                    "value": tidescale::Quantity::from_milli(p.value_milli).to_string(),
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
        "reasons": reasons(d),
    })
}
