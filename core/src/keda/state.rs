//! [`ScaledObjectController`]: one ScaledObject, stepped by the host every `pollingInterval`
//! with `now`, the scale target's replica count and one reading per trigger.
//!
//! Each step runs the scalers, the fallback (health per metric), scaling modifiers, activation
//! across triggers, and the executor's 0 <-> 1 / idle state machine. It returns the replica
//! decision for the 0 <-> min step, the external metric values for the HPA KEDA created
//! ([`super::to_hpa`]), and the reasons. The HPA itself (1..N) is stepped by the host.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::activation::{ExecutorInput, ExecutorOutcome, ExecutorReason, request_scale};
use super::fallback::{
    FallbackBehavior, FallbackInput, FallbackOutcome, HealthStatus, apply_fallback,
    fallback_condition,
};
use super::goparse::approx_f64;
use super::scaled_object::ScaledObject;
use super::scalers::{KafkaLag, KafkaOffsets, PrometheusResponse, ScalerReading};
use super::scaling_modifiers::{Formula, FormulaValue, composite_milli, formula_input};
use super::triggers::{COMPOSITE_METRIC, TriggerConfig, TriggerKind, modifiers_of, parse_triggers};
use super::{KedaError, triggers::validate_replicas};
use crate::Timestamp;
use crate::hpa::MetricTargetType;

/// The host's raw reading for one trigger, in `spec.triggers` order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TriggerInput<'a> {
    /// `aws-sqs-queue`: the `GetQueueAttributes` answer.
    Sqs(&'a BTreeMap<String, String>),
    /// `kafka`: offsets per topic/partition.
    Kafka(&'a KafkaOffsets),
    /// `prometheus`: HTTP status and decoded body.
    Prometheus {
        /// HTTP status code.
        status: u16,
        /// The decoded body.
        body: &'a PrometheusResponse,
    },
    /// `cron`: needs only `now`.
    Cron,
    /// A reading the host computed itself (any scaler), or nothing for cpu/memory.
    Reading(ScalerReading),
    /// cpu/memory: the HPA reads these itself.
    Resource,
    /// The host could not read the source (the scaler errored).
    Error(&'a str),
}

/// One trigger's result in a step.
#[derive(Debug, Clone, PartialEq)]
pub struct TriggerOutcome {
    /// The metric name (`s<i>-...`; the resource name for cpu/memory).
    pub metric_name: Arc<str>,
    /// A cpu/memory trigger (the HPA reads it itself).
    pub resource: bool,
    /// The raw scaler value (activation compares it), when the scaler answered.
    pub raw: Option<f64>,
    /// The value for the HPA in milli-units (after fallback), if any.
    pub metric_milli: Option<i64>,
    /// Whether it counts as active.
    pub active: bool,
    /// Its fallback is in effect.
    pub fallback: bool,
    /// The scaler's error, if it failed.
    pub error: Option<String>,
}

/// A noteworthy event of a step (rendered by [`ScaledObjectDecision::explanation`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Note {
    /// A negative or NaN raw value: the HPA gets 0 while activation compared the raw value
    /// (KEDA's `GenerateMetricInMili`).
    RawSentAsZero {
        /// Metric name.
        trigger: Arc<str>,
        /// The raw value.
        raw: f64,
    },
    /// The trigger failed past `failureThreshold`; its fallback metric is in effect.
    FallbackEngaged {
        /// Metric name.
        trigger: Arc<str>,
        /// The fallback metric (milli).
        metric_milli: i64,
        /// The replica count it encodes.
        replicas: i32,
    },
    /// The trigger's scaler failed (no fallback yet).
    ScalerError {
        /// Metric name.
        trigger: Arc<str>,
        /// The error.
        error: String,
    },
    /// With scaling modifiers and a non-`scalingModifiers` fallback in effect: the composite
    /// metric carries the first fallback metric, the formula is not evaluated.
    CompositeFromFallback,
    /// The scaling-modifiers formula failed.
    FormulaError(String),
}

impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::RawSentAsZero { trigger, raw } => write!(
                f,
                "{trigger}: raw value {raw} is sent to the HPA as 0; activation compared the raw value"
            ),
            Self::FallbackEngaged {
                trigger,
                metric_milli,
                replicas,
            } => write!(
                f,
                "{trigger}: failing past failureThreshold; fallback metric {metric_milli}m makes the HPA hold {replicas} replicas"
            ),
            Self::ScalerError { trigger, error } => write!(f, "{trigger}: scaler error: {error}"),
            Self::CompositeFromFallback => f.write_str(
                "fallback in effect: composite-metric carries the first fallback metric; formula not evaluated",
            ),
            Self::FormulaError(e) => write!(f, "scaling modifiers: {e}"),
        }
    }
}

