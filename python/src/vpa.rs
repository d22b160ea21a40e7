//! The VPA door: `VpaRecommender` (samples in, `status.recommendation` out), its views, and the
//! HPA + VPA conflict check.

use std::sync::{Mutex, MutexGuard};

use pyo3::exceptions::PyKeyError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple, PyType};
use serde_json::{Map, Value, json};
use tidescale::Timestamp;
use tidescale::hpa::HorizontalPodAutoscaler;
use tidescale::manifest::{HPA, VPA};
use tidescale::vpa::{
    RecommendedContainerResources, RecommendedPodResources, Recommender, ResourceList,
    VerticalPodAutoscaler, VerticalPodAutoscalerCheckpoint, VpaError,
    VpaRecommender as CoreRecommender, conflict, flags,
};

use crate::controller::{object_from_py, to_py};
use crate::convert::{float_seq, from_json, quantity, seconds, to_json};
use crate::errors::{invalid_input, manifest_error, vpa_error};

// --- options --------------------------------------------------------------------------------

/// Recommender flags from a dict and/or keyword arguments (snake_case or the flag's
/// kebab-case spelling, with or without the leading `--`).
fn options_from_py(
    options: Option<&Bound<'_, PyAny>>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<Recommender> {
    let mut r = Recommender::default();
    let mut apply = |d: &Bound<'_, PyAny>| -> PyResult<()> {
        let d = d
            .cast::<PyDict>()
            .map_err(|_| invalid_input("recommender options must be a dict"))?;
        for (k, v) in d.iter() {
            let k: String = k
                .extract()
                .map_err(|_| invalid_input("recommender option names must be strings"))?;
            let value =
                to_json(&v).map_err(|e| invalid_input(format!("recommender flag {k}: {e}")))?;
            flags::apply_flag(&mut r, &k, &value).map_err(|e| invalid_input(e.to_string()))?;
        }
        Ok(())
    };
    if let Some(o) = options.filter(|o| !o.is_none()) {
        apply(o)?;
    }
    if let Some(k) = kwargs {
        apply(k.as_any())?;
    }
    Ok(r)
}

/// The recommender flags `VpaRecommender` would use (upstream defaults merged with the
/// arguments).
#[pyfunction]
#[pyo3(signature = (options = None, **kwargs))]
pub(crate) fn vpa_default_options<'py>(
    py: Python<'py>,
    options: Option<&Bound<'py, PyAny>>,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    from_json(py, &flags::flags_json(&options_from_py(options, kwargs)?))
}

// --- recommendation views -------------------------------------------------------------------

/// CPU and memory of one bound (`target`, `lowerBound`, ...): numbers, or `None` when the
/// resource is not recommended.
#[pyclass(frozen, eq, module = "tidescale.vpa", name = "Resources")]
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Resources {
    list: ResourceList,
}

#[pymethods]
impl Resources {
    /// CPU in cores (`0.296` for `296m`).
    #[getter]
    fn cpu(&self) -> Option<f64> {
        self.list.cpu.map(|q| q.milli_value() as f64 / 1000.0)
    }

    /// CPU in millicores.
    #[getter]
    fn cpu_millicores(&self) -> Option<i64> {
        self.list.cpu.map(|q| q.milli_value())
    }

    /// Memory in bytes (rounded up to a whole byte).
    #[getter]
    fn memory(&self) -> Option<i64> {
        self.list.memory.map(|q| q.value())
    }

    /// `{"cpu": "296m", "memory": "628694953"}`: Kubernetes quantity strings.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.list)
    }

    fn __repr__(&self) -> String {
        let cpu = self
            .list
            .cpu
            .map_or("None".to_owned(), |q| format!("'{q}'"));
        let mem = self
            .list
            .memory
            .map_or("None".to_owned(), |q| format!("'{q}'"));
        format!("Resources(cpu={cpu}, memory={mem})")
    }
}

/// One entry of `containerRecommendations`.
#[pyclass(frozen, eq, module = "tidescale.vpa", name = "ContainerRecommendation")]
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ContainerRecommendation {
    r: RecommendedContainerResources,
}

