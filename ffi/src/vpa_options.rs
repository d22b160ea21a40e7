//! Recommender options JSON to `tidescale::vpa::Recommender`: the upstream recommender flags,
//! spelled as on the command line without the dashes (`{"target-cpu-percentile": 0.9,
//! "memory-aggregation-interval": "24h"}`; the snake_case keys of the Python door are accepted
//! too). Unknown flags are rejected; absent flags keep upstream's defaults.

use serde_json::{Map, Value};
use tidescale_core::Quantity;
use tidescale_core::vpa::{Recommender, ResourceList};

use crate::result::{FfiError, FfiResult, ts_result};

/// Largest options text accepted, in bytes.
pub(crate) const MAX_OPTIONS_BYTES: usize = 64 << 10;

fn bad(flag: &str, why: impl std::fmt::Display) -> FfiError {
    FfiError::new(
        ts_result::InvalidVpaOptions,
        format!("options: {flag}: {why}"),
    )
}

/// Parses the options; empty text gives upstream's defaults.
pub(crate) fn parse_options(text: &str) -> FfiResult<Recommender> {
    let mut r = Recommender::default();
    if text.trim().is_empty() {
        return Ok(r);
    }
    let value: Value = serde_json::from_str(text)
        .map_err(|e| FfiError::new(ts_result::InvalidVpaOptions, format!("options: {e}")))?;
    let Value::Object(map) = value else {
        return Err(FfiError::new(
            ts_result::InvalidVpaOptions,
            "options: a JSON object of recommender flags is expected",
        ));
    };
    apply(&mut r, &map)?;
    Ok(r)
}

fn apply(r: &mut Recommender, map: &Map<String, Value>) -> FfiResult {
    let e = &mut r.estimator;
    let a = &mut r.aggregation;
    for (flag, v) in map {
        // Flags as spelled on the command line; the snake_case spelling of the Python door
        // (`target_cpu_percentile`) is accepted too.
        let key = flag.replace('_', "-");
        let f = flag.as_str();
        match key.as_str() {
            "target-cpu-percentile" => e.target_cpu_percentile = fraction(f, v)?,
            "recommendation-lower-bound-cpu-percentile" => {
                e.lower_bound_cpu_percentile = fraction(f, v)?;
            }
            "recommendation-upper-bound-cpu-percentile" => {
                e.upper_bound_cpu_percentile = fraction(f, v)?;
            }
            "target-memory-percentile" => e.target_memory_percentile = fraction(f, v)?,
            "recommendation-lower-bound-memory-percentile" => {
                e.lower_bound_memory_percentile = fraction(f, v)?;
            }
            "recommendation-upper-bound-memory-percentile" => {
                e.upper_bound_memory_percentile = fraction(f, v)?;
            }
            "recommendation-margin-fraction" => e.safety_margin_fraction = number(f, v)?,
            "pod-recommendation-min-cpu-millicores" => e.pod_min_cpu_millicores = number(f, v)?,
            "pod-recommendation-min-memory-mb" => e.pod_min_memory_mb = number(f, v)?,
            "confidence-interval-cpu" => e.confidence_interval_cpu_ms = duration(f, v)?,
            "confidence-interval-memory" => e.confidence_interval_memory_ms = duration(f, v)?,
            "memory-aggregation-interval" => a.memory_aggregation_interval_ms = duration(f, v)?,
            "memory-aggregation-interval-count" => {
                a.memory_aggregation_interval_count = positive_int(f, v)?;
            }
            "cpu-histogram-decay-half-life" => a.cpu_half_life_ms = duration(f, v)?,
            "memory-histogram-decay-half-life" => a.memory_half_life_ms = duration(f, v)?,
            "oom-bump-up-ratio" => a.oom_bump_up_ratio = number(f, v)?,
            "oom-min-bump-up-bytes" => a.oom_min_bump_up_bytes = number(f, v)?,
            "round-cpu-millicores" => r.round_cpu_millicores = positive_int(f, v)?,
            "round-memory-bytes" => r.round_memory_bytes = positive_int(f, v)?,
            "humanize-memory" => r.humanize_memory = boolean(f, v)?,
            "cpu-integer-post-processor-enabled" => {
                r.cpu_integer_post_processor_enabled = boolean(f, v)?;
            }
            "container-recommendation-max-allowed-cpu" => {
                let list = r
                    .container_recommendation_max_allowed
                    .get_or_insert_with(ResourceList::default);
                list.cpu = Some(quantity(f, v)?);
            }
            "container-recommendation-max-allowed-memory" => {
                let list = r
                    .container_recommendation_max_allowed
                    .get_or_insert_with(ResourceList::default);
                list.memory = Some(quantity(f, v)?);
            }
            "feature-gates" => r.per_vpa_config = feature_gates(f, v)?,
            "per-vpa-config" => r.per_vpa_config = boolean(f, v)?,
            _ => return Err(bad(f, "unknown recommender flag")),
        }
    }
    Ok(())
}

