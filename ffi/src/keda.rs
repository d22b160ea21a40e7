//! A KEDA ScaledObject (KEDA's executor and the HPA it creates, stepped together) behind an
//! opaque handle, with per-trigger readings in plain structs.

use std::collections::BTreeMap;
use std::ffi::c_char;

use tidescale_core::keda::scalers::{KafkaOffsets, PartitionOffsets};
use tidescale_core::keda::{
    ExecutorReason, KedaAutoscaler, KedaDecision, KedaError, ScaledObject, TriggerConfig,
    TriggerInput,
};
use tidescale_core::manifest::SCALED_OBJECT;
use tidescale_core::{Error, Timestamp};

use crate::args::{optional_text, out_ptr, reference, reference_mut, slice, text, write_text};
use crate::manifest::{MAX_MANIFEST_BYTES, MAX_SETTINGS_BYTES, load_object, parse_settings};
use crate::result::{FfiError, FfiResult, ffi_boundary, ffi_boundary_or, ts_result};

/// Which data a `ts_trigger_reading` carries (values of `ts_trigger_reading.kind`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ts_trigger_reading_kind {
    /// The scaler failed (the zero value); `error` may carry the message.
    Error = 0,
    /// A raw metric value the host computed (queue length, lag, query result) in `value`.
    Value = 1,
    /// `aws-sqs-queue`: the `GetQueueAttributes` answer in `attributes`.
    Sqs = 2,
    /// `kafka`: per-partition offsets in `partitions`.
    Kafka = 3,
    /// `cron`: no data, the schedule is evaluated at `now_ms`.
    Cron = 4,
    /// `cpu` / `memory`: no data (the HPA reads these itself; pods are not passed through this
    /// door, so such a metric is unavailable to the HPA).
    Resource = 5,
}

/// A key/value pair of UTF-8 text (an SQS queue attribute).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ts_kv {
    /// The key (`key_len` bytes, no NUL needed).
    pub key: *const c_char,
    /// Length of `key` in bytes.
    pub key_len: usize,
    /// The value (`value_len` bytes, no NUL needed).
    pub value: *const c_char,
    /// Length of `value` in bytes.
    pub value_len: usize,
}

/// Offsets of one Kafka partition as read from the brokers.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ts_kafka_partition {
    /// The topic (`topic_len` bytes, no NUL needed).
    pub topic: *const c_char,
    /// Length of `topic` in bytes.
    pub topic_len: usize,
    /// The consumer group's committed offset (-1: nothing committed).
    pub consumer_offset: i64,
    /// The latest (high-water) offset.
    pub latest_offset: i64,
    /// The partition number.
    pub partition: i32,
    /// The group's offset fetch answered for this partition (false: an error upstream).
    pub has_consumer_offset: bool,
    /// The latest-offset answer has this partition.
    pub has_latest_offset: bool,
}

/// The host's reading of one trigger, in `spec.triggers` order. Only the fields of `kind`
/// are read.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ts_trigger_reading {
    /// A `ts_trigger_reading_kind` code.
    pub kind: u32,
    /// `TS_TRIGGER_READING_KIND_VALUE`: the raw value the scaler would compute (an SQS queue
    /// length, a Kafka lag after the partition cap, a Prometheus query result), turned into a
    /// reading by the core (`TriggerConfig::reading_from_value`: SQS and Kafka truncate to an
    /// integer; the HPA gets NaN, infinities and negatives as 0; activation compares with the
    /// trigger's threshold; a cron trigger ignores it and evaluates its schedule).
    pub value: f64,
    /// `TS_TRIGGER_READING_KIND_SQS`: the queue attributes
    /// (`ApproximateNumberOfMessages`, `ApproximateNumberOfMessagesNotVisible`, ...).
    pub attributes: *const ts_kv,
    /// Number of `attributes`.
    pub n_attributes: usize,
    /// `TS_TRIGGER_READING_KIND_KAFKA`: one entry per topic partition.
    pub partitions: *const ts_kafka_partition,
    /// Number of `partitions`.
    pub n_partitions: usize,
    /// `TS_TRIGGER_READING_KIND_ERROR`: the scaler's error message (may be NULL).
    pub error: *const c_char,
    /// Length of `error` in bytes.
    pub error_len: usize,
}

