//! The recommender's command-line flags by name, for hosts that configure a
//! [`Recommender`] from text (the C ABI's options JSON, Python keyword arguments): names as on
//! the command line (`target-cpu-percentile`, with or without `--`) or in snake_case
//! (`target_cpu_percentile`). Unknown flags are rejected; absent flags keep upstream's
//! defaults.
//!
//! ```
//! use serde_json::json;
//! let r = tidescale::vpa::flags::recommender_from_flags(
//!     json!({"target-cpu-percentile": 0.8, "memory_aggregation_interval": "1h30m"})
//!         .as_object().unwrap()).unwrap();
//! assert_eq!(r.estimator.target_cpu_percentile, 0.8);
//! assert_eq!(r.aggregation.memory_aggregation_interval_ms, 5_400_000);
//! ```

use serde_json::{Map, Value, json};

use super::{Recommender, ResourceList, VpaError};
use crate::Quantity;

/// Every flag name, snake_case (the kebab-case spelling is accepted too).
pub const FLAG_NAMES: &[&str] = &[
    "target_cpu_percentile",
    "recommendation_lower_bound_cpu_percentile",
    "recommendation_upper_bound_cpu_percentile",
    "target_memory_percentile",
    "recommendation_lower_bound_memory_percentile",
    "recommendation_upper_bound_memory_percentile",
    "recommendation_margin_fraction",
    "pod_recommendation_min_cpu_millicores",
    "pod_recommendation_min_memory_mb",
    "confidence_interval_cpu",
    "confidence_interval_memory",
    "memory_aggregation_interval",
    "memory_aggregation_interval_count",
    "cpu_histogram_decay_half_life",
    "memory_histogram_decay_half_life",
    "oom_bump_up_ratio",
    "oom_min_bump_up_bytes",
    "humanize_memory",
    "round_cpu_millicores",
    "round_memory_bytes",
    "container_recommendation_max_allowed_cpu",
    "container_recommendation_max_allowed_memory",
    "cpu_integer_post_processor_enabled",
    "per_vpa_config",
    "feature_gates",
];

fn bad(flag: &str, why: impl std::fmt::Display) -> VpaError {
    VpaError::InvalidFlag {
        flag: flag.to_owned(),
        reason: why.to_string(),
    }
}

fn number(f: &str, v: &Value) -> Result<f64, VpaError> {
    match v.as_f64() {
        Some(x) if x.is_finite() && x >= 0.0 => Ok(x),
        _ => Err(bad(f, format!("{v} is not a number >= 0"))),
    }
}

fn fraction(f: &str, v: &Value) -> Result<f64, VpaError> {
    match number(f, v)? {
        x if x <= 1.0 => Ok(x),
        x => Err(bad(f, format!("{x} is not a percentile in [0, 1]"))),
    }
}

fn positive_int(f: &str, v: &Value) -> Result<i64, VpaError> {
    match v.as_i64() {
        Some(x) if x >= 1 => Ok(x),
        _ => Err(bad(f, format!("{v} is not an integer >= 1"))),
    }
}

fn boolean(f: &str, v: &Value) -> Result<bool, VpaError> {
    v.as_bool()
        .ok_or_else(|| bad(f, format!("{v} is not true or false")))
}

/// A quantity >= 0 (string or number); `null` clears the flag.
fn quantity(f: &str, v: &Value) -> Result<Option<Quantity>, VpaError> {
    let q: Quantity = match v {
        Value::Null => return Ok(None),
        Value::String(s) => s
            .parse()
            .map_err(|_| bad(f, format!("{s:?} is not a quantity")))?,
        _ => serde_json::from_value(v.clone()).map_err(|e| bad(f, e))?,
    };
    if q.milli_value() < 0 {
        return Err(bad(f, "a quantity >= 0 is expected"));
    }
    Ok(Some(q))
}

/// `PerVPAConfig=true` (comma-separated `Gate=bool` pairs; only `PerVPAConfig` changes a
/// recommendation).
fn feature_gates(f: &str, v: &Value) -> Result<bool, VpaError> {
    let Some(s) = v.as_str() else {
        return Err(bad(f, "a string like \"PerVPAConfig=true\" is expected"));
    };
    let mut per_vpa = false;
    for pair in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (gate, on) = pair
            .split_once('=')
            .ok_or_else(|| bad(f, format!("{pair:?} is not Gate=true|false")))?;
        let on = match on.trim() {
            "true" => true,
            "false" => false,
            other => return Err(bad(f, format!("{other:?} is not true or false"))),
        };
        match gate.trim() {
            "PerVPAConfig" => per_vpa = on,
            other => return Err(bad(f, format!("unknown feature gate {other:?}"))),
        }
    }
    Ok(per_vpa)
}

