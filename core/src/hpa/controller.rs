//! The HPA controller as a state machine the host drives (`reconcileAutoscaler`).
//!
//! Create it from an HPA object and [`Settings`]; call [`Controller::step`] every sync period
//! with `now` and an [`Observation`]; read the [`Decision`]. The history that makes the
//! controller stateful (recommendations and scale events) is [`History`], which serializes, so a
//! host can restart without losing it.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::HpaError;
use super::conditions::{Condition, ConditionStatus, ConditionType, Reason, set_condition};
use super::defaults::apply_defaults;
use super::observation::{MetricValues, Observation, PodInfo};
use super::pod_groups::ReadinessTimings;
use super::replica_calc::{Proposal, ReplicaCalculator};
use super::scale_events::{ScaleEvent, store_scale_event};
use super::select_policy::{Events, RateArgs, behavior_rate, legacy_rate};
use super::spec::{HorizontalPodAutoscaler, HpaScalingRules, MetricSourceType, MetricSpec};
use super::stabilization_window::{Recommendation, stabilize_legacy, stabilize_with_behavior};
use super::tolerance::Tolerances;
use super::validation::{ValidationGates, validate};
use crate::Timestamp;

/// Which scale-to-zero rules to follow when the target is at 0 replicas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum ScaleToZeroVariant {
    /// Released controllers (≤ v1.35): at 0 with `minReplicas != 0` scaling is disabled; with
    /// `minReplicas: 0` metrics are evaluated.
    #[default]
    Released,
    /// Newest master (KEP-2021 rework): a `ScaledToZero` condition separates "the HPA scaled
    /// to 0" from "a user set 0".
    Master,
}

/// Controller flags and feature gates; `Default` gives Kubernetes' defaults.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    /// `--horizontal-pod-autoscaler-tolerance` (0.1).
    pub tolerance: f64,
    /// `--horizontal-pod-autoscaler-sync-period` in seconds (15).
    pub sync_period_seconds: i64,
    /// `--horizontal-pod-autoscaler-downscale-stabilization` in seconds (300).
    pub downscale_stabilization_seconds: i64,
    /// `--horizontal-pod-autoscaler-cpu-initialization-period` in seconds (300).
    pub cpu_initialization_period_seconds: i64,
    /// `--horizontal-pod-autoscaler-initial-readiness-delay` in seconds (30).
    pub initial_readiness_delay_seconds: i64,
    /// Legacy scale-up factor (2.0).
    pub scale_up_limit_factor: f64,
    /// Legacy scale-up minimum (4.0).
    pub scale_up_limit_minimum: f64,
    /// Feature gate `HPAConfigurableTolerance` (on since 1.35).
    pub configurable_tolerance: bool,
    /// Feature gate `HPAScaleToZero` (off by default).
    pub scale_to_zero: bool,
    /// Feature gate `PodLevelResources`.
    pub pod_level_resources: bool,
    /// Which scale-to-zero rules apply.
    pub scale_to_zero_variant: ScaleToZeroVariant,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            tolerance: 0.1,
            sync_period_seconds: 15,
            downscale_stabilization_seconds: 300,
            cpu_initialization_period_seconds: 300,
            initial_readiness_delay_seconds: 30,
            scale_up_limit_factor: 2.0,
            scale_up_limit_minimum: 4.0,
            configurable_tolerance: true,
            scale_to_zero: false,
            pod_level_resources: false,
            scale_to_zero_variant: ScaleToZeroVariant::Released,
        }
    }
}

impl Settings {
    fn check(&self) -> Result<(), HpaError> {
        let bad = |what: &str| Err(HpaError::Invalid(format!("settings: {what}")));
        if !self.tolerance.is_finite() || self.tolerance < 0.0 {
            return bad("tolerance must be a finite number >= 0");
        }
        if !self.scale_up_limit_factor.is_finite() || !self.scale_up_limit_minimum.is_finite() {
            return bad("scale-up limit factor and minimum must be finite");
        }
        if self.sync_period_seconds <= 0 {
            return bad("syncPeriodSeconds must be > 0");
        }
        for (name, v) in [
            (
                "downscaleStabilizationSeconds",
                self.downscale_stabilization_seconds,
            ),
            (
                "cpuInitializationPeriodSeconds",
                self.cpu_initialization_period_seconds,
            ),
            (
                "initialReadinessDelaySeconds",
                self.initial_readiness_delay_seconds,
            ),
        ] {
            if !(0..=i64::from(i32::MAX)).contains(&v) {
                return Err(HpaError::Invalid(format!(
                    "settings: {name} out of range: {v}"
                )));
            }
        }
        Ok(())
    }
}

