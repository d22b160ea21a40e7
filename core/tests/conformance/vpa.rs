//! Conformance kinds of the vpa family (`tests/conformance/vpa.json`, schema in
//! `spec/vpa.md` §1). Maps each vector onto the public `tidescale::vpa` API.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use serde_json::{Map, Value, json};
use tidescale::vpa::capping::{Field, apply_pod_limit_range, cap_recommendation};
use tidescale::vpa::checkpoint::CheckpointStatus;
use tidescale::vpa::container_state::{
    UsageHistogram, UsagePercentile, aggregate_by_container_name,
};
use tidescale::vpa::estimator::{
    confidence, confidence_multiplier, per_container_minimum, percentile_estimate, with_margin,
    with_min,
};
use tidescale::vpa::eviction::{EvictionPod, EvictionRestriction, ReplicaController, ResizeStatus};
use tidescale::vpa::limits::{
    LimitRange, LimitRangeItem, LimitType, Rounding, ScaleOutcome, containers_resources,
    merge_limit_ranges, proportional_limit, scale_proportionally,
};
use tidescale::vpa::pod::{
    ContainerResources, ContainerStatus, Pod, PodContainer, PodPhase, TerminationState,
};
use tidescale::vpa::recommender::integer_cpu;
use tidescale::vpa::spec::{
    ChangeRequirement, ContainerControlledValues, ContainerResourcePolicy, ContainerScalingMode,
    EvictionRequirement, PodResourcePolicy, UpdateMode,
};
use tidescale::vpa::updater::{
    PodPriority, UpdateCandidate, UpdaterConfig, admit_by_requirements, has_lower_resource,
    sorted_updates, update_priority,
};
use tidescale::vpa::*;
use tidescale::{Quantity, Timestamp};

use crate::Outcome;
use crate::util::{Tolerance, check, f64_of, i64_of, str_of};

type R<T> = Result<T, String>;

/// Runs one vector of this family, or `None` if `kind` is not one of its kinds.
pub(crate) fn run(kind: &str, input: &Value, expect: &Value) -> Option<Outcome> {
    let f: fn(&Value, &Value) -> Outcome = match kind {
        "histogram_options" => histogram_options,
        "histogram" => |i, e| histogram(i, e, false),
        "decaying_histogram" => |i, e| histogram(i, e, true),
        "container_state" => container_state,
        "aggregate_state" => aggregate_state,
        "aggregate_policy" => aggregate_policy,
        "estimator" => estimator,
        "pod_recommender" => pod_recommender,
        "resource_amount" => resource_amount,
        "policy_capping" => policy_capping,
        "capping" => capping,
        "pod_limit_range" => pod_limit_range,
        "limit_proportional" => limit_proportional,
        "admission_resources" => admission_resources,
        "container_resources" => container_resources,
        "update_priority" => update_priority_kind,
        "priority_less" => priority_less,
        "update_decision" => update_decision,
        "has_lower_resource" => has_lower_resource_kind,
        "eviction" => eviction,
        "eviction_requirements" => eviction_requirements,
        "limitrange_merge" => limitrange_merge,
        "integer_cpu" => integer_cpu_kind,
        _ => return None,
    };
    Some(f(input, expect))
}

// ---------------------------------------------------------------- helpers

/// Compares a float with the tolerance the vector states (exact, bit for bit, when none).
fn check_float(what: &str, want: f64, got: f64, expect: &Value) -> Outcome {
    Tolerance::of(expect)?.check(what, want, got)
}

/// Compares two histogram checkpoints: the same buckets, and the total weight and every
/// bucket weight with the vector's tolerance.
fn check_checkpoint(
    what: &str,
    want: &HistogramCheckpoint,
    got: &HistogramCheckpoint,
    expect: &Value,
) -> Outcome {
    check_float(
        &format!("{what}.total_weight"),
        want.total_weight,
        got.total_weight,
        expect,
    )?;
    check(
        &format!("{what}.buckets"),
        want.bucket_weights.keys().collect::<Vec<_>>(),
        got.bucket_weights.keys().collect::<Vec<_>>(),
    )?;
    for (b, w) in &want.bucket_weights {
        let g = got.bucket_weights.get(b).copied().unwrap_or_default();
        check_float(
            &format!("{what}.bucket_weights[{b}]"),
            f64::from(*w),
            f64::from(g),
            expect,
        )?;
    }
    Ok(())
}

fn opt<'a>(v: &'a Value, k: &str) -> Option<&'a Value> {
    v.get(k).filter(|x| !x.is_null())
}

fn ts(v: &Value) -> R<Timestamp> {
    v.as_i64()
        .map(Timestamp::from_secs)
        .ok_or_else(|| format!("not a time: {v}"))
}

fn opt_ts(v: Option<&Value>) -> R<Option<Timestamp>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(x) => ts(x).map(Some),
    }
}

fn rl(v: &Value) -> Option<ResourceList> {
    let o = v.as_object()?;
    let cpu = o.get("cpu").and_then(Value::as_i64);
    let mem = o.get("memory").and_then(Value::as_i64);
    Some(ResourceList::from_amounts(cpu, mem))
}

fn rl_json(l: &ResourceList) -> Value {
    let mut m = Map::new();
    if let Some(c) = l.cpu {
        m.insert("cpu".into(), json!(c.milli_value()));
    }
    if let Some(q) = l.memory {
        m.insert("memory".into(), json!(q.value()));
    }
    Value::Object(m)
}

fn norm_rl(v: &Value) -> Value {
    rl(v).map_or(Value::Null, |l| rl_json(&l))
}

