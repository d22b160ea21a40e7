//! Read-only views of a decision: `Decision`, `Condition`, `MetricResult`.

use pyo3::prelude::*;
use pyo3::types::PyList;
use tidescale::hpa::{Condition as CoreCondition, Decision as CoreDecision, MetricOutcome};

use crate::convert::from_json;

/// A string as Python's `repr` writes it (single quotes).
fn py_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// One HPA status condition (`AbleToScale`, `ScalingActive`, `ScalingLimited`, ...).
#[pyclass(frozen, eq, hash, module = "tidescale.hpa", name = "Condition")]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Condition {
    /// The condition type.
    #[pyo3(get, name = "type")]
    type_: String,
    /// `"True"`, `"False"` or `"Unknown"`.
    #[pyo3(get)]
    status: String,
    /// The Kubernetes reason (`ScaleDownStabilized`, `TooManyReplicas`, ...).
    #[pyo3(get)]
    reason: String,
    /// The controller's message.
    #[pyo3(get)]
    message: String,
}

impl From<&CoreCondition> for Condition {
    fn from(c: &CoreCondition) -> Self {
        Self {
            type_: c.type_.as_str().to_owned(),
            status: c.status.as_str().to_owned(),
            reason: c.reason.as_str().to_owned(),
            message: c.message.to_string(),
        }
    }
}

#[pymethods]
impl Condition {
    fn __repr__(&self) -> String {
        format!(
            "Condition(type={}, status={}, reason={}, message={})",
            py_str(&self.type_),
            py_str(&self.status),
            py_str(&self.reason),
            py_str(&self.message)
        )
    }

    /// `(type, status, reason, message)`.
    fn astuple(&self) -> (String, String, String, String) {
        (
            self.type_.clone(),
            self.status.clone(),
            self.reason.clone(),
            self.message.clone(),
        )
    }
}

/// What one metric of the HPA proposed (or why it could not).
#[pyclass(frozen, eq, module = "tidescale.hpa", name = "MetricResult")]
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MetricResult {
    /// The metric's name as in the manifest.
    #[pyo3(get)]
    name: String,
    /// Its source type (`Resource`, `Pods`, `Object`, `External`, `ContainerResource`).
    #[pyo3(get, name = "type")]
    type_: String,
    /// Whether this metric's proposal won (the largest).
    #[pyo3(get)]
    chosen: bool,
    /// Proposed replicas.
    #[pyo3(get)]
    replicas: Option<i32>,
    /// Usage ratio (usage / target).
    #[pyo3(get)]
    ratio: Option<f64>,
    /// Utilization percent (Utilization targets).
    #[pyo3(get)]
    utilization: Option<i32>,
    /// The average (or total) value, in the metric's unit.
    #[pyo3(get)]
    value: Option<f64>,
    /// Failure reason (`FailedGetResourceMetric`, ...).
    #[pyo3(get)]
    reason: Option<String>,
    /// Failure message.
    #[pyo3(get)]
    message: Option<String>,
}

impl MetricResult {
    fn new(m: &MetricOutcome, chosen: bool) -> Self {
        let (replicas, ratio, utilization, value, reason, message) = match &m.result {
            Ok(p) => (
                Some(p.replicas),
                Some(p.ratio),
                p.utilization,
                Some(p.value_milli as f64 / 1000.0),
                None,
                None,
            ),
            Err(e) => (
                None,
                None,
                None,
                None,
                Some(e.reason.as_str().to_owned()),
                Some(e.message.clone()),
            ),
        };
        Self {
            name: m.name.to_string(),
            type_: m.source.as_str().to_owned(),
            chosen,
            replicas,
            ratio,
            utilization,
            value,
            reason,
            message,
        }
    }
}

#[pymethods]
impl MetricResult {
    /// True when the metric gave a proposal.
    #[getter]
    fn ok(&self) -> bool {
        self.replicas.is_some()
    }

    fn __repr__(&self) -> String {
        match (self.replicas, self.ratio) {
            (Some(r), Some(x)) => format!(
                "MetricResult({} {}: ratio {x:.3} -> {r} replicas{})",
                self.type_,
                py_str(&self.name),
                if self.chosen { ", chosen" } else { "" }
            ),
            _ => format!(
                "MetricResult({} {}: {} ({}))",
                self.type_,
                py_str(&self.name),
                self.message.as_deref().unwrap_or(""),
                self.reason.as_deref().unwrap_or("")
            ),
        }
    }
}