/// The controller's memory of one HPA: recommendations and scale events.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct History {
    /// `None` until the first sync (which seeds it with the current replicas).
    pub recommendations: Option<Vec<Recommendation>>,
    /// Scale-up events (behavior path only).
    #[serde(default)]
    pub scale_up_events: Vec<ScaleEvent>,
    /// Scale-down events (behavior path only).
    #[serde(default)]
    pub scale_down_events: Vec<ScaleEvent>,
}

/// What one metric proposed.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricOutcome {
    /// The metric's name (`cpu`, `http_requests_per_second`, ...).
    pub name: Arc<str>,
    /// Its source type.
    pub source: MetricSourceType,
    /// The proposal, or why there is none.
    pub result: Result<Proposal, MetricFailure>,
}

/// A metric that produced no proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricFailure {
    /// The `ScalingActive=False` reason upstream would set.
    pub reason: Reason,
    /// The upstream error message.
    pub message: String,
}

/// The result of one sync.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Decision {
    /// `scale.spec.replicas` at this sync.
    pub current_replicas: i32,
    /// `status.desiredReplicas` after the sync.
    pub desired_replicas: i32,
    /// Whether the host should update the scale to `desired_replicas`.
    pub rescale: bool,
    /// One entry per `spec.metrics` entry (empty when metrics were not evaluated).
    pub metrics: Vec<MetricOutcome>,
    /// Index of the metric whose proposal won (the maximum).
    pub chosen_metric: Option<usize>,
    /// The combined metric proposal before stabilization and limits.
    pub proposed_replicas: Option<i32>,
    /// After the stabilization window.
    pub stabilized_replicas: Option<i32>,
    /// The `ScalingLimited` reason when a bound or policy changed the count.
    pub limited_by: Option<Reason>,
    /// Why the target was rescaled, in the controller's words.
    pub rescale_reason: String,
    /// The status conditions after the sync, in Kubernetes order.
    pub conditions: Vec<Condition>,
    /// The error the sync returns (it may still have scaled: a partial metric failure).
    pub error: Option<String>,
    /// Names of the `spec.metrics` entries whose values the observation gave but this sync did
    /// not evaluate, because it decided without metrics (the current count is outside
    /// `[minReplicas, maxReplicas]` or scaling is disabled; `rescale_reason` or the
    /// `ScalingActive` condition says which). Kubernetes does the same, silently; the reasons
    /// say it.
    pub unevaluated: Vec<String>,
    /// Names of the `spec.metrics` entries the caller gave no value for, when the caller says
    /// so (the doors do when a question gives no metric value at all: `hpa what-if` without
    /// `--set`, a Python `step` with no `metrics`): they were evaluated as unavailable, as when
    /// the metrics API fails, and the reasons say that no value was given. The controller
    /// never sets this.
    pub not_given: Vec<String>,
}

impl Decision {
    /// The status of a condition type, if set.
    pub fn condition(&self, t: ConditionType) -> Option<&Condition> {
        self.conditions.iter().find(|c| c.type_ == t)
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} -> {}", self.current_replicas, self.desired_replicas)?;
        if !self.rescale_reason.is_empty() && self.rescale {
            write!(f, " ({})", self.rescale_reason)?;
        }
        for (i, m) in self.metrics.iter().enumerate() {
            let mark = if Some(i) == self.chosen_metric {
                "*"
            } else {
                ""
            };
            match &m.result {
                Ok(p) => write!(
                    f,
                    "; {mark}{} {}: ratio {:.3} -> {}",
                    m.source.as_str(),
                    m.name,
                    p.ratio,
                    super::report::replicas(p.replicas)
                )?,
                Err(e) => write!(f, "; {} {}: {}", m.source.as_str(), m.name, e.message)?,
            }
        }
        if let (Some(p), Some(s)) = (self.proposed_replicas, self.stabilized_replicas)
            && p != s
        {
            write!(f, "; the stabilization window holds {s} (proposal was {p})")?;
        }
        if let Some(r) = self.limited_by {
            write!(f, "; limited by {}", r.as_str())?;
        }
        for note in super::report::input_notes(self) {
            write!(f, "; {note}")?;
        }
        // (a failed metric's message is already above: not repeated)
        if let Some(e) = &self.error
            && self.metrics.iter().all(|m| m.result.is_ok())
        {
            write!(f, "; error: {e}")?;
        }
        Ok(())
    }
}

