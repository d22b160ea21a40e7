//! No input to the VPA, KEDA and Prometheus entry points crosses the boundary as a panic, a
//! rejected VPA batch leaves the recommender unchanged, and a failed call writes no output.

use proptest::prelude::*;
use tidescale_ffi::*;

const VPA: &str = r#"{"kind": "VerticalPodAutoscaler", "metadata": {"name": "web"},
  "spec": {"targetRef": {"kind": "Deployment", "name": "web"}}}"#;
const SQS: &str = r#"{"kind": "ScaledObject", "metadata": {"name": "w"}, "spec": {
  "scaleTargetRef": {"name": "w"}, "minReplicaCount": 0, "maxReplicaCount": 20, "triggers": [
  {"type": "aws-sqs-queue", "metadata": {"queueURL": "q", "queueLength": "5"}},
  {"type": "kafka", "metadata": {"bootstrapServers": "b", "consumerGroup": "g", "topic": "t"}}]}}"#;

fn recommendation(v: *const ts_vpa_recommender, now: i64) -> String {
    let mut n = 0usize;
    let r = unsafe { ts_vpa_recommendation(v, now, std::ptr::null_mut(), 0, &mut n) };
    assert_eq!(r, ts_result::BufferTooSmall);
    let mut buf = vec![0u8; n + 1];
    let r = unsafe { ts_vpa_recommendation(v, now, buf.as_mut_ptr().cast(), buf.len(), &mut n) };
    assert_eq!(r, ts_result::Ok);
    buf.truncate(n);
    String::from_utf8(buf).unwrap()
}