/// What one step decided, with its explanation.
#[derive(Debug, Clone, PartialEq)]
pub struct ScaledObjectDecision {
    /// The executor's outcome (replicas after the 0 <-> min step, conditions, reason).
    pub executor: ExecutorOutcome,
    /// The replica count the step started from.
    pub current_replicas: i32,
    /// Per-trigger outcomes, in `spec.triggers` order.
    pub triggers: Vec<TriggerOutcome>,
    /// External metric values for the HPA, `(name, milli)`; `composite-metric` with modifiers.
    pub hpa_metrics: Vec<(Arc<str>, i64)>,
    /// Activity across triggers (or of the composite metric); forced activation is applied by
    /// the executor (`executor.active_condition`).
    pub is_active: bool,
    /// Some trigger errored without fallback (or the formula failed).
    pub is_error: bool,
    /// The `Fallback` condition.
    pub fallback_engaged: bool,
    /// The first active trigger's metric name.
    pub active_trigger: Option<Arc<str>>,
    /// Noteworthy events, in order.
    pub notes: Vec<Note>,
}

impl ScaledObjectDecision {
    /// Human-readable reasons: the notes, then the executor's decision.
    pub fn explanation(&self) -> Vec<String> {
        let mut out: Vec<String> = self.notes.iter().map(ToString::to_string).collect();
        let exec = &self.executor;
        let cur = self.current_replicas;
        let trig = self
            .active_trigger
            .as_deref()
            .unwrap_or("forced activation");
        out.push(match exec.reason {
            ExecutorReason::Paused => "paused: the executor does not evaluate".to_owned(),
            ExecutorReason::ScaledUpFromZeroOrIdle => {
                format!(
                    "active (trigger {trig}): scaled from {cur} to {}",
                    exec.replicas
                )
            }
            ExecutorReason::ScaleOutPaused => "active, but paused-scale-out".to_owned(),
            ExecutorReason::PartialTriggerError => {
                "active, but a trigger errored (Ready=Unknown)".to_owned()
            }
            ExecutorReason::ActiveHpaHandles => {
                format!("active (trigger {trig}): the HPA handles 1..N")
            }
            ExecutorReason::FallbackHoldsReplicas => {
                "inactive with a trigger error: fallback keeps replicas above 0".to_owned()
            }
            ExecutorReason::TriggerErrorNoFallback => {
                "inactive with a trigger error and no fallback (Ready=False)".to_owned()
            }
            ExecutorReason::ScaledDown => format!(
                "inactive past the cooldown: scaled from {cur} to {}",
                exec.replicas
            ),
            ExecutorReason::CoolingDown => format!(
                "inactive, cooling down: {} s left",
                Timestamp(exec.cooldown_remaining_ms.unwrap_or(0)).as_secs_f64()
            ),
            ExecutorReason::ScaleInPaused => "inactive, but paused-scale-in".to_owned(),
            ExecutorReason::RaisedToMin => {
                format!(
                    "inactive below minReplicaCount: raised to {}",
                    exec.replicas
                )
            }
            ExecutorReason::Idle => "inactive: nothing to do".to_owned(),
        });
        out
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Modifiers {
    formula: Formula,
    target: f64,
    target_type: MetricTargetType,
    activation: f64,
    env: Vec<FormulaValue>,
    var_trigger: Vec<Option<usize>>,
}

/// The stateful KEDA controller for one ScaledObject (sans-IO).
///
/// ```
/// use std::collections::BTreeMap;
/// use tidescale::Timestamp;
/// use tidescale::keda::{ScaledObjectController, TriggerInput, ExecutorReason};
/// let so = serde_json::from_str(r#"{"metadata": {"name": "q"}, "spec": {
///   "scaleTargetRef": {"name": "w"}, "minReplicaCount": 0, "cooldownPeriod": 60,
///   "triggers": [{"type": "aws-sqs-queue", "metadata": {"queueURL": "q", "queueLength": "5"}}]}}"#).unwrap();
/// let mut c = ScaledObjectController::new(so, Timestamp(0)).unwrap();
/// let busy = BTreeMap::from([("ApproximateNumberOfMessages".to_owned(), "20".to_owned()),
///     ("ApproximateNumberOfMessagesNotVisible".to_owned(), "0".to_owned())]);
/// let d = c.step(Timestamp::from_secs(10), 0, None, &[TriggerInput::Sqs(&busy)]).unwrap();
/// assert_eq!(d.executor.replicas, 1);                       // 0 -> 1
/// assert_eq!(d.hpa_metrics[0].1, 20_000);                    // the HPA then asks for 4
/// let idle = BTreeMap::from([("ApproximateNumberOfMessages".to_owned(), "0".to_owned()),
///     ("ApproximateNumberOfMessagesNotVisible".to_owned(), "0".to_owned())]);
/// let d = c.step(Timestamp::from_secs(40), 4, None, &[TriggerInput::Sqs(&idle)]).unwrap();
/// assert_eq!(d.executor.reason, ExecutorReason::CoolingDown);
/// assert_eq!(c.next_wakeup(Timestamp::from_secs(40)), Timestamp::from_secs(70));
/// let d = c.step(Timestamp::from_secs(71), 4, None, &[TriggerInput::Sqs(&idle)]).unwrap();
/// assert_eq!(d.executor.replicas, 0);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ScaledObjectController {
    so: ScaledObject,
    triggers: Vec<TriggerConfig>,
    kafka: Vec<Option<KafkaLag>>,
    modifiers: Option<Modifiers>,
    names: Vec<Arc<str>>,
    composite_name: Arc<str>,
    health: BTreeMap<String, HealthStatus>,
    last_active_time: Option<Timestamp>,
    creation: Timestamp,
    cooldown_deadline: Option<Timestamp>,
}

impl ScaledObjectController {
    /// Validates the ScaledObject and parses its triggers. `creation` is
    /// `metadata.creationTimestamp` (for `initialCooldownPeriod`).
    pub fn new(so: ScaledObject, creation: Timestamp) -> Result<Self, KedaError> {
        validate_replicas(&so)?;
        let triggers = parse_triggers(&so)?;
        let modifiers =
            modifiers_of(&so, &triggers)?.map(|(formula, target, target_type, activation)| {
                let var_trigger = formula
                    .variables()
                    .iter()
                    .map(|v| {
                        triggers
                            .iter()
                            .position(|t| t.name.as_deref() == Some(v.as_str()))
                    })
                    .collect();
                Modifiers {
                    env: vec![FormulaValue::Nil; formula.variables().len()],
                    formula,
                    target,
                    target_type,
                    activation,
                    var_trigger,
                }
            });
        let kafka = triggers
            .iter()
            .map(|t| match &t.kind {
                TriggerKind::Kafka(m) => Some(KafkaLag::new(m.clone())),
                _ => None,
            })
            .collect();
        let names = triggers
            .iter()
            .map(|t| Arc::from(t.metric_name.as_str()))
            .collect();
        Ok(Self {
            so,
            names,
            composite_name: Arc::from(COMPOSITE_METRIC),
            triggers,
            kafka,
            modifiers,
            health: BTreeMap::new(),
            last_active_time: None,
            creation,
            cooldown_deadline: None,
        })
    }

