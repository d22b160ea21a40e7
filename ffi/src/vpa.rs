//! The VPA recommender behind an opaque handle: create from a `VerticalPodAutoscaler`
//! manifest, feed usage samples and OOM events, read `status.recommendation`, save and restore
//! `VerticalPodAutoscalerCheckpoint`s.

use std::ffi::c_char;

use serde_json::Value;
use tidescale_core::Timestamp;
use tidescale_core::manifest::VPA;
use tidescale_core::vpa::{
    DiscardedSamples, RecommendedContainerResources, ResourceList, VerticalPodAutoscaler,
    VerticalPodAutoscalerCheckpoint, VpaError, VpaRecommender,
};

use crate::args::{optional_text, out_ptr, reference, reference_mut, slice, text, write_text};
use crate::manifest::{MAX_HISTORY_BYTES, MAX_MANIFEST_BYTES, load_object};
use crate::result::{FfiError, FfiResult, ffi_boundary, ffi_boundary_or, ts_result};
use crate::vpa_options::{MAX_OPTIONS_BYTES, parse_options};

/// One usage sample of one container: CPU (average cores over the sample window) and memory
/// (working set bytes) measured at `timestamp_ms` (Unix epoch milliseconds).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ts_vpa_sample {
    /// The container name, UTF-8 (`container_len` bytes, no NUL needed).
    pub container: *const c_char,
    /// Length of `container` in bytes.
    pub container_len: usize,
    /// When the sample was measured, Unix epoch milliseconds. As upstream, a CPU value not
    /// strictly after the container's previous CPU sample, and a memory value before its
    /// previous memory sample (or OOM), is discarded and counted (`ts_vpa_discarded_samples`).
    pub timestamp_ms: i64,
    /// CPU usage in cores (0.25 = 250m), finite and >= 0.
    pub cpu_cores: f64,
    /// Memory working set in bytes, finite and >= 0.
    pub memory_bytes: f64,
}

/// CPU and memory of one recommendation bound. A resource the VPA does not control (see
/// `controlledResources`) is absent: its `has_` flag is false and its value 0.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ts_vpa_resources {
    /// CPU in millicores.
    pub cpu_milli: i64,
    /// Memory in bytes.
    pub memory_bytes: i64,
    /// `cpu_milli` is set.
    pub has_cpu: bool,
    /// `memory_bytes` is set.
    pub has_memory: bool,
}

/// A sample with every field at its default: no container name, time 0, zero usage.
#[unsafe(no_mangle)]
pub extern "C" fn ts_vpa_sample_default() -> ts_vpa_sample {
    ts_vpa_sample {
        container: std::ptr::null(),
        container_len: 0,
        timestamp_ms: 0,
        cpu_cores: 0.0,
        memory_bytes: 0.0,
    }
}

/// How many samples of a container were discarded for their time (upstream drops them and
/// carries on): CPU values not strictly after the previous CPU sample, memory values before
/// the previous memory sample or OOM.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ts_vpa_discarded {
    /// Discarded CPU values.
    pub cpu: u64,
    /// Discarded memory values.
    pub memory: u64,
}

impl From<DiscardedSamples> for ts_vpa_discarded {
    fn from(d: DiscardedSamples) -> Self {
        Self {
            cpu: d.cpu,
            memory: d.memory,
        }
    }
}

/// A VPA recommender: the VPA object (resource policy, annotations), the recommender options
/// and the per-container usage histograms. Create with `ts_vpa_recommender_new`, free with
/// `ts_vpa_recommender_free`. Not thread-safe: do not use one handle from two threads at once.
pub struct ts_vpa_recommender {
    recommender: VpaRecommender,
    vpa_name: String,
    vpa_namespace: Option<String>,
}

