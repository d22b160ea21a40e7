//! Usage samples of one container and their aggregation (`recommender/model/container.go`,
//! `aggregate_container_state.go`).
//!
//! [`ContainerState`] is one container of one pod: it deduplicates CPU samples, keeps one
//! memory peak per aggregation window and turns OOM events into bumped memory samples. It
//! feeds an [`AggregateContainerState`], which owns the two decaying histograms and the
//! sample counters used for confidence.

use super::checkpoint::{CHECKPOINT_VERSION, CheckpointStatus};
use super::decaying_histogram::DecayingHistogram;
use super::histogram::HistogramOptions;
use super::resources::{
    ResourceName, bytes_from_memory_amount, cores_from_cpu_amount, scale_resource,
};
use super::spec::{ContainerResourcePolicy, ContainerScalingMode};
use super::{Result, VpaError};
use crate::time::Timestamp;

/// Weight of every CPU sample (`minSampleWeight`); not request-weighted since 1.4.0.
pub const MIN_SAMPLE_WEIGHT: f64 = 0.1;
/// One day in milliseconds.
pub const DAY_MS: i64 = 86_400_000;

/// The aggregation settings (`AggregationsConfig` plus the OOM flags).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AggregationConfig {
    /// `--memory-aggregation-interval` (24 h), in ms.
    pub memory_aggregation_interval_ms: i64,
    /// `--memory-aggregation-interval-count` (8).
    pub memory_aggregation_interval_count: i64,
    /// CPU histogram bucketing.
    pub cpu_histogram_options: HistogramOptions,
    /// Memory histogram bucketing.
    pub memory_histogram_options: HistogramOptions,
    /// `--cpu-histogram-decay-half-life` (24 h), in ms.
    pub cpu_half_life_ms: i64,
    /// `--memory-histogram-decay-half-life` (24 h), in ms.
    pub memory_half_life_ms: i64,
    /// `--oom-bump-up-ratio` (1.2).
    pub oom_bump_up_ratio: f64,
    /// `--oom-min-bump-up-bytes` (104857600).
    pub oom_min_bump_up_bytes: f64,
}

impl Default for AggregationConfig {
    fn default() -> Self {
        Self {
            memory_aggregation_interval_ms: DAY_MS,
            memory_aggregation_interval_count: 8,
            cpu_histogram_options: HistogramOptions::default_cpu(),
            memory_histogram_options: HistogramOptions::default_memory(),
            cpu_half_life_ms: DAY_MS,
            memory_half_life_ms: DAY_MS,
            oom_bump_up_ratio: 1.2,
            oom_min_bump_up_bytes: 104_857_600.0,
        }
    }
}

/// Where a container's samples go: upstream's `Histogram` interface, reduced to what the
/// container state calls. Implemented by [`DecayingHistogram`]; tests can record calls.
pub trait UsageHistogram {
    /// Adds a weighted sample at `t`.
    fn add(&mut self, value: f64, weight: f64, t: Timestamp);
    /// Subtracts a weighted sample at `t`.
    fn subtract(&mut self, value: f64, weight: f64, t: Timestamp);
    /// Adds a CPU sample given in millicores: the value is `cores_from_cpu_amount(millicores)`,
    /// which is what the default passes to [`UsageHistogram::add`]; implementations may find
    /// the bucket from the integer directly, with the same result.
    #[inline]
    fn add_millicores(&mut self, millicores: i64, weight: f64, t: Timestamp) {
        self.add(cores_from_cpu_amount(millicores), weight, t);
    }
}

/// Histograms that answer percentiles (for the estimators).
pub trait UsagePercentile {
    /// The `p`-th percentile (bucket end, see [`crate::vpa::Histogram::percentile`]).
    fn percentile(&self, p: f64) -> f64;

    /// Three percentiles at once (target, lower and upper bound): the same values as three
    /// calls of [`UsagePercentile::percentile`], which is what the default does.
    fn percentiles3(&self, ps: [f64; 3]) -> [f64; 3] {
        ps.map(|p| self.percentile(p))
    }
}

impl UsagePercentile for DecayingHistogram {
    fn percentile(&self, p: f64) -> f64 {
        Self::percentile(self, p)
    }
    fn percentiles3(&self, ps: [f64; 3]) -> [f64; 3] {
        self.percentiles(ps)
    }
}

