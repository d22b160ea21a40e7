//! LLM serving capacity: how many requests one replica holds and how many replicas a load needs.
//!
//! | module | what it answers |
//! |---|---|
//! | [`queueing`] | Erlang B/C (M/M/c) waits and the fewest servers meeting a wait target |
//! | [`model`] | KV-cache bytes per token from a Hugging Face `config.json`, KV-bound concurrency |
//! | [`gpu`] | datacenter GPUs with vendor figures and sources |
//! | [`replica`] | one replica's KV-bound concurrency; replicas for a wait target |
//! | [`wva`] | llm-d workload-variant-autoscaler's state-dependent M/M/1/K batch queue |
//!
//! Everything is pure math: no clock, no IO. Bad input (NaN, zero or negative rates and times,
//! a model that does not fit) is a [`CapacityError`] naming the field.

pub mod gpu;
pub mod model;
pub mod queueing;
pub mod replica;
pub mod wva;

/// What the capacity math rejects.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CapacityError {
    /// A number was NaN, infinite, zero or negative where that makes no sense.
    #[error("invalid value for {field}: {reason}")]
    InvalidValue {
        /// Which input was wrong (camelCase, as in the JSON shapes).
        field: &'static str,
        /// Why it was rejected.
        reason: String,
    },
    /// A model `config.json` lacked a field the formula needs.
    #[error("model config: missing field {field}")]
    MissingField {
        /// The `config.json` key.
        field: &'static str,
    },
    /// The queue cannot be stable: offered load `a = λ·S` is not below the server count.
    #[error(
        "unstable queue: offered load {offered_load} Erlangs needs more than {servers} servers"
    )]
    Unstable {
        /// `λ·S` in Erlangs.
        offered_load: f64,
        /// The server count asked about.
        servers: u32,
    },
}

/// Rejects NaN, infinite and (unless `allow_zero`) non-positive values.
pub(crate) fn positive(
    field: &'static str,
    v: f64,
    allow_zero: bool,
) -> Result<f64, CapacityError> {
    let ok = v.is_finite() && if allow_zero { v >= 0.0 } else { v > 0.0 };
    if ok {
        Ok(v)
    } else {
        let want = if allow_zero {
            "a finite number >= 0"
        } else {
            "a finite number > 0"
        };
        Err(CapacityError::InvalidValue {
            field,
            reason: format!("{v} is not {want}"),
        })
    }
}