    /// The parsed triggers.
    pub fn triggers(&self) -> &[TriggerConfig] {
        &self.triggers
    }

    /// `status.health`, per metric name.
    pub fn health(&self) -> &BTreeMap<String, HealthStatus> {
        &self.health
    }

    /// `status.lastActiveTime`.
    pub fn last_active_time(&self) -> Option<Timestamp> {
        self.last_active_time
    }

    /// Restores `status.lastActiveTime` (after a restart, or to ask "what if the last
    /// activity was at `t`": the cooldown counts from it).
    pub fn set_last_active_time(&mut self, t: Option<Timestamp>) {
        self.last_active_time = t;
    }

    /// When the host should step again: the next poll (`now + pollingInterval`), or the end of
    /// the cooldown if that comes first (scale-in happens strictly after it, so 1 ms later).
    pub fn next_wakeup(&self, now: Timestamp) -> Timestamp {
        let poll = now.plus_secs(i64::from(self.so.spec.polling_interval().max(1)));
        match self.cooldown_deadline {
            Some(d) if d.plus_millis(1) > now => poll.min(d.plus_millis(1)),
            _ => poll,
        }
    }

    fn read(
        &mut self,
        i: usize,
        input: &TriggerInput<'_>,
        now: Timestamp,
    ) -> Result<ScalerReading, String> {
        let Some(t) = self.triggers.get(i) else {
            return Err("no such trigger".to_owned());
        };
        let mismatch = || format!("reading does not match trigger type of {}", t.metric_name);
        match (&t.kind, input) {
            (_, TriggerInput::Error(e)) => Err((*e).to_owned()),
            (_, TriggerInput::Reading(r)) => Ok(*r),
            (TriggerKind::Sqs(m), TriggerInput::Sqs(a)) => m.evaluate(a).map_err(|e| e.to_string()),
            (TriggerKind::Prometheus(m), TriggerInput::Prometheus { status, body }) => {
                m.evaluate(*status, body).map_err(|e| e.to_string())
            }
            (TriggerKind::Cron(m), TriggerInput::Cron) => Ok(m.evaluate(now)),
            (TriggerKind::Kafka(_), TriggerInput::Kafka(o)) => match self.kafka.get_mut(i) {
                Some(Some(k)) => k.evaluate(o).map_err(|e| e.to_string()),
                _ => Err(mismatch()),
            },
            (TriggerKind::Resource { .. }, _) => Ok(ScalerReading {
                raw: 0.0,
                metric_milli: 0,
                is_active: false,
            }),
            _ => Err(mismatch()),
        }
    }