/// One HPA's controller: the object (defaulted and validated), the settings and the history.
///
/// ```
/// use tidescale::Timestamp;
/// use tidescale::hpa::{Controller, MetricValues, Observation, Pod, PodMetric, Scale, Settings};
/// let hpa = serde_json::from_str(r#"{"spec": {"minReplicas": 1, "maxReplicas": 10,
///   "metrics": [{"type": "Resource", "resource": {"name": "cpu",
///                "target": {"type": "Utilization", "averageUtilization": 50}}}]}}"#).unwrap();
/// let mut ctl = Controller::new(hpa, Settings::default()).unwrap();
/// let pods: Vec<Pod> = (0..3).map(|i| Pod::running(&format!("web-{i}"), 1000)).collect();
/// let now = Timestamp::from_secs(100);
/// let samples: Vec<PodMetric> = (0..3).map(|i| PodMetric::new(i, 900, now)).collect();
/// let d = ctl.step(now, &Observation {
///     scale: Scale { spec_replicas: 3, status_replicas: 3 },
///     pods: &pods,
///     metrics: &[MetricValues::Pods(&samples)],
/// }).unwrap();
/// assert_eq!((d.desired_replicas, d.rescale), (6, true)); // 90 % of request vs 50 % target
/// ```
#[derive(Debug, Clone)]
pub struct Controller {
    hpa: HorizontalPodAutoscaler,
    settings: Settings,
    history: History,
    scale_up: Option<HpaScalingRules>,
    scale_down: Option<HpaScalingRules>,
    tolerances: Tolerances,
    metric_names: Vec<Arc<str>>,
    decision: Decision,
}

impl Controller {
    /// Applies API defaulting and validation to `hpa` and builds a controller with an empty
    /// history. The initial conditions and `desiredReplicas` come from `hpa.status`.
    ///
    /// # Errors
    /// [`HpaError::Invalid`] with every validation message, or invalid settings.
    pub fn new(mut hpa: HorizontalPodAutoscaler, settings: Settings) -> Result<Self, HpaError> {
        apply_defaults(&mut hpa);
        let gates = ValidationGates {
            configurable_tolerance: settings.configurable_tolerance,
            scale_to_zero: settings.scale_to_zero,
        };
        validate(&hpa, gates).map_err(|e| HpaError::Invalid(e.join("; ")))?;
        Self::from_stored(hpa, settings)
    }

    /// Builds a controller for an object as the API server stored it: defaulting is applied
    /// (idempotent) but validation is not, because the API server already validated it,
    /// possibly under other feature gates. This is what the Kubernetes controller does; an
    /// invalid metric then shows up as a `ScalingActive=False` condition, as upstream.
    ///
    /// # Errors
    /// Invalid settings, or `maxReplicas < 1`.
    pub fn from_stored(
        mut hpa: HorizontalPodAutoscaler,
        settings: Settings,
    ) -> Result<Self, HpaError> {
        settings.check()?;
        apply_defaults(&mut hpa);
        let behavior = hpa.spec.behavior.as_ref();
        let scale_up = behavior.and_then(|b| b.scale_up.clone());
        let mut scale_down = behavior.and_then(|b| b.scale_down.clone());
        if let Some(d) = scale_down.as_mut() {
            // maybeInitScaleDownStabilizationWindow: nil -> the controller flag
            if d.stabilization_window_seconds.is_none() {
                d.stabilization_window_seconds = Some(
                    settings
                        .downscale_stabilization_seconds
                        .min(i64::from(i32::MAX)) as i32,
                );
            }
        }
        let tol_of = |r: &Option<HpaScalingRules>| {
            r.as_ref()
                .and_then(|r| r.tolerance)
                .filter(|_| settings.configurable_tolerance)
                .map_or(settings.tolerance, |q| q.as_f64())
        };
        let tolerances = Tolerances {
            scale_up: tol_of(&scale_up),
            scale_down: tol_of(&scale_down),
        };
        let mut decision = Decision::default();
        if let Some(st) = &hpa.status {
            decision.conditions.clone_from(&st.conditions);
            decision.desired_replicas = st.desired_replicas;
            decision.current_replicas = st.current_replicas;
        }
        let metric_names = hpa
            .spec
            .metrics
            .iter()
            .map(|m| Arc::from(m.name()))
            .collect();
        Ok(Self {
            hpa,
            settings,
            metric_names,
            history: History::default(),
            scale_up,
            scale_down,
            tolerances,
            decision,
        })
    }

