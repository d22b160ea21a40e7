//! Manifest, settings and history text to core types. Manifests go through the core loader
//! (`tidescale::manifest`: JSON, or YAML with parsing budgets, since a manifest may come from
//! an untrusted source); settings and history are JSON.

use tidescale_core::hpa::{History, HorizontalPodAutoscaler, Settings};
use tidescale_core::manifest::{self, ManifestErrorKind};

use crate::result::{FfiError, FfiResult, ts_result};

/// Largest manifest accepted, in bytes (the core loader's cap).
pub(crate) const MAX_MANIFEST_BYTES: usize = manifest::MAX_MANIFEST_BYTES;
/// Largest settings text accepted, in bytes.
pub(crate) const MAX_SETTINGS_BYTES: usize = 64 << 10;
/// Largest history text accepted, in bytes.
pub(crate) const MAX_HISTORY_BYTES: usize = 16 << 20;

/// The result codes of one object kind: not found, ambiguous, wrong shape.
pub(crate) type KindCodes = [ts_result; 3];

/// Parses a manifest given as JSON (first non-blank character `{` or `[`) or YAML with the
/// core's loader (`tidescale::manifest`: parsing budgets, multi-document streams, `kind:
/// List`), picking the one object of `kind` and mapping each kind of failure to its code.
pub(crate) fn load_object<T: serde::de::DeserializeOwned>(
    text: &str,
    kind: &manifest::ObjectKind,
    [not_found, ambiguous, invalid]: KindCodes,
) -> FfiResult<T> {
    manifest::load::<T>(text, kind, None)
        .map(|l| l.object)
        .map_err(|e| {
            let code = match e.kind {
                ManifestErrorKind::InvalidJson => ts_result::InvalidJson,
                ManifestErrorKind::InvalidYaml | ManifestErrorKind::TooLarge => {
                    ts_result::InvalidYaml
                }
                ManifestErrorKind::NotFound => not_found,
                ManifestErrorKind::Ambiguous => ambiguous,
                ManifestErrorKind::UnsupportedApiVersion | ManifestErrorKind::InvalidObject => {
                    invalid
                }
            };
            FfiError::new(code, format!("manifest: {e}"))
        })
}

/// Parses an HPA manifest (see [`load_object`]).
pub(crate) fn parse_hpa(text: &str) -> FfiResult<HorizontalPodAutoscaler> {
    load_object(
        text,
        &manifest::HPA,
        [
            ts_result::HpaNotFound,
            ts_result::AmbiguousManifest,
            ts_result::InvalidManifest,
        ],
    )
}

/// Parses controller settings (JSON, camelCase fields of `tidescale::hpa::Settings`; missing
/// fields keep Kubernetes' defaults). Empty text gives the defaults.
pub(crate) fn parse_settings(text: &str) -> FfiResult<Settings> {
    if text.trim().is_empty() {
        return Ok(Settings::default());
    }
    serde_json::from_str(text)
        .map_err(|e| FfiError::new(ts_result::InvalidSettings, format!("settings: {e}")))
}

/// Parses a saved history (the JSON written by `ts_hpa_history_save`).
pub(crate) fn parse_history(text: &str) -> FfiResult<History> {
    serde_json::from_str(text)
        .map_err(|e| FfiError::new(ts_result::InvalidHistory, format!("history: {e}")))
}

/// Serializes a history to JSON.
pub(crate) fn history_json(h: &History) -> FfiResult<String> {
    serde_json::to_string(h)
        .map_err(|e| FfiError::new(ts_result::Internal, format!("history: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_stream_picks_the_hpa() {
        let y = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n---\n\
                 apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\n\
                 spec:\n  maxReplicas: 7\n  metrics:\n  - type: Resource\n    resource:\n      \
                 name: cpu\n      target: {type: Utilization, averageUtilization: 60}\n";
        let h = parse_hpa(y).unwrap();
        assert_eq!(h.spec.max_replicas, 7);
        assert_eq!(h.metadata.name.as_deref(), Some("web"));
    }

    #[test]
    fn errors_are_typed() {
        let code = |t: &str| parse_hpa(t).unwrap_err().code;
        assert_eq!(code("{\"spec\": "), ts_result::InvalidJson);
        assert_eq!(code("spec: [unclosed"), ts_result::InvalidYaml);
        assert_eq!(code("kind: Deployment\n"), ts_result::HpaNotFound);
        assert_eq!(
            code("kind: Service\n---\nkind: Deployment\n"),
            ts_result::HpaNotFound
        );
        let two = "kind: HorizontalPodAutoscaler\nspec: {maxReplicas: 2}\n---\n\
                   kind: HorizontalPodAutoscaler\nspec: {maxReplicas: 3}\n";
        assert_eq!(code(two), ts_result::AmbiguousManifest);
        assert_eq!(code("{\"spec\": {}}"), ts_result::InvalidManifest);
        assert_eq!(
            code("{\"apiVersion\": \"autoscaling/v1\", \"spec\": {\"maxReplicas\": 3}}"),
            ts_result::InvalidManifest
        );
        assert_eq!(code("42"), ts_result::HpaNotFound);
        assert_eq!(code("[]"), ts_result::HpaNotFound);
        assert_eq!(
            parse_hpa("[{\"kind\": \"Service\"}, {\"spec\": {\"maxReplicas\": 5}, \"kind\": \"HorizontalPodAutoscaler\"}]")
                .unwrap()
                .spec
                .max_replicas,
            5
        );
        // nesting budgets: YAML depth 64, serde_json's recursion limit 128
        let deep = format!("spec: {}1{}", "[".repeat(100), "]".repeat(100));
        assert_eq!(code(&deep), ts_result::InvalidYaml);
        let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        assert_eq!(code(&deep), ts_result::InvalidJson);
    }

    #[test]
    fn settings_and_history() {
        assert_eq!(parse_settings("").unwrap(), Settings::default());
        let s = parse_settings(r#"{"tolerance": 0.2}"#).unwrap();
        assert!((s.tolerance - 0.2).abs() < 1e-12);
        assert_eq!(s.sync_period_seconds, 15);
        assert_eq!(
            parse_settings("{").unwrap_err().code,
            ts_result::InvalidSettings
        );
        assert_eq!(
            parse_history("[]").unwrap_err().code,
            ts_result::InvalidHistory
        );
        let h = History::default();
        assert_eq!(parse_history(&history_json(&h).unwrap()).unwrap(), h);
    }
}
