//! `tidescale vpa recommend`: a VPA object and a usage CSV in, the `status.recommendation` the
//! recommender would write out, optionally with the steps that produced each number.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Value, json};
use tidescale::Timestamp;
use tidescale::vpa::estimator::{
    confidence, confidence_multiplier, per_container_minimum, percentile_estimate, with_margin,
    with_min,
};
use tidescale::vpa::{
    AggregateContainerState, DiscardedSamples, Estimate, RecommendedPodResources, Recommender,
    ResourceList, ResourceName, Resources, VerticalPodAutoscaler, VpaRecommender, humanize_memory,
};
use tidescale::{Quantity, vpa::VpaError};

use crate::output::{Format, columns};
use crate::usage::Sample;

/// The confidence multipliers of the upper and lower bound estimators, as upstream's
/// `recommender.go` wires them (the core's constants).
use tidescale::vpa::{
    LOWER_BOUND_CONFIDENCE as LOWER_MULTIPLIER, UPPER_BOUND_CONFIDENCE as UPPER_MULTIPLIER,
};

/// A finished recommendation run.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    pub(crate) vpa: VerticalPodAutoscaler,
    pub(crate) now: Timestamp,
    pub(crate) first: Timestamp,
    pub(crate) last: Timestamp,
    pub(crate) rows: usize,
    /// Per container: (cpu samples, memory samples).
    pub(crate) counts: BTreeMap<String, (usize, usize)>,
    pub(crate) recommendation: RecommendedPodResources,
    pub(crate) explain: Vec<ContainerExplain>,
}

/// How one container's numbers came about.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ContainerExplain {
    pub(crate) container: String,
    pub(crate) cpu_samples_in_histogram: u64,
    /// Samples the recommender discarded for their time (as upstream: repeated or late).
    pub(crate) discarded: DiscardedSamples,
    pub(crate) containers_recommended: usize,
    pub(crate) cpu_confidence: f64,
    pub(crate) memory_confidence: f64,
    pub(crate) minimum: Resources,
    pub(crate) controlled: Vec<ResourceName>,
    pub(crate) min_allowed: ResourceList,
    pub(crate) max_allowed: ResourceList,
    pub(crate) margin: f64,
    /// lowerBound, target, upperBound.
    pub(crate) bounds: [BoundExplain; 3],
    /// The core's own estimate (what the steps must arrive at).
    pub(crate) estimate: Estimate,
}

/// The steps of one bound (both resources at once, as the core computes them).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BoundExplain {
    pub(crate) field: &'static str,
    pub(crate) cpu_percentile: f64,
    pub(crate) memory_percentile: f64,
    /// Histogram percentiles: cores, bytes.
    pub(crate) histogram: (f64, f64),
    pub(crate) percentile: Resources,
    pub(crate) with_margin: Resources,
    /// `(multiplier, exponent)`, when the bound has a confidence multiplier.
    pub(crate) multiplier: Option<(f64, f64)>,
    pub(crate) with_confidence: Resources,
    pub(crate) with_minimum: Resources,
    pub(crate) controlled: Resources,
    /// After `containerPolicies` capping (what is in the recommendation).
    pub(crate) capped: ResourceList,
}

/// Feeds `samples` to a recommender for `vpa` in file order and asks it at `now` (default: the
/// last sample). Repeated and late samples are discarded as upstream does (counted in the
/// explanation); errors name the CSV row.
pub(crate) fn recommend(
    vpa: VerticalPodAutoscaler,
    samples: &[Sample],
    now: Option<Timestamp>,
) -> Result<Outcome, String> {
    let mut r = VpaRecommender::for_vpa(Recommender::default(), &vpa);
    let mut counts: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let row_err = |s: &Sample, what: &str, e: VpaError| format!("row {}: field {what}: {e}", s.row);
    for s in samples {
        r.add_container(s.time, &s.container);
        let c = counts.entry(s.container.clone()).or_default();
        if let Some(cores) = s.cpu {
            r.add_cpu_sample(s.time, &s.container, cores)
                .map_err(|e| row_err(s, "cpu", e))?;
            c.0 += 1;
        }
        if let Some(bytes) = s.memory {
            r.add_memory_sample(s.time, &s.container, bytes)
                .map_err(|e| row_err(s, "memory", e))?;
            c.1 += 1;
        }
    }
    let first = samples.iter().map(|s| s.time).min().unwrap_or_default();
    let last = samples.iter().map(|s| s.time).max().unwrap_or_default();
    let now = now.unwrap_or(last);
    let recommendation = r.recommendation(now);
    let explain = explain(&r, &vpa, &recommendation, now);
    Ok(Outcome {
        vpa,
        now,
        first,
        last,
        rows: samples.len(),
        counts,
        recommendation,
        explain,
    })
}