impl UsagePercentile for super::histogram::Histogram {
    fn percentile(&self, p: f64) -> f64 {
        Self::percentile(self, p)
    }
    fn percentiles3(&self, ps: [f64; 3]) -> [f64; 3] {
        self.percentiles(ps)
    }
}

/// A plain histogram ignores sample times.
impl UsageHistogram for super::histogram::Histogram {
    fn add(&mut self, value: f64, weight: f64, _t: Timestamp) {
        self.add_unchecked(value, weight);
    }
    fn subtract(&mut self, value: f64, weight: f64, _t: Timestamp) {
        self.subtract_unchecked(value, weight);
    }
    fn add_millicores(&mut self, millicores: i64, weight: f64, _t: Timestamp) {
        self.add_millicores_unchecked(millicores, weight);
    }
}

impl UsageHistogram for DecayingHistogram {
    #[inline]
    fn add(&mut self, value: f64, weight: f64, t: Timestamp) {
        self.add_unchecked(value, weight, t);
    }
    fn subtract(&mut self, value: f64, weight: f64, t: Timestamp) {
        self.subtract_unchecked(value, weight, t);
    }
    #[inline]
    fn add_millicores(&mut self, millicores: i64, weight: f64, t: Timestamp) {
        self.add_millicores_unchecked(millicores, weight, t);
    }
}

/// The aggregated usage of one container name (`AggregateContainerState`).
#[derive(Debug, Clone, PartialEq)]
pub struct AggregateContainerState<H = DecayingHistogram> {
    /// CPU usage in cores, weight 0.1 per sample.
    pub cpu: H,
    /// Memory peaks in bytes, weight 1 per window.
    pub memory: H,
    /// Time of the earliest CPU sample.
    pub first_sample_start: Option<Timestamp>,
    /// Time of the latest CPU sample.
    pub last_sample_start: Option<Timestamp>,
    /// Number of CPU samples.
    pub total_samples_count: u64,
    /// When this state was created (expiry of empty states).
    pub creation_time: Timestamp,
    /// Memory aggregation interval (ms).
    pub memory_aggregation_interval_ms: i64,
    /// Memory aggregation interval count.
    pub memory_aggregation_interval_count: i64,
    /// OOM bump ratio.
    pub oom_bump_up_ratio: f64,
    /// Minimum OOM bump (bytes).
    pub oom_min_bump_up_bytes: f64,
    /// `Auto` or `Off` (from the container policy).
    pub scaling_mode: ContainerScalingMode,
    /// Controlled resources in policy order (default cpu, memory).
    pub controlled_resources: [Option<ResourceName>; 2],
}

impl AggregateContainerState<DecayingHistogram> {
    /// A fresh state with the configured histograms.
    pub fn new(config: &AggregationConfig, creation_time: Timestamp) -> Result<Self> {
        Ok(Self::with_histograms(
            DecayingHistogram::new(config.cpu_histogram_options, config.cpu_half_life_ms)?,
            DecayingHistogram::new(config.memory_histogram_options, config.memory_half_life_ms)?,
            config,
            creation_time,
        ))
    }

    /// Bytes of heap held by the histograms.
    pub fn heap_size(&self) -> usize {
        self.cpu.heap_size() + self.memory.heap_size()
    }

    /// `MergeContainerState`: merges both histograms (shifting the older reference, which
    /// mutates `other` as upstream does) and the counters.
    pub fn merge(&mut self, other: &mut Self) -> Result<()> {
        let mut cpu = self.cpu.clone();
        let mut mem = self.memory.clone();
        cpu.merge(&mut other.cpu)?;
        mem.merge(&mut other.memory)?;
        self.cpu = cpu;
        self.memory = mem;
        self.first_sample_start = match (self.first_sample_start, other.first_sample_start) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last_sample_start = self.last_sample_start.max(other.last_sample_start);
        self.total_samples_count = self
            .total_samples_count
            .saturating_add(other.total_samples_count);
        Ok(())
    }

    /// `SaveToCheckpoint` (version v3).
    pub fn save_checkpoint(&self) -> CheckpointStatus {
        CheckpointStatus {
            last_update_time: None,
            version: CHECKPOINT_VERSION.to_owned(),
            cpu_histogram: self.cpu.save_checkpoint(),
            memory_histogram: self.memory.save_checkpoint(),
            first_sample_start: self.first_sample_start,
            last_sample_start: self.last_sample_start,
            total_samples_count: self.total_samples_count,
        }
    }

