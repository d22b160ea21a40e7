//! Conformance kinds of the HPA family (`hpa.json`): adapters from the vector schema
//! (`../shared/spec/hpa.md` §1) onto the public API of `tidescale::hpa`.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use tidescale::hpa::{
    self, Container, Controller, Events, HorizontalPodAutoscaler, HpaScalingRules, MetricValues,
    Observation, Pod, PodMetric, PodPhase, Readiness, ReadinessTimings, Recommendation,
    ReplicaCalculator, ResourceList, Scale, ScaleEvent, ScaleToZeroVariant, Settings, Tolerances,
};
use tidescale::{Quantity, Timestamp};

use crate::Outcome;
use crate::util::{check, f64_of, i64_of, str_of};

/// Runs one vector of this family, or `None` if `kind` is not one of its kinds.
pub fn run(kind: &str, input: &Value, expect: &Value) -> Option<Outcome> {
    Some(match kind {
        "replica_calc" => replica_calc(input, expect),
        "group_pods" => group_pods(input, expect),
        "pod_requests" => pod_requests(input, expect),
        "scale_rules" => scale_rules(input, expect),
        "scale_limit" => scale_limit(input, expect),
        "stabilize" => stabilize(input, expect),
        "legacy_stabilize" => legacy_stabilize(input, expect),
        "legacy_convert" => legacy_convert(input, expect),
        "store_events" => store_events(input, expect),
        "behavior_defaults" => behavior_defaults(input, expect),
        "validate_behavior" => validate_behavior(input, expect),
        "reconcile" => reconcile(input, expect),
        _ => return None,
    })
}

fn secs(v: &Value) -> Timestamp {
    Timestamp::from_secs(v.as_i64().unwrap_or(0))
}

fn opt_i64(v: &Value, k: &str) -> Option<i64> {
    v.get(k).and_then(Value::as_i64)
}

fn i32_of(v: &Value, k: &str) -> Result<i32, String> {
    i64_of(v, k).map(|x| x as i32)
}

fn arr<'a>(v: &'a Value, k: &str) -> &'a [Value] {
    v.get(k)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// snake_case keys of the vector schema to the camelCase of the Kubernetes API.
fn camel(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                if v.is_null() {
                    continue;
                }
                let mut key = String::new();
                let mut up = false;
                for c in k.chars() {
                    if c == '_' {
                        up = true;
                    } else if up {
                        key.extend(c.to_uppercase());
                        up = false;
                    } else {
                        key.push(c);
                    }
                }
                out.insert(key, camel(v));
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(camel).collect()),
        other => other.clone(),
    }
}

fn rules_of(v: &Value) -> Result<HpaScalingRules, String> {
    serde_json::from_value(camel(v)).map_err(|e| format!("rules: {e}"))
}

fn pod_of(v: &Value, resources: &[&str], container: &str) -> Pod {
    let phase = match v.get("phase").and_then(Value::as_str).unwrap_or("Running") {
        "Pending" => PodPhase::Pending,
        "Failed" => PodPhase::Failed,
        "Succeeded" => PodPhase::Succeeded,
        "Unknown" => PodPhase::Unknown,
        _ => PodPhase::Running,
    };
    let ready = v.get("ready").filter(|r| !r.is_null()).map(|r| Readiness {
        ready: r.get("status").and_then(Value::as_str) == Some("True"),
        last_transition: secs(&r["last_transition_s"]),
    });
    let requests = |milli: Option<i64>| -> ResourceList {
        milli
            .map(|m| {
                resources
                    .iter()
                    .map(|r| ((*r).to_owned(), Quantity::from_milli(m)))
                    .collect()
            })
            .unwrap_or_default()
    };
    let containers_of = |k: &str| -> Vec<Container> {
        arr(v, k)
            .iter()
            .map(|c| Container {
                name: c
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
                requests: requests(opt_i64(c, "request_milli")),
                restart_policy_always: c
                    .get("restart_policy_always")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            })
            .collect()
    };
    let mut containers = containers_of("containers");
    if v.get("containers").is_none() {
        // replica_calc/group_pods: the request is already reduced to the metric's scope
        containers.push(Container {
            name: if container.is_empty() { "c" } else { container }.to_owned(),
            requests: requests(opt_i64(v, "request_milli")),
            restart_policy_always: false,
        });
    }
    Pod {
        name: v
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
        phase,
        deleted: v.get("deleted").and_then(Value::as_bool).unwrap_or(false),
        start_time: v.get("start_time_s").filter(|s| !s.is_null()).map(secs),
        ready,
        containers,
        init_containers: containers_of("init_containers"),
        pod_requests: opt_i64(v, "pod_level_request_milli").map(|m| requests(Some(m))),
    }
}

