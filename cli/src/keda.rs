//! `tidescale keda what-if`: a ScaledObject and the HPA KEDA creates, one poll; and the
//! trigger helpers shared with `keda scaledjob` ([`crate::scaledjob`]).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Value, json};
use tidescale::Timestamp;
use tidescale::hpa::{HorizontalPodAutoscaler, MetricTargetType, PodMetric, Settings};
use tidescale::keda::scalers::ScalerReading;
use tidescale::keda::{
    KedaAutoscaler, KedaDecision, ScaledObject, TriggerConfig, TriggerInput, TriggerKind,
    find_trigger, go_parse_float, go_parse_int,
};

use crate::output::{self, Format, columns};
use crate::whatif::{self, Reading};

/// A `--set TRIGGER=VALUE` as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Setting {
    pub(crate) key: String,
    pub(crate) value: String,
}

/// Parses `TRIGGER=VALUE`.
pub(crate) fn parse_setting(v: &str) -> Result<Setting, String> {
    match v.split_once('=') {
        Some((k, val)) if !k.trim().is_empty() && !val.trim().is_empty() => Ok(Setting {
            key: k.trim().to_owned(),
            value: val.trim().to_owned(),
        }),
        _ => Err(format!(
            "--set {v}: expected TRIGGER=VALUE, e.g. aws-sqs-queue=120 or 0=120"
        )),
    }
}

/// The activation threshold of a trigger, as text (`> 0`), if it has one.
pub(crate) fn activation_of(t: &TriggerConfig) -> Option<String> {
    match (&t.kind, t.activation_threshold()) {
        (TriggerKind::Cron(_), _) => Some("inside the window".to_owned()),
        (_, threshold) => threshold.map(|v| format!("> {v}")),
    }
}

fn target_text(t: &TriggerConfig) -> String {
    let tg = &t.target;
    match tg.type_ {
        MetricTargetType::Utilization => tg
            .average_utilization
            .map_or("-".to_owned(), |u| format!("{u}% of request")),
        MetricTargetType::AverageValue => tg
            .average_value
            .map_or("-".to_owned(), |v| format!("{v} per replica")),
        MetricTargetType::Value => tg.value.map_or("-".to_owned(), |v| format!("{v} total")),
    }
}

/// The scaler's answer for a value the scaler would report (an SQS queue length, a Kafka lag
/// after KEDA's partition cap, a Prometheus query result), through the core's
/// `TriggerConfig::reading_from_value`. SQS and Kafka take whole numbers >= 0; Prometheus any
/// number Go's `ParseFloat` reads (NaN/Inf and negatives are sent to the HPA as 0).
pub(crate) fn reading_for(t: &TriggerConfig, value: &str) -> Result<ScalerReading, String> {
    let non_negative_int = |what: &str| -> Result<f64, String> {
        match go_parse_int(value) {
            Some(v) if v >= 0 => Ok(v as f64),
            _ => Err(format!("{value:?} is not a {what} (a whole number >= 0)")),
        }
    };
    let v = match &t.kind {
        TriggerKind::Sqs(_) => non_negative_int("queue length")?,
        TriggerKind::Kafka(_) => non_negative_int("lag")?,
        TriggerKind::Prometheus(_) => {
            go_parse_float(value).ok_or_else(|| format!("{value:?} is not a number"))?
        }
        TriggerKind::Cron(_) => {
            return Err("a cron trigger is evaluated at --now; it takes no value".to_owned());
        }
        TriggerKind::Resource { .. } => {
            return Err(
                "cpu/memory take a percentage of the request (140%) or a per-pod quantity"
                    .to_owned(),
            );
        }
    };
    // (cron, the one trigger that reads the time, was answered above)
    t.reading_from_value(v, Timestamp(0))
        .ok_or_else(|| "this trigger takes no value".to_owned())
}

/// Everything `keda what-if` needs.
#[derive(Debug, Clone)]
pub(crate) struct WhatIf {
    pub(crate) replicas: i32,
    pub(crate) settings: Vec<Setting>,
    pub(crate) requests: BTreeMap<String, tidescale::Quantity>,
    pub(crate) created: Timestamp,
    pub(crate) last_active: Option<Timestamp>,
    pub(crate) now: Timestamp,
}

/// The result of one poll, with what is needed to print it.
#[derive(Debug, Clone)]
pub(crate) struct WhatIfOutcome {
    pub(crate) so: ScaledObject,
    pub(crate) hpa: HorizontalPodAutoscaler,
    pub(crate) triggers: Vec<TriggerConfig>,
    pub(crate) decision: KedaDecision,
    pub(crate) now: Timestamp,
}

