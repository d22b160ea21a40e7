//! Plain Python values (ints, floats, quantity strings, lists, dicts) to a core observation.
//!
//! The convention (also in the docstrings of `tidescale.hpa`):
//! - `pods`: `None` (then `replicas` pods), an `int` count of identical running, ready pods
//!   started an hour before `now` and requesting `requests` (default `{"cpu": "1",
//!   "memory": "1Gi"}`), or a list of dicts / objects with `name`, `phase`, `ready`,
//!   `start_time`, `ready_since`, `deleted`, `requests` (or `containers`).
//! - `metrics`: keyed by the metric's name in the manifest. Resource, ContainerResource and
//!   Pods metrics take one value per pod (a list as long as `pods`, `None` for a pod without a
//!   sample) or one value for every pod; a value is a number in the metric's unit (cores,
//!   bytes, requests/s), a quantity string (`"500m"`, `"2Gi"`) or, for Resource and
//!   ContainerResource metrics, a percentage of the pod's request (`"140%"`). Object metrics
//!   take one value; External metrics one value or a list (summed). A metric that is absent or
//!   `None` is reported unavailable, as when the metrics API fails.

use std::collections::BTreeMap;
use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use tidescale::hpa::{
    Container, HorizontalPodAutoscaler, Level, MetricSourceType, MetricValues, Pod, PodMetric,
    PodPhase, Readiness, Scale, default_container, default_requests, pod_request, resource_of,
};
use tidescale::{Quantity, Timestamp};

use crate::convert::{seconds, units_to_milli};
use crate::errors::{invalid_input, unknown_metric};

/// How the values of one `spec.metrics` entry are given.
#[derive(Debug, Clone)]
pub(crate) enum Shape {
    /// Per-pod samples; `Some((resource, container))` for resource metrics (percentages of
    /// the request are allowed).
    Samples(Option<(String, String)>),
    /// One object value.
    Object,
    /// External series values.
    External,
    /// A metric type the controller reports as invalid; any value is ignored.
    Other,
}

/// What the door needs to know about each `spec.metrics` entry.
#[derive(Debug, Clone)]
pub(crate) struct MetricInfo {
    pub(crate) name: String,
    pub(crate) shape: Shape,
}

/// The metric table of an HPA (after defaulting, so an empty `metrics` is CPU at 80 %), and
/// the container generated pods get.
#[derive(Debug, Clone)]
pub(crate) struct MetricInfos {
    metrics: Vec<MetricInfo>,
    container: String,
}

impl std::ops::Deref for MetricInfos {
    type Target = [MetricInfo];
    fn deref(&self) -> &[MetricInfo] {
        &self.metrics
    }
}

/// The metric table of an HPA.
pub(crate) fn metric_infos(hpa: &HorizontalPodAutoscaler) -> MetricInfos {
    let metrics = hpa
        .spec
        .metrics
        .iter()
        .map(|m| {
            let shape = match m.type_ {
                MetricSourceType::Resource | MetricSourceType::ContainerResource => {
                    Shape::Samples(resource_of(m).map(|(r, c)| (r.to_owned(), c.to_owned())))
                }
                MetricSourceType::Pods => Shape::Samples(None),
                MetricSourceType::Object => Shape::Object,
                MetricSourceType::External => Shape::External,
                MetricSourceType::Unknown => Shape::Other,
            };
            MetricInfo {
                name: m.name().to_owned(),
                shape,
            }
        })
        .collect();
    MetricInfos {
        metrics,
        container: default_container(hpa).to_owned(),
    }
}

/// A quantity given as a number of units or a string.
fn quantity(what: &str, v: &Bound<'_, PyAny>) -> PyResult<Quantity> {
    if let Ok(s) = v.cast::<PyString>() {
        let s = s.to_cow()?;
        let q: Quantity = s
            .trim()
            .parse()
            .map_err(|e| invalid_input(format!("{what}: {e}")))?;
        if q.milli_value() < 0 {
            return Err(invalid_input(format!("{what}: {s} is negative")));
        }
        Ok(q)
    } else {
        let f: f64 = v.extract().map_err(|_| {
            invalid_input(format!(
                "{what}: expected a number or a quantity string, got {}",
                type_name(v)
            ))
        })?;
        Ok(Quantity::from_milli(units_to_milli(what, f)?))
    }
}

