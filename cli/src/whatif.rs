//! `tidescale hpa what-if`: one HPA, N identical pods, metric levels given on the command line.

use std::collections::BTreeMap;

use tidescale::hpa::{
    Controller, Decision, History, HorizontalPodAutoscaler, MetricSpec, MetricTargetType, Pod,
    Settings, WhatIfError as WhatIfHpaError,
};
use tidescale::{Quantity, Timestamp};

pub(crate) use tidescale::hpa::{Level, Reading, default_requests};

/// Parses `--set`'s VALUE: `140%` or a Kubernetes quantity (the core's [`Level`]).
pub(crate) fn parse_level(s: &str) -> Result<Level, String> {
    s.parse().map_err(|e: WhatIfHpaError| e.to_string())
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

/// Where a what-if went wrong (exit code 2): the message, and whether the manifest (rather
/// than a command-line value) is at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WhatIfError(pub(crate) String, pub(crate) bool);

/// A core what-if error as the command line says it: `--set METRIC: why`.
fn input_error(e: WhatIfHpaError) -> WhatIfError {
    let msg = match &e {
        WhatIfHpaError::UnknownMetric { metric, .. } => format!("--set {metric}: {e}"),
        WhatIfHpaError::AtMetric { metric, source } => format!("--set {metric}: {source}"),
        _ => e.to_string(),
    };
    WhatIfError(msg, false)
}

/// `n` identical running, ready pods that started an hour before `now`.
pub(crate) fn pods(
    n: usize,
    requests: &BTreeMap<String, Quantity>,
    hpa: &HorizontalPodAutoscaler,
    now: Timestamp,
) -> Vec<Pod> {
    tidescale::hpa::identical_pods(n, hpa, requests, now)
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

/// Steps a controller for `hpa` once with the levels of `w` (the core's `hpa::what_if`).
pub(crate) fn run(
    hpa: HorizontalPodAutoscaler,
    settings: Settings,
    w: &WhatIf,
) -> Result<Decision, WhatIfError> {
    let mut ctl = Controller::new(hpa, settings).map_err(|e| WhatIfError(e.to_string(), true))?;
    if let Some(h) = &w.history {
        ctl.set_history(h.clone());
    }
    let q = tidescale::hpa::WhatIf {
        replicas: w.replicas,
        levels: w.levels.clone(),
        requests: w.requests.clone(),
        now: step_time(w),
    };
    tidescale::hpa::what_if(&mut ctl, &q).map_err(input_error)
}

/// The reading of metric `m` at `level` (the core's `hpa::reading`).
pub(crate) fn reading(
    m: &MetricSpec,
    level: &Level,
    requests: &BTreeMap<String, Quantity>,
    n: usize,
    now: Timestamp,
) -> Result<Reading, WhatIfError> {
    tidescale::hpa::reading(m, level, requests, n, now)
        .map_err(|e| WhatIfError(format!("--set {}: {e}", m.name()), false))
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