#[pymethods]
impl ContainerRecommendation {
    /// `containerName`.
    #[getter]
    fn container_name(&self) -> String {
        self.r.container_name.clone()
    }

    /// `target`: the recommended requests.
    #[getter]
    fn target(&self) -> Resources {
        Resources {
            list: self.r.target,
        }
    }

    /// `lowerBound`.
    #[getter]
    fn lower_bound(&self) -> Resources {
        Resources {
            list: self.r.lower_bound,
        }
    }

    /// `upperBound`.
    #[getter]
    fn upper_bound(&self) -> Resources {
        Resources {
            list: self.r.upper_bound,
        }
    }

    /// `uncappedTarget`: the target before the resource policy.
    #[getter]
    fn uncapped_target(&self) -> Resources {
        Resources {
            list: self.r.uncapped_target,
        }
    }

    /// The entry as the VPA status writes it (camelCase, quantity strings).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.r)
    }

    fn __repr__(&self) -> String {
        let q = |l: &ResourceList| {
            format!(
                "cpu {}, memory {}",
                l.cpu.map_or("-".to_owned(), |q| q.to_string()),
                l.memory.map_or("-".to_owned(), |q| q.to_string())
            )
        };
        format!(
            "<ContainerRecommendation {}: target {} (lower {}; upper {})>",
            self.r.container_name,
            q(&self.r.target),
            q(&self.r.lower_bound),
            q(&self.r.upper_bound)
        )
    }
}

/// `status.recommendation` of a VPA.
#[pyclass(frozen, eq, module = "tidescale.vpa", name = "Recommendation")]
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Recommendation {
    r: RecommendedPodResources,
}

#[pymethods]
impl Recommendation {
    /// One entry per container, sorted by name.
    #[getter]
    fn containers(&self) -> Vec<ContainerRecommendation> {
        self.r
            .container_recommendations
            .iter()
            .map(|r| ContainerRecommendation { r: r.clone() })
            .collect()
    }

    /// The container names, sorted.
    #[getter]
    fn container_names(&self) -> Vec<String> {
        self.r
            .container_recommendations
            .iter()
            .map(|r| r.container_name.clone())
            .collect()
    }

    /// The entry of one container, or `None`.
    fn get(&self, container: &str) -> Option<ContainerRecommendation> {
        self.r
            .for_container(container)
            .map(|r| ContainerRecommendation { r: r.clone() })
    }

    fn __getitem__(&self, container: &str) -> PyResult<ContainerRecommendation> {
        self.get(container)
            .ok_or_else(|| PyKeyError::new_err(container.to_owned()))
    }

    fn __contains__(&self, container: &str) -> bool {
        self.r.for_container(container).is_some()
    }

    fn __len__(&self) -> usize {
        self.r.container_recommendations.len()
    }

    /// The block as the VPA status writes it:
    /// `{"containerRecommendations": [{"containerName", "lowerBound", "target",
    /// "uncappedTarget", "upperBound"}]}` with Kubernetes quantity strings.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let mut v = serde_json::to_value(&self.r).map_err(|e| invalid_input(e.to_string()))?;
        if let Value::Object(m) = &mut v {
            m.entry("containerRecommendations")
                .or_insert_with(|| Value::Array(Vec::new()));
        }
        from_json(py, &v)
    }

    fn __repr__(&self) -> String {
        if self.r.container_recommendations.is_empty() {
            return "<Recommendation: no containers>".to_owned();
        }
        let parts: Vec<String> = self
            .r
            .container_recommendations
            .iter()
            .map(|c| {
                format!(
                    "{} cpu {} memory {}",
                    c.container_name,
                    c.target.cpu.map_or("-".to_owned(), |q| q.to_string()),
                    c.target.memory.map_or("-".to_owned(), |q| q.to_string())
                )
            })
            .collect();
        format!("<Recommendation: {}>", parts.join("; "))
    }
}

// --- the recommender ------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct State {
    vpa: VerticalPodAutoscaler,
    rec: CoreRecommender,
}

