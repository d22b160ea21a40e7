//! `tidescale keda scaledjob`: how many Jobs KEDA creates for a ScaledJob
//! (`tidescale::keda::scaling_decision` and `combine_scalers`).

use std::fmt::Write as _;

use serde_json::{Value, json};
use tidescale::Timestamp;
use tidescale::keda::scalers::ScalerReading;
use tidescale::keda::{
    KedaError, ScaledJob, ScalerJobMetrics, ScalingStrategy, TriggerConfig, TriggerKind,
    find_trigger,
};

use crate::keda::{Setting, activation_of, reading_for, yes};
use crate::output::{Format, columns};

/// Everything `keda scaledjob` needs.
#[derive(Debug, Clone)]
pub(crate) struct JobQuery {
    pub(crate) queue: Option<String>,
    pub(crate) settings: Vec<Setting>,
    pub(crate) running: i64,
    pub(crate) pending: i64,
    pub(crate) now: Timestamp,
}

/// One scaler of a ScaledJob.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct JobScaler {
    pub(crate) trigger: TriggerConfig,
    pub(crate) reading: ScalerReading,
    pub(crate) metrics: ScalerJobMetrics,
    /// `ceil(min(queueLength / target, MaxReplicaCount()))`, as the core combines one scaler.
    pub(crate) max_value: i64,
}

/// The Job decision with its inputs.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct JobOutcome {
    pub(crate) job: ScaledJob,
    pub(crate) strategy: ScalingStrategy,
    pub(crate) calculation: tidescale::keda::MultipleScalersCalculation,
    pub(crate) bounds: tidescale::keda::JobBounds,
    pub(crate) scalers: Vec<JobScaler>,
    pub(crate) combined: tidescale::keda::scaled_job::CombinedJobMetrics,
    pub(crate) decision: tidescale::keda::scaled_job::JobScalingDecision,
    pub(crate) jobs_to_create: i64,
    pub(crate) running: i64,
    pub(crate) pending: i64,
}

fn calc_name(c: tidescale::keda::MultipleScalersCalculation) -> &'static str {
    use tidescale::keda::MultipleScalersCalculation as M;
    match c {
        M::Max => "max",
        M::Min => "min",
        M::Avg => "avg",
        M::Sum => "sum",
    }
}

/// Runs KEDA's ScaledJob decision (`ScaledJob::decide`). `Err((message, manifest_at_fault))`.
pub(crate) fn scaled_job(job: ScaledJob, q: &JobQuery) -> Result<JobOutcome, (String, bool)> {
    let triggers = job.triggers().map_err(|e| match e {
        KedaError::InvalidSpec(m) => (format!("field {m}"), true),
        e => (format!("field spec.triggers: {e}"), true),
    })?;
    let mut values: Vec<Option<&str>> = vec![None; triggers.len()];
    for s in &q.settings {
        let i = find_trigger(&triggers, &s.key)
            .map_err(|e| (format!("--set {}: {e}", s.key), false))?;
        if let Some(slot) = values.get_mut(i) {
            *slot = Some(s.value.as_str());
        }
    }
    let mut readings = Vec::with_capacity(triggers.len());
    for (t, v) in triggers.iter().zip(values) {
        let key = t.name.clone().unwrap_or_else(|| t.type_name().to_owned());
        let (value, flag) = match v {
            Some(v) => (Some(v), format!("--set {key}")),
            None => (q.queue.as_deref(), "--queue".to_owned()),
        };
        readings.push(match (&t.kind, value) {
            (TriggerKind::Cron(m), _) if v.is_none() => m.evaluate(q.now),
            (_, Some(v)) => reading_for(t, v).map_err(|e| (format!("{flag}: {e}"), false))?,
            (_, None) => {
                return Err((
                    format!(
                        "trigger {}: no value; give --queue N (all triggers) or --set {key}=N",
                        t.describe()
                    ),
                    false,
                ));
            }
        });
    }
    let d = job
        .decide(&readings, q.running, q.pending)
        .map_err(|e| (e.to_string(), false))?;
    let scalers = triggers
        .into_iter()
        .zip(readings)
        .zip(d.scalers.iter().zip(&d.scaler_max_values))
        .map(|((trigger, reading), (metrics, max_value))| JobScaler {
            trigger,
            reading,
            metrics: *metrics,
            max_value: *max_value,
        })
        .collect();
    Ok(JobOutcome {
        job,
        strategy: d.strategy,
        calculation: d.calculation,
        bounds: d.bounds,
        scalers,
        combined: d.combined,
        decision: d.decision,
        jobs_to_create: d.jobs_to_create,
        running: d.running,
        pending: d.pending,
    })
}

