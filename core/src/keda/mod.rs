//! KEDA: event-driven scaling exactly as `kedacore/keda` does it (spec §1).
//!
//! * [`ScaledObject`], [`ScaledJob`], [`TriggerAuthentication`]: the `keda.sh/v1alpha1`
//!   objects as users write them ([`scaled_object`]).
//! * [`to_hpa`]: the `autoscaling/v2` HPA KEDA creates for a ScaledObject ([`triggers`]).
//! * [`ScaledObjectController`]: the stateful 0 <-> 1 / idle executor with fallback and scaling
//!   modifiers, stepped by the host with `now` and the trigger readings ([`state`]).
//! * [`KedaAutoscaler`]: the ScaledObject and its HPA together, one step per poll.
//! * [`scaled_job`]: ScaledJob strategies and multi-scaler calculation.
//! * [`scalers`]: the scaler math for `aws-sqs-queue`, `kafka`, `prometheus` and `cron`.
//!
//! The host fetches the raw readings (queue attributes, offsets, query results) and passes them
//! in; tidescale does the arithmetic, with Go's parsing and rounding rules.

pub mod activation;
mod autoscaler;
pub mod fallback;
mod goparse;
pub mod scaled_job;
pub mod scaled_object;
pub mod scalers;
pub mod scaling_modifiers;
pub mod state;
pub mod triggers;

pub use activation::{ExecutorInput, ExecutorOutcome, ExecutorReason, request_scale};
pub use autoscaler::{KedaAutoscaler, KedaDecision};
pub use fallback::{
    Fallback, FallbackBehavior, FallbackInput, FallbackOutcome, HealthState, HealthStatus,
    apply_fallback, fallback_condition,
};
pub use goparse::{
    approx_f64, go_parse_bool, go_parse_float, go_parse_int, json_float, json_int, metric_milli,
    normalize_metric_name,
};
pub use scaled_job::{
    JobBounds, JobDecision, MultipleScalersCalculation, ScalerJobMetrics, ScalingStrategy,
    scaling_decision,
};
pub use scaled_object::{
    ScaledJob, ScaledObject, ScaledObjectSpec, ScalingModifiers, TriggerAuthentication, TriggerSpec,
};
pub use scaling_modifiers::{Formula, FormulaValue};
pub use state::{ScaledObjectController, ScaledObjectDecision, TriggerInput, TriggerOutcome};
pub use triggers::{TriggerConfig, TriggerKind, find_trigger, to_hpa};

fn join_indexes(indexes: &[usize]) -> String {
    let list: Vec<String> = indexes.iter().map(ToString::to_string).collect();
    list.join(", ")
}

/// Everything KEDA can reject. Variants name the trigger or field at fault.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum KedaError {
    /// A trigger `type` tidescale does not know.
    #[error("trigger {index} has unknown type {trigger_type:?}; supported: {supported}")]
    UnknownTrigger {
        /// Position of the trigger in `spec.triggers`.
        index: usize,
        /// The `type` as written.
        trigger_type: String,
        /// The supported types, comma separated.
        supported: &'static str,
    },
    /// A required metadata parameter is missing.
    #[error("{scaler}: missing required parameter {param:?}")]
    MissingParameter {
        /// Scaler type.
        scaler: &'static str,
        /// Parameter name.
        param: &'static str,
    },
    /// A metadata parameter did not parse or is out of range.
    #[error("{scaler}: invalid {param:?} value {value:?}: {reason}")]
    InvalidParameter {
        /// Scaler type.
        scaler: &'static str,
        /// Parameter name.
        param: &'static str,
        /// The value as written.
        value: String,
        /// Why it was rejected.
        reason: &'static str,
    },
    /// The ScaledObject / ScaledJob spec fails KEDA's validation.
    #[error("invalid spec: {0}")]
    InvalidSpec(String),
    /// A scaler could not produce a value from the host's reading (KEDA returns an error and
    /// the value -1).
    #[error("{scaler}: {reason}")]
    Scaler {
        /// Scaler type.
        scaler: &'static str,
        /// What went wrong.
        reason: String,
    },
    /// A scaling-modifiers formula failed to parse or evaluate.
    #[error("formula {formula:?}: {reason}")]
    Formula {
        /// The formula.
        formula: String,
        /// What went wrong.
        reason: String,
    },
    /// A cron expression is malformed.
    #[error("cron expression {expr:?}: {reason}")]
    Cron {
        /// The expression.
        expr: String,
        /// What went wrong.
        reason: String,
    },
    /// An IANA time zone name is unknown.
    #[error("unknown time zone {0:?}")]
    UnknownTimeZone(String),
    /// The fallback could not be computed (e.g. `Value` metric with no ready pods).
    #[error("fallback: {0}")]
    Fallback(String),
    /// The readings do not match the triggers (count or kind).
    #[error("trigger readings: {0}")]
    Readings(String),
    /// A user's key (name, index, metric name or type) names no trigger.
    #[error("no trigger {key:?} (the triggers: {triggers})")]
    NoSuchTrigger {
        /// The key as given.
        key: String,
        /// The triggers there are, described (`0 (name "q", aws-sqs-queue)`, ...).
        triggers: String,
    },
    /// A user's key is a type that several triggers have.
    #[error("{} triggers have type {key}; name one by its name or index ({})", indexes.len(), join_indexes(indexes))]
    AmbiguousTrigger {
        /// The type as given.
        key: String,
        /// The positions of the triggers of that type.
        indexes: Vec<usize>,
    },
}
