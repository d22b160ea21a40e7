//! Prometheus functions: one-shot `rate` / `increase` / `irate` / `delta` over a sample
//! array, `histogram_quantile` over classic buckets, and the streaming `CounterWindow` behind
//! an opaque handle.

use tidescale_core::Timestamp;
use tidescale_core::prom::{
    self, Bucket, CounterWindow, PromError, RangeWindow, Sample, WindowMode,
};

use crate::args::{out_ptr, reference_mut, slice};
use crate::result::{FfiError, FfiResult, ffi_boundary, ffi_boundary_or, ts_result};

/// The range selector's boundary rule (values of the `window_mode` arguments).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ts_window_mode {
    /// Prometheus 3.x (the zero value): `(t - range, t]`.
    LeftOpen = 0,
    /// Prometheus 2.x: `[t - range, t]`, a sample exactly on the left boundary counts.
    LeftClosed = 1,
}

/// One float sample: timestamp (milliseconds, as Prometheus stores them) and value.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ts_prom_sample {
    /// Milliseconds; strictly increasing within an array.
    pub timestamp_ms: i64,
    /// The value (NaN and infinities are processed as Prometheus does).
    pub value: f64,
}

/// One classic histogram bucket: the cumulative count of observations <= `upper_bound`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ts_prom_bucket {
    /// The `le` bound (`INFINITY` for the `+Inf` bucket); NaN is rejected.
    pub upper_bound: f64,
    /// The cumulative count (or rate of counts).
    pub count: f64,
}

/// A streaming counter window: a ring buffer of one series answering `rate`, `increase` and
/// `irate` for a fixed range, bit for bit equal to the one-shot functions. Create with
/// `ts_prom_counter_window_new`, free with `ts_prom_counter_window_free`. Not thread-safe.
pub struct ts_prom_counter_window {
    window: CounterWindow,
}

/// Largest streaming capacity accepted (samples): 4 Mi samples, 64 MiB.
const MAX_CAPACITY: usize = 1 << 22;

fn prom_error(e: PromError) -> FfiError {
    let code = match &e {
        PromError::NonMonotonicTimestamps { .. } => ts_result::SamplesOutOfOrder,
        PromError::OutOfOrder { .. } => ts_result::PromOutOfOrder,
        PromError::DuplicateTimestamp(_) => ts_result::DuplicateTimestamp,
        PromError::InvalidRange(_) => ts_result::InvalidRange,
        PromError::InvalidCapacity(_) => ts_result::InvalidCapacity,
        PromError::NanBucketBound => ts_result::NanBucketBound,
        _ => ts_result::Internal,
    };
    FfiError::new(code, e.to_string())
}

fn mode_of(code: u32) -> FfiResult<WindowMode> {
    match code {
        x if x == ts_window_mode::LeftOpen as u32 => Ok(WindowMode::LeftOpen),
        x if x == ts_window_mode::LeftClosed as u32 => Ok(WindowMode::LeftClosed),
        x => Err(FfiError::new(
            ts_result::UnknownCode,
            format!("window_mode: unknown code {x}"),
        )),
    }
}

type RangeFn = fn(&[Sample], &RangeWindow) -> Result<Option<f64>, PromError>;

/// The shared body of the one-shot range functions.
///
/// # Safety
/// `samples` must be NULL (with `n` 0) or point to `n` samples; the outputs must be NULL or
/// writable.
#[allow(clippy::too_many_arguments)]
unsafe fn range_function(
    f: RangeFn,
    samples: *const ts_prom_sample,
    n: usize,
    eval_ms: i64,
    range_ms: i64,
    window_mode: u32,
    out: *mut f64,
    has_value: *mut bool,
) -> ts_result {
    ffi_boundary(|| {
        let out = out_ptr(out, "out")?;
        let has_value = out_ptr(has_value, "has_value")?;
        // SAFETY: caller contract, checked for NULL, alignment and length.
        let samples = unsafe { slice(samples, n, "samples") }?;
        let mode = mode_of(window_mode)?;
        let window = RangeWindow::new(Timestamp::from_millis(eval_ms), range_ms)
            .map_err(prom_error)?
            .with_mode(mode);
        let samples: Vec<Sample> = samples
            .iter()
            .map(|s| (Timestamp::from_millis(s.timestamp_ms), s.value))
            .collect();
        let v = f(&samples, &window).map_err(prom_error)?;
        // SAFETY: both checked by `out_ptr`.
        unsafe { write_optional(out, has_value, v) };
        Ok(())
    })
}