/// Pod names to indices; names not in the list get indices past the end (superfluous).
fn index_of(pods: &[Pod], extra: &mut Vec<String>, name: &str) -> usize {
    if let Some(i) = pods.iter().position(|p| p.name == name) {
        return i;
    }
    match extra.iter().position(|n| n == name) {
        Some(i) => pods.len() + i,
        None => {
            extra.push(name.to_owned());
            pods.len() + extra.len() - 1
        }
    }
}

fn samples_of(pods: &[Pod], list: &[Value]) -> Vec<PodMetric> {
    let mut extra = Vec::new();
    list.iter()
        .map(|m| PodMetric {
            pod: index_of(
                pods,
                &mut extra,
                m.get("pod").and_then(Value::as_str).unwrap_or(""),
            ),
            value_milli: opt_i64(m, "value_milli").unwrap_or(0),
            timestamp: secs(&m["timestamp_s"]),
            window_ms: opt_i64(m, "window_s").unwrap_or(60) * 1000,
        })
        .collect()
}

fn tolerances(v: &Value) -> Tolerances {
    let t = &v["tolerance"];
    Tolerances {
        scale_down: t["scale_down"].as_f64().unwrap_or(0.1),
        scale_up: t["scale_up"].as_f64().unwrap_or(0.1),
    }
}

fn timings(v: &Value) -> ReadinessTimings {
    ReadinessTimings {
        cpu_initialization_period_ms: opt_i64(v, "cpu_initialization_period_s").unwrap_or(300)
            * 1000,
        initial_readiness_delay_ms: opt_i64(v, "initial_readiness_delay_s").unwrap_or(30) * 1000,
    }
}

fn replica_calc(input: &Value, expect: &Value) -> Outcome {
    let source = str_of(input, "source")?;
    let resource = input.get("resource").and_then(Value::as_str).unwrap_or("");
    let container = input.get("container").and_then(Value::as_str).unwrap_or("");
    let pods: Vec<Pod> = arr(input, "pods")
        .iter()
        .map(|p| pod_of(p, &[resource], container))
        .collect();
    let samples = samples_of(&pods, arr(input, "pod_metrics"));
    let calc = ReplicaCalculator {
        tolerances: tolerances(input),
        timings: timings(input),
        pod_level_resources: false,
        now: Timestamp(0),
    };
    let current = i32_of(input, "current_replicas")?;
    let target_type = input
        .get("target_type")
        .and_then(Value::as_str)
        .unwrap_or("");
    let target_milli = opt_i64(input, "target_milli").unwrap_or(0);
    let status = opt_i64(input, "status_replicas").unwrap_or(i64::from(current)) as i32;
    let ext: Vec<i64> = arr(input, "external_values_milli")
        .iter()
        .filter_map(Value::as_i64)
        .collect();
    let object = opt_i64(input, "object_value_milli").unwrap_or(0);
    let result = match (source, target_type) {
        ("Resource" | "ContainerResource", "Utilization") => {
            let u = i32_of(input, "target_utilization")?;
            calc.resource_replicas(current, u, resource, container, &pods, &samples)
        }
        ("Resource" | "ContainerResource", "AverageValue") => {
            calc.plain_replicas(current, target_milli, resource, &pods, &samples)
        }
        ("Pods", _) => calc.plain_replicas(current, target_milli, "", &pods, &samples),
        ("Object", "Value") => calc.object_replicas(current, target_milli, object, &pods),
        ("Object", "AverageValue") => {
            Ok(calc.object_per_pod_replicas(status, target_milli, object))
        }
        ("External", "AverageValue") => calc.external_per_pod_replicas(status, target_milli, &ext),
        ("External", "Value") => calc.external_replicas(current, target_milli, &ext, &pods),
        other => return Err(format!("unsupported source/target {other:?}")),
    };
    match (result, expect.get("error")) {
        (Err(_), Some(_)) => Ok(()),
        (Err(e), None) => Err(format!("unexpected error: {e}")),
        (Ok(p), Some(e)) => Err(format!("expected error {e}, got {} replicas", p.replicas)),
        (Ok(p), None) => {
            check(
                "replicas",
                i64_of(expect, "replicas")?,
                i64::from(p.replicas),
            )?;
            if let Some(u) = opt_i64(expect, "utilization") {
                check("utilization", Some(u), p.utilization.map(i64::from))?;
            }
            if let Some(r) = opt_i64(expect, "raw_value_milli") {
                check("raw_value_milli", r, p.value_milli)?;
            }
            if let Some(r) = opt_i64(expect, "usage_milli") {
                check("usage_milli", r, p.value_milli)?;
            }
            Ok(())
        }
    }
}

