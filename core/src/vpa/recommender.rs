//! The recommender: flags ([`Recommender`]) and a stateful per-VPA object
//! ([`VpaRecommender`]) fed with samples, producing `status.recommendation`.

use std::collections::BTreeMap;

use super::capping::apply_vpa_policy;
use super::checkpoint::{CheckpointSpec, VerticalPodAutoscalerCheckpoint};
use super::container_state::{
    AggregateContainerState, AggregationConfig, ContainerState, DiscardedSamples, SampleOutcome,
};
use super::estimator::{Estimate, EstimatorConfig, estimate_container};
use super::resources::{
    RecommendedContainerResources, RecommendedPodResources, ResourceList, cpu_amount_from_cores,
    memory_amount_from_bytes,
};
use super::spec::{ContainerScalingMode, PodResourcePolicy, VerticalPodAutoscaler};
use super::{Result, VpaError, check_non_negative};
use crate::hpa::ObjectMeta;
use crate::quantity::Quantity;
use crate::time::Timestamp;

/// Prefix of the integer-CPU post-processor annotation.
pub const INTEGER_CPU_PREFIX: &str = "vpa-post-processor.kubernetes.io/";
/// Suffix of the integer-CPU post-processor annotation.
pub const INTEGER_CPU_SUFFIX: &str = "_integerCPU";

/// Every recommender flag that changes a recommendation, at its upstream default.
#[derive(Debug, Clone, PartialEq)]
pub struct Recommender {
    /// Percentiles, margin, minimums, confidence intervals.
    pub estimator: EstimatorConfig,
    /// Aggregation interval/count, half-lives, bucketing, OOM bump.
    pub aggregation: AggregationConfig,
    /// `--humanize-memory` (false, deprecated).
    pub humanize_memory: bool,
    /// `--round-cpu-millicores` (1).
    pub round_cpu_millicores: i64,
    /// `--round-memory-bytes` (1).
    pub round_memory_bytes: i64,
    /// `--container-recommendation-max-allowed-cpu` / `-memory` (unset).
    pub container_recommendation_max_allowed: Option<ResourceList>,
    /// `--cpu-integer-post-processor-enabled` (false).
    pub cpu_integer_post_processor_enabled: bool,
    /// The `PerVPAConfig` feature gate (alpha, off).
    pub per_vpa_config: bool,
}

impl Default for Recommender {
    fn default() -> Self {
        Self {
            estimator: EstimatorConfig::default(),
            aggregation: AggregationConfig::default(),
            humanize_memory: false,
            round_cpu_millicores: 1,
            round_memory_bytes: 1,
            container_recommendation_max_allowed: None,
            cpu_integer_post_processor_enabled: false,
            per_vpa_config: false,
        }
    }
}

#[derive(Debug, Clone)]
struct Entry {
    aggregate: AggregateContainerState,
    state: ContainerState,
    pods: BTreeMap<String, ContainerState>,
}

/// The recommender state of one VPA: one aggregate per container name.
///
/// Timestamps are Unix-epoch milliseconds (decay references are rounded relative to Go's zero
/// time, and checkpoints store RFC 3339 times).
///
/// ```
/// use tidescale::{Timestamp, vpa::{Recommender, VpaRecommender}};
/// let start = 1_700_006_400; // 2023-11-15T00:00:00Z
/// let mut r = VpaRecommender::new(Recommender::default());
/// r.add_container(Timestamp::from_secs(start), "app");
/// for i in 0..1440 {
///     let t = Timestamp::from_secs(start + i * 60);
///     r.add_cpu_sample(t, "app", 0.25).unwrap();
///     r.add_memory_sample(t, "app", 500.0 * 1024.0 * 1024.0).unwrap();
/// }
/// let rec = r.recommendation(Timestamp::from_secs(start + 86_400));
/// let app = rec.for_container("app").unwrap();
/// assert_eq!(app.target.cpu.unwrap().milli_value(), 296);
/// assert_eq!(app.target.memory.unwrap().value(), 628_694_953);
/// assert_eq!(app.upper_bound.cpu.unwrap().milli_value(), 592);
/// ```
#[derive(Debug, Clone)]
pub struct VpaRecommender {
    config: Recommender,
    policy: Option<PodResourcePolicy>,
    annotations: BTreeMap<String, String>,
    containers: BTreeMap<String, Entry>,
}

