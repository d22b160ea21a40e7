//! Result codes, the per-thread last error message and the panic boundary.
//!
//! Every fallible function returns a [`ts_result`]: `TS_RESULT_OK` (0) or a stable number from
//! one of the ranges below. Numbers are never reused; a retired code stays reserved. The C side
//! sees `ts_result` as a `uint32_t`, so a code the caller does not know is never undefined
//! behaviour.

use std::cell::RefCell;
use std::ffi::{CStr, CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// The result of a fallible call: `TS_RESULT_OK` or an error code.
///
/// Ranges: 1xx argument errors, 2xx parse and manifest errors, 3xx validation errors, 4xx
/// observation errors (HPA), 5xx VerticalPodAutoscaler, 6xx KEDA, 7xx Prometheus, 9xx internal
/// errors. Numbers are stable and never reused (a retired
/// code stays reserved in a comment).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ts_result {
    /// Success.
    Ok = 0,
    /// A required pointer argument was NULL.
    NullArgument = 100,
    /// An argument was invalid (a length that cannot be a slice, a misaligned pointer...).
    InvalidArgument = 101,
    /// Text was not valid UTF-8.
    InvalidUtf8 = 102,
    /// A floating-point number was NaN or infinite.
    NotFinite = 103,
    /// A count, quantity or duration was negative where that makes no sense.
    NegativeValue = 104,
    /// An enumeration code (pod phase, readiness, metric kind) is not known.
    UnknownCode = 105,
    /// An index was past the end (metric proposal index).
    IndexOutOfRange = 106,
    /// The caller's output buffer is too small; the size argument tells how much is needed.
    BufferTooSmall = 107,
    /// An input text is larger than the library accepts.
    InputTooLarge = 108,
    /// The manifest looked like JSON but is not valid JSON.
    InvalidJson = 200,
    /// The manifest is not valid YAML (or exceeded a YAML parsing budget).
    InvalidYaml = 201,
    /// The manifest has no HorizontalPodAutoscaler document.
    HpaNotFound = 202,
    /// The manifest has more than one HorizontalPodAutoscaler document.
    AmbiguousManifest = 203,
    /// The document parsed but does not have the shape of an autoscaling/v2 HPA.
    InvalidManifest = 204,
    /// The settings JSON is invalid.
    InvalidSettings = 205,
    /// The history JSON is invalid.
    InvalidHistory = 206,
    /// The HPA (or the settings values) failed Kubernetes API validation.
    Validation = 300,
    /// The observation was rejected by the controller.
    InvalidObservation = 400,
    /// The number of metric readings differs from the number of `spec.metrics` entries.
    MetricCountMismatch = 401,
    /// The manifest has no VerticalPodAutoscaler document.
    VpaNotFound = 500,
    /// The manifest has more than one VerticalPodAutoscaler document.
    VpaAmbiguous = 501,
    /// The document does not have the shape of an autoscaling.k8s.io/v1 VerticalPodAutoscaler.
    VpaInvalidManifest = 502,
    /// The recommender options JSON is invalid (unknown flag, wrong type, value out of range).
    InvalidVpaOptions = 503,
    /// No longer returned (kept so the number is never reused): a VPA sample that is not
    /// after the previous one of its container is discarded and counted, as upstream does
    /// (`ts_vpa_discarded_samples`).
    SampleOutOfOrder = 504,
    /// No sample was ever recorded for the container.
    UnknownContainer = 505,
    /// The OOM event is more than one memory aggregation interval older than the last memory
    /// sample (upstream discards it).
    StaleOom = 506,
    /// The VerticalPodAutoscalerCheckpoint JSON is invalid or does not belong to this VPA.
    InvalidCheckpoint = 507,
    /// The manifest has no ScaledObject document.
    ScaledObjectNotFound = 600,
    /// The manifest has more than one ScaledObject document.
    ScaledObjectAmbiguous = 601,
    /// The document does not have the shape of a keda.sh/v1alpha1 ScaledObject.
    ScaledObjectInvalidManifest = 602,
    /// The manifest has no ScaledJob document.
    ScaledJobNotFound = 603,
    /// The manifest has more than one ScaledJob document.
    ScaledJobAmbiguous = 604,
    /// The document does not have the shape of a keda.sh/v1alpha1 ScaledJob.
    ScaledJobInvalidManifest = 605,
    /// The ScaledObject failed KEDA's validation (unknown trigger type, bad trigger metadata,
    /// replica bounds) or the HPA KEDA builds from it failed Kubernetes validation.
    KedaValidation = 606,
    /// No longer returned: every controller accepts a `now` before the previous step's (as
    /// upstream tolerates clock skew). The number stays reserved.
    TimeWentBackwards = 607,
    /// The number of trigger readings differs from the number of `spec.triggers` entries.
    TriggerCountMismatch = 608,
    /// Prometheus sample timestamps are not strictly increasing.
    SamplesOutOfOrder = 700,
    /// A streaming sample is older than the latest one kept.
    PromOutOfOrder = 701,
    /// A streaming sample repeats the latest timestamp with a different value.
    DuplicateTimestamp = 702,
    /// A range is not > 0 ms or the window does not fit in the timestamp type.
    InvalidRange = 703,
    /// A streaming window needs a capacity of at least 2 samples.
    InvalidCapacity = 704,
    /// A histogram bucket upper bound is NaN.
    NanBucketBound = 705,
    /// An internal error (a bug); the message has the detail.
    Internal = 998,
    /// A panic was caught at the boundary (a bug); the message has the detail.
    Panic = 999,
}