fn names(pods: &[Pod], idx: &[usize]) -> Vec<String> {
    let mut v: Vec<String> = idx
        .iter()
        .filter_map(|&i| pods.get(i).map(|p| p.name.clone()))
        .collect();
    v.sort();
    v
}

fn str_list(v: &Value, k: &str) -> Vec<String> {
    let mut out: Vec<String> = arr(v, k)
        .iter()
        .filter_map(|s| s.as_str().map(str::to_owned))
        .collect();
    out.sort();
    out
}

fn group_pods(input: &Value, expect: &Value) -> Outcome {
    let resource = input.get("resource").and_then(Value::as_str).unwrap_or("");
    let pods: Vec<Pod> = arr(input, "pods")
        .iter()
        .map(|p| pod_of(p, &[resource], ""))
        .collect();
    let samples = samples_of(&pods, arr(input, "pod_metrics"));
    let g = hpa::group_pods(&pods, &samples, resource, timings(input), Timestamp(0));
    check(
        "ready_count",
        i64_of(expect, "ready_count")?,
        g.ready_count as i64,
    )?;
    check(
        "unready",
        str_list(expect, "unready"),
        names(&pods, &g.unready),
    )?;
    check(
        "missing",
        str_list(expect, "missing"),
        names(&pods, &g.missing),
    )?;
    check(
        "ignored",
        str_list(expect, "ignored"),
        names(&pods, &g.ignored),
    )
}

fn pod_requests(input: &Value, expect: &Value) -> Outcome {
    let resource = str_of(input, "resource")?;
    let container = input.get("container").and_then(Value::as_str).unwrap_or("");
    let gate = input
        .get("pod_level_resources_gate")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mut got = BTreeMap::new();
    for p in arr(input, "pods") {
        let pod = pod_of(p, &[resource], "");
        match hpa::pod_request(&pod, resource, container, gate) {
            Ok(r) => {
                got.insert(pod.name.clone(), r);
            }
            Err(e) => {
                return match expect.get("error") {
                    Some(_) => Ok(()),
                    None => Err(format!("unexpected error: {e}")),
                };
            }
        }
    }
    if let Some(e) = expect.get("error") {
        return Err(format!("expected error {e}, got {got:?}"));
    }
    let want: BTreeMap<String, i64> =
        serde_json::from_value(expect["requests_milli"].clone()).map_err(|e| e.to_string())?;
    check("requests_milli", want, got)
}

fn events_of(v: &Value, k: &str) -> Vec<ScaleEvent> {
    arr(v, k)
        .iter()
        .map(|e| ScaleEvent {
            replica_change: opt_i64(e, "replica_change").unwrap_or(0) as i32,
            time: secs(&e["time_s"]),
            outdated: e.get("outdated").and_then(Value::as_bool).unwrap_or(false),
        })
        .collect()
}

fn reason_of(expect: &Value) -> Result<&str, String> {
    str_of(expect, "reason")
}

