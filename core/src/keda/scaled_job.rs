//! ScaledJob: how many Jobs to create (spec §1.5).
//!
//! `MaxReplicaCount()` is the headroom **above** the minimum (`max - min`), and strategies get
//! `running - MinReplicaCount()`. The `accurate` strategy follows KEDA >= v2.19.0 (pending is
//! subtracted inside the cap test).

use super::KedaError;
use super::goparse::{approx_f64, go_f64_to_i64, go_parse_float};
use super::scaled_object::ScaledJob;
use super::scalers::ScalerReading;
use super::triggers::TriggerConfig;

/// `spec.minReplicaCount` / `spec.maxReplicaCount` of a ScaledJob, with KEDA's accessors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct JobBounds {
    /// `spec.minReplicaCount` (unset: 0).
    pub min: Option<i64>,
    /// `spec.maxReplicaCount` (unset: 100).
    pub max: Option<i64>,
}

const DEFAULT_MAX: i64 = 100;

impl JobBounds {
    /// `MinReplicaCount()`: `min`, capped at `max` when `min > max`.
    ///
    /// ```
    /// let b = tidescale::keda::JobBounds { min: Some(10), max: Some(1) };
    /// assert_eq!((b.min_replica_count(), b.max_replica_count()), (1, 1));
    /// ```
    pub fn min_replica_count(&self) -> i64 {
        match (self.min, self.max) {
            (Some(mn), Some(mx)) if mn > mx => mx,
            (Some(mn), _) => mn,
            (None, _) => 0,
        }
    }

    /// `MaxReplicaCount()`: `max - min`, or `max` when `min > max`; 100 when `max` is unset.
    pub fn max_replica_count(&self) -> i64 {
        match self.max {
            None => DEFAULT_MAX,
            Some(mx) => {
                let mn = self.min.unwrap_or(0);
                if mn > mx { mx } else { mx.wrapping_sub(mn) }
            }
        }
    }
}

/// `scalingStrategy.strategy`, resolved.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ScalingStrategy {
    /// `maxScale - running`.
    Default,
    /// `min(maxScale - deduction - trunc(running * pct), M)`.
    Custom {
        /// `customScalingQueueLengthDeduction` (nil: 0).
        deduction: i32,
        /// `customScalingRunningJobPercentage` parsed as a Go float.
        percentage: f64,
    },
    /// Pending-aware cap (v2.19+ formula).
    Accurate,
    /// Fill up to `M` at once; scaleTo becomes `M`.
    Eager,
}

impl ScalingStrategy {
    /// `NewScalingStrategy`: the names are case-sensitive; `custom` whose percentage does not
    /// parse as a Go float (including unset or empty) silently becomes `default`; any other
    /// name is `default`.
    ///
    /// ```
    /// use tidescale::keda::ScalingStrategy;
    /// assert_eq!(ScalingStrategy::from_spec("custom", Some(1), Some("0.5 ")), ScalingStrategy::Default);
    /// assert_eq!(ScalingStrategy::from_spec("Eager", None, None), ScalingStrategy::Default);
    /// ```
    pub fn from_spec(strategy: &str, deduction: Option<i32>, percentage: Option<&str>) -> Self {
        match strategy {
            "custom" => match go_parse_float(percentage.unwrap_or("")) {
                Some(p) => Self::Custom {
                    deduction: deduction.unwrap_or(0),
                    percentage: p,
                },
                None => Self::Default,
            },
            "accurate" => Self::Accurate,
            "eager" => Self::Eager,
            _ => Self::Default,
        }
    }