/// Creates a recommender from a `VerticalPodAutoscaler` manifest (`manifest_len` bytes of UTF-8
/// JSON or YAML; a YAML stream yields its one VPA document) and optional recommender options:
/// a JSON object of upstream recommender flags without the leading dashes
/// (`{"target-cpu-percentile": 0.9, "recommendation-margin-fraction": 0.15,
/// "memory-aggregation-interval": "24h", "pod-recommendation-min-memory-mb": 250}`; durations as
/// Go duration strings or seconds), NULL or empty for upstream's defaults. On success `*out`
/// receives a handle to free with `ts_vpa_recommender_free`.
///
/// # Safety
/// `manifest` must point to `manifest_len` readable bytes; `options_json` must be NULL or
/// point to `options_len` readable bytes; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ts_vpa_recommender_new(
    manifest: *const c_char,
    manifest_len: usize,
    options_json: *const c_char,
    options_len: usize,
    out: *mut *mut ts_vpa_recommender,
) -> ts_result {
    ffi_boundary(|| {
        let out = out_ptr(out, "out")?;
        if manifest.is_null() {
            return Err(FfiError::null("manifest"));
        }
        // SAFETY: caller contract.
        let manifest = unsafe { text(manifest, manifest_len, MAX_MANIFEST_BYTES, "manifest") }?;
        // SAFETY: caller contract.
        let options =
            unsafe { optional_text(options_json, options_len, MAX_OPTIONS_BYTES, "options") }?;
        let vpa: VerticalPodAutoscaler = load_object(
            manifest,
            &VPA,
            [
                ts_result::VpaNotFound,
                ts_result::VpaAmbiguous,
                ts_result::VpaInvalidManifest,
            ],
        )?;
        let config = parse_options(options)?;
        let handle = Box::new(ts_vpa_recommender {
            recommender: VpaRecommender::for_vpa(config, &vpa),
            vpa_name: vpa.metadata.name.clone().unwrap_or_default(),
            vpa_namespace: vpa.metadata.namespace.clone(),
        });
        // SAFETY: checked non-NULL and aligned.
        unsafe { out.write(Box::into_raw(handle)) };
        Ok(())
    })
}

/// Frees a handle from `ts_vpa_recommender_new`. NULL is accepted and ignored.
///
/// # Safety
/// `vpa` must be NULL or a live handle from `ts_vpa_recommender_new`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ts_vpa_recommender_free(vpa: *mut ts_vpa_recommender) {
    ffi_boundary_or((), || {
        if !vpa.is_null() {
            // SAFETY: caller contract: a live handle from `Box::into_raw`.
            drop(unsafe { Box::from_raw(vpa) });
        }
    });
}

fn usage(what: &'static str, v: f64) -> FfiResult {
    if !v.is_finite() {
        Err(FfiError::new(
            ts_result::NotFinite,
            format!("{what} is {v}, it must be finite"),
        ))
    } else if v < 0.0 {
        Err(FfiError::new(
            ts_result::NegativeValue,
            format!("{what} is {v}, it must be >= 0"),
        ))
    } else {
        Ok(())
    }
}

fn vpa_error(e: VpaError) -> FfiError {
    let code = match &e {
        VpaError::StaleOom { .. } => ts_result::StaleOom,
        VpaError::UnknownContainer(_) => ts_result::UnknownContainer,
        VpaError::Checkpoint(_) => ts_result::InvalidCheckpoint,
        VpaError::InvalidValue { value, .. } if !value.is_finite() => ts_result::NotFinite,
        VpaError::InvalidValue { .. } => ts_result::NegativeValue,
        _ => ts_result::Internal,
    };
    FfiError::new(code, e.to_string())
}

impl ts_vpa_recommender {
    /// Validates the whole batch (values, UTF-8), then applies it; nothing changes on error.
    /// Samples the core discards for their time are counted there, not errors.
    ///
    /// # Safety
    /// The container pointers must obey their lengths.
    unsafe fn add_samples(&mut self, samples: &[ts_vpa_sample]) -> FfiResult {
        let mut names = Vec::with_capacity(samples.len());
        for (i, s) in samples.iter().enumerate() {
            let at = |e: FfiError| e.within(|| format!("samples[{i}]"));
            // SAFETY: caller contract.
            let name = unsafe { text(s.container, s.container_len, usize::MAX, "container") }
                .map_err(at)?;
            usage("cpu_cores", s.cpu_cores).map_err(at)?;
            usage("memory_bytes", s.memory_bytes).map_err(at)?;
            names.push(name);
        }
        for (s, name) in samples.iter().zip(names) {
            let now = Timestamp::from_millis(s.timestamp_ms);
            self.recommender.add_container(now, name);
            // The values were validated and the container registered: the core can only use
            // or discard the sample.
            self.recommender
                .add_cpu_sample(now, name, s.cpu_cores)
                .and_then(|_| {
                    self.recommender
                        .add_memory_sample(now, name, s.memory_bytes)
                })
                .map_err(|e| {
                    FfiError::new(
                        ts_result::Internal,
                        format!("a validated sample was rejected: {e}"),
                    )
                })?;
        }
        Ok(())
    }
}

