//! The serving family: `kpa_scale`, `ray_serve_policy`, `erlang_c`, `kv_cache_bytes`,
//! `wva_queue` (spec: shared/spec/serving-vectors.md), run through the public core API.

use serde_json::Value;
use tidescale::Timestamp;
use tidescale::capacity::{model, queueing, wva};
use tidescale::serving::{kpa, ray};

use crate::Outcome;
use crate::util::{check, f64_of, i64_of, str_of};

pub fn run(kind: &str, input: &Value, expect: &Value, vector: &Value) -> Option<Outcome> {
    Some(match kind {
        "erlang_c" => erlang(input, expect, rel_tol(vector, "rel", 1e-9)),
        "kv_cache_bytes" => kv(input, expect),
        "kpa_scale" => kpa_scale(input, expect),
        "ray_serve_policy" => ray_policy(input, expect),
        "wva_queue" => wva_queue(
            input,
            expect,
            rel_tol(vector, "rel", 1e-5),
            rel_tol(vector, "sizeRatesRel", 1e-4),
        ),
        _ => return None,
    })
}

fn rel_tol(vector: &Value, key: &str, default: f64) -> f64 {
    vector
        .get("tolerance")
        .and_then(|t| t.get(key))
        .and_then(Value::as_f64)
        .unwrap_or(default)
}

fn close(what: &str, want: f64, got: f64, rel: f64) -> Outcome {
    if want == got || (got - want).abs() <= rel * want.abs().max(got.abs()) {
        Ok(())
    } else {
        Err(format!(
            "{what}: expected {want:e}, got {got:e} (rel {rel:e})"
        ))
    }
}

fn close_opt(what: &str, want: &Value, got: Option<f64>, rel: f64) -> Outcome {
    match (want.as_f64(), got) {
        (None, None) => Ok(()),
        (Some(w), Some(g)) => close(what, w, g, rel),
        (w, g) => Err(format!("{what}: expected {w:?}, got {g:?}")),
    }
}

fn u32_of(v: &Value, k: &str) -> Result<u32, String> {
    u32::try_from(i64_of(v, k)?).map_err(|e| format!("{k}: {e}"))
}

fn erlang(i: &Value, e: &Value, rel: f64) -> Outcome {
    let l = f64_of(i, "arrivalRate")?;
    let s = f64_of(i, "meanServiceTime")?;
    match str_of(i, "query")? {
        "metrics" => {
            let m = queueing::mmc(l, s, u32_of(i, "servers")?, f64_of(i, "t")?)
                .map_err(|x| x.to_string())?;
            for (k, got) in [
                ("offeredLoad", m.offered_load),
                ("utilization", m.utilization),
                ("erlangB", m.erlang_b),
                ("probWait", m.prob_wait),
                ("meanWait", m.mean_wait),
                ("meanResponse", m.mean_response),
                ("probWaitGtT", m.prob_wait_gt_t),
            ] {
                close(k, f64_of(e, k)?, got, rel)?;
            }
            Ok(())
        }
        "size_for_wait_prob" => {
            let r = queueing::size_for_wait_prob(l, s, f64_of(i, "t")?, f64_of(i, "eps")?, None)
                .map_err(|x| x.to_string())?;
            check("servers", i64_of(e, "servers")?, i64::from(r.servers))?;
            check("met", true, r.met)?;
            close(
                "probWaitGtTAtServers",
                f64_of(e, "probWaitGtTAtServers")?,
                r.value_at_servers,
                rel,
            )?;
            close_opt(
                "probWaitGtTAtServersMinus1",
                e.get("probWaitGtTAtServersMinus1").unwrap_or(&Value::Null),
                r.value_at_servers_minus_1,
                rel,
            )
        }
        "size_for_mean_wait" => {
            let r = queueing::size_for_mean_wait(l, s, f64_of(i, "maxMeanWait")?, None)
                .map_err(|x| x.to_string())?;
            check("servers", i64_of(e, "servers")?, i64::from(r.servers))?;
            close(
                "meanWaitAtServers",
                f64_of(e, "meanWaitAtServers")?,
                r.value_at_servers,
                rel,
            )?;
            close_opt(
                "meanWaitAtServersMinus1",
                e.get("meanWaitAtServersMinus1").unwrap_or(&Value::Null),
                r.value_at_servers_minus_1,
                rel,
            )
        }
        q => Err(format!("unknown erlang_c query {q:?}")),
    }
}