/// `rate(m[range_ms])` evaluated at `eval_ms` over `n` samples (strictly increasing
/// timestamps; samples outside the window are ignored), with `window_mode` a `ts_window_mode`.
/// `*has_value` is false (and `*out` 0) when Prometheus returns no result (fewer than two
/// samples in the window); NaN and infinities come out as Prometheus computes them.
///
/// # Safety
/// `samples` must be NULL (with `n` 0) or point to `n` samples; `out` and `has_value` must be
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ts_prom_rate(
    samples: *const ts_prom_sample,
    n: usize,
    eval_ms: i64,
    range_ms: i64,
    window_mode: u32,
    out: *mut f64,
    has_value: *mut bool,
) -> ts_result {
    // SAFETY: forwarded contract.
    unsafe {
        range_function(
            prom::rate,
            samples,
            n,
            eval_ms,
            range_ms,
            window_mode,
            out,
            has_value,
        )
    }
}

/// `increase(m[range_ms])`, as `ts_prom_rate`.
///
/// # Safety
/// As `ts_prom_rate`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ts_prom_increase(
    samples: *const ts_prom_sample,
    n: usize,
    eval_ms: i64,
    range_ms: i64,
    window_mode: u32,
    out: *mut f64,
    has_value: *mut bool,
) -> ts_result {
    // SAFETY: forwarded contract.
    unsafe {
        range_function(
            prom::increase,
            samples,
            n,
            eval_ms,
            range_ms,
            window_mode,
            out,
            has_value,
        )
    }
}

/// `irate(m[range_ms])` (the last two samples in the window), as `ts_prom_rate`.
///
/// # Safety
/// As `ts_prom_rate`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ts_prom_irate(
    samples: *const ts_prom_sample,
    n: usize,
    eval_ms: i64,
    range_ms: i64,
    window_mode: u32,
    out: *mut f64,
    has_value: *mut bool,
) -> ts_result {
    // SAFETY: forwarded contract.
    unsafe {
        range_function(
            prom::irate,
            samples,
            n,
            eval_ms,
            range_ms,
            window_mode,
            out,
            has_value,
        )
    }
}

/// `delta(g[range_ms])` for gauges, as `ts_prom_rate`.
///
/// # Safety
/// As `ts_prom_rate`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ts_prom_delta(
    samples: *const ts_prom_sample,
    n: usize,
    eval_ms: i64,
    range_ms: i64,
    window_mode: u32,
    out: *mut f64,
    has_value: *mut bool,
) -> ts_result {
    // SAFETY: forwarded contract.
    unsafe {
        range_function(
            prom::delta,
            samples,
            n,
            eval_ms,
            range_ms,
            window_mode,
            out,
            has_value,
        )
    }
}

/// `histogram_quantile(q, ...)` over `n` classic buckets of one series (any order; the
/// `+Inf` bucket is needed for a finite answer). `q < 0` gives -Inf, `q > 1` +Inf, NaN `q`
/// NaN, as Prometheus. `*has_value` is false (and `*out` 0) when there are no buckets: no
/// series, so Prometheus has no result, whatever `q` is. A NaN upper bound is
/// `TS_RESULT_NAN_BUCKET_BOUND`.
///
/// # Safety
/// `buckets` must be NULL (with `n` 0) or point to `n` buckets; `out` and `has_value` must be
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ts_prom_histogram_quantile(
    q: f64,
    buckets: *const ts_prom_bucket,
    n: usize,
    out: *mut f64,
    has_value: *mut bool,
) -> ts_result {
    ffi_boundary(|| {
        let out = out_ptr(out, "out")?;
        let has_value = out_ptr(has_value, "has_value")?;
        // SAFETY: caller contract, checked for NULL, alignment and length.
        let buckets = unsafe { slice(buckets, n, "buckets") }?;
        let buckets: Vec<Bucket> = buckets
            .iter()
            .map(|b| Bucket::new(b.upper_bound, b.count))
            .collect();
        let v = prom::histogram_quantile(q, &buckets).map_err(prom_error)?;
        // SAFETY: both checked by `out_ptr`.
        unsafe { write_optional(out, has_value, v) };
        Ok(())
    })
}

/// Creates a streaming window keeping at most `capacity` samples (2 ..= 4194304) answering for
/// `[range_ms]` (> 0) with `window_mode` a `ts_window_mode`. On success `*out` receives a
/// handle to free with `ts_prom_counter_window_free`.
///
/// # Safety
/// `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ts_prom_counter_window_new(
    capacity: usize,
    range_ms: i64,
    window_mode: u32,
    out: *mut *mut ts_prom_counter_window,
) -> ts_result {
    ffi_boundary(|| {
        let out = out_ptr(out, "out")?;
        if capacity > MAX_CAPACITY {
            return Err(FfiError::new(
                ts_result::InputTooLarge,
                format!("capacity {capacity}: at most {MAX_CAPACITY} samples are accepted"),
            ));
        }
        let mode = mode_of(window_mode)?;
        let window = CounterWindow::new(capacity, range_ms, mode).map_err(prom_error)?;
        let handle = Box::new(ts_prom_counter_window { window });
        // SAFETY: checked non-NULL and aligned.
        unsafe { out.write(Box::into_raw(handle)) };
        Ok(())
    })
}

