//! The KEDA door: a ScaledObject stepped with plain readings (`KedaScaledObject`), its
//! decision (`KedaDecision`), and the ScaledJob decision.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use pyo3::exceptions::PyBaseException;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyInt, PyList, PyString, PyTuple, PyType};
use serde_json::{Value, json};
use tidescale::Timestamp;
use tidescale::hpa::Settings;
use tidescale::keda::activation::ReadyStatus;
use tidescale::keda::scalers::{KafkaOffsets, PartitionOffsets, PrometheusResponse, ScalerReading};
use tidescale::keda::{
    KedaAutoscaler, KedaDecision as CoreDecision, ScaledJob, ScaledObject, TriggerConfig,
    TriggerInput, TriggerKind, find_trigger,
};
use tidescale::manifest::{SCALED_JOB, SCALED_OBJECT};

use crate::controller::{object_from_py, settings_from_py, to_py};
use crate::convert::{from_json, history_from_py, history_to_py, seconds, to_json};
use crate::decision::Decision;
use crate::errors::{core_error, invalid_input, keda_error};

/// Which trigger a readings key names (the core's `find_trigger`; an int is an index).
fn trigger_index(triggers: &[TriggerConfig], key: &Bound<'_, PyAny>) -> PyResult<usize> {
    let k: String = if key.is_instance_of::<PyInt>() {
        key.extract::<i64>()?.to_string()
    } else {
        key.extract()
            .map_err(|_| invalid_input("readings keys are trigger names or indexes"))?
    };
    find_trigger(triggers, &k).map_err(keda_error)
}

/// A reading, owned (the core borrows it).
#[derive(Debug, Clone)]
enum Owned {
    Sqs(BTreeMap<String, String>),
    Kafka(KafkaOffsets),
    Prometheus(PrometheusResponse),
    Value(ScalerReading),
    Error(String),
    Cron,
    Resource,
}

impl Owned {
    fn input(&self) -> TriggerInput<'_> {
        match self {
            Self::Sqs(m) => TriggerInput::Sqs(m),
            Self::Kafka(o) => TriggerInput::Kafka(o),
            Self::Prometheus(b) => TriggerInput::Prometheus {
                status: 200,
                body: b,
            },
            Self::Value(r) => TriggerInput::Reading(*r),
            Self::Error(e) => TriggerInput::Error(e),
            Self::Cron => TriggerInput::Cron,
            Self::Resource => TriggerInput::Resource,
        }
    }
}

fn offset(what: &str, v: Option<Bound<'_, PyAny>>) -> PyResult<Option<i64>> {
    match v {
        None => Ok(None),
        Some(v) if v.is_none() => Ok(None),
        Some(v) => v
            .extract::<i64>()
            .map(Some)
            .map_err(|_| invalid_input(format!("{what}: an offset is an integer or None"))),
    }
}

fn kafka_offsets(who: &str, v: &Bound<'_, PyAny>) -> PyResult<KafkaOffsets> {
    let mut out: KafkaOffsets = BTreeMap::new();
    if let Ok(d) = v.cast::<PyDict>() {
        for (k, o) in d.iter() {
            let (topic, partition): (String, i32) = k.extract().map_err(|_| {
                invalid_input(format!(
                    "{who}: Kafka offsets are keyed by (topic, partition)"
                ))
            })?;
            let (c, l): (Option<Bound<'_, PyAny>>, Option<Bound<'_, PyAny>>) =
                o.extract().map_err(|_| {
                    invalid_input(format!(
                        "{who}: Kafka offsets are (consumer_offset, latest_offset) pairs"
                    ))
                })?;
            out.entry(topic).or_default().insert(
                partition,
                PartitionOffsets {
                    consumer_offset: offset(who, c)?,
                    latest_offset: offset(who, l)?,
                },
            );
        }
    } else {
        for item in v.try_iter()? {
            let item = item?;
            let d = item.cast::<PyDict>().map_err(|_| {
                invalid_input(format!(
                    "{who}: Kafka offsets are a {{(topic, partition): (consumer, latest)}} dict or a list of dicts"
                ))
            })?;
            let get = |a: &str, b: &str| -> PyResult<Option<Bound<'_, PyAny>>> {
                Ok(match d.get_item(a)? {
                    Some(x) => Some(x),
                    None => d.get_item(b)?,
                })
            };
            let topic: String = get("topic", "topic")?
                .ok_or_else(|| invalid_input(format!("{who}: a Kafka offset needs \"topic\"")))?
                .extract()?;
            let partition: i32 = get("partition", "partition")?
                .ok_or_else(|| invalid_input(format!("{who}: a Kafka offset needs \"partition\"")))?
                .extract()?;
            out.entry(topic).or_default().insert(
                partition,
                PartitionOffsets {
                    consumer_offset: offset(who, get("consumer_offset", "consumerOffset")?)?,
                    latest_offset: offset(who, get("latest_offset", "latestOffset")?)?,
                },
            );
        }
    }
    Ok(out)
}

