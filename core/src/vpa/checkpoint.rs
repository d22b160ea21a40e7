//! The `VerticalPodAutoscalerCheckpoint` format (version `v3`), exactly as upstream writes it.
//!
//! ```
//! use tidescale::vpa::VerticalPodAutoscalerCheckpoint;
//! let cp: VerticalPodAutoscalerCheckpoint = serde_json::from_str(r#"{
//!   "apiVersion": "autoscaling.k8s.io/v1", "kind": "VerticalPodAutoscalerCheckpoint",
//!   "metadata": {"name": "web-app"},
//!   "spec": {"vpaObjectName": "web", "containerName": "app"},
//!   "status": {"version": "v3", "lastUpdateTime": "2018-01-02T03:04:05Z",
//!     "cpuHistogram": {"referenceTimestamp": "2018-01-02T00:00:00Z",
//!                      "bucketWeights": {"16": 10000, "17": 523}, "totalWeight": 1.25},
//!     "memoryHistogram": {"referenceTimestamp": null, "bucketWeights": {}, "totalWeight": 0},
//!     "firstSampleStart": "2018-01-01T03:04:05Z", "lastSampleStart": "2018-01-02T03:04:05Z",
//!     "totalSamplesCount": 1440}
//! }"#).unwrap();
//! assert_eq!(cp.status.cpu_histogram.bucket_weights[&16], 10000);
//! assert_eq!(cp.status.total_samples_count, 1440);
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::hpa::ObjectMeta;
use crate::time::Timestamp;

/// The checkpoint version this code reads and writes.
pub const CHECKPOINT_VERSION: &str = "v3";

/// One histogram's checkpoint (`HistogramCheckpoint`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistogramCheckpoint {
    /// Reference of a decaying histogram; `None` is Go's zero time (serialised as `null`).
    #[serde(default, with = "opt_time")]
    pub reference_timestamp: Option<Timestamp>,
    /// Bucket index → weight scaled so the heaviest bucket is 10000.
    #[serde(default)]
    pub bucket_weights: BTreeMap<i64, u32>,
    /// The exact total weight.
    #[serde(default)]
    pub total_weight: f64,
}

/// `spec` of a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckpointSpec {
    /// The VPA this checkpoint belongs to.
    #[serde(default)]
    pub vpa_object_name: String,
    /// The container name.
    #[serde(default)]
    pub container_name: String,
}

/// `status` of a checkpoint.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckpointStatus {
    /// When the checkpoint was written.
    #[serde(default, with = "opt_time")]
    pub last_update_time: Option<Timestamp>,
    /// Format version (`v3`).
    #[serde(default)]
    pub version: String,
    /// CPU usage histogram.
    #[serde(default)]
    pub cpu_histogram: HistogramCheckpoint,
    /// Memory peaks histogram.
    #[serde(default)]
    pub memory_histogram: HistogramCheckpoint,
    /// First CPU sample time.
    #[serde(default, with = "opt_time")]
    pub first_sample_start: Option<Timestamp>,
    /// Last CPU sample time.
    #[serde(default, with = "opt_time")]
    pub last_sample_start: Option<Timestamp>,
    /// Number of CPU samples.
    #[serde(default)]
    pub total_samples_count: u64,
}

/// A whole `VerticalPodAutoscalerCheckpoint` object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerticalPodAutoscalerCheckpoint {
    /// `autoscaling.k8s.io/v1`.
    #[serde(default = "api_version")]
    pub api_version: String,
    /// `VerticalPodAutoscalerCheckpoint`.
    #[serde(default = "kind")]
    pub kind: String,
    /// Name and namespace.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Which VPA and container.
    #[serde(default)]
    pub spec: CheckpointSpec,
    /// The saved state.
    #[serde(default)]
    pub status: CheckpointStatus,
}

fn api_version() -> String {
    "autoscaling.k8s.io/v1".to_owned()
}
fn kind() -> String {
    "VerticalPodAutoscalerCheckpoint".to_owned()
}

mod opt_time {
    use super::*;

    pub(super) fn serialize<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&t.to_rfc3339()),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Timestamp>, D::Error> {
        let v: Option<String> = Option::deserialize(d)?;
        match v {
            None => Ok(None),
            Some(s) => {
                let ms = Timestamp::parse_rfc3339(&s)
                    .ok_or_else(|| serde::de::Error::custom(format!("invalid time {s:?}")))?
                    .as_millis();
                // Go's zero time is the "unset" value.
                Ok((ms != super::super::decaying_histogram::GO_ZERO_TIME_MS)
                    .then_some(Timestamp(ms)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trip() {
        assert_eq!(
            Timestamp::parse_rfc3339("2018-01-02T03:04:05Z"),
            Some(Timestamp(1_514_862_245_000))
        );
        assert_eq!(
            Timestamp(1_514_862_245_000).to_rfc3339(),
            "2018-01-02T03:04:05Z"
        );
        assert_eq!(
            Timestamp::parse_rfc3339("0001-01-01T00:00:00Z"),
            Some(Timestamp(super::super::decaying_histogram::GO_ZERO_TIME_MS))
        );
        assert_eq!(
            Timestamp::parse_rfc3339("2018-01-02T04:04:05+01:00"),
            Some(Timestamp(1_514_862_245_000))
        );
        assert_eq!(Timestamp::parse_rfc3339("garbage"), None);
        assert_eq!(Timestamp::parse_rfc3339("2018-13-02T03:04:05Z"), None);
    }
}