/// The result of one controller sync: how many replicas, and why.
#[pyclass(frozen, eq, module = "tidescale.hpa", name = "Decision")]
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Decision {
    pub(crate) d: CoreDecision,
}

#[pymethods]
impl Decision {
    /// `status.desiredReplicas` after the sync.
    #[getter]
    fn desired_replicas(&self) -> i32 {
        self.d.desired_replicas
    }

    /// `scale.spec.replicas` at the sync.
    #[getter]
    fn current_replicas(&self) -> i32 {
        self.d.current_replicas
    }

    /// Whether the target should be scaled to `desired_replicas`.
    #[getter]
    fn rescale(&self) -> bool {
        self.d.rescale
    }

    /// The `ScalingLimited` reason when a bound or a policy changed the count.
    #[getter]
    fn limited_by(&self) -> Option<&'static str> {
        self.d.limited_by.map(|r| r.as_str())
    }

    /// The combined metric proposal, before stabilization and limits.
    #[getter]
    fn proposed_replicas(&self) -> Option<i32> {
        self.d.proposed_replicas
    }

    /// The proposal after the stabilization window.
    #[getter]
    fn stabilized_replicas(&self) -> Option<i32> {
        self.d.stabilized_replicas
    }

    /// Why the target is rescaled, in the controller's words.
    #[getter]
    fn rescale_reason(&self) -> Option<String> {
        (!self.d.rescale_reason.is_empty()).then(|| self.d.rescale_reason.to_string())
    }

    /// The error the sync reports (a metric that failed), if any.
    #[getter]
    fn error(&self) -> Option<String> {
        self.d.error.clone()
    }

    /// The name of the metric whose proposal won.
    #[getter]
    fn chosen_metric(&self) -> Option<String> {
        self.d
            .chosen_metric
            .and_then(|i| self.d.metrics.get(i))
            .map(|m| m.name.to_string())
    }

    /// The status conditions after the sync, in Kubernetes order.
    #[getter]
    fn conditions(&self) -> Vec<Condition> {
        self.d.conditions.iter().map(Condition::from).collect()
    }

    /// The condition of one type (`"AbleToScale"`, ...), if set.
    fn condition(&self, type_: &str) -> Option<Condition> {
        self.d
            .conditions
            .iter()
            .find(|c| c.type_.as_str() == type_)
            .map(Condition::from)
    }

    /// One entry per metric of the manifest, in order.
    #[getter]
    fn metrics(&self) -> Vec<MetricResult> {
        self.d
            .metrics
            .iter()
            .enumerate()
            .map(|(i, m)| MetricResult::new(m, Some(i) == self.d.chosen_metric))
            .collect()
    }

    /// The reasons behind the decision, one sentence each.
    #[getter]
    fn reasons(&self) -> Vec<String> {
        self.d.reasons()
    }

    /// `"scale up from 3 to 6 replicas"`, `"stay at 5 replicas"`, ...
    #[getter]
    fn headline(&self) -> String {
        self.d.headline()
    }

    /// The headline and the reasons as one paragraph.
    #[getter]
    fn explanation(&self) -> String {
        let reasons = self.d.reasons();
        if reasons.is_empty() {
            self.d.headline()
        } else {
            format!("{}: {}", self.d.headline(), reasons.join("; "))
        }
    }

    /// The decision as a JSON-able dict (camelCase, the CLI's `-o json` document).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        from_json(py, &self.d.to_json())
    }

    fn __repr__(&self) -> String {
        format!("<Decision: {}>", self.explanation())
    }
}

/// Wraps decisions into a Python list.
pub(crate) fn decision_list<'py>(
    py: Python<'py>,
    ds: Vec<CoreDecision>,
) -> PyResult<Bound<'py, PyList>> {
    let items: Vec<Py<Decision>> = ds
        .into_iter()
        .map(|d| Py::new(py, Decision { d }))
        .collect::<PyResult<_>>()?;
    PyList::new(py, items)
}
