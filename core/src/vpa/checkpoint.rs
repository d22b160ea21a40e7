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

/// Formats Unix milliseconds as RFC 3339 with second precision (`metav1.Time`), truncating.
pub fn format_rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        sod / 3600,
        (sod / 60) % 60,
        sod % 60
    )
}

/// Parses RFC 3339 (`2018-01-02T03:04:05Z`, fractional seconds and `±hh:mm` offsets accepted)
/// into Unix milliseconds.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        if t.bytes().all(|c| c.is_ascii_digit()) && !t.is_empty() {
            t.parse().ok()
        } else {
            None
        }
    };
    if b.len() < 20 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    if !matches!(b.get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut i = 19;
    let mut frac_ms = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        let digits = s.get(start..i)?;
        let padded: String = digits.chars().chain("000".chars()).take(3).collect();
        frac_ms = padded.parse().ok()?;
    }
    let offset_s = match b.get(i) {
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(&sign @ (b'+' | b'-')) if i + 6 == b.len() => {
            let oh = num(i + 1..i + 3)?;
            let om = num(i + 4..i + 6)?;
            let o = oh * 3600 + om * 60;
            if sign == b'+' { o } else { -o }
        }
        _ => return None,
    };
    let days = days_from_civil(y, mo, d);
    let secs = days * 86_400 + h * 3600 + mi * 60 + se - offset_s;
    Some(secs * 1000 + frac_ms)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

mod opt_time {
    use super::*;

    pub(super) fn serialize<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&format_rfc3339(t.0)),
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
                let ms = parse_rfc3339(&s)
                    .ok_or_else(|| serde::de::Error::custom(format!("invalid time {s:?}")))?;
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
            parse_rfc3339("2018-01-02T03:04:05Z"),
            Some(1_514_862_245_000)
        );
        assert_eq!(format_rfc3339(1_514_862_245_000), "2018-01-02T03:04:05Z");
        assert_eq!(
            parse_rfc3339("0001-01-01T00:00:00Z"),
            Some(super::super::decaying_histogram::GO_ZERO_TIME_MS)
        );
        assert_eq!(
            parse_rfc3339("2018-01-02T04:04:05+01:00"),
            Some(1_514_862_245_000)
        );
        assert_eq!(parse_rfc3339("garbage"), None);
        assert_eq!(parse_rfc3339("2018-13-02T03:04:05Z"), None);
    }
}
