//! Knative's Pod Autoscaler (KPA): the decider spec from the `config-autoscaler` ConfigMap and
//! the revision's annotations (`MakeDecider`), the two-window `Scale` decision with panic mode,
//! rate limits, activation scale, scale-down delay and excess burst capacity, and the
//! reconciler's bounds.
//!
//! ```
//! use tidescale::Timestamp;
//! use tidescale::serving::kpa::{Autoscaler, DeciderSpec, Observation, PodCount};
//! let spec = DeciderSpec { target_value: 10.0, max_scale_up_rate: 10.0,
//!     max_scale_down_rate: 10.0, panic_threshold: 2.0, ..DeciderSpec::default() };
//! let t0 = Timestamp::from_secs(1_700_000_000);
//! let mut kpa = Autoscaler::new(spec, t0, PodCount::Ready(1))?;
//! // 40 concurrent requests at a target of 10 per pod, 1 pod ready: rate-limited to 10.
//! let d = kpa.step(t0, &Observation { ready: PodCount::Ready(1), metrics: Some((40.0, 40.0)) });
//! assert_eq!(d.desired_pod_count, 4);
//! assert!(d.in_panic); // 4 pods wanted / 1 ready >= 200 %
//! println!("{d}");
//! # Ok::<(), tidescale::serving::ServingError>(())
//! ```

use std::collections::{BTreeMap, VecDeque};
use std::fmt;

use serde::{Deserialize, Serialize};

use super::{ServingError, finite, invalid, non_negative};
use crate::Timestamp;

/// `autoscaling.TargetMin`: the smallest per-pod target.
pub const TARGET_MIN: f64 = 0.01;
/// The scale-down delay window's bucket (Knative's tick interval), in ms.
const DELAY_BUCKET_MS: i64 = 2000;

/// The metric the KPA scales on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ScalingMetric {
    /// In-flight requests per pod (the default; `""` in a spec means this).
    #[default]
    Concurrency,
    /// Requests per second per pod.
    Rps,
}

/// Knative's `DeciderSpec`: what `Scale` reads (durations in ms).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DeciderSpec {
    /// The metric.
    pub scaling_metric: ScalingMetric,
    /// Per-pod target (after utilization).
    pub target_value: f64,
    /// Per-pod total capacity (for burst capacity).
    pub total_value: f64,
    /// Target burst capacity: 0 none, negative unlimited.
    pub target_burst_capacity: f64,
    /// Activator capacity (informative here).
    pub activator_capacity: f64,
    /// Panic threshold as a fraction (2.0 = 200 %).
    pub panic_threshold: f64,
    /// Max scale-up rate (multiplier of ready pods).
    pub max_scale_up_rate: f64,
    /// Max scale-down rate (divisor of ready pods).
    pub max_scale_down_rate: f64,
    /// Stable window, ms.
    pub stable_window_ms: i64,
    /// Scale-down delay, ms (0: none).
    pub scale_down_delay_ms: i64,
    /// Initial scale.
    pub initial_scale: i32,
    /// Whether the revision is reachable (scale-down limits and delay apply only then).
    pub reachable: bool,
    /// Minimum non-zero scale.
    pub activation_scale: i32,
}

impl Default for DeciderSpec {
    fn default() -> Self {
        Self {
            scaling_metric: ScalingMetric::Concurrency,
            target_value: 100.0 * 0.7,
            total_value: 100.0,
            target_burst_capacity: 211.0,
            activator_capacity: 100.0,
            panic_threshold: 2.0,
            max_scale_up_rate: 1000.0,
            max_scale_down_rate: 2.0,
            stable_window_ms: 60_000,
            scale_down_delay_ms: 0,
            initial_scale: 1,
            reachable: true,
            activation_scale: 0,
        }
    }
}