    /// The strategy's name as KEDA prints it.
    pub const fn name(&self) -> &'static str {
        match self {
            Self::Default => "default",
            Self::Custom { .. } => "custom",
            Self::Accurate => "accurate",
            Self::Eager => "eager",
        }
    }

    /// `GetEffectiveMaxScale(maxScale, running, pending, M, scaleTo) -> (effectiveMaxScale,
    /// scaleTo)`. `running` is already `running - MinReplicaCount()`. Arithmetic wraps like
    /// Go's `int64`.
    ///
    /// ```
    /// use tidescale::keda::ScalingStrategy;
    /// assert_eq!(ScalingStrategy::Accurate.effective_max_scale(3, 3, 3, 5, 1), (0, 1));
    /// assert_eq!(ScalingStrategy::Eager.effective_max_scale(4, 0, 3, 10, 1), (4, 10));
    /// ```
    pub fn effective_max_scale(
        &self,
        max_scale: i64,
        running: i64,
        pending: i64,
        max_replicas: i64,
        scale_to: i64,
    ) -> (i64, i64) {
        match *self {
            Self::Default => (max_scale.wrapping_sub(running), scale_to),
            Self::Custom {
                deduction,
                percentage,
            } => {
                // int64(float64(running) * pct): truncation; NaN/overflow as amd64 Go.
                let by_running = go_f64_to_i64(running as f64 * percentage);
                let v = max_scale
                    .wrapping_sub(i64::from(deduction))
                    .wrapping_sub(by_running);
                (v.min(max_replicas), scale_to)
            }
            Self::Accurate => {
                let v = if max_scale.wrapping_add(running).wrapping_sub(pending) > max_replicas {
                    max_replicas.wrapping_sub(running)
                } else {
                    max_scale.wrapping_sub(pending)
                };
                (v, scale_to)
            }
            Self::Eager => (
                max_replicas
                    .wrapping_sub(running)
                    .wrapping_sub(pending)
                    .min(max_scale),
                max_replicas,
            ),
        }
    }
}

/// The outcome of `getScalingDecision`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobScalingDecision {
    /// `effectiveMaxScale` (may be negative).
    pub effective_max_scale: i64,
    /// `scaleTo`.
    pub scale_to: i64,
    /// Jobs created if the ScaledJob is active: `max(0, min(scaleTo, effectiveMaxScale))`.
    pub jobs_to_create: i64,
}

/// `getScalingDecision`: below the minimum, fill to it; otherwise ask the strategy.
///
/// ```
/// use tidescale::keda::{scaling_decision, JobBounds, ScalingStrategy};
/// let d = scaling_decision(&ScalingStrategy::Default, JobBounds { min: Some(2), max: Some(100) }, 0, 1, 0, 0);
/// assert_eq!((d.effective_max_scale, d.scale_to), (2, 2));
/// ```
pub fn scaling_decision(
    strategy: &ScalingStrategy,
    bounds: JobBounds,
    max_scale: i64,
    scale_to: i64,
    running: i64,
    pending: i64,
) -> JobScalingDecision {
    let min = bounds.min_replica_count();
    let (effective_max_scale, scale_to) = if running < min {
        let n = min - running;
        (n, n)
    } else {
        strategy.effective_max_scale(
            max_scale,
            running - min,
            pending,
            bounds.max_replica_count(),
            scale_to,
        )
    };
    JobScalingDecision {
        effective_max_scale,
        scale_to,
        jobs_to_create: scale_to.min(effective_max_scale).max(0),
    }
}

/// `multipleScalersCalculation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MultipleScalersCalculation {
    /// The active scaler with the largest queue (default; also any unknown name).
    #[default]
    Max,
    /// The active scaler with the smallest queue (a queue of 0 is overwritten by the next).
    Min,
    /// Means of the active queues and of the active maxValues.
    Avg,
    /// Sums.
    Sum,
}

impl MultipleScalersCalculation {
    /// Parses the spec value (`""` and unknown names: `max`).
    pub fn parse(s: &str) -> Self {
        match s {
            "min" => Self::Min,
            "avg" => Self::Avg,
            "sum" => Self::Sum,
            _ => Self::Max,
        }
    }
}

/// One scaler's contribution to a ScaledJob.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScalerJobMetrics {
    /// Σ of the scaler's metric values (float of the quantity).
    pub queue_length: f64,
    /// Mean of the scaler's AverageValue targets.
    pub target_average_value: f64,
    /// The scaler's activity.
    pub is_active: bool,
}