fn scale_rules(input: &Value, expect: &Value) -> Outcome {
    let up_rules = rules_of(&input["scale_up"])?;
    let mut down_rules = rules_of(&input["scale_down"])?;
    if down_rules.stabilization_window_seconds.is_none() {
        down_rules.stabilization_window_seconds = Some(300);
    }
    let (up, down) = (
        events_of(input, "scale_up_events"),
        events_of(input, "scale_down_events"),
    );
    let r = hpa::behavior_rate(hpa::RateArgs {
        current: i32_of(input, "current_replicas")?,
        desired: i32_of(input, "desired_replicas")?,
        min: i32_of(input, "min_replicas")?,
        max: i32_of(input, "max_replicas")?,
        scale_up: &up_rules,
        scale_down: &down_rules,
        events: Events {
            up: &up,
            down: &down,
        },
        now: Timestamp(0),
    });
    check(
        "replicas",
        i64_of(expect, "replicas")?,
        i64::from(r.replicas),
    )?;
    check("reason", reason_of(expect)?, r.reason.as_str())
}

fn scale_limit(input: &Value, expect: &Value) -> Outcome {
    let rules = rules_of(&input["rules"])?;
    let (up, down) = (
        events_of(input, "scale_up_events"),
        events_of(input, "scale_down_events"),
    );
    let ev = Events {
        up: &up,
        down: &down,
    };
    let current = i32_of(input, "current_replicas")?;
    let limit = match str_of(input, "direction")? {
        "up" => hpa::scale_up_limit(current, ev, &rules, Timestamp(0)),
        _ => hpa::scale_down_limit(current, ev, &rules, Timestamp(0)),
    };
    check("limit", i64_of(expect, "limit")?, i64::from(limit))
}

fn recs_of(v: &Value) -> Vec<Recommendation> {
    arr(v, "recommendations")
        .iter()
        .map(|r| Recommendation {
            replicas: opt_i64(r, "replicas").unwrap_or(0) as i32,
            time: secs(&r["time_s"]),
        })
        .collect()
}

fn stabilize(input: &Value, expect: &Value) -> Outcome {
    let mut recs = recs_of(input);
    let s = hpa::stabilize_with_behavior(
        &mut recs,
        i32_of(input, "current_replicas")?,
        i32_of(input, "desired_replicas")?,
        i64_of(input, "scale_up_stabilization_window_s")?,
        i64_of(input, "scale_down_stabilization_window_s")?,
        Timestamp(0),
    );
    check(
        "replicas",
        i64_of(expect, "replicas")?,
        i64::from(s.replicas),
    )?;
    if let Some(after) = expect
        .get("recommendations_after")
        .and_then(Value::as_array)
    {
        let want: Vec<i64> = after.iter().filter_map(Value::as_i64).collect();
        let got: Vec<i64> = recs.iter().map(|r| i64::from(r.replicas)).collect();
        check("recommendations_after", want, got)?;
    }
    Ok(())
}

fn legacy_stabilize(input: &Value, expect: &Value) -> Outcome {
    let mut recs = recs_of(input);
    let r = hpa::stabilize_legacy(
        &mut recs,
        i32_of(input, "desired_replicas")?,
        i64_of(input, "downscale_stabilization_window_s")?,
        Timestamp(0),
    );
    check("replicas", i64_of(expect, "replicas")?, i64::from(r))?;
    if let Some(n) = opt_i64(expect, "history_length") {
        check("history_length", n, recs.len() as i64)?;
    }
    Ok(())
}

fn legacy_convert(input: &Value, expect: &Value) -> Outcome {
    let r = hpa::legacy_rate(
        i32_of(input, "current_replicas")?,
        i32_of(input, "desired_replicas")?,
        i32_of(input, "min_replicas")?,
        i32_of(input, "max_replicas")?,
        f64_of(input, "scale_up_limit_factor")?,
        f64_of(input, "scale_up_limit_minimum")?,
    );
    check(
        "replicas",
        i64_of(expect, "replicas")?,
        i64::from(r.replicas),
    )?;
    check("reason", reason_of(expect)?, r.reason.as_str())
}

