//! [`Fleet`]: many HPA controllers stepped together from columns of numbers.
//!
//! Item `i` is observed as `replicas[i]` identical running, ready pods (the [`what_if`]
//! convention, [`super::identical_pods`]): the pods are a slice of one shared pod value per
//! container name, and the per-pod samples are written into one scratch buffer reused for every
//! item, so a warm step allocates nothing per item. Column `c` holds metric
//! `metric_names()[c]` in units (cores, bytes, requests/s), or in percent of the request for a
//! Resource/ContainerResource metric with a `Utilization` target.
//!
//! ```
//! use std::collections::BTreeMap;
//! use tidescale::hpa::{self, Column, Controller, Fleet, Settings};
//! use tidescale::Timestamp;
//! let m: hpa::HorizontalPodAutoscaler = serde_json::from_str(r#"{"spec": {
//!     "scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 10,
//!     "metrics": [{"type": "Resource", "resource": {"name": "cpu",
//!         "target": {"type": "Utilization", "averageUtilization": 50}}}]}}"#).unwrap();
//! let ctl = Controller::new(m, Settings::default()).unwrap();
//! let mut fleet = Fleet::new(vec![ctl.clone(), ctl], &hpa::default_requests());
//! assert_eq!(fleet.metric_names(), ["cpu"]);
//! let cpu = [40.0, 100.0]; // percent of each pod's request
//! let step = fleet
//!     .step(Timestamp(0), Column::All(2), &[Some(Column::Each(&cpu))])
//!     .unwrap();
//! assert_eq!(step.desired, [2, 4]);
//! assert_eq!(step.rescale, [false, true]);
//! ```
//!
//! [`what_if`]: super::what_if()

use std::collections::BTreeMap;

use super::{
    Controller, HpaError, MetricSourceType, MetricSpec, MetricValues, Observation, PodInfo,
    PodMetric, PodPhase, Readiness, Reason, RequestError, Scale, default_container,
};
use crate::{Quantity, Timestamp};

/// Pods per item at most.
pub const MAX_FLEET_PODS: i64 = 1_000_000;
/// Readings kept on the stack; an HPA with more metrics allocates its readings.
const INLINE: usize = 8;
/// A metric value that is not given (the metric is unavailable).
const UNAVAILABLE: i64 = -1;
/// How many items ahead [`touch`] reads.
const AHEAD: usize = 6;

/// One value per item, or one value for every item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Column<'a, T> {
    /// `values[i]` is item `i`'s value.
    Each(&'a [T]),
    /// The same value for every item.
    All(T),
}

impl<T: Copy> Column<'_, T> {
    /// Item `i`'s value (`None` past the end of an `Each` column).
    pub fn get(&self, i: usize) -> Option<T> {
        match self {
            Self::Each(v) => v.get(i).copied(),
            Self::All(x) => Some(*x),
        }
    }

    fn check(&self, what: impl Fn() -> String, want: usize) -> Result<(), FleetError> {
        match self {
            Self::Each(v) if v.len() != want => Err(FleetError::Length {
                what: what(),
                got: v.len(),
                want,
            }),
            _ => Ok(()),
        }
    }
}

