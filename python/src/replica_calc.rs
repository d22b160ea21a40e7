//! `replica_calculation`: the replica calculator on its own (one metric, no controller state),
//! for "how many replicas does this usage need" questions.

use std::collections::BTreeMap;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use tidescale::hpa::{Pod, PodMetric, ReadinessTimings, ReplicaCalculator, Tolerances};
use tidescale::{Quantity, Timestamp};

use crate::convert::quantity;
use crate::errors::invalid_input;

/// One metric's proposal for `current_replicas` running, ready pods with the given per-pod
/// `usage` (numbers in the resource's unit, or quantity strings). `target` is either a
/// utilization like `"70%"` (then `requests` gives each pod's request, or one request for all)
/// or a per-pod average value (a number or quantity). Returns a dict with `replicas`, `ratio`,
/// `utilization` (percent, for utilization targets) and `value` (the average usage as a
/// quantity string), exactly as `GetResourceReplicas` / `GetMetricReplicas` compute them.
#[pyfunction]
#[pyo3(signature = (current_replicas, target, usage, requests = None, *, resource = "cpu", tolerance = 0.1))]
pub(crate) fn replica_calculation<'py>(
    py: Python<'py>,
    current_replicas: i32,
    target: &Bound<'py, PyAny>,
    usage: &Bound<'py, PyAny>,
    requests: Option<&Bound<'py, PyAny>>,
    resource: &str,
    tolerance: f64,
) -> PyResult<Bound<'py, PyDict>> {
    if current_replicas < 0 {
        return Err(invalid_input(format!(
            "current_replicas: {current_replicas} must be >= 0"
        )));
    }
    if !tolerance.is_finite() || tolerance < 0.0 {
        return Err(invalid_input(format!(
            "tolerance: {tolerance} must be a finite number >= 0"
        )));
    }
    let usage: Vec<Quantity> = usage
        .try_iter()
        .map_err(|_| invalid_input("usage: expected a sequence of per-pod values"))?
        .enumerate()
        .map(|(i, v)| quantity(&format!("usage[{i}]"), &v?))
        .collect::<PyResult<_>>()?;
    let n = usage.len();
    let percent = match target.cast::<PyString>() {
        Ok(s) => s
            .to_cow()?
            .trim()
            .strip_suffix('%')
            .map(|p| {
                p.trim()
                    .parse::<i32>()
                    .ok()
                    .filter(|p| *p > 0)
                    .ok_or_else(|| invalid_input(format!("target: {p:?}% is not a percent > 0")))
            })
            .transpose()?,
        Err(_) => None,
    };
    let request_of = |i: usize| -> PyResult<Option<Quantity>> {
        let Some(r) = requests.filter(|r| !r.is_none()) else {
            return Ok(None);
        };
        if r.is_instance_of::<PyString>() || r.extract::<f64>().is_ok() {
            return quantity("requests", r).map(Some);
        }
        let item = r
            .get_item(i)
            .map_err(|_| invalid_input(format!("requests: no request for pod {i}")))?;
        quantity(&format!("requests[{i}]"), &item).map(Some)
    };
    let mut pods = Vec::with_capacity(n);
    for i in 0..n {
        let mut req = BTreeMap::new();
        if let Some(q) = request_of(i)? {
            req.insert(resource.to_owned(), q);
        }
        pods.push(Pod::ready_since(
            &format!("pod-{i}"),
            "app",
            req,
            Timestamp::from_secs(-3600),
        ));
    }
    let samples: Vec<PodMetric> = usage
        .iter()
        .enumerate()
        .map(|(i, q)| PodMetric::new(i, q.milli_value(), Timestamp(0)))
        .collect();
    let calc = ReplicaCalculator {
        tolerances: Tolerances::symmetric(tolerance),
        timings: ReadinessTimings::default(),
        pod_level_resources: false,
        now: Timestamp(0),
    };
    let result = match percent {
        Some(p) => calc.resource_replicas(current_replicas, p, resource, "", &pods, &samples),
        None => {
            let t = quantity("target", target)?;
            calc.plain_replicas(current_replicas, t.milli_value(), resource, &pods, &samples)
        }
    };
    let p = result.map_err(|e| invalid_input(e.0))?;
    let out = PyDict::new(py);
    out.set_item("replicas", p.replicas)?;
    out.set_item("ratio", p.ratio)?;
    out.set_item("utilization", p.utilization)?;
    out.set_item("value", Quantity::from_milli(p.value_milli).to_string())?;
    Ok(out)
}