    /// `LoadFromCheckpoint`, in upstream's order: a version other than `v3` is an error with
    /// nothing changed; otherwise the sample counters are taken from the checkpoint, then the
    /// memory histogram and then the CPU histogram are loaded, each as a whole or not at all
    /// (see [`crate::vpa::Histogram::load_checkpoint`] for what a histogram rejects). So, as upstream, a malformed CPU histogram leaves the counters and the memory
    /// histogram loaded and returns the error. [`crate::vpa::VpaRecommender::load_checkpoint`]
    /// is the all-or-nothing form.
    ///
    /// ```
    /// use tidescale::{Timestamp, vpa::{AggregateContainerState, AggregationConfig}};
    /// use tidescale::vpa::checkpoint::CheckpointStatus;
    /// let mut a = AggregateContainerState::new(&AggregationConfig::default(), Timestamp(0)).unwrap();
    /// let mut cp = CheckpointStatus { version: "v3".into(), total_samples_count: 20, ..Default::default() };
    /// cp.memory_histogram.bucket_weights.insert(0, 10);
    /// cp.memory_histogram.total_weight = 33.0;
    /// cp.cpu_histogram.bucket_weights.insert(176, 10); // one past the last bucket
    /// assert!(a.load_checkpoint(&cp).is_err());
    /// assert_eq!(a.total_samples_count, 20);
    /// assert!(!a.memory.is_empty());
    /// assert!(a.cpu.is_empty());
    /// ```
    pub fn load_checkpoint(&mut self, cp: &CheckpointStatus) -> Result<()> {
        if cp.version != CHECKPOINT_VERSION {
            return Err(VpaError::Checkpoint(format!(
                "unsupported checkpoint version {:?}",
                cp.version
            )));
        }
        self.total_samples_count = cp.total_samples_count;
        self.first_sample_start = cp.first_sample_start;
        self.last_sample_start = cp.last_sample_start;
        self.memory.load_checkpoint(&cp.memory_histogram)?;
        self.cpu.load_checkpoint(&cp.cpu_histogram)
    }
}

/// `AggregateStateByContainerName`: one fresh aggregate per container name (created at
/// `now` with `config`'s histograms), into which every given aggregate of that name is merged
/// with [`AggregateContainerState::merge`]. Upstream keys aggregates by namespace, container
/// name and pod labels; this groups them by the container name alone, as a VPA's
/// recommendation does.
///
/// ```
/// use tidescale::{Timestamp, vpa::{AggregateContainerState, AggregationConfig, ContainerState}};
/// use tidescale::vpa::container_state::aggregate_by_container_name;
/// let cfg = AggregationConfig::default();
/// let t = Timestamp::from_secs(1_492_536_905);
/// let mut states = Vec::new();
/// for (name, millicores) in [("app-A", 1000), ("app-B", 5000), ("app-A", 3000)] {
///     let mut a = AggregateContainerState::new(&cfg, t).unwrap();
///     ContainerState::new().add_cpu_sample(&mut a, t, millicores).unwrap();
///     states.push((name, a));
/// }
/// let by_name = aggregate_by_container_name(&cfg, t, states).unwrap();
/// assert_eq!(by_name["app-A"].total_samples_count, 2);
/// assert_eq!(by_name["app-B"].total_samples_count, 1);
/// ```
pub fn aggregate_by_container_name<S: AsRef<str>>(
    config: &AggregationConfig,
    now: Timestamp,
    states: impl IntoIterator<Item = (S, AggregateContainerState)>,
) -> Result<std::collections::BTreeMap<String, AggregateContainerState>> {
    let mut out = std::collections::BTreeMap::new();
    for (name, mut state) in states {
        let name = name.as_ref();
        let merged = match out.get_mut(name) {
            Some(m) => m,
            None => out
                .entry(name.to_owned())
                .or_insert(AggregateContainerState::new(config, now)?),
        };
        merged.merge(&mut state)?;
    }
    Ok(out)
}

