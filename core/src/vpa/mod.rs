//! The Vertical Pod Autoscaler (`autoscaling.k8s.io/v1`), exact to upstream
//! (`kubernetes/autoscaler/vertical-pod-autoscaler`, 1.8.0 development line).
//!
//! * [`histogram`], [`decaying_histogram`], [`checkpoint`]: the usage histograms and their
//!   `VerticalPodAutoscalerCheckpoint` format.
//! * [`container_state`]: CPU samples, memory peaks per aggregation window, OOM bumps.
//! * [`estimator`], [`recommender`]: percentiles, margin, confidence, per-pod minimum, and a
//!   stateful per-VPA [`recommender::VpaRecommender`].
//! * [`capping`], [`limits`]: `containerPolicies`, LimitRanges and proportional limits.
//! * [`updater`], [`eviction`]: update priority, admission of pods to the update list, eviction
//!   requirements and replica-group eviction tolerance.
//! * [`spec`]: the `VerticalPodAutoscaler` object as users write it; [`conflict`]: HPA+VPA check.
//!
//! Amounts follow upstream's `ResourceAmount`: CPU in millicores, memory in bytes, `i64`.

pub mod capping;
pub mod checkpoint;
pub mod conflict;
pub mod container_state;
pub mod decaying_histogram;
pub mod estimator;
pub mod eviction;
#[cfg(feature = "parse")]
pub mod flags;
pub mod histogram;
pub mod limits;
pub mod pod;
pub mod recommender;
pub mod resources;
pub mod spec;
pub mod updater;

mod bucket_index;
mod gomath;

pub use capping::{CappedRecommendation, apply_vpa_policy, cap_recommendation};
pub use checkpoint::{HistogramCheckpoint, VerticalPodAutoscalerCheckpoint};
pub use container_state::{
    AggregateContainerState, AggregationConfig, ContainerState, DiscardedSamples, SampleOutcome,
};
pub use decaying_histogram::DecayingHistogram;
pub use estimator::{Estimate, EstimatorConfig, LOWER_BOUND_CONFIDENCE, UPPER_BOUND_CONFIDENCE};
pub use histogram::{Histogram, HistogramOptions};
pub use recommender::{Recommender, VpaRecommender};
pub use resources::*;
pub use spec::VerticalPodAutoscaler;

/// Everything the VPA module can reject.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum VpaError {
    /// A usage, weight or other number was NaN, infinite or negative.
    #[error("invalid value for {field}: {value}")]
    InvalidValue {
        /// Which input was wrong.
        field: &'static str,
        /// The value given.
        value: f64,
    },
    /// Histogram options that upstream's constructors reject.
    #[error("invalid histogram options: {0}")]
    InvalidOptions(&'static str),
    /// A recommender flag that is unknown or has a value of the wrong kind or range.
    #[error("recommender flag {flag}: {reason}")]
    InvalidFlag {
        /// The flag as given.
        flag: String,
        /// What is wrong.
        reason: String,
    },
    /// An OOM event older than one aggregation interval before the last memory sample.
    #[error("OOM event at {at} ms is too old and was discarded")]
    StaleOom {
        /// Time of the OOM (ms).
        at: i64,
    },
    /// A container name the object does not know.
    #[error("unknown container {0:?}")]
    UnknownContainer(String),
    /// A checkpoint that cannot be loaded.
    #[error("malformed checkpoint: {0}")]
    Checkpoint(String),
    /// Two histograms with different options or half-lives were combined.
    #[error("incompatible histograms: {0}")]
    Incompatible(&'static str),
    /// A rounding scale of zero or less (`RoundUpToScale`).
    #[error("scale must be greater than zero")]
    InvalidScale,
    /// A pod that the eviction restriction does not know or does not allow to evict.
    #[error("pod {0:?} cannot be evicted")]
    NotEvictable(String),
    /// A manifest field that makes no sense.
    #[error("invalid spec: {0}")]
    InvalidSpec(String),
}

/// `Result` with [`VpaError`].
pub type Result<T, E = VpaError> = std::result::Result<T, E>;

/// Rejects NaN, infinities and negative numbers.
pub(crate) fn check_non_negative(field: &'static str, value: f64) -> Result<f64> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(VpaError::InvalidValue { field, value })
    }
}