/// Why a fleet step was refused. Input errors are found before any controller is stepped;
/// [`FleetError::Step`] stops the step at `item` (earlier items have been stepped).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FleetError {
    /// A column that does not have one value per item.
    #[error("{what}: {got} values for {want} items")]
    Length {
        /// `replicas` or `metrics["name"]`.
        what: String,
        /// Values given.
        got: usize,
        /// Items in the fleet.
        want: usize,
    },
    /// A negative replica count.
    #[error("replicas[{item}]: {value} is negative")]
    NegativeReplicas {
        /// The item.
        item: usize,
        /// The count given.
        value: i64,
    },
    /// More than [`MAX_FLEET_PODS`] replicas.
    #[error("replicas[{item}]: {value} is too many")]
    TooManyReplicas {
        /// The item.
        item: usize,
        /// The count given.
        value: i64,
    },
    /// A metric value that is NaN, infinite, negative or too large.
    #[error("metrics[{metric:?}][{item}]: {}", value_problem(*value))]
    Value {
        /// The metric's name.
        metric: String,
        /// The item.
        item: usize,
        /// The value given.
        value: f64,
    },
    /// A percentage of a request the generated pods do not have.
    #[error(
        "metrics[{metric:?}][{item}]: a percentage needs the pod's {resource} request: {error}"
    )]
    Request {
        /// The metric's name.
        metric: String,
        /// The item.
        item: usize,
        /// The resource.
        resource: String,
        /// What the pod lacks.
        error: Box<RequestError>,
    },
    /// Controller `item` refused its observation.
    #[error("items[{item}]: {error}")]
    Step {
        /// The item.
        item: usize,
        /// The controller's error.
        error: Box<HpaError>,
    },
}

fn value_problem(x: f64) -> String {
    if x.is_nan() {
        "NaN is not a valid value".to_owned()
    } else if x.is_infinite() || x < 0.0 {
        format!("{x} is not a finite value >= 0")
    } else {
        format!("{x} is too large")
    }
}

/// What the generated pods of one container name share.
#[derive(Debug, Clone)]
struct Template {
    container: String,
    requests: Vec<(String, i64)>,
    since: Timestamp,
}

impl Template {
    /// `pod_request` for a pod with this one container (no sidecars, no pod-level requests).
    /// Errors name `pod-0`, the first pod, which is where a step with real pods reports them.
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
    /// Per-pod samples; `Some` when the column is a percentage of the request (Utilization
    /// targets): the request, or why the pods have none.
    Samples(Option<Result<i64, (String, RequestError)>>),
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
    ctl: Controller,
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

/// The columnar result of [`Fleet::step`], one entry per item in fleet order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FleetStep {
    /// `desired_replicas` of each decision.
    pub desired: Vec<i32>,
    /// Whether each decision rescales.
    pub rescale: Vec<bool>,
    /// `limited_by` of each decision.
    pub limited_by: Vec<Option<Reason>>,
}

/// Many HPA controllers stepped together from columns of numbers.
#[derive(Debug, Clone)]
pub struct Fleet {
    members: Vec<Member>,
    templates: Vec<Template>,
    values: Vec<i64>,
    samples: Vec<PodMetric>,
    counts: Vec<i32>,
    /// Column index -> metric name, in first-appearance order.
    names: Vec<String>,
    requests: BTreeMap<String, Quantity>,
}