    /// One poll. `current_replicas` is the scale subresource's `spec.replicas`;
    /// `ready_replicas` is needed only for a `Value` fallback. `readings` holds one entry per
    /// trigger, in order.
    pub fn step(
        &mut self,
        now: Timestamp,
        current_replicas: i32,
        ready_replicas: Option<i32>,
        readings: &[TriggerInput<'_>],
    ) -> Result<ScaledObjectDecision, KedaError> {
        // A `now` before the previous step's is accepted, as by every tidescale controller:
        // upstream reads a wall clock and tolerates skew; the step is computed at that `now`.
        if readings.len() != self.triggers.len() {
            return Err(KedaError::Readings(format!(
                "{} readings for {} triggers",
                readings.len(),
                self.triggers.len()
            )));
        }
        let mut notes = Vec::new();
        let fallback = self.so.spec.fallback;
        let mut outcomes = Vec::with_capacity(self.triggers.len());
        for (i, input) in readings.iter().enumerate() {
            let reading = self.read(i, input, now);
            let (Some(t), Some(name)) = (self.triggers.get(i), self.names.get(i)) else {
                break;
            };
            let mut out = TriggerOutcome {
                metric_name: Arc::clone(name),
                resource: t.is_resource(),
                raw: None,
                metric_milli: None,
                active: false,
                fallback: false,
                error: None,
            };
            if out.resource {
                outcomes.push(out);
                continue;
            }
            let modifiers_target = self.so.spec.scaling_modifiers().map(|m| m.target.as_str());
            let fb_input = FallbackInput {
                fallback: fallback.as_ref(),
                modifiers_target,
                external: true,
                target_type: self
                    .modifiers
                    .as_ref()
                    .map_or(t.target.type_, |m| m.target_type),
                target_milli: self
                    .modifiers
                    .as_ref()
                    .map_or_else(|| t.target_milli(), |m| super::metric_milli(m.target)),
                current_replicas: Some(current_replicas),
                ready_replicas,
            };
            let milli = reading
                .as_ref()
                .map(|r| r.metric_milli)
                .map_err(String::as_str);
            let fo = apply_fallback(&fb_input, &mut self.health, &t.metric_name, milli)
                .unwrap_or_else(|e| FallbackOutcome::Failed(e.to_string()));
            out.raw = reading.as_ref().ok().map(|r| r.raw);
            match fo {
                FallbackOutcome::Passed(m) => {
                    out.active = reading.as_ref().is_ok_and(|r| r.is_active);
                    out.metric_milli = Some(m);
                    if let Some(r) = out.raw
                        && (r.is_nan() || r < 0.0)
                    {
                        notes.push(Note::RawSentAsZero {
                            trigger: Arc::clone(name),
                            raw: r,
                        });
                    }
                }
                FallbackOutcome::FallenBack {
                    metric_milli,
                    replicas,
                } => {
                    notes.push(Note::FallbackEngaged {
                        trigger: Arc::clone(name),
                        metric_milli,
                        replicas,
                    });
                    out.metric_milli = Some(metric_milli);
                    out.active = true;
                    out.fallback = true;
                    out.error = reading.err();
                }
                FallbackOutcome::Failed(e) => {
                    notes.push(Note::ScalerError {
                        trigger: Arc::clone(name),
                        error: e.clone(),
                    });
                    out.error = Some(e);
                }
            }
            outcomes.push(out);
        }
        let mut is_error = outcomes.iter().any(|o| o.error.is_some() && !o.fallback);
        let all_resource = !outcomes.is_empty() && outcomes.iter().all(|o| o.resource);
        let mut active = outcomes.iter().any(|o| o.active) || (all_resource && !is_error);
        let mut hpa_metrics: Vec<(Arc<str>, i64)> = Vec::with_capacity(outcomes.len());
        if let Some(m) = self.modifiers.as_mut() {
            let fb_behavior = fallback.map(|f| f.behavior);
            let first_fallback = outcomes
                .iter()
                .find(|o| o.fallback)
                .and_then(|o| o.metric_milli);
            let composite = match first_fallback {
                Some(v) if fb_behavior != Some(FallbackBehavior::ScalingModifiers) => {
                    notes.push(Note::CompositeFromFallback);
                    Some((approx_f64(v), v))
                }
                _ => {
                    for (slot, ti) in m.env.iter_mut().zip(&m.var_trigger) {
                        let o = ti.and_then(|ti| outcomes.get(ti));
                        let t = ti.and_then(|ti| self.triggers.get(ti));
                        let health = t.and_then(|t| self.health.get(&t.metric_name));
                        *slot = match o {
                            Some(o) if !o.fallback => o
                                .metric_milli
                                .and_then(|v| formula_input(v, fallback.as_ref(), health))
                                .map_or(FormulaValue::Nil, FormulaValue::Float),
                            _ => FormulaValue::Nil,
                        };
                    }
                    match m.formula.evaluate_env(&m.env) {
                        Ok(r) => composite_milli(r, fallback.map(|f| f.replicas), m.target)
                            .map(|v| (r.unwrap_or_else(|| approx_f64(v)), v)),
                        Err(e) => {
                            notes.push(Note::FormulaError(e.to_string()));
                            is_error = true;
                            None
                        }
                    }
                }
            };
            active = match composite {
                Some((value, milli)) => {
                    hpa_metrics.push((Arc::clone(&self.composite_name), milli));
                    !is_error && value > m.activation
                }
                None => false,
            };
        } else {
            hpa_metrics.extend(
                outcomes
                    .iter()
                    .filter_map(|o| o.metric_milli.map(|v| (Arc::clone(&o.metric_name), v))),
            );
        }
        let fallback_engaged = fallback.is_some_and(|f| fallback_condition(&f, &self.health));
        let spec = &self.so.spec;
        let exec = request_scale(&ExecutorInput {
            min_replica_count: spec.min_replica_count,
            idle_replica_count: spec.idle_replica_count,
            current_replicas,
            is_active: active,
            is_error,
            annotations: &self.so.metadata.annotations,
            last_active_time: self.last_active_time,
            creation_timestamp: self.creation,
            cooldown_period: spec.cooldown_period(),
            initial_cooldown_period: spec.initial_cooldown_period(),
            fallback_holds: fallback.is_some_and(|f| f.replicas != 0),
            now,
        });
        self.last_active_time = exec.last_active_time;
        self.cooldown_deadline = exec.cooldown_remaining_ms.map(|ms| now.plus_millis(ms));
        let active_trigger = outcomes
            .iter()
            .find(|o| o.active)
            .map(|o| Arc::clone(&o.metric_name));
        Ok(ScaledObjectDecision {
            executor: exec,
            current_replicas,
            triggers: outcomes,
            hpa_metrics,
            is_active: active,
            is_error,
            fallback_engaged,
            active_trigger,
            notes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keda::activation::ReadyStatus;

    fn so(json: &str) -> ScaledObject {
        serde_json::from_str(json).unwrap()
    }

    fn reading(raw: f64, active: bool) -> TriggerInput<'static> {
        TriggerInput::Reading(ScalerReading {
            raw,
            metric_milli: crate::keda::metric_milli(raw),
            is_active: active,
        })
    }

    const TWO: &str = r#"{"metadata": {"name": "x"}, "spec": {"scaleTargetRef": {"name": "w"},
      "minReplicaCount": 0, "fallback": {"failureThreshold": 1, "replicas": 6},
      "triggers": [
        {"type": "aws-sqs-queue", "name": "a", "metadata": {"queueURL": "q1", "queueLength": "5"}},
        {"type": "prometheus", "name": "b", "metadata": {"serverAddress": "http://p", "query": "up", "threshold": "2"}}
      ]}}"#;

    #[test]
    fn fallback_engages_on_second_failure_and_keeps_active() {
        let mut c = ScaledObjectController::new(so(TWO), Timestamp(0)).unwrap();
        let t = Timestamp::from_secs(100);
        let d = c
            .step(
                t,
                2,
                None,
                &[TriggerInput::Error("down"), reading(0.0, false)],
            )
            .unwrap();
        // 1 failure == threshold: error propagates, inactive, fallback holds replicas.
        assert!(d.is_error && !d.is_active);
        assert_eq!(d.executor.reason, ExecutorReason::FallbackHoldsReplicas);
        let d = c
            .step(
                t.plus_secs(30),
                2,
                None,
                &[TriggerInput::Error("down"), reading(0.0, false)],
            )
            .unwrap();
        assert!(d.fallback_engaged && d.is_active && !d.is_error);
        // target 5 x 6 replicas
        assert_eq!(d.hpa_metrics[0].1, 30_000);
        assert!(d.explanation().iter().any(|e| e.contains("6 replicas")));
    }

    #[test]
    fn negative_reading_sent_as_zero_but_activates() {
        let mut c = ScaledObjectController::new(so(TWO), Timestamp(0)).unwrap();
        let d = c
            .step(
                Timestamp(1),
                0,
                None,
                &[reading(0.0, false), reading(-5.0, true)],
            )
            .unwrap();
        assert_eq!(d.hpa_metrics[1].1, 0);
        assert_eq!(d.executor.replicas, 1);
        assert!(matches!(d.notes[0], Note::RawSentAsZero { .. }));
    }

    #[test]
    fn time_going_backwards_is_computed_at_that_time() {
        let mut c = ScaledObjectController::new(so(TWO), Timestamp(0)).unwrap();
        let r = [reading(0.0, false), reading(0.0, false)];
        c.step(Timestamp(10_000), 0, None, &r).unwrap();
        // one rule for every controller: an earlier `now` is a step at that `now`
        let back = c.step(Timestamp(9_000), 0, None, &r).unwrap();
        let mut fresh = ScaledObjectController::new(so(TWO), Timestamp(0)).unwrap();
        let fresh = fresh.step(Timestamp(9_000), 0, None, &r).unwrap();
        assert_eq!(back.executor.replicas, fresh.executor.replicas);
        assert_eq!(back.executor.replicas, 0);
        assert!(matches!(
            c.step(Timestamp(10_000), 0, None, &r[..1]),
            Err(KedaError::Readings(_))
        ));
    }

    #[test]
    fn scaling_modifiers_composite_and_activation_target() {
        let json = TWO.replace(
            r#""minReplicaCount": 0,"#,
            r#""minReplicaCount": 0, "advanced": {"scalingModifiers": {"formula": "a + b",
               "target": "2", "activationTarget": "10"}},"#,
        );
        let mut c = ScaledObjectController::new(so(&json), Timestamp(0)).unwrap();
        let d = c
            .step(
                Timestamp(1),
                0,
                None,
                &[reading(0.7, true), reading(0.1, true)],
            )
            .unwrap();
        // 0.7 + 0.1 read back from quantities is exactly 0.8 -> 800m; 0.8 <= 10: inactive.
        assert_eq!(d.hpa_metrics, vec![(Arc::from("composite-metric"), 800)]);
        assert!(!d.is_active);
        assert_eq!(d.executor.replicas, 0);
        let d = c
            .step(
                Timestamp(2),
                0,
                None,
                &[reading(7.0, true), reading(5.0, true)],
            )
            .unwrap();
        assert!(d.is_active);
        assert_eq!(d.executor.replicas, 1);
    }

    #[test]
    fn formula_naming_unknown_trigger_is_rejected() {
        let json = TWO.replace(
            r#""minReplicaCount": 0,"#,
            r#""minReplicaCount": 0, "advanced": {"scalingModifiers": {"formula": "a + zz", "target": "2"}},"#,
        );
        assert!(matches!(
            ScaledObjectController::new(so(&json), Timestamp(0)),
            Err(KedaError::InvalidSpec(_))
        ));
    }

    #[test]
    fn cpu_only_objects_are_always_active() {
        let json = r#"{"metadata": {"name": "x"}, "spec": {"scaleTargetRef": {"name": "w"},
          "minReplicaCount": 0, "triggers": [{"type": "cpu", "metricType": "Utilization",
          "metadata": {"value": "60"}}]}}"#;
        let mut c = ScaledObjectController::new(so(json), Timestamp(0)).unwrap();
        let d = c
            .step(Timestamp(1), 0, None, &[TriggerInput::Resource])
            .unwrap();
        assert!(d.is_active);
        assert_eq!(d.executor.replicas, 1);
        assert_eq!(d.executor.ready, ReadyStatus::True);
        assert!(d.hpa_metrics.is_empty());
    }
}