/// Runs one poll of a fresh [`KedaAutoscaler`]. `Err((message, manifest_at_fault))`.
pub(crate) fn what_if(so: ScaledObject, w: &WhatIf) -> Result<WhatIfOutcome, (String, bool)> {
    let mut a = KedaAutoscaler::new(so.clone(), w.created, Settings::default())
        .map_err(|e| (e.to_string(), true))?;
    a.set_last_active_time(w.last_active);
    let triggers = a.scaled_object().triggers().to_vec();
    let hpa = a.hpa().hpa().clone();
    let mut values: Vec<Option<&str>> = vec![None; triggers.len()];
    for s in &w.settings {
        let i = find_trigger(&triggers, &s.key)
            .map_err(|e| (format!("--set {}: {e}", s.key), false))?;
        if let Some(slot) = values.get_mut(i) {
            *slot = Some(s.value.as_str());
        }
    }
    let n = usize::try_from(w.replicas).unwrap_or(0);
    let has_resource = triggers.iter().any(TriggerConfig::is_resource);
    let pods = if has_resource {
        whatif::pods(n, &w.requests, &hpa, w.now)
    } else {
        Vec::new()
    };
    let mut readings: Vec<ScalerReading> = Vec::new();
    let mut samples: Vec<(String, Vec<PodMetric>)> = Vec::new();
    // first pass: readings that need owned storage
    enum Input {
        Reading(usize),
        Cron,
        Resource,
        Missing,
    }
    let mut plan = Vec::with_capacity(triggers.len());
    for (t, v) in triggers.iter().zip(&values) {
        let key = t.name.clone().unwrap_or_else(|| t.type_name().to_owned());
        match (&t.kind, v) {
            (TriggerKind::Cron(_), None) => plan.push(Input::Cron),
            (TriggerKind::Resource { resource, .. }, Some(v)) => {
                let level =
                    whatif::parse_level(v).map_err(|e| (format!("--set {key}: {e}"), false))?;
                let spec = hpa
                    .spec
                    .metrics
                    .iter()
                    .find(|m| m.name() == resource.as_str());
                let Some(spec) = spec else {
                    return Err((
                        format!("--set {key}: no {resource} metric in the HPA"),
                        false,
                    ));
                };
                match whatif::reading(spec, &level, &w.requests, n, w.now)
                    .map_err(|e| (e.0, false))?
                {
                    Reading::Samples(s) => samples.push((resource.clone(), s)),
                    _ => return Err((format!("--set {key}: not a resource metric"), false)),
                }
                plan.push(Input::Resource);
            }
            (TriggerKind::Resource { .. }, None) => plan.push(Input::Resource),
            (_, Some(v)) => {
                let r = reading_for(t, v).map_err(|e| (format!("--set {key}: {e}"), false))?;
                readings.push(r);
                plan.push(Input::Reading(readings.len() - 1));
            }
            (_, None) => plan.push(Input::Missing),
        }
    }
    let missing = "no value given (--set); treated as a scaler error";
    let inputs: Vec<TriggerInput<'_>> = plan
        .iter()
        .map(|p| match p {
            Input::Reading(i) => readings
                .get(*i)
                .map_or(TriggerInput::Error(missing), |r| TriggerInput::Reading(*r)),
            Input::Cron => TriggerInput::Cron,
            Input::Resource => TriggerInput::Resource,
            Input::Missing => TriggerInput::Error(missing),
        })
        .collect();
    let sample_refs: Vec<(&str, &[PodMetric])> = samples
        .iter()
        .map(|(r, s)| (r.as_str(), s.as_slice()))
        .collect();
    let decision = a
        .step(w.now, w.replicas, &pods, &sample_refs, &inputs)
        .map_err(|e| (e.to_string(), false))?;
    Ok(WhatIfOutcome {
        so,
        hpa,
        triggers,
        decision,
        now: w.now,
    })
}