impl Fleet {
    /// A fleet of `controllers` whose generated pods request `requests`
    /// ([`super::default_requests`] is what the what-if questions assume).
    pub fn new(controllers: Vec<Controller>, requests: &BTreeMap<String, Quantity>) -> Self {
        let req_milli: Vec<(String, i64)> = requests
            .iter()
            .map(|(k, q)| (k.clone(), q.milli_value()))
            .collect();
        let mut columns: BTreeMap<String, usize> = BTreeMap::new();
        let mut names: Vec<String> = Vec::new();
        let mut templates: Vec<Template> = Vec::new();
        let mut members = Vec::with_capacity(controllers.len());
        let mut offset = 0;
        for ctl in controllers {
            let container = default_container(ctl.hpa());
            let template = match templates.iter().position(|t| t.container == container) {
                Some(t) => t,
                None => {
                    templates.push(Template {
                        container: container.to_owned(),
                        requests: req_milli.clone(),
                        since: Timestamp(0),
                    });
                    templates.len() - 1
                }
            };
            let tpl = templates.get(template);
            let mut slots = Vec::with_capacity(ctl.hpa().spec.metrics.len());
            for spec in &ctl.hpa().spec.metrics {
                let name = spec.name();
                let column = *columns.entry(name.to_owned()).or_insert_with(|| {
                    names.push(name.to_owned());
                    names.len() - 1
                });
                let kind = match spec.type_ {
                    MetricSourceType::Resource
                    | MetricSourceType::ContainerResource
                    | MetricSourceType::Pods => Kind::Samples(utilization(spec).map(|(r, c)| {
                        tpl.map_or_else(
                            || {
                                Err(RequestError::MissingRequest {
                                    resource: r.to_owned(),
                                    container: c.to_owned(),
                                    pod: "pod-0".to_owned(),
                                })
                            },
                            |t| t.request(r, c),
                        )
                        .map_err(|e| (r.to_owned(), e))
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
        Self {
            members,
            templates,
            values: vec![UNAVAILABLE; offset],
            samples: Vec::new(),
            counts: Vec::new(),
            names,
            requests: requests.clone(),
        }
    }

    /// The number of items.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether the fleet has no items.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Every metric name some item's manifest has: column `c` of [`Fleet::step`] is
    /// `metric_names()[c]`.
    pub fn metric_names(&self) -> &[String] {
        &self.names
    }

    /// The column of metric `name`.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// Item `i`'s controller (its manifest, settings, history and last decision).
    pub fn controller(&self, i: usize) -> Option<&Controller> {
        self.members.get(i).map(|m| &m.ctl)
    }

    /// Every item's controller, in order.
    pub fn controllers(&self) -> impl ExactSizeIterator<Item = &Controller> {
        self.members.iter().map(|m| &m.ctl)
    }

    /// The requests of the generated pods.
    pub fn requests(&self) -> &BTreeMap<String, Quantity> {
        &self.requests
    }

    /// One sync of every item at `now`; `metrics[c]` is column `c` (see
    /// [`Fleet::metric_names`]), `None` (or a missing column) when unavailable.
    pub fn step(
        &mut self,
        now: Timestamp,
        replicas: Column<'_, i64>,
        metrics: &[Option<Column<'_, f64>>],
    ) -> Result<FleetStep, FleetError> {
        let mut out = FleetStep::default();
        self.step_into(now, replicas, metrics, &mut out)?;
        Ok(out)
    }

    /// [`Fleet::step`] into `out` (cleared first), reusing its buffers.
    pub fn step_into(
        &mut self,
        now: Timestamp,
        replicas: Column<'_, i64>,
        metrics: &[Option<Column<'_, f64>>],
        out: &mut FleetStep,
    ) -> Result<(), FleetError> {
        out.desired.clear();
        out.rescale.clear();
        out.limited_by.clear();
        let n = self.members.len();
        replicas.check(|| "replicas".to_owned(), n)?;
        for (c, col) in metrics.iter().enumerate() {
            if let Some(col) = col {
                col.check(|| format!("metrics[{:?}]", self.column_name(c)), n)?;
            }
        }
        // replicas first: counts, and the longest pod slice
        self.counts.clear();
        let mut max_pods = 0usize;
        for i in 0..n {
            let r = replicas.get(i).unwrap_or(0);
            if r < 0 {
                return Err(FleetError::NegativeReplicas { item: i, value: r });
            }
            if r > MAX_FLEET_PODS {
                return Err(FleetError::TooManyReplicas { item: i, value: r });
            }
            // in 0..=MAX_FLEET_PODS: fits i32 and usize
            self.counts.push(r as i32);
            max_pods = max_pods.max(r as usize);
        }
        for (i, m) in self.members.iter().enumerate() {
            let vals = self
                .values
                .get_mut(m.offset..m.offset + m.slots.len())
                .unwrap_or_default();
            convert(i, m, metrics, &self.names, vals)?;
        }
        let since = now.minus_secs(3600);
        for t in &mut self.templates {
            t.since = since;
        }
        let Self {
            members,
            templates,
            values,
            samples,
            counts,
            ..
        } = self;
        let pods: Vec<Vec<FleetPod<'_>>> = templates
            .iter()
            .map(|t| vec![FleetPod(t); max_pods])
            .collect();
        out.desired.reserve(n);
        out.rescale.reserve(n);
        out.limited_by.reserve(n);
        for m in members.iter().take(AHEAD) {
            touch(m);
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
            let d = result.map_err(|error| FleetError::Step {
                item: i,
                error: Box::new(error),
            })?;
            out.desired.push(d.desired_replicas);
            out.rescale.push(d.rescale);
            out.limited_by.push(d.limited_by);
        }
        Ok(())
    }

    fn column_name(&self, c: usize) -> &str {
        self.names.get(c).map_or("?", String::as_str)
    }
}

/// Item `i`'s metric values in milli-units, into `out` (one per slot).
fn convert(
    i: usize,
    m: &Member,
    cols: &[Option<Column<'_, f64>>],
    names: &[String],
    out: &mut [i64],
) -> Result<(), FleetError> {
    for (slot, o) in m.slots.iter().zip(out.iter_mut()) {
        if matches!(slot.kind, Kind::Other) {
            // as `Controller::step`: the value of an invalid metric type is not read
            *o = UNAVAILABLE;
            continue;
        }
        let Some(x) = cols.get(slot.column).and_then(|c| c.as_ref()?.get(i)) else {
            *o = UNAVAILABLE;
            continue;
        };
        let metric = || names.get(slot.column).cloned().unwrap_or_default();
        if !x.is_finite() || x < 0.0 {
            return Err(FleetError::Value {
                metric: metric(),
                item: i,
                value: x,
            });
        }
        // to the nearest milli-unit, as a what-if converts numbers and percentages
        let milli = match &slot.kind {
            Kind::Samples(Some(Ok(request))) => (x * *request as f64 / 100.0).round(),
            Kind::Samples(Some(Err((resource, error)))) => {
                return Err(FleetError::Request {
                    metric: metric(),
                    item: i,
                    resource: resource.clone(),
                    error: Box::new(error.clone()),
                });
            }
            Kind::Samples(None) | Kind::Object | Kind::External | Kind::Other => {
                (x * 1000.0).round()
            }
        };
        if milli >= 9.2e18 {
            return Err(FleetError::Value {
                metric: metric(),
                item: i,
                value: x,
            });
        }
        // finite and in range: the cast is exact for the integral value
        *o = milli as i64;
    }
    Ok(())
}

/// Reads a few bytes of each heap block the core will read when stepping `m`, so that the
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hpa::{HorizontalPodAutoscaler, Settings, WhatIf, default_requests, what_if};

    fn hpa(metrics: &str, max: i32) -> Controller {
        let h: HorizontalPodAutoscaler = serde_json::from_str(&format!(
            r#"{{"metadata": {{"name": "h"}}, "spec": {{"scaleTargetRef": {{"kind": "Deployment", "name": "web"}},
                "minReplicas": 1, "maxReplicas": {max}, "metrics": {metrics}}}}}"#
        ))
        .unwrap();
        Controller::new(h, Settings::default()).unwrap()
    }

    const CPU: &str = r#"[{"type": "Resource", "resource": {"name": "cpu",
        "target": {"type": "Utilization", "averageUtilization": 50}}}]"#;
    const RPS: &str = r#"[{"type": "Pods", "pods": {"metric": {"name": "rps"},
        "target": {"type": "AverageValue", "averageValue": "100"}}},
        {"type": "External", "external": {"metric": {"name": "lag"},
        "target": {"type": "Value", "value": "10"}}}]"#;

    #[test]
    fn fleet_agrees_with_what_if_item_by_item() {
        let ctls = vec![hpa(CPU, 10), hpa(RPS, 50), hpa(CPU, 3)];
        let mut fleet = Fleet::new(ctls.clone(), &default_requests());
        assert_eq!(fleet.metric_names(), ["cpu", "rps", "lag"]);
        assert_eq!(fleet.column("lag"), Some(2));
        let replicas = [3_i64, 4, 2];
        let cpu = [140.0, 0.0, 300.0];
        let rps = [0.0, 250.0, 0.0];
        let cols = [
            Some(Column::Each(&cpu[..])),
            Some(Column::Each(&rps[..])),
            None,
        ];
        let step = fleet
            .step(Timestamp(0), Column::Each(&replicas), &cols)
            .unwrap();
        // the same questions one by one through what_if
        let mut expect = FleetStep::default();
        let levels = [("cpu", "140%"), ("rps", "250"), ("cpu", "300%")];
        for ((mut ctl, (name, level)), r) in ctls.into_iter().zip(levels).zip(replicas) {
            let w = WhatIf::new(r as i32).with_level(name, level.parse().unwrap());
            let d = what_if(&mut ctl, &w).unwrap();
            expect.desired.push(d.desired_replicas);
            expect.rescale.push(d.rescale);
            expect.limited_by.push(d.limited_by);
        }
        assert_eq!(step, expect);
        assert_eq!(step.desired, [6, 8, 3]);
        assert_eq!(step.limited_by[2], Some(Reason::TooManyReplicas));
        // the controllers keep their history
        assert_eq!(
            fleet
                .controller(1)
                .unwrap()
                .last_decision()
                .desired_replicas,
            8
        );
        assert!(fleet.controller(3).is_none());
    }

    #[test]
    fn bad_columns_are_refused_before_any_step() {
        let mut fleet = Fleet::new(vec![hpa(CPU, 10), hpa(CPU, 10)], &default_requests());
        let two = [1.0, 2.0];
        let err = |fleet: &mut Fleet, r: Column<'_, i64>, c: Column<'_, f64>| {
            fleet
                .step(Timestamp(0), r, &[Some(c)])
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err(&mut fleet, Column::Each(&[1, -2]), Column::Each(&two)),
            "replicas[1]: -2 is negative"
        );
        assert_eq!(
            err(&mut fleet, Column::All(2_000_000), Column::Each(&two)),
            "replicas[0]: 2000000 is too many"
        );
        assert_eq!(
            err(&mut fleet, Column::All(1), Column::Each(&[1.0, f64::NAN])),
            "metrics[\"cpu\"][1]: NaN is not a valid value"
        );
        assert_eq!(
            err(&mut fleet, Column::All(1), Column::All(-1.0)),
            "metrics[\"cpu\"][0]: -1 is not a finite value >= 0"
        );
        assert_eq!(
            err(&mut fleet, Column::All(1), Column::Each(&[1.0])),
            "metrics[\"cpu\"]: 1 values for 2 items"
        );
        assert_eq!(fleet.controller(0).unwrap().history().recommendations, None);
        // pods without a cpu request cannot take a percentage
        let mut bare = Fleet::new(vec![hpa(CPU, 10)], &BTreeMap::new());
        assert!(matches!(
            bare.step(Timestamp(0), Column::All(1), &[Some(Column::All(50.0))]),
            Err(FleetError::Request { item: 0, .. })
        ));
        // a missing column is unavailable, not an error
        let s = fleet.step(Timestamp(0), Column::All(3), &[]).unwrap();
        assert_eq!(s.rescale, [false, false]);
        let d = fleet.controller(1).unwrap().last_decision();
        assert_eq!(d.current_replicas, 3);
        assert!(d.error.is_some());
    }

    #[test]
    fn empty_fleet_steps_to_nothing() {
        let mut fleet = Fleet::new(Vec::new(), &default_requests());
        assert!(fleet.is_empty());
        let s = fleet.step(Timestamp(0), Column::Each(&[]), &[]).unwrap();
        assert_eq!(s, FleetStep::default());
    }
}