fn type_name(v: &Bound<'_, PyAny>) -> String {
    v.get_type()
        .name()
        .map_or_else(|_| "?".to_owned(), |n| n.to_string())
}

/// Requests given as `{"cpu": "500m", "memory": 2**30}`.
pub(crate) fn requests(v: &Bound<'_, PyAny>) -> PyResult<BTreeMap<String, Quantity>> {
    let d = v
        .cast::<PyDict>()
        .map_err(|_| invalid_input("requests must be a dict like {\"cpu\": \"500m\"}"))?;
    let mut out = BTreeMap::new();
    for (k, q) in d.iter() {
        let k: String = k
            .extract()
            .map_err(|_| invalid_input("requests keys must be resource names (str)"))?;
        let q = quantity(&format!("requests[{k:?}]"), &q)?;
        out.insert(k, q);
    }
    Ok(out)
}

/// `obj[key]` for a dict, `obj.key` otherwise; `None` (or a missing key) is `None`.
fn field<'py>(obj: &Bound<'py, PyAny>, key: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
    let v = if let Ok(d) = obj.cast::<PyDict>() {
        d.get_item(key)?
    } else {
        match obj.getattr(key) {
            Ok(v) => Some(v),
            Err(e) if e.is_instance_of::<pyo3::exceptions::PyAttributeError>(obj.py()) => None,
            Err(e) => return Err(e),
        }
    };
    Ok(v.filter(|v| !v.is_none()))
}

fn phase(s: &str) -> PyResult<PodPhase> {
    Ok(match s {
        "Pending" => PodPhase::Pending,
        "Running" => PodPhase::Running,
        "Succeeded" => PodPhase::Succeeded,
        "Failed" => PodPhase::Failed,
        "Unknown" => PodPhase::Unknown,
        other => {
            return Err(invalid_input(format!(
                "pod phase {other:?} is not one of Pending, Running, Succeeded, Failed, Unknown"
            )));
        }
    })
}

/// One pod from a dict or an object with the same attributes.
fn pod(i: usize, obj: &Bound<'_, PyAny>, container: &str, now: Timestamp) -> PyResult<Pod> {
    let at = |k: &str| format!("pods[{i}].{k}");
    let name = match field(obj, "name")? {
        Some(n) => n
            .extract::<String>()
            .map_err(|_| invalid_input(format!("{}: expected a str", at("name"))))?,
        None => format!("pod-{i}"),
    };
    let phase = match field(obj, "phase")? {
        Some(p) => phase(
            &p.extract::<String>()
                .map_err(|_| invalid_input(format!("{}: expected a str", at("phase"))))?,
        )?,
        None => PodPhase::Running,
    };
    let time = |k: &str| -> PyResult<Option<Timestamp>> {
        field(obj, k)?
            .map(|v| {
                let f: f64 = v
                    .extract()
                    .map_err(|_| invalid_input(format!("{}: expected seconds", at(k))))?;
                seconds(&at(k), f)
            })
            .transpose()
    };
    let start_time = time("start_time")?.unwrap_or_else(|| now.minus_secs(3600));
    let ready_since = time("ready_since")?.unwrap_or(start_time);
    let ready = match field(obj, "ready")? {
        Some(r) => r
            .extract::<bool>()
            .map_err(|_| invalid_input(format!("{}: expected a bool", at("ready"))))?,
        None => phase == PodPhase::Running,
    };
    let deleted = match field(obj, "deleted")? {
        Some(r) => r
            .extract::<bool>()
            .map_err(|_| invalid_input(format!("{}: expected a bool", at("deleted"))))?,
        None => false,
    };
    let containers = if let Some(cs) = field(obj, "containers")? {
        let mut out = Vec::new();
        for (j, c) in cs.try_iter()?.enumerate() {
            let c = c?;
            let name = field(&c, "name")?
                .map(|n| n.extract::<String>())
                .transpose()?
                .unwrap_or_else(|| format!("c{j}"));
            let requests = field(&c, "requests")?
                .map(|r| requests(&r))
                .transpose()?
                .unwrap_or_default();
            out.push(Container {
                name,
                requests: requests.into(),
                restart_policy_always: false,
            });
        }
        out
    } else {
        let requests = field(obj, "requests")?
            .map(|r| requests(&r))
            .transpose()?
            .unwrap_or_default();
        vec![Container {
            name: container.to_owned(),
            requests: requests.into(),
            restart_policy_always: false,
        }]
    };
    Ok(Pod {
        name,
        phase,
        deleted,
        start_time: Some(start_time),
        ready: Some(Readiness {
            ready,
            last_transition: ready_since,
        }),
        containers,
        init_containers: Vec::new(),
        pod_requests: None,
    })
}

