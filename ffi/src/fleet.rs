//! `hpa::Fleet` behind an opaque handle: many HPA controllers stepped together from columns of
//! numbers (item `i` is `replicas[i]` identical running, ready pods).

use std::collections::BTreeMap;
use std::ffi::c_char;

use tidescale_core::hpa::{Column, Controller, Fleet, FleetError, FleetStep, default_requests};
use tidescale_core::{Quantity, Timestamp};

use crate::args::{optional_text, out_ptr, reference, reference_mut, slice, write_text};
use crate::hpa::{decision_of, ts_hpa};
use crate::manifest::MAX_SETTINGS_BYTES;
use crate::result::{FfiError, ffi_boundary, ts_result};
use crate::types::ts_hpa_decision;

/// Many HPA controllers stepped together. Create with `ts_hpa_fleet_new`, free with
/// `ts_hpa_fleet_free`. Not thread-safe: do not use one handle from two threads at once.
pub struct ts_hpa_fleet {
    fleet: Fleet,
    replicas: Vec<i64>,
    out: FleetStep,
}

/// Creates a fleet from `n` HPA handles (each controller is copied: its manifest, settings and
/// history; the handles stay the caller's) and the requests of the generated pods as a JSON
/// object (`{"cpu": "500m", "memory": "2Gi"}`; NULL or empty for 1 CPU and 1 GiB). On success
/// `*out` receives a handle to free with `ts_hpa_fleet_free`; on failure `*out` is not written.
///
/// # Safety
/// `hpas` must be NULL (with `n == 0`) or point to `n` live `ts_hpa` handles;
/// `requests_json` must be NULL or point to `requests_len` readable bytes; `out` must be NULL
/// or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ts_hpa_fleet_new(
    hpas: *const *const ts_hpa,
    n: usize,
    requests_json: *const c_char,
    requests_len: usize,
    out: *mut *mut ts_hpa_fleet,
) -> ts_result {
    ffi_boundary(|| {
        let out = out_ptr(out, "out")?;
        // SAFETY (both): caller contract, checked for NULL, alignment and length.
        let handles = unsafe { slice(hpas, n, "hpas") }?;
        let mut ctls: Vec<Controller> = Vec::with_capacity(handles.len());
        for (i, &h) in handles.iter().enumerate() {
            // SAFETY: caller contract: a live handle or NULL (refused).
            let h = unsafe { reference(h, &format!("hpas[{i}]")) }?;
            ctls.push(h.controller.clone());
        }
        // SAFETY: caller contract.
        let reqs =
            unsafe { optional_text(requests_json, requests_len, MAX_SETTINGS_BYTES, "requests") }?;
        let requests: BTreeMap<String, Quantity> = match reqs.trim() {
            "" => default_requests(),
            t => serde_json::from_str(t)
                .map_err(|e| FfiError::new(ts_result::InvalidJson, format!("requests: {e}")))?,
        };
        let fleet = Fleet::new(ctls, &requests);
        let handle = Box::new(ts_hpa_fleet {
            fleet,
            replicas: Vec::new(),
            out: FleetStep::default(),
        });
        // SAFETY: checked non-NULL and aligned.
        unsafe { out.write(Box::into_raw(handle)) };
        Ok(())
    })
}

/// Frees a handle from `ts_hpa_fleet_new`. NULL is accepted and ignored.
///
/// # Safety
/// `fleet` must be NULL or a handle from `ts_hpa_fleet_new` not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ts_hpa_fleet_free(fleet: *mut ts_hpa_fleet) {
    crate::result::ffi_boundary_or((), || {
        if !fleet.is_null() {
            // SAFETY: caller contract: a live handle from `Box::into_raw`.
            drop(unsafe { Box::from_raw(fleet) });
        }
    });
}

/// The number of items (`*out_items`) and of metric columns (`*out_columns`, every metric name
/// some item's manifest has, in first-appearance order). Either output may be NULL.
///
/// # Safety
/// `fleet` must be NULL or a live handle; the outputs must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ts_hpa_fleet_shape(
    fleet: *const ts_hpa_fleet,
    out_items: *mut usize,
    out_columns: *mut usize,
) -> ts_result {
    ffi_boundary(|| {
        // SAFETY: caller contract.
        let f = unsafe { reference(fleet, "fleet") }?;
        if !out_items.is_null() {
            let p = out_ptr(out_items, "out_items")?;
            // SAFETY: checked non-NULL and aligned.
            unsafe { p.write(f.fleet.len()) };
        }
        if !out_columns.is_null() {
            let p = out_ptr(out_columns, "out_columns")?;
            // SAFETY: checked non-NULL and aligned.
            unsafe { p.write(f.fleet.metric_names().len()) };
        }
        Ok(())
    })
}

/// The metric name of column `column`, NUL-terminated into `buf` (`len` bytes; the `snprintf`
/// convention of `ts_hpa_explain`).
///
/// # Safety
/// `fleet` must be NULL or a live handle; `buf` must be NULL or point to `len` writable bytes;
/// `written` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ts_hpa_fleet_metric_name(
    fleet: *const ts_hpa_fleet,
    column: usize,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> ts_result {
    ffi_boundary(|| {
        // SAFETY: caller contract.
        let f = unsafe { reference(fleet, "fleet") }?;
        let name = f.fleet.metric_names().get(column).ok_or_else(|| {
            FfiError::new(
                ts_result::IndexOutOfRange,
                format!(
                    "column {column}: the fleet has {} metric columns",
                    f.fleet.metric_names().len()
                ),
            )
        })?;
        // SAFETY: caller contract.
        unsafe { write_text(name, buf, len, written, "metric name") }
    })
}