fn store_events(input: &Value, expect: &Value) -> Outcome {
    let mut events = events_of(input, "prev_events");
    let before = hpa::replicas_change_per_period(60, &events, Timestamp(0));
    check(
        "replicas_changed_in_last_60s_before_store",
        i64_of(expect, "replicas_changed_in_last_60s_before_store")?,
        i64::from(before),
    )?;
    let rules = &input["rules"];
    if !rules.is_null() {
        let rules = rules_of(rules)?;
        let longest = rules
            .policies
            .iter()
            .flatten()
            .map(|p| p.period_seconds)
            .max()
            .unwrap_or(0);
        let (prev, new) = (
            i32_of(input, "prev_replicas")?,
            i32_of(input, "new_replicas")?,
        );
        hpa::store_scale_event(&mut events, (new - prev).abs(), longest, Timestamp(0));
    }
    let want: Vec<(i64, bool)> = arr(expect, "events_after")
        .iter()
        .map(|e| {
            (
                opt_i64(e, "replica_change").unwrap_or(0),
                e.get("outdated").and_then(Value::as_bool).unwrap_or(false),
            )
        })
        .collect();
    let got: Vec<(i64, bool)> = events
        .iter()
        .map(|e| (i64::from(e.replica_change), e.outdated))
        .collect();
    check("events_after", want, got)
}

fn behavior_defaults(input: &Value, expect: &Value) -> Outcome {
    let user = rules_of(&input["rules"])?;
    let r = match str_of(input, "direction")? {
        "scale_up" | "up" => hpa::scale_up_rules(Some(&user)),
        _ => hpa::scale_down_rules(Some(&user)),
    };
    let got_policies: Vec<Value> = r
        .policies
        .iter()
        .flatten()
        .map(|p| json!({"type": p.type_.as_str(), "value": p.value, "period_seconds": p.period_seconds}))
        .collect();
    check(
        "policies",
        expect["policies"].clone(),
        Value::Array(got_policies),
    )?;
    check(
        "stabilization_window_seconds",
        opt_i64(expect, "stabilization_window_seconds"),
        r.stabilization_window_seconds.map(i64::from),
    )?;
    check(
        "select_policy",
        expect.get("select_policy").and_then(Value::as_str),
        r.select_policy.as_ref().map(|s| s.as_str()),
    )
}

fn validate_behavior(input: &Value, expect: &Value) -> Outcome {
    let gates = hpa::ValidationGates {
        configurable_tolerance: input["feature_gates"]["HPAConfigurableTolerance"]
            .as_bool()
            .unwrap_or(true),
        scale_to_zero: false,
    };
    let mut errors = Vec::new();
    for (k, path) in [
        ("scale_up", "spec.behavior.scaleUp"),
        ("scale_down", "spec.behavior.scaleDown"),
    ] {
        if !input[k].is_null() {
            hpa::validate_scaling_rules(&rules_of(&input[k])?, path, gates, &mut errors);
        }
    }
    let valid = expect["valid"].as_bool().unwrap_or(true);
    check("valid", valid, errors.is_empty())?;
    if let Some(c) = expect.get("error_contains").and_then(Value::as_str)
        && !errors.iter().any(|e| e.contains(c))
    {
        return Err(format!("no error contains {c:?}: {errors:?}"));
    }
    if let Some(n) = opt_i64(expect, "error_count") {
        check("error_count", n, errors.len() as i64)?;
    }
    Ok(())
}

/// The metric spec of a `reconcile` vector as a Kubernetes `MetricSpec` JSON.
fn metric_spec(m: &Value) -> Value {
    let source = m.get("source").and_then(Value::as_str).unwrap_or("");
    let resource = m.get("resource").and_then(Value::as_str).unwrap_or("cpu");
    let tt = m.get("target_type").and_then(Value::as_str);
    let milli = opt_i64(m, "target_milli").map(|v| Quantity::from_milli(v).to_string());
    let mut target = Map::new();
    if let Some(tt) = tt {
        target.insert("type".into(), json!(tt));
    }
    match tt {
        Some("Utilization") => {
            target.insert("averageUtilization".into(), m["target_utilization"].clone());
        }
        Some("AverageValue") => {
            target.insert("averageValue".into(), json!(milli));
        }
        Some("Value") => {
            target.insert("value".into(), json!(milli));
        }
        _ => {}
    }
    let target = Value::Object(target);
    let metric = json!({"name": "qps", "selector": {"matchLabels": {"label": "value"}}});
    match source {
        "Resource" => json!({"type": "Resource", "resource": {"name": resource, "target": target}}),
        "ContainerResource" => json!({"type": "ContainerResource", "containerResource":
            {"name": resource, "container": m["container"], "target": target}}),
        "Pods" => json!({"type": "Pods", "pods": {"metric": metric, "target": target}}),
        "Object" => json!({"type": "Object", "object": {"metric": metric, "target": target,
            "describedObject": {"kind": "Deployment", "name": "some-deployment", "apiVersion": "apps/v1"}}}),
        "External" => json!({"type": "External", "external": {"metric": metric, "target": target}}),
        other => json!({"type": other}),
    }
}

