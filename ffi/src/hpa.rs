//! The HPA controller behind an opaque handle: create from a manifest, step with observations,
//! read the decision, save and restore the history.

use std::ffi::c_char;

use tidescale_core::Timestamp;
use tidescale_core::hpa::{
    ConditionStatus, ConditionType, Controller, Decision, MetricSourceType, Observation, Scale,
};

use crate::args::{optional_text, out_ptr, reference, reference_mut, slice, text, write_text};
use crate::manifest::{
    MAX_HISTORY_BYTES, MAX_MANIFEST_BYTES, MAX_SETTINGS_BYTES, history_json, parse_history,
    parse_hpa, parse_settings,
};
use crate::observe::{convert, validate_pods};
use crate::result::{FfiError, ffi_boundary, ts_result};
use crate::types::{
    ts_condition, ts_condition_status, ts_hpa_decision, ts_metric_proposal, ts_metric_reading,
    ts_metric_source, ts_pod, ts_scale,
};

/// An HPA controller: the HPA object (defaulted and validated), its settings and its history.
/// Create with `ts_hpa_new`, free with `ts_hpa_free`. Not thread-safe: do not use one handle
/// from two threads at once (distinct handles are independent).
pub struct ts_hpa {
    pub(crate) controller: Controller,
    /// The pod array last handed to `ts_hpa_set_pods` (address and count), whose validation
    /// steps reuse.
    validated_pods: (usize, usize),
}

/// Creates an HPA controller from a `HorizontalPodAutoscaler` manifest (`manifest_len` bytes of
/// UTF-8 JSON or YAML, not necessarily NUL-terminated; a YAML stream with several documents
/// yields its one HPA document) and optional settings (JSON object with the camelCase fields
/// of `tidescale::hpa::Settings`, e.g. `{"tolerance": 0.1, "downscaleStabilizationSeconds":
/// 300}`; NULL or empty for Kubernetes' defaults). On success `*out` receives a handle to free
/// with `ts_hpa_free`; on failure `*out` is not written.
///
/// # Safety
/// `manifest` must point to `manifest_len` readable bytes; `settings_json` must be NULL or
/// point to `settings_len` readable bytes; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ts_hpa_new(
    manifest: *const c_char,
    manifest_len: usize,
    settings_json: *const c_char,
    settings_len: usize,
    out: *mut *mut ts_hpa,
) -> ts_result {
    ffi_boundary(|| {
        let out = out_ptr(out, "out")?;
        if manifest.is_null() {
            return Err(FfiError::null("manifest"));
        }
        // SAFETY: caller contract.
        let manifest = unsafe { text(manifest, manifest_len, MAX_MANIFEST_BYTES, "manifest") }?;
        // SAFETY: caller contract.
        let settings =
            unsafe { optional_text(settings_json, settings_len, MAX_SETTINGS_BYTES, "settings") }?;
        let hpa = parse_hpa(manifest)?;
        let settings = parse_settings(settings)?;
        let controller = Controller::new(hpa, settings)
            .map_err(|e| FfiError::new(ts_result::Validation, e.to_string()))?;
        let handle = Box::new(ts_hpa {
            controller,
            validated_pods: (0, 0),
        });
        // SAFETY: checked non-NULL and aligned.
        unsafe { out.write(Box::into_raw(handle)) };
        Ok(())
    })
}

/// Frees a handle from `ts_hpa_new`. NULL is accepted and ignored.
///
/// # Safety
/// `hpa` must be NULL or a handle from `ts_hpa_new` not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ts_hpa_free(hpa: *mut ts_hpa) {
    crate::result::ffi_boundary_or((), || {
        if !hpa.is_null() {
            // SAFETY: caller contract: a live handle from `Box::into_raw`.
            drop(unsafe { Box::from_raw(hpa) });
        }
    });
}

/// Validates a pod array once, so that the steps which pass this same array (the same pointer
/// and count) skip validating it again: for a host that keeps its pods in one array and steps
/// often. Call it again after changing any pod in the array (or pass NULL and 0 to forget
/// it); a step given any other array validates that array itself. Reading an array changed
/// without telling is never undefined behaviour (text is checked when read), but the step
/// then works from unvalidated codes and requests.
///
/// # Safety
/// `hpa` must be NULL or a live handle; `pods` must be NULL or point to `n_pods` valid structs
/// whose pointers obey their own length fields, and stay so while it is the trusted array.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ts_hpa_set_pods(
    hpa: *mut ts_hpa,
    pods: *const ts_pod,
    n_pods: usize,
) -> ts_result {
    ffi_boundary(|| {
        // SAFETY (all blocks): caller contract, checked for NULL, alignment and length.
        let hpa = unsafe { reference_mut(hpa, "hpa") }?;
        hpa.validated_pods = (0, 0);
        let list = unsafe { slice(pods, n_pods, "pods") }?;
        unsafe { validate_pods(list) }?;
        if !list.is_empty() {
            hpa.validated_pods = (pods as usize, n_pods);
        }
        Ok(())
    })
}