/// A duration > 0 in milliseconds: Go duration text (`"24h"`, `"1h30m"`, `"90s"`) or a number
/// of seconds.
fn duration(f: &str, v: &Value) -> Result<i64, VpaError> {
    let ms = match v {
        Value::String(s) => crate::time::parse_duration_ms(s),
        Value::Number(n) => n
            .as_f64()
            .filter(|x| x.is_finite())
            .map(|x| x * 1000.0)
            .filter(|x| x.abs() < 9.0e18)
            .map(|x| x as i64),
        _ => None,
    };
    match ms {
        Some(ms) if ms > 0 => Ok(ms),
        _ => Err(bad(
            f,
            format!("{v} is not a duration > 0 (\"24h\" or seconds)"),
        )),
    }
}

/// Sets one flag on `r`.
///
/// # Errors
/// [`VpaError::InvalidFlag`] for an unknown flag or a value of the wrong kind or range.
pub fn apply_flag(r: &mut Recommender, name: &str, v: &Value) -> Result<(), VpaError> {
    let key = name.trim_start_matches('-').replace('-', "_");
    let f = name;
    let e = &mut r.estimator;
    let a = &mut r.aggregation;
    match key.as_str() {
        "target_cpu_percentile" => e.target_cpu_percentile = fraction(f, v)?,
        "recommendation_lower_bound_cpu_percentile" => {
            e.lower_bound_cpu_percentile = fraction(f, v)?;
        }
        "recommendation_upper_bound_cpu_percentile" => {
            e.upper_bound_cpu_percentile = fraction(f, v)?;
        }
        "target_memory_percentile" => e.target_memory_percentile = fraction(f, v)?,
        "recommendation_lower_bound_memory_percentile" => {
            e.lower_bound_memory_percentile = fraction(f, v)?;
        }
        "recommendation_upper_bound_memory_percentile" => {
            e.upper_bound_memory_percentile = fraction(f, v)?;
        }
        "recommendation_margin_fraction" => e.safety_margin_fraction = number(f, v)?,
        "pod_recommendation_min_cpu_millicores" => e.pod_min_cpu_millicores = number(f, v)?,
        "pod_recommendation_min_memory_mb" => e.pod_min_memory_mb = number(f, v)?,
        "confidence_interval_cpu" => e.confidence_interval_cpu_ms = duration(f, v)?,
        "confidence_interval_memory" => e.confidence_interval_memory_ms = duration(f, v)?,
        "memory_aggregation_interval" => a.memory_aggregation_interval_ms = duration(f, v)?,
        "memory_aggregation_interval_count" => {
            a.memory_aggregation_interval_count = positive_int(f, v)?;
        }
        "cpu_histogram_decay_half_life" => a.cpu_half_life_ms = duration(f, v)?,
        "memory_histogram_decay_half_life" => a.memory_half_life_ms = duration(f, v)?,
        "oom_bump_up_ratio" => a.oom_bump_up_ratio = number(f, v)?,
        "oom_min_bump_up_bytes" => a.oom_min_bump_up_bytes = number(f, v)?,
        "round_cpu_millicores" => r.round_cpu_millicores = positive_int(f, v)?,
        "round_memory_bytes" => r.round_memory_bytes = positive_int(f, v)?,
        "humanize_memory" => r.humanize_memory = boolean(f, v)?,
        "cpu_integer_post_processor_enabled" => {
            r.cpu_integer_post_processor_enabled = boolean(f, v)?;
        }
        "container_recommendation_max_allowed_cpu"
        | "container_recommendation_max_allowed_memory" => {
            let q = quantity(f, v)?;
            let list = r
                .container_recommendation_max_allowed
                .get_or_insert_with(ResourceList::default);
            if key.ends_with("cpu") {
                list.cpu = q;
            } else {
                list.memory = q;
            }
            if list.is_empty() {
                r.container_recommendation_max_allowed = None;
            }
        }
        "feature_gates" => r.per_vpa_config = feature_gates(f, v)?,
        "per_vpa_config" => r.per_vpa_config = boolean(f, v)?,
        _ => {
            return Err(bad(
                f,
                format!(
                    "unknown recommender flag (known: {})",
                    FLAG_NAMES.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// A [`Recommender`] with upstream's defaults and the given flags.
///
/// # Errors
/// As [`apply_flag`].
pub fn recommender_from_flags(flags: &Map<String, Value>) -> Result<Recommender, VpaError> {
    let mut r = Recommender::default();
    for (name, v) in flags {
        apply_flag(&mut r, name, v)?;
    }
    Ok(r)
}

/// The flags of `r` as a JSON object (snake_case keys, durations in seconds, quantities as
/// strings): what [`recommender_from_flags`] reads back.
pub fn flags_json(r: &Recommender) -> Value {
    let e = &r.estimator;
    let a = &r.aggregation;
    let secs = |ms: i64| ms as f64 / 1000.0;
    let max = r.container_recommendation_max_allowed.unwrap_or_default();
    json!({
        "target_cpu_percentile": e.target_cpu_percentile,
        "recommendation_lower_bound_cpu_percentile": e.lower_bound_cpu_percentile,
        "recommendation_upper_bound_cpu_percentile": e.upper_bound_cpu_percentile,
        "target_memory_percentile": e.target_memory_percentile,
        "recommendation_lower_bound_memory_percentile": e.lower_bound_memory_percentile,
        "recommendation_upper_bound_memory_percentile": e.upper_bound_memory_percentile,
        "recommendation_margin_fraction": e.safety_margin_fraction,
        "pod_recommendation_min_cpu_millicores": e.pod_min_cpu_millicores,
        "pod_recommendation_min_memory_mb": e.pod_min_memory_mb,
        "confidence_interval_cpu": secs(e.confidence_interval_cpu_ms),
        "confidence_interval_memory": secs(e.confidence_interval_memory_ms),
        "memory_aggregation_interval": secs(a.memory_aggregation_interval_ms),
        "memory_aggregation_interval_count": a.memory_aggregation_interval_count,
        "cpu_histogram_decay_half_life": secs(a.cpu_half_life_ms),
        "memory_histogram_decay_half_life": secs(a.memory_half_life_ms),
        "oom_bump_up_ratio": a.oom_bump_up_ratio,
        "oom_min_bump_up_bytes": a.oom_min_bump_up_bytes,
        "humanize_memory": r.humanize_memory,
        "round_cpu_millicores": r.round_cpu_millicores,
        "round_memory_bytes": r.round_memory_bytes,
        "container_recommendation_max_allowed_cpu": max.cpu.map(|q| q.to_string()),
        "container_recommendation_max_allowed_memory": max.memory.map(|q| q.to_string()),
        "cpu_integer_post_processor_enabled": r.cpu_integer_post_processor_enabled,
        "per_vpa_config": r.per_vpa_config,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejects() {
        let r = recommender_from_flags(
            json!({"--target-cpu-percentile": 0.8, "memory-aggregation-interval": "1h30m",
                   "round_cpu_millicores": 100, "container-recommendation-max-allowed-cpu": "4",
                   "feature-gates": "PerVPAConfig=true", "confidence-interval-cpu": 3600})
            .as_object()
            .unwrap(),
        )
        .unwrap();
        assert_eq!(r.round_cpu_millicores, 100);
        assert!(r.per_vpa_config);
        assert_eq!(r.estimator.confidence_interval_cpu_ms, 3_600_000);
        let back = recommender_from_flags(flags_json(&r).as_object().unwrap()).unwrap();
        assert_eq!(flags_json(&back), flags_json(&r));
        for bad in [
            json!({"target-cpu-percentile": 1.5}),
            json!({"target-cpu-percentile": "0.5"}),
            json!({"memory-aggregation-interval": "0s"}),
            json!({"memory-aggregation-interval-count": 0}),
            json!({"feature-gates": "Other=true"}),
            json!({"no-such-flag": 1}),
            json!({"oom-bump-up-ratio": -1}),
        ] {
            assert!(
                recommender_from_flags(bad.as_object().unwrap()).is_err(),
                "{bad}"
            );
        }
    }
}