    /// The HPA object after defaulting.
    pub fn hpa(&self) -> &HorizontalPodAutoscaler {
        &self.hpa
    }

    /// The settings in force.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The tolerances in force (per-HPA when the gate allows, else the flag).
    pub fn tolerances(&self) -> Tolerances {
        self.tolerances
    }

    /// The history, to save.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// Replaces the history (restore after a restart).
    pub fn set_history(&mut self, history: History) {
        self.history = history;
    }

    /// The last decision (or the initial status before the first step).
    pub fn last_decision(&self) -> &Decision {
        &self.decision
    }

    /// When the host should call [`step`](Self::step) next: the next sync period, or earlier
    /// when a stabilization window or policy period ends and could change the answer.
    pub fn next_wakeup(&self, now: Timestamp) -> Timestamp {
        let mut next = now.plus_secs(self.settings.sync_period_seconds);
        let mut consider = |t: Timestamp| {
            if t > now && t < next {
                next = t;
            }
        };
        let (up_w, down_w) = self.windows();
        for r in self.history.recommendations.iter().flatten() {
            consider(r.time.plus_secs(up_w));
            consider(r.time.plus_secs(down_w));
        }
        let policies = [&self.scale_up, &self.scale_down]
            .into_iter()
            .flat_map(|r| r.iter().flat_map(|r| r.policies.iter().flatten()));
        for p in policies {
            let period = i64::from(p.period_seconds);
            for e in self
                .history
                .scale_up_events
                .iter()
                .chain(&self.history.scale_down_events)
            {
                consider(e.time.plus_secs(period));
            }
        }
        next
    }

    fn windows(&self) -> (i64, i64) {
        match (&self.scale_up, &self.scale_down) {
            (Some(u), Some(d)) => (
                i64::from(u.stabilization_window_seconds.unwrap_or(0)),
                i64::from(d.stabilization_window_seconds.unwrap_or(0)),
            ),
            _ => (0, self.settings.downscale_stabilization_seconds),
        }
    }

    fn condition(&mut self, t: ConditionType, s: ConditionStatus, r: Reason, msg: &'static str) {
        set_condition(
            &mut self.decision.conditions,
            Condition {
                type_: t,
                status: s,
                reason: r,
                message: Cow::Borrowed(msg),
            },
        );
    }

    fn has_condition(&self, t: ConditionType, s: ConditionStatus) -> bool {
        self.decision
            .conditions
            .iter()
            .any(|c| c.type_ == t && c.status == s)
    }