impl DeciderSpec {
    /// Rejects what `Scale` cannot use: non-finite numbers, a target <= 0, rates <= 0.
    pub fn validate(&self) -> Result<(), ServingError> {
        finite("targetBurstCapacity", self.target_burst_capacity)?;
        non_negative("totalValue", self.total_value)?;
        non_negative("panicThreshold", self.panic_threshold)?;
        for (f, v) in [
            ("targetValue", self.target_value),
            ("maxScaleUpRate", self.max_scale_up_rate),
            ("maxScaleDownRate", self.max_scale_down_rate),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(invalid(f, format!("{v} is not a finite number > 0")));
            }
        }
        if self.stable_window_ms < 0 {
            return Err(invalid("stableWindowMs", "negative"));
        }
        if self.scale_down_delay_ms < 0 {
            return Err(invalid("scaleDownDelayMs", "negative"));
        }
        Ok(())
    }
}

/// The `config-autoscaler` ConfigMap (`autoscalerconfig.Config`), durations in ms, with
/// Knative's `defaultConfig()` values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Config {
    /// `enable-scale-to-zero` (true).
    pub enable_scale_to_zero: bool,
    /// `container-concurrency-target-percentage`, as a fraction (0.7).
    pub container_concurrency_target_fraction: f64,
    /// `container-concurrency-target-default` (100).
    pub container_concurrency_target_default: f64,
    /// `target-utilization` for RPS (0.7).
    pub target_utilization: f64,
    /// `requests-per-second-target-default` (200).
    pub rps_target_default: f64,
    /// `target-burst-capacity` (211).
    pub target_burst_capacity: f64,
    /// `activator-capacity` (100).
    pub activator_capacity: f64,
    /// `allow-zero-initial-scale` (false).
    pub allow_zero_initial_scale: bool,
    /// `initial-scale` (1).
    pub initial_scale: i32,
    /// `min-scale` (0).
    pub min_scale: i32,
    /// `max-scale` (0: unbounded).
    pub max_scale: i32,
    /// `max-scale-limit` (0).
    pub max_scale_limit: i32,
    /// `max-scale-up-rate` (1000).
    pub max_scale_up_rate: f64,
    /// `max-scale-down-rate` (2).
    pub max_scale_down_rate: f64,
    /// `stable-window` (60 s).
    pub stable_window_ms: i64,
    /// `panic-window-percentage` (10).
    pub panic_window_percentage: f64,
    /// `panic-threshold-percentage` (200).
    pub panic_threshold_percentage: f64,
    /// `scale-to-zero-grace-period` (30 s).
    pub scale_to_zero_grace_period_ms: i64,
    /// `scale-to-zero-pod-retention-period` (0).
    pub scale_to_zero_pod_retention_period_ms: i64,
    /// `scale-down-delay` (0).
    pub scale_down_delay_ms: i64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            enable_scale_to_zero: true,
            container_concurrency_target_fraction: 0.7,
            container_concurrency_target_default: 100.0,
            target_utilization: 0.7,
            rps_target_default: 200.0,
            target_burst_capacity: 211.0,
            activator_capacity: 100.0,
            allow_zero_initial_scale: false,
            initial_scale: 1,
            min_scale: 0,
            max_scale: 0,
            max_scale_limit: 0,
            max_scale_up_rate: 1000.0,
            max_scale_down_rate: 2.0,
            stable_window_ms: 60_000,
            panic_window_percentage: 10.0,
            panic_threshold_percentage: 200.0,
            scale_to_zero_grace_period_ms: 30_000,
            scale_to_zero_pod_retention_period_ms: 0,
            scale_down_delay_ms: 0,
        }
    }
}

/// A PodAutoscaler's reachability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Reachability {
    /// Unknown (`""`): treated as reachable.
    #[default]
    #[serde(rename = "")]
    Unknown,
    /// `Reachable`.
    Reachable,
    /// `Unreachable`: no min scale, no scale-down limits.
    Unreachable,
}

