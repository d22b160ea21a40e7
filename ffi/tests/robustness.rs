//! No input crosses the boundary as a panic or as undefined behaviour: arbitrary manifest
//! bytes and arbitrary observations give a result code, and a failed call writes no output.

use proptest::prelude::*;
use tidescale_ffi::*;

const MANIFEST: &str = r#"{"spec": {"minReplicas": 1, "maxReplicas": 20, "metrics": [
  {"type": "Resource", "resource": {"name": "cpu",
    "target": {"type": "Utilization", "averageUtilization": 50}}},
  {"type": "External", "external": {"metric": {"name": "queue"},
    "target": {"type": "AverageValue", "averageValue": "30"}}}]}}"#;

fn new_hpa(text: &[u8]) -> (ts_result, *mut ts_hpa) {
    let mut out: *mut ts_hpa = std::ptr::null_mut();
    let r = unsafe {
        ts_hpa_new(
            text.as_ptr().cast(),
            text.len(),
            std::ptr::null(),
            0,
            &mut out,
        )
    };
    (r, out)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_manifest_bytes_give_a_code(bytes in proptest::collection::vec(any::<u8>(), 0..200),
                                      prefix in prop_oneof![Just(""), Just("{"), Just("spec:\n  "),
                                                            Just("kind: HorizontalPodAutoscaler\n")]) {
        let mut text = prefix.as_bytes().to_vec();
        text.extend_from_slice(&bytes);
        let (r, out) = new_hpa(&text);
        prop_assert_ne!(r, ts_result::Panic);
        prop_assert_eq!(r == ts_result::Ok, !out.is_null());
        unsafe { ts_hpa_free(out) };
    }

    #[test]
    fn any_observation_gives_a_code_and_a_bounded_decision(
        spec_replicas in -2i32..30,
        pods in proptest::collection::vec((0u32..6, 0u32..4, any::<bool>(), -1i64..3000, any::<bool>()), 0..12),
        samples in proptest::collection::vec((0usize..14, -10i64..5000, -70_000i64..70_000, -5i64..70_000), 0..16),
        external in proptest::collection::vec(-3i64..100_000, 0..4),
        kinds in (0u32..5, 0u32..5),
        now in -1_000_000i64..10_000_000,
    ) {
        let (r, hpa) = new_hpa(MANIFEST.as_bytes());
        prop_assert_eq!(r, ts_result::Ok);
        let names: Vec<String> = (0..pods.len()).map(|i| format!("p{i}")).collect();
        let c_pods: Vec<ts_pod> = pods.iter().zip(&names).map(|(&(phase, ready, deleted, cpu, has_cpu), n)| ts_pod {
            name: n.as_ptr().cast(), name_len: n.len(), phase, ready, deleted,
            has_start_time: true, start_ms: 0, ready_transition_ms: 1000,
            has_cpu_request: has_cpu, cpu_request_milli: cpu, ..ts_pod_default()
        }).collect();
        let c_samples: Vec<ts_pod_sample> = samples.iter().map(|&(pod, value_milli, timestamp_ms, window_ms)|
            ts_pod_sample { pod, value_milli, timestamp_ms: now + timestamp_ms, window_ms }).collect();
        let reading = |kind: u32| ts_metric_reading {
            kind, samples: c_samples.as_ptr(), n_samples: c_samples.len(),
            values: external.as_ptr(), n_values: external.len(), object_value_milli: 7000,
        };
        let readings = [reading(kinds.0), reading(kinds.1)];
        let scale = ts_scale { spec_replicas, status_replicas: spec_replicas.max(0) };
        let mut d = ts_hpa_decision { desired_replicas: -77, ..Default::default() };
        let r = unsafe { ts_hpa_step(hpa, now, &scale, c_pods.as_ptr(), c_pods.len(), readings.as_ptr(), 2, &mut d) };
        prop_assert_ne!(r, ts_result::Panic);
        if r == ts_result::Ok {
            prop_assert_eq!(d.current_replicas, spec_replicas);
            // a rescale always lands in [minReplicas, maxReplicas] (without one, desired keeps
            // the previous status.desiredReplicas, as upstream)
            if d.rescale {
                prop_assert!((1..=20).contains(&d.desired_replicas), "{:?}", d);
            }
            let mut buf = [0 as std::ffi::c_char; 1024];
            let mut n = 0usize;
            let e = unsafe { ts_hpa_explain(hpa, buf.as_mut_ptr(), buf.len(), &mut n) };
            prop_assert!(e == ts_result::Ok || e == ts_result::BufferTooSmall);
        } else {
            prop_assert_eq!(d.desired_replicas, -77, "a failed step wrote its output");
            prop_assert!(!ts_result_str(r as u32).is_null());
            let len = unsafe { ts_last_error_message(std::ptr::null_mut(), 0) };
            prop_assert!(len > 0);
        }
        unsafe { ts_hpa_free(hpa) };
    }
}