/// Why KEDA's executor did what it did (`ts_keda_decision.reason`); `ts_keda_reason_str`
/// gives the name. Stable numbers, never reused.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ts_keda_reason {
    /// No step yet.
    None = 0,
    /// `paused` / `paused-replicas`: nothing evaluated.
    Paused = 1,
    /// Active at 0 (or below min with an idle count): scaled up to min (or 1).
    ScaledUpFromZeroOrIdle = 2,
    /// Active at 0, but `paused-scale-out`.
    ScaleOutPaused = 3,
    /// Active, but some trigger errored (`Ready=Unknown`).
    PartialTriggerError = 4,
    /// Active; the HPA handles 1..N.
    ActiveHpaHandles = 5,
    /// Inactive with an erroring trigger and a non-zero fallback: kept above 0 for the HPA.
    FallbackHoldsReplicas = 6,
    /// Inactive with an erroring trigger and no fallback (`Ready=False`).
    TriggerErrorNoFallback = 7,
    /// Inactive past the cooldown: scaled to idle (or min / 0).
    ScaledDown = 8,
    /// Inactive, still inside the cooldown.
    CoolingDown = 9,
    /// Inactive, would scale in, but `paused-scale-in`.
    ScaleInPaused = 10,
    /// Inactive below `minReplicaCount`: raised to it.
    RaisedToMin = 11,
    /// Inactive, nothing to do.
    Idle = 12,
}

/// The combined decision of one poll.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ts_keda_decision {
    /// While cooling down: milliseconds until scale-in is allowed; -1 otherwise.
    pub cooldown_remaining_ms: i64,
    /// When to poll next (KEDA's polling interval, the cooldown end or an HPA window
    /// boundary, whichever comes first), in milliseconds on the caller's clock.
    pub next_wakeup_ms: i64,
    /// Replicas the scale target should have after this poll.
    pub desired_replicas: i32,
    /// The replica count the poll started from.
    pub current_replicas: i32,
    /// The HPA's desired replicas when it ran, else -1.
    pub hpa_desired_replicas: i32,
    /// A `ts_keda_reason` code: the executor's reason.
    pub reason: u32,
    /// When the HPA ran: the `ts_reason` that limited its count (`TS_REASON_SCALE_UP_LIMIT`,
    /// `TS_REASON_TOO_MANY_REPLICAS`...), else `TS_REASON_NONE`.
    pub hpa_limited_by: u32,
    /// Whether the host should set the target's replicas to `desired_replicas`.
    pub rescale: bool,
    /// The ScaledObject's `Active` condition is true.
    pub active: bool,
    /// The `Fallback` condition: some trigger's fallback is in effect.
    pub fallback: bool,
    /// The HPA ran (the target had replicas and KEDA did not scale it itself).
    pub hpa_ran: bool,
    /// Some trigger errored without fallback (or the scaling-modifiers formula failed).
    pub has_error: bool,
}

/// A ScaledObject and the HPA KEDA creates for it. Create with `ts_keda_new`, free with
/// `ts_keda_free`. Not thread-safe: do not use one handle from two threads at once.
pub struct ts_keda {
    autoscaler: KedaAutoscaler,
    last: Option<KedaDecision>,
}

/// A trigger reading with every field at its default: `TS_TRIGGER_READING_KIND_ERROR` with no
/// message.
#[unsafe(no_mangle)]
pub extern "C" fn ts_trigger_reading_default() -> ts_trigger_reading {
    ts_trigger_reading {
        kind: ts_trigger_reading_kind::Error as u32,
        value: 0.0,
        attributes: std::ptr::null(),
        n_attributes: 0,
        partitions: std::ptr::null(),
        n_partitions: 0,
        error: std::ptr::null(),
        error_len: 0,
    }
}

