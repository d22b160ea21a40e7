//! Pod classification (`groupPods`) and the per-pod sums the replica calculator needs,
//! computed in one pass without allocating when samples come in pod order.

use super::observation::{PodInfo, PodMetric, PodPhase};
use super::pod_requests::RequestError;
use crate::Timestamp;

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

/// The class of one pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    Ignored,
    Unready,
    Missing,
    Ready,
}

/// Samples keyed by pod, as upstream's name-keyed map: the last sample for a pod wins;
/// samples of pods not in the list are kept apart ("superfluous").
pub(crate) enum Lookup<'a> {
    /// `samples[i]` is pod `i`'s sample (the usual order): no copy needed.
    Direct(&'a [PodMetric]),
    /// Any other order.
    Map {
        per_pod: Vec<Option<PodMetric>>,
        extra: Vec<PodMetric>,
    },
}

impl<'a> Lookup<'a> {
    pub(crate) fn new(pods: usize, samples: &'a [PodMetric]) -> Self {
        let direct = samples.len() <= pods && samples.iter().enumerate().all(|(i, s)| s.pod == i);
        if direct {
            return Self::Direct(samples);
        }
        let mut per_pod = vec![None; pods];
        let mut extra: Vec<PodMetric> = Vec::new();
        for s in samples {
            match per_pod.get_mut(s.pod) {
                Some(slot) => *slot = Some(*s),
                None => match extra.iter_mut().find(|e| e.pod == s.pod) {
                    Some(e) => *e = *s,
                    None => extra.push(*s),
                },
            }
        }
        Self::Map { per_pod, extra }
    }

    pub(crate) fn get(&self, pod: usize) -> Option<&PodMetric> {
        match self {
            Self::Direct(s) => s.get(pod),
            Self::Map { per_pod, .. } => per_pod.get(pod).and_then(Option::as_ref),
        }
    }

    /// Samples of pods not in the list.
    pub(crate) fn superfluous(&self) -> &[PodMetric] {
        match self {
            Self::Direct(_) => &[],
            Self::Map { extra, .. } => extra,
        }
    }
}

/// One pod's class, as `groupPods` decides it (`cpu_rules`: the metric's resource is `cpu`).
pub(crate) fn classify<P: PodInfo>(
    pod: &P,
    sample: Option<&PodMetric>,
    cpu_rules: bool,
    t: ReadinessTimings,
    now: Timestamp,
) -> Class {
    let phase = pod.phase();
    if pod.deleted() || phase == PodPhase::Failed {
        return Class::Ignored;
    }
    if phase == PodPhase::Pending {
        return Class::Unready;
    }
    let Some(sample) = sample else {
        return Class::Missing;
    };
    if cpu_rules && cpu_unready(pod, sample, t, now) {
        return Class::Unready;
    }
    Class::Ready
}

/// The CPU-only readiness rule. Comparisons are strict, as Go's `After`/`Before`.
fn cpu_unready<P: PodInfo>(
    pod: &P,
    sample: &PodMetric,
    t: ReadinessTimings,
    now: Timestamp,
) -> bool {
    let (Some(ready), Some(start)) = (pod.readiness(), pod.start_time()) else {
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
pub fn group_pods<P: PodInfo>(
    pods: &[P],
    samples: &[PodMetric],
    resource: &str,
    timings: ReadinessTimings,
    now: Timestamp,
) -> PodGroups {
    let lookup = Lookup::new(pods.len(), samples);
    let mut g = PodGroups::default();
    let cpu_rules = resource == "cpu";
    for (i, pod) in pods.iter().enumerate() {
        match classify(pod, lookup.get(i), cpu_rules, timings, now) {
            Class::Ignored => g.ignored.push(i),
            Class::Unready => g.unready.push(i),
            Class::Missing => g.missing.push(i),
            Class::Ready => g.ready_count += 1,
        }
    }
    g
}

/// What to request-weight: `Some((resource, container, target percent))` for utilization.
pub(crate) struct RequestScope<'a> {
    pub(crate) resource: &'a str,
    pub(crate) container: &'a str,
    pub(crate) target_percent: i64,
    pub(crate) pod_level_resources: bool,
}

/// Sums over one pass of the pods.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    pub(crate) ready: usize,
    pub(crate) unready: usize,
    pub(crate) missing: usize,
    /// Sum and count of usable samples of listed pods (ready), plus superfluous samples.
    pub(crate) total: i64,
    pub(crate) samples: usize,
    /// Utilization: sums over ready samples of listed pods.
    pub(crate) usage: i128,
    pub(crate) request: i128,
    pub(crate) weighted: i128,
    /// Utilization fill-ins: Σ request·max(100, T)/100 over missing pods, and their requests.
    pub(crate) missing_fill: i128,
    pub(crate) missing_request: i128,
    pub(crate) unready_request: i128,
    /// The first request error (upstream reports it after the empty-map check).
    pub(crate) request_error: Option<RequestError>,
}

/// One pass over the pods: classification, and the sums of §4.3 with the fill-ins of §5.1.
pub(crate) fn tally<P: PodInfo>(
    pods: &[P],
    lookup: &Lookup<'_>,
    resource: &str,
    scope: Option<&RequestScope<'_>>,
    timings: ReadinessTimings,
    now: Timestamp,
) -> Tally {
    let mut t = Tally::default();
    let cpu_rules = resource == "cpu";
    for (i, pod) in pods.iter().enumerate() {
        let sample = lookup.get(i);
        let class = classify(pod, sample, cpu_rules, timings, now);
        let request = match scope {
            Some(s) if t.request_error.is_none() => {
                match pod.request(s.resource, s.container, s.pod_level_resources) {
                    Ok(r) => Some(i128::from(r)),
                    Err(e) => {
                        t.request_error = Some(e);
                        None
                    }
                }
            }
            _ => None,
        };
        match class {
            Class::Ignored => {}
            Class::Unready => {
                t.unready += 1;
                t.unready_request += request.unwrap_or(0);
            }
            Class::Missing => {
                t.missing += 1;
                if let (Some(r), Some(s)) = (request, scope) {
                    t.missing_request += r;
                    t.missing_fill += r * i128::from(s.target_percent.max(100)) / 100;
                }
            }
            Class::Ready => {
                t.ready += 1;
                let v = sample.map_or(0, |s| s.value_milli);
                t.total = t.total.wrapping_add(v);
                t.samples += 1;
                if let Some(r) = request {
                    t.usage += i128::from(v);
                    t.request += r;
                    t.weighted += 1;
                }
            }
        }
    }
    for s in lookup.superfluous() {
        t.total = t.total.wrapping_add(s.value_milli);
        t.samples += 1;
    }
    t
}