fn string_map(who: &str, d: &Bound<'_, PyDict>) -> PyResult<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for (k, v) in d.iter() {
        let k: String = k
            .extract()
            .map_err(|_| invalid_input(format!("{who}: attribute names are strings")))?;
        let v = if let Ok(s) = v.cast::<PyString>() {
            s.to_cow()?.into_owned()
        } else if v.is_instance_of::<PyInt>() {
            v.str()?.to_cow()?.into_owned()
        } else {
            return Err(invalid_input(format!(
                "{who}: attribute {k:?} must be a string or an integer"
            )));
        };
        out.insert(k, v);
    }
    Ok(out)
}

/// One reading for trigger `t`.
fn reading(t: &TriggerConfig, v: &Bound<'_, PyAny>, now: Timestamp) -> PyResult<Owned> {
    let who = format!("reading for {}", t.metric_name);
    if v.is_none() {
        return Ok(Owned::Error(
            "the host could not read the source".to_owned(),
        ));
    }
    if v.is_instance_of::<PyBaseException>() {
        return Ok(Owned::Error(v.str()?.to_cow()?.into_owned()));
    }
    if t.is_resource() {
        return Err(invalid_input(format!(
            "{who}: a {} trigger is read by the HPA, not given a reading",
            t.type_name()
        )));
    }
    if let Ok(x) = v.extract::<f64>() {
        if x.is_nan() {
            return Err(invalid_input(format!("{who}: NaN is not a valid value")));
        }
        return t
            .reading_from_value(x, now)
            .map(Owned::Value)
            .ok_or_else(|| invalid_input(format!("{who}: this trigger takes no value")));
    }
    match &t.kind {
        TriggerKind::Sqs(_) => {
            let d = v.cast::<PyDict>().map_err(|_| {
                invalid_input(format!("{who}: a number or a dict of queue attributes"))
            })?;
            Ok(Owned::Sqs(string_map(&who, d)?))
        }
        TriggerKind::Kafka(_) => Ok(Owned::Kafka(kafka_offsets(&who, v)?)),
        TriggerKind::Prometheus(_) => {
            let body: PrometheusResponse = serde_path_to_error::deserialize(to_json(v)?)
                .map_err(|e| invalid_input(format!("{who}: {}: {}", e.path(), e.inner())))?;
            Ok(Owned::Prometheus(body))
        }
        _ => Err(invalid_input(format!("{who}: expected a number"))),
    }
}

/// Readings in trigger order: a mapping (trigger name / index / metric name / type) or a
/// sequence. Cron and cpu/memory triggers need none; a missing one for another trigger is a
/// scaler failure.
fn readings(
    triggers: &[TriggerConfig],
    r: Option<&Bound<'_, PyAny>>,
    now: Timestamp,
) -> PyResult<Vec<Owned>> {
    let mut given: Vec<Option<Bound<'_, PyAny>>> = vec![None; triggers.len()];
    if let Some(r) = r.filter(|r| !r.is_none()) {
        if let Ok(d) = r.cast::<PyDict>() {
            for (k, v) in d.iter() {
                let i = trigger_index(triggers, &k)?;
                if let Some(slot) = given.get_mut(i) {
                    *slot = Some(v);
                }
            }
        } else if r.is_instance_of::<PyList>() || r.is_instance_of::<PyTuple>() {
            let items: Vec<Bound<'_, PyAny>> = r.try_iter()?.collect::<PyResult<_>>()?;
            if items.len() != triggers.len() {
                return Err(invalid_input(format!(
                    "{} readings for {} triggers",
                    items.len(),
                    triggers.len()
                )));
            }
            for (slot, v) in given.iter_mut().zip(items) {
                *slot = Some(v);
            }
        } else {
            return Err(invalid_input(
                "readings is a dict keyed by trigger name or index, or a list in trigger order",
            ));
        }
    }
    triggers
        .iter()
        .zip(given)
        .map(|(t, v)| match (v, &t.kind) {
            (Some(v), _) => reading(t, &v, now),
            (None, TriggerKind::Cron(_)) => Ok(Owned::Cron),
            (None, TriggerKind::Resource { .. }) => Ok(Owned::Resource),
            (None, _) => Ok(Owned::Error("no reading given".to_owned())),
        })
        .collect()
}