fn recs(v: Option<&Value>) -> Option<RecommendedPodResources> {
    let arr = v?.as_array()?;
    let mut out = RecommendedPodResources::default();
    for c in arr {
        let g = |k: &str| c.get(k).and_then(rl).unwrap_or_default();
        out.container_recommendations
            .push(RecommendedContainerResources {
                container_name: c
                    .get("container_name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
                target: g("target"),
                lower_bound: g("lower_bound"),
                upper_bound: g("upper_bound"),
                uncapped_target: g("uncapped_target"),
            });
    }
    Some(out)
}

fn rec_json(r: &RecommendedContainerResources) -> Value {
    let mut m = Map::new();
    m.insert("container_name".into(), json!(r.container_name));
    for (k, l) in [
        ("target", &r.target),
        ("lower_bound", &r.lower_bound),
        ("upper_bound", &r.upper_bound),
        ("uncapped_target", &r.uncapped_target),
    ] {
        if !l.is_empty() {
            m.insert(k.into(), rl_json(l));
        }
    }
    Value::Object(m)
}

fn norm_rec_list(v: &Value) -> Value {
    match recs(Some(v)) {
        None => Value::Null,
        Some(r) => Value::Array(r.container_recommendations.iter().map(rec_json).collect()),
    }
}

fn check_recs(want: &Value, got: Option<&RecommendedPodResources>) -> Outcome {
    let got = got.map_or(Value::Null, |r| {
        Value::Array(r.container_recommendations.iter().map(rec_json).collect())
    });
    check("recommendation", norm_rec_list(want), got)
}

fn resource_name(s: &str) -> R<ResourceName> {
    match s {
        "cpu" => Ok(ResourceName::Cpu),
        "memory" => Ok(ResourceName::Memory),
        _ => Err(format!("unknown resource {s}")),
    }
}

fn container_policy(c: &Value) -> R<ContainerResourcePolicy> {
    let mode = match opt(c, "mode").and_then(Value::as_str) {
        None => None,
        Some("Auto") => Some(ContainerScalingMode::Auto),
        Some("Off") => Some(ContainerScalingMode::Off),
        Some(m) => return Err(format!("mode {m}")),
    };
    let controlled_resources = match opt(c, "controlled_resources").and_then(Value::as_array) {
        None => None,
        Some(a) => Some(
            a.iter()
                .filter_map(Value::as_str)
                .map(resource_name)
                .collect::<R<Vec<_>>>()?,
        ),
    };
    let controlled_values = match opt(c, "controlled_values").and_then(Value::as_str) {
        None => None,
        Some("RequestsAndLimits") => Some(ContainerControlledValues::RequestsAndLimits),
        Some("RequestsOnly") => Some(ContainerControlledValues::RequestsOnly),
        Some(m) => return Err(format!("controlled_values {m}")),
    };
    let qf = |k: &str| {
        opt(c, k)
            .and_then(Value::as_f64)
            .map(|f| Quantity::from_milli((f * 1000.0).round() as i64))
    };
    Ok(ContainerResourcePolicy {
        container_name: c
            .get("container_name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
        mode,
        min_allowed: opt(c, "min_allowed").and_then(rl),
        max_allowed: opt(c, "max_allowed").and_then(rl),
        controlled_resources,
        controlled_values,
        oom_bump_up_ratio: qf("oom_bump_up_ratio"),
        oom_min_bump_up: qf("oom_min_bump_up").or_else(|| qf("oom_min_bump_up_bytes")),
        memory_aggregation_interval_seconds: opt(c, "memory_aggregation_interval_seconds")
            .and_then(Value::as_i64),
        memory_aggregation_interval_count: opt(c, "memory_aggregation_interval_count")
            .and_then(Value::as_i64),
    })
}

fn policy(v: Option<&Value>) -> R<Option<PodResourcePolicy>> {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let list = v
        .get("container_policies")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    Ok(Some(PodResourcePolicy {
        container_policies: list.iter().map(container_policy).collect::<R<_>>()?,
    }))
}

fn pod(v: &Value) -> R<Pod> {
    let mut p = Pod {
        name: v
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
        phase: match v.get("phase").and_then(Value::as_str) {
            Some("Pending") => PodPhase::Pending,
            _ => PodPhase::Running,
        },
        ..Pod::default()
    };
    for c in v
        .get("containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let mut pc = PodContainer::new(
            str_of(c, "name")?,
            c.get("requests").and_then(rl).unwrap_or_default(),
            c.get("limits").and_then(rl).unwrap_or_default(),
        );
        if let Some(s) = opt(c, "status") {
            pc.status_resources = Some(ContainerResources {
                requests: s.get("requests").and_then(rl).unwrap_or_default(),
                limits: s.get("limits").and_then(rl).unwrap_or_default(),
            });
        }
        p.containers.push(pc);
    }
    if let Some(a) = opt(v, "annotations").and_then(Value::as_object) {
        for (k, x) in a {
            p.annotations
                .insert(k.clone(), x.as_str().unwrap_or("").to_owned());
        }
    }
    Ok(p)
}

fn lr_item(v: Option<&Value>) -> Option<LimitRangeItem> {
    let v = v.filter(|v| !v.is_null())?;
    Some(LimitRangeItem {
        // Items without a type are container items (the capping vectors' `{}`); a type
        // Kubernetes does not know is left out (it can match nothing).
        type_: match v.get("type").and_then(Value::as_str) {
            Some("Pod") => LimitType::Pod,
            None | Some("Container") => LimitType::Container,
            Some("PersistentVolumeClaim") => LimitType::PersistentVolumeClaim,
            Some(_) => return None,
        },
        min: opt(v, "min").and_then(rl),
        max: opt(v, "max").and_then(rl),
        default: opt(v, "default").and_then(rl),
    })
}

fn lr_json(i: &LimitRangeItem) -> Value {
    let mut m = Map::new();
    m.insert(
        "type".into(),
        json!(match i.type_ {
            LimitType::Pod => "Pod",
            LimitType::Container => "Container",
            _ => "PersistentVolumeClaim",
        }),
    );
    for (k, l) in [("min", i.min), ("max", i.max), ("default", i.default)] {
        if let Some(l) = l {
            m.insert(k.into(), rl_json(&l));
        }
    }
    Value::Object(m)
}

fn options(v: &Value) -> R<HistogramOptions> {
    let eps = f64_of(v, "epsilon")?;
    let r = match str_of(v, "type")? {
        "linear" => {
            HistogramOptions::linear(f64_of(v, "max_value")?, f64_of(v, "bucket_size")?, eps)
        }
        "exponential" => HistogramOptions::exponential(
            f64_of(v, "max_value")?,
            f64_of(v, "first_bucket_size")?,
            f64_of(v, "ratio")?,
            eps,
        ),
        t => return Err(format!("options type {t}")),
    };
    r.map_err(|e| e.to_string())
}

// ---------------------------------------------------------------- histograms

fn histogram_options(input: &Value, expect: &Value) -> Outcome {
    let o = options(&input["options"])?;
    if let Some(n) = expect.get("num_buckets").and_then(Value::as_i64) {
        check("num_buckets", n, i64::from(o.num_buckets()))?;
    }
    if let Some(e) = expect.get("epsilon").and_then(Value::as_f64) {
        check_float("epsilon", e, o.epsilon(), expect)?;
    }
    let idx = input
        .get("bucket_start")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let want = expect
        .get("bucket_start")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (i, w) in idx.iter().zip(&want) {
        let b = i.as_u64().ok_or("bucket index")? as u32;
        check_float(
            &format!("bucket_start({b})"),
            w.as_f64().unwrap_or(f64::NAN),
            o.bucket_start(b),
            expect,
        )?;
    }
    let vals = input
        .get("find_bucket")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let want = expect
        .get("find_bucket")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (v, w) in vals.iter().zip(&want) {
        let x = v.as_f64().ok_or("value")?;
        check(
            &format!("find_bucket({x})"),
            w.as_i64(),
            Some(i64::from(o.find_bucket(x))),
        )?;
    }
    Ok(())
}

#[derive(Clone)]
enum H {
    Plain(Histogram),
    Decaying(DecayingHistogram),
}

impl H {
    fn new(o: HistogramOptions, half_life_ms: Option<i64>) -> R<Self> {
        Ok(match half_life_ms {
            None => Self::Plain(Histogram::new(o)),
            Some(h) => Self::Decaying(DecayingHistogram::new(o, h).map_err(|e| e.to_string())?),
        })
    }
    fn plain(&self) -> &Histogram {
        match self {
            Self::Plain(h) => h,
            Self::Decaying(d) => d.histogram(),
        }
    }
    fn save(&self) -> HistogramCheckpoint {
        match self {
            Self::Plain(h) => h.save_checkpoint(),
            Self::Decaying(d) => d.save_checkpoint(),
        }
    }
    fn load(&mut self, cp: &HistogramCheckpoint) -> Result<(), VpaError> {
        match self {
            Self::Plain(h) => h.load_checkpoint(cp),
            Self::Decaying(d) => d.load_checkpoint(cp),
        }
    }
    fn equals(&self, o: &Self) -> bool {
        match (self, o) {
            (Self::Plain(a), Self::Plain(b)) => a.equals(b),
            (Self::Decaying(a), Self::Decaying(b)) => a.equals(b),
            _ => false,
        }
    }
}

fn checkpoint_of(v: &Value) -> R<HistogramCheckpoint> {
    let mut cp = HistogramCheckpoint {
        total_weight: v.get("total_weight").and_then(Value::as_f64).unwrap_or(0.0),
        reference_timestamp: opt_ts(v.get("reference_timestamp"))?,
        ..HistogramCheckpoint::default()
    };
    for (k, w) in v
        .get("bucket_weights")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let b: i64 = k.parse().map_err(|_| format!("bucket key {k}"))?;
        cp.bucket_weights
            .insert(b, w.as_u64().ok_or("bucket weight")? as u32);
    }
    Ok(cp)
}

fn apply_op(h: &mut H, op: &Value, opts: HistogramOptions, hl: Option<i64>) -> R<bool> {
    let t = opt(op, "t").map(ts).transpose()?.unwrap_or(Timestamp(0));
    let res = match str_of(op, "op")? {
        "add" | "subtract" => {
            let (v, w) = (f64_of(op, "value")?, f64_of(op, "weight")?);
            let add = op["op"] == "add";
            match (h, add) {
                (H::Plain(p), true) => p.add_sample(v, w),
                (H::Plain(p), false) => p.subtract_sample(v, w),
                (H::Decaying(d), true) => d.add_sample(v, w, t),
                (H::Decaying(d), false) => d.subtract_sample(v, w, t),
            }
        }
        "merge" => {
            let mut other = build(op["other"].get("ops").unwrap_or(&Value::Null), opts, hl)?;
            match (h, &mut other) {
                (H::Plain(a), H::Plain(b)) => a.merge(b),
                (H::Decaying(a), H::Decaying(b)) => a.merge(b),
                _ => return Err("merge of different kinds".into()),
            }
        }
        "load_checkpoint" => match opt(op, "checkpoint") {
            None => Err(VpaError::Checkpoint("nil checkpoint".into())),
            Some(c) => h.load(&checkpoint_of(c)?),
        },
        "save_checkpoint_then_load_into_new" => {
            let cp = h.save();
            let mut fresh = H::new(opts, hl)?;
            let r = fresh.load(&cp);
            *h = fresh;
            r
        }
        o => return Err(format!("unknown op {o}")),
    };
    Ok(res.is_ok())
}

