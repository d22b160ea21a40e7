//! Scaler math: how each trigger type turns the host's raw reading into a metric value and an
//! activity flag. Metadata is parsed as KEDA's typed config does (spec §7): values are trimmed,
//! an empty value means the default, integers and floats go through `encoding/json`, booleans
//! through `strconv.ParseBool`.

use std::collections::BTreeMap;

use super::KedaError;
use super::goparse::{go_parse_bool, json_float, json_int};

pub mod cron;
pub mod kafka;
pub mod prometheus;
pub mod sqs;

pub use cron::{CronMetadata, CronSchedule};
pub use kafka::{
    KafkaLag, KafkaMetadata, KafkaOffsets, OffsetResetPolicy, PartitionLimitation, PartitionOffsets,
};
pub use prometheus::{PromData, PromSample, PromScalar, PrometheusMetadata, PrometheusResponse};
pub use sqs::SqsMetadata;

/// What one scaler returns for one poll: the metric (already in milli-units, as sent to the
/// HPA) and whether the trigger is active.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScalerReading {
    /// The raw value the scaler computed (activation compares this one).
    pub raw: f64,
    /// The value reported to the HPA in milli-units (`GenerateMetricInMili`: NaN, Inf and
    /// negative values become 0).
    pub metric_milli: i64,
    /// `raw > activation threshold` (strict).
    pub is_active: bool,
}

/// Typed-config view of a trigger's `metadata` map.
pub(crate) struct Meta<'a> {
    pub(crate) scaler: &'static str,
    pub(crate) map: &'a BTreeMap<String, String>,
}

impl Meta<'_> {
    /// The trimmed value, `None` when absent or empty (KEDA treats both as unset).
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.map
            .get(key)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    }

    pub(crate) fn required(&self, key: &'static str) -> Result<&str, KedaError> {
        self.get(key).ok_or(KedaError::MissingParameter {
            scaler: self.scaler,
            param: key,
        })
    }

    fn invalid(&self, key: &'static str, value: &str, reason: &'static str) -> KedaError {
        KedaError::InvalidParameter {
            scaler: self.scaler,
            param: key,
            value: value.to_owned(),
            reason,
        }
    }

    pub(crate) fn int(&self, key: &'static str, default: Option<i64>) -> Result<i64, KedaError> {
        match (self.get(key), default) {
            (Some(v), _) => json_int(v).ok_or_else(|| self.invalid(key, v, "not an integer")),
            (None, Some(d)) => Ok(d),
            (None, None) => Err(KedaError::MissingParameter {
                scaler: self.scaler,
                param: key,
            }),
        }
    }

    pub(crate) fn float(&self, key: &'static str, default: Option<f64>) -> Result<f64, KedaError> {
        match (self.get(key), default) {
            (Some(v), _) => json_float(v).ok_or_else(|| self.invalid(key, v, "not a number")),
            (None, Some(d)) => Ok(d),
            (None, None) => Err(KedaError::MissingParameter {
                scaler: self.scaler,
                param: key,
            }),
        }
    }

    pub(crate) fn bool(&self, key: &'static str, default: bool) -> Result<bool, KedaError> {
        match self.get(key) {
            Some(v) => go_parse_bool(v).ok_or_else(|| self.invalid(key, v, "not a boolean")),
            None => Ok(default),
        }
    }

    pub(crate) fn err(&self, key: &'static str, value: &str, reason: &'static str) -> KedaError {
        self.invalid(key, value, reason)
    }
}