/// One sample of a validated batch.
#[derive(Debug, Clone, Copy)]
struct Sample {
    t: Timestamp,
    cpu: Option<f64>,
    memory: Option<f64>,
}

/// The VPA recommender for one VerticalPodAutoscaler.
#[pyclass(
    frozen,
    subclass,
    module = "tidescale._native",
    name = "VpaRecommender"
)]
#[derive(Debug)]
pub(crate) struct VpaRecommender {
    state: Mutex<State>,
}

impl VpaRecommender {
    fn lock(&self) -> MutexGuard<'_, State> {
        // the core does not panic while the lock is held; a poisoned lock still holds a
        // valid recommender
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn vpa_name(vpa: &VerticalPodAutoscaler) -> String {
    vpa.metadata
        .name
        .clone()
        .unwrap_or_else(|| "vpa".to_owned())
}

fn non_negative_at(what: &str, i: usize, v: f64) -> PyResult<f64> {
    if v.is_nan() {
        Err(invalid_input(format!(
            "{what}[{i}]: NaN is not a valid value"
        )))
    } else if v.is_infinite() {
        Err(invalid_input(format!(
            "{what}[{i}]: {v} is not a finite value"
        )))
    } else if v < 0.0 {
        Err(invalid_input(format!("{what}[{i}]: {v} is negative")))
    } else {
        Ok(v)
    }
}

fn validate_batch(
    times: &[f64],
    cpu: Option<&[f64]>,
    memory: Option<&[f64]>,
) -> PyResult<Vec<Sample>> {
    for (what, v) in [("cpu", cpu), ("memory", memory)] {
        if let Some(v) = v
            && v.len() != times.len()
        {
            return Err(invalid_input(format!(
                "{what}: {} values for {} timestamps",
                v.len(),
                times.len()
            )));
        }
    }
    let mut out = Vec::with_capacity(times.len());
    for (i, &t) in times.iter().enumerate() {
        let ts = seconds(&format!("timestamps[{i}]"), t)?;
        let c = cpu
            .and_then(|v| v.get(i))
            .map(|&x| non_negative_at("cpu", i, x))
            .transpose()?;
        let m = memory
            .and_then(|v| v.get(i))
            .map(|&x| non_negative_at("memory", i, x))
            .transpose()?;
        out.push(Sample {
            t: ts,
            cpu: c,
            memory: m,
        });
    }
    Ok(out)
}

/// Applies validated samples to a copy of the recommender and keeps the copy only if no
/// sample was rejected: on error nothing changes. The error carries the sample's index.
/// Returns how many samples were used whole; the core discards (and counts) a value whose time
/// is too late, as upstream does.
fn apply(
    st: &mut State,
    container: &str,
    pod: Option<&str>,
    samples: &[Sample],
) -> Result<usize, (usize, VpaError)> {
    let Some(first) = samples.first() else {
        return Ok(0);
    };
    let mut rec = st.rec.clone();
    rec.add_container(first.t, container);
    let mut used = 0;
    for (i, s) in samples.iter().enumerate() {
        let mut whole = true;
        if let Some(c) = s.cpu {
            whole &= rec
                .add_pod_cpu_sample(s.t, pod, container, c)
                .map_err(|e| (i, e))?
                .is_used();
        }
        if let Some(m) = s.memory {
            whole &= rec
                .add_pod_memory_sample(s.t, pod, container, m)
                .map_err(|e| (i, e))?
                .is_used();
        }
        used += usize::from(whole);
    }
    st.rec = rec;
    Ok(used)
}

/// A batch error, with the index of the sample when the batch has several.
fn batch_error(n: usize, (i, e): (usize, VpaError)) -> PyErr {
    if n == 1 {
        vpa_error(e)
    } else {
        invalid_input(format!("sample {i}: {e}"))
    }
}

fn checkpoint_from_py(obj: &Bound<'_, PyAny>) -> PyResult<VerticalPodAutoscalerCheckpoint> {
    serde_path_to_error::deserialize(to_json(obj)?)
        .map_err(|e| invalid_input(format!("checkpoint.{}: {}", e.path(), e.inner())))
}

#[pymethods]
impl VpaRecommender {
    #[new]
    #[pyo3(signature = (manifest = None, options = None, *, name = None, **kwargs))]
    fn new(
        manifest: Option<&Bound<'_, PyAny>>,
        options: Option<&Bound<'_, PyAny>>,
        name: Option<&str>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let vpa: VerticalPodAutoscaler = match manifest.filter(|m| !m.is_none()) {
            Some(m) => object_from_py(m, &VPA, name)?,
            None => VerticalPodAutoscaler::default(),
        };
        let config = options_from_py(options, kwargs)?;
        let rec = CoreRecommender::for_vpa(config, &vpa);
        Ok(Self {
            state: Mutex::new(State { vpa, rec }),
        })
    }