// --- decision --------------------------------------------------------------------------------

/// The result of one poll of a ScaledObject.
#[pyclass(frozen, eq, module = "tidescale.keda", name = "Decision")]
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct KedaDecision {
    d: CoreDecision,
}

fn reason_name(d: &CoreDecision) -> String {
    d.keda.executor.reason.as_str().to_owned()
}

#[pymethods]
impl KedaDecision {
    /// Replicas the scale target should have after this poll.
    #[getter]
    fn desired_replicas(&self) -> i32 {
        self.d.desired_replicas
    }

    /// The replica count the poll started from.
    #[getter]
    fn current_replicas(&self) -> i32 {
        self.d.keda.current_replicas
    }

    /// Whether the target is rescaled.
    #[getter]
    fn rescale(&self) -> bool {
        self.d.rescale
    }

    /// Whether the ScaledObject is active (some trigger above its activation threshold).
    #[getter]
    fn active(&self) -> bool {
        self.d
            .keda
            .executor
            .active_condition
            .unwrap_or(self.d.keda.is_active)
    }

    /// The first active trigger's metric name.
    #[getter]
    fn active_trigger(&self) -> Option<String> {
        self.d.keda.active_trigger.as_deref().map(str::to_owned)
    }

    /// Whether a fallback is in effect (the `Fallback` condition).
    #[getter]
    fn fallback(&self) -> bool {
        self.d.keda.fallback_engaged
    }

    /// Whether a trigger errored without fallback (or the formula failed).
    #[getter]
    fn error(&self) -> bool {
        self.d.keda.is_error
    }

    /// Whether KEDA's executor scaled the target itself (0 <-> 1, idle, min).
    #[getter]
    fn scaled_by_keda(&self) -> bool {
        self.d.keda.executor.scaled
    }

    /// Why the executor did what it did (`"ScaledUpFromZeroOrIdle"`, `"CoolingDown"`,
    /// `"ActiveHpaHandles"`, ...).
    #[getter]
    fn reason(&self) -> String {
        reason_name(&self.d)
    }

