//! The estimator chain (`recommender/logic/estimator.go`, `recommender.go`): percentile,
//! safety margin, confidence multiplier, minimum, controlled-resources filter.

use super::container_state::{AggregateContainerState, DAY_MS, UsagePercentile};
use super::gomath::{duration_minutes, go_pow, ms_to_ns};
use super::resources::{
    ResourceName, Resources, cpu_amount_from_cores, memory_amount_from_bytes, scale_resource,
};
use crate::time::Timestamp;

/// Estimator settings (recommender flags with upstream defaults).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EstimatorConfig {
    /// `--target-cpu-percentile` (0.9).
    pub target_cpu_percentile: f64,
    /// `--recommendation-lower-bound-cpu-percentile` (0.5).
    pub lower_bound_cpu_percentile: f64,
    /// `--recommendation-upper-bound-cpu-percentile` (0.95).
    pub upper_bound_cpu_percentile: f64,
    /// `--target-memory-percentile` (0.9).
    pub target_memory_percentile: f64,
    /// `--recommendation-lower-bound-memory-percentile` (0.5).
    pub lower_bound_memory_percentile: f64,
    /// `--recommendation-upper-bound-memory-percentile` (0.95).
    pub upper_bound_memory_percentile: f64,
    /// `--recommendation-margin-fraction` (0.15).
    pub safety_margin_fraction: f64,
    /// `--pod-recommendation-min-cpu-millicores` (25).
    pub pod_min_cpu_millicores: f64,
    /// `--pod-recommendation-min-memory-mb` (250, MiB).
    pub pod_min_memory_mb: f64,
    /// `--confidence-interval-cpu` (24 h), ms.
    pub confidence_interval_cpu_ms: i64,
    /// `--confidence-interval-memory` (24 h), ms.
    pub confidence_interval_memory_ms: i64,
}

impl Default for EstimatorConfig {
    fn default() -> Self {
        Self {
            target_cpu_percentile: 0.9,
            lower_bound_cpu_percentile: 0.5,
            upper_bound_cpu_percentile: 0.95,
            target_memory_percentile: 0.9,
            lower_bound_memory_percentile: 0.5,
            upper_bound_memory_percentile: 0.95,
            safety_margin_fraction: 0.15,
            pod_min_cpu_millicores: 25.0,
            pod_min_memory_mb: 250.0,
            confidence_interval_cpu_ms: DAY_MS,
            confidence_interval_memory_ms: DAY_MS,
        }
    }
}

/// Target, lower and upper bound of one container (amounts; absent = not controlled).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Estimate {
    /// The recommended request.
    pub target: Resources,
    /// Lower bound.
    pub lower_bound: Resources,
    /// Upper bound.
    pub upper_bound: Resources,
}

/// Percentile estimator: CPU millicores and memory bytes, truncated.
pub fn percentile_estimate<H: UsagePercentile>(
    s: &AggregateContainerState<H>,
    cpu_p: f64,
    mem_p: f64,
) -> Resources {
    Resources::new(
        cpu_amount_from_cores(s.cpu.percentile(cpu_p)),
        memory_amount_from_bytes(s.memory.percentile(mem_p)),
    )
}

/// Margin estimator: x + truncate(x × fraction), per resource.
pub fn with_margin(r: Resources, fraction: f64) -> Resources {
    let f = |x: i64| x.saturating_add(scale_resource(x, fraction));
    Resources {
        cpu: r.cpu.map(f),
        memory: r.memory.map(f),
    }
}