/// An observation the door owns, ready to lend to the core (also outside the GIL).
#[derive(Debug, Clone)]
pub(crate) struct OwnedObservation {
    pub(crate) now: Timestamp,
    pub(crate) scale: Scale,
    pub(crate) pods: Arc<Vec<Pod>>,
    samples: Vec<Vec<PodMetric>>,
    externals: Vec<Vec<i64>>,
    values: Vec<Slot>,
}

#[derive(Debug, Clone, Copy)]
enum Slot {
    Samples(usize),
    Object(i64),
    External(usize),
    Unavailable,
    /// Not in the `metrics` dict (unavailable, and the decision says no value was given).
    NotGiven,
}

impl OwnedObservation {
    /// The per-metric readings, borrowing from `self`.
    pub(crate) fn readings(&self) -> Vec<MetricValues<'_>> {
        self.values
            .iter()
            .map(|s| match *s {
                Slot::Samples(i) => self
                    .samples
                    .get(i)
                    .map_or(MetricValues::Unavailable, |s| MetricValues::Pods(s)),
                Slot::Object(v) => MetricValues::Object(v),
                Slot::External(i) => self
                    .externals
                    .get(i)
                    .map_or(MetricValues::Unavailable, |v| MetricValues::External(v)),
                Slot::Unavailable | Slot::NotGiven => MetricValues::Unavailable,
            })
            .collect()
    }

    /// Indices of the manifest's metrics when `metrics` was not given at all.
    pub(crate) fn not_given(&self) -> impl Iterator<Item = usize> + '_ {
        self.values
            .iter()
            .enumerate()
            .filter(|(_, s)| matches!(s, Slot::NotGiven))
            .map(|(i, _)| i)
    }
}

/// Cache of generated pods (count and requests) so that repeated steps with an `int` pod count
/// do not rebuild them.
#[derive(Debug, Default)]
pub(crate) struct PodCache {
    key: Option<(usize, Option<BTreeMap<String, Quantity>>)>,
    pods: Arc<Vec<Pod>>,
}

/// Everything `step` receives besides the controller.
pub(crate) struct StepArgs<'a, 'py> {
    pub(crate) now: f64,
    pub(crate) replicas: i64,
    pub(crate) status_replicas: Option<i64>,
    pub(crate) pods: Option<&'a Bound<'py, PyAny>>,
    pub(crate) metrics: Option<&'a Bound<'py, PyAny>>,
    pub(crate) requests: Option<&'a Bound<'py, PyAny>>,
}

fn replicas(what: &str, v: i64) -> PyResult<i32> {
    if v < 0 {
        return Err(invalid_input(format!("{what}: {v} is negative")));
    }
    i32::try_from(v).map_err(|_| invalid_input(format!("{what}: {v} is too large")))
}

