//! The HorizontalPodAutoscaler (autoscaling/v2), exact to the Kubernetes controller.
//!
//! Pure functions carry the upstream names (`group_pods`, `resource_replicas`,
//! `stabilize_recommendation`, `scale_up_limit`, ...); [`Controller`] sequences them as the
//! controller's `reconcileAutoscaler` does, keeping the recommendation and scale-event history.

mod conditions;
mod spec;

pub use conditions::{Condition, ConditionStatus, ConditionType, Reason, set_condition};
pub use spec::*;

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
