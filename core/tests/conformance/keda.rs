//! Conformance kinds of the keda family (KEDA only; Cluster Autoscaler and Karpenter kinds in
//! the same file return `None` and are reported as skipped).

use std::collections::BTreeMap;

use serde_json::Value;
use tidescale::Timestamp;
use tidescale::hpa::MetricTargetType;
use tidescale::keda::scaled_job::{combine_scalers, target_average_value};
use tidescale::keda::scalers::kafka::{
    even_distribution_factor, find_factors, parse_partition_limitation, partition_lag,
};
use tidescale::keda::scalers::prometheus::query_value;
use tidescale::keda::scalers::sqs::queue_length;
use tidescale::keda::scalers::{
    CronMetadata, KafkaLag, KafkaMetadata, KafkaOffsets, PartitionOffsets, PrometheusMetadata,
    PrometheusResponse, SqsMetadata,
};
use tidescale::keda::scaling_modifiers::{composite_milli, formula_input};
use tidescale::keda::{
    ExecutorInput, Fallback, FallbackInput, FallbackOutcome, Formula, HealthState, HealthStatus,
    JobBounds, MultipleScalersCalculation, ScalerJobMetrics, ScalingStrategy, apply_fallback,
    approx_f64, fallback_condition, go_parse_float, request_scale, scaling_decision,
};

use crate::Outcome;
use crate::util::{Tolerance, check, f64_of, i64_of, str_of};

/// Runs one vector of this family, or `None` if `kind` is not one of its implemented kinds.
pub(crate) fn run(kind: &str, input: &Value, expect: &Value) -> Option<Outcome> {
    Some(match kind {
        "scaledjob_strategy" => scaledjob_strategy(input, expect),
        "scaledjob_decision" => scaledjob_decision(input, expect),
        "scaledjob_multi_scaler" => scaledjob_multi_scaler(input, expect),
        "scaledjob_target_average" => scaledjob_target_average(input, expect),
        "fallback" => fallback(input, expect),
        "activation" => activation(input, expect),
        "scaling_modifiers" => scaling_modifiers(input, expect),
        "sqs_length" => sqs_length(input, expect),
        "kafka_lag" => kafka_lag(input, expect),
        "kafka_even_distribution" => kafka_even_distribution(input, expect),
        "kafka_config" => kafka_config(input, expect),
        "prometheus_query" => prometheus_query(input, expect),
        "prometheus_config" => prometheus_config(input, expect),
        "cron_config" => cron_config(input, expect),
        "cron_activity" => cron_activity(input, expect),
        "cron_metric_name" => cron_metric_name(input, expect),
        _ => return None,
    })
}

/// A decimal as the Kubernetes quantity KEDA would hold (nearest milli).
fn milli(v: f64) -> i64 {
    (v * 1000.0).round() as i64
}

fn opt_i64(v: &Value, k: &str) -> Option<i64> {
    v.get(k).and_then(Value::as_i64)
}

fn strmap(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let s = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                    (k.clone(), s)
                })
                .collect()
        })
        .unwrap_or_default()
}

fn expect_i64(expect: &Value, k: &str, got: i64) -> Outcome {
    match expect.get(k) {
        Some(v) if !v.is_null() => check(k, v.as_i64(), Some(got)),
        _ => Ok(()),
    }
}

fn expect_bool(expect: &Value, k: &str, got: bool) -> Outcome {
    match expect.get(k).and_then(Value::as_bool) {
        Some(b) => check(k, b, got),
        None => Ok(()),
    }
}

fn expect_f64(expect: &Value, k: &str, got: f64) -> Outcome {
    match expect.get(k).and_then(Value::as_f64) {
        Some(e) => Tolerance::of(expect)?.check(k, e, got),
        None => Ok(()),
    }
}

fn strategy_of(input: &Value) -> ScalingStrategy {
    let ded = opt_i64(input, "customScalingQueueLengthDeduction").map(|v| v as i32);
    let pct = input
        .get("customScalingRunningJobPercentage")
        .and_then(Value::as_str);
    ScalingStrategy::from_spec(
        input.get("strategy").and_then(Value::as_str).unwrap_or(""),
        ded,
        pct,
    )
}

