//! `tidescale hpa what-if`: one HPA, N identical pods, metric levels given on the command line.

use std::collections::BTreeMap;

use tidescale::hpa::{
    Controller, Decision, History, HorizontalPodAutoscaler, MetricSourceType, MetricSpec,
    MetricTargetType, MetricValues, Observation, Pod, PodMetric, Scale, Settings,
};
use tidescale::{Quantity, Timestamp};

/// A metric level from `--set METRIC=VALUE`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Level {
    /// `140%`: percent of each pod's request.
    Percent(f64),
    /// `1500`, `500m`, `2Gi`: a quantity.
    Quantity(Quantity),
}

/// Parses `140%` or a Kubernetes quantity; negative, NaN and infinite values are refused.
pub(crate) fn parse_level(s: &str) -> Result<Level, String> {
    let s = s.trim();
    if let Some(p) = s.strip_suffix('%') {
        let v: f64 = p
            .trim()
            .parse()
            .map_err(|_| format!("{s:?} is not a percentage"))?;
        if !v.is_finite() || v < 0.0 {
            return Err(format!("{s:?}: a percentage must be a finite number >= 0"));
        }
        return Ok(Level::Percent(v));
    }
    let q: Quantity = s.parse().map_err(|e| format!("{e}"))?;
    if q.milli_value() < 0 {
        return Err(format!("{s:?} is negative"));
    }
    Ok(Level::Quantity(q))
}

/// Everything `what-if` needs.
#[derive(Debug, Clone)]
pub(crate) struct WhatIf {
    pub(crate) replicas: i32,
    pub(crate) levels: Vec<(String, Level)>,
    pub(crate) requests: BTreeMap<String, Quantity>,
    pub(crate) history: Option<History>,
    pub(crate) now: Option<Timestamp>,
}

/// Requests of the generated pods unless `--request` says otherwise.
pub(crate) fn default_requests() -> BTreeMap<String, Quantity> {
    BTreeMap::from([
        ("cpu".to_owned(), Quantity::from_units(1)),
        ("memory".to_owned(), Quantity::from_units(1 << 30)),
    ])
}

/// Where a what-if went wrong (exit code 2): the message, and whether the manifest (rather
/// than a command-line value) is at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WhatIfError(pub(crate) String, pub(crate) bool);

impl WhatIfError {
    fn input(msg: String) -> Self {
        Self(msg, false)
    }
}

fn resource_of(m: &MetricSpec) -> Option<(&str, &str)> {
    match m.type_ {
        MetricSourceType::Resource => m.resource.as_ref().map(|r| (r.name.as_str(), "")),
        MetricSourceType::ContainerResource => m
            .container_resource
            .as_ref()
            .map(|r| (r.name.as_str(), r.container.as_str())),
        _ => None,
    }
}

/// `n` identical running, ready pods that started an hour before `now`.
pub(crate) fn pods(
    n: usize,
    requests: &BTreeMap<String, Quantity>,
    hpa: &HorizontalPodAutoscaler,
    now: Timestamp,
) -> Vec<Pod> {
    let container = hpa
        .spec
        .metrics
        .iter()
        .find_map(|m| resource_of(m).map(|(_, c)| c).filter(|c| !c.is_empty()))
        .unwrap_or("app");
    Pod::identical(n, container, requests, now)
}

pub(crate) enum Reading {
    Samples(Vec<PodMetric>),
    Object(i64),
    External(Vec<i64>),
    Unavailable,
}

/// The `now` to step at: `--now`, else 15 s after the history's last entry, else 0.
fn step_time(w: &WhatIf) -> Timestamp {
    if let Some(n) = w.now {
        return n;
    }
    let last = w.history.as_ref().and_then(|h| {
        h.recommendations
            .iter()
            .flatten()
            .map(|r| r.time)
            .chain(h.scale_up_events.iter().map(|e| e.time))
            .chain(h.scale_down_events.iter().map(|e| e.time))
            .max()
    });
    last.map_or(Timestamp(0), |t| t.plus_secs(15))
}