impl<H: UsageHistogram> AggregateContainerState<H> {
    /// A fresh state over the given histograms.
    pub fn with_histograms(
        cpu: H,
        memory: H,
        config: &AggregationConfig,
        creation_time: Timestamp,
    ) -> Self {
        Self {
            cpu,
            memory,
            first_sample_start: None,
            last_sample_start: None,
            total_samples_count: 0,
            creation_time,
            memory_aggregation_interval_ms: config.memory_aggregation_interval_ms,
            memory_aggregation_interval_count: config.memory_aggregation_interval_count,
            oom_bump_up_ratio: config.oom_bump_up_ratio,
            oom_min_bump_up_bytes: config.oom_min_bump_up_bytes,
            scaling_mode: ContainerScalingMode::Auto,
            controlled_resources: [Some(ResourceName::Cpu), Some(ResourceName::Memory)],
        }
    }

    #[inline]
    fn add_cpu(&mut self, millicores: i64, t: Timestamp) {
        self.cpu.add_millicores(millicores, MIN_SAMPLE_WEIGHT, t);
        if self.last_sample_start.is_none_or(|l| t > l) {
            self.last_sample_start = Some(t);
        }
        if self.first_sample_start.is_none_or(|f| t < f) {
            self.first_sample_start = Some(t);
        }
        self.total_samples_count = self.total_samples_count.saturating_add(1);
    }

    /// The controlled resources as a list.
    pub fn controlled(&self) -> Vec<ResourceName> {
        self.controlled_resources
            .iter()
            .flatten()
            .copied()
            .collect()
    }

    /// `isExpired`: a state with samples expires `interval × count` after its last sample, an
    /// empty one that long after its creation.
    pub fn is_expired(&self, now: Timestamp) -> bool {
        let window = self
            .memory_aggregation_interval_ms
            .saturating_mul(self.memory_aggregation_interval_count);
        let since = if self.total_samples_count == 0 {
            self.creation_time
        } else {
            self.last_sample_start.unwrap_or(self.creation_time)
        };
        now.0.saturating_sub(since.0) >= window
    }

    /// `UpdateFromPolicy`: scaling mode and controlled resources from the container policy;
    /// with the `PerVPAConfig` feature gate, also the OOM and aggregation overrides.
    pub fn update_from_policy(
        &mut self,
        policy: Option<&ContainerResourcePolicy>,
        per_vpa_config: bool,
    ) {
        self.scaling_mode = policy.and_then(|p| p.mode).unwrap_or_default();
        self.controlled_resources = [Some(ResourceName::Cpu), Some(ResourceName::Memory)];
        if let Some(list) = policy.and_then(|p| p.controlled_resources.as_ref()) {
            let mut out = [None, None];
            let mut n = 0;
            for r in list {
                if n < 2 && !out.contains(&Some(*r)) {
                    if let Some(slot) = out.get_mut(n) {
                        *slot = Some(*r);
                    }
                    n += 1;
                }
            }
            self.controlled_resources = out;
        }
        if let (true, Some(p)) = (per_vpa_config, policy) {
            if let Some(q) = p.oom_bump_up_ratio {
                self.oom_bump_up_ratio = q.milli_value() as f64 / 1000.0;
            }
            if let Some(q) = p.oom_min_bump_up {
                self.oom_min_bump_up_bytes = q.milli_value() as f64 / 1000.0;
            }
            if let Some(s) = p.memory_aggregation_interval_seconds {
                self.memory_aggregation_interval_ms = s.saturating_mul(1000);
            }
            if let Some(c) = p.memory_aggregation_interval_count {
                self.memory_aggregation_interval_count = c;
            }
        }
    }
}

/// What became of one usage sample: upstream's `bool` from `ContainerState.AddSample`.
///
/// A discarded sample is not an error: upstream drops it and carries on, and so does a host
/// feeding a metrics stream with a repeated or late timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SampleOutcome {
    /// The sample went into the aggregate.
    Used,
    /// The sample was dropped because of its time: a CPU sample not strictly after the last
    /// used CPU sample of its stream, or a memory sample strictly before the last memory
    /// sample (or OOM). Nothing changed but the stream's discard count.
    Discarded,
}

impl SampleOutcome {
    /// Whether the sample went into the aggregate (upstream's return value).
    pub const fn is_used(self) -> bool {
        matches!(self, Self::Used)
    }

    /// The outcome's name: `used` or `discarded`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Used => "used",
            Self::Discarded => "discarded",
        }
    }
}

impl std::fmt::Display for SampleOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How many samples of a stream were discarded for their time (see
/// [`SampleOutcome::Discarded`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct DiscardedSamples {
    /// CPU samples not strictly after the previous CPU sample.
    pub cpu: u64,
    /// Memory samples strictly before the previous memory sample (or OOM).
    pub memory: u64,
}

