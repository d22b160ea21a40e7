//! The `Controller` class: one HPA, its settings and its history.

use std::sync::{Mutex, MutexGuard};

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple, PyType};
use serde_json::Value;
use tidescale::hpa::{
    Controller as CoreController, History, HorizontalPodAutoscaler, HorizontalPodAutoscalerStatus,
    Observation, Settings,
};

use crate::convert::{from_json, history_from_py, history_to_py, seconds, to_json};
use crate::decision::Decision;
use crate::errors::{hpa_error, invalid_input, manifest_error};
use crate::observation::{MetricInfos, OwnedObservation, PodCache, StepArgs, build, metric_infos};
use tidescale::manifest::{HPA, ManifestError as LoadError, ObjectKind, load, pick};

/// Reads a manifest given as text (YAML or JSON), a dict, or a list of dicts (documents), and
/// picks the object of `kind`.
pub(crate) fn object_from_py<T: serde::de::DeserializeOwned>(
    manifest: &Bound<'_, PyAny>,
    kind: &ObjectKind,
    name: Option<&str>,
) -> PyResult<T> {
    let loaded = if let Ok(s) = manifest.cast::<PyString>() {
        let text = s.to_cow()?;
        load::<T>(&text, kind, name).map_err(|mut e| {
            // one line of text that held no object: most likely a file name
            if e.kind == tidescale::manifest::ManifestErrorKind::NotFound
                && !text.trim().contains('\n')
            {
                e.message.push_str(
                    "; to read a manifest file, use from_file(path) (hpa.Controller.from_file, \
                     vpa.Recommender.from_file, keda.ScaledObject.from_file)",
                );
            }
            e
        })
    } else if manifest.is_instance_of::<PyDict>()
        || manifest.is_instance_of::<pyo3::types::PyList>()
        || manifest.is_instance_of::<PyTuple>()
    {
        let v = to_json(manifest)?;
        let docs = match v {
            Value::Array(items) => items.into_iter().enumerate().collect(),
            other => vec![(0, other)],
        };
        pick::<T>(docs, kind, name)
    } else {
        Err(LoadError::new(
            tidescale::manifest::ManifestErrorKind::InvalidObject,
            None,
            None,
            format!(
                "a manifest is YAML/JSON text or a dict, not a {}",
                manifest.get_type().name()?
            ),
        ))
    };
    let loaded = loaded.map_err(manifest_error)?;
    warn_unknown_fields(manifest.py(), &loaded.warnings)?;
    Ok(loaded.object)
}

/// Each unknown manifest field as a `tidescale.UnknownFieldWarning` (an error where the
/// warnings filter says so: the strict mode).
fn warn_unknown_fields(
    py: Python<'_>,
    warnings: &[tidescale::manifest::FieldWarning],
) -> PyResult<()> {
    if warnings.is_empty() {
        return Ok(());
    }
    let category = py
        .import("tidescale.exceptions")?
        .getattr("UnknownFieldWarning")?;
    for w in warnings {
        let text = std::ffi::CString::new(w.to_string()).unwrap_or_default();
        PyErr::warn(py, &category, &text, 1)?;
    }
    Ok(())
}

/// Reads a HorizontalPodAutoscaler manifest (see [`object_from_py`]).
pub(crate) fn manifest_from_py(
    manifest: &Bound<'_, PyAny>,
    name: Option<&str>,
) -> PyResult<HorizontalPodAutoscaler> {
    object_from_py(manifest, &HPA, name)
}

/// `snake_case` to `camelCase`.
pub(crate) fn camel(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Settings from a dict and/or keyword arguments, keys in camelCase or snake_case.
pub(crate) fn settings_from_py(
    settings: Option<&Bound<'_, PyAny>>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<Settings> {
    let defaults = serde_json::to_value(Settings::default())
        .map_err(|e| invalid_input(format!("settings: {e}")))?;
    let Value::Object(mut merged) = defaults else {
        return Err(invalid_input("settings: internal error"));
    };
    let known: Vec<String> = merged.keys().cloned().collect();
    let mut apply = |d: &Bound<'_, PyAny>| -> PyResult<()> {
        let Value::Object(map) = to_json(d)? else {
            return Err(invalid_input("settings must be a dict"));
        };
        for (k, v) in map {
            let key = camel(&k);
            if !known.contains(&key) {
                return Err(invalid_input(format!(
                    "unknown setting {k:?} (known: {})",
                    known.join(", ")
                )));
            }
            merged.insert(key, v);
        }
        Ok(())
    };
    if let Some(s) = settings.filter(|s| !s.is_none()) {
        apply(s)?;
    }
    if let Some(k) = kwargs {
        apply(k.as_any())?;
    }
    serde_path_to_error::deserialize(Value::Object(merged))
        .map_err(|e| invalid_input(format!("settings.{}: {}", e.path(), e.inner())))
}