/// Steps a controller for `hpa` once with the levels of `w`.
pub(crate) fn run(
    hpa: HorizontalPodAutoscaler,
    settings: Settings,
    w: &WhatIf,
) -> Result<Decision, WhatIfError> {
    let mut ctl = Controller::new(hpa, settings).map_err(|e| WhatIfError(e.to_string(), true))?;
    if let Some(h) = &w.history {
        ctl.set_history(h.clone());
    }
    let now = step_time(w);
    let metrics = &ctl.hpa().spec.metrics;
    for (name, _) in &w.levels {
        if !metrics.iter().any(|m| m.name() == name) {
            let known: Vec<&str> = metrics.iter().map(MetricSpec::name).collect();
            return Err(WhatIfError::input(format!(
                "--set {name}: the HPA has no metric named {name:?} (its metrics: {})",
                known.join(", ")
            )));
        }
    }
    let n = usize::try_from(w.replicas).unwrap_or(0);
    let pods = pods(n, &w.requests, ctl.hpa(), now);
    let mut readings = Vec::with_capacity(metrics.len());
    for m in metrics {
        let Some((_, level)) = w.levels.iter().rev().find(|(k, _)| k == m.name()) else {
            readings.push(Reading::Unavailable);
            continue;
        };
        readings.push(reading(m, level, &w.requests, n, now)?);
    }
    let values: Vec<MetricValues<'_>> = readings
        .iter()
        .map(|r| match r {
            Reading::Samples(s) => MetricValues::Pods(s),
            Reading::Object(v) => MetricValues::Object(*v),
            Reading::External(v) => MetricValues::External(v),
            Reading::Unavailable => MetricValues::Unavailable,
        })
        .collect();
    let obs = Observation {
        scale: Scale {
            spec_replicas: w.replicas,
            status_replicas: w.replicas,
        },
        pods: &pods,
        metrics: &values,
    };
    // no --set at all: say so (a metric left out next to a --set one is plainly unavailable,
    // as in the Python door)
    let not_given = if w.levels.is_empty() {
        metrics.iter().map(|m| m.name().to_owned()).collect()
    } else {
        Vec::new()
    };
    let mut d = ctl
        .step(now, &obs)
        .cloned()
        .map_err(|e| WhatIfError::input(e.to_string()))?;
    d.not_given = not_given;
    Ok(d)
}

pub(crate) fn reading(
    m: &MetricSpec,
    level: &Level,
    requests: &BTreeMap<String, Quantity>,
    n: usize,
    now: Timestamp,
) -> Result<Reading, WhatIfError> {
    let name = m.name();
    let per_pod = |v: i64| (0..n).map(|i| PodMetric::new(i, v, now)).collect();
    let percent_err = || {
        WhatIfError::input(format!(
            "--set {name}: a percentage applies to Resource and ContainerResource metrics only (percent of the pod's request); give a quantity such as 1500 or 500m"
        ))
    };
    match m.type_ {
        MetricSourceType::Resource | MetricSourceType::ContainerResource => {
            let milli = match level {
                Level::Percent(p) => {
                    let resource = resource_of(m).map_or("", |(r, _)| r);
                    let Some(req) = requests.get(resource) else {
                        return Err(WhatIfError::input(format!(
                            "--set {name}: a percentage needs a {resource} request; add --request {resource}=QUANTITY"
                        )));
                    };
                    // percent of the request, to the nearest milli-unit
                    let v = (p * req.milli_value() as f64 / 100.0).round();
                    if !(0.0..9.2e18).contains(&v) {
                        return Err(WhatIfError::input(format!(
                            "--set {name}: value out of range"
                        )));
                    }
                    v as i64
                }
                Level::Quantity(q) => q.milli_value(),
            };
            Ok(Reading::Samples(per_pod(milli)))
        }
        MetricSourceType::Pods => match level {
            Level::Percent(_) => Err(percent_err()),
            Level::Quantity(q) => Ok(Reading::Samples(per_pod(q.milli_value()))),
        },
        MetricSourceType::Object => match level {
            Level::Percent(_) => Err(percent_err()),
            Level::Quantity(q) => Ok(Reading::Object(q.milli_value())),
        },
        MetricSourceType::External => match level {
            Level::Percent(_) => Err(percent_err()),
            Level::Quantity(q) => Ok(Reading::External(vec![q.milli_value()])),
        },
        MetricSourceType::Unknown => Ok(Reading::Unavailable),
    }
}

/// The target of a metric as people say it: `70%`, `1k per pod`, `50 total`.
pub(crate) fn target_text(m: &MetricSpec) -> String {
    let Some(t) = m.target() else {
        return "-".to_owned();
    };
    match t.type_ {
        MetricTargetType::Utilization => t
            .average_utilization
            .map_or("-".to_owned(), |u| format!("{u}% of request")),
        MetricTargetType::AverageValue => t
            .average_value
            .map_or("-".to_owned(), |v| format!("{v} per pod")),
        MetricTargetType::Value => t.value.map_or("-".to_owned(), |v| format!("{v} total")),
    }
}