impl DiscardedSamples {
    /// CPU and memory together.
    pub const fn total(self) -> u64 {
        self.cpu.saturating_add(self.memory)
    }

    /// Adds another count (saturating).
    #[must_use]
    pub const fn plus(self, other: Self) -> Self {
        Self {
            cpu: self.cpu.saturating_add(other.cpu),
            memory: self.memory.saturating_add(other.memory),
        }
    }
}

/// One container of one pod (`ContainerState`): sample ordering and memory windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ContainerState {
    last_cpu_sample_start: Option<Timestamp>,
    memory_peak: i64,
    oom_peak: i64,
    window_end: Option<Timestamp>,
    last_memory_sample_start: Option<Timestamp>,
    discarded: DiscardedSamples,
}

impl ContainerState {
    /// A container with no samples.
    pub const fn new() -> Self {
        Self {
            last_cpu_sample_start: None,
            memory_peak: 0,
            oom_peak: 0,
            window_end: None,
            last_memory_sample_start: None,
            discarded: DiscardedSamples { cpu: 0, memory: 0 },
        }
    }

    /// Samples of this container discarded so far for their time.
    pub const fn discarded(&self) -> DiscardedSamples {
        self.discarded
    }

    /// End of the current memory aggregation window.
    pub fn window_end(&self) -> Option<Timestamp> {
        self.window_end
    }

    /// A CPU sample of `millicores` measured at `t` (`addCPUSample`). A sample not strictly
    /// after the previous used CPU sample is [`SampleOutcome::Discarded`], as upstream drops
    /// it; only the discard count changes. A negative usage is an error (nothing changes).
    ///
    /// ```
    /// use tidescale::{Timestamp, vpa::{AggregateContainerState, AggregationConfig, ContainerState, SampleOutcome}};
    /// let cfg = AggregationConfig::default();
    /// let mut agg = AggregateContainerState::new(&cfg, Timestamp::from_secs(0)).unwrap();
    /// let mut c = ContainerState::new();
    /// let used = c.add_cpu_sample(&mut agg, Timestamp::from_secs(60), 250).unwrap();
    /// let repeat = c.add_cpu_sample(&mut agg, Timestamp::from_secs(60), 250).unwrap();
    /// assert_eq!((used, repeat), (SampleOutcome::Used, SampleOutcome::Discarded));
    /// assert_eq!(agg.total_samples_count, 1);
    /// assert_eq!(c.discarded().cpu, 1);
    /// ```
    #[inline]
    pub fn add_cpu_sample<H: UsageHistogram>(
        &mut self,
        agg: &mut AggregateContainerState<H>,
        t: Timestamp,
        millicores: i64,
    ) -> Result<SampleOutcome> {
        if millicores < 0 {
            return Err(VpaError::InvalidValue {
                field: "cpu usage",
                value: millicores as f64,
            });
        }
        if self.last_cpu_sample_start.is_some_and(|last| t <= last) {
            self.discarded.cpu = self.discarded.cpu.saturating_add(1);
            return Ok(SampleOutcome::Discarded);
        }
        agg.add_cpu(millicores, t);
        self.last_cpu_sample_start = Some(t);
        Ok(SampleOutcome::Used)
    }

    /// A memory (working set) sample of `bytes` at `t` (`addMemorySample`). A sample strictly
    /// before the previous memory sample (or OOM) is [`SampleOutcome::Discarded`]; equal
    /// times are used. A negative usage is an error (nothing changes).
    pub fn add_memory_sample<H: UsageHistogram>(
        &mut self,
        agg: &mut AggregateContainerState<H>,
        t: Timestamp,
        bytes: i64,
    ) -> Result<SampleOutcome> {
        self.add_memory(agg, t, bytes, false)
    }

