//! The plain `#[repr(C)]` structs and the enumeration codes of the HPA door.
//!
//! Enumerations cross the boundary as `uint32_t` fields and are validated on the way in; the
//! Rust enums below only give the C header its named constants. Zero is a sensible value for
//! every code field, so a zero-initialized struct is valid.

use std::ffi::{CStr, CString, c_char};
use std::sync::OnceLock;

use tidescale_core::hpa::Reason;

/// `status.phase` of a pod (values of `ts_pod.phase`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ts_pod_phase {
    /// Running (the zero value).
    Running = 0,
    /// Scheduled, not all containers started.
    Pending = 1,
    /// Finished successfully.
    Succeeded = 2,
    /// Finished with a failure (ignored by the HPA).
    Failed = 3,
    /// State unknown.
    Unknown = 4,
}

/// The pod's `Ready` condition (values of `ts_pod.ready`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ts_ready {
    /// The pod has no `Ready` condition (the zero value).
    None = 0,
    /// `Ready=True` since `ready_transition_ms`.
    True = 1,
    /// `Ready=False` since `ready_transition_ms`.
    False = 2,
}

/// Which values a `ts_metric_reading` carries (values of `ts_metric_reading.kind`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ts_metric_kind {
    /// The metrics API call failed (the zero value).
    Unavailable = 0,
    /// Per-pod samples (`samples`, `n_samples`): Resource, ContainerResource and Pods metrics.
    Pods = 1,
    /// One object value (`object_value_milli`): Object metrics.
    Object = 2,
    /// Every returned series value (`values`, `n_values`), summed: External metrics.
    External = 3,
}

/// The source type of a `spec.metrics` entry (values of `ts_metric_proposal.source`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ts_metric_source {
    /// A type string the controller does not know.
    Unknown = 0,
    /// `Resource` (cpu, memory).
    Resource = 1,
    /// `ContainerResource`.
    ContainerResource = 2,
    /// `Pods`.
    Pods = 3,
    /// `Object`.
    Object = 4,
    /// `External`.
    External = 5,
}

/// The status of an HPA condition (values of `ts_condition.status`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ts_condition_status {
    /// The condition is not set.
    Unset = 0,
    /// `True`.
    True = 1,
    /// `False`.
    False = 2,
    /// `Unknown`.
    Unknown = 3,
}

/// The scale subresource of the target.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ts_scale {
    /// `spec.replicas`: the current replica count (>= 0).
    pub spec_replicas: i32,
    /// `status.replicas` (>= 0): used by Object/External `AverageValue` targets.
    pub status_replicas: i32,
}

/// A pod as the HPA controller sees it: one container with optional CPU and memory requests.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ts_pod {
    /// Pod name, UTF-8, `name_len` bytes, not necessarily NUL-terminated (may be NULL if
    /// `name_len` is 0). Borrowed for the duration of the call.
    pub name: *const c_char,
    /// Length of `name` in bytes.
    pub name_len: usize,
    /// Name of the pod's container, for `ContainerResource` metrics (may be NULL if
    /// `container_len` is 0).
    pub container: *const c_char,
    /// Length of `container` in bytes.
    pub container_len: usize,
    /// `status.startTime` in milliseconds on the caller's clock (if `has_start_time`).
    pub start_ms: i64,
    /// `lastTransitionTime` of the `Ready` condition, in milliseconds (unless `ready` is
    /// `TS_READY_NONE`).
    pub ready_transition_ms: i64,
    /// CPU request in millicores (if `has_cpu_request`), >= 0.
    pub cpu_request_milli: i64,
    /// Memory request in milli-bytes (if `has_memory_request`), >= 0: `512Mi` is
    /// `536870912000`.
    pub memory_request_milli: i64,
    /// A `ts_pod_phase` code.
    pub phase: u32,
    /// A `ts_ready` code.
    pub ready: u32,
    /// `metadata.deletionTimestamp` is set.
    pub deleted: bool,
    /// `start_ms` is set.
    pub has_start_time: bool,
    /// `cpu_request_milli` is set (a missing request makes CPU `Utilization` targets fail, as
    /// upstream).
    pub has_cpu_request: bool,
    /// `memory_request_milli` is set.
    pub has_memory_request: bool,
}