fn kv(i: &Value, e: &Value) -> Outcome {
    let cfg: model::ModelConfig =
        serde_json::from_value(i.get("config").cloned().unwrap_or(Value::Null))
            .map_err(|x| x.to_string())?;
    let dtype_name = str_of(i, "kvCacheDtype")?;
    let dtype = cfg.kv_dtype(dtype_name).map_err(|x| x.to_string())?;
    let bpe = u64::try_from(i64_of(i, "bytesPerElement")?).map_err(|x| x.to_string())?;
    check("bytesPerElement of kvCacheDtype", bpe, dtype.bytes())?;
    let bpt = cfg.kv_bytes_per_token(dtype).map_err(|x| x.to_string())?;
    match str_of(i, "query")? {
        "bytes_per_token" => {
            check(
                "headDim",
                i64_of(e, "headDim")?,
                cfg.head_dim().map_err(|x| x.to_string())? as i64,
            )?;
            check(
                "kvHeads",
                i64_of(e, "kvHeads")?,
                cfg.kv_heads().map_err(|x| x.to_string())? as i64,
            )?;
            check("bytesPerToken", i64_of(e, "bytesPerToken")?, bpt as i64)?;
            check(
                "bytesPerBlock16",
                i64_of(e, "bytesPerBlock16")?,
                (bpt * 16) as i64,
            )
        }
        "max_concurrent_sequences" => {
            let u = |k| i64_of(i, k).and_then(|v| u64::try_from(v).map_err(|x| x.to_string()));
            let f = model::kv_fit(
                bpt,
                u("gpuMemoryBytes")?,
                f64_of(i, "gpuMemoryUtilization")?,
                u("weightBytes")?,
                u("tokensPerSequence")?,
                u32_of(i, "blockSize")?,
            )
            .map_err(|x| x.to_string())?;
            check(
                "bytesPerToken",
                i64_of(e, "bytesPerToken")?,
                f.bytes_per_token as i64,
            )?;
            check(
                "blocksPerSequence",
                i64_of(e, "blocksPerSequence")?,
                f.blocks_per_sequence as i64,
            )?;
            check(
                "bytesPerSequence",
                i64_of(e, "bytesPerSequence")?,
                f.bytes_per_sequence as i64,
            )?;
            check(
                "kvBudgetBytesFloor",
                i64_of(e, "kvBudgetBytesFloor")?,
                f.kv_budget_bytes_floor,
            )?;
            check(
                "numGpuBlocks",
                i64_of(e, "numGpuBlocks")?,
                f.num_gpu_blocks as i64,
            )?;
            check(
                "maxConcurrentSequences",
                i64_of(e, "maxConcurrentSequences")?,
                f.max_concurrent_sequences as i64,
            )
        }
        q => Err(format!("unknown kv_cache_bytes query {q:?}")),
    }
}

fn pod_count(v: &Value, ready_key: &str, err_key: &str) -> Result<kpa::PodCount, String> {
    Ok(match v.get(err_key).and_then(Value::as_str).unwrap_or("") {
        "" => kpa::PodCount::Ready(u32_of(v, ready_key)?),
        "notfound" => kpa::PodCount::NotFound(u32_of(v, ready_key)?),
        _ => kpa::PodCount::Error,
    })
}

fn spec_of(v: &Value) -> Result<kpa::DeciderSpec, String> {
    let mut v = v.clone();
    if let Some(m) = v
        .get_mut("scalingMetric")
        .filter(|m| m.as_str() == Some(""))
    {
        *m = Value::from("concurrency");
    }
    serde_json::from_value(v).map_err(|e| format!("spec: {e}"))
}

