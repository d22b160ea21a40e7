//! Serving autoscalers as sans-IO state machines: Knative's KPA ([`kpa`]) and Ray Serve's
//! default policy ([`ray`]). The host owns the clock and the metrics; each `step(now, …)`
//! returns a decision that explains itself.

pub mod kpa;
pub mod ray;

/// What the serving autoscalers reject.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ServingError {
    /// A setting or observation was NaN, infinite or out of range.
    #[error("invalid value for {field}: {reason}")]
    InvalidValue {
        /// Which field was wrong (as the upstream config spells it).
        field: String,
        /// Why it was rejected.
        reason: String,
    },
}

pub(crate) fn invalid(field: &str, reason: impl Into<String>) -> ServingError {
    ServingError::InvalidValue {
        field: field.to_owned(),
        reason: reason.into(),
    }
}

pub(crate) fn finite(field: &str, v: f64) -> Result<f64, ServingError> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(invalid(field, format!("{v} is not finite")))
    }
}

pub(crate) fn non_negative(field: &str, v: f64) -> Result<f64, ServingError> {
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        Err(invalid(field, format!("{v} is not a finite number >= 0")))
    }
}