fn reconcile(input: &Value, expect: &Value) -> Outcome {
    let c = &input["controller"];
    let gates = &input["feature_gates"];
    let h = &input["hpa"];
    let master = input
        .get("__variant")
        .and_then(Value::as_str)
        .is_some_and(|v| v.contains("master"));
    let settings = Settings {
        tolerance: c["tolerance"].as_f64().unwrap_or(0.1),
        downscale_stabilization_seconds: opt_i64(c, "downscale_stabilization_s").unwrap_or(300),
        scale_up_limit_factor: c["scale_up_limit_factor"].as_f64().unwrap_or(2.0),
        scale_up_limit_minimum: c["scale_up_limit_minimum"].as_f64().unwrap_or(4.0),
        cpu_initialization_period_seconds: opt_i64(c, "cpu_initialization_period_s").unwrap_or(300),
        initial_readiness_delay_seconds: opt_i64(c, "initial_readiness_delay_s").unwrap_or(30),
        configurable_tolerance: gates["HPAConfigurableTolerance"].as_bool().unwrap_or(true),
        scale_to_zero: gates["HPAScaleToZero"].as_bool().unwrap_or(false),
        scale_to_zero_variant: if master {
            ScaleToZeroVariant::Master
        } else {
            ScaleToZeroVariant::Released
        },
        ..Settings::default()
    };
    let metrics: Vec<Value> = arr(h, "metrics").iter().map(metric_spec).collect();
    let mut status = camel(&h["status"]);
    if let Some(conds) = status.get_mut("conditions").and_then(Value::as_array_mut) {
        for c in conds.iter_mut() {
            if c.get("message").is_none() {
                c["message"] = json!("");
            }
        }
    }
    let mut spec = json!({
        "scaleTargetRef": {"kind": "Deployment", "name": "test", "apiVersion": "apps/v1"},
        "maxReplicas": h["max_replicas"],
        "metrics": metrics,
    });
    if let Some(min) = opt_i64(h, "min_replicas") {
        spec["minReplicas"] = json!(min);
    }
    if !h["behavior"].is_null() {
        let mut b = Map::new();
        for (k, kc) in [("scale_up", "scaleUp"), ("scale_down", "scaleDown")] {
            if !h["behavior"][k].is_null() {
                b.insert(kc.into(), camel(&h["behavior"][k]));
            }
        }
        spec["behavior"] = Value::Object(b);
    }
    let hpa_obj: HorizontalPodAutoscaler = serde_json::from_value(json!({
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "test-hpa", "namespace": "test-namespace"},
        "spec": spec, "status": status,
    }))
    .map_err(|e| format!("hpa object: {e}"))?;
    let mut ctl = Controller::from_stored(hpa_obj, settings).map_err(|e| e.to_string())?;
    let history = hpa::History {
        recommendations: input
            .get("recommendations")
            .filter(|r| !r.is_null())
            .map(|_| recs_of(input)),
        scale_up_events: events_of(input, "scale_up_events"),
        scale_down_events: events_of(input, "scale_down_events"),
    };
    ctl.set_history(history);

    // Pods: requests under every resource name a metric uses.
    let resources: Vec<&str> = {
        let mut r: Vec<&str> = arr(h, "metrics")
            .iter()
            .filter_map(|m| m.get("resource").and_then(Value::as_str))
            .collect();
        r.push("cpu");
        r.sort_unstable();
        r.dedup();
        r
    };
    let pods: Vec<Pod> = arr(input, "pods")
        .iter()
        .map(|p| pod_of(p, &resources, ""))
        .collect();
    let md = &input["metric_data"];
    // per-metric readings, built from the test fakes
    let mut pod_samples: Vec<Vec<PodMetric>> = Vec::new();
    let mut ext_values: Vec<Vec<i64>> = Vec::new();
    let specs = arr(h, "metrics");
    for m in specs {
        let source = m.get("source").and_then(Value::as_str).unwrap_or("");
        let mut extra = Vec::new();
        let samples: Vec<PodMetric> = match source {
            "Resource" | "ContainerResource" => {
                let container = m.get("container").and_then(Value::as_str);
                let mut out = Vec::new();
                let mut missing_container = false;
                for rm in arr(md, "resource_metrics") {
                    let cs = arr(rm, "containers");
                    if cs.is_empty() {
                        continue;
                    }
                    let value = match container {
                        Some(c) if source == "ContainerResource" => {
                            match cs.iter().find(|x| x["name"].as_str() == Some(c)) {
                                Some(x) => x["value_milli"].as_i64(),
                                None => {
                                    missing_container = true;
                                    None
                                }
                            }
                        }
                        _ => cs.iter().map(|x| x["value_milli"].as_i64()).sum(),
                    };
                    let Some(value) = value else { continue };
                    out.push(PodMetric {
                        pod: index_of(&pods, &mut extra, rm["pod"].as_str().unwrap_or("")),
                        value_milli: value,
                        timestamp: secs(&rm["timestamp_s"]),
                        window_ms: opt_i64(rm, "window_s").unwrap_or(60) * 1000,
                    });
                }
                if missing_container {
                    out.clear();
                }
                out
            }
            "Pods" => samples_of(&pods, arr(md, "custom_pod_metrics")),
            _ => Vec::new(),
        };
        pod_samples.push(samples);
        ext_values.push(
            arr(md, "external_values_milli")
                .iter()
                .filter_map(Value::as_i64)
                .collect(),
        );
    }
    let readings: Vec<MetricValues<'_>> = specs
        .iter()
        .enumerate()
        .map(|(i, m)| {
            if m.get("fetch_error").and_then(Value::as_bool) == Some(true) {
                return MetricValues::Unavailable;
            }
            match m.get("source").and_then(Value::as_str).unwrap_or("") {
                "Resource" | "ContainerResource" | "Pods" => MetricValues::Pods(&pod_samples[i]),
                "Object" => match opt_i64(md, "object_value_milli") {
                    Some(v) => MetricValues::Object(v),
                    None => MetricValues::Unavailable,
                },
                "External" => MetricValues::External(&ext_values[i]),
                _ => MetricValues::Unavailable,
            }
        })
        .collect();
    let scale = Scale {
        spec_replicas: i32_of(&input["scale"], "spec_replicas")?,
        status_replicas: i32_of(&input["scale"], "status_replicas")?,
    };
    let d = ctl
        .step(
            Timestamp(0),
            &Observation {
                scale,
                pods: &pods,
                metrics: &readings,
            },
        )
        .map_err(|e| format!("step: {e}"))?;
    check(
        "desired_replicas",
        i64_of(expect, "desired_replicas")?,
        i64::from(d.desired_replicas),
    )?;
    if let Some(r) = expect.get("rescaled").and_then(Value::as_bool) {
        check("rescaled", r, d.rescale)?;
    }
    if let Some(e) = expect.get("returns_error").and_then(Value::as_bool) {
        check("returns_error", e, d.error.is_some())?;
    }
    if let Some(u) = opt_i64(expect, "cpu_utilization") {
        let got = d
            .metrics
            .iter()
            .find_map(|m| m.result.as_ref().ok().and_then(|p| p.utilization));
        check("cpu_utilization", Some(u), got.map(i64::from))?;
    }
    if let Some(conds) = expect.get("conditions").and_then(Value::as_array) {
        let want: Vec<(String, String, String)> = conds
            .iter()
            .map(|c| {
                (
                    c["type"].as_str().unwrap_or("").to_owned(),
                    c["status"].as_str().unwrap_or("").to_owned(),
                    c["reason"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect();
        let got: Vec<(String, String, String)> = d
            .conditions
            .iter()
            .map(|c| {
                (
                    c.type_.as_str().to_owned(),
                    c.status.as_str().to_owned(),
                    c.reason.as_str().to_owned(),
                )
            })
            .collect();
        check("conditions", want, got)?;
    }
    Ok(())
}
