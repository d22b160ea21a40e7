//! `Fleet`: N HPA controllers stepped together from columns of numbers.
//!
//! Item `i` is observed as `replicas[i]` identical running, ready pods (the `what_if`
//! convention): the pods are a slice of one shared [`FleetPod`] value per container name, and
//! the per-pod samples are written into one scratch buffer reused for every item, so a warm
//! step allocates nothing per item. The whole loop runs without the GIL.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyTuple, PyType};
use tidescale::hpa::{
    Controller as CoreController, MetricSourceType, MetricSpec, MetricValues, Observation, PodInfo,
    PodMetric, PodPhase, Readiness, Reason, RequestError, Scale,
};
use tidescale::{Quantity, Timestamp};

use crate::columns::{Column, floats, ints};
use crate::controller::{Controller, State, manifest_from_py, settings_from_py, to_py};
use crate::convert::seconds;
use crate::decision::Decision;
use crate::errors::{hpa_error, invalid_input, unknown_metric};
use crate::observation::{default_container, default_requests, metric_infos, requests};

/// Pods per item at most (as `Controller.step`'s `pods=int`).
const MAX_PODS: i64 = 1_000_000;
/// Readings kept on the stack; an HPA with more metrics allocates its readings.
const INLINE: usize = 8;
/// A metric value that is not given (the metric is unavailable).
const UNAVAILABLE: i64 = -1;

/// What the generated pods of one container name share.
#[derive(Debug, Clone)]
struct Template {
    container: String,
    requests: Vec<(String, i64)>,
    since: Timestamp,
}

impl Template {
    /// `pod_request` for a pod with this one container (no sidecars, no pod-level requests).
    /// Errors name `pod-0`, the first pod, which is where `Controller.step` reports them.
    fn request(&self, resource: &str, container: &str) -> Result<i64, RequestError> {
        if !container.is_empty() && container != self.container {
            return Err(RequestError::ContainerNotFound {
                container: container.to_owned(),
                pod: "pod-0".to_owned(),
            });
        }
        self.requests
            .iter()
            .find_map(|(k, q)| (k == resource).then_some(*q))
            .ok_or_else(|| RequestError::MissingRequest {
                resource: resource.to_owned(),
                container: self.container.clone(),
                pod: "pod-0".to_owned(),
            })
    }
}

/// One of `replicas[i]` identical pods: running and ready since an hour before `now`.
#[derive(Debug, Clone, Copy)]
struct FleetPod<'a>(&'a Template);

impl PodInfo for FleetPod<'_> {
    fn name(&self) -> &str {
        "pod-0"
    }
    fn phase(&self) -> PodPhase {
        PodPhase::Running
    }
    fn deleted(&self) -> bool {
        false
    }
    fn start_time(&self) -> Option<Timestamp> {
        Some(self.0.since)
    }
    fn readiness(&self) -> Option<Readiness> {
        Some(Readiness {
            ready: true,
            last_transition: self.0.since,
        })
    }
    fn request(&self, resource: &str, container: &str, _: bool) -> Result<i64, RequestError> {
        self.0.request(resource, container)
    }
}

/// How one `spec.metrics` entry reads its column.
#[derive(Debug, Clone)]
enum Kind {
    /// Per-pod samples; `Some(request)` when the column is a percentage of the request
    /// (Utilization targets), `Err` when the pods have no such request.
    Samples(Option<Result<i64, String>>),
    Object,
    External,
    /// A metric type the controller reports as invalid: the value is ignored.
    Other,
}

#[derive(Debug, Clone)]
struct Slot {
    column: usize,
    kind: Kind,
}

#[derive(Debug, Clone)]
struct Member {
    ctl: CoreController,
    template: usize,
    slots: Vec<Slot>,
    /// Offset of this member's values in the fleet's value buffer.
    offset: usize,
}

/// Whether the column of a Resource/ContainerResource metric is a percentage: the controller
/// uses the `Utilization` target only when no `averageValue` is set.
fn utilization(m: &MetricSpec) -> Option<(&str, &str)> {
    let (name, container, target) = match m.type_ {
        MetricSourceType::Resource => m.resource.as_ref().map(|r| (&r.name, "", &r.target))?,
        MetricSourceType::ContainerResource => m
            .container_resource
            .as_ref()
            .map(|r| (&r.name, r.container.as_str(), &r.target))?,
        _ => return None,
    };
    (target.average_value.is_none() && target.average_utilization.is_some())
        .then_some((name.as_str(), container))
}

