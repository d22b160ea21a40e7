//! VPA hot paths: one CPU sample into a container's state, one container's recommendation.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use tidescale::Timestamp;
use tidescale::vpa::estimator::{EstimatorConfig, estimate_container};
use tidescale::vpa::{AggregateContainerState, AggregationConfig, ContainerState};

fn filled() -> (AggregateContainerState, ContainerState, i64) {
    let cfg = AggregationConfig::default();
    let start = 1_700_006_400;
    let mut a = AggregateContainerState::new(&cfg, Timestamp::from_secs(start)).unwrap();
    let mut c = ContainerState::new();
    let mut t = start;
    for i in 0..10_080 {
        t = start + i * 60;
        let ts = Timestamp::from_secs(t);
        c.add_cpu_sample(&mut a, ts, 200 + (i * 37) % 400).unwrap();
        c.add_memory_sample(&mut a, ts, 400_000_000 + (i * 7919) % 200_000_000)
            .unwrap();
    }
    (a, c, t)
}

fn bench(c: &mut Criterion) {
    let (mut a, mut s, mut t) = filled();
    let mut i = 0i64;
    c.bench_function("vpa/add_cpu_sample", |b| {
        b.iter(|| {
            t += 60;
            i += 1;
            let _ = s.add_cpu_sample(&mut a, Timestamp::from_secs(t), black_box(200 + (i & 255)));
        })
    });
    // Four pods of one Deployment scraped together: samples share their timestamp, so three
    // of four reuse the cached decay factor. One iteration = the four samples of one scrape.
    let (mut a, s0, mut t) = filled();
    let mut pods = [s0; 4];
    c.bench_function("vpa/add_cpu_sample_4_pods_same_time", |b| {
        b.iter(|| {
            t += 60;
            i += 1;
            for (k, p) in pods.iter_mut().enumerate() {
                let m = black_box(200 + ((i + k as i64 * 61) & 255));
                let _ = p.add_cpu_sample(&mut a, Timestamp::from_secs(t), m);
            }
        })
    });
    // The decaying histogram alone (upstream's `DecayingHistogram.AddSample`): value in cores,
    // weight 0.1, through the public (checked) entry point.
    let (mut a, _, mut t) = filled();
    c.bench_function("vpa/decaying_add_sample", |b| {
        b.iter(|| {
            t += 60;
            i += 1;
            let v = black_box(200 + (i & 255)) as f64 / 1000.0;
            let _ = a.cpu.add_sample(v, 0.1, Timestamp::from_secs(t));
        })
    });
    let (a, _, _) = filled();
    // One percentile of the CPU histogram (upstream's `Percentile(0.9)`).
    c.bench_function("vpa/percentile", |b| {
        b.iter(|| black_box(&a).cpu.percentile(black_box(0.9)))
    });
    let cfg = EstimatorConfig::default();
    c.bench_function("vpa/recommend_one_container", |b| {
        b.iter(|| estimate_container(black_box(&a), &cfg, 1))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