fn scaledjob_strategy(input: &Value, expect: &Value) -> Outcome {
    let s = strategy_of(input);
    if let Some(sel) = expect.get("selectedStrategy").and_then(Value::as_str) {
        check("selectedStrategy", sel, s.name())?;
    }
    if expect.get("effectiveMaxScale").is_none() {
        return Ok(());
    }
    let (e, to) = s.effective_max_scale(
        i64_of(input, "maxScale")?,
        i64_of(input, "runningJobCount")?,
        i64_of(input, "pendingJobCount")?,
        i64_of(input, "maxReplicaCount")?,
        i64_of(input, "scaleTo")?,
    );
    expect_i64(expect, "effectiveMaxScale", e)?;
    expect_i64(expect, "scaleTo", to)
}

fn bounds(input: &Value) -> JobBounds {
    JobBounds {
        min: opt_i64(input, "spec.minReplicaCount"),
        max: opt_i64(input, "spec.maxReplicaCount"),
    }
}

fn scaledjob_decision(input: &Value, expect: &Value) -> Outcome {
    let d = scaling_decision(
        &strategy_of(input),
        bounds(input),
        i64_of(input, "maxScale")?,
        i64_of(input, "scaleTo")?,
        i64_of(input, "runningJobCount")?,
        i64_of(input, "pendingJobCount")?,
    );
    expect_i64(expect, "effectiveMaxScale", d.effective_max_scale)?;
    expect_i64(expect, "scaleTo", d.scale_to)
}

fn scaledjob_multi_scaler(input: &Value, expect: &Value) -> Outcome {
    let scalers: Vec<ScalerJobMetrics> = input
        .get("scalers")
        .and_then(Value::as_array)
        .ok_or("scalers missing")?
        .iter()
        .map(|s| ScalerJobMetrics {
            queue_length: approx_f64(milli(
                s.get("queueLength").and_then(Value::as_f64).unwrap_or(0.0),
            )),
            target_average_value: approx_f64(milli(
                s.get("targetAverageValue")
                    .and_then(Value::as_f64)
                    .unwrap_or(0.0),
            )),
            is_active: s.get("isActive").and_then(Value::as_bool).unwrap_or(false),
        })
        .collect();
    let calc = MultipleScalersCalculation::parse(
        input
            .get("multipleScalersCalculation")
            .and_then(Value::as_str)
            .unwrap_or(""),
    );
    let r = combine_scalers(calc, bounds(input), &scalers);
    expect_bool(expect, "isActive", r.is_active)?;
    expect_i64(expect, "queueLength", r.queue_length)?;
    expect_i64(expect, "maxValue", r.max_value)
}

fn scaledjob_target_average(input: &Value, expect: &Value) -> Outcome {
    let t: Vec<Option<i64>> = input
        .get("targetAverageValues")
        .and_then(Value::as_array)
        .ok_or("targetAverageValues missing")?
        .iter()
        .map(|v| v.as_f64().map(milli))
        .collect();
    expect_f64(expect, "targetAverageValue", target_average_value(&t))
}

fn fallback_of(v: Option<&Value>) -> Result<Option<Fallback>, String> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => serde_json::from_value(v.clone())
            .map(Some)
            .map_err(|e| format!("fallback: {e}")),
    }
}

fn health_of(v: &Value) -> Option<HealthStatus> {
    serde_json::from_value(v.clone()).ok()
}

fn fallback(input: &Value, expect: &Value) -> Outcome {
    let fb = fallback_of(input.get("fallback"))?;
    let name = input
        .get("metricName")
        .and_then(Value::as_str)
        .unwrap_or("metric")
        .to_owned();
    let mut health: BTreeMap<String, HealthStatus> = BTreeMap::new();
    if let Some(m) = input.get("health").and_then(Value::as_object) {
        for (k, v) in m {
            health.insert(k.clone(), health_of(v).ok_or("bad health entry")?);
        }
    }
    if let Some(n) = opt_i64(input, "previousNumberOfFailures") {
        let status = if n > 0 {
            HealthState::Failing
        } else {
            HealthState::Happy
        };
        health.insert(
            name.clone(),
            HealthStatus {
                number_of_failures: n as i32,
                status,
            },
        );
    }
    let target_type = match input.get("metricTargetType").and_then(Value::as_str) {
        Some("Value") => MetricTargetType::Value,
        _ => MetricTargetType::AverageValue,
    };
    let fi = FallbackInput {
        fallback: fb.as_ref(),
        modifiers_target: None,
        external: true,
        target_type,
        target_milli: milli(
            input
                .get("metricTarget")
                .and_then(Value::as_f64)
                .unwrap_or(0.0),
        ),
        current_replicas: opt_i64(input, "currentReplicas").map(|v| v as i32),
        ready_replicas: opt_i64(input, "readyReplicas").map(|v| v as i32),
    };
    let is_err = input
        .get("scalerError")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let reading = if is_err {
        Err("scaler error")
    } else {
        Ok(milli(
            input
                .get("scalerMetricValue")
                .and_then(Value::as_f64)
                .unwrap_or(0.0),
        ))
    };
    let out = apply_fallback(&fi, &mut health, &name, reading);
    let (error, value) = match out {
        Ok(FallbackOutcome::Passed(v)) => (false, Some(v)),
        Ok(FallbackOutcome::FallenBack { metric_milli, .. }) => (false, Some(metric_milli)),
        Ok(FallbackOutcome::Failed(_)) | Err(_) => (true, None),
    };
    expect_bool(expect, "error", error)?;
    if let Some(e) = expect.get("metricValue").and_then(Value::as_f64) {
        check("metricValue (milli)", Some(milli(e)), value)?;
    }
    if let Some(h) = expect.get("health") {
        let want = health_of(h).ok_or("bad expected health")?;
        check("health", Some(&want), health.get(&name))?;
    }
    let cond = fb.as_ref().is_some_and(|f| fallback_condition(f, &health));
    expect_bool(expect, "fallbackCondition", cond)
}