/// The mutable part: controllers, templates and scratch buffers.
#[derive(Debug)]
struct Inner {
    members: Vec<Member>,
    templates: Vec<Template>,
    values: Vec<i64>,
    samples: Vec<PodMetric>,
}

/// Many HPA controllers stepped together from columns of numbers.
#[pyclass(frozen, subclass, module = "tidescale._native", name = "Fleet")]
#[derive(Debug)]
pub(crate) struct Fleet {
    inner: Mutex<Inner>,
    /// Metric name -> column index (every name some member's manifest has).
    columns: BTreeMap<String, usize>,
    /// Column index -> name, in first-appearance order.
    names: Vec<String>,
    requests: BTreeMap<String, Quantity>,
    len: usize,
}

impl Fleet {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // the core does not panic; a poisoned lock still holds valid controllers
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn member_state(&self, i: usize) -> PyResult<CoreController> {
        let inner = self.lock();
        inner
            .members
            .get(i)
            .map(|m| m.ctl.clone())
            .ok_or_else(|| pyo3::exceptions::PyIndexError::new_err("fleet index out of range"))
    }

    fn index(&self, i: isize) -> PyResult<usize> {
        let n = self.len as isize;
        let j = if i < 0 { i + n } else { i };
        if (0..n).contains(&j) {
            Ok(j as usize)
        } else {
            Err(pyo3::exceptions::PyIndexError::new_err(
                "fleet index out of range",
            ))
        }
    }
}

/// A failure found while stepping (raised after the GIL is back).
enum StepError {
    Input(String),
    Core(usize, tidescale::hpa::HpaError),
}

/// Item `i`'s metric values in milli-units, into `out` (one per slot); checks everything
/// before any controller is stepped.
fn convert(
    i: usize,
    m: &Member,
    cols: &[Option<Column<f64>>],
    names: &[String],
    out: &mut [i64],
) -> Result<(), String> {
    for (slot, o) in m.slots.iter().zip(out.iter_mut()) {
        if matches!(slot.kind, Kind::Other) {
            // as `Controller.step`: the value of an invalid metric type is not read
            *o = UNAVAILABLE;
            continue;
        }
        let Some(x) = cols.get(slot.column).and_then(|c| c.as_ref()?.get(i)) else {
            *o = UNAVAILABLE;
            continue;
        };
        let what = || {
            let name = names.get(slot.column).map_or("?", String::as_str);
            format!("metrics[{name:?}][{i}]")
        };
        if x.is_nan() {
            return Err(format!("{}: NaN is not a valid value", what()));
        }
        if x.is_infinite() || x < 0.0 {
            return Err(format!("{}: {x} is not a finite value >= 0", what()));
        }
        // to the nearest milli-unit, as `Controller.step` converts numbers and percentages
        let milli = match &slot.kind {
            Kind::Samples(Some(Ok(request))) => (x * *request as f64 / 100.0).round(),
            Kind::Samples(Some(Err(e))) => return Err(format!("{}: {e}", what())),
            Kind::Samples(None) | Kind::Object | Kind::External | Kind::Other => {
                (x * 1000.0).round()
            }
        };
        if milli >= 9.2e18 {
            return Err(format!("{}: {x} is too large", what()));
        }
        // finite and in range: the cast is exact for the integral value
        *o = milli as i64;
    }
    Ok(())
}

struct StepOut {
    desired: Vec<i32>,
    rescale: Vec<u8>,
    limited: Vec<u8>,
}

/// `limited_by` as a small code (see `tidescale.hpa.LIMITED_BY`).
fn limited_code(r: Option<Reason>) -> u8 {
    match r {
        None => 0,
        Some(Reason::TooFewReplicas) => 1,
        Some(Reason::TooManyReplicas) => 2,
        Some(Reason::ScaleUpLimit) => 3,
        Some(Reason::ScaleDownLimit) => 4,
        Some(_) => 5,
    }
}

/// How many items ahead [`touch`] reads.
const AHEAD: usize = 6;