fn explain(
    r: &VpaRecommender,
    vpa: &VerticalPodAutoscaler,
    rec: &RecommendedPodResources,
    now: Timestamp,
) -> Vec<ContainerExplain> {
    let estimates = r.estimates(now);
    let n = estimates.len();
    let cfg = r.config().estimator;
    let minimum = per_container_minimum(n, cfg.pod_min_cpu_millicores, cfg.pod_min_memory_mb);
    let mut out = Vec::new();
    for (name, estimate) in estimates {
        let Some(agg) = r.aggregate(&name) else {
            continue;
        };
        let c_cpu = confidence(agg, cfg.confidence_interval_cpu_ms);
        let c_mem = confidence(agg, cfg.confidence_interval_memory_ms);
        let controlled = agg.controlled();
        let capped = rec.for_container(&name);
        let bound = |field: &'static str,
                     cpu_p: f64,
                     mem_p: f64,
                     multiplier: Option<(f64, f64)>,
                     capped: ResourceList| {
            bound_explain(
                agg,
                field,
                cpu_p,
                mem_p,
                multiplier,
                &cfg,
                c_cpu,
                c_mem,
                minimum,
                &controlled,
                capped,
            )
        };
        let policy = vpa
            .spec
            .resource_policy
            .as_ref()
            .and_then(|p| p.for_container(&name));
        let mut max_allowed = policy.and_then(|p| p.max_allowed).unwrap_or_default();
        if let Some(g) = &r.config().container_recommendation_max_allowed {
            for res in ResourceName::ALL {
                if max_allowed.get(res).is_none() {
                    max_allowed.set(res, g.get(res));
                }
            }
        }
        out.push(ContainerExplain {
            cpu_samples_in_histogram: agg.total_samples_count,
            discarded: r.discarded_samples(&name).unwrap_or_default(),
            containers_recommended: n,
            cpu_confidence: c_cpu,
            memory_confidence: c_mem,
            minimum,
            controlled: controlled.clone(),
            min_allowed: policy.and_then(|p| p.min_allowed).unwrap_or_default(),
            max_allowed,
            margin: cfg.safety_margin_fraction,
            bounds: [
                bound(
                    "lowerBound",
                    cfg.lower_bound_cpu_percentile,
                    cfg.lower_bound_memory_percentile,
                    Some(LOWER_MULTIPLIER),
                    capped.map(|c| c.lower_bound).unwrap_or_default(),
                ),
                bound(
                    "target",
                    cfg.target_cpu_percentile,
                    cfg.target_memory_percentile,
                    None,
                    capped.map(|c| c.target).unwrap_or_default(),
                ),
                bound(
                    "upperBound",
                    cfg.upper_bound_cpu_percentile,
                    cfg.upper_bound_memory_percentile,
                    Some(UPPER_MULTIPLIER),
                    capped.map(|c| c.upper_bound).unwrap_or_default(),
                ),
            ],
            estimate,
            container: name,
        });
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn bound_explain(
    agg: &AggregateContainerState,
    field: &'static str,
    cpu_p: f64,
    mem_p: f64,
    multiplier: Option<(f64, f64)>,
    cfg: &tidescale::vpa::EstimatorConfig,
    c_cpu: f64,
    c_mem: f64,
    minimum: Resources,
    controlled: &[ResourceName],
    capped: ResourceList,
) -> BoundExplain {
    let percentile = percentile_estimate(agg, cpu_p, mem_p);
    let margin = with_margin(percentile, cfg.safety_margin_fraction);
    let conf = match multiplier {
        Some((m, e)) => confidence_multiplier(margin, m, e, c_cpu, c_mem),
        None => margin,
    };
    let mined = with_min(conf, minimum);
    BoundExplain {
        field,
        cpu_percentile: cpu_p,
        memory_percentile: mem_p,
        histogram: (agg.cpu.percentile(cpu_p), agg.memory.percentile(mem_p)),
        percentile,
        with_margin: margin,
        multiplier,
        with_confidence: conf,
        with_minimum: mined,
        controlled: mined.filter(controlled),
        capped,
    }
}

/// An amount of `r` as a quantity (millicores / bytes).
fn qty(r: ResourceName, amount: i64) -> Quantity {
    match r {
        ResourceName::Cpu => Quantity::from_milli(amount),
        ResourceName::Memory => Quantity::from_units(amount),
    }
}

fn amount_text(r: ResourceName, amount: Option<i64>) -> String {
    amount.map_or_else(|| "-".to_owned(), |a| quantity_text(r, qty(r, a)))
}

/// A quantity for people: memory also humanized (`629145600 (600.00Mi)`).
fn quantity_text(r: ResourceName, q: Quantity) -> String {
    match r {
        ResourceName::Cpu => q.to_string(),
        ResourceName::Memory => {
            let h = humanize_memory(q.value());
            if h == q.to_string() {
                h
            } else {
                format!("{q} ({h})")
            }
        }
    }
}

/// The status block, as a JSON value (`status: recommendation: containerRecommendations`).
pub(crate) fn status_document(o: &Outcome) -> Result<Value, String> {
    let rec = serde_json::to_value(&o.recommendation).map_err(|e| e.to_string())?;
    Ok(json!({"status": {"recommendation": rec}}))
}

fn explain_json(o: &Outcome) -> Value {
    let mut items = Vec::new();
    for c in &o.explain {
        for r in ResourceName::ALL {
            let bounds: serde_json::Map<String, Value> = c
                .bounds
                .iter()
                .map(|b| {
                    let (p, hist) = match r {
                        ResourceName::Cpu => (b.cpu_percentile, b.histogram.0),
                        ResourceName::Memory => (b.memory_percentile, b.histogram.1),
                    };
                    let q = |x: Option<i64>| x.map(|a| qty(r, a).to_string());
                    let factor = b.multiplier.map(|(m, e)| {
                        format!(
                            "(1 + {m}/{:.6})^{e}",
                            match r {
                                ResourceName::Cpu => c.cpu_confidence,
                                ResourceName::Memory => c.memory_confidence,
                            }
                        )
                    });
                    (
                        b.field.to_owned(),
                        json!({
                            "percentile": p,
                            "histogramValue": hist,
                            "percentileEstimate": q(b.percentile.get(r)),
                            "withMargin": q(b.with_margin.get(r)),
                            "confidenceFactor": factor,
                            "withConfidence": q(b.with_confidence.get(r)),
                            "withMinimum": q(b.with_minimum.get(r)),
                            "estimate": q(b.controlled.get(r)),
                            "recommended": b.capped.get(r).map(|x| x.to_string()),
                        }),
                    )
                })
                .collect();
            items.push(json!({
                "container": c.container,
                "resource": r.as_str(),
                "controlled": c.controlled.contains(&r),
                "cpuSamplesInHistogram": c.cpu_samples_in_histogram,
                "discardedSamples": match r {
                    ResourceName::Cpu => c.discarded.cpu,
                    ResourceName::Memory => c.discarded.memory,
                },
                "confidence": match r {
                    ResourceName::Cpu => c.cpu_confidence,
                    ResourceName::Memory => c.memory_confidence,
                },
                "safetyMarginFraction": c.margin,
                "minimum": c.minimum.get(r).map(|a| qty(r, a).to_string()),
                "minimumSharedBy": c.containers_recommended,
                "minAllowed": c.min_allowed.get(r).map(|x| x.to_string()),
                "maxAllowed": c.max_allowed.get(r).map(|x| x.to_string()),
                "bounds": bounds,
            }));
        }
    }
    Value::Array(items)
}

/// Renders an outcome.
pub(crate) fn render(o: &Outcome, format: Format, with_explain: bool) -> Result<String, String> {
    match format {
        Format::Json => {
            let mut doc = status_document(o)?;
            if with_explain && let Value::Object(m) = &mut doc {
                m.insert("explain".to_owned(), explain_json(o));
            }
            serde_json::to_string_pretty(&doc)
                .map(|s| s + "\n")
                .map_err(|e| e.to_string())
        }
        Format::Yaml => {
            let mut out =
                serde_saphyr::to_string(&status_document(o)?).map_err(|e| e.to_string())?;
            if with_explain {
                for line in explain_text(o).lines() {
                    out.push_str(if line.is_empty() { "#" } else { "# " });
                    out.push_str(line);
                    out.push('\n');
                }
            }
            Ok(out)
        }
        Format::Table => {
            let mut out = table(o);
            if with_explain {
                out.push('\n');
                out.push_str(&explain_text(o));
            }
            Ok(out)
        }
    }
}

fn table(o: &Outcome) -> String {
    let mut out = String::new();
    let name = o.vpa.metadata.name.as_deref().unwrap_or("(unnamed)");
    let target = o
        .vpa
        .spec
        .target_ref
        .as_ref()
        .map_or("?/?".to_owned(), |t| format!("{}/{}", t.kind, t.name));
    let _ = writeln!(
        out,
        "VPA {name} -> {target}  (updateMode {:?})",
        o.vpa.spec.effective_update_mode()
    );
    let _ = writeln!(
        out,
        "{} rows for {} container(s), {} .. {}; recommendation at {}",
        o.rows,
        o.counts.len(),
        o.first.to_rfc3339(),
        o.last.to_rfc3339(),
        o.now.to_rfc3339()
    );
    out.push('\n');
    let mut rows = vec![vec![
        "CONTAINER".to_owned(),
        "RESOURCE".to_owned(),
        "LOWER BOUND".to_owned(),
        "TARGET".to_owned(),
        "UNCAPPED TARGET".to_owned(),
        "UPPER BOUND".to_owned(),
    ]];
    for c in &o.recommendation.container_recommendations {
        for r in ResourceName::ALL {
            let cell = |l: &ResourceList| {
                l.get(r)
                    .map_or_else(|| "-".to_owned(), |q| quantity_text(r, q))
            };
            if c.target.get(r).is_none() && c.upper_bound.get(r).is_none() {
                continue;
            }
            rows.push(vec![
                c.container_name.clone(),
                r.as_str().to_owned(),
                cell(&c.lower_bound),
                cell(&c.target),
                cell(&c.uncapped_target),
                cell(&c.upper_bound),
            ]);
        }
    }
    if rows.len() == 1 {
        out.push_str("no recommendation (every container is expired or mode: Off)\n");
    } else {
        out.push_str(&columns(&rows));
    }
    let missing: Vec<&str> = o
        .counts
        .keys()
        .filter(|k| o.recommendation.for_container(k).is_none())
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        let _ = writeln!(
            out,
            "\nnot recommended (mode: Off, or no sample within 8 days of now): {}",
            missing.join(", ")
        );
    }
    out
}

/// The explanation as text (table output, or YAML comments).
pub(crate) fn explain_text(o: &Outcome) -> String {
    let mut out = String::new();
    for c in &o.explain {
        for r in ResourceName::ALL {
            let conf = match r {
                ResourceName::Cpu => c.cpu_confidence,
                ResourceName::Memory => c.memory_confidence,
            };
            let (cpu_rows, mem_rows) = o.counts.get(&c.container).copied().unwrap_or((0, 0));
            let discarded = match r {
                ResourceName::Cpu => c.discarded.cpu,
                ResourceName::Memory => c.discarded.memory,
            };
            let _ = writeln!(
                out,
                "{} {}: {} samples in the CSV{}; confidence {conf:.6} = min(history span / 24h, {} CPU samples / 1440){}",
                c.container,
                r.as_str(),
                match r {
                    ResourceName::Cpu => cpu_rows,
                    ResourceName::Memory => mem_rows,
                },
                if discarded == 0 {
                    String::new()
                } else {
                    format!(
                        ", {discarded} discarded as upstream does ({})",
                        match r {
                            ResourceName::Cpu => "not after the previous CPU sample",
                            ResourceName::Memory => "before the previous memory sample",
                        }
                    )
                },
                c.cpu_samples_in_histogram,
                if r == ResourceName::Memory {
                    " (upstream counts CPU samples for memory too)"
                } else {
                    ""
                },
            );
            if !c.controlled.contains(&r) {
                let _ = writeln!(
                    out,
                    "  not in controlledResources: no {} recommendation\n",
                    r.as_str()
                );
                continue;
            }
            let mut rows = vec![vec![
                "STEP".to_owned(),
                "LOWER BOUND".to_owned(),
                "TARGET".to_owned(),
                "UPPER BOUND".to_owned(),
            ]];
            let cells = |f: &dyn Fn(&BoundExplain) -> String| -> Vec<String> {
                c.bounds.iter().map(f).collect()
            };
            let mut push = |label: String, v: Vec<String>| {
                let mut row = vec![label];
                row.extend(v);
                rows.push(row);
            };
            push(
                "percentile of the decaying histogram".to_owned(),
                cells(&|b| {
                    let (p, v) = match r {
                        ResourceName::Cpu => {
                            (b.cpu_percentile, format!("{:.5} cores", b.histogram.0))
                        }
                        ResourceName::Memory => {
                            (b.memory_percentile, format!("{:.0} bytes", b.histogram.1))
                        }
                    };
                    format!("p{} = {v}", p * 100.0)
                }),
            );
            push(
                "as an amount (truncated)".to_owned(),
                cells(&|b| amount_text(r, b.percentile.get(r))),
            );
            push(
                format!("+ safety margin {}%", c.margin * 100.0),
                cells(&|b| amount_text(r, b.with_margin.get(r))),
            );
            push(
                "x confidence multiplier".to_owned(),
                cells(&|b| match b.multiplier {
                    Some((m, e)) => format!(
                        "(1 + {m}/{conf:.4})^{e} -> {}",
                        amount_text(r, b.with_confidence.get(r))
                    ),
                    None => "none".to_owned(),
                }),
            );
            push(
                format!(
                    "max with the minimum {} (pod minimum / {} container(s))",
                    amount_text(r, c.minimum.get(r)),
                    c.containers_recommended
                ),
                cells(&|b| amount_text(r, b.with_minimum.get(r))),
            );
            let min_a = c.min_allowed.get(r);
            let max_a = c.max_allowed.get(r);
            let caps = match (min_a, max_a) {
                (None, None) => "capping: no minAllowed/maxAllowed".to_owned(),
                _ => format!(
                    "capped to minAllowed {} / maxAllowed {}",
                    min_a.map_or("-".to_owned(), |q| q.to_string()),
                    max_a.map_or("-".to_owned(), |q| q.to_string())
                ),
            };
            push(
                caps,
                cells(&|b| {
                    let v = b
                        .capped
                        .get(r)
                        .map_or_else(|| "-".to_owned(), |q| quantity_text(r, q));
                    let before = b.controlled.get(r).map(|a| qty(r, a));
                    match (before, b.capped.get(r)) {
                        (Some(x), Some(y)) if x < y => format!("{v} (raised to minAllowed)"),
                        (Some(x), Some(y)) if x > y => format!("{v} (lowered to maxAllowed)"),
                        _ => v,
                    }
                }),
            );
            for line in columns(&rows).lines() {
                let _ = writeln!(out, "  {line}");
            }
            out.push('\n');
        }
    }
    if o.explain.is_empty() {
        out.push_str("nothing to explain: no container is recommended\n");
    }
    out
}