    /// Registers a container (samples register theirs at their first timestamp).
    fn add_container(&self, container: &str, now: f64) -> PyResult<()> {
        let now = seconds("now", now)?;
        self.lock().rec.add_container(now, container);
        Ok(())
    }

    /// Many samples of one container: `timestamps` (seconds), `cpu` (cores) and/or `memory`
    /// (bytes), each a list or an array of the same length. Validated first: on any error
    /// nothing is added. Returns how many samples were used whole; a value whose time is too
    /// late is discarded as upstream does (see `discarded_samples`).
    #[pyo3(signature = (container, timestamps, cpu = None, memory = None, *, pod = None))]
    fn add_samples(
        &self,
        py: Python<'_>,
        container: &str,
        timestamps: &Bound<'_, PyAny>,
        cpu: Option<&Bound<'_, PyAny>>,
        memory: Option<&Bound<'_, PyAny>>,
        pod: Option<&str>,
    ) -> PyResult<usize> {
        let cpu = cpu.filter(|c| !c.is_none());
        let memory = memory.filter(|m| !m.is_none());
        if cpu.is_none() && memory.is_none() {
            return Err(invalid_input(
                "add_samples needs cpu=..., memory=... or both",
            ));
        }
        let times = float_seq("timestamps", timestamps)?;
        let cpu = cpu.map(|c| float_seq("cpu", c)).transpose()?;
        let memory = memory.map(|m| float_seq("memory", m)).transpose()?;
        let samples = validate_batch(&times, cpu.as_deref(), memory.as_deref())?;
        let n = samples.len();
        py.detach(|| apply(&mut self.lock(), container, pod, &samples))
            .map_err(|e| batch_error(n, e))
    }

    /// One sample at `timestamp` (seconds): `cpu` in cores, `memory` in bytes (numbers or
    /// quantity strings). Returns whether every given value was used (false: discarded for
    /// its time, as upstream does).
    #[pyo3(signature = (container, timestamp, cpu = None, memory = None, *, pod = None))]
    fn add_sample(
        &self,
        container: &str,
        timestamp: f64,
        cpu: Option<&Bound<'_, PyAny>>,
        memory: Option<&Bound<'_, PyAny>>,
        pod: Option<&str>,
    ) -> PyResult<bool> {
        let t = seconds("timestamp", timestamp)?;
        let value = |what: &str, v: Option<&Bound<'_, PyAny>>| -> PyResult<Option<f64>> {
            v.filter(|v| !v.is_none())
                .map(|v| quantity(what, v).map(|q| q.milli_value() as f64 / 1000.0))
                .transpose()
        };
        let cpu = value("cpu", cpu)?;
        let memory = value("memory", memory)?;
        if cpu.is_none() && memory.is_none() {
            return Err(invalid_input(
                "add_sample needs cpu=..., memory=... or both",
            ));
        }
        apply(
            &mut self.lock(),
            container,
            pod,
            &[Sample { t, cpu, memory }],
        )
        .map(|used| used == 1)
        .map_err(|e| batch_error(1, e))
    }