fn build(ops: &Value, opts: HistogramOptions, hl: Option<i64>) -> R<H> {
    let mut h = H::new(opts, hl)?;
    for op in ops.as_array().into_iter().flatten() {
        apply_op(&mut h, op, opts, hl)?;
    }
    Ok(h)
}

fn histogram(input: &Value, expect: &Value, decaying: bool) -> Outcome {
    let opts = options(&input["options"])?;
    let hl = if decaying {
        Some(i64_of(input, "half_life_s")? * 1000)
    } else {
        None
    };
    let ops = input
        .get("ops")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut h = H::new(opts, hl)?;
    let mut snaps = vec![h.clone()];
    let mut results = Vec::new();
    for op in &ops {
        results.push(apply_op(&mut h, op, opts, hl)?);
        snaps.push(h.clone());
    }
    for r in expect
        .get("op_results")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let i = i64_of(r, "op_index")? as usize;
        let want_err = r.get("error").and_then(Value::as_bool).unwrap_or(false);
        check(
            &format!("op {i} error"),
            want_err,
            !results.get(i).copied().unwrap_or(false),
        )?;
    }
    for c in expect
        .get("checks")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let k = i64_of(c, "after_ops")? as usize;
        let s = snaps.get(k).ok_or("after_ops out of range")?;
        let p = s.plain();
        let at = format!("after {k} ops");
        if let (Some(pct), Some(v)) = (
            c.get("percentile").and_then(Value::as_f64),
            c.get("value").and_then(Value::as_f64),
        ) {
            check_float(
                &format!("{at}: percentile({pct})"),
                v,
                p.percentile(pct),
                expect,
            )?;
        }
        if let Some(e) = c.get("is_empty").and_then(Value::as_bool) {
            check(&format!("{at}: is_empty"), e, p.is_empty())?;
        }
        if let Some(eq) = c.get("equals") {
            let other = build(eq.get("ops").unwrap_or(&Value::Null), opts, hl)?;
            check(&format!("{at}: equals"), true, s.equals(&other))?;
        }
        if let Some(sc) = c.get("save_checkpoint") {
            let want = checkpoint_of(sc)?;
            check_checkpoint(&format!("{at}: checkpoint"), &want, &s.save(), expect)?;
        }
        if let Some(t) = c.get("total_weight").and_then(Value::as_f64) {
            check_float(&format!("{at}: total_weight"), t, p.total_weight(), expect)?;
        }
        if let Some(bw) = c.get("bucket_weight").and_then(Value::as_object) {
            for (b, w) in bw {
                let b: u32 = b.parse().map_err(|_| "bucket")?;
                check_float(
                    &format!("{at}: weight[{b}]"),
                    w.as_f64().unwrap_or(f64::NAN),
                    p.bucket_weight(b),
                    expect,
                )?;
            }
        }
        if let H::Decaying(d) = s {
            if let Some(r) = c.get("reference_timestamp").and_then(Value::as_i64) {
                check(
                    &format!("{at}: reference"),
                    Timestamp::from_secs(r),
                    d.reference(),
                )?;
            }
            if let Some(z) = c.get("reference_is_zero_time").and_then(Value::as_bool) {
                check(
                    &format!("{at}: reference is zero"),
                    z,
                    d.reference_is_zero_time(),
                )?;
            }
            let cp = d.save_checkpoint();
            if let Some(x) = c
                .get("checkpoint_reference_equals_internal")
                .and_then(Value::as_bool)
            {
                let internal = (!d.reference_is_zero_time()).then_some(d.reference());
                check(
                    &format!("{at}: checkpoint reference"),
                    x,
                    cp.reference_timestamp == internal,
                )?;
            }
            if let Some(x) = c
                .get("checkpoint_bucket_weights_nonempty")
                .and_then(Value::as_bool)
            {
                check(
                    &format!("{at}: checkpoint buckets"),
                    x,
                    !cp.bucket_weights.is_empty(),
                )?;
            }
            if let Some(x) = c
                .get("checkpoint_total_weight_nonzero")
                .and_then(Value::as_bool)
            {
                check(
                    &format!("{at}: checkpoint total"),
                    x,
                    cp.total_weight != 0.0,
                )?;
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- container / aggregate state

type Calls = Rc<RefCell<Vec<Value>>>;

struct Recorder {
    name: &'static str,
    calls: Calls,
}

impl UsageHistogram for Recorder {
    fn add(&mut self, value: f64, weight: f64, t: Timestamp) {
        self.calls.borrow_mut().push(json!({"hist": self.name, "op": "add", "value": value, "weight": weight, "t": t.0 / 1000}));
    }
    fn subtract(&mut self, value: f64, weight: f64, t: Timestamp) {
        self.calls.borrow_mut().push(json!({"hist": self.name, "op": "subtract", "value": value, "weight": weight, "t": t.0 / 1000}));
    }
}

fn aggregation_config(c: &Value) -> AggregationConfig {
    let mut cfg = AggregationConfig::default();
    if let Some(i) = c
        .get("memory_aggregation_interval_s")
        .and_then(Value::as_i64)
    {
        cfg.memory_aggregation_interval_ms = i * 1000;
    }
    if let Some(i) = c
        .get("memory_aggregation_interval_count")
        .and_then(Value::as_i64)
    {
        cfg.memory_aggregation_interval_count = i;
    }
    if let Some(r) = c.get("oom_bump_up_ratio").and_then(Value::as_f64) {
        cfg.oom_bump_up_ratio = r;
    }
    if let Some(r) = c.get("oom_min_bump_up_bytes").and_then(Value::as_f64) {
        cfg.oom_min_bump_up_bytes = r;
    }
    cfg
}

fn container_state(input: &Value, expect: &Value) -> Outcome {
    let cfg = aggregation_config(&input["config"]);
    let calls: Calls = Rc::default();
    let mut agg = AggregateContainerState::with_histograms(
        Recorder {
            name: "cpu",
            calls: calls.clone(),
        },
        Recorder {
            name: "memory",
            calls: calls.clone(),
        },
        &cfg,
        Timestamp(0),
    );
    let mut c = ContainerState::new();
    let mut results = Vec::new();
    for op in input
        .get("ops")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let t = ts(&op["t"])?;
        // Upstream's bool: the sample was used / the OOM was recorded.
        let used = match str_of(op, "op")? {
            "add_sample" => {
                let u = i64_of(op, "usage")?;
                let r = match str_of(op, "resource")? {
                    "cpu" => c.add_cpu_sample(&mut agg, t, u),
                    "memory" => c.add_memory_sample(&mut agg, t, u),
                    r => return Err(format!("unknown resource {r}")),
                };
                r.is_ok_and(SampleOutcome::is_used)
            }
            "record_oom" => c
                .record_oom(&mut agg, t, i64_of(op, "requested_memory")?)
                .is_ok(),
            o => return Err(format!("unknown op {o}")),
        };
        results.push(json!(used));
    }
    if let Some(w) = expect.get("op_results") {
        check("op_results", w, &Value::Array(results))?;
    }
    if let Some(w) = expect.get("histogram_calls") {
        let got = Value::Array(calls.borrow().clone());
        let norm = |v: &Value| -> Value {
            Value::Array(v.as_array().into_iter().flatten().map(|c| {
                json!({"hist": c["hist"], "op": c["op"], "value": c["value"].as_f64(), "weight": c["weight"].as_f64(), "t": c["t"].as_i64()})
            }).collect())
        };
        check("histogram_calls", norm(w), norm(&got))?;
    }
    Ok(())
}

fn decaying(opts: &Value, hl_s: Option<&Value>) -> R<DecayingHistogram> {
    let hl = hl_s.and_then(Value::as_i64).unwrap_or(86_400) * 1000;
    DecayingHistogram::new(options(opts)?, hl).map_err(|e| e.to_string())
}

fn fresh_aggregate(input: &Value) -> R<AggregateContainerState> {
    let cfg = AggregationConfig::default();
    let cpu = match input.get("cpu_options") {
        Some(o) => decaying(o, input.get("cpu_half_life_s"))?,
        None => DecayingHistogram::new(cfg.cpu_histogram_options, cfg.cpu_half_life_ms)
            .map_err(|e| e.to_string())?,
    };
    let mem = match input.get("memory_options") {
        Some(o) => decaying(o, input.get("memory_half_life_s"))?,
        None => DecayingHistogram::new(cfg.memory_histogram_options, cfg.memory_half_life_ms)
            .map_err(|e| e.to_string())?,
    };
    Ok(AggregateContainerState::with_histograms(
        cpu,
        mem,
        &cfg,
        Timestamp(0),
    ))
}

fn status_of(v: &Value) -> R<CheckpointStatus> {
    Ok(CheckpointStatus {
        last_update_time: None,
        version: v
            .get("version")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
        cpu_histogram: v
            .get("cpu_histogram")
            .map(checkpoint_of)
            .transpose()?
            .unwrap_or_default(),
        memory_histogram: v
            .get("memory_histogram")
            .map(checkpoint_of)
            .transpose()?
            .unwrap_or_default(),
        first_sample_start: opt_ts(v.get("first_sample_start"))?,
        last_sample_start: opt_ts(v.get("last_sample_start"))?,
        total_samples_count: v
            .get("total_samples_count")
            .and_then(Value::as_u64)
            .unwrap_or(0),
    })
}

fn aggregate_state(input: &Value, expect: &Value) -> Outcome {
    match str_of(input, "op")? {
        "is_expired" => {
            let cfg = AggregationConfig {
                memory_aggregation_interval_ms: i64_of(input, "memory_aggregation_interval_s")?
                    * 1000,
                memory_aggregation_interval_count: i64_of(
                    input,
                    "memory_aggregation_interval_count",
                )?,
                ..AggregationConfig::default()
            };
            let nows: Vec<Timestamp> = input["now"]
                .as_array()
                .into_iter()
                .flatten()
                .map(ts)
                .collect::<R<_>>()?;
            let mut got = Vec::new();
            for s in input["states"].as_array().into_iter().flatten() {
                let mut a = AggregateContainerState::new(
                    &cfg,
                    opt_ts(s.get("creation_time"))?.unwrap_or(Timestamp(0)),
                )
                .map_err(|e| e.to_string())?;
                a.total_samples_count = s
                    .get("total_samples_count")
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
                a.last_sample_start = opt_ts(s.get("last_sample_start"))?;
                got.push(nows.iter().map(|n| a.is_expired(*n)).collect::<Vec<_>>());
            }
            check("expired", expect["expired"].clone(), json!(got))
        }
        "load_checkpoint" => {
            let mut a = fresh_aggregate(input)?;
            let st = status_of(input.get("checkpoint").unwrap_or(&Value::Null))?;
            let r = a.load_checkpoint(&st);
            check(
                "error",
                expect
                    .get("error")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                r.is_err(),
            )?;
            compare_aggregate(&a, expect)
        }
        "save_checkpoint" => {
            let mut a = fresh_aggregate(input)?;
            a.first_sample_start = opt_ts(input.get("first_sample_start"))?;
            a.last_sample_start = opt_ts(input.get("last_sample_start"))?;
            a.total_samples_count = input
                .get("total_samples_count")
                .and_then(Value::as_u64)
                .unwrap_or(0);
            for (keys, is_cpu) in [
                (["cpu_samples", "cpu_ops"], true),
                (["memory_samples", "memory_ops"], false),
            ] {
                for s in keys
                    .iter()
                    .filter_map(|k| input.get(*k).and_then(Value::as_array))
                    .flatten()
                {
                    let t = opt_ts(s.get("t"))?.unwrap_or(Timestamp(0));
                    let h = if is_cpu { &mut a.cpu } else { &mut a.memory };
                    let (v, w) = (f64_of(s, "value")?, f64_of(s, "weight")?);
                    match s.get("op").and_then(Value::as_str).unwrap_or("add") {
                        "add" => h.add_sample(v, w, t),
                        "subtract" => h.subtract_sample(v, w, t),
                        o => return Err(format!("unknown op {o}")),
                    }
                    .map_err(|e| e.to_string())?;
                }
            }
            let cp = a.save_checkpoint();
            let count = |h: &HistogramCheckpoint| json!(h.bucket_weights.len());
            for (k, w) in expect.as_object().into_iter().flatten() {
                match k.as_str() {
                    "tolerance" => {}
                    "version" => check("version", w.as_str(), Some(cp.version.as_str()))?,
                    "first_sample_start" => check(k, opt_ts(Some(w))?, cp.first_sample_start)?,
                    "last_sample_start" => check(k, opt_ts(Some(w))?, cp.last_sample_start)?,
                    "total_samples_count" => check(k, w.as_u64(), Some(cp.total_samples_count))?,
                    "cpu_bucket_weights_nonempty" => check(
                        k,
                        w.as_bool(),
                        Some(!cp.cpu_histogram.bucket_weights.is_empty()),
                    )?,
                    "memory_bucket_weights_nonempty" => check(
                        k,
                        w.as_bool(),
                        Some(!cp.memory_histogram.bucket_weights.is_empty()),
                    )?,
                    // Buckets kept after rounding to the 0..10000 scale (upstream `assert.Len`),
                    // spelled `cpu_bucket_count`, `memory_bucket_weights_len`, ...
                    k if bucket_count_key(k).is_some() => {
                        let h = if bucket_count_key(k) == Some(true) {
                            &cp.cpu_histogram
                        } else {
                            &cp.memory_histogram
                        };
                        check(k, w.clone(), count(h))?
                    }
                    "cpu_bucket_weights" => check(
                        k,
                        checkpoint_of(&json!({"bucket_weights": w}))?.bucket_weights,
                        cp.cpu_histogram.bucket_weights.clone(),
                    )?,
                    "memory_bucket_weights" => check(
                        k,
                        checkpoint_of(&json!({"bucket_weights": w}))?.bucket_weights,
                        cp.memory_histogram.bucket_weights.clone(),
                    )?,
                    "cpu_histogram" => {
                        check_checkpoint(k, &checkpoint_of(w)?, &cp.cpu_histogram, expect)?
                    }
                    "memory_histogram" => {
                        check_checkpoint(k, &checkpoint_of(w)?, &cp.memory_histogram, expect)?
                    }
                    _ => return Err(format!("unsupported expectation {k}")),
                }
            }
            Ok(())
        }
        "aggregate_by_container_name" => aggregate_by_name(input, expect),
        o => Err(format!("unsupported aggregate_state op {o}")),
    }
}

/// `Some(true)` for a CPU bucket-count expectation, `Some(false)` for memory: `<res>_buckets`,
/// `<res>_bucket_count`, `<res>_bucket_weights_len`, `<res>_bucket_weights_count`, ... (not
/// `<res>_bucket_weights`, the map itself).
fn bucket_count_key(k: &str) -> Option<bool> {
    let (cpu, rest) = match k.split_once('_')? {
        ("cpu", r) => (true, r),
        ("memory", r) => (false, r),
        _ => return None,
    };
    matches!(
        rest,
        "buckets"
            | "num_buckets"
            | "bucket_count"
            | "buckets_count"
            | "bucket_weights_count"
            | "bucket_weights_len"
            | "bucket_weights_length"
            | "bucket_weights_size"
    )
    .then_some(cpu)
}

/// `AggregateStateByContainerName`: containers of pods (`containers: [{pod, name, labels?,
/// samples: [add_sample ops]}]`, or inline `cpu_cores`/`cpu_millicores`/`memory_bytes` at `t`),
/// each feeding the aggregate of its key (container name + pod labels, else + pod), grouped
/// by container name.
fn aggregate_by_name(input: &Value, expect: &Value) -> Outcome {
    let cfg = AggregationConfig::default();
    let now = opt_ts(input.get("now"))?.unwrap_or(Timestamp(0));
    let default_t = opt_ts(input.get("t").or_else(|| input.get("timestamp")))?;
    // Aggregation key -> (container name, aggregate); per (pod, container) its ContainerState.
    let mut aggregates: BTreeMap<(String, String), (String, AggregateContainerState)> =
        BTreeMap::new();
    let mut states: BTreeMap<(String, String), ContainerState> = BTreeMap::new();
    let containers = input
        .get("containers")
        .and_then(Value::as_array)
        .ok_or("containers: expected a list")?;
    let name_of = |c: &Value| -> R<String> {
        ["name", "container", "container_name"]
            .iter()
            .find_map(|k| c.get(*k).and_then(Value::as_str))
            .map(str::to_owned)
            .ok_or_else(|| format!("container without a name: {c}"))
    };
    let pod_of = |c: &Value| -> String {
        ["pod", "pod_id", "pod_name"]
            .iter()
            .find_map(|k| c.get(*k))
            .map_or(String::new(), |p| match p {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
    };
    let mut feed = |pod: &str, key_of_pod: &str, name: &str, op: &Value| -> Outcome {
        let key = (key_of_pod.to_owned(), name.to_owned());
        if !aggregates.contains_key(&key) {
            let a = AggregateContainerState::new(&cfg, now).map_err(|e| e.to_string())?;
            aggregates.insert(key.clone(), (name.to_owned(), a));
        }
        let Some((_, agg)) = aggregates.get_mut(&key) else {
            return Err("aggregate".into());
        };
        let c = states.entry((pod.to_owned(), name.to_owned())).or_default();
        let Some(t) = opt_ts(op.get("t"))?.or(default_t) else {
            return Err(format!("sample without a time: {op}"));
        };
        match str_of(op, "op").unwrap_or("add_sample") {
            "add_sample" => {
                let u = i64_of(op, "usage")?;
                match str_of(op, "resource")? {
                    "cpu" => c.add_cpu_sample(agg, t, u),
                    "memory" => c.add_memory_sample(agg, t, u),
                    r => return Err(format!("unknown resource {r}")),
                }
                .map(|_| ())
            }
            "record_oom" => c.record_oom(agg, t, i64_of(op, "requested_memory")?),
            o => return Err(format!("unknown op {o}")),
        }
        .map_err(|e| e.to_string())
    };
    let mut order = Vec::new();
    for c in containers {
        let name = name_of(c)?;
        let pod = pod_of(c);
        let key = c
            .get("labels")
            .or_else(|| c.get("pod_labels"))
            .map_or_else(|| format!("pod:{pod}"), |l| format!("labels:{l}"));
        order.push((pod.clone(), key.clone(), name.clone()));
        for op in c
            .get("samples")
            .or_else(|| c.get("ops"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            feed(&pod, &key, &name, op)?;
        }
    }
    // Inline usage, CPU of every container first, then memory (upstream's test order).
    for (field, resource) in [
        ("cpu_cores", "cpu"),
        ("cpu_millicores", "cpu"),
        ("memory_bytes", "memory"),
    ] {
        for (c, (pod, key, name)) in containers.iter().zip(&order) {
            if let Some(v) = c.get(field).and_then(Value::as_f64) {
                let usage = match field {
                    "cpu_cores" => cpu_amount_from_cores(v),
                    "cpu_millicores" => v as i64,
                    _ => memory_amount_from_bytes(v),
                };
                let op = json!({"resource": resource, "usage": usage, "t": c.get("t")});
                feed(pod, key, name, &op)?;
            }
        }
    }
    let by_name = aggregate_by_container_name(&cfg, now, aggregates.into_values())
        .map_err(|e| e.to_string())?;
    let per_name = |w: &Value, what: &str| -> R<Vec<(String, Value)>> {
        Ok(w.as_object()
            .ok_or_else(|| format!("{what}: expected an object by container name"))?
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    };
    let get = |name: &str| -> R<&AggregateContainerState> {
        by_name
            .get(name)
            .ok_or_else(|| format!("no aggregate for container {name:?}"))
    };
    for (k, w) in expect.as_object().into_iter().flatten() {
        match k.as_str() {
            "tolerance" => {}
            "container_names" | "names" | "keys" => check(
                k,
                w.as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect::<BTreeSet<_>>(),
                by_name.keys().map(String::as_str).collect(),
            )?,
            "contains" => {
                for n in w.as_array().into_iter().flatten().filter_map(Value::as_str) {
                    get(n)?;
                }
            }
            "total_samples_count" => {
                for (n, c) in per_name(w, k)? {
                    check(
                        &format!("{k}[{n}]"),
                        c.as_u64(),
                        Some(get(&n)?.total_samples_count),
                    )?;
                }
            }
            "first_sample_start" | "last_sample_start" => {
                for (n, t) in per_name(w, k)? {
                    let a = get(&n)?;
                    let got = if k == "first_sample_start" {
                        a.first_sample_start
                    } else {
                        a.last_sample_start
                    };
                    check(&format!("{k}[{n}]"), opt_ts(Some(&t))?, got)?;
                }
            }
            "memory_histogram_equals"
            | "memory_equals"
            | "memory_peaks"
            | "cpu_histogram_equals"
            | "cpu_equals" => {
                let cpu = k.starts_with("cpu");
                for (n, ops) in per_name(w, k)? {
                    let ops = ops.get("ops").unwrap_or(&ops);
                    let (o, hl) = if cpu {
                        (cfg.cpu_histogram_options, cfg.cpu_half_life_ms)
                    } else {
                        (cfg.memory_histogram_options, cfg.memory_half_life_ms)
                    };
                    let mut want = DecayingHistogram::new(o, hl).map_err(|e| e.to_string())?;
                    for op in ops.as_array().into_iter().flatten() {
                        let t = opt_ts(op.get("t"))?.unwrap_or(Timestamp(0));
                        want.add_sample(f64_of(op, "value")?, f64_of(op, "weight")?, t)
                            .map_err(|e| e.to_string())?;
                    }
                    let a = get(&n)?;
                    let got = if cpu { &a.cpu } else { &a.memory };
                    check(&format!("{k}[{n}]"), true, want.equals(got))?;
                }
            }
            _ => return Err(format!("unsupported expectation {k}")),
        }
    }
    Ok(())
}

fn compare_aggregate(a: &AggregateContainerState, expect: &Value) -> Outcome {
    if let Some(w) = expect.get("first_sample_start") {
        check("first_sample_start", opt_ts(Some(w))?, a.first_sample_start)?;
    }
    if let Some(w) = expect.get("last_sample_start") {
        check("last_sample_start", opt_ts(Some(w))?, a.last_sample_start)?;
    }
    if let Some(w) = expect.get("total_samples_count").and_then(Value::as_u64) {
        check("total_samples_count", w, a.total_samples_count)?;
    }
    if let Some(w) = expect.get("cpu_is_empty").and_then(Value::as_bool) {
        check("cpu_is_empty", w, a.cpu.is_empty())?;
    }
    if let Some(w) = expect.get("memory_is_empty").and_then(Value::as_bool) {
        check("memory_is_empty", w, a.memory.is_empty())?;
    }
    Ok(())
}

fn aggregate_policy(input: &Value, expect: &Value) -> Outcome {
    let p = opt(input, "container_policy")
        .map(container_policy)
        .transpose()?;
    let gate = input
        .get("feature_per_vpa_config")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mut a = AggregateContainerState::new(&AggregationConfig::default(), Timestamp(0))
        .map_err(|e| e.to_string())?;
    a.update_from_policy(p.as_ref(), gate);
    for (k, w) in expect.as_object().into_iter().flatten() {
        match k.as_str() {
            "tolerance" => {}
            "scaling_mode" => check(
                k,
                w.as_str(),
                Some(match a.scaling_mode {
                    ContainerScalingMode::Auto => "Auto",
                    ContainerScalingMode::Off => "Off",
                }),
            )?,
            "controlled_resources" => check(
                k,
                w.clone(),
                json!(
                    a.controlled()
                        .iter()
                        .map(|r| r.as_str())
                        .collect::<Vec<_>>()
                ),
            )?,
            "memory_aggregation_interval_s" => {
                check(k, w.as_i64(), Some(a.memory_aggregation_interval_ms / 1000))?
            }
            "memory_aggregation_interval_count" => {
                check(k, w.as_i64(), Some(a.memory_aggregation_interval_count))?
            }
            "oom_bump_up_ratio" => check_float(
                k,
                w.as_f64().unwrap_or(f64::NAN),
                a.oom_bump_up_ratio,
                expect,
            )?,
            "oom_min_bump_up_bytes" | "oom_min_bump_up" => check_float(
                k,
                w.as_f64().unwrap_or(f64::NAN),
                a.oom_min_bump_up_bytes,
                expect,
            )?,
            _ => return Err(format!("unsupported expectation {k}")),
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- estimation

fn base(v: &Value) -> Resources {
    Resources {
        cpu: v.get("cpu_millicores").and_then(Value::as_i64),
        memory: v.get("memory_bytes").and_then(Value::as_i64),
    }
}

fn check_resources(r: Resources, expect: &Value) -> Outcome {
    if let Some(w) = expect.get("cpu_millicores").and_then(Value::as_i64) {
        check("cpu_millicores", Some(w), r.cpu)?;
    }
    if let Some(w) = expect.get("memory_bytes").and_then(Value::as_f64) {
        check_float("memory_bytes", w, r.memory.unwrap_or(-1) as f64, expect)?;
    }
    if let Some(w) = expect.get("cpu_cores").and_then(Value::as_f64) {
        check_float("cpu_cores", w, r.cpu.unwrap_or(-1) as f64 / 1000.0, expect)?;
    }
    Ok(())
}

fn fill<Hs: UsageHistogram>(h: &mut Hs, spec: &Value) -> R<()> {
    for s in spec
        .get("samples")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let t = opt_ts(s.get("t"))?.unwrap_or(Timestamp(0));
        h.add(f64_of(s, "value")?, f64_of(s, "weight")?, t);
    }
    Ok(())
}

fn estimator(input: &Value, expect: &Value) -> Outcome {
    match str_of(input, "estimator")? {
        "percentile" => {
            let (c, m) = (&input["cpu_histogram"], &input["memory_histogram"]);
            let (cp, mp) = (
                f64_of(input, "cpu_percentile")?,
                f64_of(input, "memory_percentile")?,
            );
            let dec = c.get("decaying").and_then(Value::as_bool).unwrap_or(false);
            let cfg = AggregationConfig::default();
            let r = if dec {
                let mut a = AggregateContainerState::with_histograms(
                    decaying(&c["options"], c.get("half_life_s"))?,
                    decaying(&m["options"], m.get("half_life_s"))?,
                    &cfg,
                    Timestamp(0),
                );
                fill(&mut a.cpu, c)?;
                fill(&mut a.memory, m)?;
                est(&a, cp, mp)
            } else {
                let mut a = AggregateContainerState::with_histograms(
                    Histogram::new(options(&c["options"])?),
                    Histogram::new(options(&m["options"])?),
                    &cfg,
                    Timestamp(0),
                );
                fill(&mut a.cpu, c)?;
                fill(&mut a.memory, m)?;
                est(&a, cp, mp)
            };
            check_resources(r, expect)
        }
        "confidence_multiplier" => {
            let interval = i64_of(input, "confidence_interval_s")? * 1000;
            let mut a = AggregateContainerState::new(&AggregationConfig::default(), Timestamp(0))
                .map_err(|e| e.to_string())?;
            let st = &input["state"];
            if let Some(samples) = st.get("cpu_samples").and_then(Value::as_array) {
                let mut c = ContainerState::new();
                for s in samples {
                    c.add_cpu_sample(&mut a, ts(&s["t"])?, i64_of(s, "usage_millicores")?)
                        .map_err(|e| e.to_string())?;
                }
            } else {
                a.first_sample_start = opt_ts(st.get("first_sample_start"))?;
                a.last_sample_start = opt_ts(st.get("last_sample_start"))?;
                a.total_samples_count = st
                    .get("total_samples_count")
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
            }
            let c = confidence(&a, interval);
            if let Some(w) = expect.get("confidence").and_then(Value::as_f64) {
                check_float("confidence", w, c, expect)?;
            }
            let r = confidence_multiplier(
                base(&input["base"]),
                f64_of(input, "multiplier")?,
                f64_of(input, "exponent")?,
                c,
                c,
            );
            check_resources(r, expect)
        }
        "margin" => {
            let f = input
                .get("margin_fraction")
                .or_else(|| input.get("fraction"))
                .and_then(Value::as_f64)
                .ok_or("margin_fraction")?;
            check_resources(with_margin(base(&input["base"]), f), expect)
        }
        "min_resource" | "min_resources" => {
            let min = input
                .get("min_resources")
                .or_else(|| input.get("min"))
                .map(base)
                .unwrap_or_default();
            check_resources(with_min(base(&input["base"]), min), expect)
        }
        e => Err(format!("unsupported estimator {e}")),
    }
}

fn est<Hs: UsagePercentile>(a: &AggregateContainerState<Hs>, cp: f64, mp: f64) -> Resources {
    percentile_estimate(a, cp, mp)
}

fn pod_recommender(input: &Value, expect: &Value) -> Outcome {
    let constant = base(&input["constant_estimates"]);
    let containers = input["containers"].as_object().ok_or("containers")?;
    let min = per_container_minimum(
        containers.len(),
        f64_of(input, "pod_min_cpu_millicores")?,
        f64_of(input, "pod_min_memory_mb")?,
    );
    let mut got = Map::new();
    for (name, c) in containers {
        let controlled = match opt(c, "controlled_resources").and_then(Value::as_array) {
            None => ResourceName::ALL.to_vec(),
            Some(a) => a
                .iter()
                .filter_map(Value::as_str)
                .map(resource_name)
                .collect::<R<_>>()?,
        };
        let r = with_min(constant, min).filter(&controlled);
        let list = ResourceList::from_amounts(r.cpu, r.memory);
        let keys: Vec<&str> = list.iter().map(|(r, _)| r.as_str()).collect();
        got.insert(
            name.clone(),
            json!({"target": rl_json(&list), "keys": keys}),
        );
    }
    for (name, w) in expect["containers"]
        .as_object()
        .ok_or("expect containers")?
    {
        let g = got.get(name).ok_or(format!("no container {name}"))?;
        for (k, v) in w.as_object().into_iter().flatten() {
            if k.ends_with("_keys") {
                let mut want: Vec<String> = v
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect();
                want.sort();
                check(&format!("{name}.{k}"), json!(want), g["keys"].clone())?;
            } else {
                check(&format!("{name}.{k}"), norm_rl(v), g["target"].clone())?;
            }
        }
    }
    Ok(())
}

fn resource_amount(input: &Value, expect: &Value) -> Outcome {
    match str_of(input, "fn")? {
        "cpu_amount_from_cores" => check(
            "result",
            expect["result"].as_i64(),
            Some(cpu_amount_from_cores(f64_of(input, "cores")?)),
        ),
        "scale_resource" => check(
            "result",
            expect["result"].as_i64(),
            Some(scale_resource(
                i64_of(input, "amount")?,
                f64_of(input, "factor")?,
            )),
        ),
        "resource_amount_from_float" => check(
            "result",
            expect["result"].as_i64(),
            Some(resource_amount_from_float(f64_of(input, "amount")?)),
        ),
        "memory_amount_from_bytes" => check(
            "result",
            expect["result"].as_i64(),
            Some(memory_amount_from_bytes(f64_of(input, "bytes")?)),
        ),
        "round_up_to_scale" => {
            let v = i64_of(input, "value")?;
            let r = round_up_to_scale(v, i64_of(input, "scale")?);
            check(
                "result",
                expect["result"].as_i64(),
                Some(*r.as_ref().unwrap_or(&v)),
            )?;
            let err = r.err().map(|e| e.to_string());
            check(
                "error",
                expect
                    .get("error")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                err,
            )
        }
        "humanize_memory" => check(
            "result",
            expect["result"].as_str(),
            Some(humanize_memory(i64_of(input, "bytes")?).as_str()),
        ),
        "resources_as_resource_list" => {
            let r = Resources::new(
                i64_of(input, "cpu_millicores")?,
                i64_of(input, "memory_bytes")?,
            );
            let l = r.as_resource_list(
                input["humanize_memory"].as_bool().unwrap_or(false),
                i64_of(input, "round_cpu_millicores")?,
                i64_of(input, "round_memory_bytes")?,
            );
            check(
                "cpu_millicores",
                expect["cpu_millicores"].as_i64(),
                l.cpu.map(|q| q.milli_value()),
            )?;
            let m = l.memory.ok_or("no memory")?;
            if let Some(b) = expect["memory"].get("bytes").and_then(Value::as_i64) {
                check("memory bytes", b, m.value())?;
            }
            if let Some(q) = expect["memory"].get("quantity").and_then(Value::as_str) {
                let want: Quantity = q.parse().map_err(|e| format!("{e}"))?;
                check("memory quantity", want.milli_value(), m.milli_value())?;
            }
            Ok(())
        }
        f => Err(format!("unsupported fn {f}")),
    }
}

// ---------------------------------------------------------------- capping

fn policy_capping(input: &Value, expect: &Value) -> Outcome {
    let rec = recs(opt(input, "recommendation"));
    let pol = policy(input.get("resource_policy"))?;
    let global = opt(input, "global_max_allowed").and_then(rl);
    let got = rec.map(|r| apply_vpa_policy(&r, pol.as_ref(), global.as_ref()));
    check_recs(&expect["recommendation"], got.as_ref())
}

fn annotations_json(a: &BTreeMap<String, Vec<String>>) -> BTreeMap<String, BTreeSet<String>> {
    a.iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k.clone(), v.iter().cloned().collect()))
        .collect()
}

fn want_annotations(v: &Value) -> BTreeMap<String, BTreeSet<String>> {
    v.as_object()
        .into_iter()
        .flatten()
        .map(|(k, l)| {
            (
                k.clone(),
                l.as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect(),
            )
        })
        .filter(|(_, s): &(String, BTreeSet<String>)| !s.is_empty())
        .collect()
}

fn capping(input: &Value, expect: &Value) -> Outcome {
    let rec = recs(opt(input, "recommendation"));
    let pol = policy(input.get("resource_policy"))?;
    let p = pod(&input["pod"])?;
    let got = cap_recommendation(
        rec.as_ref(),
        pol.as_ref(),
        &p,
        lr_item(input.get("container_limit_range")).as_ref(),
        lr_item(input.get("pod_limit_range")).as_ref(),
    );
    if let Some(w) = expect.get("recommendation") {
        check_recs(w, got.as_ref().map(|g| &g.recommendation))?;
    }
    let ann = got
        .as_ref()
        .map(|g| annotations_json(&g.annotations))
        .unwrap_or_default();
    for (field, f) in [
        ("target", Field::Target),
        ("lower_bound", Field::LowerBound),
        ("upper_bound", Field::UpperBound),
    ] {
        for (name, w) in expect
            .get(field)
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let r = got
                .as_ref()
                .and_then(|g| g.recommendation.for_container(name))
                .ok_or(format!("no recommendation for {name}"))?;
            let l = match f {
                Field::Target => r.target,
                Field::LowerBound => r.lower_bound,
                Field::UpperBound => r.upper_bound,
            };
            check(&format!("{field}.{name}"), norm_rl(w), rl_json(&l))?;
        }
    }
    if let Some(w) = expect
        .get("annotations")
        .or_else(|| expect.get("annotations_exact_set"))
    {
        check("annotations", want_annotations(w), ann.clone())?;
    }
    for (name, l) in want_annotations(expect.get("annotations_contain").unwrap_or(&Value::Null)) {
        let have = ann.get(&name).cloned().unwrap_or_default();
        for a in l {
            if !have.contains(&a) {
                return Err(format!(
                    "annotations of {name}: missing {a:?}, have {have:?}"
                ));
            }
        }
    }
    for n in expect
        .get("annotations_absent_for")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let n = n.as_str().unwrap_or("");
        if ann.contains_key(n) {
            return Err(format!(
                "annotations for {n} should be absent: {:?}",
                ann.get(n)
            ));
        }
    }
    Ok(())
}

fn pod_limit_range(input: &Value, expect: &Value) -> Outcome {
    let mut r = recs(opt(input, "recommendation")).unwrap_or_default();
    let p = pod(&input["pod"])?;
    let mut lr = lr_item(input.get("limit_range")).unwrap_or_default();
    lr.type_ = LimitType::Pod;
    let f = match str_of(input, "field")? {
        "target" => Field::Target,
        "lower_bound" => Field::LowerBound,
        "upper_bound" => Field::UpperBound,
        x => return Err(format!("field {x}")),
    };
    apply_pod_limit_range(
        &mut r.container_recommendations,
        &p,
        &lr,
        resource_name(str_of(input, "resource")?)?,
        f,
    );
    check_recs(&expect["recommendation"], Some(&r))
}

fn q_of(res: ResourceName, v: Option<&Value>) -> Option<Quantity> {
    let v = v?.as_i64()?;
    Some(match res {
        ResourceName::Cpu => Quantity::from_milli(v),
        ResourceName::Memory => Quantity::from_units(v),
    })
}

fn limit_proportional(input: &Value, expect: &Value) -> Outcome {
    if input.get("function").and_then(Value::as_str) == Some("scale_cpu") {
        let g = |k: &str| q_of(ResourceName::Cpu, input.get(k)).unwrap_or_default();
        let rounding = if input.get("rounding").and_then(Value::as_str) == Some("up") {
            Rounding::Up
        } else {
            Rounding::Down
        };
        let (q, o) = scale_proportionally(
            ResourceName::Cpu,
            g("scaled_quantity"),
            g("scale_base"),
            g("scale_result"),
            rounding,
        );
        check("result", expect["result"].as_i64(), Some(q.milli_value()))?;
        let t = match o {
            ScaleOutcome::Ok => "noOverflow",
            ScaleOutcome::Overflow => "overflow",
            ScaleOutcome::DivisionByZero => "divisionByZero",
        };
        if let Some(w) = expect.get("result_type").and_then(Value::as_str) {
            check("result_type", w, t)?;
        }
        return Ok(());
    }
    let res = resource_name(str_of(input, "resource")?)?;
    let p = proportional_limit(
        res,
        q_of(res, input.get("original_limit")),
        q_of(res, input.get("original_request")),
        q_of(res, input.get("recommended_request")),
        q_of(res, input.get("default_limit")),
    );
    let got = match (p.limit, p.overflowed, res) {
        (None, _, _) => Value::Null,
        (Some(_), true, ResourceName::Cpu) => json!({"milli": i64::MAX}),
        (Some(_), true, ResourceName::Memory) => json!({"units": i64::MAX}),
        (Some(q), false, ResourceName::Cpu) => json!(q.milli_value()),
        (Some(q), false, ResourceName::Memory) => json!(q.value()),
    };
    check("limit", expect["limit"].clone(), got)?;
    if let Some(a) = expect.get("annotation").and_then(Value::as_bool) {
        check("annotation", a, p.annotation.is_some())?;
    }
    Ok(())
}

fn admission_resources(input: &Value, expect: &Value) -> Outcome {
    let rec = recs(opt(input, "recommendation"));
    let pol = policy(input.get("resource_policy"))?;
    let p = pod(&input["pod"])?;
    let mode = match opt(input, "update_mode").and_then(Value::as_str) {
        Some("Off") => UpdateMode::Off,
        _ => UpdateMode::Recreate,
    };
    let mut ann = BTreeMap::new();
    let mut res = ContainerResources::default();
    if mode.applies_at_admission()
        && let Some(c) = cap_recommendation(
            rec.as_ref(),
            pol.as_ref(),
            &p,
            lr_item(input.get("capping_container_limit_range")).as_ref(),
            lr_item(input.get("capping_pod_limit_range")).as_ref(),
        )
    {
        ann = c.annotations.clone();
        let out = containers_resources(
            &p,
            pol.as_ref(),
            &c.recommendation,
            lr_item(input.get("container_limit_range")).as_ref(),
            false,
            &mut ann,
        );
        res = out.first().copied().unwrap_or_default();
    }
    check(
        "requests",
        norm_rl(&expect["requests"]),
        rl_json(&res.requests),
    )?;
    check("limits", norm_rl(&expect["limits"]), rl_json(&res.limits))?;
    if let Some(w) = expect.get("annotations") {
        check("annotations", want_annotations(w), annotations_json(&ann))?;
    }
    Ok(())
}

fn container_resources(input: &Value, expect: &Value) -> Outcome {
    let rec = recs(opt(input, "recommendation")).unwrap_or_default();
    let pol = policy(input.get("resource_policy"))?;
    let p = pod(&input["pod"])?;
    let mut ann = BTreeMap::new();
    let out = containers_resources(
        &p,
        pol.as_ref(),
        &rec,
        lr_item(input.get("limit_range")).as_ref(),
        input["add_all"].as_bool().unwrap_or(false),
        &mut ann,
    );
    let res = out.first().copied().unwrap_or_default();
    check(
        "requests",
        norm_rl(&expect["requests"]),
        rl_json(&res.requests),
    )?;
    check("limits", norm_rl(&expect["limits"]), rl_json(&res.limits))
}

// ---------------------------------------------------------------- updater

fn update_priority_kind(input: &Value, expect: &Value) -> Outcome {
    let p = pod(&input["pod"])?;
    let rec = recs(opt(input, "recommendation")).unwrap_or_default();
    let got = update_priority(&p, &rec);
    if let Some(w) = expect
        .get("outside_recommended_range")
        .and_then(Value::as_bool)
    {
        check(
            "outside_recommended_range",
            w,
            got.outside_recommended_range,
        )?;
    }
    if let Some(w) = expect.get("scale_up").and_then(Value::as_bool) {
        check("scale_up", w, got.scale_up)?;
    }
    if let Some(w) = expect.get("resource_diff").and_then(Value::as_f64) {
        check_float("resource_diff", w, got.resource_diff, expect)?;
    }
    Ok(())
}

fn prio(v: &Value) -> PodPriority {
    PodPriority {
        outside_recommended_range: v
            .get("outside_recommended_range")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        scale_up: v.get("scale_up").and_then(Value::as_bool).unwrap_or(false),
        resource_diff: v
            .get("resource_diff")
            .and_then(Value::as_f64)
            .unwrap_or(0.0),
    }
}

fn priority_less(input: &Value, expect: &Value) -> Outcome {
    let (a, b) = (prio(&input["a"]), prio(&input["b"]));
    check(
        "a_less_than_b",
        expect["a_less_than_b"].as_bool(),
        Some(a.less(&b)),
    )?;
    check(
        "b_less_than_a",
        expect["b_less_than_a"].as_bool(),
        Some(b.less(&a)),
    )
}

fn update_mode(s: Option<&str>) -> R<UpdateMode> {
    Ok(match s {
        None => UpdateMode::default(),
        Some("Off") => UpdateMode::Off,
        Some("Initial") => UpdateMode::Initial,
        Some("Recreate") => UpdateMode::Recreate,
        Some("Auto") => UpdateMode::Auto,
        Some("InPlaceOrRecreate") => UpdateMode::InPlaceOrRecreate,
        Some("InPlace") => UpdateMode::InPlace,
        Some(m) => return Err(format!("update mode {m}")),
    })
}

fn update_decision(input: &Value, expect: &Value) -> Outcome {
    let c = &input["config"];
    let cfg = UpdaterConfig {
        min_change_priority: f64_of(c, "min_change_priority")?,
        pod_lifetime_update_threshold_ms: i64_of(c, "pod_lifetime_update_threshold_s")? * 1000,
        evict_after_oom_threshold_ms: i64_of(c, "evict_after_oom_threshold_s")? * 1000,
        ..UpdaterConfig::default()
    };
    let mode = update_mode(input.get("update_mode").and_then(Value::as_str))?;
    let pol = policy(input.get("resource_policy"))?;
    let now = Timestamp::from_secs(i64_of(input, "now_offset_s")?);
    let mut pods = Vec::new();
    let mut processed = Vec::new();
    let mut infeasible = Vec::new();
    for pv in input["pods"].as_array().into_iter().flatten() {
        let mut p = pod(pv)?;
        p.start_time = opt(pv, "start_time_offset_s").map(ts).transpose()?;
        for cs in pv
            .get("container_statuses")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let lt = opt(cs, "last_termination");
            p.container_statuses.push(ContainerStatus {
                name: cs
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
                last_termination: lt
                    .map(|t| -> R<TerminationState> {
                        Ok(TerminationState {
                            reason: t
                                .get("reason")
                                .and_then(Value::as_str)
                                .unwrap_or("")
                                .to_owned(),
                            started_at: Timestamp(now.0 + i64_of(t, "started_at_offset_s")? * 1000),
                            finished_at: Timestamp(
                                now.0 + i64_of(t, "finished_at_offset_s")? * 1000,
                            ),
                        })
                    })
                    .transpose()?,
            });
        }
        pods.push((p, prio(&pv["priority"])));
        processed.push(recs(opt(pv, "processed_recommendation")));
        infeasible.push(recs(opt(pv, "last_infeasible_attempt")));
    }
    let candidates: Vec<UpdateCandidate<'_>> = pods
        .iter()
        .zip(processed.iter().zip(&infeasible))
        .map(|((p, pr), (proc_, inf))| UpdateCandidate {
            pod: p,
            priority: *pr,
            processed_recommendation: proc_.as_ref(),
            last_infeasible_attempt: inf.as_ref(),
        })
        .collect();
    let allows: Option<Vec<String>> = opt(input, "admission_allows")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect()
        });
    let idx = sorted_updates(&candidates, mode, pol.as_ref(), &cfg, now, |c| {
        allows.as_ref().is_none_or(|a| a.contains(&c.pod.name))
    });
    let names: Vec<&str> = idx
        .iter()
        .filter_map(|&i| candidates.get(i))
        .map(|c| c.pod.name.as_str())
        .collect();
    check("updated", expect["updated"].clone(), json!(names))
}