impl VpaRecommender {
    /// A recommender with no containers and no policy.
    pub fn new(config: Recommender) -> Self {
        Self {
            config,
            policy: None,
            annotations: BTreeMap::new(),
            containers: BTreeMap::new(),
        }
    }

    /// A recommender for a VPA object: its resource policy and annotations are used.
    pub fn for_vpa(config: Recommender, vpa: &VerticalPodAutoscaler) -> Self {
        let mut r = Self::new(config);
        r.policy = vpa.spec.resource_policy.clone();
        r.annotations = vpa.metadata.annotations.clone();
        r
    }

    /// The flags in use.
    pub fn config(&self) -> &Recommender {
        &self.config
    }

    /// Replaces the resource policy (applied to existing containers too).
    pub fn set_policy(&mut self, policy: Option<PodResourcePolicy>) {
        self.policy = policy;
        let per_vpa = self.config.per_vpa_config;
        for (name, e) in &mut self.containers {
            let p = self.policy.as_ref().and_then(|p| p.for_container(name));
            e.aggregate.update_from_policy(p, per_vpa);
        }
    }

    /// Registers a container name (idempotent); samples for unknown names are rejected.
    pub fn add_container(&mut self, now: Timestamp, name: &str) {
        if self.containers.contains_key(name) {
            return;
        }
        let Ok(mut aggregate) = AggregateContainerState::new(&self.config.aggregation, now) else {
            return;
        };
        let p = self.policy.as_ref().and_then(|p| p.for_container(name));
        aggregate.update_from_policy(p, self.config.per_vpa_config);
        self.containers.insert(
            name.to_owned(),
            Entry {
                aggregate,
                state: ContainerState::new(),
                pods: BTreeMap::new(),
            },
        );
    }

    /// Registered container names, sorted.
    pub fn containers(&self) -> impl Iterator<Item = &str> {
        self.containers.keys().map(String::as_str)
    }

    fn entry(&mut self, name: &str) -> Result<&mut Entry> {
        self.containers
            .get_mut(name)
            .ok_or_else(|| VpaError::UnknownContainer(name.to_owned()))
    }