    /// One sync at `now`.
    ///
    /// # Errors
    /// [`HpaError::Observation`] when the observation itself is invalid (negative replicas,
    /// a reading count that does not match `spec.metrics`, negative samples). Metric failures
    /// are not errors: they are reported in the decision, as upstream reports them in
    /// conditions.
    pub fn step<P: PodInfo>(
        &mut self,
        now: Timestamp,
        obs: &Observation<'_, P>,
    ) -> Result<&Decision, HpaError> {
        check_observation(&self.hpa, obs)?;
        let current = obs.scale.spec_replicas;
        let min = self.hpa.spec.min_replicas.unwrap_or(1);
        let max = self.hpa.spec.max_replicas;
        let prev_desired = self.decision.desired_replicas;
        let d = &mut self.decision;
        d.current_replicas = current;
        d.rescale = false;
        d.metrics.clear();
        d.chosen_metric = None;
        d.proposed_replicas = None;
        d.stabilized_replicas = None;
        d.limited_by = None;
        d.rescale_reason.clear();
        d.error = None;
        d.unevaluated.clear();
        self.condition(
            ConditionType::AbleToScale,
            ConditionStatus::True,
            Reason::SucceededGetScale,
            "the HPA controller was able to get the target's current scale",
        );
        self.history.recommendations.get_or_insert_with(|| {
            vec![Recommendation {
                replicas: current,
                time: now,
            }]
        });

        let master = self.settings.scale_to_zero_variant == ScaleToZeroVariant::Master;
        let has_obj_ext = self.hpa.spec.metrics.iter().any(|m| {
            matches!(
                m.type_,
                MetricSourceType::Object | MetricSourceType::External
            )
        });
        if master && !self.settings.scale_to_zero {
            self.decision
                .conditions
                .retain(|c| c.type_ != ConditionType::ScaledToZero);
        }
        let scaled_to_zero = self.has_condition(ConditionType::ScaledToZero, ConditionStatus::True);
        let disabled = current == 0
            && if master {
                !(self.settings.scale_to_zero && scaled_to_zero && (min != 0 || has_obj_ext))
            } else {
                min != 0
            };

        let mut desired;
        if disabled || current > max || (current < min && !(master && current == 0)) {
            // decided without metrics: name the values the host gave that go unused
            for (name, values) in self.metric_names.iter().zip(obs.metrics) {
                if !matches!(values, MetricValues::Unavailable) {
                    self.decision.unevaluated.push(name.to_string());
                }
            }
        }
        if disabled {
            desired = 0;
            self.condition(
                ConditionType::ScalingActive,
                ConditionStatus::False,
                Reason::ScalingDisabled,
                "scaling is disabled since the replica count of the target is zero",
            );
        } else if current > max {
            desired = max;
            self.decision
                .rescale_reason
                .push_str("Current number of replicas above Spec.MaxReplicas");
        } else if current < min && !(master && current == 0) {
            // (newest master evaluates metrics for an HPA that scaled itself to zero, even
            // when minReplicas was raised since)
            desired = min;
            self.decision
                .rescale_reason
                .push_str("Current number of replicas below Spec.MinReplicas");
        } else {
            let Ok(combined) = self.compute_metrics(now, obs) else {
                // the status keeps the previous desiredReplicas; nothing scales
                self.decision.desired_replicas = prev_desired;
                return Ok(&self.decision);
            };
            desired = combined.max(0);
            if desired > current {
                let name = self
                    .decision
                    .chosen_metric
                    .and_then(|i| self.metric_names.get(i))
                    .map_or("metric", |n| n);
                self.decision.rescale_reason.push_str(name);
                self.decision.rescale_reason.push_str(" above target");
            } else if desired < current {
                self.decision
                    .rescale_reason
                    .push_str("All metrics below target");
            }
            desired = self.normalize(now, current, desired, min, max);
            if master && current == 0 && scaled_to_zero && min != 0 && desired < min {
                desired = min;
            }
        }

        let rescale = desired != current && !disabled;
        if rescale {
            self.condition(
                ConditionType::AbleToScale,
                ConditionStatus::True,
                Reason::SucceededRescale,
                "the HPA controller was able to update the target scale",
            );
            self.store_event(current, desired, now);
            if master && self.settings.scale_to_zero {
                if current > 0 && desired == 0 && min == 0 && has_obj_ext {
                    self.condition(
                        ConditionType::ScaledToZero,
                        ConditionStatus::True,
                        Reason::ScaledToZero,
                        "the HPA scaled the target to zero",
                    );
                } else {
                    self.condition(
                        ConditionType::ScaledToZero,
                        ConditionStatus::False,
                        Reason::NotScaledToZero,
                        "the target was not scaled to zero by the HPA",
                    );
                }
            }
        } else {
            desired = current;
        }
        self.decision.rescale = rescale;
        self.decision.desired_replicas = desired;
        Ok(&self.decision)
    }