/// One per-pod metric sample.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ts_pod_sample {
    /// Index of the pod in the `pods` array of the step (an index past the end is a sample of
    /// a pod that is not listed, which upstream keeps in some averages).
    pub pod: usize,
    /// The value in milli-units (millicores, milli-bytes, or the custom metric times 1000),
    /// >= 0.
    pub value_milli: i64,
    /// When the sample was taken, in milliseconds on the caller's clock.
    pub timestamp_ms: i64,
    /// The window the sample covers, in milliseconds (>= 0; the metrics-server uses 60000 or
    /// less).
    pub window_ms: i64,
}

/// The values read for one `spec.metrics` entry (one reading per entry, in the same order).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ts_metric_reading {
    /// A `ts_metric_kind` code.
    pub kind: u32,
    /// `TS_METRIC_KIND_PODS`: the samples (may be NULL if `n_samples` is 0).
    pub samples: *const ts_pod_sample,
    /// Number of `samples`.
    pub n_samples: usize,
    /// `TS_METRIC_KIND_EXTERNAL`: every series value in milli-units, >= 0 (may be NULL if
    /// `n_values` is 0).
    pub values: *const i64,
    /// Number of `values`.
    pub n_values: usize,
    /// `TS_METRIC_KIND_OBJECT`: the object's value in milli-units, >= 0.
    pub object_value_milli: i64,
}

/// One status condition of the HPA after a step.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ts_condition {
    /// A `ts_condition_status` code (`TS_CONDITION_STATUS_UNSET` if the condition is not set).
    pub status: u32,
    /// A `ts_reason` code (`TS_REASON_NONE` if the condition is not set).
    pub reason: u32,
}

/// The result of one step.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ts_hpa_decision {
    /// `scale.spec.replicas` at this step.
    pub current_replicas: i32,
    /// `status.desiredReplicas` after the step.
    pub desired_replicas: i32,
    /// The combined metric proposal before stabilization and limits, or -1.
    pub proposed_replicas: i32,
    /// The recommendation after the stabilization window, or -1.
    pub stabilized_replicas: i32,
    /// Index in `spec.metrics` of the metric whose proposal won, or -1.
    pub chosen_metric: i32,
    /// The `ts_reason` that limited the count (`TS_REASON_TOO_MANY_REPLICAS`,
    /// `TS_REASON_SCALE_UP_LIMIT`...), or `TS_REASON_NONE`.
    pub limited_by: u32,
    /// The `AbleToScale` condition.
    pub able_to_scale: ts_condition,
    /// The `ScalingActive` condition.
    pub scaling_active: ts_condition,
    /// The `ScalingLimited` condition.
    pub scaling_limited: ts_condition,
    /// The `ScaledToZero` condition (only with the newest scale-to-zero rules).
    pub scaled_to_zero: ts_condition,
    /// Number of per-metric outcomes readable with `ts_hpa_metric_proposal` (0 when metrics
    /// were not evaluated).
    pub n_metrics: usize,
    /// Whether the host should set the target's replicas to `desired_replicas`.
    pub rescale: bool,
    /// The step reported an error (a metric failed); `ts_hpa_explain` has the text.
    pub has_error: bool,
}

/// What one metric proposed at the last step.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ts_metric_proposal {
    /// The usage ratio the proposal came from (0 if the metric failed).
    pub ratio: f64,
    /// The average or total value in milli-units that upstream reports (0 if it failed).
    pub value_milli: i64,
    /// Proposed replicas, or -1 if the metric failed.
    pub replicas: i32,
    /// Utilization percent for `Utilization` targets, or -1.
    pub utilization: i32,
    /// A `ts_metric_source` code.
    pub source: u32,
    /// The `ScalingActive=False` `ts_reason` if the metric failed, else `TS_REASON_NONE`.
    pub failure_reason: u32,
    /// The metric produced a proposal.
    pub ok: bool,
    /// This metric's proposal won.
    pub chosen: bool,
}