fn activation(input: &Value, expect: &Value) -> Outcome {
    let ann = strmap(input.get("annotations"));
    let now = Timestamp::from_secs(1_767_225_600); // 2026-01-01: well past any cooldown
    let out = request_scale(&ExecutorInput {
        min_replica_count: opt_i64(input, "minReplicaCount").map(|v| v as i32),
        idle_replica_count: opt_i64(input, "idleReplicaCount").map(|v| v as i32),
        current_replicas: i64_of(input, "currentReplicas")? as i32,
        is_active: input
            .get("isActive")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        is_error: input
            .get("isError")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        annotations: &ann,
        last_active_time: opt_i64(input, "lastActiveTime").map(Timestamp::from_secs),
        creation_timestamp: Timestamp(0),
        cooldown_period: opt_i64(input, "cooldownPeriod").unwrap_or(300) as i32,
        initial_cooldown_period: opt_i64(input, "initialCooldownPeriod").unwrap_or(0) as i32,
        fallback_holds: false,
        now,
    });
    expect_i64(expect, "replicasAfter", i64::from(out.replicas))?;
    if let Some(c) = expect.get("activeCondition") {
        let want = c.as_str().map(|s| s == "True");
        check("activeCondition", want, out.active_condition)?;
    }
    Ok(())
}

fn scaling_modifiers(input: &Value, expect: &Value) -> Outcome {
    let fb = fallback_of(input.get("fallback"))?;
    if let Some(formula) = input.get("formula").and_then(Value::as_str) {
        let values: BTreeMap<String, Option<f64>> = input
            .get("values")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_f64().map(|f| approx_f64(milli(f)))))
                    .collect()
            })
            .unwrap_or_default();
        let target = input
            .get("target")
            .and_then(Value::as_str)
            .and_then(go_parse_float)
            .unwrap_or(1.0);
        let f = Formula::compile(formula).map_err(|e| e.to_string())?;
        let r = f.evaluate(&values).map_err(|e| e.to_string())?;
        let c = composite_milli(r, fb.map(|f| f.replicas), target);
        if let Some(name) = expect.get("compositeMetricName").and_then(Value::as_str) {
            check("compositeMetricName", name, "composite-metric")?;
        }
        if let Some(e) = expect.get("compositeMilli").and_then(Value::as_i64) {
            check("compositeMilli", Some(e), c)?;
        }
        return Ok(());
    }
    let v = milli(f64_of(input, "metricValue")?);
    let health = input
        .get("health")
        .filter(|h| !h.is_null())
        .and_then(health_of);
    let got = formula_input(v, fb.as_ref(), health.as_ref());
    let want = expect
        .get("triggerValue")
        .map(Value::as_f64)
        .ok_or("triggerValue")?;
    check("triggerValue", want, got)
}