/// `getConfidence`: min(lifespan / interval, samples / minutes(interval)); CPU counters
/// only. No samples (zero times) → 0.
///
/// ```
/// use tidescale::{Timestamp, vpa::{estimator::confidence, AggregateContainerState, AggregationConfig}};
/// let mut s = AggregateContainerState::new(&AggregationConfig::default(), Timestamp(0)).unwrap();
/// s.first_sample_start = Some(Timestamp::from_secs(0));
/// s.last_sample_start = Some(Timestamp::from_secs(960));
/// s.total_samples_count = 9;
/// assert_eq!(confidence(&s, 86_400_000), 0.00625);
/// ```
pub fn confidence<H>(s: &AggregateContainerState<H>, interval_ms: i64) -> f64 {
    // Go: float64(Last.Sub(First)) / float64(interval), durations in nanoseconds; zero
    // times subtract to 0.
    let span_ms = match (s.first_sample_start, s.last_sample_start) {
        (Some(f), Some(l)) => l.0.saturating_sub(f.0),
        (None, Some(l)) => {
            l.0.saturating_sub(super::decaying_histogram::GO_ZERO_TIME_MS)
        }
        (Some(f), None) => super::decaying_histogram::GO_ZERO_TIME_MS.saturating_sub(f.0),
        (None, None) => 0,
    };
    let interval_ns = ms_to_ns(interval_ms);
    let lifespan = ms_to_ns(span_ms) as f64 / interval_ns as f64;
    let samples = s.total_samples_count as f64 / duration_minutes(interval_ns);
    lifespan.min(samples)
}

/// `(multiplier, exponent)` of the upper bound's confidence multiplier (recommender
/// `upperBoundEstimator`: `WithConfidenceMultiplier(1.0, 1.0, ...)`).
pub const UPPER_BOUND_CONFIDENCE: (f64, f64) = (1.0, 1.0);
/// `(multiplier, exponent)` of the lower bound's confidence multiplier (recommender
/// `lowerBoundEstimator`: `WithConfidenceMultiplier(0.001, -2.0, ...)`).
pub const LOWER_BOUND_CONFIDENCE: (f64, f64) = (0.001, -2.0);

/// Confidence multiplier: each amount × (1 + multiplier/confidence)^exponent (Go `math.Pow`).
pub fn confidence_multiplier(
    r: Resources,
    multiplier: f64,
    exponent: f64,
    cpu_confidence: f64,
    memory_confidence: f64,
) -> Resources {
    let factor = |c: f64| go_pow(1.0 + multiplier / c, exponent);
    let cpu_factor = factor(cpu_confidence);
    // Usually both confidences are the same number: the same factor, computed once.
    let memory_factor = if memory_confidence.to_bits() == cpu_confidence.to_bits() {
        cpu_factor
    } else {
        factor(memory_confidence)
    };
    Resources {
        cpu: r.cpu.map(|x| scale_resource(x, cpu_factor)),
        memory: r.memory.map(|x| scale_resource(x, memory_factor)),
    }
}

/// Minimum estimator: max(x, min) per resource present in `r`.
pub fn with_min(r: Resources, min: Resources) -> Resources {
    Resources {
        cpu: r.cpu.map(|x| x.max(min.cpu.unwrap_or(0))),
        memory: r.memory.map(|x| x.max(min.memory.unwrap_or(0))),
    }
}

/// The per-container minimum for a VPA with `n` (non-`Off`) containers: the pod minimum
/// times 1/n, truncated.
///
/// ```
/// let m = tidescale::vpa::estimator::per_container_minimum(3, 25.0, 250.0);
/// assert_eq!((m.cpu, m.memory), (Some(8), Some(87_381_333)));
/// ```
pub fn per_container_minimum(
    n: usize,
    pod_min_cpu_millicores: f64,
    pod_min_memory_mb: f64,
) -> Resources {
    let fraction = 1.0 / n.max(1) as f64;
    Resources::new(
        scale_resource(
            cpu_amount_from_cores(pod_min_cpu_millicores * 0.001),
            fraction,
        ),
        scale_resource(
            memory_amount_from_bytes(pod_min_memory_mb * 1024.0 * 1024.0),
            fraction,
        ),
    )
}