/// Frees a handle from `ts_prom_counter_window_new`. NULL is accepted and ignored.
///
/// # Safety
/// `w` must be NULL or a live handle from `ts_prom_counter_window_new`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ts_prom_counter_window_free(w: *mut ts_prom_counter_window) {
    ffi_boundary_or((), || {
        if !w.is_null() {
            // SAFETY: caller contract: a live handle from `Box::into_raw`.
            drop(unsafe { Box::from_raw(w) });
        }
    });
}

/// Appends a sample (the oldest is dropped when full). A timestamp before the latest is
/// `TS_RESULT_PROM_OUT_OF_ORDER`; the latest timestamp again is ignored with the same value
/// and `TS_RESULT_DUPLICATE_TIMESTAMP` with another (as the Prometheus TSDB). Nothing changes
/// on error.
///
/// # Safety
/// `w` must be NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ts_prom_counter_window_push(
    w: *mut ts_prom_counter_window,
    timestamp_ms: i64,
    value: f64,
) -> ts_result {
    ffi_boundary(|| {
        // SAFETY: caller contract.
        let w = unsafe { reference_mut(w, "window") }?;
        w.window
            .push(Timestamp::from_millis(timestamp_ms), value)
            .map_err(prom_error)
    })
}

type StreamFn = fn(&mut CounterWindow, Timestamp) -> Option<f64>;

/// # Safety
/// As `ts_prom_counter_window_rate`.
unsafe fn stream_query(
    f: StreamFn,
    w: *mut ts_prom_counter_window,
    now_ms: i64,
    out: *mut f64,
    has_value: *mut bool,
) -> ts_result {
    ffi_boundary(|| {
        // SAFETY: caller contract.
        let w = unsafe { reference_mut(w, "window") }?;
        let out = out_ptr(out, "out")?;
        let has_value = out_ptr(has_value, "has_value")?;
        let v = f(&mut w.window, Timestamp::from_millis(now_ms));
        // SAFETY: both checked by `out_ptr`.
        unsafe { write_optional(out, has_value, v) };
        Ok(())
    })
}

/// `rate(counter[range])` at `now_ms` over the samples kept; `*has_value` false (and `*out`
/// 0) with fewer than two samples in the window. Queries may go back in time (the window
/// rebuilds its running state).
///
/// # Safety
/// `w` must be NULL or a live handle; `out` and `has_value` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ts_prom_counter_window_rate(
    w: *mut ts_prom_counter_window,
    now_ms: i64,
    out: *mut f64,
    has_value: *mut bool,
) -> ts_result {
    // SAFETY: forwarded contract.
    unsafe { stream_query(CounterWindow::rate, w, now_ms, out, has_value) }
}

/// `increase(counter[range])`, as `ts_prom_counter_window_rate`.
///
/// # Safety
/// As `ts_prom_counter_window_rate`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ts_prom_counter_window_increase(
    w: *mut ts_prom_counter_window,
    now_ms: i64,
    out: *mut f64,
    has_value: *mut bool,
) -> ts_result {
    // SAFETY: forwarded contract.
    unsafe { stream_query(CounterWindow::increase, w, now_ms, out, has_value) }
}

/// `irate(counter[range])`, as `ts_prom_counter_window_rate`.
///
/// # Safety
/// As `ts_prom_counter_window_rate`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ts_prom_counter_window_irate(
    w: *mut ts_prom_counter_window,
    now_ms: i64,
    out: *mut f64,
    has_value: *mut bool,
) -> ts_result {
    // SAFETY: forwarded contract.
    unsafe { stream_query(CounterWindow::irate, w, now_ms, out, has_value) }
}

/// Writes a Prometheus result: `*out` the value (0 when there is none) and `*has_value`
/// whether Prometheus returns one.
///
/// # Safety
/// Both pointers must be non-NULL, aligned and writable (as `out_ptr` checks).
unsafe fn write_optional(out: *mut f64, has_value: *mut bool, v: Option<f64>) {
    // SAFETY: the caller's contract.
    unsafe {
        out.write(v.unwrap_or(0.0));
        has_value.write(v.is_some());
    }
}