/// `getTargetAverageValue`: the arithmetic mean of the targets (in milli; `None` counts as 0),
/// each read as `AsApproximateFloat64`; 0 with no specs.
///
/// ```
/// use tidescale::keda::scaled_job::target_average_value;
/// assert_eq!(target_average_value(&[Some(5000), Some(5000), Some(3000)]), 4.333333333333333);
/// ```
pub fn target_average_value(targets_milli: &[Option<i64>]) -> f64 {
    if targets_milli.is_empty() {
        return 0.0;
    }
    let sum: f64 = targets_milli
        .iter()
        .map(|t| t.map_or(0.0, approx_f64))
        .sum();
    sum / targets_milli.len() as f64
}

/// The combined result of all scalers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CombinedJobMetrics {
    /// Any scaler active, or `MinReplicaCount() > 0`.
    pub is_active: bool,
    /// `ceil(queueLength)`: `scaleTo`.
    pub queue_length: i64,
    /// `ceil(min(maxValue, MaxReplicaCount()))`: `maxScale`.
    pub max_value: i64,
}

/// `IsScaledJobActive`: per-scaler `maxValue = min(q / t, M)` (0 when `t == 0`), combined over
/// the **active** scalers only, capped at `M` again, then each `ceil`ed.
///
/// ```
/// use tidescale::keda::{JobBounds, MultipleScalersCalculation, ScalerJobMetrics};
/// use tidescale::keda::scaled_job::combine_scalers;
/// let s = |q, t| ScalerJobMetrics { queue_length: q, target_average_value: t, is_active: true };
/// let r = combine_scalers(MultipleScalersCalculation::Min, JobBounds::default(), &[s(0.0, 1.0), s(10.0, 1.0)]);
/// assert_eq!(r.queue_length, 10);
/// ```
pub fn combine_scalers(
    calc: MultipleScalersCalculation,
    bounds: JobBounds,
    scalers: &[ScalerJobMetrics],
) -> CombinedJobMetrics {
    let m = bounds.max_replica_count();
    let mf = m as f64;
    let per: Vec<(f64, f64)> = scalers
        .iter()
        .filter(|s| s.is_active)
        .map(|s| {
            let mv = if s.target_average_value == 0.0 {
                0.0
            } else {
                (s.queue_length / s.target_average_value).min(mf)
            };
            (s.queue_length, mv)
        })
        .collect();
    let (mut q, mut v) = (0.0f64, 0.0f64);
    match calc {
        MultipleScalersCalculation::Max => {
            for &(sq, sv) in &per {
                if sq > q {
                    q = sq;
                    v = sv;
                }
            }
        }
        MultipleScalersCalculation::Min => {
            for &(sq, sv) in &per {
                if q == 0.0 || sq < q {
                    q = sq;
                    v = sv;
                }
            }
        }
        MultipleScalersCalculation::Avg | MultipleScalersCalculation::Sum => {
            for &(sq, sv) in &per {
                q += sq;
                v += sv;
            }
            if calc == MultipleScalersCalculation::Avg && !per.is_empty() {
                q /= per.len() as f64;
                v /= per.len() as f64;
            }
        }
    }
    let is_active = !per.is_empty() || bounds.min_replica_count() > 0;
    v = v.min(mf);
    CombinedJobMetrics {
        is_active,
        queue_length: go_f64_to_i64(q.ceil()),
        max_value: go_f64_to_i64(v.ceil()),
    }
}

/// A ScaledJob poll, decided: each scaler's part, the combination and the Job count.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct JobDecision {
    /// `scalingStrategy`, resolved.
    pub strategy: ScalingStrategy,
    /// `scalingStrategy.multipleScalersCalculation`, resolved.
    pub calculation: MultipleScalersCalculation,
    /// `minReplicaCount` / `maxReplicaCount`.
    pub bounds: JobBounds,
    /// Each trigger's contribution, in `spec.triggers` order.
    pub scalers: Vec<ScalerJobMetrics>,
    /// Each trigger's `maxValue` on its own (`ceil(min(queueLength / target,
    /// MaxReplicaCount()))`, 0 for a target of 0), in `spec.triggers` order.
    pub scaler_max_values: Vec<i64>,
    /// The scalers combined (`IsScaledJobActive`).
    pub combined: CombinedJobMetrics,
    /// `getScalingDecision`.
    pub decision: JobScalingDecision,
    /// Jobs to create now: the decision's when the ScaledJob is active, else 0.
    pub jobs_to_create: i64,
    /// Running Jobs, as given.
    pub running: i64,
    /// Pending Jobs, as given.
    pub pending: i64,
}