fn sqs_length(input: &Value, expect: &Value) -> Outcome {
    let attrs = strmap(input.get("attributes"));
    if let Some(url) = input.get("queueURL").and_then(Value::as_str) {
        let md = BTreeMap::from([("queueURL".to_owned(), url.to_owned())]);
        let m = SqsMetadata::parse(&md).map_err(|e| e.to_string())?;
        let name = m.metric_name(i64_of(input, "triggerIndex")? as usize);
        return check("metricName", str_of(expect, "metricName")?, name.as_str());
    }
    if let Some(c) = input.get("countedAttributes").and_then(Value::as_array) {
        let counted: Vec<&str> = c.iter().filter_map(Value::as_str).collect();
        let r = queue_length(&attrs, &counted);
        expect_bool(expect, "error", r.is_err())?;
        return expect_i64(expect, "queueLength", r.unwrap_or(-1));
    }
    // Metadata as written; the queue URL is not under test here.
    let mut md = strmap(input.get("metadata"));
    md.entry("queueURL".to_owned())
        .or_insert_with(|| "q".to_owned());
    let r = SqsMetadata::parse(&md).and_then(|m| m.evaluate(&attrs));
    expect_bool(expect, "error", r.is_err())?;
    if let Ok(r) = r {
        if let Some(e) = expect.get("metricValue").and_then(Value::as_f64) {
            check("metricValue (milli)", milli(e), r.metric_milli)?;
        }
        expect_bool(expect, "isActive", r.is_active)?;
    }
    Ok(())
}

fn kafka_md(mut md: BTreeMap<String, String>) -> Result<KafkaMetadata, tidescale::keda::KedaError> {
    md.entry("bootstrapServers".to_owned())
        .or_insert_with(|| "b:9092".to_owned());
    md.entry("consumerGroup".to_owned())
        .or_insert_with(|| "g".to_owned());
    KafkaMetadata::parse(&md)
}

fn kafka_lag(input: &Value, expect: &Value) -> Outcome {
    if let Some(topics) = input.get("topics").and_then(Value::as_object) {
        let Ok(md) = kafka_md(strmap(input.get("metadata"))) else {
            return expect_bool(expect, "error", true);
        };
        let mut offsets: KafkaOffsets = BTreeMap::new();
        for (t, parts) in topics {
            let e = offsets.entry(t.clone()).or_default();
            for (p, o) in parts.as_object().ok_or("partitions")? {
                e.insert(
                    p.parse().map_err(|_| "partition id")?,
                    PartitionOffsets {
                        consumer_offset: o.get("consumerOffset").and_then(Value::as_i64),
                        latest_offset: o.get("latestOffset").and_then(Value::as_i64),
                    },
                );
            }
        }
        let mut k = KafkaLag::new(md);
        if let Some(prev) = input.get("previousOffsets").and_then(Value::as_object) {
            for (t, parts) in prev {
                let e = k.previous_offsets.entry(t.clone()).or_default();
                for (p, o) in parts.as_object().ok_or("previous")? {
                    e.insert(
                        p.parse().map_err(|_| "partition id")?,
                        o.as_i64().ok_or("offset")?,
                    );
                }
            }
        }
        let totals = k.totals(&offsets);
        expect_bool(expect, "error", totals.is_err())?;
        let Ok(t) = totals else { return Ok(()) };
        expect_i64(expect, "totalLag", t.total_lag)?;
        expect_i64(
            expect,
            "totalLagWithPersistent",
            t.total_lag_with_persistent,
        )?;
        if let Some(e) = expect.get("metricValue").and_then(Value::as_f64) {
            check(
                "metricValue (milli)",
                milli(e),
                tidescale::keda::metric_milli(t.total_lag as f64),
            )?;
        }
        return expect_bool(
            expect,
            "isActive",
            t.total_lag_with_persistent > k.metadata.activation_lag_threshold,
        );
    }
    let topic = str_of(input, "topic")?;
    let partition = i64_of(input, "partition")?;
    let mut md = BTreeMap::from([("topic".to_owned(), topic.to_owned())]);
    for k in [
        "offsetResetPolicy",
        "scaleToZeroOnInvalidOffset",
        "excludePersistentLag",
    ] {
        if let Some(v) = input.get(k) {
            let s = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            md.insert(k.to_owned(), s);
        }
    }
    let md = kafka_md(md).map_err(|e| e.to_string())?;
    let latest = input
        .get("latestOffsets")
        .and_then(|l| l.get(topic))
        .and_then(|p| p.get(partition.to_string()))
        .and_then(Value::as_i64);
    let mut prev = None;
    let (lag, lag_p) = partition_lag(&md, i64_of(input, "consumerOffset")?, latest, &mut prev);
    expect_bool(expect, "error", false)?;
    expect_i64(expect, "lag", lag)?;
    expect_i64(expect, "lagWithPersistent", lag_p)
}