/// Creates a KEDA autoscaler from a `ScaledObject` manifest (`manifest_len` bytes of UTF-8 JSON
/// or YAML) and optional HPA controller settings (the JSON of `ts_hpa_new`; NULL or empty for
/// Kubernetes' defaults). `creation_ms` is the ScaledObject's `metadata.creationTimestamp` on
/// the caller's clock (for `initialCooldownPeriod`). On success `*out` receives a handle to
/// free with `ts_keda_free`.
///
/// # Safety
/// `manifest` must point to `manifest_len` readable bytes; `settings_json` must be NULL or
/// point to `settings_len` readable bytes; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ts_keda_new(
    manifest: *const c_char,
    manifest_len: usize,
    settings_json: *const c_char,
    settings_len: usize,
    creation_ms: i64,
    out: *mut *mut ts_keda,
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
        let so: ScaledObject = load_object(
            manifest,
            &SCALED_OBJECT,
            [
                ts_result::ScaledObjectNotFound,
                ts_result::ScaledObjectAmbiguous,
                ts_result::ScaledObjectInvalidManifest,
            ],
        )?;
        let settings = parse_settings(settings)?;
        let autoscaler = KedaAutoscaler::new(so, Timestamp::from_millis(creation_ms), settings)
            .map_err(|e| FfiError::new(ts_result::KedaValidation, e.to_string()))?;
        let handle = Box::new(ts_keda {
            autoscaler,
            last: None,
        });
        // SAFETY: checked non-NULL and aligned.
        unsafe { out.write(Box::into_raw(handle)) };
        Ok(())
    })
}

/// Frees a handle from `ts_keda_new`. NULL is accepted and ignored.
///
/// # Safety
/// `keda` must be NULL or a live handle from `ts_keda_new`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ts_keda_free(keda: *mut ts_keda) {
    ffi_boundary_or((), || {
        if !keda.is_null() {
            // SAFETY: caller contract: a live handle from `Box::into_raw`.
            drop(unsafe { Box::from_raw(keda) });
        }
    });
}

/// One reading with the data it owns (`TriggerInput` borrows from these).
enum Owned<'a> {
    Sqs(BTreeMap<String, String>),
    Kafka(KafkaOffsets),
    Input(TriggerInput<'a>),
}

/// # Safety
/// The pointers inside `r` must obey their lengths.
unsafe fn convert_reading<'a>(
    r: &'a ts_trigger_reading,
    trigger: Option<&TriggerConfig>,
    now: Timestamp,
) -> FfiResult<Owned<'a>> {
    Ok(match r.kind {
        k if k == ts_trigger_reading_kind::Error as u32 => {
            // SAFETY: caller contract.
            let msg = unsafe { text(r.error, r.error_len, usize::MAX, "error") }?;
            Owned::Input(TriggerInput::Error(if msg.is_empty() {
                "scaler error"
            } else {
                msg
            }))
        }
        // The core's reading for a raw value: metric in milli-units, activity against the
        // trigger's activation threshold (cron evaluates its schedule; cpu/memory have none).
        k if k == ts_trigger_reading_kind::Value as u32 => match trigger {
            Some(t) => Owned::Input(
                t.reading_from_value(r.value, now)
                    .map_or(TriggerInput::Resource, TriggerInput::Reading),
            ),
            None => return Err(FfiError::new(ts_result::Internal, "no trigger")),
        },
        k if k == ts_trigger_reading_kind::Sqs as u32 => {
            // SAFETY: caller contract.
            let kvs = unsafe { slice(r.attributes, r.n_attributes, "attributes") }?;
            let mut map = BTreeMap::new();
            for (j, kv) in kvs.iter().enumerate() {
                let at = |e: FfiError| e.within(|| format!("attributes[{j}]"));
                // SAFETY: caller contract.
                let key = unsafe { text(kv.key, kv.key_len, usize::MAX, "key") }.map_err(at)?;
                // SAFETY: caller contract.
                let value =
                    unsafe { text(kv.value, kv.value_len, usize::MAX, "value") }.map_err(at)?;
                if map.insert(key.to_owned(), value.to_owned()).is_some() {
                    return Err(at(FfiError::new(
                        ts_result::InvalidArgument,
                        format!("key {key:?} appears twice"),
                    )));
                }
            }
            Owned::Sqs(map)
        }
        k if k == ts_trigger_reading_kind::Kafka as u32 => {
            // SAFETY: caller contract.
            let parts = unsafe { slice(r.partitions, r.n_partitions, "partitions") }?;
            let mut offsets = KafkaOffsets::new();
            for (j, p) in parts.iter().enumerate() {
                let at = |e: FfiError| e.within(|| format!("partitions[{j}]"));
                // SAFETY: caller contract.
                let topic =
                    unsafe { text(p.topic, p.topic_len, usize::MAX, "topic") }.map_err(at)?;
                let entry = PartitionOffsets {
                    consumer_offset: p.has_consumer_offset.then_some(p.consumer_offset),
                    latest_offset: p.has_latest_offset.then_some(p.latest_offset),
                };
                let topic_map = offsets.entry(topic.to_owned()).or_default();
                if topic_map.insert(p.partition, entry).is_some() {
                    return Err(at(FfiError::new(
                        ts_result::InvalidArgument,
                        format!("topic {topic:?} partition {} appears twice", p.partition),
                    )));
                }
            }
            Owned::Kafka(offsets)
        }
        k if k == ts_trigger_reading_kind::Cron as u32 => Owned::Input(TriggerInput::Cron),
        k if k == ts_trigger_reading_kind::Resource as u32 => Owned::Input(TriggerInput::Resource),
        k => {
            return Err(FfiError::new(
                ts_result::UnknownCode,
                format!("kind: unknown code {k}"),
            ));
        }
    })
}

