//! Manifest, settings and history text to core types. Manifests go through the core loader
//! (`tidescale::manifest`: JSON, or YAML with parsing budgets, since a manifest may come from
//! an untrusted source); settings and history are JSON.

use std::cell::{Cell, RefCell};
use std::ffi::{CString, c_char};

use tidescale_core::hpa::{History, HorizontalPodAutoscaler, Settings};
use tidescale_core::manifest::{self, FieldValidation, ManifestErrorKind};

use crate::result::{FfiError, FfiResult, ffi_boundary, ffi_boundary_or, ts_result};

thread_local! {
    /// The unknown-field warnings of the last manifest this thread read.
    static WARNINGS: RefCell<Vec<CString>> = const { RefCell::new(Vec::new()) };
    /// What this thread does with unknown manifest fields.
    static VALIDATION: Cell<FieldValidation> = const { Cell::new(FieldValidation::Warn) };
}

/// What unknown manifest fields do, as kubectl's `--validate`.
pub const TS_FIELD_VALIDATION_WARN: u32 = 0;
/// Unknown manifest fields are an error (the kind's invalid-manifest code).
pub const TS_FIELD_VALIDATION_STRICT: u32 = 1;
/// Unknown manifest fields are ignored silently.
pub const TS_FIELD_VALIDATION_IGNORE: u32 = 2;

/// Sets what unknown or misspelled manifest fields (`spec.behaviour`) do for the manifests this
/// thread reads from now on: `TS_FIELD_VALIDATION_WARN` (the default: the object loads, each
/// field is a warning, see `ts_last_warning`), `_STRICT` (the load fails) or `_IGNORE`.
/// Another value is `TS_INVALID_ARGUMENT`.
#[unsafe(no_mangle)]
pub extern "C" fn ts_set_field_validation(mode: u32) -> ts_result {
    ffi_boundary(|| {
        let v = match mode {
            TS_FIELD_VALIDATION_WARN => FieldValidation::Warn,
            TS_FIELD_VALIDATION_STRICT => FieldValidation::Strict,
            TS_FIELD_VALIDATION_IGNORE => FieldValidation::Ignore,
            other => {
                return Err(FfiError::new(
                    ts_result::InvalidArgument,
                    format!(
                        "field validation mode {other} is not 0 (warn), 1 (strict) or 2 (ignore)"
                    ),
                ));
            }
        };
        let _ = VALIDATION.try_with(|c| c.set(v));
        Ok(())
    })
}

/// How many unknown-field warnings the last manifest read on this thread gave (0 after a
/// manifest without any, or one that failed to load).
#[unsafe(no_mangle)]
pub extern "C" fn ts_last_warning_count() -> usize {
    ffi_boundary_or(0, || {
        WARNINGS
            .try_with(|w| w.try_borrow().map_or(0, |w| w.len()))
            .unwrap_or(0)
    })
}

/// Warning `index` of the last manifest read on this thread (`document 0: unknown field
/// "spec.behaviour"`), NUL-terminated and owned by the library until the next manifest is read
/// on this thread; NULL when `index` is out of range.
#[unsafe(no_mangle)]
pub extern "C" fn ts_last_warning(index: usize) -> *const c_char {
    ffi_boundary_or(std::ptr::null(), || {
        WARNINGS
            .try_with(|w| {
                w.try_borrow()
                    .ok()
                    .and_then(|w| w.get(index).map(|s| s.as_ptr()))
                    .unwrap_or(std::ptr::null())
            })
            .unwrap_or(std::ptr::null())
    })
}

fn set_warnings(warnings: &[manifest::FieldWarning]) {
    let texts = warnings
        .iter()
        .filter_map(|w| CString::new(w.to_string()).ok())
        .collect();
    let _ = WARNINGS.try_with(|w| {
        if let Ok(mut slot) = w.try_borrow_mut() {
            *slot = texts;
        }
    });
}

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
    let validation = VALIDATION.try_with(Cell::get).unwrap_or_default();
    set_warnings(&[]);
    manifest::load_with::<T>(text, kind, None, validation)
        .map(|l| {
            set_warnings(&l.warnings);
            l.object
        })
        .map_err(|e| {
            let code = match e.kind {
                ManifestErrorKind::InvalidJson => ts_result::InvalidJson,
                ManifestErrorKind::InvalidYaml | ManifestErrorKind::TooLarge => {
                    ts_result::InvalidYaml
                }
                ManifestErrorKind::NotFound => not_found,
                ManifestErrorKind::Ambiguous => ambiguous,
                ManifestErrorKind::UnsupportedApiVersion
                | ManifestErrorKind::InvalidObject
                | ManifestErrorKind::UnknownField => invalid,
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