    fn store_event(&mut self, prev: i32, new: i32, now: Timestamp) {
        let (Some(up), Some(down)) = (&self.scale_up, &self.scale_down) else {
            return;
        };
        let longest = |r: &HpaScalingRules| {
            r.policies
                .iter()
                .flatten()
                .map(|p| p.period_seconds)
                .max()
                .unwrap_or(0)
        };
        if new > prev {
            store_scale_event(
                &mut self.history.scale_up_events,
                new.saturating_sub(prev),
                longest(up),
                now,
            );
        } else {
            store_scale_event(
                &mut self.history.scale_down_events,
                prev.saturating_sub(new),
                longest(down),
                now,
            );
        }
    }

    fn normalize(&mut self, now: Timestamp, current: i32, desired: i32, min: i32, max: i32) -> i32 {
        let recs = self.history.recommendations.get_or_insert_with(Vec::new);
        let (stabilized, stab_reason, limited) = match (&self.scale_up, &self.scale_down) {
            (Some(up), Some(down)) => {
                let s = stabilize_with_behavior(
                    recs,
                    current,
                    desired,
                    i64::from(up.stabilization_window_seconds.unwrap_or(0)),
                    i64::from(down.stabilization_window_seconds.unwrap_or(0)),
                    now,
                );
                let l = behavior_rate(RateArgs {
                    current,
                    desired: s.replicas,
                    min,
                    max,
                    scale_up: up,
                    scale_down: down,
                    events: Events {
                        up: &self.history.scale_up_events,
                        down: &self.history.scale_down_events,
                    },
                    now,
                });
                (s.replicas, s.reason, l)
            }
            _ => {
                let s = stabilize_legacy(
                    recs,
                    desired,
                    self.settings.downscale_stabilization_seconds,
                    now,
                );
                let l = legacy_rate(
                    current,
                    s,
                    min,
                    max,
                    self.settings.scale_up_limit_factor,
                    self.settings.scale_up_limit_minimum,
                );
                (s, Reason::ScaleDownStabilized, l)
            }
        };
        if stabilized != desired {
            let msg = if stab_reason == Reason::ScaleUpStabilized {
                "recent recommendations were lower than current one, applying the lowest recent recommendation"
            } else {
                "recent recommendations were higher than current one, applying the highest recent recommendation"
            };
            self.condition(
                ConditionType::AbleToScale,
                ConditionStatus::True,
                stab_reason,
                msg,
            );
        } else {
            self.condition(
                ConditionType::AbleToScale,
                ConditionStatus::True,
                Reason::ReadyForNewScale,
                "recommended size matches current size",
            );
        }
        let status = if limited.replicas == stabilized {
            ConditionStatus::False
        } else {
            self.decision.limited_by = Some(limited.reason);
            ConditionStatus::True
        };
        self.condition(
            ConditionType::ScalingLimited,
            status,
            limited.reason,
            limit_message(limited.reason),
        );
        self.decision.proposed_replicas = Some(desired);
        self.decision.stabilized_replicas = Some(stabilized);
        limited.replicas
    }