fn cmp_spec(want: &Value, got: &kpa::DeciderSpec) -> Outcome {
    let got = serde_json::to_value(got).map_err(|e| e.to_string())?;
    cmp_fields("resolvedSpec", want, &got)
}

fn cmp_fields(what: &str, want: &Value, got: &Value) -> Outcome {
    let Some(w) = want.as_object() else {
        return Err(format!("{what}: not an object"));
    };
    for (k, wv) in w {
        let gv = got.get(k).unwrap_or(&Value::Null);
        let same = match (wv.as_f64(), gv.as_f64()) {
            (Some(a), Some(b)) => a == b,
            _ => wv == gv,
        };
        if !same {
            return Err(format!("{what}.{k}: expected {wv}, got {gv}"));
        }
    }
    Ok(())
}

fn kpa_scale(i: &Value, e: &Value) -> Outcome {
    let epoch_ms = i64_of(i, "epochUnixSec")? * 1000;
    let at = |ms: i64| Timestamp(epoch_ms + ms);
    let config_mode = str_of(i, "mode")? == "config";
    let (spec, ctx) = if config_mode {
        let cfg: kpa::Config =
            serde_json::from_value(i.get("config").cloned().unwrap_or(Value::Null))
                .map_err(|x| format!("config: {x}"))?;
        let pa: kpa::PodAutoscaler =
            serde_json::from_value(i.get("pa").cloned().unwrap_or(Value::Null))
                .map_err(|x| format!("pa: {x}"))?;
        let r = kpa::resolve(&cfg, &pa).map_err(|x| x.to_string())?;
        cmp_fields(
            "resolvedConfig",
            e.get("resolvedConfig").unwrap_or(&Value::Null),
            &serde_json::to_value(&cfg).map_err(|x| x.to_string())?,
        )?;
        cmp_spec(e.get("resolvedSpec").unwrap_or(&Value::Null), &r.spec)?;
        check(
            "stableWindowMs",
            i64_of(e, "stableWindowMs")?,
            r.stable_window_ms,
        )?;
        check(
            "panicWindowMs",
            i64_of(e, "panicWindowMs")?,
            r.panic_window_ms,
        )?;
        check("minScale", i64_of(e, "minScale")?, i64::from(r.min_scale))?;
        check("maxScale", i64_of(e, "maxScale")?, i64::from(r.max_scale))?;
        (r.spec.clone(), Some((cfg, pa, r)))
    } else {
        (spec_of(i.get("spec").unwrap_or(&Value::Null))?, None)
    };
    let ready0 = pod_count(i, "initialReadyPods", "initialPodCountError")?;
    let mut a = kpa::Autoscaler::new(spec, at(i64_of(i, "createdAtMs")?), ready0)
        .map_err(|x| x.to_string())?;
    check(
        "initialInPanic",
        e.get("initialInPanic").and_then(Value::as_bool),
        Some(a.in_panic()),
    )?;
    check(
        "initialMaxPanicPods",
        i64_of(e, "initialMaxPanicPods")?,
        i64::from(a.max_panic_pods()),
    )?;
    if let Some(o) = i.get("stateOverride").filter(|o| !o.is_null()) {
        let pt = o.get("panicTimeMs").and_then(Value::as_i64).map(at);
        a.set_panic_state(
            pt,
            i32::try_from(i64_of(o, "maxPanicPods")?).map_err(|x| x.to_string())?,
        );
    }
    let mut initialized = i
        .get("scaleTargetInitialized")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let (ticks, wants) = ticks_of(i, e)?;
    for (n, (t, w)) in ticks.iter().zip(wants).enumerate() {
        if let Some(s) = t.get("specUpdate").filter(|s| !s.is_null()) {
            a.update(spec_of(s)?).map_err(|x| x.to_string())?;
        }
        if let Some(b) = t.get("scaleTargetInitialized").and_then(Value::as_bool) {
            initialized = b;
        }
        let metrics = match t.get("metricError").and_then(Value::as_str).unwrap_or("") {
            "" => Some((f64_of(t, "stable")?, f64_of(t, "panic")?)),
            _ => None,
        };
        let obs = kpa::Observation {
            ready: pod_count(t, "readyPods", "podCountError")?,
            metrics,
        };
        let d = a.step(at(i64_of(t, "tMs")?), &obs);
        let tag = |k: &str| format!("tick {n} {k}");
        check(
            &tag("desiredPodCount"),
            i64_of(w, "desiredPodCount")?,
            i64::from(d.desired_pod_count),
        )?;
        check(
            &tag("excessBurstCapacity"),
            i64_of(w, "excessBurstCapacity")?,
            i64::from(d.excess_burst_capacity),
        )?;
        check(
            &tag("scaleValid"),
            w.get("scaleValid").and_then(Value::as_bool),
            Some(d.scale_valid),
        )?;
        check(
            &tag("inPanic"),
            w.get("inPanic").and_then(Value::as_bool),
            Some(d.in_panic),
        )?;
        if let Some(mp) = w.get("maxPanicPods").and_then(Value::as_i64) {
            check(&tag("maxPanicPods"), mp, i64::from(a.max_panic_pods()))?;
        }
        if let (Some(b), Some((cfg, pa, r))) =
            (w.get("boundedScale").and_then(Value::as_i64), ctx.as_ref())
        {
            let got = kpa::bounded_scale(cfg, pa, r, initialized, d.desired_pod_count);
            check(&tag("boundedScale"), b, i64::from(got))?;
        }
    }
    Ok(())
}

