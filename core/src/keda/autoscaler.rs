//! [`KedaAutoscaler`]: a ScaledObject end to end, as KEDA and the HPA it creates behave
//! together. KEDA's executor owns 0 <-> 1 (and idle); the HPA built by [`super::to_hpa`] owns
//! 1..N from the external metric values KEDA serves it. One `step` per poll runs both.

use crate::Timestamp;
use crate::error::Result;
use crate::hpa::{
    self, Controller, Decision, MetricSourceType, MetricValues, Observation, Pod, PodMetric, Scale,
};

use super::state::{ScaledObjectController, ScaledObjectDecision, TriggerInput};
use super::{ScaledObject, to_hpa};

/// The combined decision of one poll.
#[derive(Debug, Clone, PartialEq)]
pub struct KedaDecision {
    /// Replicas the scale target should have after this poll.
    pub desired_replicas: i32,
    /// Whether that differs from the current count.
    pub rescale: bool,
    /// KEDA's part: triggers, activation, cooldown, fallback, the 0 <-> 1 step.
    pub keda: ScaledObjectDecision,
    /// The HPA's part, when it ran (the target had replicas and KEDA did not scale it itself).
    pub hpa: Option<Decision>,
}

impl KedaDecision {
    /// A one-line summary in the words every capability uses: `scale up from 1 to 4
    /// replicas`, `scale down from 2 to 1 replica`, `stay at 5 replicas`.
    pub fn headline(&self) -> String {
        hpa::report::scale_headline(
            self.keda.current_replicas,
            self.desired_replicas,
            self.rescale,
        )
    }

    /// Human-readable reasons: KEDA's, then the HPA's.
    pub fn explanation(&self) -> Vec<String> {
        let mut out = self.keda.explanation();
        if let Some(h) = &self.hpa {
            out.push(format!("HPA: {h}"));
        }
        out
    }
}

/// A ScaledObject and the HPA KEDA would create for it.
///
/// ```
/// use std::collections::BTreeMap;
/// use tidescale::Timestamp;
/// use tidescale::keda::{KedaAutoscaler, ScaledObject, TriggerInput};
/// let so: ScaledObject = serde_json::from_value(serde_json::json!({
///   "apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject", "metadata": {"name": "worker"},
///   "spec": {"scaleTargetRef": {"name": "worker"}, "minReplicaCount": 0, "maxReplicaCount": 20,
///     "triggers": [{"type": "aws-sqs-queue", "metadata": {"queueURL": "https://sqs.us-east-1.amazonaws.com/123456789012/jobs",
///        "queueLength": "5", "awsRegion": "us-east-1"}}]}})).unwrap();
/// let mut a = KedaAutoscaler::new(so, Timestamp(0), Default::default()).unwrap();
/// let q = |n: &str| BTreeMap::from([
///     ("ApproximateNumberOfMessages".to_owned(), n.to_owned()),
///     ("ApproximateNumberOfMessagesNotVisible".to_owned(), "0".to_owned()),
/// ]);
/// // 0 -> 1 on the first message
/// let d = a.step(Timestamp::from_secs(30), 0, &[], &[], &[TriggerInput::Sqs(&q("3"))]).unwrap();
/// assert_eq!(d.desired_replicas, 1);
/// // 1 -> 8 by the HPA: 40 messages / 5 per replica, capped by the legacy max(2x, 4)
/// let d = a.step(Timestamp::from_secs(60), 1, &[], &[], &[TriggerInput::Sqs(&q("40"))]).unwrap();
/// assert_eq!(d.desired_replicas, 4);
/// ```
#[derive(Debug, Clone)]
pub struct KedaAutoscaler {
    scaled_object: ScaledObjectController,
    hpa: Controller,
    external: Vec<i64>,
}