/// One controller sync at `now_ms` (milliseconds on a clock the caller chooses and keeps):
/// the scale subresource, the pods matched by the target's selector, and one reading per
/// `spec.metrics` entry in the same order. Per-pod samples refer to pods by index in `pods`.
/// On success `*out` receives the decision; metric failures are not errors (they show in the
/// decision's conditions, as upstream reports them). All input memory is borrowed for the
/// duration of the call only.
///
/// # Safety
/// `hpa` must be NULL or a live handle; `scale` and `out` must be NULL or valid; `pods` and
/// `readings` must be NULL or point to `n_pods` / `n_readings` valid structs whose pointers
/// obey their own length fields.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn ts_hpa_step(
    hpa: *mut ts_hpa,
    now_ms: i64,
    scale: *const ts_scale,
    pods: *const ts_pod,
    n_pods: usize,
    readings: *const ts_metric_reading,
    n_readings: usize,
    out: *mut ts_hpa_decision,
) -> ts_result {
    ffi_boundary(|| {
        // SAFETY (all blocks): caller contract, checked for NULL, alignment and length.
        let hpa = unsafe { reference_mut(hpa, "hpa") }?;
        let scale = *unsafe { reference(scale, "scale") }?;
        let out = out_ptr(out, "out")?;
        let validated = n_pods > 0 && (pods as usize, n_pods) == hpa.validated_pods;
        let pods = unsafe { slice(pods, n_pods, "pods") }?;
        let readings = unsafe { slice(readings, n_readings, "readings") }?;
        if scale.spec_replicas < 0 || scale.status_replicas < 0 {
            return Err(FfiError::new(
                ts_result::NegativeValue,
                format!(
                    "scale: replica counts must be >= 0 (spec {}, status {})",
                    scale.spec_replicas, scale.status_replicas
                ),
            ));
        }
        let expected = hpa.controller.hpa().spec.metrics.len();
        if readings.len() != expected {
            return Err(FfiError::new(
                ts_result::MetricCountMismatch,
                format!(
                    "expected {expected} metric readings (one per spec.metrics entry), got {}",
                    readings.len()
                ),
            ));
        }
        // SAFETY: caller contract (the pointers inside the structs obey their lengths).
        let (pods, metrics) = unsafe { convert(pods, validated, readings) }?;
        let now = Timestamp::from_millis(now_ms);
        let obs = Observation {
            scale: Scale {
                spec_replicas: scale.spec_replicas,
                status_replicas: scale.status_replicas,
            },
            pods,
            metrics: metrics.as_slice(),
        };
        let d = hpa
            .controller
            .step(now, &obs)
            .map_err(|e| FfiError::new(ts_result::InvalidObservation, e.to_string()))?;
        // SAFETY: checked non-NULL and aligned.
        unsafe { out.write(decision_of(d)) };
        Ok(())
    })
}

/// When the host should step next after `now_ms`: the next sync period, or earlier when a
/// stabilization window or a policy period ends.
///
/// # Safety
/// `hpa` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ts_hpa_next_wakeup(
    hpa: *const ts_hpa,
    now_ms: i64,
    out: *mut i64,
) -> ts_result {
    ffi_boundary(|| {
        // SAFETY: caller contract.
        let hpa = unsafe { reference(hpa, "hpa") }?;
        let out = out_ptr(out, "out")?;
        let t = hpa.controller.next_wakeup(Timestamp::from_millis(now_ms));
        // SAFETY: checked non-NULL and aligned.
        unsafe { out.write(t.as_millis()) };
        Ok(())
    })
}

/// What metric `index` (an index into `spec.metrics`, below the last decision's `n_metrics`)
/// proposed at the last step.
///
/// # Safety
/// `hpa` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ts_hpa_metric_proposal(
    hpa: *const ts_hpa,
    index: usize,
    out: *mut ts_metric_proposal,
) -> ts_result {
    ffi_boundary(|| {
        // SAFETY: caller contract.
        let hpa = unsafe { reference(hpa, "hpa") }?;
        let out = out_ptr(out, "out")?;
        let d = hpa.controller.last_decision();
        let Some(m) = d.metrics.get(index) else {
            return Err(FfiError::new(
                ts_result::IndexOutOfRange,
                format!(
                    "metric index {index}: the last step evaluated {} metrics",
                    d.metrics.len()
                ),
            ));
        };
        let mut p = ts_metric_proposal {
            source: source_code(m.source) as u32,
            chosen: d.chosen_metric == Some(index),
            replicas: -1,
            utilization: -1,
            ..ts_metric_proposal::default()
        };
        match &m.result {
            Ok(r) => {
                p.ok = true;
                p.ratio = r.ratio;
                p.value_milli = r.value_milli;
                p.replicas = r.replicas;
                p.utilization = r.utilization.unwrap_or(-1);
            }
            Err(f) => p.failure_reason = f.reason.code(),
        }
        // SAFETY: checked non-NULL and aligned.
        unsafe { out.write(p) };
        Ok(())
    })
}