/// Reads a few bytes of each heap block the core will read when stepping `ctl`, so that the
/// cache misses of item `i + AHEAD` overlap the work on item `i` (a fleet's controllers do not
/// fit in the cache; without this, most of a step is spent waiting for memory).
fn touch(m: &Member) {
    use std::hint::black_box;
    black_box(m.slots.first().map(|s| s.column));
    let ctl = &m.ctl;
    for m in &ctl.hpa().spec.metrics {
        black_box(m.type_);
        if let Some(r) = &m.resource {
            black_box((r.name.as_bytes().first().copied(), r.target.average_value));
        }
        if let Some(p) = &m.pods {
            black_box(p.target.average_value);
        }
    }
    black_box(
        ctl.history()
            .recommendations
            .as_ref()
            .and_then(|r| r.first().map(|r| r.replicas)),
    );
    let d = ctl.last_decision();
    for m in &d.metrics {
        black_box(m.name.len());
    }
    black_box(d.conditions.first().map(|c| c.type_));
    black_box(d.rescale_reason.as_bytes().first().copied());
}

/// Slot reading: the next `np` samples, the value, or unavailable.
fn reading<'a>(
    kind: &Kind,
    v: &'a i64,
    samples: &'a [PodMetric],
    start: &mut usize,
    np: usize,
) -> MetricValues<'a> {
    if *v == UNAVAILABLE {
        return MetricValues::Unavailable;
    }
    match kind {
        Kind::Samples(_) => {
            let s = samples.get(*start..*start + np).unwrap_or_default();
            *start += np;
            MetricValues::Pods(s)
        }
        Kind::Object => MetricValues::Object(*v),
        Kind::External => MetricValues::External(std::slice::from_ref(v)),
        Kind::Other => MetricValues::Unavailable,
    }
}

/// The loop: converts every item's values, then steps every controller.
fn run(
    inner: &mut Inner,
    now: Timestamp,
    replicas: &Column<i64>,
    cols: &[Option<Column<f64>>],
    names: &[String],
) -> Result<StepOut, StepError> {
    let Inner {
        members,
        templates,
        values,
        samples,
    } = inner;
    let n = members.len();
    // replicas first: counts, and the longest pod slice
    let mut counts = Vec::with_capacity(n);
    let mut max_pods = 0usize;
    for i in 0..n {
        let r = replicas.get(i).unwrap_or(0);
        if r < 0 {
            return Err(StepError::Input(format!("replicas[{i}]: {r} is negative")));
        }
        if r > MAX_PODS {
            return Err(StepError::Input(format!("replicas[{i}]: {r} is too many")));
        }
        // in 0..=MAX_PODS: fits i32 and usize
        counts.push(r as i32);
        max_pods = max_pods.max(r as usize);
    }
    for (i, m) in members.iter().enumerate() {
        let out = values
            .get_mut(m.offset..m.offset + m.slots.len())
            .unwrap_or_default();
        convert(i, m, cols, names, out).map_err(StepError::Input)?;
    }
    let since = now.minus_secs(3600);
    for t in templates.iter_mut() {
        t.since = since;
    }
    let pods: Vec<Vec<FleetPod<'_>>> = templates
        .iter()
        .map(|t| vec![FleetPod(t); max_pods])
        .collect();
    let mut out = StepOut {
        desired: Vec::with_capacity(n),
        rescale: Vec::with_capacity(n),
        limited: Vec::with_capacity(n),
    };
    for i in 0..AHEAD.min(n) {
        if let Some(m) = members.get(i) {
            touch(m);
        }
    }
    for (i, &count) in counts.iter().enumerate() {
        if let Some(next) = members.get(i + AHEAD) {
            touch(next);
        }
        let Some(m) = members.get_mut(i) else {
            break;
        };
        let k = m.slots.len();
        let vals = values.get(m.offset..m.offset + k).unwrap_or_default();
        let np = count.unsigned_abs() as usize;
        samples.clear();
        for (slot, &v) in m.slots.iter().zip(vals) {
            if v != UNAVAILABLE && matches!(slot.kind, Kind::Samples(_)) {
                samples.extend((0..np).map(|j| PodMetric::new(j, v, now)));
            }
        }
        let pods = pods
            .get(m.template)
            .and_then(|p| p.get(..np))
            .unwrap_or_default();
        let mut start = 0usize;
        let samples: &[PodMetric] = samples;
        let scale = Scale {
            spec_replicas: count,
            status_replicas: count,
        };
        let result = if k <= INLINE {
            let mut arr = [MetricValues::Unavailable; INLINE];
            for ((a, slot), v) in arr.iter_mut().zip(&m.slots).zip(vals) {
                *a = reading(&slot.kind, v, samples, &mut start, np);
            }
            let metrics = arr.get(..k).unwrap_or_default();
            m.ctl.step(
                now,
                &Observation {
                    scale,
                    pods,
                    metrics,
                },
            )
        } else {
            let metrics: Vec<MetricValues<'_>> = m
                .slots
                .iter()
                .zip(vals)
                .map(|(s, v)| reading(&s.kind, v, samples, &mut start, np))
                .collect();
            m.ctl.step(
                now,
                &Observation {
                    scale,
                    pods,
                    metrics: &metrics,
                },
            )
        };
        let d = result.map_err(|e| StepError::Core(i, e))?;
        out.desired.push(d.desired_replicas);
        out.rescale.push(u8::from(d.rescale));
        out.limited.push(limited_code(d.limited_by));
    }
    Ok(out)
}