/// The reasons of a Job decision.
pub(crate) fn job_reasons(o: &JobOutcome) -> Vec<String> {
    let mut out = Vec::new();
    let m = o.bounds.max_replica_count();
    let min = o.bounds.min_replica_count();
    for s in &o.scalers {
        out.push(format!(
            "{}: queue {} / target {} -> maxValue {} ({})",
            s.trigger.metric_name,
            s.metrics.queue_length,
            s.metrics.target_average_value,
            s.max_value,
            if s.metrics.is_active {
                "active"
            } else {
                "inactive: left out"
            }
        ));
    }
    let c = &o.combined;
    out.push(format!(
        "multipleScalersCalculation {}: scaleTo {} (queue length), maxScale {} (capped at maxReplicaCount - minReplicaCount = {m})",
        calc_name(o.calculation),
        c.queue_length,
        c.max_value
    ));
    let d = &o.decision;
    let r = o.running.saturating_sub(min);
    if o.running < min {
        out.push(format!(
            "{} running < minReplicaCount {min}: fill up to the minimum, effectiveMaxScale = scaleTo = {}",
            o.running, d.effective_max_scale
        ));
    } else {
        out.push(match o.strategy {
            ScalingStrategy::Default => format!(
                "strategy default: effectiveMaxScale = maxScale - (running - min) = {} - {r} = {}",
                c.max_value, d.effective_max_scale
            ),
            ScalingStrategy::Custom {
                deduction,
                percentage,
            } => format!(
                "strategy custom: effectiveMaxScale = min(maxScale - {deduction} - trunc({r} x {percentage}), {m}) = {}",
                d.effective_max_scale
            ),
            ScalingStrategy::Accurate => {
                let sum = c.max_value.saturating_add(r).saturating_sub(o.pending);
                if sum > m {
                    format!(
                        "strategy accurate: maxScale + (running - min) - pending = {sum} > {m}, so effectiveMaxScale = {m} - (running - min) = {}",
                        d.effective_max_scale
                    )
                } else {
                    format!(
                        "strategy accurate: maxScale + (running - min) - pending = {sum} <= {m}, so effectiveMaxScale = maxScale - pending = {} - {} = {}",
                        c.max_value, o.pending, d.effective_max_scale
                    )
                }
            }
            ScalingStrategy::Eager => format!(
                "strategy eager: effectiveMaxScale = min({m} - {r} - {}, maxScale {}) = {}, scaleTo = {m}",
                o.pending, c.max_value, d.effective_max_scale
            ),
        });
    }
    if c.is_active {
        out.push(format!(
            "jobs to create: max(0, min(scaleTo {}, effectiveMaxScale {})) = {}",
            d.scale_to, d.effective_max_scale, o.jobs_to_create
        ));
    } else {
        out.push("no scaler is active and minReplicaCount is 0: no Jobs are created".to_owned());
    }
    out
}

fn job_json(o: &JobOutcome) -> Value {
    let scalers: Vec<Value> = o
        .scalers
        .iter()
        .map(|s| {
            json!({
                "index": s.trigger.index,
                "name": s.trigger.name,
                "type": s.trigger.type_name(),
                "metricName": s.trigger.metric_name,
                "value": s.reading.raw,
                "queueLength": s.metrics.queue_length,
                "targetAverageValue": s.metrics.target_average_value,
                "maxValue": s.max_value,
                "activation": activation_of(&s.trigger),
                "active": s.metrics.is_active,
            })
        })
        .collect();
    json!({
        "scaledJob": {
            "name": o.job.metadata.name,
            "namespace": o.job.metadata.namespace,
            "minReplicaCount": o.bounds.min_replica_count(),
            "maxReplicaCount": o.job.spec.max_replica_count.unwrap_or(100),
            "headroom": o.bounds.max_replica_count(),
        },
        "strategy": o.strategy.name(),
        "multipleScalersCalculation": calc_name(o.calculation),
        "runningJobs": o.running,
        "pendingJobs": o.pending,
        "scalers": scalers,
        "isActive": o.combined.is_active,
        "scaleTo": o.decision.scale_to,
        "maxScale": o.combined.max_value,
        "effectiveMaxScale": o.decision.effective_max_scale,
        "jobsToCreate": o.jobs_to_create,
        "reasons": job_reasons(o),
    })
}

fn job_table(o: &JobOutcome) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "ScaledJob {}  (minReplicaCount {}, maxReplicaCount {}, strategy {}, multipleScalersCalculation {})",
        o.job.metadata.name.as_deref().unwrap_or("(unnamed)"),
        o.bounds.min_replica_count(),
        o.job.spec.max_replica_count.unwrap_or(100),
        o.strategy.name(),
        calc_name(o.calculation)
    );
    let _ = writeln!(
        out,
        "decision: create {} job(s)  ({} running, {} pending)",
        o.jobs_to_create, o.running, o.pending
    );
    out.push('\n');
    let mut rows = vec![vec![
        "TRIGGER".to_owned(),
        "TYPE".to_owned(),
        "METRIC".to_owned(),
        "QUEUE".to_owned(),
        "TARGET".to_owned(),
        "MAXVALUE".to_owned(),
        "ACTIVATION".to_owned(),
        "ACTIVE".to_owned(),
    ]];
    for s in &o.scalers {
        rows.push(vec![
            s.trigger
                .name
                .clone()
                .unwrap_or_else(|| s.trigger.index.to_string()),
            s.trigger.type_name().to_owned(),
            s.trigger.metric_name.clone(),
            s.metrics.queue_length.to_string(),
            s.metrics.target_average_value.to_string(),
            s.max_value.to_string(),
            activation_of(&s.trigger).unwrap_or_else(|| "-".to_owned()),
            yes(s.metrics.is_active).to_owned(),
        ]);
    }
    out.push_str(&columns(&rows));
    out.push_str("\nwhy:\n");
    for r in job_reasons(o) {
        let _ = writeln!(out, "  - {r}");
    }
    out
}

/// Renders a Job decision.
pub(crate) fn render_job(o: &JobOutcome, format: Format) -> Result<String, String> {
    match format {
        Format::Json => serde_json::to_string_pretty(&job_json(o))
            .map(|s| s + "\n")
            .map_err(|e| e.to_string()),
        Format::Yaml => serde_saphyr::to_string(&job_json(o)).map_err(|e| e.to_string()),
        Format::Table => Ok(job_table(o)),
    }
}