fn ray_policy(i: &Value, e: &Value) -> Outcome {
    let cfg: ray::RayConfig =
        serde_json::from_value(i.get("config").cloned().unwrap_or(Value::Null))
            .map_err(|x| format!("config: {x}"))?;
    let tc = i.get("targetCapacity").and_then(Value::as_f64);
    let dir = match i.get("targetCapacityDirection").and_then(Value::as_str) {
        Some("UP") => Some(ray::CapacityDirection::Up),
        Some("DOWN") => Some(ray::CapacityDirection::Down),
        _ => None,
    };
    let mut p = ray::Policy::new(cfg, tc, dir).map_err(|x| x.to_string())?;
    let mut target = p.register(
        i.get("targetBeforeDeploy")
            .and_then(Value::as_i64)
            .unwrap_or(0),
    );
    check("initialTarget", i64_of(e, "initialTarget")?, target)?;
    let (ticks, wants) = ticks_of(i, e)?;
    for (n, (t, w)) in ticks.iter().zip(wants).enumerate() {
        if let Some(o) = t.get("targetOverride").and_then(Value::as_i64) {
            target = o;
        }
        let d = p.step(
            f64_of(t, "t")?,
            f64_of(t, "totalOngoingRequests")?,
            u32_of(t, "currentReplicas")?,
            target,
        );
        let tag = |k: &str| format!("tick {n} {k}");
        check(&tag("targetIn"), i64_of(w, "targetIn")?, d.target_in)?;
        check(
            &tag("rawDecision"),
            i64_of(w, "rawDecision")?,
            d.raw_decision,
        )?;
        check(&tag("decision"), i64_of(w, "decision")?, d.decision)?;
        check(
            &tag("decisionCounter"),
            i64_of(w, "decisionCounter")?,
            p.decision_counter(),
        )?;
        check(
            &tag("decisionTimestamp"),
            w.get("decisionTimestamp").and_then(Value::as_f64),
            p.decision_timestamp(),
        )?;
        target = d.decision;
    }
    Ok(())
}