fn reason_code(r: ExecutorReason) -> ts_keda_reason {
    match r {
        ExecutorReason::Paused => ts_keda_reason::Paused,
        ExecutorReason::ScaledUpFromZeroOrIdle => ts_keda_reason::ScaledUpFromZeroOrIdle,
        ExecutorReason::ScaleOutPaused => ts_keda_reason::ScaleOutPaused,
        ExecutorReason::PartialTriggerError => ts_keda_reason::PartialTriggerError,
        ExecutorReason::ActiveHpaHandles => ts_keda_reason::ActiveHpaHandles,
        ExecutorReason::FallbackHoldsReplicas => ts_keda_reason::FallbackHoldsReplicas,
        ExecutorReason::TriggerErrorNoFallback => ts_keda_reason::TriggerErrorNoFallback,
        ExecutorReason::ScaledDown => ts_keda_reason::ScaledDown,
        ExecutorReason::CoolingDown => ts_keda_reason::CoolingDown,
        ExecutorReason::ScaleInPaused => ts_keda_reason::ScaleInPaused,
        ExecutorReason::RaisedToMin => ts_keda_reason::RaisedToMin,
        ExecutorReason::Idle => ts_keda_reason::Idle,
    }
}

fn step_error(e: Error) -> FfiError {
    let code = match &e {
        Error::Keda(KedaError::Readings(_)) => ts_result::TriggerCountMismatch,
        Error::Hpa(_) => ts_result::InvalidObservation,
        _ => ts_result::Internal,
    };
    FfiError::new(code, e.to_string())
}

/// One poll at `now_ms` with the scale target's `current_replicas` and one reading per
/// `spec.triggers` entry, in order: KEDA's scalers, fallback, activation and 0 <-> 1 executor,
/// then (when the target has replicas and KEDA did not scale it) the HPA with the external
/// metric values KEDA serves it. A reading that does not fit its trigger's type counts as a
/// scaler error (as upstream reports it), not as a call error. On success `*out` receives the
/// decision.
///
/// # Safety
/// `keda` must be NULL or a live handle; `readings` must be NULL (with `n` 0) or point to `n`
/// valid readings whose pointers obey their lengths; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ts_keda_step(
    keda: *mut ts_keda,
    now_ms: i64,
    current_replicas: i32,
    readings: *const ts_trigger_reading,
    n: usize,
    out: *mut ts_keda_decision,
) -> ts_result {
    ffi_boundary(|| {
        // SAFETY (all blocks): caller contract, checked for NULL, alignment and length.
        let keda = unsafe { reference_mut(keda, "keda") }?;
        let out = out_ptr(out, "out")?;
        let readings = unsafe { slice(readings, n, "readings") }?;
        if current_replicas < 0 {
            return Err(FfiError::new(
                ts_result::NegativeValue,
                format!("current_replicas is {current_replicas}, it must be >= 0"),
            ));
        }
        let triggers = keda.autoscaler.scaled_object().triggers();
        if readings.len() != triggers.len() {
            return Err(FfiError::new(
                ts_result::TriggerCountMismatch,
                format!(
                    "expected {} trigger readings (one per spec.triggers entry), got {}",
                    triggers.len(),
                    readings.len()
                ),
            ));
        }
        let now = Timestamp::from_millis(now_ms);
        let owned = readings
            .iter()
            .enumerate()
            .map(|(i, r)| {
                // SAFETY: caller contract.
                unsafe { convert_reading(r, triggers.get(i), now) }
                    .map_err(|e| e.within(|| format!("readings[{i}]")))
            })
            .collect::<FfiResult<Vec<_>>>()?;
        let inputs: Vec<TriggerInput<'_>> = owned
            .iter()
            .map(|o| match o {
                Owned::Sqs(m) => TriggerInput::Sqs(m),
                Owned::Kafka(k) => TriggerInput::Kafka(k),
                Owned::Input(i) => *i,
            })
            .collect();
        let d = keda
            .autoscaler
            .step(now, current_replicas, &[], &[], &inputs)
            .map_err(step_error)?;
        let exec = &d.keda.executor;
        let decision = ts_keda_decision {
            cooldown_remaining_ms: exec.cooldown_remaining_ms.unwrap_or(-1),
            next_wakeup_ms: keda.autoscaler.next_wakeup(now).as_millis(),
            desired_replicas: d.desired_replicas,
            current_replicas,
            hpa_desired_replicas: d.hpa.as_ref().map_or(-1, |h| h.desired_replicas),
            reason: reason_code(exec.reason) as u32,
            hpa_limited_by: d
                .hpa
                .as_ref()
                .and_then(|h| h.limited_by)
                .map_or(0, |r| r.code()),
            rescale: d.rescale,
            active: exec.active_condition == Some(true),
            fallback: d.keda.fallback_engaged,
            hpa_ran: d.hpa.is_some(),
            has_error: d.keda.is_error,
        };
        keda.last = Some(d);
        // SAFETY: checked non-NULL and aligned.
        unsafe { out.write(decision) };
        Ok(())
    })
}