fn what_if_json(o: &WhatIfOutcome) -> Value {
    let d = &o.decision;
    let k = &d.keda;
    let spec = &o.so.spec;
    let triggers: Vec<Value> = o
        .triggers
        .iter()
        .zip(&k.triggers)
        .map(|(t, out)| {
            json!({
                "index": t.index,
                "name": t.name,
                "type": t.type_name(),
                "metricName": out.metric_name.as_ref(),
                "target": target_text(t),
                "value": out.raw,
                "metricValue": out.metric_milli.map(|m| tidescale::Quantity::from_milli(m).to_string()),
                "activation": activation_of(t),
                "active": out.active,
                "fallback": out.fallback,
                "error": out.error,
            })
        })
        .collect();
    let e = &k.executor;
    json!({
        "scaledObject": {
            "name": o.so.metadata.name,
            "namespace": o.so.metadata.namespace,
            "minReplicaCount": spec.min_replica_count(),
            "maxReplicaCount": spec.max_replica_count(),
            "hpa": o.hpa.metadata.name,
        },
        "now": o.now.as_millis(),
        "currentReplicas": k.current_replicas,
        "desiredReplicas": d.desired_replicas,
        "rescale": d.rescale,
        "active": e.active_condition,
        "triggersActive": k.is_active,
        "activeTrigger": k.active_trigger.as_deref(),
        "triggerError": k.is_error,
        "fallback": k.fallback_engaged,
        "triggers": triggers,
        "hpaMetrics": k.hpa_metrics.iter().map(|(n, m)| json!({
            "name": n.as_ref(), "value": tidescale::Quantity::from_milli(*m).to_string()
        })).collect::<Vec<_>>(),
        "executor": {
            "reason": e.reason.as_str(),
            "replicas": e.replicas,
            "scaled": e.scaled,
            "ready": format!("{:?}", e.ready),
            "cooldownRemainingMs": e.cooldown_remaining_ms,
        },
        "hpa": d.hpa.as_ref().map(|h| output::document(&o.hpa, h)),
        "reasons": d.explanation(),
    })
}

pub(crate) fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn what_if_table(o: &WhatIfOutcome) -> String {
    let d = &o.decision;
    let k = &d.keda;
    let spec = &o.so.spec;
    let mut out = String::new();
    let target = &spec.scale_target_ref;
    let _ = writeln!(
        out,
        "ScaledObject {} -> {}/{}  (replicas {}..{}, polling {} s, cooldown {} s)",
        o.so.metadata.name.as_deref().unwrap_or("(unnamed)"),
        target.kind.as_deref().unwrap_or("Deployment"),
        target.name,
        spec.min_replica_count(),
        spec.max_replica_count(),
        spec.polling_interval(),
        spec.cooldown_period()
    );
    let cur = k.current_replicas;
    let _ = writeln!(out, "decision: {}", d.headline());
    let _ = writeln!(
        out,
        "active: {}{}",
        match k.executor.active_condition {
            Some(a) => yes(a),
            None => "not evaluated (paused)",
        },
        k.active_trigger
            .as_deref()
            .map(|t| format!(" (trigger {t})"))
            .unwrap_or_default()
    );
    out.push('\n');
    let mut rows = vec![vec![
        "TRIGGER".to_owned(),
        "TYPE".to_owned(),
        "METRIC".to_owned(),
        "TARGET".to_owned(),
        "VALUE".to_owned(),
        "ACTIVATION".to_owned(),
        "ACTIVE".to_owned(),
    ]];
    for (t, r) in o.triggers.iter().zip(&k.triggers) {
        let value = if r.resource {
            "(read by the HPA)".to_owned()
        } else if let Some(e) = &r.error {
            if r.fallback {
                format!("<error, fallback> {e}")
            } else {
                format!("<error> {e}")
            }
        } else {
            r.raw.map_or("-".to_owned(), |v| v.to_string())
        };
        rows.push(vec![
            t.name.clone().unwrap_or_else(|| t.index.to_string()),
            t.type_name().to_owned(),
            r.metric_name.to_string(),
            target_text(t),
            value,
            activation_of(t).unwrap_or_else(|| "-".to_owned()),
            if r.resource {
                "-".to_owned()
            } else {
                yes(r.active).to_owned()
            },
        ]);
    }
    out.push_str(&columns(&rows));
    out.push_str("\nwhy:\n");
    for r in k.explanation() {
        let _ = writeln!(out, "  - {r}");
    }
    match &d.hpa {
        Some(h) => {
            out.push_str("\nThe HPA KEDA created:\n");
            out.push_str(&output::table(&o.hpa, h));
        }
        None => {
            let _ = writeln!(
                out,
                "\nThe HPA did not run: {}",
                if cur == 0 {
                    "the target has 0 replicas (KEDA owns 0 <-> 1)"
                } else {
                    "KEDA scaled the target itself this poll"
                }
            );
        }
    }
    out
}

/// Renders a what-if outcome.
pub(crate) fn render_what_if(o: &WhatIfOutcome, format: Format) -> Result<String, String> {
    match format {
        Format::Json => serde_json::to_string_pretty(&what_if_json(o))
            .map(|s| s + "\n")
            .map_err(|e| e.to_string()),
        Format::Yaml => serde_saphyr::to_string(&what_if_json(o)).map_err(|e| e.to_string()),
        Format::Table => Ok(what_if_table(o)),
    }
}
