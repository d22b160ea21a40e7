//! Exactness through the C door: JSON numbers reach the core as the nearest double (a VPA
//! checkpoint's `totalWeight` comes back with the same bits), the placeholder HPA metric and a
//! bad Kafka `partitionLimitation` surface the core's typed errors, and `histogram_quantile`
//! over no buckets has no result.

use std::ffi::CStr;

use proptest::prelude::*;
use tidescale_ffi::*;

const VPA: &str = r#"{"kind": "VerticalPodAutoscaler", "metadata": {"name": "web"},
  "spec": {"targetRef": {"kind": "Deployment", "name": "web"}}}"#;
const NOW_MS: i64 = 1_700_000_000_000;

fn last_error() -> String {
    let len = unsafe { ts_last_error_message(std::ptr::null_mut(), 0) };
    let mut buf = vec![0u8; len + 1];
    unsafe { ts_last_error_message(buf.as_mut_ptr().cast(), buf.len()) };
    CStr::from_bytes_until_nul(&buf)
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// Loads one CPU checkpoint whose `totalWeight` is `text` (as written) and saves it back:
/// the total weight the saved JSON carries, read with Rust's correctly rounded parser.
fn checkpoint_total_weight(text: &str) -> f64 {
    let mut v: *mut ts_vpa_recommender = std::ptr::null_mut();
    let r = unsafe {
        ts_vpa_recommender_new(VPA.as_ptr().cast(), VPA.len(), std::ptr::null(), 0, &mut v)
    };
    assert_eq!(r, ts_result::Ok, "{}", last_error());
    let cp = format!(
        r#"{{"kind":"VerticalPodAutoscalerCheckpoint","spec":{{"vpaObjectName":"web","containerName":"app"}},
        "status":{{"version":"v3","lastUpdateTime":"2023-11-14T22:13:20Z",
        "cpuHistogram":{{"referenceTimestamp":"2023-11-14T00:00:00Z","bucketWeights":{{"10":10000}},"totalWeight":{text}}}}}}}"#
    );
    let r = unsafe { ts_vpa_checkpoint_load(v, NOW_MS, cp.as_ptr().cast(), cp.len()) };
    assert_eq!(r, ts_result::Ok, "{text}: {}", last_error());
    let mut n = 0usize;
    let r = unsafe { ts_vpa_checkpoint_save(v, NOW_MS, std::ptr::null_mut(), 0, &mut n) };
    assert_eq!(r, ts_result::BufferTooSmall);
    let mut buf = vec![0u8; n + 1];
    let r =
        unsafe { ts_vpa_checkpoint_save(v, NOW_MS, buf.as_mut_ptr().cast(), buf.len(), &mut n) };
    assert_eq!(r, ts_result::Ok);
    unsafe { ts_vpa_recommender_free(v) };
    buf.truncate(n);
    let saved = String::from_utf8(buf).unwrap();
    let at = saved.find(r#""cpuHistogram""#).expect("cpuHistogram saved");
    let tail = &saved[at..];
    let start =
        tail.find(r#""totalWeight":"#).expect("totalWeight saved") + r#""totalWeight":"#.len();
    let token: String = tail[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+'))
        .collect();
    token
        .parse()
        .unwrap_or_else(|_| panic!("{token:?} in {saved}"))
}

#[test]
fn checkpoint_numbers_keep_their_bits() {
    // Decimals serde_json's fast path reads one ulp off (see core/tests/json_numbers.rs).
    for text in [
        "10053326052.896315",
        "7850478860959.8785",
        "771814871.60779125",
        "0.1",
    ] {
        let want: f64 = text.parse().unwrap();
        assert_eq!(
            checkpoint_total_weight(text).to_bits(),
            want.to_bits(),
            "{text}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_doubles_cross_the_c_door_unchanged(x in 1e-3f64..1e15) {
        for text in [format!("{x}"), format!("{x:?}"), format!("{x:.16e}")] {
            prop_assert_eq!(checkpoint_total_weight(&text).to_bits(), x.to_bits(), "{}", text);
        }
    }
}

#[test]
fn a_json_number_out_of_range_is_rejected_not_infinite() {
    let mut v: *mut ts_vpa_recommender = std::ptr::null_mut();
    let r = unsafe {
        ts_vpa_recommender_new(VPA.as_ptr().cast(), VPA.len(), std::ptr::null(), 0, &mut v)
    };
    assert_eq!(r, ts_result::Ok);
    let cp = r#"{"kind":"VerticalPodAutoscalerCheckpoint","spec":{"vpaObjectName":"web","containerName":"app"},"status":{"version":"v3","cpuHistogram":{"bucketWeights":{"10":10000},"totalWeight":1e400}}}"#;
    let r = unsafe { ts_vpa_checkpoint_load(v, NOW_MS, cp.as_ptr().cast(), cp.len()) };
    assert_eq!(r, ts_result::InvalidCheckpoint);
    assert!(last_error().contains("out of range"), "{}", last_error());
    let opts = r#"{"target-cpu-percentile": 1e400}"#;
    let mut w: *mut ts_vpa_recommender = std::ptr::null_mut();
    let r = unsafe {
        ts_vpa_recommender_new(
            VPA.as_ptr().cast(),
            VPA.len(),
            opts.as_ptr().cast(),
            opts.len(),
            &mut w,
        )
    };
    assert_eq!(r, ts_result::InvalidVpaOptions);
    assert!(w.is_null());
    unsafe { ts_vpa_recommender_free(v) };
}

#[test]
fn histogram_quantile_over_no_buckets_has_no_result() {
    for q in [0.5, f64::NAN, -1.0, 2.0] {
        let (mut v, mut has) = (7.0, true);
        let r = unsafe { ts_prom_histogram_quantile(q, std::ptr::null(), 0, &mut v, &mut has) };
        assert_eq!((r, has, v), (ts_result::Ok, false, 0.0), "q = {q}");
    }
    let b = [ts_prom_bucket {
        upper_bound: f64::INFINITY,
        count: 3.0,
    }];
    let (mut v, mut has) = (7.0, false);
    let r = unsafe { ts_prom_histogram_quantile(0.5, b.as_ptr(), 1, &mut v, &mut has) };
    assert!(r == ts_result::Ok && has && v.is_nan()); // one bucket is a series: NaN
}

#[test]
fn a_metric_without_target_fails_api_validation_at_the_door() {
    let m = r#"{"kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"}, "spec": {
      "scaleTargetRef": {"kind": "Deployment", "name": "web"}, "minReplicas": 2, "maxReplicas": 5,
      "metrics": [{"type": "Resource", "resource": {"name": "cpu"}}]}}"#;
    let mut h: *mut ts_hpa = std::ptr::null_mut();
    let r = unsafe { ts_hpa_new(m.as_ptr().cast(), m.len(), std::ptr::null(), 0, &mut h) };
    assert_eq!(r, ts_result::Validation, "{}", last_error());
    assert!(
        last_error().contains("must set either a target raw value or a target utilization"),
        "{}",
        last_error()
    );
    assert!(h.is_null());
}

#[test]
fn a_bad_partition_limitation_is_a_keda_validation_error() {
    let so = |limit: &str| {
        format!(
            r#"{{"kind": "ScaledObject", "metadata": {{"name": "w"}}, "spec": {{
          "scaleTargetRef": {{"name": "w"}}, "maxReplicaCount": 20, "triggers": [
          {{"type": "kafka", "metadata": {{"bootstrapServers": "b", "consumerGroup": "g",
            "topic": "t", "partitionLimitation": "{limit}"}}}}]}}}}"#
        )
    };
    for bad in ["1-x", "1-2-3", "-3", "2147483648"] {
        let m = so(bad);
        let mut k: *mut ts_keda = std::ptr::null_mut();
        let r = unsafe { ts_keda_new(m.as_ptr().cast(), m.len(), std::ptr::null(), 0, 0, &mut k) };
        assert_eq!(r, ts_result::KedaValidation, "{bad}: {}", last_error());
        assert!(
            last_error().contains("partitionLimitation"),
            "{bad}: {}",
            last_error()
        );
        assert!(k.is_null());
    }
    for good in ["5-3", "+1, 2 - 4"] {
        let m = so(good);
        let mut k: *mut ts_keda = std::ptr::null_mut();
        let r = unsafe { ts_keda_new(m.as_ptr().cast(), m.len(), std::ptr::null(), 0, 0, &mut k) };
        assert_eq!(r, ts_result::Ok, "{good}: {}", last_error());
        unsafe { ts_keda_free(k) };
    }
}