fn has_lower_resource_kind(input: &Value, expect: &Value) -> Outcome {
    let last = recs(opt(input, "last_attempt"));
    let new = recs(opt(input, "new_recommendation"));
    check(
        "result",
        expect["result"].as_bool(),
        Some(has_lower_resource(last.as_ref(), new.as_ref())),
    )
}

fn eviction(input: &Value, expect: &Value) -> Outcome {
    let c = &input["controller"];
    let replicas = c.get("replicas").and_then(Value::as_i64).map(|r| r as i32);
    let controller = match str_of(c, "kind")? {
        "ReplicationController" => ReplicaController::ReplicationController(replicas),
        "ReplicaSet" => ReplicaController::ReplicaSet(replicas),
        "StatefulSet" => ReplicaController::StatefulSet(replicas),
        "DaemonSet" => ReplicaController::DaemonSet(
            c.get("number_ready").and_then(Value::as_i64).unwrap_or(0) as i32,
        ),
        "Job" => ReplicaController::Job,
        k => return Err(format!("controller kind {k}")),
    };
    let min = opt(input, "vpa_min_replicas")
        .and_then(Value::as_i64)
        .or_else(|| input.get("min_replicas").and_then(Value::as_i64))
        .unwrap_or(2) as i32;
    let mut pods = Vec::new();
    for p in input["pods"].as_array().into_iter().flatten() {
        let resize = opt(p, "resize").map(|r| {
            let t = r.get("type").and_then(Value::as_str).unwrap_or("");
            let reason = r.get("reason").and_then(Value::as_str).unwrap_or("");
            let s = match (t, reason) {
                ("PodResizePending", "Infeasible") => ResizeStatus::Infeasible,
                ("PodResizePending", "Deferred") => ResizeStatus::Deferred,
                ("PodResizeInProgress", "" | "InProgress") => ResizeStatus::InProgress,
                _ => ResizeStatus::Other,
            };
            (s, Timestamp(0))
        });
        pods.push(EvictionPod {
            name: str_of(p, "name")?.to_owned(),
            phase: if p.get("phase").and_then(Value::as_str) == Some("Pending") {
                PodPhase::Pending
            } else {
                PodPhase::Running
            },
            resize,
            cpu_startup_boost_in_progress: p
                .get("cpu_startup_boost_in_progress")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        });
    }
    let mut r =
        EvictionRestriction::new(controller, &pods, min, f64_of(input, "eviction_tolerance")?);
    let can: Vec<bool> = pods
        .iter()
        .map(|p| r.can_evict(&p.name, Timestamp(0)))
        .collect();
    let ev: Vec<bool> = pods
        .iter()
        .map(|p| r.evict_at(&p.name, Timestamp(0)).is_ok())
        .collect();
    check("can_evict", expect["can_evict"].clone(), json!(can))?;
    check("evict_success", expect["evict_success"].clone(), json!(ev))
}

