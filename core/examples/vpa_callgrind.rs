//! The VPA hot paths in a loop, for instruction counts (load-independent, unlike wall-clock):
//!
//! ```sh
//! cargo build --release -p tidescale --example vpa_callgrind
//! valgrind --tool=callgrind --toggle-collect='vpa_callgrind::run_*' \
//!     target/release/examples/vpa_callgrind sample 100000
//! ```
//!
//! The state is `core/benches/vpa.rs`'s (a week of 1-minute samples). The first argument picks
//! the loop (`sample`, `sample4`, `percentile`, `recommend`; `print` prints the state's
//! percentiles as bits and its recommendation instead), the second its iteration count;
//! the instructions counted inside `run_*` divided by the count are the cost of one iteration.

use std::hint::black_box;

use tidescale::Timestamp;
use tidescale::vpa::estimator::{EstimatorConfig, estimate_container};
use tidescale::vpa::{AggregateContainerState, AggregationConfig, ContainerState};

fn filled() -> (AggregateContainerState, ContainerState, i64) {
    let cfg = AggregationConfig::default();
    let start = 1_700_006_400;
    let Ok(mut a) = AggregateContainerState::new(&cfg, Timestamp::from_secs(start)) else {
        std::process::exit(2);
    };
    let mut c = ContainerState::new();
    let mut t = start;
    for i in 0..10_080 {
        t = start + i * 60;
        let ts = Timestamp::from_secs(t);
        let _ = c.add_cpu_sample(&mut a, ts, 200 + (i * 37) % 400);
        let _ = c.add_memory_sample(&mut a, ts, 400_000_000 + (i * 7919) % 200_000_000);
    }
    (a, c, t)
}

#[inline(never)]
fn run_sample(a: &mut AggregateContainerState, s: &mut ContainerState, mut t: i64, n: i64) {
    for i in 1..=n {
        t += 60;
        let _ = s.add_cpu_sample(a, Timestamp::from_secs(t), black_box(200 + (i & 255)));
    }
}

#[inline(never)]
fn run_sample4(
    a: &mut AggregateContainerState,
    pods: &mut [ContainerState; 4],
    mut t: i64,
    n: i64,
) {
    for i in 1..=n {
        t += 60;
        for (k, p) in pods.iter_mut().enumerate() {
            let m = black_box(200 + ((i + k as i64 * 61) & 255));
            let _ = p.add_cpu_sample(a, Timestamp::from_secs(t), m);
        }
    }
}

#[inline(never)]
fn run_percentile(a: &AggregateContainerState, n: i64) -> f64 {
    let mut x = 0.0;
    for _ in 0..n {
        x += black_box(a).cpu.percentile(black_box(0.9));
    }
    x
}

#[inline(never)]
fn run_recommend(a: &AggregateContainerState, n: i64) -> i64 {
    let cfg = EstimatorConfig::default();
    let mut x = 0;
    for _ in 0..n {
        x += estimate_container(black_box(a), &cfg, 1)
            .target
            .cpu
            .unwrap_or(0);
    }
    x
}

fn main() {
    let mut args = std::env::args().skip(1);
    let what = args.next().unwrap_or_default();
    let n: i64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let (mut a, mut s, t) = filled();
    match what.as_str() {
        "sample" => run_sample(&mut a, &mut s, t, n),
        "sample4" => run_sample4(&mut a, &mut [s; 4], t, n),
        "percentile" => println!("{}", run_percentile(&a, n)),
        "recommend" => println!("{}", run_recommend(&a, n)),
        // The state's percentiles and recommendation, to compare with another implementation.
        "print" => {
            let e = estimate_container(&a, &EstimatorConfig::default(), 1);
            for p in [0.5, 0.9, 0.95] {
                println!("cpu p{p} {:?}", a.cpu.percentile(p).to_bits());
                println!("memory p{p} {:?}", a.memory.percentile(p).to_bits());
            }
            println!("{e:?}");
        }
        _ => {
            eprintln!("usage: vpa_callgrind sample|sample4|percentile|recommend|print [N]");
            std::process::exit(2);
        }
    }
}
