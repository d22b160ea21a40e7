//! A ScaledJob's one-shot decision: how many Jobs to create this poll.

use std::ffi::c_char;

use tidescale_core::keda::{ScaledJob, ScalerJobMetrics};
use tidescale_core::manifest::SCALED_JOB;

use crate::args::{out_ptr, reference, slice, text};
use crate::manifest::{MAX_MANIFEST_BYTES, load_object};
use crate::result::{FfiError, ffi_boundary, ts_result};

/// One scaler's contribution to a ScaledJob poll.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ts_scaledjob_scaler {
    /// The scaler's queue length (sum of its metric values), finite.
    pub queue_length: f64,
    /// The mean of its AverageValue targets (e.g. the SQS `queueLength`), finite.
    pub target_average_value: f64,
    /// The scaler is active.
    pub is_active: bool,
}

/// The inputs of one ScaledJob poll.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ts_scaledjob_input {
    /// One entry per scaler (may be NULL if `n_scalers` is 0).
    pub scalers: *const ts_scaledjob_scaler,
    /// Number of `scalers`.
    pub n_scalers: usize,
    /// Jobs of this ScaledJob that are running (not finished), >= 0.
    pub running_jobs: i64,
    /// Of those, the pending ones (per `pendingPodConditions`), >= 0.
    pub pending_jobs: i64,
}

/// KEDA's decision for one ScaledJob poll.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ts_scaledjob_output {
    /// Jobs to create now (0 when the ScaledJob is not active).
    pub jobs_to_create: i64,
    /// `effectiveMaxScale` from the scaling strategy (may be negative).
    pub effective_max_scale: i64,
    /// `scaleTo`.
    pub scale_to: i64,
    /// The combined queue length, `ceil`ed (before the strategy).
    pub queue_length: i64,
    /// The combined `maxValue`, `ceil`ed and capped at `max_replica_count` (`maxScale`).
    pub max_value: i64,
    /// `MinReplicaCount()`.
    pub min_replica_count: i64,
    /// `MaxReplicaCount()`: the headroom above the minimum (`maxReplicaCount - min`).
    pub max_replica_count: i64,
    /// Some scaler is active, or `minReplicaCount > 0`.
    pub active: bool,
}

/// KEDA's ScaledJob decision for one poll, one-shot: the `ScaledJob` manifest (`manifest_len`
/// bytes of JSON or YAML: bounds, `scalingStrategy`, `multipleScalersCalculation`) and the
/// scalers' queue lengths and targets with the running and pending job counts. On success
/// `*out` receives the decision.
///
/// # Safety
/// `manifest` must point to `manifest_len` readable bytes; `input` must be NULL or valid with
/// `scalers` obeying `n_scalers`; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ts_scaledjob_decision(
    manifest: *const c_char,
    manifest_len: usize,
    input: *const ts_scaledjob_input,
    out: *mut ts_scaledjob_output,
) -> ts_result {
    ffi_boundary(|| {
        let out = out_ptr(out, "out")?;
        if manifest.is_null() {
            return Err(FfiError::null("manifest"));
        }
        // SAFETY (all blocks): caller contract, checked for NULL, alignment and length.
        let input = unsafe { reference(input, "input") }?;
        let manifest = unsafe { text(manifest, manifest_len, MAX_MANIFEST_BYTES, "manifest") }?;
        let scalers = unsafe { slice(input.scalers, input.n_scalers, "input.scalers") }?;
        for (name, v) in [
            ("running_jobs", input.running_jobs),
            ("pending_jobs", input.pending_jobs),
        ] {
            if v < 0 {
                return Err(FfiError::new(
                    ts_result::NegativeValue,
                    format!("input.{name} is {v}, it must be >= 0"),
                ));
            }
        }
        let mut metrics = Vec::with_capacity(scalers.len());
        for (i, s) in scalers.iter().enumerate() {
            for (name, v) in [
                ("queue_length", s.queue_length),
                ("target_average_value", s.target_average_value),
            ] {
                if !v.is_finite() {
                    return Err(FfiError::new(
                        ts_result::NotFinite,
                        format!("input.scalers[{i}].{name} is {v}, it must be finite"),
                    ));
                }
            }
            metrics.push(ScalerJobMetrics {
                queue_length: s.queue_length,
                target_average_value: s.target_average_value,
                is_active: s.is_active,
            });
        }
        let job: ScaledJob = load_object(
            manifest,
            &SCALED_JOB,
            [
                ts_result::ScaledJobNotFound,
                ts_result::ScaledJobAmbiguous,
                ts_result::ScaledJobInvalidManifest,
            ],
        )?;
        // (counts and numbers were checked above, each with its own code)
        let d = job
            .decide_metrics(metrics, input.running_jobs, input.pending_jobs)
            .map_err(|e| FfiError::new(ts_result::InvalidArgument, e.to_string()))?;
        let o = ts_scaledjob_output {
            jobs_to_create: d.jobs_to_create,
            effective_max_scale: d.decision.effective_max_scale,
            scale_to: d.decision.scale_to,
            queue_length: d.combined.queue_length,
            max_value: d.combined.max_value,
            min_replica_count: d.bounds.min_replica_count(),
            max_replica_count: d.bounds.max_replica_count(),
            active: d.combined.is_active,
        };
        // SAFETY: checked non-NULL and aligned.
        unsafe { out.write(o) };
        Ok(())
    })
}