    /// `computeReplicasForMetrics`: `Err(())` when the sync must stop (all metrics failed, or
    /// some failed and the rest would scale down).
    fn compute_metrics<P: PodInfo>(
        &mut self,
        now: Timestamp,
        obs: &Observation<'_, P>,
    ) -> Result<i32, ()> {
        let calc = ReplicaCalculator {
            tolerances: self.tolerances,
            timings: ReadinessTimings {
                cpu_initialization_period_ms: self
                    .settings
                    .cpu_initialization_period_seconds
                    .saturating_mul(1000),
                initial_readiness_delay_ms: self
                    .settings
                    .initial_readiness_delay_seconds
                    .saturating_mul(1000),
            },
            pod_level_resources: self.settings.pod_level_resources,
            now,
        };
        let current = obs.scale.spec_replicas;
        let mut replicas = 0i32;
        let mut first_failure: Option<MetricFailure> = None;
        let mut failures = 0usize;
        for (i, spec) in self.hpa.spec.metrics.iter().enumerate() {
            let values = obs
                .metrics
                .get(i)
                .copied()
                .unwrap_or(MetricValues::Unavailable);
            let result = evaluate_metric(&calc, spec, values, obs);
            match &result {
                Ok(p) => {
                    if replicas == 0 || p.replicas > replicas {
                        replicas = p.replicas;
                        self.decision.chosen_metric = Some(i);
                    }
                }
                Err(e) => {
                    failures += 1;
                    if first_failure.is_none() {
                        first_failure = Some(e.clone());
                    }
                }
            }
            self.decision.metrics.push(MetricOutcome {
                name: self
                    .metric_names
                    .get(i)
                    .cloned()
                    .unwrap_or_else(|| Arc::from("")),
                source: spec.type_,
                result,
            });
        }
        let n = self.hpa.spec.metrics.len();
        if let Some(f) = first_failure {
            self.decision.error = Some(f.message.clone());
            if failures >= n || replicas < current {
                self.decision.chosen_metric = None;
                set_condition(
                    &mut self.decision.conditions,
                    Condition {
                        type_: ConditionType::ScalingActive,
                        status: ConditionStatus::False,
                        reason: f.reason,
                        message: Cow::Owned(f.message),
                    },
                );
                return Err(());
            }
        } else if n == 0 {
            return Err(());
        }
        self.condition(
            ConditionType::ScalingActive,
            ConditionStatus::True,
            Reason::ValidMetricFound,
            "the HPA was able to successfully calculate a replica count",
        );
        Ok(replicas)
    }
}

fn limit_message(r: Reason) -> &'static str {
    match r {
        Reason::ScaleUpLimit => {
            "the desired replica count is increasing faster than the maximum scale rate"
        }
        Reason::ScaleDownLimit => {
            "the desired replica count is decreasing faster than the maximum scale rate"
        }
        Reason::TooManyReplicas => {
            "the desired replica count is more than the maximum replica count"
        }
        Reason::TooFewReplicas => {
            "the desired replica count is less than the minimum replica count"
        }
        _ => "the desired count is within the acceptable range",
    }
}

fn failure_reason(t: MetricSourceType) -> Reason {
    match t {
        MetricSourceType::Resource => Reason::FailedGetResourceMetric,
        MetricSourceType::ContainerResource => Reason::FailedGetContainerResourceMetric,
        MetricSourceType::Pods => Reason::FailedGetPodsMetric,
        MetricSourceType::Object => Reason::FailedGetObjectMetric,
        MetricSourceType::External => Reason::FailedGetExternalMetric,
        MetricSourceType::Unknown => Reason::InvalidMetricSourceType,
    }
}