/// Builds the observation for the HPA described by `infos`.
pub(crate) fn build(
    args: &StepArgs<'_, '_>,
    infos: &MetricInfos,
    cache: &mut PodCache,
) -> PyResult<OwnedObservation> {
    let now = seconds("now", args.now)?;
    let spec_replicas = replicas("replicas", args.replicas)?;
    let status_replicas = match args.status_replicas {
        Some(s) => replicas("status_replicas", s)?,
        None => spec_replicas,
    };
    let custom_requests = args.requests.map(requests).transpose()?;
    let count = match args.pods {
        None => Some(spec_replicas.unsigned_abs() as usize),
        Some(p) if p.is_instance_of::<PyInt>() => {
            let n: i64 = p.extract()?;
            Some(usize::try_from(n).map_err(|_| invalid_input(format!("pods: {n} is negative")))?)
        }
        Some(_) => None,
    };
    let pods: Arc<Vec<Pod>> = match (count, args.pods) {
        (Some(n), _) => {
            if n > 1_000_000 {
                return Err(invalid_input(format!("pods: {n} is too many")));
            }
            let key = (n, custom_requests.clone());
            // generated pods started an hour before the `now` they were built for: reuse them
            // while they are between one and two hours old (their age only matters against
            // the CPU initialization period and readiness delay, minutes by default)
            let fresh = cache.key.as_ref() == Some(&key)
                && cache
                    .pods
                    .first()
                    .and_then(|p| p.start_time)
                    .is_some_and(|t| {
                        let age = now.as_millis().saturating_sub(t.as_millis());
                        (3_600_000..=7_200_000).contains(&age)
                    });
            if !fresh {
                let reqs = custom_requests.unwrap_or_else(default_requests);
                cache.pods = Arc::new(Pod::identical(n, &infos.container, &reqs, now));
                cache.key = Some(key);
            }
            Arc::clone(&cache.pods)
        }
        (None, Some(list)) => {
            let mut out = Vec::new();
            for (i, p) in list.try_iter()?.enumerate() {
                out.push(pod(i, &p?, &infos.container, now)?);
            }
            Arc::new(out)
        }
        (None, None) => Arc::new(Vec::new()),
    };

    let mut obs = OwnedObservation {
        now,
        scale: Scale {
            spec_replicas,
            status_replicas,
        },
        pods,
        samples: Vec::new(),
        externals: Vec::new(),
        // no `metrics` at all (a what-if without values): the decision says none was given;
        // a metric left out of a dict (as in `Fleet.step`) is plainly unavailable
        values: vec![
            if args.metrics.is_none() {
                Slot::NotGiven
            } else {
                Slot::Unavailable
            };
            infos.len()
        ],
    };
    let Some(metrics) = args.metrics else {
        return Ok(obs);
    };
    let metrics = metrics
        .cast::<PyDict>()
        .map_err(|_| invalid_input("metrics must be a dict keyed by the metric names"))?;
    for (k, v) in metrics.iter() {
        let name: String = k
            .extract()
            .map_err(|_| invalid_input("metrics keys must be metric names (str)"))?;
        let Some(idx) = infos.iter().position(|m| m.name == name) else {
            let known: Vec<&str> = infos.iter().map(|m| m.name.as_str()).collect();
            return Err(unknown_metric(format!(
                "metric {name:?} is not in the manifest (its metrics are: {})",
                known.join(", ")
            )));
        };
        if v.is_none() {
            continue;
        }
        let Some(info) = infos.get(idx) else {
            continue;
        };
        let slot = reading(&obs, info, &v)?;
        let slot = match slot {
            Reading::Samples(s) => {
                obs.samples.push(s);
                Slot::Samples(obs.samples.len() - 1)
            }
            Reading::Object(v) => Slot::Object(v),
            Reading::External(v) => {
                obs.externals.push(v);
                Slot::External(obs.externals.len() - 1)
            }
            Reading::None => Slot::Unavailable,
        };
        if let Some(s) = obs.values.get_mut(idx) {
            *s = slot;
        }
    }
    Ok(obs)
}

enum Reading {
    Samples(Vec<PodMetric>),
    Object(i64),
    External(Vec<i64>),
    None,
}

fn is_sequence(v: &Bound<'_, PyAny>) -> bool {
    v.is_instance_of::<PyList>()
        || v.is_instance_of::<PyTuple>()
        || (!v.is_instance_of::<PyString>() && v.hasattr("__len__").unwrap_or(false))
}

/// A level: a percentage or quantity string (the core's [`Level`]), or a number of units.
fn level(what: &str, v: &Bound<'_, PyAny>) -> PyResult<Level> {
    if let Ok(s) = v.cast::<PyString>() {
        return s
            .to_cow()?
            .parse()
            .map_err(|e| invalid_input(format!("{what}: {e}")));
    }
    let f: f64 = v.extract().map_err(|_| {
        invalid_input(format!(
            "{what}: expected a number or a quantity string, got {}",
            type_name(v)
        ))
    })?;
    Ok(Level::Quantity(Quantity::from_milli(units_to_milli(
        what, f,
    )?)))
}

/// Whether `v` is a percentage string.
fn is_percent(v: &Bound<'_, PyAny>) -> bool {
    v.cast::<PyString>()
        .is_ok_and(|s| s.to_cow().is_ok_and(|s| s.trim().ends_with('%')))
}