/// Adds `n` usage samples (any containers, any order across containers). A container is known
/// from its first sample on. The whole batch is validated first: a NaN, infinite or negative
/// value (`TS_RESULT_NOT_FINITE`, `TS_RESULT_NEGATIVE_VALUE`) or invalid UTF-8 rejects the
/// whole batch and leaves the recommender unchanged; the last error names the sample
/// (`samples[3].cpu_cores is NaN, ...`). A repeated or late timestamp is not an error: as
/// upstream, the CPU value of a sample not strictly after the container's previous CPU sample
/// and the memory value of a sample before its previous memory sample (or OOM) are discarded
/// and counted (`ts_vpa_discarded_samples`); the rest of the batch is used.
///
/// # Safety
/// `vpa` must be NULL or a live handle; `samples` must be NULL (with `n` 0) or point to `n`
/// valid samples whose container pointers obey their lengths.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ts_vpa_add_samples(
    vpa: *mut ts_vpa_recommender,
    samples: *const ts_vpa_sample,
    n: usize,
) -> ts_result {
    ffi_boundary(|| {
        // SAFETY (both): caller contract, checked for NULL, alignment and length.
        let vpa = unsafe { reference_mut(vpa, "vpa") }?;
        let samples = unsafe { slice(samples, n, "samples") }?;
        // SAFETY: caller contract.
        unsafe { vpa.add_samples(samples) }
    })
}

/// Writes to `*out` how many samples of `container` were discarded so far for their time
/// (see `ts_vpa_add_samples`), summed over the container's streams. A container without any
/// sample or OOM is `TS_RESULT_UNKNOWN_CONTAINER`.
///
/// # Safety
/// `vpa` must be NULL or a live handle; `container` must point to `container_len` bytes;
/// `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ts_vpa_discarded_samples(
    vpa: *const ts_vpa_recommender,
    container: *const c_char,
    container_len: usize,
    out: *mut ts_vpa_discarded,
) -> ts_result {
    ffi_boundary(|| {
        // SAFETY: caller contract.
        let vpa = unsafe { reference(vpa, "vpa") }?;
        let out = out_ptr(out, "out")?;
        if container.is_null() {
            return Err(FfiError::null("container"));
        }
        // SAFETY: caller contract.
        let name = unsafe { text(container, container_len, usize::MAX, "container") }?;
        let d = vpa.recommender.discarded_samples(name).ok_or_else(|| {
            FfiError::new(
                ts_result::UnknownContainer,
                format!("container {name:?}: no sample was recorded for it"),
            )
        })?;
        // SAFETY: checked non-NULL and aligned.
        unsafe { out.write(d.into()) };
        Ok(())
    })
}

/// Records an OOM kill of `container` at `timestamp_ms` (Unix epoch milliseconds) whose memory
/// request was `memory_bytes`: upstream turns it into a memory sample of
/// max(request + `oom-min-bump-up-bytes`, request × `oom-bump-up-ratio`). An OOM more than one
/// memory aggregation interval older than the container's last memory sample is
/// `TS_RESULT_STALE_OOM` (upstream discards it).
///
/// # Safety
/// `vpa` must be NULL or a live handle; `container` must point to `container_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ts_vpa_record_oom(
    vpa: *mut ts_vpa_recommender,
    container: *const c_char,
    container_len: usize,
    timestamp_ms: i64,
    memory_bytes: f64,
) -> ts_result {
    ffi_boundary(|| {
        // SAFETY: caller contract.
        let vpa = unsafe { reference_mut(vpa, "vpa") }?;
        if container.is_null() {
            return Err(FfiError::null("container"));
        }
        // SAFETY: caller contract.
        let name = unsafe { text(container, container_len, usize::MAX, "container") }?;
        usage("memory_bytes", memory_bytes)?;
        let now = Timestamp::from_millis(timestamp_ms);
        if vpa.recommender.aggregate(name).is_some() {
            // The core changes nothing when it rejects the event.
            vpa.recommender
                .record_oom(now, name, memory_bytes)
                .map_err(vpa_error)?;
        } else {
            // The first event of a container: register it on a copy, so a rejected OOM leaves
            // no trace (rare, so the copy does not matter).
            let mut next = vpa.recommender.clone();
            next.add_container(now, name);
            next.record_oom(now, name, memory_bytes)
                .map_err(vpa_error)?;
            vpa.recommender = next;
        }
        Ok(())
    })
}

