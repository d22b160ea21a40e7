//! The replica calculator: one metric to one replica proposal (`replica_calculator.go`).
//!
//! Every function mirrors its upstream namesake, including where Go truncates integers, where
//! it multiplies the ratio by the ready-pod count or by the number of samples, and how missing
//! and unready pods are filled in.

use super::observation::{Pod, PodMetric, PodPhase};
use super::pod_requests::pod_request;
use super::tolerance::Tolerances;
use crate::Timestamp;

/// Why a metric produced no proposal. The controller turns this into a
/// `ScalingActive=False` condition whose reason depends on the metric's source type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CalcError(pub String);

fn fail<T>(msg: impl Into<String>) -> Result<T, CalcError> {
    Err(CalcError(msg.into()))
}

/// Timings of the CPU readiness rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadinessTimings {
    /// `--horizontal-pod-autoscaler-cpu-initialization-period` in ms (default 5 min).
    pub cpu_initialization_period_ms: i64,
    /// `--horizontal-pod-autoscaler-initial-readiness-delay` in ms (default 30 s).
    pub initial_readiness_delay_ms: i64,
}

impl Default for ReadinessTimings {
    fn default() -> Self {
        Self {
            cpu_initialization_period_ms: 300_000,
            initial_readiness_delay_ms: 30_000,
        }
    }
}

/// Everything a calculation needs besides the pods and samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReplicaCalculator {
    /// The tolerance band.
    pub tolerances: Tolerances,
    /// CPU readiness timings.
    pub timings: ReadinessTimings,
    /// The `PodLevelResources` feature gate.
    pub pod_level_resources: bool,
    /// The sync instant.
    pub now: Timestamp,
}

/// How each pod was classified (`groupPods`): indices into the pod list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PodGroups {
    /// Pods with a usable sample.
    pub ready_count: usize,
    /// Pending pods and (for CPU) pods not yet ready or still initializing.
    pub unready: Vec<usize>,
    /// Running pods without a sample.
    pub missing: Vec<usize>,
    /// Deleted or failed pods.
    pub ignored: Vec<usize>,
}

/// A proposal with the values upstream reports in `status.currentMetrics`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Proposal {
    /// Proposed replicas.
    pub replicas: i32,
    /// The usage ratio the proposal came from (before missing/unready pods were filled in).
    pub ratio: f64,
    /// Utilization percent (Utilization targets), truncated as upstream.
    pub utilization: Option<i32>,
    /// The average or total value in milli-units that upstream reports.
    pub value_milli: i64,
}

/// The sample map upstream keys by pod name: one slot per listed pod, plus samples of pods
/// that are not in the list ("superfluous").
#[derive(Debug, Clone, Default)]
pub(crate) struct SampleMap {
    per_pod: Vec<Option<PodMetric>>,
    extra: Vec<PodMetric>,
}

impl SampleMap {
    pub(crate) fn new(pods: usize, samples: &[PodMetric]) -> Self {
        let mut map = Self {
            per_pod: vec![None; pods],
            extra: Vec::new(),
        };
        for s in samples {
            match map.per_pod.get_mut(s.pod) {
                Some(slot) => *slot = Some(*s),
                None => match map.extra.iter_mut().find(|e| e.pod == s.pod) {
                    Some(e) => *e = *s,
                    None => map.extra.push(*s),
                },
            }
        }
        map
    }

    fn len(&self) -> usize {
        self.per_pod.iter().filter(|s| s.is_some()).count() + self.extra.len()
    }

    fn remove(&mut self, pod: usize) {
        if let Some(slot) = self.per_pod.get_mut(pod) {
            *slot = None;
        }
    }

    fn set(&mut self, pod: usize, value_milli: i64) {
        if let Some(slot) = self.per_pod.get_mut(pod) {
            *slot = Some(PodMetric {
                pod,
                value_milli,
                timestamp: Timestamp(0),
                window_ms: 0,
            });
        }
    }

    fn values(&self) -> impl Iterator<Item = i64> + '_ {
        self.per_pod
            .iter()
            .flatten()
            .chain(self.extra.iter())
            .map(|s| s.value_milli)
    }
}