impl ScaledJob {
    /// `spec.triggers`, parsed. A ScaledJob's scalers are polled for metrics, which the
    /// cpu/memory scalers do not give, so those are rejected ([`KedaError::InvalidSpec`]).
    pub fn triggers(&self) -> Result<Vec<TriggerConfig>, KedaError> {
        let mut out = Vec::with_capacity(self.spec.triggers.len());
        for (i, t) in self.spec.triggers.iter().enumerate() {
            let c = TriggerConfig::parse(i, t)?;
            if c.is_resource() {
                return Err(KedaError::InvalidSpec(format!(
                    "spec.triggers[{i}]: a ScaledJob cannot use a {} trigger",
                    c.type_name()
                )));
            }
            out.push(c);
        }
        if out.is_empty() {
            return Err(KedaError::InvalidSpec(
                "spec.triggers: no triggers".to_owned(),
            ));
        }
        Ok(out)
    }

    /// KEDA's decision for one poll, from one scaler reading per trigger (in `spec.triggers`
    /// order; [`TriggerConfig::reading_from_value`] turns a value into one) and the running and
    /// pending Job counts.
    ///
    /// Each scaler's queue length is its metric read back as a float; its target is
    /// `getTargetAverageValue`, the mean of the triggers' **`averageValue`** targets: a `Value`
    /// target counts as 0, and a scaler with target 0 contributes no Jobs, as in KEDA.
    ///
    /// ```
    /// use tidescale::keda::{ScaledJob, TriggerSpec};
    /// # fn main() -> Result<(), tidescale::keda::KedaError> {
    /// let prom = |metric_type: &str| TriggerSpec { type_: "prometheus".into(),
    ///     metric_type: Some(metric_type.into()),
    ///     metadata: [("serverAddress", "http://prom:9090"), ("query", "sum(q)"), ("threshold", "5")]
    ///         .iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(), ..Default::default() };
    /// let job = |t| ScaledJob { api_version: "keda.sh/v1alpha1".into(), kind: "ScaledJob".into(),
    ///     metadata: Default::default(), spec: tidescale::keda::scaled_object::ScaledJobSpec {
    ///     triggers: vec![t], ..Default::default() } };
    /// for (metric_type, jobs) in [("AverageValue", 3), ("Value", 0)] {
    ///     let j = job(prom(metric_type));
    ///     let r = j.triggers()?[0].reading_from_value(12.0, tidescale::Timestamp(0)).unwrap();
    ///     assert_eq!(j.decide(&[r], 0, 0)?.jobs_to_create, jobs); // ceil(12 / 5), or 0
    /// }
    /// # Ok(()) }
    /// ```
    pub fn decide(
        &self,
        readings: &[ScalerReading],
        running: i64,
        pending: i64,
    ) -> Result<JobDecision, KedaError> {
        let triggers = self.triggers()?;
        if readings.len() != triggers.len() {
            return Err(KedaError::Readings(format!(
                "{} readings for {} triggers",
                readings.len(),
                triggers.len()
            )));
        }
        let metrics: Vec<ScalerJobMetrics> = triggers
            .iter()
            .zip(readings)
            .map(|(t, r)| ScalerJobMetrics {
                queue_length: approx_f64(r.metric_milli),
                target_average_value: target_average_value(&[t
                    .target
                    .average_value
                    .map(|v| v.milli_value())]),
                is_active: r.is_active,
            })
            .collect();
        self.decide_metrics(metrics, running, pending)
    }