/// `computeReplicasForMetric`: one metric spec and its readings to a proposal.
fn evaluate_metric<'a, P: PodInfo>(
    calc: &ReplicaCalculator,
    spec: &MetricSpec,
    values: MetricValues<'a>,
    obs: &Observation<'a, P>,
) -> Result<Proposal, MetricFailure> {
    let reason = failure_reason(spec.type_);
    let fail = |message: String| MetricFailure { reason, message };
    let current = obs.scale.spec_replicas;
    let status_replicas = obs.scale.status_replicas;
    let pods = obs.pods;
    let samples =
        |values: MetricValues<'a>| -> Result<&'a [super::observation::PodMetric], MetricFailure> {
            match values {
                MetricValues::Pods(s) => Ok(s),
                MetricValues::Unavailable => Err(fail(format!(
                    "unable to get metric {}: the metrics API returned an error",
                    spec.name()
                ))),
                _ => Err(fail(format!(
                    "metric {} expects per-pod samples",
                    spec.name()
                ))),
            }
        };
    let map = |r: Result<Proposal, super::replica_calc::CalcError>| r.map_err(|e| fail(e.0));
    match spec.type_ {
        MetricSourceType::Resource | MetricSourceType::ContainerResource => {
            let (resource, container, target) = match (&spec.resource, &spec.container_resource) {
                (Some(r), _) if spec.type_ == MetricSourceType::Resource => {
                    (r.name.as_str(), "", &r.target)
                }
                (_, Some(c)) if spec.type_ == MetricSourceType::ContainerResource => {
                    (c.name.as_str(), c.container.as_str(), &c.target)
                }
                _ => return Err(fail("metric source block is missing".to_owned())),
            };
            let s = samples(values)?;
            if let Some(av) = target.average_value {
                map(calc.plain_replicas(current, av.milli_value(), resource, pods, s))
            } else if let Some(u) = target.average_utilization {
                map(calc.resource_replicas(current, u, resource, container, pods, s))
            } else {
                Err(fail(
                    "invalid resource metric source: neither an average utilization target nor an average value target was set"
                        .to_owned(),
                ))
            }
        }
        MetricSourceType::Pods => {
            let Some(p) = &spec.pods else {
                return Err(fail("metric source block is missing".to_owned()));
            };
            let Some(av) = p.target.average_value else {
                return Err(fail(
                    "invalid pods metric source: averageValue target is required".to_owned(),
                ));
            };
            let s = samples(values)?;
            map(calc.plain_replicas(current, av.milli_value(), "", pods, s))
        }
        MetricSourceType::Object => {
            let Some(o) = &spec.object else {
                return Err(fail("metric source block is missing".to_owned()));
            };
            let MetricValues::Object(usage) = values else {
                return Err(fail(format!(
                    "unable to get metric {}: no object value",
                    spec.name()
                )));
            };
            use super::spec::MetricTargetType as T;
            match (o.target.type_, o.target.value, o.target.average_value) {
                (T::Value, Some(v), _) => map(calc.object_replicas(current, v.milli_value(), usage, pods)),
                (T::AverageValue, _, Some(av)) => {
                    Ok(calc.object_per_pod_replicas(status_replicas, av.milli_value(), usage))
                }
                _ => Err(fail(
                    "invalid object metric source: neither a value target nor an average value target was set"
                        .to_owned(),
                )),
            }
        }
        MetricSourceType::External => {
            let Some(e) = &spec.external else {
                return Err(fail("metric source block is missing".to_owned()));
            };
            let MetricValues::External(vals) = values else {
                return Err(fail(format!(
                    "unable to get external metric {}: no values",
                    spec.name()
                )));
            };
            if let Some(av) = e.target.average_value {
                map(calc.external_per_pod_replicas(status_replicas, av.milli_value(), vals))
            } else if let Some(v) = e.target.value {
                map(calc.external_replicas(current, v.milli_value(), vals, pods))
            } else {
                Err(fail(
                    "invalid external metric source: neither a value target nor an average value target was set"
                        .to_owned(),
                ))
            }
        }
        MetricSourceType::Unknown => Err(fail("invalid metric source type".to_owned())),
    }
}

fn check_observation<P>(
    hpa: &HorizontalPodAutoscaler,
    obs: &Observation<'_, P>,
) -> Result<(), HpaError> {
    let bad = |m: String| Err(HpaError::Observation(m));
    if obs.scale.spec_replicas < 0 || obs.scale.status_replicas < 0 {
        return bad(format!(
            "replica counts must be >= 0 (spec {}, status {})",
            obs.scale.spec_replicas, obs.scale.status_replicas
        ));
    }
    if obs.metrics.len() != hpa.spec.metrics.len() {
        return bad(format!(
            "expected {} metric readings (one per spec.metrics entry), got {}",
            hpa.spec.metrics.len(),
            obs.metrics.len()
        ));
    }
    for (i, m) in obs.metrics.iter().enumerate() {
        let name = hpa.spec.metrics.get(i).map_or("", MetricSpec::name);
        match m {
            MetricValues::Pods(s) => {
                if let Some(s) = s.iter().find(|s| s.value_milli < 0 || s.window_ms < 0) {
                    return bad(format!(
                        "metric {name}: negative sample {} (window {} ms) for pod index {}",
                        s.value_milli, s.window_ms, s.pod
                    ));
                }
            }
            MetricValues::Object(v) if *v < 0 => {
                return bad(format!("metric {name}: negative object value {v}"));
            }
            MetricValues::External(v) => {
                if let Some(v) = v.iter().find(|v| **v < 0) {
                    return bad(format!("metric {name}: negative external value {v}"));
                }
            }
            _ => {}
        }
    }
    Ok(())
}