/// Classifies pods as upstream's `groupPods` does. `resource` is the metric's resource name;
/// the CPU readiness rules apply only when it is `cpu`.
///
/// ```
/// use tidescale::Timestamp;
/// use tidescale::hpa::{PodMetric, Pod, PodPhase, ReadinessTimings, group_pods};
/// let mut pending = Pod::running("b", 100);
/// pending.phase = PodPhase::Pending;
/// let pods = [Pod::running("a", 100), pending];
/// let samples = [PodMetric::new(0, 50, Timestamp(0))];
/// let g = group_pods(&pods, &samples, "cpu", ReadinessTimings::default(), Timestamp(0));
/// assert_eq!((g.ready_count, g.unready.as_slice()), (1, &[1][..]));
/// ```
pub fn group_pods(
    pods: &[Pod],
    samples: &[PodMetric],
    resource: &str,
    timings: ReadinessTimings,
    now: Timestamp,
) -> PodGroups {
    group(
        pods,
        &SampleMap::new(pods.len(), samples),
        resource,
        timings,
        now,
    )
}

fn group(
    pods: &[Pod],
    map: &SampleMap,
    resource: &str,
    timings: ReadinessTimings,
    now: Timestamp,
) -> PodGroups {
    let mut g = PodGroups::default();
    for (i, pod) in pods.iter().enumerate() {
        if pod.deleted || pod.phase == PodPhase::Failed {
            g.ignored.push(i);
            continue;
        }
        if pod.phase == PodPhase::Pending {
            g.unready.push(i);
            continue;
        }
        let Some(sample) = map.per_pod.get(i).copied().flatten() else {
            g.missing.push(i);
            continue;
        };
        if resource == "cpu" && cpu_unready(pod, &sample, timings, now) {
            g.unready.push(i);
            continue;
        }
        g.ready_count += 1;
    }
    g
}

/// The CPU-only readiness rule of `groupPods`. Comparisons are strict, as Go's `After`/`Before`.
fn cpu_unready(pod: &Pod, sample: &PodMetric, t: ReadinessTimings, now: Timestamp) -> bool {
    let (Some(ready), Some(start)) = (pod.ready, pod.start_time) else {
        return true;
    };
    if start.plus_millis(t.cpu_initialization_period_ms) > now {
        // still initializing: the sample must cover a full window after the last transition
        !ready.ready || sample.timestamp < ready.last_transition.plus_millis(sample.window_ms)
    } else {
        // went unready early and never became ready
        !ready.ready && start.plus_millis(t.initial_readiness_delay_ms) > ready.last_transition
    }
}

/// `GetResourceUtilizationRatio`: (ratio, utilization percent, raw average usage).
fn utilization_ratio(
    map: &SampleMap,
    requests: &[i64],
    target_utilization: i32,
) -> Result<(f64, i32, i64), CalcError> {
    let (mut sum_usage, mut sum_request, mut n) = (0i128, 0i128, 0i128);
    // Only samples of listed pods have a request; superfluous samples are skipped.
    for (i, s) in map.per_pod.iter().enumerate() {
        if let (Some(s), Some(&req)) = (s, requests.get(i)) {
            sum_usage += i128::from(s.value_milli);
            sum_request += i128::from(req);
            n += 1;
        }
    }
    if sum_request == 0 {
        return fail("no metrics returned matched known pods");
    }
    // int32(sumUsage*100/sumRequest): integer division, then Go's int32 conversion (wraps).
    let utilization = (sum_usage * 100 / sum_request) as i64 as i32;
    let raw = (sum_usage / n) as i64;
    Ok((
        f64::from(utilization) / f64::from(target_utilization),
        utilization,
        raw,
    ))
}

/// `GetMetricUsageRatio`: (ratio, truncated average usage). Averages every map entry,
/// superfluous samples included; the int64 sum wraps as in Go.
fn usage_ratio(map: &SampleMap, target_milli: i64) -> (f64, i64) {
    let (total, n) = map
        .values()
        .fold((0i64, 0i64), |(t, n), v| (t.wrapping_add(v), n + 1));
    let usage = if n == 0 { 0 } else { total.wrapping_div(n) };
    (usage as f64 / target_milli as f64, usage)
}

/// `int32(math.Ceil(x))` for the values the calculator produces; saturates instead of Go's
/// platform-specific overflow (the one documented difference, see the crate docs).
pub(crate) fn ceil_i32(x: f64) -> i32 {
    x.ceil() as i32
}

/// Which per-pod usage to average.
enum Mode {
    Utilization { target: i32, requests: Vec<i64> },
    Plain { target_milli: i64 },
}

