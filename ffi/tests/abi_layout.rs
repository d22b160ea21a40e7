//! Pins the size, alignment and field offsets of every `#[repr(C)]` struct on 64-bit targets.
//! A failure here means the C ABI changed: bump `TS_ABI_VERSION` and update these numbers
//! deliberately.
#![cfg(target_pointer_width = "64")]

use std::mem::{align_of, offset_of, size_of};

use tidescale_ffi::*;

#[test]
fn abi_version_is_pinned() {
    assert_eq!(TS_ABI_VERSION, 1);
    assert_eq!(ts_abi_version(), TS_ABI_VERSION);
}

#[test]
fn scale_layout() {
    assert_eq!((size_of::<ts_scale>(), align_of::<ts_scale>()), (8, 4));
    assert_eq!(offset_of!(ts_scale, spec_replicas), 0);
    assert_eq!(offset_of!(ts_scale, status_replicas), 4);
}

#[test]
fn pod_layout() {
    assert_eq!((size_of::<ts_pod>(), align_of::<ts_pod>()), (80, 8));
    assert_eq!(offset_of!(ts_pod, name), 0);
    assert_eq!(offset_of!(ts_pod, name_len), 8);
    assert_eq!(offset_of!(ts_pod, container), 16);
    assert_eq!(offset_of!(ts_pod, container_len), 24);
    assert_eq!(offset_of!(ts_pod, start_ms), 32);
    assert_eq!(offset_of!(ts_pod, ready_transition_ms), 40);
    assert_eq!(offset_of!(ts_pod, cpu_request_milli), 48);
    assert_eq!(offset_of!(ts_pod, memory_request_milli), 56);
    assert_eq!(offset_of!(ts_pod, phase), 64);
    assert_eq!(offset_of!(ts_pod, ready), 68);
    assert_eq!(offset_of!(ts_pod, deleted), 72);
    assert_eq!(offset_of!(ts_pod, has_start_time), 73);
    assert_eq!(offset_of!(ts_pod, has_cpu_request), 74);
    assert_eq!(offset_of!(ts_pod, has_memory_request), 75);
}

#[test]
fn sample_layout() {
    assert_eq!(
        (size_of::<ts_pod_sample>(), align_of::<ts_pod_sample>()),
        (32, 8)
    );
    assert_eq!(offset_of!(ts_pod_sample, pod), 0);
    assert_eq!(offset_of!(ts_pod_sample, value_milli), 8);
    assert_eq!(offset_of!(ts_pod_sample, timestamp_ms), 16);
    assert_eq!(offset_of!(ts_pod_sample, window_ms), 24);
}

#[test]
fn reading_layout() {
    assert_eq!(
        (
            size_of::<ts_metric_reading>(),
            align_of::<ts_metric_reading>()
        ),
        (48, 8)
    );
    assert_eq!(offset_of!(ts_metric_reading, kind), 0);
    assert_eq!(offset_of!(ts_metric_reading, samples), 8);
    assert_eq!(offset_of!(ts_metric_reading, n_samples), 16);
    assert_eq!(offset_of!(ts_metric_reading, values), 24);
    assert_eq!(offset_of!(ts_metric_reading, n_values), 32);
    assert_eq!(offset_of!(ts_metric_reading, object_value_milli), 40);
}

#[test]
fn decision_layout() {
    assert_eq!(
        (size_of::<ts_condition>(), align_of::<ts_condition>()),
        (8, 4)
    );
    assert_eq!(offset_of!(ts_condition, status), 0);
    assert_eq!(offset_of!(ts_condition, reason), 4);
    assert_eq!(
        (size_of::<ts_hpa_decision>(), align_of::<ts_hpa_decision>()),
        (80, 8)
    );
    assert_eq!(offset_of!(ts_hpa_decision, current_replicas), 0);
    assert_eq!(offset_of!(ts_hpa_decision, desired_replicas), 4);
    assert_eq!(offset_of!(ts_hpa_decision, proposed_replicas), 8);
    assert_eq!(offset_of!(ts_hpa_decision, stabilized_replicas), 12);
    assert_eq!(offset_of!(ts_hpa_decision, chosen_metric), 16);
    assert_eq!(offset_of!(ts_hpa_decision, limited_by), 20);
    assert_eq!(offset_of!(ts_hpa_decision, able_to_scale), 24);
    assert_eq!(offset_of!(ts_hpa_decision, scaling_active), 32);
    assert_eq!(offset_of!(ts_hpa_decision, scaling_limited), 40);
    assert_eq!(offset_of!(ts_hpa_decision, scaled_to_zero), 48);
    assert_eq!(offset_of!(ts_hpa_decision, n_metrics), 56);
    assert_eq!(offset_of!(ts_hpa_decision, next_wakeup_ms), 64);
    assert_eq!(offset_of!(ts_hpa_decision, rescale), 72);
    assert_eq!(offset_of!(ts_hpa_decision, has_error), 73);
}

#[test]
fn proposal_layout() {
    assert_eq!(
        (
            size_of::<ts_metric_proposal>(),
            align_of::<ts_metric_proposal>()
        ),
        (40, 8)
    );
    assert_eq!(offset_of!(ts_metric_proposal, ratio), 0);
    assert_eq!(offset_of!(ts_metric_proposal, value_milli), 8);
    assert_eq!(offset_of!(ts_metric_proposal, replicas), 16);
    assert_eq!(offset_of!(ts_metric_proposal, utilization), 20);
    assert_eq!(offset_of!(ts_metric_proposal, source), 24);
    assert_eq!(offset_of!(ts_metric_proposal, failure_reason), 28);
    assert_eq!(offset_of!(ts_metric_proposal, ok), 32);
    assert_eq!(offset_of!(ts_metric_proposal, chosen), 33);
}

#[test]
fn codes_are_u32() {
    assert_eq!(size_of::<ts_result>(), 4);
    assert_eq!(size_of::<ts_reason>(), 4);
    assert_eq!(ts_result::Ok as u32, 0);
    assert_eq!(ts_result::Panic as u32, 999);
    assert_eq!(ts_reason::ScaleDownStabilized as u32, 4);
}