    fn parts<'a>(
        e: &'a mut Entry,
        pod: Option<&str>,
    ) -> (&'a mut ContainerState, &'a mut AggregateContainerState) {
        let s = match pod {
            None => &mut e.state,
            Some(p) => e.pods.entry(p.to_owned()).or_default(),
        };
        (s, &mut e.aggregate)
    }

    /// A CPU usage sample (average cores over the window starting at `now`). A sample not
    /// strictly after the previous CPU sample of its stream is [`SampleOutcome::Discarded`]
    /// (upstream drops it and carries on) and counted in
    /// [`discarded_samples`](Self::discarded_samples). NaN, infinite or negative usage and
    /// unknown containers are errors.
    pub fn add_cpu_sample(
        &mut self,
        now: Timestamp,
        container: &str,
        cores: f64,
    ) -> Result<SampleOutcome> {
        self.add_pod_cpu_sample(now, None, container, cores)
    }

    /// A CPU sample from one pod (pods of a container name keep separate sample streams).
    pub fn add_pod_cpu_sample(
        &mut self,
        now: Timestamp,
        pod: Option<&str>,
        container: &str,
        cores: f64,
    ) -> Result<SampleOutcome> {
        let cores = check_non_negative("cpu usage", cores)?;
        let (s, a) = Self::parts(self.entry(container)?, pod);
        s.add_cpu_sample(a, now, cpu_amount_from_cores(cores))
    }

    /// A memory working-set sample in bytes. A sample strictly before the previous memory
    /// sample (or OOM) of its stream is [`SampleOutcome::Discarded`] and counted; a repeated
    /// time is used (a larger value replaces the window's peak).
    pub fn add_memory_sample(
        &mut self,
        now: Timestamp,
        container: &str,
        bytes: f64,
    ) -> Result<SampleOutcome> {
        self.add_pod_memory_sample(now, None, container, bytes)
    }

    /// A memory sample from one pod.
    pub fn add_pod_memory_sample(
        &mut self,
        now: Timestamp,
        pod: Option<&str>,
        container: &str,
        bytes: f64,
    ) -> Result<SampleOutcome> {
        let bytes = check_non_negative("memory usage", bytes)?;
        let (s, a) = Self::parts(self.entry(container)?, pod);
        s.add_memory_sample(a, now, memory_amount_from_bytes(bytes))
    }

    /// An OOM kill at `now` of a container whose memory request was `requested_bytes`.
    pub fn record_oom(
        &mut self,
        now: Timestamp,
        container: &str,
        requested_bytes: f64,
    ) -> Result<()> {
        self.record_pod_oom(now, None, container, requested_bytes)
    }

    /// An OOM kill of one pod's container.
    pub fn record_pod_oom(
        &mut self,
        now: Timestamp,
        pod: Option<&str>,
        container: &str,
        requested_bytes: f64,
    ) -> Result<()> {
        let req = check_non_negative("requested memory", requested_bytes)?;
        let (s, a) = Self::parts(self.entry(container)?, pod);
        s.record_oom(a, now, memory_amount_from_bytes(req))
    }

    /// Samples of a container (all its pods' streams) discarded for their time; `None` for an
    /// unknown container.
    pub fn discarded_samples(&self, container: &str) -> Option<DiscardedSamples> {
        let e = self.containers.get(container)?;
        Some(
            e.pods
                .values()
                .fold(e.state.discarded(), |acc, p| acc.plus(p.discarded())),
        )
    }

    /// The aggregate of one container.
    pub fn aggregate(&self, container: &str) -> Option<&AggregateContainerState> {
        self.containers.get(container).map(|e| &e.aggregate)
    }

    /// Drops aggregates that expired (`interval × count` without samples).
    pub fn garbage_collect(&mut self, now: Timestamp) {
        self.containers.retain(|_, e| !e.aggregate.is_expired(now));
    }

    fn live(&self, now: Timestamp) -> Vec<(&String, &Entry)> {
        self.containers
            .iter()
            .filter(|(_, e)| {
                !e.aggregate.is_expired(now)
                    && e.aggregate.scaling_mode != ContainerScalingMode::Off
            })
            .collect()
    }

    /// Raw estimates (amounts) per container, before rounding and capping.
    pub fn estimates(&self, now: Timestamp) -> BTreeMap<String, Estimate> {
        let live = self.live(now);
        let n = live.len();
        live.into_iter()
            .map(|(k, e)| {
                (
                    k.clone(),
                    estimate_container(&e.aggregate, &self.config.estimator, n),
                )
            })
            .collect()
    }

    /// `status.recommendation` as the recommender writes it: containers sorted by name,
    /// rounding/humanizing, `uncappedTarget`, the integer-CPU post-processor (if enabled) and
    /// the `containerPolicies` / global max capping. Expired and `mode: Off` containers are
    /// left out.
    pub fn recommendation(&self, now: Timestamp) -> RecommendedPodResources {
        let c = &self.config;
        let mut out = RecommendedPodResources::default();
        for (name, e) in self.estimates(now) {
            let conv = |r: super::Resources| {
                r.as_resource_list(
                    c.humanize_memory,
                    c.round_cpu_millicores,
                    c.round_memory_bytes,
                )
            };
            let target = conv(e.target);
            out.container_recommendations
                .push(RecommendedContainerResources {
                    container_name: name,
                    target,
                    lower_bound: conv(e.lower_bound),
                    upper_bound: conv(e.upper_bound),
                    uncapped_target: target,
                });
        }
        if c.cpu_integer_post_processor_enabled {
            out = integer_cpu(&self.annotations, out);
        }
        apply_vpa_policy(
            &out,
            self.policy.as_ref(),
            c.container_recommendation_max_allowed.as_ref(),
        )
    }

    /// The checkpoint object for one container (`lastUpdateTime` = `now`).
    pub fn checkpoint(
        &self,
        now: Timestamp,
        vpa_name: &str,
        container: &str,
    ) -> Result<VerticalPodAutoscalerCheckpoint> {
        let e = self
            .containers
            .get(container)
            .ok_or_else(|| VpaError::UnknownContainer(container.to_owned()))?;
        let mut status = e.aggregate.save_checkpoint();
        status.last_update_time = Some(now);
        Ok(VerticalPodAutoscalerCheckpoint {
            api_version: "autoscaling.k8s.io/v1".to_owned(),
            kind: "VerticalPodAutoscalerCheckpoint".to_owned(),
            metadata: ObjectMeta {
                name: Some(format!("{vpa_name}-{container}")),
                ..ObjectMeta::default()
            },
            spec: CheckpointSpec {
                vpa_object_name: vpa_name.to_owned(),
                container_name: container.to_owned(),
            },
            status,
        })
    }

    /// Restores a container from a checkpoint (registering it if needed). Nothing changes on
    /// error.
    pub fn load_checkpoint(
        &mut self,
        now: Timestamp,
        cp: &VerticalPodAutoscalerCheckpoint,
    ) -> Result<()> {
        let name = cp.spec.container_name.clone();
        let existed = self.containers.contains_key(&name);
        self.add_container(now, &name);
        let entry = self.entry(&name)?;
        let mut aggregate = entry.aggregate.clone();
        let res = aggregate.load_checkpoint(&cp.status);
        match res {
            Ok(()) => entry.aggregate = aggregate,
            Err(_) if !existed => {
                self.containers.remove(&name);
            }
            Err(_) => {}
        }
        res
    }
}

