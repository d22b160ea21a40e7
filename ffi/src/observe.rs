//! C observation structs for the core: pods are validated (codes, negative requests, UTF-8)
//! and then read in place through `PodInfo`; per-pod samples are validated and lent to the
//! core in place too (`ts_pod_sample` has `PodMetric`'s layout), so a step copies nothing and,
//! for up to [`INLINE_READINGS`] metrics, allocates nothing. Error messages are built only on
//! failure.

use tidescale_core::Timestamp;
use tidescale_core::hpa::{MetricValues, PodInfo, PodMetric, PodPhase, Readiness, RequestError};

use crate::args::{slice, text};
use crate::result::{FfiError, FfiResult, ts_result};
use crate::types::{
    ts_metric_kind, ts_metric_reading, ts_pod, ts_pod_phase, ts_pod_sample, ts_ready,
};

/// Metric readings held on the stack; a spec with more metrics uses a `Vec`.
pub(crate) const INLINE_READINGS: usize = 8;

// `ts_pod_sample` and the core's `PodMetric` (`#[repr(C)]`, documented as part of its API) are
// the same four 64-bit fields in the same order: a sample array is lent to the core as it is.
const _: () = {
    use std::mem::{align_of, offset_of, size_of};
    assert!(size_of::<ts_pod_sample>() == size_of::<PodMetric>());
    assert!(align_of::<ts_pod_sample>() == align_of::<PodMetric>());
    assert!(offset_of!(ts_pod_sample, pod) == offset_of!(PodMetric, pod));
    assert!(offset_of!(ts_pod_sample, value_milli) == offset_of!(PodMetric, value_milli));
    assert!(offset_of!(ts_pod_sample, timestamp_ms) == offset_of!(PodMetric, timestamp));
    assert!(offset_of!(ts_pod_sample, window_ms) == offset_of!(PodMetric, window_ms));
};

/// One step's metric values: inline for the usual handful of metrics.
pub(crate) enum Values<'a> {
    Inline([MetricValues<'a>; INLINE_READINGS], usize),
    Heap(Vec<MetricValues<'a>>),
}

impl<'a> Values<'a> {
    pub(crate) fn as_slice(&self) -> &[MetricValues<'a>] {
        match self {
            Self::Inline(a, n) => a.get(..*n).unwrap_or(&[]),
            Self::Heap(v) => v,
        }
    }
}

/// Validates each pod of `pods` (what [`PodInfo`] for [`CheckedPod`] relies on).
///
/// # Safety
/// The pointers inside `pods` must obey their length fields.
pub(crate) unsafe fn validate_pods(pods: &[ts_pod]) -> FfiResult {
    for (i, p) in pods.iter().enumerate() {
        // SAFETY: forwarded contract.
        unsafe { validate_pod(p) }.map_err(|e| e.within(|| format!("pods[{i}]")))?;
    }
    Ok(())
}

/// One step's pods (validated here unless `pods_validated`: the host handed this very array
/// to `ts_hpa_set_pods` and has not changed it since) and readings (validated, their sample
/// arrays lent in place).
///
/// # Safety
/// The pointers inside `pods` and `readings` must obey their length fields.
pub(crate) unsafe fn convert<'a>(
    pods: &'a [ts_pod],
    pods_validated: bool,
    readings: &'a [ts_metric_reading],
) -> FfiResult<(&'a [CheckedPod], Values<'a>)> {
    if !pods_validated {
        // SAFETY: forwarded contract.
        unsafe { validate_pods(pods) }?;
    }
    // SAFETY: `CheckedPod` is `repr(transparent)` over `ts_pod`; the view lives no longer than
    // the borrow of `pods`. Reading a pod never relies on validation for memory safety (text
    // is checked when it is read), only for the meaning of its fields.
    let pods = unsafe { &*(std::ptr::from_ref::<[ts_pod]>(pods) as *const [CheckedPod]) };
    let reading = |i: usize, r: &'a ts_metric_reading| {
        // SAFETY: forwarded contract.
        unsafe { convert_reading(r) }.map_err(|e| e.within(|| format!("readings[{i}]")))
    };
    let values = if readings.len() <= INLINE_READINGS {
        let mut a = [MetricValues::Unavailable; INLINE_READINGS];
        for ((i, r), slot) in readings.iter().enumerate().zip(a.iter_mut()) {
            *slot = reading(i, r)?;
        }
        Values::Inline(a, readings.len())
    } else {
        let mut v = Vec::with_capacity(readings.len());
        for (i, r) in readings.iter().enumerate() {
            v.push(reading(i, r)?);
        }
        Values::Heap(v)
    };
    Ok((pods, values))
}

/// Checks what [`PodInfo`] for [`ts_pod`] relies on: the codes, UTF-8 names, requests >= 0.
unsafe fn validate_pod(p: &ts_pod) -> FfiResult {
    // SAFETY: caller contract.
    unsafe { text(p.name, p.name_len, usize::MAX, "name") }?;
    // SAFETY: caller contract.
    unsafe { text(p.container, p.container_len, usize::MAX, "container") }?;
    if phase_of(p.phase).is_none() {
        return Err(unknown_code("phase", p.phase));
    }
    if ![ts_ready::None, ts_ready::True, ts_ready::False]
        .iter()
        .any(|r| *r as u32 == p.ready)
    {
        return Err(unknown_code("ready", p.ready));
    }
    if p.has_cpu_request && p.cpu_request_milli < 0 {
        return Err(negative("cpu_request_milli", p.cpu_request_milli));
    }
    if p.has_memory_request && p.memory_request_milli < 0 {
        return Err(negative("memory_request_milli", p.memory_request_milli));
    }
    Ok(())
}

