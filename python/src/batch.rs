//! `evaluate_batch`: many HPAs in one call, the controller math outside the GIL.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::controller::{Controller, State, manifest_from_py, settings_from_py};
use crate::decision::decision_list;
use crate::errors::{hpa_error, invalid_input};
use crate::observation::{OwnedObservation, StepArgs, build};

/// Where an item's controller lives.
enum Target<'a> {
    /// A `Controller` object: stepped in place (its history advances).
    Shared(&'a Controller),
    /// A manifest: a fresh controller, stepped once.
    Owned(Box<State>),
}

fn observation_args<'a, 'py>(i: usize, obs: &'a Bound<'py, PyDict>) -> PyResult<StepArgs<'a, 'py>> {
    let get = |k: &str| -> PyResult<Option<Bound<'py, PyAny>>> {
        Ok(obs.get_item(k)?.filter(|v| !v.is_none()))
    };
    for k in obs.keys() {
        let k: String = k.extract()?;
        if !matches!(
            k.as_str(),
            "now" | "replicas" | "status_replicas" | "pods" | "metrics" | "requests"
        ) {
            return Err(invalid_input(format!(
                "items[{i}]: unknown observation key {k:?} (expected now, replicas, status_replicas, pods, metrics, requests)"
            )));
        }
    }
    let now: f64 = match get("now")? {
        Some(v) => v.extract()?,
        None => 0.0,
    };
    let replicas: i64 = get("replicas")?
        .ok_or_else(|| invalid_input(format!("items[{i}]: observation needs \"replicas\"")))?
        .extract()?;
    let status_replicas: Option<i64> = get("status_replicas")?.map(|v| v.extract()).transpose()?;
    // pods, metrics and requests are borrowed by the caller, who keeps them alive
    Ok(StepArgs {
        now,
        replicas,
        status_replicas,
        pods: None,
        metrics: None,
        requests: None,
    })
}

/// Evaluates `items`, each `(controller_or_manifest, observation)`; see the Python docs.
#[pyfunction]
#[pyo3(signature = (items, *, settings = None))]
pub(crate) fn evaluate_batch<'py>(
    py: Python<'py>,
    items: &Bound<'py, PyAny>,
    settings: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyList>> {
    let settings = settings_from_py(settings, None)?;
    let mut targets: Vec<Target<'_>> = Vec::new();
    let mut observations: Vec<OwnedObservation> = Vec::new();
    // first pass: keep the Python objects alive
    let mut pairs: Vec<(Bound<'py, PyAny>, Bound<'py, PyDict>)> = Vec::new();
    for (i, item) in items.try_iter()?.enumerate() {
        let item = item?;
        let (target, obs): (Bound<'py, PyAny>, Bound<'py, PyAny>) =
            item.extract().map_err(|_| {
                invalid_input(format!(
                    "items[{i}]: expected a (controller or manifest, observation dict) pair"
                ))
            })?;
        let obs = obs
            .cast_into::<PyDict>()
            .map_err(|_| invalid_input(format!("items[{i}]: the observation must be a dict")))?;
        pairs.push((target, obs));
    }
    for (i, (target, obs)) in pairs.iter().enumerate() {
        let mut args = observation_args(i, obs)?;
        let pods = obs.get_item("pods")?.filter(|v| !v.is_none());
        let metrics = obs.get_item("metrics")?.filter(|v| !v.is_none());
        let requests = obs.get_item("requests")?.filter(|v| !v.is_none());
        args.pods = pods.as_ref();
        args.metrics = metrics.as_ref();
        args.requests = requests.as_ref();
        let prefix = |e: PyErr| -> PyErr {
            let msg = e.value(py).str().map(|s| s.to_string()).unwrap_or_default();
            if e.is_instance_of::<pyo3::exceptions::PyValueError>(py) {
                let ty = e.get_type(py);
                ty.call1((format!("items[{i}]: {msg}"),))
                    .map_or(e, PyErr::from_value)
            } else {
                e
            }
        };
        if let Ok(c) = target.cast::<Controller>() {
            let ctl: &Controller = c.get();
            let mut st = ctl.lock();
            let State { infos, cache, .. } = &mut *st;
            observations.push(build(&args, &*infos, cache).map_err(prefix)?);
            drop(st);
            targets.push(Target::Shared(ctl));
        } else {
            let hpa = manifest_from_py(target, None).map_err(prefix)?;
            let mut state = Box::new(State::new(hpa, settings).map_err(prefix)?);
            let State { infos, cache, .. } = &mut *state;
            observations.push(build(&args, &*infos, cache).map_err(prefix)?);
            targets.push(Target::Owned(state));
        }
    }
    let results = py.detach(|| {
        targets
            .iter_mut()
            .zip(&observations)
            .map(|(t, obs)| match t {
                Target::Shared(c) => c.lock().step(obs),
                Target::Owned(s) => s.step(obs),
            })
            .collect::<Vec<_>>()
    });
    let mut decisions = Vec::with_capacity(results.len());
    for (i, r) in results.into_iter().enumerate() {
        decisions.push(r.map_err(|e| {
            let err = hpa_error(e);
            let msg = err
                .value(py)
                .str()
                .map(|s| s.to_string())
                .unwrap_or_default();
            err.get_type(py)
                .call1((format!("items[{i}]: {msg}"),))
                .map_or(err, PyErr::from_value)
        })?);
    }
    decision_list(py, decisions)
}