/// The controller and what the door caches about it.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) ctl: CoreController,
    pub(crate) infos: MetricInfos,
    pub(crate) cache: PodCache,
}

impl State {
    pub(crate) fn new(hpa: HorizontalPodAutoscaler, settings: Settings) -> PyResult<Self> {
        let ctl = CoreController::new(hpa, settings).map_err(hpa_error)?;
        let infos = metric_infos(ctl.hpa());
        Ok(Self {
            ctl,
            infos,
            cache: PodCache::default(),
        })
    }

    /// Wraps a core controller (its history included).
    pub(crate) fn from_core(ctl: CoreController) -> Self {
        let infos = metric_infos(ctl.hpa());
        Self {
            ctl,
            infos,
            cache: PodCache::default(),
        }
    }

    /// Steps the core controller with an observation built by [`build`].
    pub(crate) fn step(
        &mut self,
        obs: &OwnedObservation,
    ) -> Result<tidescale::hpa::Decision, tidescale::hpa::HpaError> {
        let readings = obs.readings();
        let mut d = self
            .ctl
            .step(
                obs.now,
                &Observation {
                    scale: obs.scale,
                    pods: &obs.pods,
                    metrics: &readings,
                },
            )
            .cloned()?;
        let metrics = &self.ctl.hpa().spec.metrics;
        d.not_given = obs
            .not_given()
            .filter_map(|i| metrics.get(i).map(|m| m.name().to_owned()))
            .collect();
        Ok(d)
    }

    /// The HPA with the last decision folded into `status`, so that a controller rebuilt from
    /// it starts where this one is.
    fn manifest_with_status(&self) -> HorizontalPodAutoscaler {
        let mut hpa = self.ctl.hpa().clone();
        let d = self.ctl.last_decision();
        if hpa.status.is_some() || !d.conditions.is_empty() {
            hpa.status = Some(HorizontalPodAutoscalerStatus {
                current_replicas: d.current_replicas,
                desired_replicas: d.desired_replicas,
                conditions: d.conditions.clone(),
            });
        }
        hpa
    }
}

/// A HorizontalPodAutoscaler controller: call `step` every sync period.
#[pyclass(frozen, subclass, module = "tidescale._native", name = "Controller")]
#[derive(Debug)]
pub(crate) struct Controller {
    state: Mutex<State>,
}

impl Controller {
    /// A controller object around `state`.
    pub(crate) fn from_state(state: State) -> Self {
        Self {
            state: Mutex::new(state),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        // a panic cannot happen while the lock is held (the core does not panic); if it ever
        // did, the state is still a valid controller
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

pub(crate) fn to_py<'py, T: serde::Serialize>(
    py: Python<'py>,
    v: &T,
) -> PyResult<Bound<'py, PyAny>> {
    let json = serde_json::to_value(v).map_err(|e| invalid_input(e.to_string()))?;
    from_json(py, &json)
}

#[pymethods]
impl Controller {
    #[new]
    #[pyo3(signature = (manifest, settings = None, *, name = None, **kwargs))]
    fn new(
        manifest: &Bound<'_, PyAny>,
        settings: Option<&Bound<'_, PyAny>>,
        name: Option<&str>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let hpa = manifest_from_py(manifest, name)?;
        let settings = settings_from_py(settings, kwargs)?;
        Ok(Self {
            state: Mutex::new(State::new(hpa, settings)?),
        })
    }