/// The reason of an HPA condition, with the numeric codes of `tidescale::hpa::Reason::code()`
/// (stable, never reused). `ts_reason_str` gives the Kubernetes spelling.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ts_reason {
    /// No reason (the condition is not set, or nothing limited the count).
    None = 0,
    /// AbleToScale=True: the scale subresource was read.
    SucceededGetScale = 1,
    /// AbleToScale=False: the scale subresource could not be read.
    FailedGetScale = 2,
    /// AbleToScale=True: stabilization did not change the recommendation.
    ReadyForNewScale = 3,
    /// AbleToScale=True: a higher recent recommendation held the scale down.
    ScaleDownStabilized = 4,
    /// AbleToScale=True: a lower recent recommendation held the scale up.
    ScaleUpStabilized = 5,
    /// AbleToScale=True: the scale was updated.
    SucceededRescale = 6,
    /// AbleToScale=False: the scale update failed.
    FailedUpdateScale = 7,
    /// ScalingActive=True: at least one metric gave a proposal.
    ValidMetricFound = 8,
    /// ScalingActive=False: the target is at zero replicas and scaling is disabled.
    ScalingDisabled = 9,
    /// ScalingActive=False: the selector is empty or unparsable.
    InvalidSelector = 10,
    /// ScalingActive=False: pods are matched by more than one HPA.
    AmbiguousSelector = 11,
    /// ScalingActive=False: a Resource metric failed.
    FailedGetResourceMetric = 12,
    /// ScalingActive=False: a ContainerResource metric failed.
    FailedGetContainerResourceMetric = 13,
    /// ScalingActive=False: a Pods metric failed.
    FailedGetPodsMetric = 14,
    /// ScalingActive=False: an Object metric failed.
    FailedGetObjectMetric = 15,
    /// ScalingActive=False: an External metric failed.
    FailedGetExternalMetric = 16,
    /// ScalingActive=False: the metric source type is not known.
    InvalidMetricSourceType = 17,
    /// ScalingLimited=False: no bound applied.
    DesiredWithinRange = 18,
    /// ScalingLimited=True: clamped to maxReplicas.
    TooManyReplicas = 19,
    /// ScalingLimited=True: clamped to minReplicas.
    TooFewReplicas = 20,
    /// ScalingLimited=True: a scale-up policy (or the legacy cap) limited the change.
    ScaleUpLimit = 21,
    /// ScalingLimited=True: a scale-down policy limited the change.
    ScaleDownLimit = 22,
    /// ScaledToZero=True (newest scale-to-zero rules).
    ScaledToZero = 23,
    /// ScaledToZero=False (newest scale-to-zero rules).
    NotScaledToZero = 24,
}

/// Reason codes are small; the core's numbering is scanned up to here.
const MAX_REASON_CODE: u32 = 1024;

/// The NUL-terminated Kubernetes spelling of a reason code, from the core's own strings
/// (`""` for 0).
pub(crate) fn reason_name(code: u32) -> Option<&'static CStr> {
    static NAMES: OnceLock<Vec<CString>> = OnceLock::new();
    let names = NAMES.get_or_init(|| {
        (0..=MAX_REASON_CODE)
            .map(|c| {
                let name = Reason::from_code(c).map_or("", Reason::as_str);
                CString::new(name).unwrap_or_default()
            })
            .collect()
    });
    let name = names.get(usize::try_from(code).ok()?)?;
    (code == 0 || !name.is_empty()).then_some(name.as_c_str())
}

/// The Kubernetes spelling of a reason code (`"ScaleDownStabilized"`), static and
/// NUL-terminated; `""` for `TS_REASON_NONE`; NULL if `code` is not a known reason. The string
/// must not be freed.
#[unsafe(no_mangle)]
pub extern "C" fn ts_reason_str(code: u32) -> *const c_char {
    crate::result::ffi_boundary_or(std::ptr::null(), || {
        reason_name(code).map_or(std::ptr::null(), CStr::as_ptr)
    })
}

/// A pod with every field at its default: running, no `Ready` condition, no start time, no
/// requests, empty name. Start from this so fields added later get their defaults.
#[unsafe(no_mangle)]
pub extern "C" fn ts_pod_default() -> ts_pod {
    ts_pod {
        name: std::ptr::null(),
        name_len: 0,
        container: std::ptr::null(),
        container_len: 0,
        start_ms: 0,
        ready_transition_ms: 0,
        cpu_request_milli: 0,
        memory_request_milli: 0,
        phase: ts_pod_phase::Running as u32,
        ready: ts_ready::None as u32,
        deleted: false,
        has_start_time: false,
        has_cpu_request: false,
        has_memory_request: false,
    }
}

/// A metric reading with every field at its default: `TS_METRIC_KIND_UNAVAILABLE`, no values.
#[unsafe(no_mangle)]
pub extern "C" fn ts_metric_reading_default() -> ts_metric_reading {
    ts_metric_reading {
        kind: ts_metric_kind::Unavailable as u32,
        samples: std::ptr::null(),
        n_samples: 0,
        values: std::ptr::null(),
        n_values: 0,
        object_value_milli: 0,
    }
}