    /// The `Ready` condition (`"True"`, `"False"`, `"Unknown"`).
    #[getter]
    fn ready(&self) -> &'static str {
        match self.d.keda.executor.ready {
            ReadyStatus::True => "True",
            ReadyStatus::False => "False",
            ReadyStatus::Unknown => "Unknown",
        }
    }

    /// While cooling down: seconds until scale-in is allowed.
    #[getter]
    fn cooldown_remaining(&self) -> Option<f64> {
        self.d
            .keda
            .executor
            .cooldown_remaining_ms
            .map(|ms| ms as f64 / 1000.0)
    }

    /// `status.lastActiveTime` after the poll (seconds).
    #[getter]
    fn last_active_time(&self) -> Option<f64> {
        self.d
            .keda
            .executor
            .last_active_time
            .map(Timestamp::as_secs_f64)
    }

    /// The HPA's decision (1..N), when the HPA ran this poll.
    #[getter]
    fn hpa(&self) -> Option<Decision> {
        self.d.hpa.clone().map(|d| Decision { d })
    }

    /// The external metric values KEDA serves the HPA, by metric name.
    #[getter]
    fn hpa_metrics(&self) -> BTreeMap<String, f64> {
        self.d
            .keda
            .hpa_metrics
            .iter()
            .map(|(n, v)| (n.to_string(), *v as f64 / 1000.0))
            .collect()
    }

    /// Per trigger, in order: `metric_name`, `raw`, `value` (for the HPA), `active`,
    /// `fallback`, `error`.
    #[getter]
    fn triggers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for t in &self.d.keda.triggers {
            let d = PyDict::new(py);
            d.set_item("metric_name", t.metric_name.as_ref())?;
            d.set_item("raw", t.raw)?;
            d.set_item("value", t.metric_milli.map(|m| m as f64 / 1000.0))?;
            d.set_item("active", t.active)?;
            d.set_item("fallback", t.fallback)?;
            d.set_item("error", t.error.clone())?;
            list.append(d)?;
        }
        Ok(list)
    }

    /// The reasons, one sentence each: KEDA's, then the HPA's.
    #[getter]
    fn reasons(&self) -> Vec<String> {
        self.d.explanation()
    }

    /// `"scale up from 0 to 1 replica"`, `"stay at 4 replicas"`, ... (the core's words)
    #[getter]
    fn headline(&self) -> String {
        self.d.headline()
    }

    /// The headline and the reasons as one paragraph.
    #[getter]
    fn explanation(&self) -> String {
        let r = self.d.explanation();
        if r.is_empty() {
            self.headline()
        } else {
            format!("{}: {}", self.headline(), r.join("; "))
        }
    }

    /// The decision as a JSON-able dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let k = &self.d.keda;
        let triggers: Vec<Value> = k
            .triggers
            .iter()
            .map(|t| {
                json!({
                    "metricName": t.metric_name.as_ref(),
                    "raw": t.raw.filter(|r| r.is_finite()),
                    "value": t.metric_milli.map(|m| m as f64 / 1000.0),
                    "active": t.active,
                    "fallback": t.fallback,
                    "error": t.error,
                })
            })
            .collect();
        let v = json!({
            "desiredReplicas": self.d.desired_replicas,
            "currentReplicas": k.current_replicas,
            "rescale": self.d.rescale,
            "active": self.active(),
            "fallback": k.fallback_engaged,
            "error": k.is_error,
            "reason": reason_name(&self.d),
            "cooldownRemainingSeconds": self.cooldown_remaining(),
            "hpaMetrics": self.hpa_metrics(),
            "triggers": triggers,
            "hpa": self.d.hpa.as_ref().map(tidescale::hpa::Decision::to_json),
            "reasons": self.d.explanation(),
        });
        from_json(py, &v)
    }

    fn __repr__(&self) -> String {
        format!("<KedaDecision: {}>", self.explanation())
    }
}

// --- the ScaledObject ----------------------------------------------------------------------

#[derive(Debug, Clone)]
struct State {
    so: ScaledObject,
    settings: Settings,
    creation: f64,
    a: KedaAutoscaler,
}

/// A ScaledObject and the HPA KEDA creates for it, stepped once per poll.
#[pyclass(
    frozen,
    subclass,
    module = "tidescale._native",
    name = "KedaScaledObject"
)]
#[derive(Debug)]
pub(crate) struct KedaScaledObject {
    state: Mutex<State>,
}

impl KedaScaledObject {
    fn lock(&self) -> MutexGuard<'_, State> {
        // the core does not panic while the lock is held
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[pymethods]
impl KedaScaledObject {
    #[new]
    #[pyo3(signature = (manifest, hpa_settings = None, creation = 0.0, *, name = None))]
    fn new(
        manifest: &Bound<'_, PyAny>,
        hpa_settings: Option<&Bound<'_, PyAny>>,
        creation: f64,
        name: Option<&str>,
    ) -> PyResult<Self> {
        let so: ScaledObject = object_from_py(manifest, &SCALED_OBJECT, name)?;
        let settings = settings_from_py(hpa_settings, None)?;
        let c = seconds("creation", creation)?;
        let a = KedaAutoscaler::new(so.clone(), c, settings).map_err(core_error)?;
        Ok(Self {
            state: Mutex::new(State {
                so,
                settings,
                creation,
                a,
            }),
        })
    }