    /// An OOM kill at `timestamp` of `container`, whose memory request was
    /// `requested_memory` (bytes or a quantity string).
    #[pyo3(signature = (container, timestamp, requested_memory, *, pod = None))]
    fn record_oom(
        &self,
        container: &str,
        timestamp: f64,
        requested_memory: &Bound<'_, PyAny>,
        pod: Option<&str>,
    ) -> PyResult<()> {
        let t = seconds("timestamp", timestamp)?;
        let req = quantity("requested_memory", requested_memory)?;
        let mut st = self.lock();
        let mut rec = st.rec.clone();
        rec.add_container(t, container);
        rec.record_pod_oom(t, pod, container, req.value() as f64)
            .map_err(vpa_error)?;
        st.rec = rec;
        Ok(())
    }

    /// `status.recommendation` at `now` (seconds).
    fn recommendation(&self, py: Python<'_>, now: f64) -> PyResult<Recommendation> {
        let now = seconds("now", now)?;
        let r = py.detach(|| self.lock().rec.recommendation(now));
        Ok(Recommendation { r })
    }

    /// Drops containers without samples for `memory_aggregation_interval × count`.
    fn garbage_collect(&self, now: f64) -> PyResult<()> {
        let now = seconds("now", now)?;
        self.lock().rec.garbage_collect(now);
        Ok(())
    }

    /// Registered container names, sorted.
    #[getter]
    fn containers(&self) -> Vec<String> {
        self.lock().rec.containers().map(str::to_owned).collect()
    }

    /// `metadata.name` of the VPA.
    #[getter]
    fn name(&self) -> Option<String> {
        self.lock().vpa.metadata.name.clone()
    }