/// Prefixes a `ValueError`-family error with `items[i]: `.
fn at_item(py: Python<'_>, i: usize, e: PyErr) -> PyErr {
    if !e.is_instance_of::<pyo3::exceptions::PyValueError>(py) {
        return e;
    }
    let msg = e.value(py).str().map(|s| s.to_string()).unwrap_or_default();
    e.get_type(py)
        .call1((format!("items[{i}]: {msg}"),))
        .map_or(e, PyErr::from_value)
}

#[pymethods]
impl Fleet {
    #[new]
    #[pyo3(signature = (items, settings = None, requests = None))]
    fn new(
        items: &Bound<'_, PyAny>,
        settings: Option<&Bound<'_, PyAny>>,
        requests: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let py = items.py();
        let settings = settings_from_py(settings, None)?;
        let reqs = match requests.filter(|r| !r.is_none()) {
            Some(r) => self::requests(r)?,
            None => default_requests(),
        };
        let req_milli: Vec<(String, i64)> = reqs
            .iter()
            .map(|(k, q)| (k.clone(), q.milli_value()))
            .collect();
        let mut ctls: Vec<CoreController> = Vec::new();
        // the same manifest object repeated is read once
        let mut last: Option<Bound<'_, PyAny>> = None;
        for (i, item) in items.try_iter()?.enumerate() {
            let item = item?;
            if let (Some(prev), Some(c)) = (&last, ctls.last())
                && prev.is(&item)
            {
                ctls.push(c.clone());
                continue;
            }
            let ctl = if let Ok(c) = item.cast::<Controller>() {
                c.get().lock().ctl.clone()
            } else {
                let hpa = manifest_from_py(&item, None).map_err(|e| at_item(py, i, e))?;
                CoreController::new(hpa, settings).map_err(|e| at_item(py, i, hpa_error(e)))?
            };
            ctls.push(ctl);
            last = Some(item);
        }
        let mut columns: BTreeMap<String, usize> = BTreeMap::new();
        let mut names: Vec<String> = Vec::new();
        let mut templates: Vec<Template> = Vec::new();
        let mut members = Vec::with_capacity(ctls.len());
        let mut offset = 0;
        for ctl in ctls {
            let infos = metric_infos(ctl.hpa());
            let container = default_container(&infos);
            let template = match templates.iter().position(|t| t.container == container) {
                Some(t) => t,
                None => {
                    templates.push(Template {
                        container,
                        requests: req_milli.clone(),
                        since: Timestamp(0),
                    });
                    templates.len() - 1
                }
            };
            let tpl = templates.get(template).cloned();
            let mut slots = Vec::with_capacity(infos.len());
            for (info, spec) in infos.iter().zip(&ctl.hpa().spec.metrics) {
                let column = *columns.entry(info.name.clone()).or_insert_with(|| {
                    names.push(info.name.clone());
                    names.len() - 1
                });
                let kind = match spec.type_ {
                    MetricSourceType::Resource
                    | MetricSourceType::ContainerResource
                    | MetricSourceType::Pods => Kind::Samples(utilization(spec).map(|(r, c)| {
                        tpl.as_ref()
                            .ok_or_else(|| "no pod template".to_owned())?
                            .request(r, c)
                            .map_err(|e| format!("a percentage needs the pod's {r} request: {e}"))
                    })),
                    MetricSourceType::Object => Kind::Object,
                    MetricSourceType::External => Kind::External,
                    MetricSourceType::Unknown => Kind::Other,
                };
                slots.push(Slot { column, kind });
            }
            let k = slots.len();
            members.push(Member {
                ctl,
                template,
                slots,
                offset,
            });
            offset += k;
        }
        let len = members.len();
        Ok(Self {
            inner: Mutex::new(Inner {
                members,
                templates,
                values: vec![UNAVAILABLE; offset],
                samples: Vec::new(),
            }),
            columns,
            names,
            requests: reqs,
            len,
        })
    }