    /// One sync at `now` (seconds). See the module docs for the value conventions.
    #[pyo3(signature = (*, now, replicas, metrics = None, pods = None, status_replicas = None, requests = None))]
    #[allow(clippy::too_many_arguments)]
    fn step(
        &self,
        now: f64,
        replicas: i64,
        metrics: Option<&Bound<'_, PyAny>>,
        pods: Option<&Bound<'_, PyAny>>,
        status_replicas: Option<i64>,
        requests: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Decision> {
        let args = StepArgs {
            now,
            replicas,
            status_replicas,
            pods: pods.filter(|p| !p.is_none()),
            metrics: metrics.filter(|m| !m.is_none()),
            requests: requests.filter(|r| !r.is_none()),
        };
        // Converting the arguments may run Python code (a generator, `__float__`), which may
        // touch this controller from this or another thread: it runs with the lock released,
        // on a copy of the metric list and the pod cache (put back after the step).
        let (infos, mut cache) = {
            let mut st = self.lock();
            (st.infos.clone(), std::mem::take(&mut st.cache))
        };
        let obs = build(&args, &infos, &mut cache);
        let mut st = self.lock();
        st.cache = cache;
        let d = st.step(&obs?).map_err(hpa_error)?;
        Ok(Decision { d })
    }

    /// The names of the HPA's metrics, in manifest order (the keys `step` accepts).
    #[getter]
    fn metric_names(&self) -> Vec<String> {
        self.lock().infos.iter().map(|m| m.name.clone()).collect()
    }

    /// `metadata.name` of the HPA.
    #[getter]
    fn name(&self) -> Option<String> {
        self.lock().ctl.hpa().metadata.name.clone()
    }

    /// `spec.minReplicas` (after defaulting).
    #[getter]
    fn min_replicas(&self) -> i32 {
        self.lock().ctl.hpa().spec.min_replicas.unwrap_or(1)
    }

    /// `spec.maxReplicas`.
    #[getter]
    fn max_replicas(&self) -> i32 {
        self.lock().ctl.hpa().spec.max_replicas
    }

    /// The last decision (`None` before the first `step`).
    #[getter]
    fn last_decision(&self) -> Option<Decision> {
        let st = self.lock();
        st.ctl
            .history()
            .recommendations
            .is_some()
            .then(|| Decision {
                d: st.ctl.last_decision().clone(),
            })
    }

    /// The HPA after Kubernetes defaulting, as a manifest dict (camelCase).
    fn manifest<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, self.lock().ctl.hpa())
    }

    /// The settings in force, as a dict (camelCase).
    fn settings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, self.lock().ctl.settings())
    }

    /// The history (recommendations and scale events) as a JSON-able dict.
    fn history<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        history_to_py(py, self.lock().ctl.history())
    }

    /// Replaces the history with one saved by `history()`.
    fn set_history(&self, history: &Bound<'_, PyAny>) -> PyResult<()> {
        let h: History = history_from_py("history", history)?;
        self.lock().ctl.set_history(h);
        Ok(())
    }

    /// When `step` should be called next (seconds), given `now`.
    fn next_wakeup(&self, now: f64) -> PyResult<f64> {
        let now = seconds("now", now)?;
        Ok(self.lock().ctl.next_wakeup(now).as_secs_f64())
    }

    /// Pickle support: rebuild from the manifest (with the last status) and settings, then
    /// restore the history.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let (manifest, settings, history) = {
            let st = slf.get().lock();
            (
                to_py(py, &st.manifest_with_status())?,
                to_py(py, st.ctl.settings())?,
                history_to_py(py, st.ctl.history())?,
            )
        };
        let cls: Bound<'py, PyType> = slf.get_type();
        let args = PyTuple::new(py, [manifest, settings])?;
        PyTuple::new(py, [cls.into_any(), args.into_any(), history])
    }

    /// Restores the history (pickle protocol).
    fn __setstate__(&self, state: &Bound<'_, PyAny>) -> PyResult<()> {
        self.set_history(state)
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let cls = slf.get_type().qualname()?;
        let st = slf.get().lock();
        let hpa = st.ctl.hpa();
        let names: Vec<&str> = st.infos.iter().map(|m| m.name.as_str()).collect();
        Ok(format!(
            "<{cls} {}: {}..{} replicas on {}>",
            hpa.metadata.name.as_deref().unwrap_or("(unnamed)"),
            hpa.spec.min_replicas.unwrap_or(1),
            hpa.spec.max_replicas,
            names.join(", ")
        ))
    }
}

/// The settings dict a `Controller` would use (defaults merged with the arguments).
#[pyfunction]
#[pyo3(signature = (settings = None, **kwargs))]
pub(crate) fn default_settings<'py>(
    py: Python<'py>,
    settings: Option<&Bound<'py, PyAny>>,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    to_py(py, &settings_from_py(settings, kwargs)?)
}

/// Reads a manifest (text, dict or list of documents) and returns its HorizontalPodAutoscaler
/// as a dict, without defaulting.
#[pyfunction]
#[pyo3(signature = (manifest, *, name = None))]
pub(crate) fn load_manifest<'py>(
    py: Python<'py>,
    manifest: &Bound<'py, PyAny>,
    name: Option<&str>,
) -> PyResult<Bound<'py, PyAny>> {
    to_py(py, &manifest_from_py(manifest, name)?)
}