/// The parts of a PodAutoscaler the KPA reads.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PodAutoscaler {
    /// `metadata.annotations` (full keys, string values).
    pub annotations: BTreeMap<String, String>,
    /// `spec.containerConcurrency` (0: unlimited).
    pub container_concurrency: i64,
    /// `spec.reachability`.
    pub reachability: Reachability,
}

const PREFIX: &str = "autoscaling.knative.dev/";

impl PodAutoscaler {
    /// The first present annotation among `keys` (kebab-case first, legacy camelCase after).
    fn ann(&self, keys: &[&str]) -> Option<(String, &str)> {
        keys.iter().find_map(|k| {
            let key = format!("{PREFIX}{k}");
            self.annotations.get(&key).map(|v| (key, v.as_str()))
        })
    }

    fn ann_f64(&self, keys: &[&str]) -> Result<Option<f64>, ServingError> {
        match self.ann(keys) {
            None => Ok(None),
            Some((k, v)) => match v.trim().parse::<f64>() {
                Ok(x) if x.is_finite() => Ok(Some(x)),
                _ => Err(invalid(&k, format!("{v:?} is not a number"))),
            },
        }
    }

    fn ann_i32(&self, keys: &[&str]) -> Result<Option<i32>, ServingError> {
        match self.ann(keys) {
            None => Ok(None),
            Some((k, v)) => v
                .trim()
                .parse::<i32>()
                .map(Some)
                .map_err(|_| invalid(&k, format!("{v:?} is not an int32"))),
        }
    }

    fn ann_duration_ms(&self, keys: &[&str]) -> Result<Option<i64>, ServingError> {
        match self.ann(keys) {
            None => Ok(None),
            Some((k, v)) => crate::time::parse_duration_ms(v)
                .map(Some)
                .ok_or_else(|| invalid(&k, format!("{v:?} is not a duration"))),
        }
    }

    /// `autoscaling.knative.dev/metric` (default concurrency).
    pub fn metric(&self) -> Result<ScalingMetric, ServingError> {
        match self.ann(&["metric"]) {
            None => Ok(ScalingMetric::Concurrency),
            Some((_, "concurrency")) => Ok(ScalingMetric::Concurrency),
            Some((_, "rps")) => Ok(ScalingMetric::Rps),
            Some((k, v)) => Err(invalid(&k, format!("{v:?} is not a KPA metric"))),
        }
    }

    fn reachable(&self) -> bool {
        self.reachability != Reachability::Unreachable
    }
}

/// Everything `MakeDecider`/`MakeMetric`/`ScaleBounds` resolve from config and annotations.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Resolved {
    /// The decider spec.
    pub spec: DeciderSpec,
    /// The metric's stable window, ms.
    pub stable_window_ms: i64,
    /// The metric's panic window, ms (rounded to 1 s, at least 1 s).
    pub panic_window_ms: i64,
    /// `minScale` bound.
    pub min_scale: i32,
    /// `maxScale` bound (0: unbounded).
    pub max_scale: i32,
}

/// `GetInitialScale`: the annotation, unless absent or 0 without `allowZeroInitialScale`.
pub fn initial_scale(config: &Config, pa: &PodAutoscaler) -> Result<i32, ServingError> {
    Ok(match pa.ann_i32(&["initial-scale", "initialScale"])? {
        Some(v) if v != 0 || config.allow_zero_initial_scale => v,
        _ => config.initial_scale,
    })
}