fn phase_of(code: u32) -> Option<PodPhase> {
    Some(match code {
        x if x == ts_pod_phase::Running as u32 => PodPhase::Running,
        x if x == ts_pod_phase::Pending as u32 => PodPhase::Pending,
        x if x == ts_pod_phase::Succeeded as u32 => PodPhase::Succeeded,
        x if x == ts_pod_phase::Failed as u32 => PodPhase::Failed,
        x if x == ts_pod_phase::Unknown as u32 => PodPhase::Unknown,
        _ => return None,
    })
}

/// A `ts_pod` read in place by the core (validated by [`validate_pod`], this step or when the
/// host handed the array to `ts_hpa_set_pods`).
#[repr(transparent)]
pub(crate) struct CheckedPod(ts_pod);

impl CheckedPod {
    fn bytes(&self, ptr: *const std::ffi::c_char, len: usize) -> &[u8] {
        if ptr.is_null() || len == 0 {
            return &[];
        }
        // SAFETY: the caller's contract (the pointer covers `len` bytes for as long as its
        // arrays are borrowed, which outlives `&self`).
        unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) }
    }

    /// Text for messages; checked when read (validation made it UTF-8, but a host may have
    /// changed a trusted array without telling).
    fn text(&self, ptr: *const std::ffi::c_char, len: usize) -> &str {
        std::str::from_utf8(self.bytes(ptr, len)).unwrap_or("<not UTF-8>")
    }
}

/// The core reads a validated C pod in place: one container (named `container`) with
/// optional CPU and memory requests.
impl PodInfo for CheckedPod {
    fn name(&self) -> &str {
        self.text(self.0.name, self.0.name_len)
    }
    fn phase(&self) -> PodPhase {
        phase_of(self.0.phase).unwrap_or(PodPhase::Unknown)
    }
    fn deleted(&self) -> bool {
        self.0.deleted
    }
    fn start_time(&self) -> Option<Timestamp> {
        self.0
            .has_start_time
            .then(|| Timestamp::from_millis(self.0.start_ms))
    }
    fn readiness(&self) -> Option<Readiness> {
        (self.0.ready != ts_ready::None as u32).then(|| Readiness {
            ready: self.0.ready == ts_ready::True as u32,
            last_transition: Timestamp::from_millis(self.0.ready_transition_ms),
        })
    }
    fn request(
        &self,
        resource: &str,
        container: &str,
        _pod_level_resources: bool,
    ) -> Result<i64, RequestError> {
        let own = || self.text(self.0.container, self.0.container_len);
        if !container.is_empty()
            && container.as_bytes() != self.bytes(self.0.container, self.0.container_len)
        {
            return Err(RequestError::ContainerNotFound {
                container: container.to_owned(),
                pod: self.name().to_owned(),
            });
        }
        match resource {
            "cpu" if self.0.has_cpu_request => Ok(self.0.cpu_request_milli),
            "memory" if self.0.has_memory_request => Ok(self.0.memory_request_milli),
            _ => Err(RequestError::MissingRequest {
                resource: resource.to_owned(),
                container: own().to_owned(),
                pod: self.name().to_owned(),
            }),
        }
    }
}

/// Validates a reading; per-pod samples are checked and lent as they are.
unsafe fn convert_reading(r: &ts_metric_reading) -> FfiResult<MetricValues<'_>> {
    Ok(match r.kind {
        x if x == ts_metric_kind::Unavailable as u32 => MetricValues::Unavailable,
        x if x == ts_metric_kind::Pods as u32 => {
            // SAFETY: caller contract.
            let samples = unsafe { slice(r.samples, r.n_samples, "samples") }?;
            if samples.iter().any(|s| (s.value_milli | s.window_ms) < 0) {
                for (j, s) in samples.iter().enumerate() {
                    check_sample(s).map_err(|e| e.within(|| format!("samples[{j}]")))?;
                }
            }
            // SAFETY: same layout (the assertions above), every bit pattern of the four
            // integers is a valid `PodMetric`, and the borrow keeps the caller's array.
            let samples =
                unsafe { &*(std::ptr::from_ref::<[ts_pod_sample]>(samples) as *const [PodMetric]) };
            MetricValues::Pods(samples)
        }
        x if x == ts_metric_kind::Object as u32 => {
            if r.object_value_milli < 0 {
                return Err(negative("object_value_milli", r.object_value_milli));
            }
            MetricValues::Object(r.object_value_milli)
        }
        x if x == ts_metric_kind::External as u32 => {
            // SAFETY: caller contract.
            let values = unsafe { slice(r.values, r.n_values, "values") }?;
            if let Some((j, v)) = values.iter().enumerate().find(|(_, v)| **v < 0) {
                return Err(negative("", *v).within(|| format!("values[{j}]")));
            }
            MetricValues::External(values)
        }
        x => return Err(unknown_code("kind", x)),
    })
}

fn check_sample(s: &ts_pod_sample) -> FfiResult {
    if s.value_milli < 0 {
        return Err(negative("value_milli", s.value_milli));
    }
    if s.window_ms < 0 {
        return Err(negative("window_ms", s.window_ms));
    }
    Ok(())
}

/// `what` is a field name, or "" when the caller adds the path with `within`.
fn negative(what: &str, v: i64) -> FfiError {
    FfiError::new(
        ts_result::NegativeValue,
        format!("{what} is {v}, it must be >= 0"),
    )
}

fn unknown_code(what: &str, code: u32) -> FfiError {
    FfiError::new(
        ts_result::UnknownCode,
        format!("{what}: unknown code {code}"),
    )
}