impl ts_result {
    /// Every code, in numeric order (a test checks it against the header).
    pub const ALL: &'static [Self] = &[
        Self::Ok,
        Self::NullArgument,
        Self::InvalidArgument,
        Self::InvalidUtf8,
        Self::NotFinite,
        Self::NegativeValue,
        Self::UnknownCode,
        Self::IndexOutOfRange,
        Self::BufferTooSmall,
        Self::InputTooLarge,
        Self::InvalidJson,
        Self::InvalidYaml,
        Self::HpaNotFound,
        Self::AmbiguousManifest,
        Self::InvalidManifest,
        Self::InvalidSettings,
        Self::InvalidHistory,
        Self::Validation,
        Self::InvalidObservation,
        Self::MetricCountMismatch,
        Self::VpaNotFound,
        Self::VpaAmbiguous,
        Self::VpaInvalidManifest,
        Self::InvalidVpaOptions,
        Self::SampleOutOfOrder,
        Self::UnknownContainer,
        Self::StaleOom,
        Self::InvalidCheckpoint,
        Self::ScaledObjectNotFound,
        Self::ScaledObjectAmbiguous,
        Self::ScaledObjectInvalidManifest,
        Self::ScaledJobNotFound,
        Self::ScaledJobAmbiguous,
        Self::ScaledJobInvalidManifest,
        Self::KedaValidation,
        Self::TimeWentBackwards,
        Self::TriggerCountMismatch,
        Self::SamplesOutOfOrder,
        Self::PromOutOfOrder,
        Self::DuplicateTimestamp,
        Self::InvalidRange,
        Self::InvalidCapacity,
        Self::NanBucketBound,
        Self::Internal,
        Self::Panic,
    ];

    /// The static description.
    pub const fn text(self) -> &'static CStr {
        match self {
            Self::Ok => c"success",
            Self::NullArgument => c"a required pointer argument was NULL",
            Self::InvalidArgument => c"an argument was invalid",
            Self::InvalidUtf8 => c"text was not valid UTF-8",
            Self::NotFinite => c"a number was NaN or infinite",
            Self::NegativeValue => c"a value was negative where that makes no sense",
            Self::UnknownCode => c"an enumeration code is not known",
            Self::IndexOutOfRange => c"an index was out of range",
            Self::BufferTooSmall => c"the output buffer is too small",
            Self::InputTooLarge => c"an input was larger than the accepted maximum",
            Self::InvalidJson => c"invalid JSON",
            Self::InvalidYaml => c"invalid YAML",
            Self::HpaNotFound => c"no HorizontalPodAutoscaler in the manifest",
            Self::AmbiguousManifest => c"more than one HorizontalPodAutoscaler in the manifest",
            Self::InvalidManifest => {
                c"the manifest does not have the shape of an autoscaling/v2 HorizontalPodAutoscaler"
            }
            Self::InvalidSettings => c"invalid settings JSON",
            Self::InvalidHistory => c"invalid history JSON",
            Self::Validation => c"the HorizontalPodAutoscaler or its settings failed validation",
            Self::InvalidObservation => c"invalid observation",
            Self::MetricCountMismatch => c"one metric reading is needed per spec.metrics entry",
            Self::VpaNotFound => c"no VerticalPodAutoscaler in the manifest",
            Self::VpaAmbiguous => c"more than one VerticalPodAutoscaler in the manifest",
            Self::VpaInvalidManifest => {
                c"the manifest does not have the shape of an autoscaling.k8s.io/v1 VerticalPodAutoscaler"
            }
            Self::InvalidVpaOptions => c"invalid VPA recommender options JSON",
            Self::SampleOutOfOrder => c"no longer returned: late VPA samples are discarded and counted",
            Self::UnknownContainer => c"no sample was recorded for the container",
            Self::StaleOom => {
                c"the OOM event is more than one aggregation interval older than the last memory sample"
            }
            Self::InvalidCheckpoint => c"invalid VerticalPodAutoscalerCheckpoint",
            Self::ScaledObjectNotFound => c"no ScaledObject in the manifest",
            Self::ScaledObjectAmbiguous => c"more than one ScaledObject in the manifest",
            Self::ScaledObjectInvalidManifest => {
                c"the manifest does not have the shape of a keda.sh/v1alpha1 ScaledObject"
            }
            Self::ScaledJobNotFound => c"no ScaledJob in the manifest",
            Self::ScaledJobAmbiguous => c"more than one ScaledJob in the manifest",
            Self::ScaledJobInvalidManifest => {
                c"the manifest does not have the shape of a keda.sh/v1alpha1 ScaledJob"
            }
            Self::KedaValidation => c"the ScaledObject or the HPA built from it failed validation",
            Self::TimeWentBackwards => c"now is before the previous step",
            Self::TriggerCountMismatch => c"one trigger reading is needed per spec.triggers entry",
            Self::SamplesOutOfOrder => c"sample timestamps must be strictly increasing",
            Self::PromOutOfOrder => c"the sample is older than the latest sample kept",
            Self::DuplicateTimestamp => c"duplicate sample timestamp with a different value",
            Self::InvalidRange => c"the range must be > 0 ms and fit in the timestamp type",
            Self::InvalidCapacity => c"a streaming window needs a capacity of at least 2",
            Self::NanBucketBound => c"a histogram bucket upper bound is NaN",
            Self::Internal => c"internal error",
            Self::Panic => c"a panic was caught at the C boundary",
        }
    }

    /// The code for a number, if known.
    pub fn from_u32(code: u32) -> Option<Self> {
        Self::ALL.iter().copied().find(|r| *r as u32 == code)
    }
}