/// Knative's `MakeDecider`, `MakeMetric` windows and `ScaleBounds`.
pub fn resolve(config: &Config, pa: &PodAutoscaler) -> Result<Resolved, ServingError> {
    let metric = pa.metric()?;
    let cc = pa.container_concurrency as f64;
    // ResolveMetricTarget.
    let (mut total, mut tu) = match metric {
        ScalingMetric::Rps => (config.rps_target_default, config.target_utilization),
        ScalingMetric::Concurrency => (
            if pa.container_concurrency != 0 {
                cc
            } else {
                config.container_concurrency_target_default
            },
            config.container_concurrency_target_fraction,
        ),
    };
    if let Some(t) = pa.ann_f64(&["target"])? {
        total = if metric == ScalingMetric::Concurrency && pa.container_concurrency != 0 {
            t.min(cc)
        } else {
            t
        };
    }
    if let Some(p) = pa.ann_f64(&[
        "target-utilization-percentage",
        "targetUtilizationPercentage",
    ])? {
        tu = p / 100.0;
    }
    let target = TARGET_MIN.max(total * tu);
    let panic_pct = pa
        .ann_f64(&["panic-threshold-percentage", "panicThresholdPercentage"])?
        .unwrap_or(config.panic_threshold_percentage);
    let tbc = pa
        .ann_f64(&["target-burst-capacity", "targetBurstCapacity"])?
        .unwrap_or(config.target_burst_capacity);
    let delay = pa
        .ann_duration_ms(&["scale-down-delay", "scaleDownDelay"])?
        .unwrap_or(config.scale_down_delay_ms);
    let stable = pa
        .ann_duration_ms(&["window"])?
        .unwrap_or(config.stable_window_ms);
    let pw_pct = pa
        .ann_f64(&["panic-window-percentage", "panicWindowPercentage"])?
        .unwrap_or(config.panic_window_percentage);
    let spec = DeciderSpec {
        scaling_metric: metric,
        target_value: target,
        total_value: total,
        target_burst_capacity: tbc,
        activator_capacity: config.activator_capacity,
        panic_threshold: panic_pct / 100.0,
        max_scale_up_rate: config.max_scale_up_rate,
        max_scale_down_rate: config.max_scale_down_rate,
        stable_window_ms: stable,
        scale_down_delay_ms: delay,
        initial_scale: initial_scale(config, pa)?,
        reachable: pa.reachable(),
        activation_scale: pa
            .ann_i32(&["activation-scale", "activationScale"])?
            .unwrap_or(0),
    };
    spec.validate()?;
    // time.Duration(float64(stable) * pct / 100) truncates to ns, then Round(1s) half away
    // from zero, at least one bucket (1 s).
    let pw_ns = (stable as f64 * 1e6 * pw_pct / 100.0).trunc() as i64;
    let rounded_s = (pw_ns
        + if pw_ns >= 0 {
            500_000_000
        } else {
            -500_000_000
        })
        / 1_000_000_000;
    let panic_window_ms = (rounded_s * 1000).max(1000);
    let min_scale = if pa.reachable() {
        pa.ann_i32(&["min-scale", "minScale"])?
            .unwrap_or(config.min_scale)
    } else {
        0
    };
    let max_scale = pa
        .ann_i32(&["max-scale", "maxScale"])?
        .unwrap_or(config.max_scale);
    Ok(Resolved {
        spec,
        stable_window_ms: stable,
        panic_window_ms,
        min_scale,
        max_scale,
    })
}

/// The reconciler's bounds stage (`kpa/scaler.go:scale`): raise `min` to the initial scale
/// while the target is not initialized (and the PA is not Unreachable), `applyBounds`, then
/// 1 instead of 0 when scale to zero is disabled.
pub fn bounded_scale(
    config: &Config,
    pa: &PodAutoscaler,
    resolved: &Resolved,
    scale_target_initialized: bool,
    desired: i32,
) -> i32 {
    let mut min = resolved.min_scale;
    let init = resolved.spec.initial_scale;
    if init > 1 && !scale_target_initialized && pa.reachable() {
        min = min.max(init);
    }
    let max = resolved.max_scale;
    let mut x = desired;
    if x < min {
        x = min;
    } else if max != 0 && x > max {
        x = max;
    }
    if x == 0 && !config.enable_scale_to_zero {
        x = 1;
    }
    x
}

/// What the pod counter returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PodCount {
    /// This many ready pods.
    Ready(u32),
    /// The endpoints were not found (Kubernetes NotFound): not an error; the count the pod
    /// counter returned alongside it (normally 0) is used, as Knative's `Scale` does.
    NotFound(u32),
    /// Any other error: the tick is invalid.
    Error,
}