    /// One poll at `now` (seconds) with the target's current `replicas` and one reading per
    /// trigger.
    #[pyo3(signature = (now, replicas, readings = None))]
    fn step(
        &self,
        now: f64,
        replicas: i64,
        readings: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<KedaDecision> {
        let now = seconds("now", now)?;
        let replicas = i32::try_from(replicas)
            .ok()
            .filter(|r| *r >= 0)
            .ok_or_else(|| {
                invalid_input(format!("replicas: {replicas} is negative or too large"))
            })?;
        // Converting the readings may run Python code that touches this object: it runs with
        // the lock released, on a copy of the triggers.
        let triggers = self.lock().a.scaled_object().triggers().to_vec();
        let owned = self::readings(&triggers, readings, now)?;
        let inputs: Vec<TriggerInput<'_>> = owned.iter().map(Owned::input).collect();
        let mut st = self.lock();
        let d =
            st.a.step(now, replicas, &[], &[], &inputs)
                .map_err(core_error)?;
        Ok(KedaDecision { d })
    }

    /// When to poll next (seconds): the polling interval, the cooldown end or the HPA's next
    /// window boundary, whichever comes first.
    fn next_wakeup(&self, now: f64) -> PyResult<f64> {
        let now = seconds("now", now)?;
        Ok(self.lock().a.next_wakeup(now).as_secs_f64())
    }

    /// `metadata.name`.
    #[getter]
    fn name(&self) -> Option<String> {
        self.lock().so.metadata.name.clone()
    }

    /// `spec.minReplicaCount` (default 0).
    #[getter]
    fn min_replicas(&self) -> i32 {
        self.lock().so.spec.min_replica_count()
    }

    /// `spec.maxReplicaCount` (default 100).
    #[getter]
    fn max_replicas(&self) -> i32 {
        self.lock().so.spec.max_replica_count()
    }

    /// `spec.pollingInterval` in seconds (default 30).
    #[getter]
    fn polling_interval(&self) -> i32 {
        self.lock().so.spec.polling_interval()
    }

    /// `spec.cooldownPeriod` in seconds (default 300).
    #[getter]
    fn cooldown_period(&self) -> i32 {
        self.lock().so.spec.cooldown_period()
    }

    /// The triggers: `index`, `name`, `type`, `metric_name`, `activation_threshold`.
    #[getter]
    fn triggers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let st = self.lock();
        let list = PyList::empty(py);
        for t in st.a.scaled_object().triggers() {
            let d = PyDict::new(py);
            d.set_item("index", t.index)?;
            d.set_item("name", t.name.clone())?;
            d.set_item("type", t.type_name())?;
            d.set_item("metric_name", t.metric_name.clone())?;
            d.set_item("activation_threshold", t.activation_threshold())?;
            list.append(d)?;
        }
        Ok(list)
    }

    /// The ScaledObject as a manifest dict.
    fn manifest<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.lock().so)
    }

    /// The `autoscaling/v2` HPA KEDA creates for it, as a manifest dict.
    fn hpa_manifest<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, self.lock().a.hpa().hpa())
    }

    /// The HPA's history (recommendations and scale events).
    fn hpa_history<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        history_to_py(py, self.lock().a.hpa().history())
    }

    /// `status.lastActiveTime` (seconds).
    #[getter]
    fn last_active_time(&self) -> Option<f64> {
        self.lock()
            .a
            .scaled_object()
            .last_active_time()
            .map(Timestamp::as_secs_f64)
    }

    /// An exact copy (state included).
    fn __copy__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let state = slf.get().lock().clone();
        let args = (
            to_py(py, &state.so)?,
            to_py(py, &state.settings)?,
            state.creation,
        );
        let copy = slf.get_type().call1(args)?;
        *copy.cast::<Self>()?.get().lock() = state;
        Ok(copy)
    }

    fn __deepcopy__<'py>(
        slf: &Bound<'py, Self>,
        _memo: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        Self::__copy__(slf)
    }

    /// Pickle: the manifest, the HPA settings, the creation time, `lastActiveTime` and the
    /// HPA's history. Scaler health and Kafka offset memory start afresh.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let (manifest, settings, creation, state) = {
            let st = slf.get().lock();
            let state = PyDict::new(py);
            state.set_item(
                "last_active_time",
                st.a.scaled_object()
                    .last_active_time()
                    .map(Timestamp::as_secs_f64),
            )?;
            state.set_item("hpa_history", history_to_py(py, st.a.hpa().history())?)?;
            (
                to_py(py, &st.so)?,
                to_py(py, &st.settings)?,
                st.creation,
                state,
            )
        };
        let cls: Bound<'py, PyType> = slf.get_type();
        let args = PyTuple::new(
            py,
            [manifest, settings, creation.into_pyobject(py)?.into_any()],
        )?;
        PyTuple::new(py, [cls.into_any(), args.into_any(), state.into_any()])
    }

    /// Restores `lastActiveTime` and the HPA's history (pickle protocol).
    fn __setstate__(&self, state: &Bound<'_, PyDict>) -> PyResult<()> {
        let last = match state.get_item("last_active_time")? {
            Some(v) if !v.is_none() => Some(seconds("last_active_time", v.extract()?)?),
            _ => None,
        };
        let history: Option<tidescale::hpa::History> = match state.get_item("hpa_history")? {
            Some(h) if !h.is_none() => Some(history_from_py("hpa_history", &h)?),
            _ => None,
        };
        let mut st = self.lock();
        st.a.set_last_active_time(last);
        if let Some(h) = history {
            st.a.set_hpa_history(h);
        }
        Ok(())
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let cls = slf.get_type().qualname()?;
        let st = slf.get().lock();
        let kinds: Vec<&str> =
            st.a.scaled_object()
                .triggers()
                .iter()
                .map(TriggerConfig::type_name)
                .collect();
        Ok(format!(
            "<{cls} {}: {}..{} replicas on {}>",
            st.so.metadata.name.as_deref().unwrap_or("(unnamed)"),
            st.so.spec.min_replica_count(),
            st.so.spec.max_replica_count(),
            kinds.join(", ")
        ))
    }
}

