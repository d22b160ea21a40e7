//! The cost of the C door: one HPA step through `ts_hpa_step` (called from Rust through the
//! `extern "C"` function, with C structs) against the same step on the core `Controller`.
//! 10 pods, 2 metrics (CPU utilization and a Pods metric), warm history.
//!
//! Also: VPA samples (CPU + memory) through `ts_vpa_add_samples` in batches of 100 against the
//! core `VpaRecommender` (per sample), and one streaming Prometheus sync (push + rate) through
//! `ts_prom_counter_window_*` against the core `CounterWindow` (as core/benches/prom.rs).
//!
//! `cargo bench -p tidescale-ffi --bench ffi_step -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tidescale_core::Timestamp;
use tidescale_core::hpa::{
    Controller, History, MetricValues, Observation, Pod, PodMetric, Recommendation, Scale,
    ScaleEvent, Settings,
};
use tidescale_core::prom::{CounterWindow, WindowMode};
use tidescale_core::vpa::{Recommender, VpaRecommender};
use tidescale_ffi::{
    ts_hpa, ts_hpa_decision, ts_hpa_free, ts_hpa_history_load, ts_hpa_new, ts_hpa_set_pods,
    ts_hpa_step, ts_metric_kind, ts_metric_reading, ts_pod, ts_pod_default, ts_pod_sample,
    ts_ready, ts_result, ts_scale,
};
use tidescale_ffi::{
    ts_prom_counter_window, ts_prom_counter_window_free, ts_prom_counter_window_new,
    ts_prom_counter_window_push, ts_prom_counter_window_rate, ts_vpa_add_samples,
    ts_vpa_container_recommendation, ts_vpa_recommender, ts_vpa_recommender_free,
    ts_vpa_recommender_new, ts_vpa_resources, ts_vpa_sample, ts_vpa_sample_default,
};

const PODS: usize = 10;
const MANIFEST: &str = r#"{"spec": {"minReplicas": 1, "maxReplicas": 100000,
  "metrics": [
    {"type": "Resource", "resource": {"name": "cpu",
      "target": {"type": "Utilization", "averageUtilization": 60}}},
    {"type": "Pods", "pods": {"metric": {"name": "http_requests_per_second"},
      "target": {"type": "AverageValue", "averageValue": "100"}}}],
  "behavior": {"scaleDown": {"stabilizationWindowSeconds": 300}}}}"#;

fn history(now: Timestamp) -> History {
    History {
        recommendations: Some(
            (0..20)
                .map(|i| Recommendation {
                    replicas: PODS as i32,
                    time: now.minus_secs(15 * i),
                })
                .collect(),
        ),
        scale_up_events: (0..10)
            .map(|i| ScaleEvent {
                replica_change: 1,
                time: now.minus_secs(6 * i),
                outdated: false,
            })
            .collect(),
        scale_down_events: Vec::new(),
    }
}

fn usage(i: usize, base: i64) -> i64 {
    base + (i as i64 % 7) * 10
}

fn core_step(c: &mut Criterion) {
    let hpa = tidescale_core::manifest::hpa_from_str(MANIFEST, None).unwrap();
    let mut ctl = Controller::new(hpa, Settings::default()).unwrap();
    let mut now = Timestamp::from_secs(10_000);
    ctl.set_history(history(now));
    let pods: Vec<Pod> = (0..PODS)
        .map(|i| Pod::running(&format!("model-server-{i}"), 1000))
        .collect();
    let cpu: Vec<PodMetric> = (0..PODS)
        .map(|i| PodMetric::new(i, usage(i, 900), now))
        .collect();
    let rps: Vec<PodMetric> = (0..PODS)
        .map(|i| PodMetric::new(i, usage(i, 120_000), now))
        .collect();
    let metrics = [MetricValues::Pods(&cpu), MetricValues::Pods(&rps)];
    c.bench_function("ffi_step/core_controller_step/10_pods_2_metrics", |b| {
        b.iter(|| {
            now = now.plus_secs(15);
            let obs = Observation {
                scale: Scale {
                    spec_replicas: PODS as i32,
                    status_replicas: PODS as i32,
                },
                pods: black_box(&pods),
                metrics: black_box(&metrics),
            };
            black_box(ctl.step(now, &obs).map(|d| d.desired_replicas))
        })
    });
}

