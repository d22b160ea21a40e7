//! The HorizontalPodAutoscaler (autoscaling/v2), exact to the Kubernetes controller.
//!
//! Pure functions carry the upstream names (`group_pods`, `resource_replicas`,
//! `stabilize_recommendation`, `scale_up_limit`, ...); [`Controller`] sequences them as the
//! controller's `reconcileAutoscaler` does, keeping the recommendation and scale-event history.

mod conditions;
mod controller;
mod defaults;
mod fleet;
mod observation;
mod pod_groups;
mod pod_requests;
mod replica_calc;
pub(crate) mod report;
mod resource_list;
mod scale_events;
mod select_policy;
mod spec;
mod stabilization_window;
mod tolerance;
mod validation;
mod what_if;

pub use conditions::{Condition, ConditionStatus, ConditionType, Reason, set_condition};
pub use controller::{
    Controller, Decision, History, MetricFailure, MetricOutcome, ScaleToZeroVariant, Settings,
};
pub use defaults::{DEFAULT_CPU_UTILIZATION, apply_defaults, scale_down_rules, scale_up_rules};
pub use fleet::{Column, Fleet, FleetError, FleetStep, MAX_FLEET_PODS};
pub use observation::{
    Container, MetricValues, Observation, Pod, PodInfo, PodMetric, PodPhase, Readiness, Scale,
};
pub use pod_groups::{PodGroups, ReadinessTimings, group_pods};
pub use pod_requests::{RequestError, pod_request};
pub use replica_calc::{CalcError, Proposal, ReplicaCalculator};
pub use resource_list::ResourceList;
pub use scale_events::{ScaleEvent, replicas_change_per_period, store_scale_event};
pub use select_policy::{
    Events, Limited, RateArgs, behavior_rate, legacy_rate, scale_down_limit, scale_up_limit,
};
pub use spec::*;
pub use stabilization_window::{
    Recommendation, Stabilized, stabilize_legacy, stabilize_with_behavior,
};
pub use tolerance::Tolerances;
pub use validation::{
    MAX_PERIOD_SECONDS, MAX_STABILIZATION_WINDOW_SECONDS, ValidationGates, validate,
    validate_scaling_rules,
};
pub use what_if::{
    Level, MAX_WHAT_IF_PODS, Reading, WhatIf, WhatIfError, default_container, default_requests,
    identical_pods, reading, resource_of, what_if,
};

/// Errors of the HPA module.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum HpaError {
    /// The HPA object failed API validation.
    #[error("invalid HorizontalPodAutoscaler: {0}")]
    Invalid(String),
    /// A metric could not be turned into a proposal (the controller sets a ScalingActive=False
    /// condition with `reason`).
    #[error("{reason:?}: {message}")]
    Metric {
        /// The condition reason upstream would set.
        reason: Reason,
        /// The upstream error text.
        message: String,
    },
    /// An observation was invalid (NaN, negative, unknown pod...).
    #[error("invalid observation: {0}")]
    Observation(String),
}