/// Writes the last decision as one line of text (`3 -> 6 (cpu above target); *Resource
/// cpu: ratio 1.800 -> 6 replicas`), NUL-terminated, into `buf` (`len` bytes); `*written`
/// receives its length without the NUL. If `len` is too small, returns
/// `TS_RESULT_BUFFER_TOO_SMALL`, writes nothing into `buf` and still sets `*written`: allocate
/// `*written + 1` bytes and call again (`buf` may be NULL with `len` 0 to ask).
///
/// # Safety
/// `hpa` must be NULL or a live handle; `buf` must be NULL or point to `len` writable bytes;
/// `written` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ts_hpa_explain(
    hpa: *const ts_hpa,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> ts_result {
    ffi_boundary(|| {
        // SAFETY: caller contract.
        let hpa = unsafe { reference(hpa, "hpa") }?;
        let text = hpa.controller.last_decision().to_string();
        // SAFETY: caller contract.
        unsafe { write_text(&text, buf, len, written, "explanation") }
    })
}

/// Writes the controller's history (recommendations and scale events, the state that must
/// survive a restart) as JSON text, NUL-terminated, into `buf`; `*needed` receives the text
/// length without the NUL. If `len` is too small, returns `TS_RESULT_BUFFER_TOO_SMALL`, writes
/// nothing into `buf` and still sets `*needed`: allocate `*needed + 1` bytes and call again.
///
/// # Safety
/// As `ts_hpa_explain`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ts_hpa_history_save(
    hpa: *const ts_hpa,
    buf: *mut c_char,
    len: usize,
    needed: *mut usize,
) -> ts_result {
    ffi_boundary(|| {
        // SAFETY: caller contract.
        let hpa = unsafe { reference(hpa, "hpa") }?;
        let json = history_json(hpa.controller.history())?;
        // SAFETY: caller contract.
        unsafe { write_text(&json, buf, len, needed, "history") }
    })
}

/// Replaces the controller's history with one saved by `ts_hpa_history_save` (`len` bytes of
/// JSON, not necessarily NUL-terminated). On failure the history is unchanged.
///
/// # Safety
/// `hpa` must be NULL or a live handle; `json` must point to `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ts_hpa_history_load(
    hpa: *mut ts_hpa,
    json: *const c_char,
    len: usize,
) -> ts_result {
    ffi_boundary(|| {
        // SAFETY: caller contract.
        let hpa = unsafe { reference_mut(hpa, "hpa") }?;
        if json.is_null() {
            return Err(FfiError::null("json"));
        }
        // SAFETY: caller contract.
        let json = unsafe { text(json, len, MAX_HISTORY_BYTES, "history") }?;
        let history = parse_history(json)?;
        hpa.controller.set_history(history);
        Ok(())
    })
}

fn source_code(t: MetricSourceType) -> ts_metric_source {
    match t {
        MetricSourceType::Resource => ts_metric_source::Resource,
        MetricSourceType::ContainerResource => ts_metric_source::ContainerResource,
        MetricSourceType::Pods => ts_metric_source::Pods,
        MetricSourceType::Object => ts_metric_source::Object,
        MetricSourceType::External => ts_metric_source::External,
        MetricSourceType::Unknown => ts_metric_source::Unknown,
    }
}

fn condition_of(d: &Decision, t: ConditionType) -> ts_condition {
    d.condition(t)
        .map_or_else(ts_condition::default, |c| ts_condition {
            status: match c.status {
                ConditionStatus::True => ts_condition_status::True,
                ConditionStatus::False => ts_condition_status::False,
                ConditionStatus::Unknown => ts_condition_status::Unknown,
            } as u32,
            reason: c.reason.code(),
        })
}

/// The C view of a decision.
pub(crate) fn decision_of(d: &Decision) -> ts_hpa_decision {
    let opt = |v: Option<i32>| v.unwrap_or(-1);
    ts_hpa_decision {
        current_replicas: d.current_replicas,
        desired_replicas: d.desired_replicas,
        proposed_replicas: opt(d.proposed_replicas),
        stabilized_replicas: opt(d.stabilized_replicas),
        chosen_metric: d
            .chosen_metric
            .and_then(|i| i32::try_from(i).ok())
            .unwrap_or(-1),
        limited_by: d.limited_by.map_or(0, |r| r.code()),
        able_to_scale: condition_of(d, ConditionType::AbleToScale),
        scaling_active: condition_of(d, ConditionType::ScalingActive),
        scaling_limited: condition_of(d, ConditionType::ScalingLimited),
        scaled_to_zero: condition_of(d, ConditionType::ScaledToZero),
        n_metrics: d.metrics.len(),
        rescale: d.rescale,
        has_error: d.error.is_some(),
    }
}