impl ReplicaCalculator {
    /// `GetResourceReplicas`: a Resource or ContainerResource metric with a `Utilization`
    /// target (`target_utilization` percent). `container` is `""` for the whole pod.
    ///
    /// # Errors
    /// As upstream: no samples, no pods, no usable samples, missing requests.
    ///
    /// ```
    /// use tidescale::Timestamp;
    /// use tidescale::hpa::{Pod, PodMetric, ReadinessTimings, ReplicaCalculator, Tolerances};
    /// let calc = ReplicaCalculator { tolerances: Tolerances::symmetric(0.1),
    ///     timings: ReadinessTimings::default(), pod_level_resources: false, now: Timestamp(0) };
    /// let pods: Vec<Pod> = (0..3).map(|i| Pod::running(&format!("p{i}"), 2000)).collect();
    /// let t = Timestamp(-10_000);
    /// let samples = [PodMetric::new(0, 600, t), PodMetric::new(1, 1000, t), PodMetric::new(2, 1400, t)];
    /// let p = calc.resource_replicas(3, 30, "cpu", "", &pods, &samples).unwrap();
    /// assert_eq!((p.replicas, p.utilization, p.value_milli), (5, Some(50), 1000));
    /// ```
    pub fn resource_replicas(
        &self,
        current: i32,
        target_utilization: i32,
        resource: &str,
        container: &str,
        pods: &[Pod],
        samples: &[PodMetric],
    ) -> Result<Proposal, CalcError> {
        if samples.is_empty() {
            return fail(format!(
                "unable to get metrics for resource {resource}: no metrics returned from resource metrics API"
            ));
        }
        if pods.is_empty() {
            return fail("no pods returned by selector while calculating replica count");
        }
        if target_utilization <= 0 {
            return fail("target utilization must be greater than zero");
        }
        self.calc(current, resource, container, pods, samples, true, |pods| {
            let requests = pods
                .iter()
                .map(|p| pod_request(p, resource, container, self.pod_level_resources))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| CalcError(e.to_string()))?;
            Ok(Mode::Utilization {
                target: target_utilization,
                requests,
            })
        })
    }

    /// `calcPlainMetricReplicas`: a Pods metric (`resource = ""`, no readiness rules) or a
    /// Resource/ContainerResource metric with an `AverageValue` target (`resource` set).
    ///
    /// # Errors
    /// No samples, no pods, or no usable samples.
    pub fn plain_replicas(
        &self,
        current: i32,
        target_milli: i64,
        resource: &str,
        pods: &[Pod],
        samples: &[PodMetric],
    ) -> Result<Proposal, CalcError> {
        if samples.is_empty() {
            return fail("unable to get metric: no metrics returned");
        }
        if pods.is_empty() {
            return fail("no pods returned by selector while calculating replica count");
        }
        if target_milli <= 0 {
            return fail("target value must be greater than zero");
        }
        self.calc(current, resource, "", pods, samples, false, |_| {
            Ok(Mode::Plain { target_milli })
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn calc(
        &self,
        current: i32,
        resource: &str,
        _container: &str,
        pods: &[Pod],
        samples: &[PodMetric],
        _utilization: bool,
        mode: impl FnOnce(&[Pod]) -> Result<Mode, CalcError>,
    ) -> Result<Proposal, CalcError> {
        let mut map = SampleMap::new(pods.len(), samples);
        let groups = group(pods, &map, resource, self.timings, self.now);
        for &i in groups.unready.iter().chain(&groups.ignored) {
            map.remove(i);
        }
        if map.len() == 0 {
            return fail("did not receive metrics for targeted pods (pods might be unready)");
        }
        let mode = mode(pods)?;
        let ratio_of = |map: &SampleMap| -> Result<(f64, Option<i32>, i64), CalcError> {
            match &mode {
                Mode::Utilization { target, requests } => {
                    let (r, u, raw) = utilization_ratio(map, requests, *target)?;
                    Ok((r, Some(u), raw))
                }
                Mode::Plain { target_milli } => {
                    let (r, u) = usage_ratio(map, *target_milli);
                    Ok((r, None, u))
                }
            }
        };
        let (ratio, utilization, value_milli) = ratio_of(&map)?;
        let proposal = |replicas| Proposal {
            replicas,
            ratio,
            utilization,
            value_milli,
        };
        let scale_up_with_unready = !groups.unready.is_empty() && ratio > 1.0;
        if !scale_up_with_unready && groups.missing.is_empty() {
            if self.tolerances.within(ratio) {
                return Ok(proposal(current));
            }
            return Ok(proposal(ceil_i32(ratio * groups.ready_count as f64)));
        }
        if !groups.missing.is_empty() {
            for &i in &groups.missing {
                let fill = if ratio < 1.0 {
                    match &mode {
                        // request * max(100, target) / 100, int64 arithmetic
                        Mode::Utilization { target, requests } => {
                            requests
                                .get(i)
                                .copied()
                                .unwrap_or(0)
                                .wrapping_mul(i64::from((*target).max(100)))
                                / 100
                        }
                        Mode::Plain { target_milli } => *target_milli,
                    }
                } else if ratio > 1.0 {
                    0
                } else {
                    continue;
                };
                map.set(i, fill);
            }
        }
        if scale_up_with_unready {
            for &i in &groups.unready {
                map.set(i, 0);
            }
        }
        let (new_ratio, _, _) = ratio_of(&map)?;
        if self.tolerances.within(new_ratio)
            || (ratio < 1.0 && new_ratio > 1.0)
            || (ratio > 1.0 && new_ratio < 1.0)
        {
            return Ok(proposal(current));
        }
        let new = ceil_i32(new_ratio * map.len() as f64);
        if (new_ratio < 1.0 && new > current) || (new_ratio > 1.0 && new < current) {
            return Ok(proposal(current));
        }
        Ok(proposal(new))
    }

    /// `getUsageRatioReplicaCount`, shared by Object and External `Value` targets.
    fn usage_ratio_replicas(
        &self,
        current: i32,
        ratio: f64,
        pods: &[Pod],
    ) -> Result<i32, CalcError> {
        if current == 0 {
            // scale from zero: no tolerance, no ready count
            return Ok(ceil_i32(ratio));
        }
        if self.tolerances.within(ratio) {
            return Ok(current);
        }
        if pods.is_empty() {
            return fail(
                "unable to calculate ready pods: no pods returned by selector while calculating replica count",
            );
        }
        let ready = pods
            .iter()
            .filter(|p| p.phase == PodPhase::Running && p.ready.is_some_and(|r| r.ready))
            .count();
        Ok(ceil_i32(ratio * ready as f64))
    }

    /// `GetObjectMetricReplicas` (Object, `Value` target).
    ///
    /// # Errors
    /// An empty pod list when a change is needed.
    pub fn object_replicas(
        &self,
        current: i32,
        target_milli: i64,
        usage_milli: i64,
        pods: &[Pod],
    ) -> Result<Proposal, CalcError> {
        let ratio = usage_milli as f64 / target_milli as f64;
        let replicas = self.usage_ratio_replicas(current, ratio, pods)?;
        Ok(Proposal {
            replicas,
            ratio,
            utilization: None,
            value_milli: usage_milli,
        })
    }

    /// `GetObjectPerPodMetricReplicas` (Object, `AverageValue` target), from the scale's
    /// **status** replicas.
    pub fn object_per_pod_replicas(
        &self,
        status_replicas: i32,
        target_average_milli: i64,
        usage_milli: i64,
    ) -> Proposal {
        let mut replicas = status_replicas;
        let ratio = usage_milli as f64 / (target_average_milli as f64 * f64::from(status_replicas));
        if !self.tolerances.within(ratio) {
            replicas = ceil_i32(usage_milli as f64 / target_average_milli as f64);
        }
        Proposal {
            replicas,
            ratio,
            utilization: None,
            value_milli: (usage_milli as f64 / f64::from(status_replicas)).ceil() as i64,
        }
    }

    /// `GetExternalMetricReplicas` (External, `Value` target). The series are summed
    /// (saturating at `i64::MAX`).
    ///
    /// # Errors
    /// No series, or an empty pod list when a change is needed.
    pub fn external_replicas(
        &self,
        current: i32,
        target_milli: i64,
        values_milli: &[i64],
        pods: &[Pod],
    ) -> Result<Proposal, CalcError> {
        let usage = external_sum(values_milli)?;
        self.object_replicas(current, target_milli, usage, pods)
    }

    /// `GetExternalPerPodMetricReplicas` (External, `AverageValue` target), from the scale's
    /// **status** replicas.
    ///
    /// # Errors
    /// No series.
    pub fn external_per_pod_replicas(
        &self,
        status_replicas: i32,
        target_average_milli: i64,
        values_milli: &[i64],
    ) -> Result<Proposal, CalcError> {
        let usage = external_sum(values_milli)?;
        let mut p = self.object_per_pod_replicas(status_replicas, target_average_milli, usage);
        if usage == i64::MAX {
            p.value_milli = i64::MAX;
        }
        Ok(p)
    }
}

/// Sum of external series; an overflowing or negative total saturates to `i64::MAX`, as the
/// upstream overflow guard does.
fn external_sum(values: &[i64]) -> Result<i64, CalcError> {
    if values.is_empty() {
        return fail(
            "unable to get external metric: no metrics returned from external metrics API",
        );
    }
    let mut sum: i64 = 0;
    for &v in values {
        sum = match sum.checked_add(v) {
            Some(s) if s >= 0 => s,
            _ => i64::MAX,
        };
    }
    Ok(sum)
}