/// One tick's input.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observation {
    /// Ready pods.
    pub ready: PodCount,
    /// `(stable, panic)` window averages (revision totals), or `None` on a metric error
    /// (`ErrNoData` included).
    pub metrics: Option<(f64, f64)>,
}

/// Why the decision is what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// The pod counter failed (other than NotFound): no decision.
    PodCountError,
    /// The metric client failed or had no data: no decision.
    NoMetrics,
    /// The stable-window proposal was limited by the max scale-up rate.
    ScaleUpRateLimited,
    /// The stable-window proposal was limited by the max scale-down rate.
    ScaleDownRateLimited,
    /// Activation scale raised a non-zero proposal.
    ActivationScale,
    /// Panic mode entered on this tick.
    PanicStarted,
    /// Panic mode continues (over threshold, or within a stable window of the last time).
    InPanic,
    /// Panic mode ended on this tick.
    PanicEnded,
    /// The panic ratchet kept the count at its panic maximum.
    PanicRatchet,
    /// The scale-down delay window held a higher recent count.
    ScaleDownDelayed,
}

impl Reason {
    /// A stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PodCountError => "pod_count_error",
            Self::NoMetrics => "no_metrics",
            Self::ScaleUpRateLimited => "scale_up_rate_limited",
            Self::ScaleDownRateLimited => "scale_down_rate_limited",
            Self::ActivationScale => "activation_scale",
            Self::PanicStarted => "panic_started",
            Self::InPanic => "in_panic",
            Self::PanicEnded => "panic_ended",
            Self::PanicRatchet => "panic_ratchet",
            Self::ScaleDownDelayed => "scale_down_delayed",
        }
    }
}

/// Knative's `ScaleResult`, with the panic state and the reasons.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Decision {
    /// Desired pods (0 when invalid).
    pub desired_pod_count: i32,
    /// Excess burst capacity (−1: unlimited; 0 when invalid).
    pub excess_burst_capacity: i32,
    /// Whether the result may be acted on.
    pub scale_valid: bool,
    /// Panic state after the tick.
    pub in_panic: bool,
    /// The stable-window proposal after limits.
    pub desired_stable: i32,
    /// The panic-window proposal after limits.
    pub desired_panic: i32,
    reasons: Vec<Reason>,
}

impl Decision {
    /// The reasons, in the order they applied.
    pub fn reasons(&self) -> &[Reason] {
        &self.reasons
    }

    fn invalid(reason: Reason, in_panic: bool) -> Self {
        Self {
            desired_pod_count: 0,
            excess_burst_capacity: 0,
            scale_valid: false,
            in_panic,
            desired_stable: 0,
            desired_panic: 0,
            reasons: vec![reason],
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.scale_valid {
            write!(f, "no decision")?;
        } else {
            write!(
                f,
                "{} pods (stable {}, panic {}), excess burst capacity {}",
                self.desired_pod_count,
                self.desired_stable,
                self.desired_panic,
                self.excess_burst_capacity
            )?;
        }
        let names: Vec<&str> = self.reasons.iter().map(|r| r.as_str()).collect();
        if !names.is_empty() {
            write!(f, " [{}]", names.join(", "))?;
        }
        Ok(())
    }
}

/// Knative's `max.TimeWindow`: the max of the values recorded in the last `buckets` 2-second
/// buckets (indexes `int(unix seconds) / 2`), kept as a monotone deque.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct DelayWindow {
    buckets: i64,
    /// (bucket index, value), values strictly decreasing.
    entries: VecDeque<(i64, i32)>,
}

impl DelayWindow {
    fn index(now: Timestamp) -> i64 {
        // Go: int(now.Unix()) / 2. Unix() floors to seconds; the division truncates.
        now.0.div_euclid(1000) / (DELAY_BUCKET_MS / 1000)
    }