fn any_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        0.0f64..8.0,
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(-1.0),
        0.0f64..1e12
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn vpa_batches_are_all_or_nothing(
        batches in proptest::collection::vec(
            proptest::collection::vec((0usize..3, -5i64..50, any_f64(), any_f64()), 0..12), 1..6),
        oom in proptest::option::of((0usize..3, -100i64..100, any_f64())),
    ) {
        let names = ["app", "sidecar", "init"];
        let mut v: *mut ts_vpa_recommender = std::ptr::null_mut();
        let r = unsafe { ts_vpa_recommender_new(VPA.as_ptr().cast(), VPA.len(), std::ptr::null(), 0, &mut v) };
        prop_assert_eq!(r, ts_result::Ok);
        let now = 1_700_000_000_000 + 100 * 60_000;
        for batch in &batches {
            let samples: Vec<ts_vpa_sample> = batch.iter().map(|&(c, t, cpu, mem)| ts_vpa_sample {
                container: names[c].as_ptr().cast(), container_len: names[c].len(),
                timestamp_ms: 1_700_000_000_000 + t * 60_000, cpu_cores: cpu, memory_bytes: mem,
            }).collect();
            let before = recommendation(v, now);
            let r = unsafe { ts_vpa_add_samples(v, samples.as_ptr(), samples.len()) };
            // Late samples are discarded (counted), never an error.
            prop_assert!(matches!(r, ts_result::Ok | ts_result::NotFinite | ts_result::NegativeValue),
                "{:?}", r);
            if r != ts_result::Ok {
                prop_assert_eq!(recommendation(v, now), before);
            }
        }
        if let Some((c, t, mem)) = oom {
            let r = unsafe { ts_vpa_record_oom(v, names[c].as_ptr().cast(), names[c].len(),
                1_700_000_000_000 + t * 60_000, mem) };
            prop_assert_ne!(r, ts_result::Panic);
        }
        let mut t = ts_vpa_resources { cpu_milli: -9, ..Default::default() };
        let r = unsafe { ts_vpa_container_recommendation(v, now, c"app".as_ptr(), 3, &mut t,
            std::ptr::null_mut(), std::ptr::null_mut(), std::ptr::null_mut()) };
        prop_assert!(matches!(r, ts_result::Ok | ts_result::UnknownContainer));
        prop_assert_eq!(r == ts_result::Ok, t.cpu_milli != -9);
        unsafe { ts_vpa_recommender_free(v) };
    }

    #[test]
    fn keda_any_readings_give_a_code(
        steps in proptest::collection::vec((0u32..7, -3i32..30, -1e3f64..1e5, -10i64..100_000, 0i64..4), 1..8),
        n in 1usize..3,
    ) {
        let mut k: *mut ts_keda = std::ptr::null_mut();
        let r = unsafe { ts_keda_new(SQS.as_ptr().cast(), SQS.len(), std::ptr::null(), 0, 0, &mut k) };
        prop_assert_eq!(r, ts_result::Ok);
        let key = "ApproximateNumberOfMessages";
        let mut now = 0i64;
        for &(kind, replicas, value, offset, dt) in &steps {
            now += dt * 15_000;
            let val = format!("{}", value as i64);
            let kv = [ts_kv { key: key.as_ptr().cast(), key_len: key.len(), value: val.as_ptr().cast(), value_len: val.len() }];
            let part = [ts_kafka_partition { topic: c"t".as_ptr(), topic_len: 1, consumer_offset: offset,
                latest_offset: 100_000, partition: 0, has_consumer_offset: true, has_latest_offset: true }];
            let reading = ts_trigger_reading { kind, value, attributes: kv.as_ptr(), n_attributes: 1,
                partitions: part.as_ptr(), n_partitions: 1, error: std::ptr::null(), error_len: 0 };
            let readings = [reading, reading];
            let mut d = ts_keda_decision { desired_replicas: -77, ..Default::default() };
            let r = unsafe { ts_keda_step(k, now, replicas, readings.as_ptr(), n, &mut d) };
            prop_assert_ne!(r, ts_result::Panic);
            if r == ts_result::Ok {
                prop_assert!((0..=20).contains(&d.desired_replicas), "{:?}", d);
                prop_assert!(!ts_keda_reason_str(d.reason).is_null());
            } else {
                prop_assert_eq!(d.desired_replicas, -77);
            }
        }
        unsafe { ts_keda_free(k) };
    }

    #[test]
    fn prom_any_samples_give_a_code(
        samples in proptest::collection::vec((-100i64..100, any_f64()), 0..20),
        eval in -100i64..200, range in -5i64..200, mode in 0u32..3, cap in 0usize..8,
    ) {
        let s: Vec<ts_prom_sample> = samples.iter().map(|&(t, v)| ts_prom_sample { timestamp_ms: t * 1000, value: v }).collect();
        for f in [ts_prom_rate, ts_prom_increase, ts_prom_irate, ts_prom_delta] {
            let (mut v, mut has) = (7.0, true);
            let r = unsafe { f(s.as_ptr(), s.len(), eval * 1000, range * 1000, mode, &mut v, &mut has) };
            prop_assert_ne!(r, ts_result::Panic);
            if r != ts_result::Ok {
                prop_assert!(v == 7.0 && has);
            }
        }
        let b: Vec<ts_prom_bucket> = samples.iter().map(|&(t, v)| ts_prom_bucket { upper_bound: t as f64, count: v }).collect();
        let (mut q, mut has) = (0.0, false);
        prop_assert_ne!(unsafe { ts_prom_histogram_quantile(0.9, b.as_ptr(), b.len(), &mut q, &mut has) }, ts_result::Panic);
        let mut w: *mut ts_prom_counter_window = std::ptr::null_mut();
        let r = unsafe { ts_prom_counter_window_new(cap, range * 1000, mode, &mut w) };
        prop_assert_eq!(r == ts_result::Ok, !w.is_null());
        for &(t, v) in &samples {
            prop_assert_ne!(unsafe { ts_prom_counter_window_push(w, t * 1000, v) }, ts_result::Panic);
            let (mut out, mut has) = (0.0, false);
            let r = unsafe { ts_prom_counter_window_rate(w, eval * 1000, &mut out, &mut has) };
            prop_assert_eq!(r == ts_result::Ok, !w.is_null());
        }
        unsafe { ts_prom_counter_window_free(w) };
    }

    #[test]
    fn any_manifest_bytes_give_a_code(bytes in proptest::collection::vec(any::<u8>(), 0..200),
                                      prefix in prop_oneof![Just(""), Just("{"),
                                          Just("kind: VerticalPodAutoscaler\n"),
                                          Just("kind: ScaledObject\n"), Just("kind: ScaledJob\n")]) {
        let mut text = prefix.as_bytes().to_vec();
        text.extend_from_slice(&bytes);
        let mut v: *mut ts_vpa_recommender = std::ptr::null_mut();
        let r = unsafe { ts_vpa_recommender_new(text.as_ptr().cast(), text.len(), text.as_ptr().cast(), text.len(), &mut v) };
        prop_assert_ne!(r, ts_result::Panic);
        prop_assert_eq!(r == ts_result::Ok, !v.is_null());
        unsafe { ts_vpa_recommender_free(v) };
        let r = unsafe { ts_vpa_checkpoint_load(std::ptr::null_mut(), 0, text.as_ptr().cast(), text.len()) };
        prop_assert_eq!(r, ts_result::NullArgument);
        let mut k: *mut ts_keda = std::ptr::null_mut();
        let r = unsafe { ts_keda_new(text.as_ptr().cast(), text.len(), std::ptr::null(), 0, 0, &mut k) };
        prop_assert_ne!(r, ts_result::Panic);
        prop_assert_eq!(r == ts_result::Ok, !k.is_null());
        unsafe { ts_keda_free(k) };
        let input = ts_scaledjob_input { scalers: std::ptr::null(), n_scalers: 0, running_jobs: 1, pending_jobs: 0 };
        let mut out = ts_scaledjob_output::default();
        prop_assert_ne!(unsafe { ts_scaledjob_decision(text.as_ptr().cast(), text.len(), &input, &mut out) }, ts_result::Panic);
    }
}