    fn add_memory<H: UsageHistogram>(
        &mut self,
        agg: &mut AggregateContainerState<H>,
        t: Timestamp,
        bytes: i64,
        is_oom: bool,
    ) -> Result<SampleOutcome> {
        if bytes < 0 {
            return Err(VpaError::InvalidValue {
                field: "memory usage",
                value: bytes as f64,
            });
        }
        let interval = agg.memory_aggregation_interval_ms;
        if interval <= 0 {
            return Err(VpaError::InvalidValue {
                field: "memory aggregation interval",
                value: interval as f64,
            });
        }
        if !is_oom && self.last_memory_sample_start.is_some_and(|last| t < last) {
            self.discarded.memory = self.discarded.memory.saturating_add(1);
            return Ok(SampleOutcome::Discarded);
        }
        self.last_memory_sample_start = Some(t);
        let mut window_end = self.window_end.unwrap_or(t);
        let mut add_new = false;
        if t < window_end {
            let old = self.memory_peak.max(self.oom_peak);
            if old != 0 && bytes > old {
                agg.memory
                    .subtract(bytes_from_memory_amount(old), 1.0, window_end);
                add_new = true;
            }
        } else {
            // Go: WindowEnd += (t − WindowEnd).Truncate(interval) + interval.
            let d = t.0.saturating_sub(window_end.0);
            let shift = (d - d % interval).saturating_add(interval);
            window_end = Timestamp(window_end.0.saturating_add(shift));
            self.memory_peak = 0;
            self.oom_peak = 0;
            add_new = true;
        }
        self.window_end = Some(window_end);
        if add_new {
            agg.memory
                .add(bytes_from_memory_amount(bytes), 1.0, window_end);
            if is_oom {
                self.oom_peak = bytes;
            } else {
                self.memory_peak = bytes;
            }
        }
        Ok(SampleOutcome::Used)
    }

