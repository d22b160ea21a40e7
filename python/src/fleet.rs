//! `Fleet`: N HPA controllers stepped together from columns of numbers (the core's
//! `hpa::Fleet`). This door converts the Python columns and maps the errors; the whole loop runs
//! without the GIL.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyTuple, PyType};
use tidescale::hpa::{
    Column as CoreColumn, Controller as CoreController, Fleet as CoreFleet, FleetError, FleetStep,
    Reason, default_requests,
};

use crate::columns::{Column, floats, ints};
use crate::controller::{Controller, State, manifest_from_py, settings_from_py, to_py};
use crate::convert::seconds;
use crate::decision::Decision;
use crate::errors::{hpa_error, invalid_input, unknown_metric};
use crate::observation::requests;

/// The core fleet and its reusable output.
#[derive(Debug)]
struct Inner {
    fleet: CoreFleet,
    out: FleetStep,
}

/// Many HPA controllers stepped together from columns of numbers.
#[pyclass(frozen, subclass, module = "tidescale._native", name = "Fleet")]
#[derive(Debug)]
pub(crate) struct Fleet {
    inner: Mutex<Inner>,
    /// Column index -> name, in first-appearance order.
    names: Vec<String>,
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
        self.lock()
            .fleet
            .controller(i)
            .cloned()
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

fn column<T: Copy>(c: &Column<T>) -> CoreColumn<'_, T> {
    match c {
        Column::Each(v) => CoreColumn::Each(v),
        Column::All(x) => CoreColumn::All(*x),
    }
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
        let fleet = CoreFleet::new(ctls, &reqs);
        Ok(Self {
            names: fleet.metric_names().to_vec(),
            len: fleet.len(),
            inner: Mutex::new(Inner {
                fleet,
                out: FleetStep::default(),
            }),
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
                let Some(c) = self.names.iter().position(|n| *n == name) else {
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
        let (result, desired, rescale, limited) = py.detach(|| {
            let mut guard = self.lock();
            let Inner { fleet, out } = &mut *guard;
            let metrics: Vec<Option<CoreColumn<'_, f64>>> =
                cols.iter().map(|c| c.as_ref().map(column)).collect();
            let r = fleet.step_into(now, column(&replicas), &metrics, out);
            let desired: Vec<u8> = out.desired.iter().flat_map(|d| d.to_ne_bytes()).collect();
            let rescale: Vec<u8> = out.rescale.iter().map(|&r| u8::from(r)).collect();
            let limited: Vec<u8> = out.limited_by.iter().map(|&r| limited_code(r)).collect();
            (r, desired, rescale, limited)
        });
        match result {
            Ok(()) => {}
            Err(FleetError::Step { item, error }) => {
                return Err(at_item(py, item, hpa_error(*error)));
            }
            Err(e) => return Err(invalid_input(e.to_string())),
        }
        PyTuple::new(
            py,
            [
                PyBytes::new(py, &desired),
                PyBytes::new(py, &rescale),
                PyBytes::new(py, &limited),
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
            .fleet
            .controllers()
            .map(|c| c.hpa().metadata.name.clone())
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
        let (ctls, reqs): (Vec<CoreController>, BTreeMap<_, _>) = {
            let inner = me.lock();
            (
                inner.fleet.controllers().cloned().collect(),
                inner.fleet.requests().clone(),
            )
        };
        let list = PyList::empty(py);
        for c in ctls {
            list.append(Controller::from_state(State::from_core(c)))?;
        }
        let cls: Bound<'py, PyType> = slf.get_type();
        let args = PyTuple::new(
            py,
            [list.into_any(), py.None().into_bound(py), to_py(py, &reqs)?],
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