#[test]
fn vpa_checkpoint_load_fuzz_keeps_state() {
    let mut v: *mut ts_vpa_recommender = std::ptr::null_mut();
    assert_eq!(
        unsafe {
            ts_vpa_recommender_new(VPA.as_ptr().cast(), VPA.len(), std::ptr::null(), 0, &mut v)
        },
        ts_result::Ok
    );
    let s = ts_vpa_sample {
        container: c"app".as_ptr(),
        container_len: 3,
        timestamp_ms: 1_700_000_000_000,
        cpu_cores: 0.5,
        memory_bytes: 1e9,
    };
    assert_eq!(unsafe { ts_vpa_add_samples(v, &s, 1) }, ts_result::Ok);
    let before = recommendation(v, 1_700_000_060_000);
    for bad in [
        r#"{"kind":"VerticalPodAutoscalerCheckpoint","spec":{"vpaObjectName":"web","containerName":"app"},"status":{"version":"v3","cpuHistogram":{"bucketWeights":{"99999":1},"totalWeight":1}}}"#,
        r#"{"kind":"VerticalPodAutoscalerCheckpoint","spec":{"vpaObjectName":"web","containerName":"new"},"status":{"version":"v3","memoryHistogram":{"bucketWeights":{"-1":5},"totalWeight":-3}}}"#,
        r#"{"kind":"List","items":[{"kind":"VerticalPodAutoscalerCheckpoint","spec":{"vpaObjectName":"web","containerName":"x"},"status":{"version":"v3"}}, 5]}"#,
    ] {
        let r =
            unsafe { ts_vpa_checkpoint_load(v, 1_700_000_060_000, bad.as_ptr().cast(), bad.len()) };
        assert_eq!(r, ts_result::InvalidCheckpoint, "{bad}");
        assert_eq!(recommendation(v, 1_700_000_060_000), before);
    }
    unsafe { ts_vpa_recommender_free(v) };
}