/// The full chain for one container of a VPA with `n_containers` recommended containers,
/// filtered to the container's controlled resources.
pub fn estimate_container(
    s: &AggregateContainerState,
    cfg: &EstimatorConfig,
    n_containers: usize,
) -> Estimate {
    let min = per_container_minimum(
        n_containers,
        cfg.pod_min_cpu_millicores,
        cfg.pod_min_memory_mb,
    );
    let m = cfg.safety_margin_fraction;
    // The six percentiles in two passes (one per histogram) instead of six.
    let [cpu_target, cpu_lower, cpu_upper] = s.cpu.percentiles3([
        cfg.target_cpu_percentile,
        cfg.lower_bound_cpu_percentile,
        cfg.upper_bound_cpu_percentile,
    ]);
    let [mem_target, mem_lower, mem_upper] = s.memory.percentiles3([
        cfg.target_memory_percentile,
        cfg.lower_bound_memory_percentile,
        cfg.upper_bound_memory_percentile,
    ]);
    let amounts = |cores: f64, bytes: f64| {
        with_margin(
            Resources::new(
                cpu_amount_from_cores(cores),
                memory_amount_from_bytes(bytes),
            ),
            m,
        )
    };
    let target = amounts(cpu_target, mem_target);
    let lower = amounts(cpu_lower, mem_lower);
    let upper = amounts(cpu_upper, mem_upper);
    let c_cpu = confidence(s, cfg.confidence_interval_cpu_ms);
    // The same interval gives the same confidence (the default: 24 h for both).
    let c_mem = if cfg.confidence_interval_memory_ms == cfg.confidence_interval_cpu_ms {
        c_cpu
    } else {
        confidence(s, cfg.confidence_interval_memory_ms)
    };
    let upper = confidence_multiplier(
        upper,
        UPPER_BOUND_CONFIDENCE.0,
        UPPER_BOUND_CONFIDENCE.1,
        c_cpu,
        c_mem,
    );
    let lower = confidence_multiplier(
        lower,
        LOWER_BOUND_CONFIDENCE.0,
        LOWER_BOUND_CONFIDENCE.1,
        c_cpu,
        c_mem,
    );
    // The controlled resources in policy order, on the stack (`controlled()` allocates).
    let mut list = [ResourceName::Cpu; 2];
    let mut n = 0;
    for r in s.controlled_resources.iter().flatten() {
        if let Some(slot) = list.get_mut(n) {
            *slot = *r;
            n += 1;
        }
    }
    let controlled = list.get(..n).unwrap_or_default();
    Estimate {
        target: with_min(target, min).filter(controlled),
        lower_bound: with_min(lower, min).filter(controlled),
        upper_bound: with_min(upper, min).filter(controlled),
    }
}

/// A `now`-independent helper: whether a state has any CPU history.
pub fn has_history<H>(s: &AggregateContainerState<H>) -> bool {
    s.total_samples_count > 0
        && s.first_sample_start
            .is_some_and(|f| s.last_sample_start > Some(Timestamp(f.0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vpa::{AggregationConfig, ContainerState};

    /// §13 of the spec: 1440 samples of 250m / 500 MiB, one per minute.
    #[test]
    fn worked_example() {
        let cfg = AggregationConfig::default();
        let start = 1_700_006_400; // 2023-11-15T00:00:00Z
        let mut s = AggregateContainerState::new(&cfg, Timestamp::from_secs(start)).unwrap();
        let mut c = ContainerState::new();
        for i in 0..1440 {
            let t = Timestamp::from_secs(start + i * 60);
            c.add_cpu_sample(&mut s, t, 250).unwrap();
            c.add_memory_sample(&mut s, t, 500 * 1024 * 1024).unwrap();
        }
        let e = estimate_container(&s, &EstimatorConfig::default(), 1);
        assert_eq!(e.target, Resources::new(296, 628_694_953));
        assert_eq!(e.lower_bound, Resources::new(295, 627_438_575));
        assert_eq!(e.upper_bound, Resources::new(592, 1_257_826_803));
        assert!(has_history(&s));
    }

    #[test]
    fn no_history_bounds() {
        let s = AggregateContainerState::new(&AggregationConfig::default(), Timestamp(0)).unwrap();
        let e = estimate_container(&s, &EstimatorConfig::default(), 1);
        assert_eq!(e.target, Resources::new(25, 262_144_000));
        assert_eq!(e.upper_bound, Resources::new(25, 262_144_000));
        let r = confidence_multiplier(Resources::new(3140, 1), 1.0, 1.0, 0.0, 0.0);
        assert_eq!(r.cpu, Some(crate::vpa::MAX_RESOURCE_AMOUNT));
    }
}