fn eviction_requirements(input: &Value, expect: &Value) -> Outcome {
    let p = pod(&input["pod"])?;
    let reqs: Option<Vec<EvictionRequirement>> =
        match opt(input, "eviction_requirements").and_then(Value::as_array) {
            None => None,
            Some(a) => Some(
                a.iter()
                    .map(|r| -> R<EvictionRequirement> {
                        Ok(EvictionRequirement {
                            resources: r["resources"]
                                .as_array()
                                .into_iter()
                                .flatten()
                                .filter_map(Value::as_str)
                                .map(resource_name)
                                .collect::<R<_>>()?,
                            change_requirement: match str_of(r, "change_requirement")? {
                                "TargetHigherThanRequests" => {
                                    ChangeRequirement::TargetHigherThanRequests
                                }
                                _ => ChangeRequirement::TargetLowerThanRequests,
                            },
                        })
                    })
                    .collect::<R<_>>()?,
            ),
        };
    let rec = recs(opt(input, "recommendation"));
    check(
        "admit",
        expect["admit"].as_bool(),
        Some(admit_by_requirements(&p, reqs.as_deref(), rec.as_ref())),
    )
}

fn limitrange_merge(input: &Value, expect: &Value) -> Outcome {
    let ty = if str_of(input, "type")? == "Pod" {
        LimitType::Pod
    } else {
        LimitType::Container
    };
    let ranges: Vec<LimitRange> = input["limit_ranges"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| LimitRange {
            namespace: l
                .get("namespace")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            items: l["items"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|i| lr_item(Some(i)))
                .collect(),
        })
        .collect();
    let got = merge_limit_ranges(&ranges, str_of(input, "namespace")?, ty);
    let want = match opt(expect, "item") {
        None => Value::Null,
        Some(i) => lr_item(Some(i)).map_or(Value::Null, |i| lr_json(&i)),
    };
    check("item", want, got.map_or(Value::Null, |i| lr_json(&i)))
}

fn integer_cpu_kind(input: &Value, expect: &Value) -> Outcome {
    let ann: BTreeMap<String, String> = input["vpa_annotations"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_owned()))
        .collect();
    let rec = recs(opt(input, "recommendation")).unwrap_or_default();
    check_recs(&expect["recommendation"], Some(&integer_cpu(&ann, rec)))
}