fn kafka_even_distribution(input: &Value, expect: &Value) -> Outcome {
    if let Some(n) = opt_i64(input, "n") {
        let want: Vec<i64> = expect
            .get("factors")
            .and_then(Value::as_array)
            .ok_or("factors")?
            .iter()
            .filter_map(Value::as_i64)
            .collect();
        return check("factors", want, find_factors(n));
    }
    let f = even_distribution_factor(
        i64_of(input, "totalLag")?,
        i64_of(input, "totalTopicPartitions")?,
        i64_of(input, "lagThreshold")?,
    );
    expect_i64(expect, "factor", f)
}

fn kafka_config(input: &Value, expect: &Value) -> Outcome {
    if let Some(pl) = input.get("partitionLimitation").and_then(Value::as_str) {
        let r = parse_partition_limitation(pl);
        expect_bool(expect, "error", r.is_err())?;
        if let Some(want) = expect.get("partitions").and_then(Value::as_array) {
            let want: Vec<i32> = want
                .iter()
                .filter_map(|v| v.as_i64().map(|x| x as i32))
                .collect();
            let got = r.ok().map(|p| p.partitions().collect::<Vec<_>>());
            check("partitions", Some(want), got)?;
        }
        return Ok(());
    }
    let r = KafkaMetadata::parse(&strmap(input.get("metadata")));
    expect_bool(expect, "error", r.is_err())?;
    if let (Ok(m), Some(p)) = (&r, expect.get("parsed"))
        && p.get("partitionLimitation").is_some_and(Value::is_null)
    {
        check("partitionLimitation", None, m.partition_limitation.as_ref())?;
    }
    Ok(())
}

fn prometheus_query(input: &Value, expect: &Value) -> Outcome {
    let status = i64_of(input, "httpStatus")? as u16;
    let ignore = input
        .get("ignoreNullValues")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let body: Result<PrometheusResponse, _> = serde_json::from_str(str_of(input, "body")?);
    let r = match body {
        Ok(b) => query_value(status, &b, ignore).ok(),
        Err(_) => None,
    };
    expect_bool(expect, "error", r.is_none())?;
    expect_f64(expect, "value", r.unwrap_or(-1.0))
}

fn prometheus_config(input: &Value, expect: &Value) -> Outcome {
    if let Some(i) = opt_i64(input, "triggerIndex") {
        return check(
            "metricName",
            str_of(expect, "metricName")?,
            PrometheusMetadata::metric_name(i as usize).as_str(),
        );
    }
    let r = PrometheusMetadata::parse(&strmap(input.get("metadata")));
    expect_bool(expect, "error", r.is_err())
}

fn cron_config(input: &Value, expect: &Value) -> Outcome {
    let r = CronMetadata::parse(&strmap(input.get("metadata")));
    expect_bool(expect, "error", r.is_err())
}

/// `YYYY-MM-DDTHH:MM:SSZ` to Unix seconds.
fn parse_utc(s: &str) -> Result<i64, String> {
    let n = |a: usize, b: usize| -> Result<i64, String> {
        s.get(a..b)
            .and_then(|x| x.parse().ok())
            .ok_or(format!("bad time {s:?}"))
    };
    let (y, mo, d, h, mi, se) = (
        n(0, 4)?,
        n(5, 7)?,
        n(8, 10)?,
        n(11, 13)?,
        n(14, 16)?,
        n(17, 19)?,
    );
    let y2 = if mo <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2.rem_euclid(400);
    let mp = if mo > 2 { mo - 3 } else { mo + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Ok(days * 86_400 + h * 3600 + mi * 60 + se)
}

fn cron_activity(input: &Value, expect: &Value) -> Outcome {
    let m = CronMetadata::parse(&strmap(input.get("metadata"))).map_err(|e| e.to_string())?;
    let now = Timestamp::from_secs(parse_utc(str_of(input, "now")?)?);
    let r = m.evaluate(now);
    expect_bool(expect, "isActive", r.is_active)?;
    expect_f64(expect, "metricValue", r.raw)
}

fn cron_metric_name(input: &Value, expect: &Value) -> Outcome {
    let m = CronMetadata::parse(&strmap(input.get("metadata"))).map_err(|e| e.to_string())?;
    let name = m.metric_name(i64_of(input, "triggerIndex")? as usize);
    check("metricName", str_of(expect, "metricName")?, name.as_str())
}
