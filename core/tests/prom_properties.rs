//! Property tests of the Prometheus math (`tidescale::prom`).

use proptest::prelude::*;
use tidescale::Timestamp;
use tidescale::prom::{
    Bucket, CounterWindow, Grouping, RangeWindow, Sample, WindowMode, avg, delta,
    histogram_quantile, histogram_quantile_vector, idelta, increase, irate, rate, sum,
};

/// A counter: random scrape gaps, increments, and occasional resets (to a value below the
/// previous one). Integer-valued or float-valued.
fn counter() -> impl Strategy<Value = Vec<Sample>> {
    (
        any::<bool>(),
        0u32..1_000_000,
        prop::collection::vec(
            (1i64..30_000, 0u32..5_000, prop::bool::weighted(0.15)),
            2..120,
        ),
    )
        .prop_map(|(float, start, steps)| {
            let scale = if float { 0.37 } else { 1.0 };
            let mut t = 0i64;
            let mut v = f64::from(start) * scale;
            let mut out = vec![(Timestamp(t), v)];
            for (dt, inc, reset) in steps {
                t += dt;
                v = if reset {
                    f64::from(inc % 50) * scale
                } else {
                    v + f64::from(inc) * scale
                };
                out.push((Timestamp(t), v));
            }
            out
        })
}

fn mode() -> impl Strategy<Value = WindowMode> {
    prop_oneof![Just(WindowMode::LeftOpen), Just(WindowMode::LeftClosed)]
}

fn bits(x: Option<f64>) -> Option<u64> {
    x.map(f64::to_bits)
}

proptest! {
    #[test]
    fn increase_of_a_counter_is_never_negative(
        s in counter(), range in 1i64..600_000, at in 0i64..4_000_000, m in mode()
    ) {
        let w = RangeWindow::new(Timestamp(at), range).unwrap().with_mode(m);
        if let Some(x) = increase(&s, &w).unwrap() {
            prop_assert!(x >= 0.0, "increase {x}");
        }
    }

    #[test]
    fn rate_is_increase_over_the_range_in_seconds(
        s in counter(), range in 1i64..600_000, at in 0i64..4_000_000, m in mode()
    ) {
        let w = RangeWindow::new(Timestamp(at), range).unwrap().with_mode(m);
        let (r, i) = (rate(&s, &w).unwrap(), increase(&s, &w).unwrap());
        prop_assert_eq!(r.is_some(), i.is_some());
        if let (Some(r), Some(i)) = (r, i) {
            let want = i / (range as f64 / 1000.0);
            prop_assert!((r - want).abs() <= 1e-12 * want.abs().max(1e-300), "{r} vs {want}");
        }
    }

    #[test]
    fn streaming_equals_from_scratch(
        s in counter(),
        capacity in 2usize..64,
        range in 1i64..200_000,
        m in mode(),
        jitters in prop::collection::vec(-40_000i64..40_000, 1..8),
    ) {
        let mut w = CounterWindow::new(capacity, range, m).unwrap();
        let mut kept: Vec<Sample> = Vec::new();
        for (k, &(t, v)) in s.iter().enumerate() {
            w.push(t, v).unwrap();
            kept.push((t, v));
            if kept.len() > capacity {
                kept.remove(0);
            }
            // Several syncs per append, mostly forward in time, sometimes backwards.
            for j in 0..(1 + k % 3) {
                let jitter = jitters[(k + j) % jitters.len()];
                let now = Timestamp(t.0 + jitter);
                let win = RangeWindow::new(now, range).unwrap().with_mode(m);
                prop_assert_eq!(bits(w.rate(now)), bits(rate(&kept, &win).unwrap()), "rate at {}", now.0);
                prop_assert_eq!(bits(w.increase(now)), bits(increase(&kept, &win).unwrap()));
                prop_assert_eq!(bits(w.irate(now)), bits(irate(&kept, &win).unwrap()));
            }
        }
    }

    #[test]
    fn histogram_quantile_is_monotone_in_q(
        bounds in prop::collection::vec(-100i32..1000, 1..25),
        counts in prop::collection::vec(0u32..1000, 25),
        q1 in 0.0f64..=1.0,
        q2 in 0.0f64..=1.0,
    ) {
        let mut b: Vec<Bucket> = bounds
            .iter()
            .zip(&counts)
            .map(|(&le, &c)| Bucket::new(f64::from(le) / 10.0, f64::from(c)))
            .collect();
        b.push(Bucket::new(f64::INFINITY, f64::from(counts[24])));
        let (lo, hi) = if q1 <= q2 { (q1, q2) } else { (q2, q1) };
        let at = |q| histogram_quantile(q, &b).unwrap().expect("non-empty buckets have a value");
        let (a, z) = (at(lo), at(hi));
        if !a.is_nan() && !z.is_nan() {
            prop_assert!(a <= z + 1e-9 * z.abs().max(1.0), "q {lo} → {a}, q {hi} → {z}");
        }
    }
}

proptest! {
    /// Empty input has no result in every function, as the server has no output sample then:
    /// `histogram_quantile` over no buckets for any `q` (NaN and out-of-range included), the
    /// range functions over no samples, and the aggregations over no series.
    #[test]
    fn empty_input_has_no_result(
        q in prop_oneof![any::<f64>(), Just(f64::NAN), Just(-1.0), Just(2.0)],
        eval_s in 0i64..100_000,
        range_s in 1i64..10_000,
        left_closed in any::<bool>(),
    ) {
        prop_assert_eq!(histogram_quantile(q, &[]), Ok(None));
        prop_assert!(histogram_quantile_vector(q, &[]).unwrap().is_empty());
        let mode = if left_closed { WindowMode::LeftClosed } else { WindowMode::LeftOpen };
        let w = RangeWindow::new(Timestamp::from_secs(eval_s), range_s * 1000)
            .unwrap()
            .with_mode(mode);
        for f in [rate, increase, irate, delta, idelta] {
            prop_assert_eq!(f(&[], &w), Ok(None));
        }
        for g in [Grouping::By(Vec::new()), Grouping::Without(vec!["pod".to_owned()])] {
            prop_assert!(sum(&[], &g).is_empty());
            prop_assert!(avg(&[], &g).is_empty());
        }
    }
}