    /// `RecordOOM`: an OOM kill at `t` of a container with `requested_memory` bytes of
    /// request becomes a memory sample of max(base + min bump, base × ratio), base =
    /// max(request, current window's usage peak). Stale OOMs (more than one interval before
    /// the last memory sample; 1.8.0 rule) are rejected.
    ///
    /// ```
    /// use tidescale::{Timestamp, vpa::{AggregateContainerState, AggregationConfig, ContainerState}};
    /// let cfg = AggregationConfig::default();
    /// let mut agg = AggregateContainerState::new(&cfg, Timestamp::from_secs(0)).unwrap();
    /// let mut c = ContainerState::new();
    /// c.record_oom(&mut agg, Timestamp::from_secs(1_492_536_905), 1_048_576).unwrap();
    /// assert_eq!(agg.memory.percentile(1.0) > 105_906_176.0, true);
    /// ```
    pub fn record_oom<H: UsageHistogram>(
        &mut self,
        agg: &mut AggregateContainerState<H>,
        t: Timestamp,
        requested_memory: i64,
    ) -> Result<()> {
        if requested_memory < 0 {
            return Err(VpaError::InvalidValue {
                field: "requested memory",
                value: requested_memory as f64,
            });
        }
        if let Some(last) = self.last_memory_sample_start
            && t.0 < last.0.saturating_sub(agg.memory_aggregation_interval_ms)
        {
            return Err(VpaError::StaleOom { at: t.0 });
        }
        let used = requested_memory.max(self.memory_peak);
        let bump = super::resources::memory_amount_from_bytes(agg.oom_min_bump_up_bytes);
        // Go adds int64s (wrapping); tidescale saturates.
        let needed = used
            .saturating_add(bump)
            .max(scale_resource(used, agg.oom_bump_up_ratio));
        // An OOM sample skips the ordering check, so it is always used.
        self.add_memory(agg, t, needed, true).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agg() -> AggregateContainerState {
        AggregateContainerState::new(&AggregationConfig::default(), Timestamp(0)).unwrap()
    }

    #[test]
    fn rejected_samples_do_not_corrupt_state() {
        let mut a = agg();
        let mut c = ContainerState::new();
        c.add_cpu_sample(&mut a, Timestamp::from_secs(100), 250)
            .unwrap();
        c.add_memory_sample(&mut a, Timestamp::from_secs(100), 1 << 30)
            .unwrap();
        let (a0, c0) = (a.clone(), c);
        assert!(
            c.add_cpu_sample(&mut a, Timestamp::from_secs(200), -1)
                .is_err()
        );
        assert!(
            c.add_memory_sample(&mut a, Timestamp::from_secs(200), -5)
                .is_err()
        );
        assert!(c.record_oom(&mut a, Timestamp::from_secs(200), -5).is_err());
        assert!(
            c.record_oom(&mut a, Timestamp::from_secs(100 - 90_000), 5)
                .is_err()
        );
        assert_eq!(a, a0);
        assert_eq!(c, c0);
    }

    /// Upstream's `addCPUSample` / `addMemorySample` return false for a late sample and the
    /// feeder carries on: the aggregate is untouched, only the discard counts move.
    #[test]
    fn late_samples_are_discarded_and_counted() {
        let mut a = agg();
        let mut c = ContainerState::new();
        let t100 = Timestamp::from_secs(100);
        assert_eq!(c.add_cpu_sample(&mut a, t100, 250), Ok(SampleOutcome::Used));
        assert_eq!(
            c.add_memory_sample(&mut a, t100, 1 << 30),
            Ok(SampleOutcome::Used)
        );
        let (a0, c0) = (a.clone(), c);
        // Same time: CPU is dropped (start not after the last), memory is used.
        assert_eq!(
            c.add_cpu_sample(&mut a, t100, 900),
            Ok(SampleOutcome::Discarded)
        );
        assert_eq!(a, a0);
        // Earlier: both dropped.
        let t50 = Timestamp::from_secs(50);
        assert_eq!(
            c.add_cpu_sample(&mut a, t50, 900),
            Ok(SampleOutcome::Discarded)
        );
        assert_eq!(
            c.add_memory_sample(&mut a, t50, 5),
            Ok(SampleOutcome::Discarded)
        );
        assert_eq!(a, a0);
        assert_eq!(c.discarded(), DiscardedSamples { cpu: 2, memory: 1 });
        assert_eq!(c.discarded().total(), 3);
        assert_ne!(c, c0);
        // A memory sample at the same time as the last one is used (a larger peak replaces
        // the window's peak).
        assert_eq!(
            c.add_memory_sample(&mut a, t100, 2 << 30),
            Ok(SampleOutcome::Used)
        );
        assert_eq!(a.total_samples_count, 1);
        // The old peak was subtracted: one bucket, above the old one.
        assert!(a.memory.percentile(1.0) > a0.memory.percentile(1.0));
        assert_eq!(a.memory.percentile(0.0), a.memory.percentile(1.0));
    }

    #[test]
    fn expiry() {
        let mut a = agg();
        a.creation_time = Timestamp::from_secs(1_492_536_905);
        assert!(!a.is_expired(Timestamp::from_secs(1_492_536_905 + 8 * 86400 - 1)));
        assert!(a.is_expired(Timestamp::from_secs(1_492_536_905 + 8 * 86400)));
    }

    #[test]
    fn checkpoint_round_trip_keeps_percentiles() {
        let mut a = agg();
        let mut c = ContainerState::new();
        for i in 0..500 {
            let t = Timestamp::from_secs(1_700_000_000 + i * 60);
            c.add_cpu_sample(&mut a, t, 100 + (i % 37) * 7).unwrap();
            c.add_memory_sample(&mut a, t, 300_000_000 + i * 1000)
                .unwrap();
        }
        let cp = a.save_checkpoint();
        let json = serde_json::to_string(&cp).unwrap();
        let back: CheckpointStatus = serde_json::from_str(&json).unwrap();
        let mut b = agg();
        b.load_checkpoint(&back).unwrap();
        for p in [0.5, 0.9, 0.95] {
            assert_eq!(a.cpu.percentile(p), b.cpu.percentile(p));
            assert_eq!(a.memory.percentile(p), b.memory.percentile(p));
        }
        assert_eq!(b.total_samples_count, 500);
        assert_eq!(b.save_checkpoint().cpu_histogram, cp.cpu_histogram);
        let mut bad = back.clone();
        bad.version = "v2".into();
        assert!(b.clone().load_checkpoint(&bad).is_err());
        bad.version = "v3".into();
        bad.cpu_histogram.bucket_weights.insert(999, 1);
        bad.total_samples_count = 7;
        let before = b.clone();
        assert!(b.load_checkpoint(&bad).is_err());
        // Upstream's order: counters and memory are loaded before the CPU histogram fails.
        assert_eq!(b.total_samples_count, 7);
        assert_eq!(b.cpu, before.cpu);
        assert_ne!(b.memory, before.memory);
    }
}

#[cfg(test)]
mod size_tests {
    use super::*;