/// The integer-CPU post-processor: for each annotation
/// `vpa-post-processor.kubernetes.io/<container>_integerCPU: "true"`, CPU of target, bounds
/// and uncapped target is rounded up to whole cores.
pub fn integer_cpu(
    annotations: &BTreeMap<String, String>,
    mut rec: RecommendedPodResources,
) -> RecommendedPodResources {
    for (key, value) in annotations {
        let Some(name) = key
            .strip_prefix(INTEGER_CPU_PREFIX)
            .and_then(|k| k.strip_suffix(INTEGER_CPU_SUFFIX))
        else {
            continue;
        };
        if name.is_empty() || value != "true" {
            continue;
        }
        for r in rec
            .container_recommendations
            .iter_mut()
            .filter(|r| r.container_name == name)
        {
            for list in [
                &mut r.target,
                &mut r.lower_bound,
                &mut r.upper_bound,
                &mut r.uncapped_target,
            ] {
                if let Some(q) = list.cpu {
                    // Quantity.RoundUp(Scale(0)): ceil to whole cores.
                    let m = q.milli_value();
                    let up = m.div_euclid(1000) + i64::from(m.rem_euclid(1000) != 0);
                    list.cpu = Some(Quantity::from_units(up));
                }
            }
        }
    }
    rec
}

#[cfg(test)]
mod tests {
    use super::*;

    const START: i64 = 1_700_006_400; // 2023-11-15T00:00:00Z
    const MIB: f64 = 1024.0 * 1024.0;

    /// The worked example of the VPA spec (§13): 250m and 500 MiB every minute for a day,
    /// with `extra` samples fed right after the sample at minute 700.
    fn day(extra: &[(i64, f64, f64)]) -> VpaRecommender {
        let mut r = VpaRecommender::new(Recommender::default());
        r.add_container(Timestamp::from_secs(START), "app");
        for i in 0..1440 {
            let t = Timestamp::from_secs(START + i * 60);
            assert_eq!(r.add_cpu_sample(t, "app", 0.25), Ok(SampleOutcome::Used));
            assert_eq!(
                r.add_memory_sample(t, "app", 500.0 * MIB),
                Ok(SampleOutcome::Used)
            );
            if i == 700 {
                for &(at, cores, bytes) in extra {
                    let at = Timestamp::from_secs(at);
                    r.add_cpu_sample(at, "app", cores).unwrap();
                    r.add_memory_sample(at, "app", bytes).unwrap();
                }
            }
        }
        r
    }

    fn amounts(r: &VpaRecommender) -> [(i64, i64); 3] {
        let rec = r.recommendation(Timestamp::from_secs(START + 86_400));
        let c = rec.for_container("app").unwrap();
        let pair = |l: &ResourceList| (l.cpu.unwrap().milli_value(), l.memory.unwrap().value());
        [pair(&c.lower_bound), pair(&c.target), pair(&c.upper_bound)]
    }