    /// [`decide`](Self::decide) from the scalers' metrics as KEDA combines them (queue length,
    /// target average value, activity), for a host that computes them itself. Counts must be
    /// `>= 0` and the numbers finite ([`KedaError::Readings`] otherwise).
    pub fn decide_metrics(
        &self,
        scalers: Vec<ScalerJobMetrics>,
        running: i64,
        pending: i64,
    ) -> Result<JobDecision, KedaError> {
        for (name, v) in [("running", running), ("pending", pending)] {
            if v < 0 {
                return Err(KedaError::Readings(format!(
                    "{name} jobs is {v}, it must be >= 0"
                )));
            }
        }
        for (i, s) in scalers.iter().enumerate() {
            if !s.queue_length.is_finite() || !s.target_average_value.is_finite() {
                return Err(KedaError::Readings(format!(
                    "scaler {i}: queue length {} and target {} must be finite",
                    s.queue_length, s.target_average_value
                )));
            }
        }
        let spec = &self.spec;
        let (strategy, calculation, bounds) = (
            spec.strategy(),
            spec.multiple_scalers_calculation(),
            spec.bounds(),
        );
        let scaler_max_values = scalers
            .iter()
            .map(|s| {
                let alone = ScalerJobMetrics {
                    is_active: true,
                    ..*s
                };
                combine_scalers(calculation, bounds, &[alone]).max_value
            })
            .collect();
        let combined = combine_scalers(calculation, bounds, &scalers);
        let decision = scaling_decision(
            &strategy,
            bounds,
            combined.max_value,
            combined.queue_length,
            running,
            pending,
        );
        let jobs_to_create = if combined.is_active {
            decision.jobs_to_create
        } else {
            0
        };
        Ok(JobDecision {
            strategy,
            calculation,
            bounds,
            scalers,
            scaler_max_values,
            combined,
            decision,
            jobs_to_create,
            running,
            pending,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(yaml_triggers: Vec<crate::keda::TriggerSpec>) -> ScaledJob {
        ScaledJob {
            api_version: "keda.sh/v1alpha1".into(),
            kind: "ScaledJob".into(),
            metadata: Default::default(),
            spec: crate::keda::scaled_object::ScaledJobSpec {
                triggers: yaml_triggers,
                ..Default::default()
            },
        }
    }

    fn trigger(
        type_: &str,
        metric_type: Option<&str>,
        md: &[(&str, &str)],
    ) -> crate::keda::TriggerSpec {
        crate::keda::TriggerSpec {
            type_: type_.into(),
            metric_type: metric_type.map(Into::into),
            metadata: md
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn decide_reads_only_average_value_targets() {
        let prom = [
            ("serverAddress", "http://p"),
            ("query", "q"),
            ("threshold", "5"),
        ];
        for (metric_type, jobs, max_value) in [
            (None, 3, 3),
            (Some("AverageValue"), 3, 3),
            (Some("Value"), 0, 0),
        ] {
            let j = job(vec![trigger("prometheus", metric_type, &prom)]);
            let r = j.triggers().unwrap()[0]
                .reading_from_value(12.0, crate::Timestamp(0))
                .unwrap();
            let d = j.decide(&[r], 0, 0).unwrap();
            assert_eq!(d.jobs_to_create, jobs, "{metric_type:?}");
            assert_eq!(d.scaler_max_values, vec![max_value]);
            assert_eq!(d.combined.queue_length, 12);
            assert!(d.combined.is_active);
        }
    }

    #[test]
    fn decide_rejects_what_keda_rejects() {
        let prom = [
            ("serverAddress", "http://p"),
            ("query", "q"),
            ("threshold", "5"),
        ];
        let j = job(vec![trigger("prometheus", None, &prom)]);
        let r = j.triggers().unwrap()[0]
            .reading_from_value(1.0, crate::Timestamp(0))
            .unwrap();
        assert!(matches!(j.decide(&[], 0, 0), Err(KedaError::Readings(_))));
        assert!(matches!(j.decide(&[r], -1, 0), Err(KedaError::Readings(_))));
        let cpu = job(vec![trigger(
            "cpu",
            Some("Utilization"),
            &[("value", "50")],
        )]);
        assert!(matches!(cpu.triggers(), Err(KedaError::InvalidSpec(m)) if m.contains("cpu")));
        assert!(matches!(
            job(vec![]).triggers(),
            Err(KedaError::InvalidSpec(_))
        ));
    }

    #[test]
    fn find_trigger_by_name_index_metric_and_type() {
        use crate::keda::find_trigger;
        let sqs = |name: Option<&str>| crate::keda::TriggerSpec {
            name: name.map(Into::into),
            ..trigger(
                "aws-sqs-queue",
                None,
                &[("queueURL", "https://sqs/1/jobs"), ("queueLength", "5")],
            )
        };
        let prom = trigger(
            "prometheus",
            None,
            &[
                ("serverAddress", "http://p"),
                ("query", "q"),
                ("threshold", "5"),
            ],
        );
        let t: Vec<TriggerConfig> = [sqs(Some("orders")), sqs(None), prom]
            .iter()
            .enumerate()
            .map(|(i, s)| TriggerConfig::parse(i, s).unwrap())
            .collect();
        assert_eq!(find_trigger(&t, "orders").unwrap(), 0);
        assert_eq!(find_trigger(&t, "1").unwrap(), 1);
        assert_eq!(find_trigger(&t, "prometheus").unwrap(), 2);
        assert_eq!(find_trigger(&t, &t[1].metric_name).unwrap(), 1);
        match find_trigger(&t, "aws-sqs-queue") {
            Err(KedaError::AmbiguousTrigger { indexes, .. }) => assert_eq!(indexes, vec![0, 1]),
            other => panic!("{other:?}"),
        }
        let e = find_trigger(&t, "kafka").unwrap_err();
        assert_eq!(
            e.to_string(),
            "no trigger \"kafka\" (the triggers: 0 (name \"orders\", aws-sqs-queue), 1 (aws-sqs-queue), 2 (prometheus))"
        );
        assert_eq!(t[2].activation_threshold(), Some(0.0));
        assert_eq!(t[0].type_name(), "aws-sqs-queue");
    }

    #[test]
    fn bounds_defaults() {
        let b = JobBounds {
            min: Some(5),
            max: None,
        };
        assert_eq!((b.min_replica_count(), b.max_replica_count()), (5, 100));
        let b = JobBounds {
            min: None,
            max: Some(5),
        };
        assert_eq!((b.min_replica_count(), b.max_replica_count()), (0, 5));
    }

    #[test]
    fn custom_nan_percentage_is_go_int_indefinite() {
        let s = ScalingStrategy::from_spec("custom", None, Some("NaN"));
        assert!(matches!(s, ScalingStrategy::Custom { .. }));
        // maxScale - 0 - MinInt64 wraps around to a very negative number; min with M keeps it.
        let (e, _) = s.effective_max_scale(3, 2, 0, 5, 1);
        assert_eq!(e, 3i64.wrapping_sub(i64::MIN));
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn combined_max_value_never_exceeds_headroom(
            min in proptest::option::of(0i64..50), max in proptest::option::of(0i64..200),
            calc in 0usize..4,
            scalers in proptest::collection::vec((0f64..1e4, 0f64..50.0, any::<bool>()), 0..6),
        ) {
            let calc = [MultipleScalersCalculation::Max, MultipleScalersCalculation::Min,
                MultipleScalersCalculation::Avg, MultipleScalersCalculation::Sum][calc];
            let b = JobBounds { min, max };
            let s: Vec<ScalerJobMetrics> = scalers.into_iter()
                .map(|(q, t, a)| ScalerJobMetrics { queue_length: q, target_average_value: t, is_active: a })
                .collect();
            let r = combine_scalers(calc, b, &s);
            prop_assert!(r.max_value <= b.max_replica_count());
            prop_assert!(r.queue_length >= 0);
        }

        #[test]
        fn eager_never_exceeds_max_scale(ms in -100i64..100, r in 0i64..100, p in 0i64..100, m in 0i64..100) {
            let (e, to) = ScalingStrategy::Eager.effective_max_scale(ms, r, p, m, 1);
            prop_assert!(e <= ms);
            prop_assert_eq!(to, m);
        }
    }
}