    /// Deterministic memory accounting: a week of one-minute samples with realistic spread
    /// (CPU 0.2–0.6 cores, memory 400–600 MB) must keep 100,000 containers under 200 MiB.
    #[test]
    fn hundred_thousand_containers_fit_in_200_mib() {
        let cfg = AggregationConfig::default();
        let start = 1_700_006_400;
        let mut a = AggregateContainerState::new(&cfg, Timestamp::from_secs(start)).unwrap();
        let mut c = ContainerState::new();
        for i in 0..10_080 {
            let t = Timestamp::from_secs(start + i * 60);
            c.add_cpu_sample(&mut a, t, 200 + (i * 37) % 400).unwrap();
            c.add_memory_sample(&mut a, t, 400_000_000 + (i * 7919) % 200_000_000)
                .unwrap();
        }
        let per_container =
            size_of::<AggregateContainerState>() + size_of::<ContainerState>() + a.heap_size();
        assert!(
            per_container <= 2 * 1024,
            "{per_container} bytes per container"
        );
        assert!(per_container * 100_000 <= 200 * 1024 * 1024);
        // Upstream keeps two dense 176-bucket float64 arrays: 2816 bytes of weights alone.
        assert!(a.heap_size() < 2 * 176 * 8);
    }
}

#[cfg(test)]
mod proptests {
    use proptest::prelude::*;

    use super::*;
    use crate::vpa::estimator::{EstimatorConfig, estimate_container};

    proptest! {
        #[test]
        fn bounds_are_ordered(samples in prop::collection::vec((0u32..4000, 0u32..2_000_000_000), 1..200)) {
            let cfg = AggregationConfig::default();
            let mut a = AggregateContainerState::new(&cfg, Timestamp::from_secs(1_700_000_000)).unwrap();
            let mut c = ContainerState::new();
            for (i, (cpu, mem)) in samples.iter().enumerate() {
                let t = Timestamp::from_secs(1_700_000_000 + i as i64 * 60);
                c.add_cpu_sample(&mut a, t, i64::from(*cpu)).unwrap();
                c.add_memory_sample(&mut a, t, i64::from(*mem)).unwrap();
            }
            let e = estimate_container(&a, &EstimatorConfig::default(), 1);
            prop_assert!(e.lower_bound.cpu <= e.target.cpu && e.target.cpu <= e.upper_bound.cpu);
            prop_assert!(e.lower_bound.memory <= e.target.memory && e.target.memory <= e.upper_bound.memory);
        }

        #[test]
        fn rejected_samples_change_nothing(t in -1_000i64..1_000, usage in -5i64..5) {
            let cfg = AggregationConfig::default();
            let mut a = AggregateContainerState::new(&cfg, Timestamp(0)).unwrap();
            let mut c = ContainerState::new();
            c.add_cpu_sample(&mut a, Timestamp::from_secs(500), 100).unwrap();
            c.add_memory_sample(&mut a, Timestamp::from_secs(500), 100).unwrap();
            let (a0, c0) = (a.clone(), c);
            match c.add_cpu_sample(&mut a, Timestamp::from_secs(t), usage) {
                Err(_) => {
                    prop_assert_eq!(&a, &a0);
                    prop_assert_eq!(c, c0);
                }
                Ok(SampleOutcome::Discarded) => {
                    prop_assert_eq!(&a, &a0);
                    prop_assert_eq!(c.discarded().cpu, c0.discarded().cpu + 1);
                }
                Ok(_) => prop_assert!(t > 500),
            }
            let (a1, c1) = (a.clone(), c);
            match c.add_memory_sample(&mut a, Timestamp::from_secs(t), usage) {
                Err(_) => {
                    prop_assert_eq!(&a, &a1);
                    prop_assert_eq!(c, c1);
                }
                Ok(SampleOutcome::Discarded) => {
                    prop_assert_eq!(&a, &a1);
                    prop_assert_eq!(c.discarded().memory, c1.discarded().memory + 1);
                }
                Ok(_) => prop_assert!(t >= 500),
            }
        }

        #[test]
        fn checkpoint_save_load_save_is_stable(ws in prop::collection::vec((0u32..175, 1u32..100_000), 1..40)) {
            let o = HistogramOptions::default_cpu();
            let mut h = crate::vpa::Histogram::new(o);
            for (b, w) in &ws {
                h.add_sample(o.bucket_start(*b), f64::from(*w) * 1e-3).unwrap();
            }
            let cp = h.save_checkpoint();
            let mut g = crate::vpa::Histogram::new(o);
            g.load_checkpoint(&cp).unwrap();
            prop_assert_eq!(g.save_checkpoint(), cp);
        }
    }
}