// --- ScaledJob -------------------------------------------------------------------------------

/// How many Jobs a ScaledJob creates this poll, from one metric value (queue length) per
/// trigger, the running and the pending Job counts.
#[pyfunction]
#[pyo3(signature = (manifest, metrics, *, running = 0, pending = 0, name = None))]
pub(crate) fn scaledjob_decision<'py>(
    py: Python<'py>,
    manifest: &Bound<'py, PyAny>,
    metrics: &Bound<'py, PyAny>,
    running: i64,
    pending: i64,
    name: Option<&str>,
) -> PyResult<Bound<'py, PyAny>> {
    let job: ScaledJob = object_from_py(manifest, &SCALED_JOB, name)?;
    let triggers = job.triggers().map_err(keda_error)?;
    let mut values: Vec<Option<f64>> = vec![None; triggers.len()];
    if let Ok(d) = metrics.cast::<PyDict>() {
        for (k, v) in d.iter() {
            let i = trigger_index(&triggers, &k)?;
            if let Some(slot) = values.get_mut(i) {
                *slot = Some(job_value(&v)?);
            }
        }
    } else if let Ok(x) = metrics.extract::<f64>() {
        if triggers.len() != 1 {
            return Err(invalid_input(format!(
                "one value for {} triggers: pass a dict or a list",
                triggers.len()
            )));
        }
        values = vec![Some(job_number(x)?)];
    } else {
        let items: Vec<Bound<'_, PyAny>> = metrics.try_iter()?.collect::<PyResult<_>>()?;
        if items.len() != triggers.len() {
            return Err(invalid_input(format!(
                "{} values for {} triggers",
                items.len(),
                triggers.len()
            )));
        }
        for (slot, v) in values.iter_mut().zip(items) {
            *slot = Some(job_value(&v)?);
        }
    }
    let mut readings = Vec::with_capacity(triggers.len());
    for (t, v) in triggers.iter().zip(&values) {
        let r = match (&t.kind, v) {
            (TriggerKind::Cron(_), _) => t.reading_from_value(0.0, Timestamp(0)),
            (_, Some(v)) => t.reading_from_value(*v, Timestamp(0)),
            (_, None) => None,
        };
        readings.push(
            r.ok_or_else(|| invalid_input(format!("no value for trigger {}", t.describe())))?,
        );
    }
    let d = job
        .decide(&readings, running, pending)
        .map_err(keda_error)?;
    let v = json!({
        "active": d.combined.is_active,
        "queueLength": d.combined.queue_length,
        "maxScale": d.combined.max_value,
        "effectiveMaxScale": d.decision.effective_max_scale,
        "scaleTo": d.decision.scale_to,
        "jobsToCreate": d.jobs_to_create,
        "strategy": d.strategy.name(),
        "minReplicaCount": d.bounds.min_replica_count(),
        "maxReplicaCount": d.bounds.max_replica_count(),
    });
    from_json(py, &v)
}

fn job_number(x: f64) -> PyResult<f64> {
    crate::convert::non_negative("metric", x)
}

fn job_value(v: &Bound<'_, PyAny>) -> PyResult<f64> {
    let x: f64 = v
        .extract()
        .map_err(|_| invalid_input("a ScaledJob metric is a number (the queue length)"))?;
    job_number(x)
}
