//! HPA speed: one replica calculation, one controller step with a warm history, and one
//! `Fleet` step of 10,000 HPAs from columns (the Python `hpa.Fleet.step` loop, without Python).
//!
//! `cargo bench -p tidescale --bench hpa`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use tidescale::Timestamp;
use tidescale::hpa::{
    Column, Controller, Fleet, FleetStep, History, HorizontalPodAutoscaler, MetricValues,
    Observation, Pod, PodMetric, ReadinessTimings, Recommendation, ReplicaCalculator, Scale,
    ScaleEvent, Settings, Tolerances, default_requests,
};

fn pods(n: usize) -> Vec<Pod> {
    (0..n)
        .map(|i| Pod::running(&format!("model-server-{i}"), 1000))
        .collect()
}

fn samples(n: usize, milli: i64, now: Timestamp) -> Vec<PodMetric> {
    (0..n)
        .map(|i| PodMetric::new(i, milli + (i as i64 % 7) * 10, now))
        .collect()
}

fn replica_calc(c: &mut Criterion) {
    let calc = ReplicaCalculator {
        tolerances: Tolerances::default(),
        timings: ReadinessTimings::default(),
        pod_level_resources: false,
        now: Timestamp(0),
    };
    let p = pods(10);
    let s = samples(10, 900, Timestamp(0));
    c.bench_function("hpa/replica_calc/10_pods_1_metric", |b| {
        b.iter(|| {
            calc.resource_replicas(10, black_box(60), "cpu", "", black_box(&p), black_box(&s))
                .map(|p| p.replicas)
        })
    });
}

fn controller(n_pods: usize) -> (Controller, Vec<Pod>) {
    let hpa: HorizontalPodAutoscaler = serde_json::from_value(serde_json::json!({"spec": {
        "minReplicas": 1, "maxReplicas": 100000,
        "metrics": [
            {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}}},
            {"type": "Pods", "pods": {"metric": {"name": "http_requests_per_second"}, "target": {"type": "AverageValue", "averageValue": "100"}}}],
        "behavior": {"scaleDown": {"stabilizationWindowSeconds": 300}}}}))
    .unwrap();
    let mut ctl = Controller::new(hpa, Settings::default()).unwrap();
    let now = Timestamp::from_secs(10_000);
    ctl.set_history(History {
        recommendations: Some(
            (0..20)
                .map(|i| Recommendation {
                    replicas: n_pods as i32,
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
    });
    (ctl, pods(n_pods))
}

fn step(c: &mut Criterion, n_pods: usize) {
    let (mut ctl, pods) = controller(n_pods);
    let mut now = Timestamp::from_secs(10_000);
    let cpu = samples(n_pods, 900, now);
    let rps = samples(n_pods, 120_000, now);
    let metrics = [MetricValues::Pods(&cpu), MetricValues::Pods(&rps)];
    let replicas = n_pods as i32;
    c.bench_function(
        &format!("hpa/controller_step/2_metrics_{n_pods}_pods_warm_history"),
        |b| {
            b.iter(|| {
                now = now.plus_secs(15);
                let d = ctl
                    .step(
                        now,
                        &Observation {
                            scale: Scale {
                                spec_replicas: replicas,
                                status_replicas: replicas,
                            },
                            pods: black_box(&pods),
                            metrics: black_box(&metrics),
                        },
                    )
                    .map(|d| d.desired_replicas);
                black_box(d)
            })
        },
    );
}

fn steps(c: &mut Criterion) {
    step(c, 10);
    step(c, 1000);
}

fn fleet(c: &mut Criterion) {
    let (ctl, _) = controller(4);
    const N: usize = 10_000;
    let mut fleet = Fleet::new(vec![ctl; N], &default_requests());
    let replicas: Vec<i64> = (0..N as i64).map(|i| 2 + i % 7).collect();
    let cpu: Vec<f64> = (0..N).map(|i| 40.0 + (i % 50) as f64).collect();
    let rps: Vec<f64> = (0..N).map(|i| 80.0 + (i % 40) as f64).collect();
    let mut out = FleetStep::default();
    let mut now = Timestamp::from_secs(10_000);
    let mut group = c.benchmark_group("hpa/fleet");
    group.throughput(Throughput::Elements(N as u64));
    group.bench_function("10000_hpas_cpu_and_pods_metric", |b| {
        b.iter(|| {
            now = now.plus_secs(15);
            let cols = [Some(Column::Each(&cpu[..])), Some(Column::Each(&rps[..]))];
            fleet
                .step_into(now, Column::Each(black_box(&replicas)), &cols, &mut out)
                .map(|()| out.desired.first().copied())
        })
    });
    group.finish();
}

criterion_group!(benches, replica_calc, steps, fleet);
criterion_main!(benches);