/// The fast path for plain floats and ints (no allocation unless the value is bad).
fn number_milli(v: &Bound<'_, PyAny>, what: impl Fn() -> String) -> Option<PyResult<i64>> {
    let x = if let Ok(f) = v.cast::<PyFloat>() {
        f.value()
    } else if v.is_exact_instance_of::<PyInt>() {
        match v.extract::<i64>() {
            Ok(i) if (0..9_000_000_000_000_000).contains(&i) => return Some(Ok(i * 1000)),
            _ => return None,
        }
    } else {
        return None;
    };
    if x.is_finite() && (0.0..9.0e15).contains(&x) {
        // to the nearest milli-unit; in range, so the cast is exact
        Some(Ok((x * 1000.0).round() as i64))
    } else {
        Some(units_to_milli(&what(), x))
    }
}

/// One value in milli-units; percentages are of `request()` (the core's `Level::milli`).
fn milli(
    what: &str,
    v: &Bound<'_, PyAny>,
    request: Option<&dyn Fn() -> PyResult<i64>>,
) -> PyResult<i64> {
    let l = level(what, v)?;
    let req = match (l, request) {
        (Level::Percent(_), Some(r)) => Some(r()?),
        _ => None,
    };
    l.milli(req)
        .map_err(|e| invalid_input(format!("{what}: {e}")))
}

fn reading(obs: &OwnedObservation, info: &MetricInfo, v: &Bound<'_, PyAny>) -> PyResult<Reading> {
    let name = &info.name;
    match &info.shape {
        Shape::Samples(resource) => {
            let pods = &obs.pods;
            let request_of = |i: usize| -> PyResult<i64> {
                let (res, container) = resource.as_ref().ok_or_else(|| {
                    invalid_input(format!("metric {name}: percentages need a resource metric"))
                })?;
                let pod = pods.get(i).ok_or_else(|| {
                    invalid_input(format!("metric {name}: no pod {i} for a percentage"))
                })?;
                pod_request(pod, res, container, false).map_err(|e| {
                    invalid_input(format!(
                        "metric {name}: a percentage needs the pod's {res} request: {e}"
                    ))
                })
            };
            let one = |i: usize, item: &Bound<'_, PyAny>| -> PyResult<i64> {
                if let Some(r) = number_milli(item, || format!("metrics[{name:?}][{i}]")) {
                    return r;
                }
                let what = format!("metrics[{name:?}][{i}]");
                let req = || request_of(i);
                if resource.is_some() {
                    milli(&what, item, Some(&req))
                } else {
                    milli(&what, item, None)
                }
            };
            let mut samples = Vec::with_capacity(pods.len());
            if is_sequence(v) {
                let n = v.len()?;
                if n != pods.len() {
                    return Err(invalid_input(format!(
                        "metrics[{name:?}]: {n} values for {} pods (give one per pod, None for a pod without a sample, or a single value for all)",
                        pods.len()
                    )));
                }
                for (i, item) in v.try_iter()?.enumerate() {
                    let item = item?;
                    if item.is_none() {
                        continue;
                    }
                    samples.push(PodMetric::new(i, one(i, &item)?, obs.now));
                }
            } else if is_percent(v) {
                // a percentage of each pod's own request
                for i in 0..pods.len() {
                    samples.push(PodMetric::new(i, one(i, v)?, obs.now));
                }
            } else {
                let m = one(0, v)?;
                samples.extend((0..pods.len()).map(|i| PodMetric::new(i, m, obs.now)));
            }
            Ok(Reading::Samples(samples))
        }
        Shape::Object => Ok(Reading::Object(milli(
            &format!("metrics[{name:?}]"),
            v,
            None,
        )?)),
        Shape::External => {
            let what = format!("metrics[{name:?}]");
            if is_sequence(v) {
                let mut out = Vec::new();
                for (i, item) in v.try_iter()?.enumerate() {
                    out.push(milli(&format!("{what}[{i}]"), &item?, None)?);
                }
                Ok(Reading::External(out))
            } else {
                Ok(Reading::External(vec![milli(&what, v, None)?]))
            }
        }
        Shape::Other => Ok(Reading::None),
    }
}