    /// One sync of every HPA at `now`; returns `(desired, rescale, limited_by)` as bytes of
    /// native `int32`, `int8` and `uint8` (the Python layer wraps them in `array.array`).
    #[pyo3(signature = (now, replicas, metrics = None))]
    fn step<'py>(
        &self,
        py: Python<'py>,
        now: f64,
        replicas: &Bound<'py, PyAny>,
        metrics: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let now = seconds("now", now)?;
        let n = self.len;
        let replicas = ints("replicas", replicas, n)?;
        let mut cols: Vec<Option<Column<f64>>> = vec![None; self.names.len()];
        if let Some(metrics) = metrics.filter(|m| !m.is_none()) {
            let metrics = metrics
                .cast::<PyDict>()
                .map_err(|_| invalid_input("metrics must be a dict keyed by the metric names"))?;
            for (k, v) in metrics.iter() {
                let name: String = k
                    .extract()
                    .map_err(|_| invalid_input("metrics keys must be metric names (str)"))?;
                let Some(&c) = self.columns.get(&name) else {
                    return Err(unknown_metric(format!(
                        "metric {name:?} is in no manifest of the fleet (its metrics are: {})",
                        self.names.join(", ")
                    )));
                };
                if v.is_none() {
                    continue;
                }
                let col = floats(&format!("metrics[{name:?}]"), &v, n)?;
                if let Some(slot) = cols.get_mut(c) {
                    *slot = Some(col);
                }
            }
        }
        let names = &self.names;
        let result = py.detach(|| {
            let mut inner = self.lock();
            run(&mut inner, now, &replicas, &cols, names)
        });
        let out = match result {
            Ok(out) => out,
            Err(StepError::Input(m)) => return Err(invalid_input(m)),
            Err(StepError::Core(i, e)) => return Err(at_item(py, i, hpa_error(e))),
        };
        let desired: Vec<u8> = out.desired.iter().flat_map(|d| d.to_ne_bytes()).collect();
        PyTuple::new(
            py,
            [
                PyBytes::new(py, &desired),
                PyBytes::new(py, &out.rescale),
                PyBytes::new(py, &out.limited),
            ],
        )
    }

    fn __len__(&self) -> usize {
        self.len
    }

    /// The metric names the fleet's manifests use (the keys `step` accepts).
    #[getter]
    fn metric_names(&self) -> Vec<String> {
        self.names.clone()
    }

    /// `metadata.name` of every HPA, in order.
    #[getter]
    fn names(&self) -> Vec<Option<String>> {
        self.lock()
            .members
            .iter()
            .map(|m| m.ctl.hpa().metadata.name.clone())
            .collect()
    }

    /// The last decision of HPA `i` (`None` before the first step).
    fn decision(&self, i: isize) -> PyResult<Option<Decision>> {
        let ctl = self.member_state(self.index(i)?)?;
        Ok(ctl.history().recommendations.is_some().then(|| Decision {
            d: ctl.last_decision().clone(),
        }))
    }

    /// A `Controller` with HPA `i`'s manifest, settings and history (a copy).
    fn controller(&self, i: isize) -> PyResult<Controller> {
        let ctl = self.member_state(self.index(i)?)?;
        Ok(Controller::from_state(State::from_core(ctl)))
    }

    /// Pickle support: the fleet is rebuilt from its controllers (with their histories).
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let me = slf.get();
        let ctls: Vec<CoreController> = me.lock().members.iter().map(|m| m.ctl.clone()).collect();
        let list = PyList::empty(py);
        for c in ctls {
            list.append(Controller::from_state(State::from_core(c)))?;
        }
        let cls: Bound<'py, PyType> = slf.get_type();
        let args = PyTuple::new(
            py,
            [
                list.into_any(),
                py.None().into_bound(py),
                to_py(py, &me.requests)?,
            ],
        )?;
        PyTuple::new(py, [cls.into_any(), args.into_any()])
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let cls = slf.get_type().qualname()?;
        let me = slf.get();
        Ok(format!(
            "<{cls} of {} HPAs on {}>",
            me.len,
            me.names.join(", ")
        ))
    }
}