    fn record(&mut self, now: Timestamp, v: i32) {
        let idx = Self::index(now);
        while self.entries.back().is_some_and(|&(_, x)| x <= v) {
            self.entries.pop_back();
        }
        while self
            .entries
            .front()
            .is_some_and(|&(i, _)| i <= idx - self.buckets)
        {
            self.entries.pop_front();
        }
        self.entries.push_back((idx, v));
    }

    fn current(&self) -> Option<i32> {
        self.entries.front().map(|&(_, v)| v)
    }
}

/// The KPA's per-revision autoscaler (`scaling.autoscaler`): panic state and the scale-down
/// delay window. Serializable, so a host can persist it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Autoscaler {
    spec: DeciderSpec,
    panic_time: Option<Timestamp>,
    max_panic_pods: i32,
    delay: Option<DelayWindow>,
}

impl Autoscaler {
    /// `newAutoscaler`: starts in panic with `maxPanicPods = ready` when more than one pod is
    /// ready (a pod-counter error counts as 0). The delay window exists only if this spec has
    /// a scale-down delay; [`Self::update`] cannot add or remove it.
    pub fn new(spec: DeciderSpec, now: Timestamp, ready: PodCount) -> Result<Self, ServingError> {
        spec.validate()?;
        let cur = match ready {
            PodCount::Ready(n) | PodCount::NotFound(n) => n,
            PodCount::Error => 0,
        };
        let delay = (spec.scale_down_delay_ms > 0).then(|| DelayWindow {
            buckets: (spec.scale_down_delay_ms + DELAY_BUCKET_MS - 1) / DELAY_BUCKET_MS,
            entries: VecDeque::new(),
        });
        Ok(Self {
            spec,
            panic_time: (cur > 1).then_some(now),
            max_panic_pods: i32::try_from(cur).unwrap_or(i32::MAX),
            delay,
        })
    }

    /// `Update`: replaces the whole spec.
    pub fn update(&mut self, spec: DeciderSpec) -> Result<(), ServingError> {
        spec.validate()?;
        self.spec = spec;
        Ok(())
    }

    /// The current spec.
    pub fn spec(&self) -> &DeciderSpec {
        &self.spec
    }

    /// Whether the autoscaler is in panic mode.
    pub fn in_panic(&self) -> bool {
        self.panic_time.is_some()
    }

    /// The panic ratchet's maximum.
    pub fn max_panic_pods(&self) -> i32 {
        self.max_panic_pods
    }

    /// Overrides the panic state (as upstream tests' `prepFunc` do).
    pub fn set_panic_state(&mut self, panic_time: Option<Timestamp>, max_panic_pods: i32) {
        self.panic_time = panic_time;
        self.max_panic_pods = max_panic_pods;
    }

