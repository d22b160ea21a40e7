//! The crate-wide error type. Each module has its own error enum; this one wraps them.

use crate::quantity::QuantityError;

/// Anything tidescale can reject.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A quantity string did not parse.
    #[error(transparent)]
    Quantity(#[from] QuantityError),
    /// A manifest could not be read (with the document and field at fault).
    #[cfg(feature = "parse")]
    #[error("manifest: {0}")]
    Manifest(#[from] crate::manifest::ManifestError),
    /// A number was NaN, infinite, negative or out of range where that makes no sense.
    #[error("invalid value for {field}: {reason}")]
    InvalidValue {
        /// Which input was wrong.
        field: String,
        /// Why it was rejected.
        reason: String,
    },
    /// The HPA rejected its input.
    #[error(transparent)]
    Hpa(#[from] crate::hpa::HpaError),
    /// The VPA rejected its input.
    #[error(transparent)]
    Vpa(#[from] crate::vpa::VpaError),
    /// The Prometheus math rejected its input.
    #[error(transparent)]
    Prom(#[from] crate::prom::PromError),
    /// KEDA (ScaledObject, ScaledJob, scalers) rejected its input.
    #[error(transparent)]
    Keda(#[from] crate::keda::KedaError),
    /// The serving autoscalers (KPA, Ray Serve) rejected their input.
    #[error(transparent)]
    Serving(#[from] crate::serving::ServingError),
    /// The capacity math rejected its input.
    #[error(transparent)]
    Capacity(#[from] crate::capacity::CapacityError),
}

impl Error {
    /// Shorthand for [`Error::InvalidValue`].
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::InvalidValue {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