    /// How many CPU and memory values of a container were discarded for their time
    /// (`{"cpu": n, "memory": m}`, zeros when unknown).
    fn discarded_samples(&self, container: &str) -> std::collections::BTreeMap<&'static str, u64> {
        let d = self
            .lock()
            .rec
            .discarded_samples(container)
            .unwrap_or_default();
        [("cpu", d.cpu), ("memory", d.memory)].into()
    }

    /// Number of CPU samples of a container (0 when unknown).
    fn total_samples(&self, container: &str) -> u64 {
        self.lock()
            .rec
            .aggregate(container)
            .map_or(0, |a| a.total_samples_count)
    }

    /// The VerticalPodAutoscaler as a manifest dict.
    fn manifest<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.lock().vpa)
    }

    /// The recommender flags in force (durations in seconds).
    fn options<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        from_json(py, &flags::flags_json(self.lock().rec.config()))
    }

    /// The `VerticalPodAutoscalerCheckpoint` of one container, as upstream writes it.
    fn checkpoint<'py>(
        &self,
        py: Python<'py>,
        container: &str,
        now: f64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let now = seconds("now", now)?;
        let st = self.lock();
        let cp = st
            .rec
            .checkpoint(now, &vpa_name(&st.vpa), container)
            .map_err(vpa_error)?;
        to_py(py, &cp)
    }

    /// One checkpoint per container.
    fn checkpoints<'py>(&self, py: Python<'py>, now: f64) -> PyResult<Bound<'py, PyList>> {
        let now = seconds("now", now)?;
        let st = self.lock();
        let name = vpa_name(&st.vpa);
        let list = PyList::empty(py);
        for c in st.rec.containers() {
            let cp = st.rec.checkpoint(now, &name, c).map_err(vpa_error)?;
            list.append(to_py(py, &cp)?)?;
        }
        Ok(list)
    }

    /// Restores containers from checkpoints (one dict, a list, or JSON/YAML text as
    /// `checkpoints()` or the C door writes it). A container it registers is created at `now`
    /// (default: the checkpoint's `lastUpdateTime`). All or nothing.
    #[pyo3(signature = (checkpoint, *, now = None))]
    fn load_checkpoint(&self, checkpoint: &Bound<'_, PyAny>, now: Option<f64>) -> PyResult<()> {
        let cps: Vec<VerticalPodAutoscalerCheckpoint> = if checkpoint.is_instance_of::<PyString>() {
            let text: String = checkpoint.extract()?;
            tidescale::manifest::checkpoints_from_str(&text).map_err(manifest_error)?
        } else if checkpoint.is_instance_of::<PyList>() || checkpoint.is_instance_of::<PyTuple>() {
            checkpoint
                .try_iter()?
                .map(|c| checkpoint_from_py(&c?))
                .collect::<PyResult<_>>()?
        } else {
            vec![checkpoint_from_py(checkpoint)?]
        };
        let now = now.map(|n| seconds("now", n)).transpose()?;
        let mut st = self.lock();
        let mut rec = st.rec.clone();
        for cp in &cps {
            if cp.spec.container_name.is_empty() {
                return Err(invalid_input("checkpoint.spec.containerName is missing"));
            }
            let at = now.or(cp.status.last_update_time).unwrap_or(Timestamp(0));
            rec.load_checkpoint(at, cp).map_err(vpa_error)?;
        }
        st.rec = rec;
        Ok(())
    }

    /// Pickle: the manifest, the flags and one checkpoint per container (as a recommender
    /// restart restores it).
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let (manifest, options, state) = {
            let st = slf.get().lock();
            let name = vpa_name(&st.vpa);
            let mut cps = Vec::new();
            for c in st.rec.containers() {
                let created = st
                    .rec
                    .aggregate(c)
                    .map_or(Timestamp(0), |a| a.creation_time);
                let cp = st.rec.checkpoint(created, &name, c).map_err(vpa_error)?;
                cps.push(serde_json::to_value(&cp).map_err(|e| invalid_input(e.to_string()))?);
            }
            (
                to_py(py, &st.vpa)?,
                from_json(py, &flags::flags_json(st.rec.config()))?,
                from_json(py, &Value::Array(cps))?,
            )
        };
        let cls: Bound<'py, PyType> = slf.get_type();
        let args = PyTuple::new(py, [manifest, options])?;
        PyTuple::new(py, [cls.into_any(), args.into_any(), state])
    }

    /// Restores the checkpoints (pickle protocol).
    fn __setstate__(&self, state: &Bound<'_, PyAny>) -> PyResult<()> {
        self.load_checkpoint(state, None)
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let cls = slf.get_type().qualname()?;
        let st = slf.get().lock();
        let names: Vec<&str> = st.rec.containers().collect();
        Ok(format!(
            "<{cls} {}: {}>",
            st.vpa.metadata.name.as_deref().unwrap_or("(unnamed)"),
            if names.is_empty() {
                "no containers yet".to_owned()
            } else {
                names.join(", ")
            }
        ))
    }
}

/// HPA + VPA conflict check over two manifests; a JSON-shaped dict.
#[pyfunction]
#[pyo3(signature = (vpa_manifest, hpa_manifest, *, vpa_name = None, hpa_name = None))]
pub(crate) fn vpa_conflicts<'py>(
    py: Python<'py>,
    vpa_manifest: &Bound<'py, PyAny>,
    hpa_manifest: &Bound<'py, PyAny>,
    vpa_name: Option<&str>,
    hpa_name: Option<&str>,
) -> PyResult<Bound<'py, PyAny>> {
    let vpa: VerticalPodAutoscaler = object_from_py(vpa_manifest, &VPA, vpa_name)?;
    let hpa: HorizontalPodAutoscaler = object_from_py(hpa_manifest, &HPA, hpa_name)?;
    let r = conflict::check(&vpa, &hpa);
    let conflicts: Vec<Value> = r
        .conflicts
        .iter()
        .map(|c| {
            json!({
                "resource": c.resource.as_str(),
                "hpaMetric": c.hpa_metric,
                "vpaContainers": c.vpa_containers,
            })
        })
        .collect();
    let mut m = Map::new();
    m.insert("safe".into(), Value::Bool(r.is_safe()));
    m.insert("sameTarget".into(), Value::Bool(r.same_target));
    m.insert("conflicts".into(), Value::Array(conflicts));
    m.insert(
        "recommendation".into(),
        r.recommendation.map_or(Value::Null, Value::String),
    );
    from_json(py, &Value::Object(m))
}