/// An error on its way out: a code and a message for [`ts_last_error_message`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FfiError {
    pub(crate) code: ts_result,
    pub(crate) message: String,
}

impl FfiError {
    pub(crate) fn new(code: ts_result, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// Puts the path of the offending value in front of the message: `name is ...` within
    /// `pods[2]` reads `pods[2].name is ...`. The path is built only on failure.
    pub(crate) fn within(mut self, path: impl FnOnce() -> String) -> Self {
        let path = path();
        self.message = if self.message.starts_with(' ') {
            format!("{path}{}", self.message)
        } else {
            format!("{path}.{}", self.message)
        };
        self
    }

    pub(crate) fn null(what: &str) -> Self {
        Self::new(ts_result::NullArgument, format!("{what} is NULL"))
    }
}

pub(crate) type FfiResult<T = ()> = Result<T, FfiError>;

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

fn set_last_error(message: &str) {
    let c = CString::new(message.replace('\0', "\\0")).unwrap_or_default();
    // `try_with`: during thread teardown the slot may be gone; the code still goes out.
    let _ = LAST_ERROR.try_with(|e| {
        if let Ok(mut slot) = e.try_borrow_mut() {
            *slot = c;
        }
    });
}

fn clear_last_error() {
    let _ = LAST_ERROR.try_with(|e| {
        if let Ok(mut slot) = e.try_borrow_mut()
            && !slot.as_bytes().is_empty()
        {
            *slot = CString::default();
        }
    });
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic payload".to_owned()
    }
}

