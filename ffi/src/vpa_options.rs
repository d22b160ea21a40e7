//! Recommender options JSON to `tidescale::vpa::Recommender` through the core's
//! `vpa::flags`: the upstream recommender flags, spelled as on the command line without the
//! dashes (`{"target-cpu-percentile": 0.9,
//! "memory-aggregation-interval": "24h"}`; the snake_case keys of the Python door are accepted
//! too). Unknown flags are rejected; absent flags keep upstream's defaults.

use serde_json::Value;
use tidescale_core::vpa::Recommender;
use tidescale_core::vpa::flags::recommender_from_flags;

use crate::result::{FfiError, FfiResult, ts_result};

/// Largest options text accepted, in bytes.
pub(crate) const MAX_OPTIONS_BYTES: usize = 64 << 10;

/// Parses the options; empty text gives upstream's defaults.
pub(crate) fn parse_options(text: &str) -> FfiResult<Recommender> {
    if text.trim().is_empty() {
        return Ok(Recommender::default());
    }
    let value: Value = serde_json::from_str(text)
        .map_err(|e| FfiError::new(ts_result::InvalidVpaOptions, format!("options: {e}")))?;
    let Value::Object(map) = value else {
        return Err(FfiError::new(
            ts_result::InvalidVpaOptions,
            "options: a JSON object of recommender flags is expected",
        ));
    };
    recommender_from_flags(&map)
        .map_err(|e| FfiError::new(ts_result::InvalidVpaOptions, format!("options: {e}")))
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
    }
}