/// One sync of every item at `now_ms`. `replicas` has one count per item (`n_items` must be
/// the fleet's item count); `columns[c]` is NULL (metric `c` unavailable for every item) or
/// points to `n_items` values of metric `c` in units (cores, bytes, requests/s), or in percent
/// of the request for a Resource/ContainerResource metric with a `Utilization` target;
/// `n_columns` must be the fleet's column count. On success `desired[i]`, `rescale[i]` (0 or 1)
/// and `limited_by[i]` (a `ScalingLimited` reason code, 0 for none; the codes of
/// `ts_hpa_decision.limited_by`) are written for every item. Bad values are refused before any
/// controller is stepped (`TS_RESULT_NOT_FINITE`, `TS_RESULT_NEGATIVE_VALUE`,
/// `TS_RESULT_INVALID_ARGUMENT`); a controller's own error stops the step at that item
/// (`TS_RESULT_INVALID_OBSERVATION`; earlier items have been stepped, nothing is written).
///
/// # Safety
/// `fleet` must be NULL or a live handle; `replicas` must point to `n_items` values; `columns`
/// must be NULL (with `n_columns == 0`) or point to `n_columns` pointers, each NULL or
/// pointing to `n_items` values; `desired`, `rescale` and `limited_by` must point to `n_items`
/// writable values.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn ts_hpa_fleet_step(
    fleet: *mut ts_hpa_fleet,
    now_ms: i64,
    replicas: *const i32,
    n_items: usize,
    columns: *const *const f64,
    n_columns: usize,
    desired: *mut i32,
    rescale: *mut u8,
    limited_by: *mut u32,
) -> ts_result {
    ffi_boundary(|| {
        // SAFETY (all blocks): caller contract, checked for NULL, alignment and length.
        let f = unsafe { reference_mut(fleet, "fleet") }?;
        if n_items != f.fleet.len() {
            return Err(FfiError::new(
                ts_result::InvalidArgument,
                format!(
                    "n_items is {n_items}, the fleet has {} items",
                    f.fleet.len()
                ),
            ));
        }
        if n_columns != f.fleet.metric_names().len() {
            return Err(FfiError::new(
                ts_result::MetricCountMismatch,
                format!(
                    "n_columns is {n_columns}, the fleet has {} metric columns",
                    f.fleet.metric_names().len()
                ),
            ));
        }
        if n_items > 0 {
            // NULL and alignment, before anything is stepped
            out_ptr(desired, "desired")?;
            out_ptr(rescale, "rescale")?;
            out_ptr(limited_by, "limited_by")?;
        }
        let reps = unsafe { slice(replicas, n_items, "replicas") }?;
        let cols = unsafe { slice(columns, n_columns, "columns") }?;
        let mut metrics: Vec<Option<Column<'_, f64>>> = Vec::with_capacity(cols.len());
        for (c, &p) in cols.iter().enumerate() {
            metrics.push(if p.is_null() {
                None
            } else {
                Some(Column::Each(unsafe {
                    slice(p, n_items, &format!("columns[{c}]"))
                }?))
            });
        }
        f.replicas.clear();
        f.replicas.extend(reps.iter().map(|&r| i64::from(r)));
        f.fleet
            .step_into(
                Timestamp(now_ms),
                Column::Each(&f.replicas),
                &metrics,
                &mut f.out,
            )
            .map_err(fleet_error)?;
        if n_items > 0 {
            // SAFETY: caller contract: `n_items` writable values each (checked non-NULL and
            // aligned above).
            let (d, r, l) = unsafe {
                (
                    std::slice::from_raw_parts_mut(desired, n_items),
                    std::slice::from_raw_parts_mut(rescale, n_items),
                    std::slice::from_raw_parts_mut(limited_by, n_items),
                )
            };
            for (o, &x) in d.iter_mut().zip(&f.out.desired) {
                *o = x;
            }
            for (o, &x) in r.iter_mut().zip(&f.out.rescale) {
                *o = u8::from(x);
            }
            for (o, &x) in l.iter_mut().zip(&f.out.limited_by) {
                *o = x.map_or(0, |r| r.code());
            }
        }
        Ok(())
    })
}

/// The last decision of item `item` (as `ts_hpa_step` writes it) into `*out`.
/// `TS_RESULT_INDEX_OUT_OF_RANGE` for an item past the end; before the first step the decision
/// is the empty one (current and desired 0, nothing chosen).
///
/// # Safety
/// `fleet` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ts_hpa_fleet_decision(
    fleet: *const ts_hpa_fleet,
    item: usize,
    out: *mut ts_hpa_decision,
) -> ts_result {
    ffi_boundary(|| {
        let out = out_ptr(out, "out")?;
        // SAFETY: caller contract.
        let f = unsafe { reference(fleet, "fleet") }?;
        let ctl = f.fleet.controller(item).ok_or_else(|| {
            FfiError::new(
                ts_result::IndexOutOfRange,
                format!("item {item}: the fleet has {} items", f.fleet.len()),
            )
        })?;
        // SAFETY: checked non-NULL and aligned.
        unsafe { out.write(decision_of(ctl.last_decision())) };
        Ok(())
    })
}

fn fleet_error(e: FleetError) -> FfiError {
    let code = match &e {
        FleetError::NegativeReplicas { .. } => ts_result::NegativeValue,
        FleetError::Value { value, .. } if !value.is_finite() => ts_result::NotFinite,
        FleetError::Value { value, .. } if *value < 0.0 => ts_result::NegativeValue,
        FleetError::Request { .. } | FleetError::Step { .. } => ts_result::InvalidObservation,
        _ => ts_result::InvalidArgument,
    };
    FfiError::new(code, e.to_string())
}
