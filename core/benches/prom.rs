//! Benchmarks of the Prometheus math: `rate` from scratch over a 1,000-sample window, one
//! streaming sync (append + rate), and `histogram_quantile` over 20 buckets.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use tidescale::Timestamp;
use tidescale::prom::{
    Bucket, CounterWindow, RangeWindow, Sample, WindowMode, histogram_quantile, rate,
};

/// 1,000 samples 15 s apart with a reset every 300 samples.
fn counter(n: i64) -> Vec<Sample> {
    (0..n)
        .map(|i| (Timestamp::from_secs(15 * i), (7 * (i % 300)) as f64))
        .collect()
}

fn bench(c: &mut Criterion) {
    let samples = counter(1000);
    let window = RangeWindow::new(Timestamp::from_secs(15 * 999), 15_000 * 1000).unwrap();
    assert_eq!(window.select(&samples).unwrap().len(), 1000);
    c.bench_function("rate_1000_samples_from_scratch", |b| {
        b.iter(|| rate(black_box(&samples), black_box(&window)))
    });

    // Streaming: the window holds 1,000 samples; each sync appends one and asks for rate.
    let mut w = CounterWindow::new(1024, 15_000 * 1000, WindowMode::LeftOpen).unwrap();
    for &(t, v) in &samples {
        w.push(t, v).unwrap();
    }
    let mut i = 1000i64;
    c.bench_function("rate_streaming_sync_push_and_rate", |b| {
        b.iter(|| {
            let t = Timestamp::from_secs(15 * i);
            let _ = w.push(t, (7 * (i % 300)) as f64);
            i += 1;
            black_box(w.rate(t))
        })
    });
    c.bench_function("rate_streaming_sync_rate_only", |b| {
        let now = Timestamp::from_secs(15 * (i - 1));
        b.iter(|| black_box(w.rate(black_box(now))))
    });

    let buckets: Vec<Bucket> = (1..=19i32)
        .map(|k| Bucket::new(0.005 * 1.6f64.powi(k), f64::from(k * k * 10)))
        .chain(std::iter::once(Bucket::new(f64::INFINITY, 4000.0)))
        .collect();
    c.bench_function("histogram_quantile_20_buckets", |b| {
        b.iter(|| histogram_quantile(black_box(0.95), black_box(&buckets)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