/// Writes `status.recommendation` at `now_ms` as upstream's JSON
/// (`{"containerRecommendations":[{"containerName":"app","target":{"cpu":"296m",
/// "memory":"628694953"},"lowerBound":...,"upperBound":...,"uncappedTarget":...}]}`),
/// NUL-terminated, into `buf` (`len` bytes); `*needed` receives its length without the NUL.
/// If `len` is too small, returns `TS_RESULT_BUFFER_TOO_SMALL`, writes nothing into `buf` and
/// still sets `*needed`. Containers without samples for `memory-aggregation-interval` ×
/// `-count` and `mode: Off` containers are left out, as upstream does.
///
/// # Safety
/// `vpa` must be NULL or a live handle; `buf` must be NULL or point to `len` writable bytes;
/// `needed` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ts_vpa_recommendation(
    vpa: *const ts_vpa_recommender,
    now_ms: i64,
    buf: *mut c_char,
    len: usize,
    needed: *mut usize,
) -> ts_result {
    ffi_boundary(|| {
        // SAFETY: caller contract.
        let vpa = unsafe { reference(vpa, "vpa") }?;
        let rec = vpa
            .recommender
            .recommendation(Timestamp::from_millis(now_ms));
        let json = serde_json::to_string(&rec)
            .map_err(|e| FfiError::new(ts_result::Internal, format!("recommendation: {e}")))?;
        // SAFETY: caller contract.
        unsafe { write_text(&json, buf, len, needed, "recommendation") }
    })
}

fn resources(list: &ResourceList) -> ts_vpa_resources {
    ts_vpa_resources {
        cpu_milli: list.cpu.map_or(0, |q| q.milli_value()),
        memory_bytes: list.memory.map_or(0, |q| q.value()),
        has_cpu: list.cpu.is_some(),
        has_memory: list.memory.is_some(),
    }
}

/// One container's recommendation at `now_ms` as numbers: target, lower and upper bound and
/// the uncapped target (each output may be NULL if not wanted). A container never seen is
/// `TS_RESULT_UNKNOWN_CONTAINER`; a known container without a recommendation (expired, or
/// `mode: Off`) gives `TS_RESULT_OK` with every `has_` flag false.
///
/// # Safety
/// `vpa` must be NULL or a live handle; `container` must point to `container_len` bytes; each
/// output must be NULL or writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn ts_vpa_container_recommendation(
    vpa: *const ts_vpa_recommender,
    now_ms: i64,
    container: *const c_char,
    container_len: usize,
    target: *mut ts_vpa_resources,
    lower_bound: *mut ts_vpa_resources,
    upper_bound: *mut ts_vpa_resources,
    uncapped_target: *mut ts_vpa_resources,
) -> ts_result {
    ffi_boundary(|| {
        // SAFETY: caller contract.
        let vpa = unsafe { reference(vpa, "vpa") }?;
        if container.is_null() {
            return Err(FfiError::null("container"));
        }
        // SAFETY: caller contract.
        let name = unsafe { text(container, container_len, usize::MAX, "container") }?;
        let outs = [target, lower_bound, upper_bound, uncapped_target];
        for p in outs {
            if !p.is_null() {
                out_ptr(p, "output")?;
            }
        }
        if vpa.recommender.aggregate(name).is_none() {
            return Err(FfiError::new(
                ts_result::UnknownContainer,
                format!("container {name:?}: no sample was recorded for it"),
            ));
        }
        let rec = vpa
            .recommender
            .recommendation(Timestamp::from_millis(now_ms));
        let empty = RecommendedContainerResources::default();
        let c = rec.for_container(name).unwrap_or(&empty);
        let values = [
            &c.target,
            &c.lower_bound,
            &c.upper_bound,
            &c.uncapped_target,
        ];
        for (p, list) in outs.into_iter().zip(values) {
            if !p.is_null() {
                // SAFETY: checked aligned above; writable by contract.
                unsafe { p.write(resources(list)) };
            }
        }
        Ok(())
    })
}

