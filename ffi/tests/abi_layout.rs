//! Pins the size, alignment and field offsets of every `#[repr(C)]` struct on 64-bit targets.
//! A failure here means the C ABI changed: bump `TS_ABI_VERSION` and update these numbers
//! deliberately.
#![cfg(target_pointer_width = "64")]

use std::mem::{align_of, offset_of, size_of};

use tidescale_ffi::*;

#[test]
fn abi_version_is_pinned() {
    // 2: ts_hpa_decision lost next_wakeup_ms (ts_hpa_next_wakeup computes it on request),
    // ts_prom_histogram_quantile gained `has_value`, late VPA samples are discarded (no 504).
    assert_eq!(TS_ABI_VERSION, 2);
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
        (72, 8)
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
    assert_eq!(offset_of!(ts_hpa_decision, rescale), 64);
    assert_eq!(offset_of!(ts_hpa_decision, has_error), 65);
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
fn vpa_sample_layout() {
    assert_eq!(
        (size_of::<ts_vpa_sample>(), align_of::<ts_vpa_sample>()),
        (40, 8)
    );
    assert_eq!(offset_of!(ts_vpa_sample, container), 0);
    assert_eq!(offset_of!(ts_vpa_sample, container_len), 8);
    assert_eq!(offset_of!(ts_vpa_sample, timestamp_ms), 16);
    assert_eq!(offset_of!(ts_vpa_sample, cpu_cores), 24);
    assert_eq!(offset_of!(ts_vpa_sample, memory_bytes), 32);
}

#[test]
fn vpa_discarded_layout() {
    assert_eq!(
        (
            size_of::<ts_vpa_discarded>(),
            align_of::<ts_vpa_discarded>()
        ),
        (16, 8)
    );
    assert_eq!(offset_of!(ts_vpa_discarded, cpu), 0);
    assert_eq!(offset_of!(ts_vpa_discarded, memory), 8);
}

#[test]
fn vpa_resources_layout() {
    assert_eq!(
        (
            size_of::<ts_vpa_resources>(),
            align_of::<ts_vpa_resources>()
        ),
        (24, 8)
    );
    assert_eq!(offset_of!(ts_vpa_resources, cpu_milli), 0);
    assert_eq!(offset_of!(ts_vpa_resources, memory_bytes), 8);
    assert_eq!(offset_of!(ts_vpa_resources, has_cpu), 16);
    assert_eq!(offset_of!(ts_vpa_resources, has_memory), 17);
}

#[test]
fn kv_layout() {
    assert_eq!((size_of::<ts_kv>(), align_of::<ts_kv>()), (32, 8));
    assert_eq!(offset_of!(ts_kv, key), 0);
    assert_eq!(offset_of!(ts_kv, key_len), 8);
    assert_eq!(offset_of!(ts_kv, value), 16);
    assert_eq!(offset_of!(ts_kv, value_len), 24);
}

#[test]
fn kafka_partition_layout() {
    assert_eq!(
        (
            size_of::<ts_kafka_partition>(),
            align_of::<ts_kafka_partition>()
        ),
        (40, 8)
    );
    assert_eq!(offset_of!(ts_kafka_partition, topic), 0);
    assert_eq!(offset_of!(ts_kafka_partition, topic_len), 8);
    assert_eq!(offset_of!(ts_kafka_partition, consumer_offset), 16);
    assert_eq!(offset_of!(ts_kafka_partition, latest_offset), 24);
    assert_eq!(offset_of!(ts_kafka_partition, partition), 32);
    assert_eq!(offset_of!(ts_kafka_partition, has_consumer_offset), 36);
    assert_eq!(offset_of!(ts_kafka_partition, has_latest_offset), 37);
}

#[test]
fn trigger_reading_layout() {
    assert_eq!(
        (
            size_of::<ts_trigger_reading>(),
            align_of::<ts_trigger_reading>()
        ),
        (64, 8)
    );
    assert_eq!(offset_of!(ts_trigger_reading, kind), 0);
    assert_eq!(offset_of!(ts_trigger_reading, value), 8);
    assert_eq!(offset_of!(ts_trigger_reading, attributes), 16);
    assert_eq!(offset_of!(ts_trigger_reading, n_attributes), 24);
    assert_eq!(offset_of!(ts_trigger_reading, partitions), 32);
    assert_eq!(offset_of!(ts_trigger_reading, n_partitions), 40);
    assert_eq!(offset_of!(ts_trigger_reading, error), 48);
    assert_eq!(offset_of!(ts_trigger_reading, error_len), 56);
}

#[test]
fn keda_decision_layout() {
    assert_eq!(
        (
            size_of::<ts_keda_decision>(),
            align_of::<ts_keda_decision>()
        ),
        (48, 8)
    );
    assert_eq!(offset_of!(ts_keda_decision, cooldown_remaining_ms), 0);
    assert_eq!(offset_of!(ts_keda_decision, next_wakeup_ms), 8);
    assert_eq!(offset_of!(ts_keda_decision, desired_replicas), 16);
    assert_eq!(offset_of!(ts_keda_decision, current_replicas), 20);
    assert_eq!(offset_of!(ts_keda_decision, hpa_desired_replicas), 24);
    assert_eq!(offset_of!(ts_keda_decision, reason), 28);
    assert_eq!(offset_of!(ts_keda_decision, hpa_limited_by), 32);
    assert_eq!(offset_of!(ts_keda_decision, rescale), 36);
    assert_eq!(offset_of!(ts_keda_decision, active), 37);
    assert_eq!(offset_of!(ts_keda_decision, fallback), 38);
    assert_eq!(offset_of!(ts_keda_decision, hpa_ran), 39);
    assert_eq!(offset_of!(ts_keda_decision, has_error), 40);
}

#[test]
fn scaledjob_scaler_layout() {
    assert_eq!(
        (
            size_of::<ts_scaledjob_scaler>(),
            align_of::<ts_scaledjob_scaler>()
        ),
        (24, 8)
    );
    assert_eq!(offset_of!(ts_scaledjob_scaler, queue_length), 0);
    assert_eq!(offset_of!(ts_scaledjob_scaler, target_average_value), 8);
    assert_eq!(offset_of!(ts_scaledjob_scaler, is_active), 16);
}

#[test]
fn scaledjob_input_layout() {
    assert_eq!(
        (
            size_of::<ts_scaledjob_input>(),
            align_of::<ts_scaledjob_input>()
        ),
        (32, 8)
    );
    assert_eq!(offset_of!(ts_scaledjob_input, scalers), 0);
    assert_eq!(offset_of!(ts_scaledjob_input, n_scalers), 8);
    assert_eq!(offset_of!(ts_scaledjob_input, running_jobs), 16);
    assert_eq!(offset_of!(ts_scaledjob_input, pending_jobs), 24);
}

#[test]
fn scaledjob_output_layout() {
    assert_eq!(
        (
            size_of::<ts_scaledjob_output>(),
            align_of::<ts_scaledjob_output>()
        ),
        (64, 8)
    );
    assert_eq!(offset_of!(ts_scaledjob_output, jobs_to_create), 0);
    assert_eq!(offset_of!(ts_scaledjob_output, effective_max_scale), 8);
    assert_eq!(offset_of!(ts_scaledjob_output, scale_to), 16);
    assert_eq!(offset_of!(ts_scaledjob_output, queue_length), 24);
    assert_eq!(offset_of!(ts_scaledjob_output, max_value), 32);
    assert_eq!(offset_of!(ts_scaledjob_output, min_replica_count), 40);
    assert_eq!(offset_of!(ts_scaledjob_output, max_replica_count), 48);
    assert_eq!(offset_of!(ts_scaledjob_output, active), 56);
}

#[test]
fn prom_sample_layout() {
    assert_eq!(
        (size_of::<ts_prom_sample>(), align_of::<ts_prom_sample>()),
        (16, 8)
    );
    assert_eq!(offset_of!(ts_prom_sample, timestamp_ms), 0);
    assert_eq!(offset_of!(ts_prom_sample, value), 8);
}

#[test]
fn prom_bucket_layout() {
    assert_eq!(
        (size_of::<ts_prom_bucket>(), align_of::<ts_prom_bucket>()),
        (16, 8)
    );
    assert_eq!(offset_of!(ts_prom_bucket, upper_bound), 0);
    assert_eq!(offset_of!(ts_prom_bucket, count), 8);
}

#[test]
fn codes_are_u32() {
    assert_eq!(size_of::<ts_result>(), 4);
    assert_eq!(size_of::<ts_reason>(), 4);
    assert_eq!(ts_result::Ok as u32, 0);
    assert_eq!(ts_result::Panic as u32, 999);
    assert_eq!(ts_reason::ScaleDownStabilized as u32, 4);
    assert_eq!(size_of::<ts_keda_reason>(), 4);
    assert_eq!(size_of::<ts_trigger_reading_kind>(), 4);
    assert_eq!(size_of::<ts_window_mode>(), 4);
    assert_eq!(ts_result::VpaNotFound as u32, 500);
    assert_eq!(ts_result::ScaledObjectNotFound as u32, 600);
    assert_eq!(ts_result::SamplesOutOfOrder as u32, 700);
    assert_eq!(ts_keda_reason::Idle as u32, 12);
    assert_eq!(ts_trigger_reading_kind::Error as u32, 0);
    assert_eq!(ts_window_mode::LeftOpen as u32, 0);
}

#[test]
fn defaults_are_zero_valued() {
    let s = ts_vpa_sample_default();
    assert!(s.container.is_null() && s.container_len == 0 && s.timestamp_ms == 0);
    let r = ts_trigger_reading_default();
    assert_eq!(r.kind, ts_trigger_reading_kind::Error as u32);
    assert!(r.attributes.is_null() && r.partitions.is_null() && r.error.is_null());
}