/// Writes the last decision's reasons as one line (KEDA's notes and executor reason, then the
/// HPA's decision, separated by `"; "`), NUL-terminated, into `buf`; `*written` receives the
/// length without the NUL (`TS_RESULT_BUFFER_TOO_SMALL` as `ts_hpa_explain`). Empty before the
/// first step.
///
/// # Safety
/// `keda` must be NULL or a live handle; `buf` must be NULL or point to `len` writable bytes;
/// `written` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ts_keda_explain(
    keda: *const ts_keda,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> ts_result {
    ffi_boundary(|| {
        // SAFETY: caller contract.
        let keda = unsafe { reference(keda, "keda") }?;
        let text = keda
            .last
            .as_ref()
            .map_or_else(String::new, |d| d.explanation().join("; "));
        // SAFETY: caller contract.
        unsafe { write_text(&text, buf, len, written, "explanation") }
    })
}

/// When the host should poll next after `now_ms` (also in `ts_keda_decision.next_wakeup_ms`).
///
/// # Safety
/// `keda` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ts_keda_next_wakeup(
    keda: *const ts_keda,
    now_ms: i64,
    out: *mut i64,
) -> ts_result {
    ffi_boundary(|| {
        // SAFETY: caller contract.
        let keda = unsafe { reference(keda, "keda") }?;
        let out = out_ptr(out, "out")?;
        let t = keda.autoscaler.next_wakeup(Timestamp::from_millis(now_ms));
        // SAFETY: checked non-NULL and aligned.
        unsafe { out.write(t.as_millis()) };
        Ok(())
    })
}

/// The name of a `ts_keda_reason` code (`"CoolingDown"`), static and NUL-terminated; `""` for
/// `TS_KEDA_REASON_NONE`; NULL for an unknown code. The string must not be freed.
#[unsafe(no_mangle)]
pub extern "C" fn ts_keda_reason_str(code: u32) -> *const c_char {
    ffi_boundary_or(std::ptr::null(), || {
        let s: &'static std::ffi::CStr = match code {
            0 => c"",
            1 => c"Paused",
            2 => c"ScaledUpFromZeroOrIdle",
            3 => c"ScaleOutPaused",
            4 => c"PartialTriggerError",
            5 => c"ActiveHpaHandles",
            6 => c"FallbackHoldsReplicas",
            7 => c"TriggerErrorNoFallback",
            8 => c"ScaledDown",
            9 => c"CoolingDown",
            10 => c"ScaleInPaused",
            11 => c"RaisedToMin",
            12 => c"Idle",
            _ => return std::ptr::null(),
        };
        s.as_ptr()
    })
}