    /// Upstream's `addCPUSample` drops a sample whose start is not after the last one and
    /// `addMemorySample` one that is before the last one; the feeder carries on. A repeated
    /// timestamp (with a higher CPU and the same memory) and a sample 30 s back in time (with
    /// far higher usage) therefore leave the spec's worked example (§13) as it is: CPU
    /// 295m/296m/592m and memory 627438575/628694953/1257826803 bytes.
    #[test]
    fn repeated_and_reordered_samples_are_discarded_as_upstream() {
        let t700 = START + 700 * 60;
        let r = day(&[(t700, 4.0, 500.0 * MIB), (t700 - 30, 8.0, 4096.0 * MIB)]);
        assert_eq!(
            amounts(&r),
            [(295, 627_438_575), (296, 628_694_953), (592, 1_257_826_803)]
        );
        assert_eq!(amounts(&r), amounts(&day(&[])));
        assert_eq!(r.aggregate("app").unwrap().total_samples_count, 1440);
        assert_eq!(
            r.discarded_samples("app"),
            Some(DiscardedSamples { cpu: 2, memory: 1 })
        );
        assert_eq!(r.discarded_samples("other"), None);
    }

    /// A memory sample at the same time as the previous one is used: 600 MiB replaces the
    /// window's 500 MiB peak. Bucket of 629145600 B with the default options
    /// (first 1e7, ratio 1.05) is 29; its end 1e7 × (1.05^30 − 1) / 0.05 = 664388475.5 →
    /// 664388475, + 15 % margin 99658271 = 764046746; bounds with the unchanged confidence
    /// 86340/86400: × (1 + 0.001/c)^-2 → 762519882, × (1 + 1/c) → 1528624448.
    #[test]
    fn a_repeated_memory_sample_is_used() {
        let t700 = START + 700 * 60;
        let r = day(&[(t700, 0.25, 600.0 * MIB)]);
        assert_eq!(
            amounts(&r),
            [(295, 762_519_882), (296, 764_046_746), (592, 1_528_624_448)]
        );
        assert_eq!(
            r.discarded_samples("app"),
            Some(DiscardedSamples { cpu: 1, memory: 0 })
        );
    }

    #[test]
    fn pods_keep_separate_streams_and_counts() {
        let mut r = VpaRecommender::new(Recommender::default());
        let t = Timestamp::from_secs(START);
        r.add_container(t, "app");
        for pod in ["a", "b"] {
            assert_eq!(
                r.add_pod_cpu_sample(t, Some(pod), "app", 0.5),
                Ok(SampleOutcome::Used)
            );
        }
        assert_eq!(
            r.add_pod_cpu_sample(t, Some("a"), "app", 0.5),
            Ok(SampleOutcome::Discarded)
        );
        assert_eq!(r.aggregate("app").unwrap().total_samples_count, 2);
        assert_eq!(r.discarded_samples("app").unwrap().cpu, 1);
        assert!(matches!(
            r.add_cpu_sample(t, "nope", 0.5),
            Err(VpaError::UnknownContainer(_))
        ));
        assert!(r.add_cpu_sample(t, "app", -0.5).is_err());
    }

    #[test]
    fn failed_checkpoint_load_changes_nothing() {
        let mut r = day(&[]);
        let before = r
            .checkpoint(Timestamp::from_secs(START), "v", "app")
            .unwrap();
        let mut bad = before.clone();
        bad.status.total_samples_count = 3;
        bad.status.cpu_histogram.bucket_weights.insert(500, 1);
        assert!(
            r.load_checkpoint(Timestamp::from_secs(START), &bad)
                .is_err()
        );
        assert_eq!(
            r.checkpoint(Timestamp::from_secs(START), "v", "app")
                .unwrap(),
            before
        );
        bad.spec.container_name = "new".into();
        assert!(
            r.load_checkpoint(Timestamp::from_secs(START), &bad)
                .is_err()
        );
        assert_eq!(r.containers().collect::<Vec<_>>(), ["app"]);
    }
}