/// Writes one `VerticalPodAutoscalerCheckpoint` per container (upstream's v3 format,
/// `lastUpdateTime` = `now_ms`) as a Kubernetes `List` (`{"apiVersion":"v1","kind":"List",
/// "items":[...]}`), NUL-terminated, into `buf`; `*needed` receives the length without the NUL
/// (`TS_RESULT_BUFFER_TOO_SMALL` as `ts_vpa_recommendation`).
///
/// # Safety
/// As `ts_vpa_recommendation`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ts_vpa_checkpoint_save(
    vpa: *const ts_vpa_recommender,
    now_ms: i64,
    buf: *mut c_char,
    len: usize,
    needed: *mut usize,
) -> ts_result {
    ffi_boundary(|| {
        // SAFETY: caller contract.
        let vpa = unsafe { reference(vpa, "vpa") }?;
        let now = Timestamp::from_millis(now_ms);
        let mut items = Vec::new();
        for name in vpa.recommender.containers() {
            let mut cp = vpa
                .recommender
                .checkpoint(now, &vpa.vpa_name, name)
                .map_err(vpa_error)?;
            cp.metadata.namespace.clone_from(&vpa.vpa_namespace);
            items.push(cp);
        }
        let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items});
        let json = serde_json::to_string(&list)
            .map_err(|e| FfiError::new(ts_result::Internal, format!("checkpoint: {e}")))?;
        // SAFETY: caller contract.
        unsafe { write_text(&json, buf, len, needed, "checkpoint") }
    })
}

fn bad_checkpoint(msg: impl Into<String>) -> FfiError {
    FfiError::new(ts_result::InvalidCheckpoint, msg)
}

fn parse_checkpoints(
    json: &str,
    vpa_name: &str,
) -> FfiResult<Vec<VerticalPodAutoscalerCheckpoint>> {
    let value: Value =
        serde_json::from_str(json).map_err(|e| bad_checkpoint(format!("checkpoint: {e}")))?;
    let items = match value {
        Value::Array(items) => items,
        Value::Object(mut o) if o.get("kind").and_then(Value::as_str) == Some("List") => {
            match o.remove("items") {
                Some(Value::Array(items)) => items,
                _ => return Err(bad_checkpoint("checkpoint: a List needs an items array")),
            }
        }
        v @ Value::Object(_) => vec![v],
        _ => {
            return Err(bad_checkpoint(
                "checkpoint: a VerticalPodAutoscalerCheckpoint object, a List or an array is expected",
            ));
        }
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let at = |m: String| bad_checkpoint(format!("checkpoint items[{i}]: {m}"));
            let cp: VerticalPodAutoscalerCheckpoint =
                serde_json::from_value(item).map_err(|e| at(e.to_string()))?;
            if cp.kind != "VerticalPodAutoscalerCheckpoint" {
                return Err(at(format!("kind is {:?}", cp.kind)));
            }
            if cp.spec.container_name.is_empty() {
                return Err(at("spec.containerName is empty".to_owned()));
            }
            if !vpa_name.is_empty() && cp.spec.vpa_object_name != vpa_name {
                return Err(at(format!(
                    "spec.vpaObjectName is {:?}, this recommender is for {vpa_name:?}",
                    cp.spec.vpa_object_name
                )));
            }
            Ok(cp)
        })
        .collect()
}

/// Restores containers from checkpoints (`len` bytes of JSON: one
/// `VerticalPodAutoscalerCheckpoint`, a `List` of them as `ts_vpa_checkpoint_save` writes, or a
/// JSON array), registering containers as needed. Checkpoints must be version `v3` and name
/// this VPA in `spec.vpaObjectName`. All or nothing: on any error
/// (`TS_RESULT_INVALID_CHECKPOINT`) the recommender is unchanged.
///
/// # Safety
/// `vpa` must be NULL or a live handle; `json` must point to `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ts_vpa_checkpoint_load(
    vpa: *mut ts_vpa_recommender,
    now_ms: i64,
    json: *const c_char,
    len: usize,
) -> ts_result {
    ffi_boundary(|| {
        // SAFETY: caller contract.
        let vpa = unsafe { reference_mut(vpa, "vpa") }?;
        if json.is_null() {
            return Err(FfiError::null("json"));
        }
        // SAFETY: caller contract.
        let json = unsafe { text(json, len, MAX_HISTORY_BYTES, "checkpoint") }?;
        let checkpoints = parse_checkpoints(json, &vpa.vpa_name)?;
        let now = Timestamp::from_millis(now_ms);
        let mut next = vpa.recommender.clone();
        for (i, cp) in checkpoints.iter().enumerate() {
            next.load_checkpoint(now, cp).map_err(|e| {
                bad_checkpoint(format!(
                    "checkpoint items[{i}] (container {:?}): {e}",
                    cp.spec.container_name
                ))
            })?;
        }
        vpa.recommender = next;
        Ok(())
    })
}