fn c_abi_step(c: &mut Criterion) {
    let mut hpa: *mut ts_hpa = std::ptr::null_mut();
    let r = unsafe {
        ts_hpa_new(
            MANIFEST.as_ptr().cast(),
            MANIFEST.len(),
            std::ptr::null(),
            0,
            &mut hpa,
        )
    };
    assert_eq!(r, ts_result::Ok);
    let mut now = Timestamp::from_secs(10_000);
    let h = serde_json::to_string(&history(now)).unwrap();
    assert_eq!(
        unsafe { ts_hpa_history_load(hpa, h.as_ptr().cast(), h.len()) },
        ts_result::Ok
    );
    let names: Vec<String> = (0..PODS).map(|i| format!("model-server-{i}")).collect();
    let pods: Vec<ts_pod> = names
        .iter()
        .map(|n| ts_pod {
            name: n.as_ptr().cast(),
            name_len: n.len(),
            has_start_time: true,
            start_ms: -3_600_000,
            ready: ts_ready::True as u32,
            ready_transition_ms: -3_600_000,
            has_cpu_request: true,
            cpu_request_milli: 1000,
            ..ts_pod_default()
        })
        .collect();
    let sample = |i: usize, base: i64| ts_pod_sample {
        pod: i,
        value_milli: usage(i, base),
        timestamp_ms: now.as_millis(),
        window_ms: 60_000,
    };
    let cpu: Vec<ts_pod_sample> = (0..PODS).map(|i| sample(i, 900)).collect();
    let rps: Vec<ts_pod_sample> = (0..PODS).map(|i| sample(i, 120_000)).collect();
    let reading = |s: &[ts_pod_sample]| ts_metric_reading {
        kind: ts_metric_kind::Pods as u32,
        samples: s.as_ptr(),
        n_samples: s.len(),
        values: std::ptr::null(),
        n_values: 0,
        object_value_milli: 0,
    };
    let readings = [reading(&cpu), reading(&rps)];
    let scale = ts_scale {
        spec_replicas: PODS as i32,
        status_replicas: PODS as i32,
    };
    // Validating the pods at every step, then with the array validated once (`ts_hpa_set_pods`).
    for (name, validated_once) in [
        ("ffi_step/ts_hpa_step/10_pods_2_metrics", false),
        ("ffi_step/ts_hpa_step_set_pods/10_pods_2_metrics", true),
    ] {
        if validated_once {
            let r = unsafe { ts_hpa_set_pods(hpa, pods.as_ptr(), pods.len()) };
            assert_eq!(r, ts_result::Ok);
        }
        let mut d = ts_hpa_decision::default();
        c.bench_function(name, |b| {
            b.iter(|| {
                now = now.plus_secs(15);
                let r = unsafe {
                    ts_hpa_step(
                        hpa,
                        now.as_millis(),
                        &scale,
                        pods.as_ptr(),
                        pods.len(),
                        black_box(readings.as_ptr()),
                        readings.len(),
                        &mut d,
                    )
                };
                black_box((r, d.desired_replicas))
            })
        });
        // (checked only when a filter did not leave the benchmark out)
        if d.current_replicas != 0 {
            assert_eq!(d.current_replicas, PODS as i32, "the step really ran");
            assert_eq!(d.chosen_metric, 0);
        }
    }
    unsafe { ts_hpa_free(hpa) };
}

const VPA: &str = r#"{"kind": "VerticalPodAutoscaler", "metadata": {"name": "web"},
  "spec": {"targetRef": {"kind": "Deployment", "name": "web"}}}"#;
const BATCH: usize = 100;
const VPA_START_MS: i64 = 1_700_006_400_000;

fn cpu(i: i64) -> f64 {
    0.2 + ((i * 37) % 400) as f64 / 1000.0
}

fn mem(i: i64) -> f64 {
    (400_000_000 + (i * 7919) % 200_000_000) as f64
}