/// Runs the body of a fallible exported function: catches panics, records the last error
/// message of this thread (cleared on success) and returns the code.
pub(crate) fn ffi_boundary(body: impl FnOnce() -> FfiResult) -> ts_result {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => {
            clear_last_error();
            ts_result::Ok
        }
        Ok(Err(e)) => {
            set_last_error(&e.message);
            e.code
        }
        Err(payload) => {
            set_last_error(&format!("panic: {}", panic_message(payload.as_ref())));
            ts_result::Panic
        }
    }
}

/// Runs the body of an infallible exported function; a panic gives `fallback`.
pub(crate) fn ffi_boundary_or<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

/// The static, NUL-terminated description of a result code, or NULL if `code` is not a known
/// code. The string must not be freed.
#[unsafe(no_mangle)]
pub extern "C" fn ts_result_str(code: u32) -> *const c_char {
    ffi_boundary_or(std::ptr::null(), || {
        ts_result::from_u32(code).map_or(std::ptr::null(), |r| r.text().as_ptr())
    })
}

/// Copies the message of the last failed call on this thread into `buf` (NUL-terminated,
/// truncated at a UTF-8 character boundary if `len` is too small) and returns the full
/// message length in bytes, not counting the NUL. A call that succeeds clears the message, so
/// the result is 0 after a success. `buf` may be NULL when `len` is 0 (to query the length).
///
/// # Safety
/// `buf` must be NULL or point to `len` writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ts_last_error_message(buf: *mut c_char, len: usize) -> usize {
    ffi_boundary_or(0, || {
        LAST_ERROR
            .try_with(|e| {
                let Ok(msg) = e.try_borrow() else { return 0 };
                let bytes = msg.as_bytes();
                if !buf.is_null() && len > 0 {
                    let text = std::str::from_utf8(bytes).unwrap_or("");
                    let mut n = bytes.len().min(len - 1);
                    while !text.is_char_boundary(n) {
                        n -= 1;
                    }
                    // SAFETY: the caller gives `len` writable bytes at `buf`; `n < len`.
                    unsafe {
                        std::ptr::copy_nonoverlapping(bytes.as_ptr(), buf.cast::<u8>(), n);
                        *buf.add(n) = 0;
                    }
                }
                bytes.len()
            })
            .unwrap_or(0)
    })
}

/// The message of the last failed call on this thread, as a NUL-terminated string owned by the
/// library (empty after a success). It stays valid until the next `ts_` call on this thread;
/// copy it if you need it longer. Never NULL.
#[unsafe(no_mangle)]
pub extern "C" fn ts_last_error() -> *const c_char {
    ffi_boundary_or(c"".as_ptr(), || {
        LAST_ERROR
            .try_with(|e| e.try_borrow().map_or(c"".as_ptr(), |m| m.as_ptr()))
            .unwrap_or(c"".as_ptr())
    })
}