impl KedaAutoscaler {
    /// Builds both controllers. `creation` is `metadata.creationTimestamp` (for
    /// `initialCooldownPeriod`); `settings` are the HPA controller's flags.
    ///
    /// # Errors
    /// An invalid ScaledObject (unknown trigger, bad metadata, replica bounds) or HPA.
    pub fn new(so: ScaledObject, creation: Timestamp, settings: hpa::Settings) -> Result<Self> {
        let hpa = Controller::from_stored(to_hpa(&so)?, settings)?;
        let n = hpa.hpa().spec.metrics.len();
        Ok(Self {
            scaled_object: ScaledObjectController::new(so, creation)?,
            hpa,
            external: vec![0; n],
        })
    }

    /// The KEDA side.
    pub fn scaled_object(&self) -> &ScaledObjectController {
        &self.scaled_object
    }

    /// The HPA side.
    pub fn hpa(&self) -> &Controller {
        &self.hpa
    }

    /// Restores KEDA's `lastActiveTime` (the cooldown counts from it).
    pub fn set_last_active_time(&mut self, t: Option<Timestamp>) {
        self.scaled_object.set_last_active_time(t);
    }

    /// Restores the HPA's history (recommendations and scale events).
    pub fn set_hpa_history(&mut self, history: hpa::History) {
        self.hpa.set_history(history);
    }

    /// When to poll next: KEDA's polling interval or cooldown end, or the HPA's next window
    /// boundary, whichever comes first.
    pub fn next_wakeup(&self, now: Timestamp) -> Timestamp {
        self.scaled_object
            .next_wakeup(now)
            .min(self.hpa.next_wakeup(now))
    }

    /// One poll at `now` with the target's `current_replicas`, the pods and per-resource
    /// samples for cpu/memory triggers (`(resource, samples)`; may be empty otherwise), and one
    /// reading per trigger.
    ///
    /// # Errors
    /// Time going backwards, a reading count that does not match the triggers, or an invalid
    /// observation for the HPA.
    pub fn step(
        &mut self,
        now: Timestamp,
        current_replicas: i32,
        pods: &[Pod],
        resource_samples: &[(&str, &[PodMetric])],
        readings: &[TriggerInput<'_>],
    ) -> Result<KedaDecision> {
        let keda =
            self.scaled_object
                .step(now, current_replicas, Some(current_replicas), readings)?;
        if keda.executor.scaled || current_replicas == 0 {
            let desired = keda.executor.replicas;
            return Ok(KedaDecision {
                desired_replicas: desired,
                rescale: desired != current_replicas,
                keda,
                hpa: None,
            });
        }
        let specs = &self.hpa.hpa().spec.metrics;
        for (slot, spec) in self.external.iter_mut().zip(specs) {
            *slot = keda
                .hpa_metrics
                .iter()
                .find(|(name, _)| **name == *spec.name())
                .map_or(0, |(_, v)| *v);
        }
        let readings: Vec<MetricValues<'_>> = specs
            .iter()
            .zip(&self.external)
            .map(|(spec, v)| match spec.type_ {
                MetricSourceType::External
                    if keda.hpa_metrics.iter().any(|(n, _)| **n == *spec.name()) =>
                {
                    MetricValues::External(std::slice::from_ref(v))
                }
                MetricSourceType::Resource | MetricSourceType::ContainerResource => {
                    resource_samples
                        .iter()
                        .find(|(r, _)| *r == spec.name())
                        .map_or(MetricValues::Unavailable, |(_, s)| MetricValues::Pods(s))
                }
                _ => MetricValues::Unavailable,
            })
            .collect();
        let d = self.hpa.step(
            now,
            &Observation {
                scale: Scale {
                    spec_replicas: current_replicas,
                    status_replicas: current_replicas,
                },
                pods,
                metrics: &readings,
            },
        )?;
        Ok(KedaDecision {
            desired_replicas: d.desired_replicas,
            rescale: d.rescale,
            keda,
            hpa: Some(d.clone()),
        })
    }
}