fn vpa_samples(c: &mut Criterion) {
    let mut g = c.benchmark_group("ffi_vpa");
    g.throughput(Throughput::Elements(BATCH as u64));

    let mut r = VpaRecommender::new(Recommender::default());
    r.add_container(Timestamp::from_millis(VPA_START_MS), "app");
    let mut i = 0i64;
    g.bench_function("core/add_cpu_and_memory_sample_x100", |b| {
        b.iter(|| {
            for _ in 0..BATCH {
                i += 1;
                let t = Timestamp::from_millis(VPA_START_MS + i * 60_000);
                let _ = r.add_cpu_sample(t, "app", black_box(cpu(i)));
                let _ = r.add_memory_sample(t, "app", black_box(mem(i)));
            }
        })
    });
    assert_eq!(r.aggregate("app").unwrap().total_samples_count, i as u64);

    let mut v: *mut ts_vpa_recommender = std::ptr::null_mut();
    let rc = unsafe {
        ts_vpa_recommender_new(VPA.as_ptr().cast(), VPA.len(), std::ptr::null(), 0, &mut v)
    };
    assert_eq!(rc, ts_result::Ok);
    let mut batch = vec![ts_vpa_sample_default(); BATCH];
    let mut i = 0i64;
    g.bench_function("ts_vpa_add_samples/batch_of_100", |b| {
        b.iter(|| {
            for s in &mut batch {
                i += 1;
                *s = ts_vpa_sample {
                    container: c"app".as_ptr(),
                    container_len: 3,
                    timestamp_ms: VPA_START_MS + i * 60_000,
                    cpu_cores: cpu(i),
                    memory_bytes: mem(i),
                };
            }
            let r = unsafe { ts_vpa_add_samples(v, black_box(batch.as_ptr()), batch.len()) };
            black_box(r)
        })
    });
    let mut t = ts_vpa_resources::default();
    let rc = unsafe {
        ts_vpa_container_recommendation(
            v,
            VPA_START_MS + i * 60_000,
            c"app".as_ptr(),
            3,
            &mut t,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        )
    };
    if i > 0 {
        // (skipped when a filter left the batch benchmark out)
        assert_eq!(rc, ts_result::Ok, "every batch was accepted");
        assert!(t.has_cpu);
    }
    unsafe { ts_vpa_recommender_free(v) };
    g.finish();
}

/// As core/benches/prom.rs: 1,000 samples 15 s apart, a reset every 300; each sync appends one
/// sample and asks for the rate over the whole window.
fn prom_streaming(c: &mut Criterion) {
    let value = |i: i64| (7 * (i % 300)) as f64;
    let range_ms = 15_000 * 1000;
    let mut w = CounterWindow::new(1024, range_ms, WindowMode::LeftOpen).unwrap();
    let mut h: *mut ts_prom_counter_window = std::ptr::null_mut();
    let rc = unsafe { ts_prom_counter_window_new(1024, range_ms, 0, &mut h) };
    assert_eq!(rc, ts_result::Ok);
    for i in 0..1000 {
        w.push(Timestamp::from_secs(15 * i), value(i)).unwrap();
        assert_eq!(
            unsafe { ts_prom_counter_window_push(h, 15_000 * i, value(i)) },
            ts_result::Ok
        );
    }
    let mut i = 1000i64;
    c.bench_function("ffi_prom/core/streaming_push_and_rate", |b| {
        b.iter(|| {
            let t = Timestamp::from_secs(15 * i);
            let _ = w.push(t, value(i));
            i += 1;
            black_box(w.rate(t))
        })
    });
    let mut i = 1000i64;
    let (mut out, mut has) = (0.0f64, false);
    c.bench_function("ffi_prom/ts_prom_counter_window/push_and_rate", |b| {
        b.iter(|| {
            let t = 15_000 * i;
            let _ = unsafe { ts_prom_counter_window_push(h, t, value(i)) };
            i += 1;
            let r = unsafe { ts_prom_counter_window_rate(h, t, &mut out, &mut has) };
            black_box((r, out))
        })
    });
    assert!(has, "the rate had a value");
    unsafe { ts_prom_counter_window_free(h) };
}

criterion_group!(benches, core_step, c_abi_step, vpa_samples, prom_streaming);
criterion_main!(benches);