fn number(f: &str, v: &Value) -> FfiResult<f64> {
    match v.as_f64() {
        Some(x) if x.is_finite() && x >= 0.0 => Ok(x),
        _ => Err(bad(f, format!("{v} is not a number >= 0"))),
    }
}

fn fraction(f: &str, v: &Value) -> FfiResult<f64> {
    match number(f, v)? {
        x if x <= 1.0 => Ok(x),
        x => Err(bad(f, format!("{x} is not a percentile in [0, 1]"))),
    }
}

fn positive_int(f: &str, v: &Value) -> FfiResult<i64> {
    match v.as_i64() {
        Some(x) if x >= 1 => Ok(x),
        _ => Err(bad(f, format!("{v} is not an integer >= 1"))),
    }
}

fn boolean(f: &str, v: &Value) -> FfiResult<bool> {
    v.as_bool()
        .ok_or_else(|| bad(f, format!("{v} is not true or false")))
}

fn quantity(f: &str, v: &Value) -> FfiResult<Quantity> {
    let q: Quantity = match v {
        Value::String(s) => s
            .parse()
            .map_err(|_| bad(f, format!("{s:?} is not a quantity")))?,
        _ => serde_json::from_value(v.clone()).map_err(|e| bad(f, e))?,
    };
    if q.milli_value() < 0 {
        return Err(bad(f, "a quantity >= 0 is expected"));
    }
    Ok(q)
}

/// `PerVPAConfig=true` (comma-separated `Gate=bool` pairs; only `PerVPAConfig` changes a
/// recommendation).
fn feature_gates(f: &str, v: &Value) -> FfiResult<bool> {
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

/// A duration > 0 in milliseconds: a Go duration string (`"24h"`, `"1h30m"`, `"90s"`,
/// `"1.5h"`, `"500ms"`) or a number of seconds. Truncated to whole milliseconds.
fn duration(f: &str, v: &Value) -> FfiResult<i64> {
    let ms = match v {
        Value::String(s) => go_duration_ms(s),
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

/// Go's `time.ParseDuration`, reduced to milliseconds.
fn go_duration_ms(s: &str) -> Option<i64> {
    let s = s.trim();
    let mut rest = s.strip_prefix('+').unwrap_or(s);
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total = 0f64;
    while !rest.is_empty() {
        let n = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (num, tail) = rest.split_at(n);
        if num.is_empty() || num == "." {
            return None;
        }
        let x: f64 = num.parse().ok()?;
        let u = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(u);
        let scale = match unit {
            "ns" => 1e-6,
            "us" | "µs" | "μs" => 1e-3,
            "ms" => 1.0,
            "s" => 1e3,
            "m" => 60e3,
            "h" => 3600e3,
            _ => return None,
        };
        total += x * scale;
        rest = tail;
    }
    (total.is_finite() && total < 9.0e18).then_some(total as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_flags() {
        assert_eq!(parse_options("").unwrap(), Recommender::default());
        let r = parse_options(
            r#"{"target-cpu-percentile": 0.8, "memory-aggregation-interval": "1h30m",
                "cpu-histogram-decay-half-life": 3600, "round-cpu-millicores": 10,
                "container-recommendation-max-allowed-cpu": "2",
                "feature-gates": "PerVPAConfig=true", "oom_bump_up_ratio": 1.5}"#,
        )
        .unwrap();
        assert_eq!(r.estimator.target_cpu_percentile, 0.8);
        assert_eq!(r.aggregation.memory_aggregation_interval_ms, 5_400_000);
        assert_eq!(r.aggregation.cpu_half_life_ms, 3_600_000);
        assert_eq!(r.round_cpu_millicores, 10);
        assert_eq!(
            r.container_recommendation_max_allowed
                .unwrap()
                .cpu
                .unwrap()
                .milli_value(),
            2000
        );
        assert!(r.per_vpa_config);
        assert_eq!(r.aggregation.oom_bump_up_ratio, 1.5);
        assert!(
            parse_options(r#"{"per_vpa_config": true}"#)
                .unwrap()
                .per_vpa_config
        );
    }

    #[test]
    fn rejects() {
        for bad in [
            "{",
            "[]",
            r#"{"target-cpu-percentile": 1.5}"#,
            r#"{"target-cpu-percentile": "0.5"}"#,
            r#"{"memory-aggregation-interval": "0s"}"#,
            r#"{"memory-aggregation-interval": "1d"}"#,
            r#"{"round-memory-bytes": 0}"#,
            r#"{"no-such-flag": 1}"#,
            r#"{"feature-gates": "Other=true"}"#,
        ] {
            assert_eq!(
                parse_options(bad).unwrap_err().code,
                ts_result::InvalidVpaOptions,
                "{bad}"
            );
        }
        assert_eq!(go_duration_ms("2h45m0.5s"), Some(9_900_500));
        assert_eq!(go_duration_ms("500ms"), Some(500));
        assert_eq!(go_duration_ms("h"), None);
    }
}