    /// When the state next changes without new input: the first instant panic can end, or
    /// when the delay window's current maximum expires.
    pub fn next_wakeup(&self, _now: Timestamp) -> Option<Timestamp> {
        let panic_end = self
            .panic_time
            .map(|t| Timestamp(t.0 + self.spec.stable_window_ms + 1));
        let delay_end = self.delay.as_ref().and_then(|w| {
            w.entries
                .front()
                .map(|&(i, _)| Timestamp((i + w.buckets) * DELAY_BUCKET_MS))
        });
        match (panic_end, delay_end) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Knative's `Scale`.
    pub fn step(&mut self, now: Timestamp, obs: &Observation) -> Decision {
        let spec = &self.spec;
        let ready = match obs.ready {
            PodCount::Ready(n) | PodCount::NotFound(n) => f64::from(n),
            PodCount::Error => return Decision::invalid(Reason::PodCountError, self.in_panic()),
        };
        let Some((stable, panic)) = obs.metrics.filter(|(s, p)| s.is_finite() && p.is_finite())
        else {
            return Decision::invalid(Reason::NoMetrics, self.in_panic());
        };
        let mut reasons = Vec::new();
        let ready_count = ready.max(1.0);
        let max_up = (spec.max_scale_up_rate * ready_count).ceil();
        let max_down = if spec.reachable {
            (ready_count / spec.max_scale_down_rate).floor()
        } else {
            0.0
        };
        let dspc = (stable / spec.target_value).ceil();
        let dppc = (panic / spec.target_value).ceil();
        // Go's int32(float64) of values in range; saturating for the rest.
        let mut ds = dspc.max(max_down).min(max_up) as i32;
        let mut dp = dppc.max(max_down).min(max_up) as i32;
        if dspc > max_up {
            reasons.push(Reason::ScaleUpRateLimited);
        } else if dspc < max_down {
            reasons.push(Reason::ScaleDownRateLimited);
        }
        if spec.activation_scale > 1 {
            if dspc > 0.0 && spec.activation_scale > ds {
                ds = spec.activation_scale;
                reasons.push(Reason::ActivationScale);
            }
            if dppc > 0.0 && spec.activation_scale > dp {
                dp = spec.activation_scale;
            }
        }
        let over = dppc / ready_count >= spec.panic_threshold;
        if over {
            reasons.push(if self.panic_time.is_none() {
                Reason::PanicStarted
            } else {
                Reason::InPanic
            });
            self.panic_time = Some(now);
        } else if let Some(pt) = self.panic_time {
            if pt.0 + spec.stable_window_ms < now.0 {
                self.panic_time = None;
                self.max_panic_pods = 0;
                reasons.push(Reason::PanicEnded);
            } else {
                reasons.push(Reason::InPanic);
            }
        }
        let mut desired = ds;
        if self.panic_time.is_some() {
            let p = dp.max(ds);
            if p > self.max_panic_pods {
                self.max_panic_pods = p;
            } else if p < self.max_panic_pods {
                reasons.push(Reason::PanicRatchet);
            }
            desired = self.max_panic_pods;
        }
        if let Some(w) = self.delay.as_mut().filter(|_| spec.reachable) {
            w.record(now, desired);
            if let Some(c) = w.current().filter(|&c| c != desired) {
                desired = c;
                reasons.push(Reason::ScaleDownDelayed);
            }
        }
        let ebc = if spec.target_burst_capacity == 0.0 {
            0
        } else if spec.target_burst_capacity < 0.0 {
            -1
        } else {
            (ready * spec.total_value - spec.target_burst_capacity - panic).floor() as i32
        };
        Decision {
            desired_pod_count: desired,
            excess_burst_capacity: ebc,
            scale_valid: true,
            in_panic: self.panic_time.is_some(),
            desired_stable: ds,
            desired_panic: dp,
            reasons,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> Timestamp {
        Timestamp(1_700_000_000_000 + s * 1000)
    }

    #[test]
    fn scale_down_delay_holds_the_max() {
        // Upstream TestAutoscalerScaleDownDelay shape: target 10, delay 300 s -> 4, 4, 0.
        let spec = DeciderSpec {
            target_value: 10.0,
            total_value: 0.0,
            target_burst_capacity: 0.0,
            panic_threshold: 100.0,
            max_scale_up_rate: 10.0,
            max_scale_down_rate: 10.0,
            stable_window_ms: 0,
            scale_down_delay_ms: 300_000,
            ..DeciderSpec::default()
        };
        let mut a = Autoscaler::new(spec, at(0), PodCount::Ready(0)).unwrap();
        let obs = |v| Observation {
            ready: PodCount::Ready(0),
            metrics: Some((v, v)),
        };
        assert_eq!(a.step(at(2), &obs(40.0)).desired_pod_count, 4);
        let d = a.step(at(300), &obs(0.0));
        assert_eq!(d.desired_pod_count, 4);
        assert!(d.reasons().contains(&Reason::ScaleDownDelayed));
        assert_eq!(a.step(at(302), &obs(0.0)).desired_pod_count, 0);
    }

    #[test]
    fn panic_ratchet_and_exit() {
        let spec = DeciderSpec {
            target_value: 1.0,
            stable_window_ms: 60_000,
            ..DeciderSpec::default()
        };
        let mut a = Autoscaler::new(spec, at(0), PodCount::Ready(1)).unwrap();
        let d = a.step(
            at(0),
            &Observation {
                ready: PodCount::Ready(1),
                metrics: Some((5.0, 10.0)),
            },
        );
        assert_eq!((d.desired_pod_count, d.in_panic), (10, true));
        // Load drops: the ratchet holds 10 until a full stable window passes.
        let d = a.step(
            at(30),
            &Observation {
                ready: PodCount::Ready(10),
                metrics: Some((2.0, 2.0)),
            },
        );
        assert_eq!(d.desired_pod_count, 10);
        assert_eq!(a.next_wakeup(at(30)), Some(Timestamp(at(60).0 + 1)));
        let d = a.step(
            at(60),
            &Observation {
                ready: PodCount::Ready(10),
                metrics: Some((2.0, 2.0)),
            },
        );
        assert!(
            d.in_panic,
            "exactly panicTime + stable window stays in panic"
        );
        let d = a.step(
            at(61),
            &Observation {
                ready: PodCount::Ready(10),
                metrics: Some((2.0, 2.0)),
            },
        );
        assert_eq!((d.desired_pod_count, d.in_panic), (5, false));
    }

    #[test]
    fn errors_give_invalid_results() {
        let mut a = Autoscaler::new(DeciderSpec::default(), at(0), PodCount::Error).unwrap();
        let d = a.step(
            at(1),
            &Observation {
                ready: PodCount::Error,
                metrics: Some((1.0, 1.0)),
            },
        );
        assert!(!d.scale_valid);
        let d = a.step(
            at(1),
            &Observation {
                ready: PodCount::Ready(1),
                metrics: None,
            },
        );
        assert_eq!((d.desired_pod_count, d.scale_valid), (0, false));
        let bad = DeciderSpec {
            target_value: 0.0,
            ..DeciderSpec::default()
        };
        assert!(matches!(
            Autoscaler::new(bad, at(0), PodCount::Ready(1)),
            Err(ServingError::InvalidValue { field, .. }) if field == "targetValue"
        ));
    }

    #[test]
    fn resolve_target_annotation_capped_by_container_concurrency() {
        // kpa-064: containerConcurrency 10, target annotation 20 -> total 10, target 7.
        let mut pa = PodAutoscaler {
            container_concurrency: 10,
            ..Default::default()
        };
        pa.annotations
            .insert(format!("{PREFIX}target"), "20".into());
        let r = resolve(&Config::default(), &pa).unwrap();
        assert_eq!((r.spec.total_value, r.spec.target_value), (10.0, 7.0));
        assert_eq!((r.stable_window_ms, r.panic_window_ms), (60_000, 6_000));
        pa.annotations
            .insert(format!("{PREFIX}target"), "ten".into());
        assert!(resolve(&Config::default(), &pa).is_err());
    }

    #[test]
    fn state_round_trips_through_json() {
        let spec = DeciderSpec {
            target_value: 1.0,
            scale_down_delay_ms: 10_000,
            ..DeciderSpec::default()
        };
        let mut a = Autoscaler::new(spec, at(0), PodCount::Ready(3)).unwrap();
        a.step(
            at(1),
            &Observation {
                ready: PodCount::Ready(3),
                metrics: Some((9.0, 9.0)),
            },
        );
        let b: Autoscaler = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
        assert_eq!(a, b);
        // Decisions agree after the round trip; the delay window holds 9 for 10 s.
        let obs = Observation {
            ready: PodCount::Ready(9),
            metrics: Some((1.0, 1.0)),
        };
        let (mut a, mut b) = (a, b);
        let (da, db) = (a.step(at(5), &obs), b.step(at(5), &obs));
        assert_eq!(da, db);
        assert_eq!(da.desired_pod_count, 9);
    }
}