fn wva_queue(i: &Value, e: &Value, rel: f64, rate_rel: f64) -> Outcome {
    let f = |k| f64_of(i, k).map(|v| v as f32);
    let cfg = wva::QueueConfig {
        max_batch_size: u32_of(i, "maxBatchSize")?,
        max_queue_size: u32_of(i, "maxQueueSize")?,
        alpha: f("alpha")?,
        beta: f("beta")?,
        gamma: f("gamma")?,
        delta: f("delta")?,
        avg_input_tokens: u32_of(i, "avgInputTokens")?,
        avg_output_tokens: u32_of(i, "avgOutputTokens")?,
    };
    let qa = wva::QueueAnalyzer::new(&cfg);
    let ok = e
        .get("constructOk")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    check("constructOk", ok, qa.is_ok())?;
    let Ok(qa) = qa else { return Ok(()) };
    let (lo, hi) = qa.rate_range();
    close(
        "rateRangeMin",
        f64_of(e, "rateRangeMin")?,
        f64::from(lo),
        rel,
    )?;
    close(
        "rateRangeMax",
        f64_of(e, "rateRangeMax")?,
        f64::from(hi),
        rel,
    )?;
    if let Some(rates) = e.get("serviceRatesPerMs").and_then(Value::as_array) {
        for (n, r) in rates.iter().enumerate() {
            let got = qa.service_rates_per_ms().get(n).copied().map(f64::from);
            close_opt(&format!("serviceRatesPerMs[{n}]"), r, got, rel)?;
        }
    }
    let metrics = |what: &str, w: &Value, m: &wva::QueueMetrics, rel: f64| -> Outcome {
        for (k, got) in [
            ("throughput", m.throughput),
            ("avgRespTime", m.avg_resp_time),
            ("avgWaitTime", m.avg_wait_time),
            ("avgNumInServ", m.avg_num_in_serv),
            ("avgPrefillTime", m.avg_prefill_time),
            ("avgTokenTime", m.avg_token_time),
            ("ttft", m.ttft()),
            ("itl", m.avg_token_time),
            ("maxRate", m.max_rate),
            ("rho", m.rho),
        ] {
            if let Some(want) = w.get(k).and_then(Value::as_f64) {
                close(&format!("{what}.{k}"), want, f64::from(got), rel)?;
            }
        }
        Ok(())
    };
    for (n, a) in e
        .get("analyses")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let rate = f64_of(a, "rate")? as f32;
        let got = qa.analyze(rate);
        let ok = a.get("ok").and_then(Value::as_bool).unwrap_or(false);
        check(&format!("analyses[{n}] ok"), ok, got.is_ok())?;
        if let (Ok(m), Some(w)) = (got, a.get("metrics")) {
            metrics(&format!("analyses[{n}]"), w, &m, rel)?;
        }
    }
    if let Some(s) = e.get("size").filter(|s| !s.is_null()) {
        let tv = i.get("targets").ok_or("targets missing")?;
        let t = wva::Targets {
            ttft: f64_of(tv, "ttft")? as f32,
            itl: f64_of(tv, "itl")? as f32,
            tps: f64_of(tv, "tps")? as f32,
        };
        let got = qa.size(&t);
        let ok = s.get("ok").and_then(Value::as_bool).unwrap_or(false);
        check("size ok", ok, got.is_ok())?;
        if let Ok(r) = got {
            for (k, g) in [
                ("rateTargetTTFT", r.rate_target_ttft),
                ("rateTargetITL", r.rate_target_itl),
                ("rateTargetTPS", r.rate_target_tps),
            ] {
                close(&format!("size.{k}"), f64_of(s, k)?, f64::from(g), rate_rel)?;
            }
            if let Some(w) = s.get("metrics") {
                metrics("size.metrics", w, &r.metrics, rate_rel)?;
            }
            for (k, g) in [
                ("achievedTTFT", r.achieved_ttft),
                ("achievedITL", r.achieved_itl),
                ("achievedTPS", r.achieved_tps),
            ] {
                close(&format!("size.{k}"), f64_of(s, k)?, f64::from(g), rate_rel)?;
            }
        }
    }
    Ok(())
}

/// The input's `ticks` and the expected `ticks`, of equal length.
fn ticks_of<'a>(i: &'a Value, e: &'a Value) -> Result<(&'a Vec<Value>, &'a Vec<Value>), String> {
    let ticks = i
        .get("ticks")
        .and_then(Value::as_array)
        .ok_or("ticks missing")?;
    let wants = e
        .get("ticks")
        .and_then(Value::as_array)
        .ok_or("expect.ticks missing")?;
    check("tick count", wants.len(), ticks.len())?;
    Ok((ticks, wants))
}
