//! `kafka`: consumer-group lag per partition, summed and capped (spec §1.6).
//!
//! The `excludePersistentLag` memory (the committed offset seen on the previous poll) lives in
//! [`KafkaLag`], which the host keeps between polls.

use std::collections::BTreeMap;

use super::{Meta, ScalerReading};
use crate::keda::KedaError;
use crate::keda::goparse::{json_int, metric_milli, normalize_metric_name};

const SCALER: &str = "kafka";
/// A consumer offset of -1 means "nothing committed".
pub const INVALID_OFFSET: i64 = -1;

/// `offsetResetPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OffsetResetPolicy {
    /// `latest` (default): an uncommitted partition counts as lag 1.
    #[default]
    Latest,
    /// `earliest`: an uncommitted partition counts its whole latest offset.
    Earliest,
}

/// Parsed `kafka` trigger metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KafkaMetadata {
    /// `bootstrapServers`.
    pub bootstrap_servers: String,
    /// `consumerGroup`.
    pub consumer_group: String,
    /// `topic`; empty means every topic the group consumes.
    pub topic: String,
    /// `partitionLimitation` (only kept when `topic` is set); empty means all partitions.
    pub partition_limitation: Vec<i32>,
    /// `lagThreshold`, default 10, > 0.
    pub lag_threshold: i64,
    /// `activationLagThreshold`, default 0, >= 0.
    pub activation_lag_threshold: i64,
    /// `offsetResetPolicy`.
    pub offset_reset_policy: OffsetResetPolicy,
    /// `allowIdleConsumers`.
    pub allow_idle_consumers: bool,
    /// `excludePersistentLag`.
    pub exclude_persistent_lag: bool,
    /// `scaleToZeroOnInvalidOffset`.
    pub scale_to_zero_on_invalid_offset: bool,
    /// `limitToPartitionsWithLag`.
    pub limit_to_partitions_with_lag: bool,
    /// `ensureEvenDistributionOfPartitions`.
    pub ensure_even_distribution: bool,
}

impl KafkaMetadata {
    /// Parses and validates the trigger metadata.
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// let md: BTreeMap<String, String> = [("bootstrapServers", "b:9092"),
    ///     ("consumerGroup", "g"), ("topic", "t"), ("lagThreshold", "0")]
    ///     .into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
    /// assert!(tidescale::keda::scalers::KafkaMetadata::parse(&md).is_err());
    /// ```
    pub fn parse(metadata: &BTreeMap<String, String>) -> Result<Self, KedaError> {
        let m = Meta {
            scaler: SCALER,
            map: metadata,
        };
        let topic = m.get("topic").unwrap_or("").to_owned();
        let lag_threshold = m.int("lagThreshold", Some(10))?;
        if lag_threshold <= 0 {
            return Err(m.err("lagThreshold", &lag_threshold.to_string(), "must be > 0"));
        }
        let activation_lag_threshold = m.int("activationLagThreshold", Some(0))?;
        if activation_lag_threshold < 0 {
            return Err(m.err(
                "activationLagThreshold",
                &activation_lag_threshold.to_string(),
                "must be >= 0",
            ));
        }
        let offset_reset_policy = match m.get("offsetResetPolicy").unwrap_or("latest") {
            "latest" => OffsetResetPolicy::Latest,
            "earliest" => OffsetResetPolicy::Earliest,
            other => return Err(m.err("offsetResetPolicy", other, "must be latest or earliest")),
        };
        let partition_limitation = match m.get("partitionLimitation") {
            Some(v) if !topic.is_empty() => parse_partition_limitation(v)?,
            _ => Vec::new(),
        };
        let md = Self {
            bootstrap_servers: m.required("bootstrapServers")?.to_owned(),
            consumer_group: m.required("consumerGroup")?.to_owned(),
            partition_limitation,
            lag_threshold,
            activation_lag_threshold,
            offset_reset_policy,
            allow_idle_consumers: m.bool("allowIdleConsumers", false)?,
            exclude_persistent_lag: m.bool("excludePersistentLag", false)?,
            scale_to_zero_on_invalid_offset: m.bool("scaleToZeroOnInvalidOffset", false)?,
            limit_to_partitions_with_lag: m.bool("limitToPartitionsWithLag", false)?,
            ensure_even_distribution: m.bool("ensureEvenDistributionOfPartitions", false)?,
            topic,
        };
        let full_metadata = m.bool("fullMetadata", true)?;
        let invalid = |why: &str| KedaError::InvalidSpec(format!("kafka: {why}"));
        if md.allow_idle_consumers && md.limit_to_partitions_with_lag {
            return Err(invalid(
                "allowIdleConsumers and limitToPartitionsWithLag cannot both be set",
            ));
        }
        if md.limit_to_partitions_with_lag && md.ensure_even_distribution {
            return Err(invalid(
                "limitToPartitionsWithLag and ensureEvenDistributionOfPartitions cannot both be set",
            ));
        }
        if md.topic.is_empty() && md.limit_to_partitions_with_lag {
            return Err(invalid("limitToPartitionsWithLag requires a topic"));
        }
        if md.topic.is_empty() && md.ensure_even_distribution {
            return Err(invalid(
                "ensureEvenDistributionOfPartitions requires a topic",
            ));
        }
        if md.topic.is_empty() && !full_metadata {
            return Err(invalid("fullMetadata=false requires a topic"));
        }
        Ok(md)
    }

    /// `s<i>-kafka-<topic>`, or `s<i>-kafka-<consumerGroup>-topics` without a topic.
    pub fn metric_name(&self, trigger_index: usize) -> String {
        let base = if self.topic.is_empty() {
            format!("s{trigger_index}-kafka-{}-topics", self.consumer_group)
        } else {
            format!("s{trigger_index}-kafka-{}", self.topic)
        };
        normalize_metric_name(&base)
    }
}

/// Parses `partitionLimitation`: comma list of integers and inclusive `a-b` ranges, each element
/// trimmed, parsed with JSON rules (so `-3` is not a negative number but a malformed range).
///
/// ```
/// use tidescale::keda::scalers::kafka::parse_partition_limitation;
/// assert_eq!(parse_partition_limitation(" 1 - 4 ").unwrap(), vec![1, 2, 3, 4]);
/// assert!(parse_partition_limitation("a-3").is_err());
/// ```
pub fn parse_partition_limitation(s: &str) -> Result<Vec<i32>, KedaError> {
    let bad = |v: &str| KedaError::InvalidParameter {
        scaler: SCALER,
        param: "partitionLimitation",
        value: v.to_owned(),
        reason: "expected integers or ranges a-b",
    };
    let int32 = |v: &str| {
        json_int(v)
            .and_then(|i| i32::try_from(i).ok())
            .ok_or_else(|| bad(v))
    };
    let mut out = Vec::new();
    for elem in s.split(',') {
        let elem = elem.trim();
        if elem.contains('-') {
            let parts: Vec<&str> = elem.split('-').collect();
            let [a, b] = parts.as_slice() else {
                return Err(bad(elem));
            };
            let (a, b) = (int32(a)?, int32(b)?);
            // Bounded: at most 2^32 iterations would be absurd; cap the range at 1e6 entries.
            if i64::from(b) - i64::from(a) > 1_000_000 {
                return Err(bad(elem));
            }
            out.extend(a..=b);
        } else {
            out.push(int32(elem)?);
        }
    }
    Ok(out)
}

/// Offsets of one partition as read from the brokers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartitionOffsets {
    /// The group's committed offset (`-1`: nothing committed); `None` when the group's
    /// offset fetch returned no block for the partition (an error upstream).
    pub consumer_offset: Option<i64>,
    /// The latest (high-water) offset; `None` when the partition is absent from the answer.
    pub latest_offset: Option<i64>,
}

/// Offsets per topic and partition, as the host read them.
pub type KafkaOffsets = BTreeMap<String, BTreeMap<i32, PartitionOffsets>>;

/// The lag of one partition: `(lag, lagWithPersistent)`.
///
/// `latest` is `None` when the topic or partition is missing from the latest-offset answer.
/// `previous` is the `excludePersistentLag` memory for this partition (updated in place).
pub fn partition_lag(
    md: &KafkaMetadata,
    consumer_offset: i64,
    latest: Option<i64>,
    previous: &mut Option<i64>,
) -> (i64, i64) {
    if consumer_offset == INVALID_OFFSET && md.offset_reset_policy == OffsetResetPolicy::Latest {
        // The docs speak of a "negative lag"; the code returns 1 (0 with scaleToZero...).
        let v = i64::from(!md.scale_to_zero_on_invalid_offset);
        return (v, v);
    }
    let Some(latest) = latest else {
        // Missing from the answer (seen with Event Hubs): lag 0, not an error.
        return (0, 0);
    };
    if consumer_offset == INVALID_OFFSET {
        // earliest policy
        if md.scale_to_zero_on_invalid_offset {
            return (0, 0);
        }
        return (latest, latest);
    }
    let lag = latest.wrapping_sub(consumer_offset);
    if md.exclude_persistent_lag {
        match *previous {
            Some(p) if p == consumer_offset => return (0, lag),
            _ => *previous = Some(consumer_offset),
        }
    }
    (lag, lag)
}

/// `FindFactors`: the sorted divisors of `n`; none when `n < 1`.
///
/// ```
/// assert_eq!(tidescale::keda::scalers::kafka::find_factors(10), vec![1, 2, 5, 10]);
/// ```
pub fn find_factors(n: i64) -> Vec<i64> {
    if n < 1 {
        return Vec::new();
    }
    let mut small = Vec::new();
    let mut large = Vec::new();
    let mut i: i64 = 1;
    while i.saturating_mul(i) <= n {
        if n % i == 0 {
            small.push(i);
            if i != n / i {
                large.push(n / i);
            }
        }
        i += 1;
    }
    small.extend(large.into_iter().rev());
    small
}

/// The smallest divisor `f` of the partition count with `f * lagThreshold >= totalLag`, or the
/// partition count when none is.
///
/// ```
/// assert_eq!(tidescale::keda::scalers::kafka::even_distribution_factor(101, 100, 10), 20);
/// ```
pub fn even_distribution_factor(total_lag: i64, partitions: i64, lag_threshold: i64) -> i64 {
    find_factors(partitions)
        .into_iter()
        .find(|f| f.wrapping_mul(lag_threshold) >= total_lag)
        .unwrap_or(partitions)
}

/// The lag scaler with its `excludePersistentLag` memory. Keep one per trigger across polls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KafkaLag {
    /// The parsed metadata.
    pub metadata: KafkaMetadata,
    /// Committed offset seen on the previous poll, per topic and partition.
    pub previous_offsets: BTreeMap<String, BTreeMap<i32, i64>>,
}

/// The totals of one poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KafkaTotals {
    /// Σ lag after the partition cap: the value reported to the HPA.
    pub total_lag: i64,
    /// Σ lag including persistent lag, uncapped: what activation compares.
    pub total_lag_with_persistent: i64,
    /// Partitions with lag > 0.
    pub partitions_with_lag: i64,
    /// Partitions examined.
    pub total_partitions: i64,
}

impl KafkaLag {
    /// A scaler with no memory yet.
    pub fn new(metadata: KafkaMetadata) -> Self {
        Self {
            metadata,
            previous_offsets: BTreeMap::new(),
        }
    }

    /// Totals over the partitions present in the latest-offset answer (after
    /// `topic`/`partitionLimitation`), then the cap (spec §1.6). A partition with no committed
    /// offset block is an error.
    pub fn totals(&mut self, offsets: &KafkaOffsets) -> Result<KafkaTotals, KedaError> {
        let md = &self.metadata;
        let (mut total, mut persistent, mut with_lag, mut parts) = (0i64, 0i64, 0i64, 0i64);
        for (topic, partitions) in offsets {
            if !md.topic.is_empty() && *topic != md.topic {
                continue;
            }
            for (&partition, po) in partitions {
                if po.latest_offset.is_none() {
                    continue;
                }
                if !md.partition_limitation.is_empty()
                    && !md.partition_limitation.contains(&partition)
                {
                    continue;
                }
                let consumer = po.consumer_offset.ok_or_else(|| KedaError::Scaler {
                    scaler: SCALER,
                    reason: format!("no committed offset block for {topic}/{partition}"),
                })?;
                let prev = self
                    .previous_offsets
                    .get(topic)
                    .and_then(|m| m.get(&partition))
                    .copied();
                let mut next = prev;
                let (lag, lag_p) = partition_lag(md, consumer, po.latest_offset, &mut next);
                if next != prev
                    && let Some(n) = next
                {
                    self.previous_offsets
                        .entry(topic.clone())
                        .or_default()
                        .insert(partition, n);
                }
                total = total.wrapping_add(lag);
                persistent = persistent.wrapping_add(lag_p);
                if lag > 0 {
                    with_lag += 1;
                }
                parts += 1;
            }
        }
        let md = &self.metadata;
        if !md.allow_idle_consumers
            || md.limit_to_partitions_with_lag
            || md.ensure_even_distribution
        {
            let mut upper = parts;
            if md.ensure_even_distribution {
                let f = even_distribution_factor(total, parts, md.lag_threshold);
                total = f.wrapping_mul(md.lag_threshold);
            }
            if md.limit_to_partitions_with_lag {
                upper = with_lag;
            }
            // Integer division, as upstream: lags between upper*thr+1 and (upper+1)*thr-1 are
            // not capped, so the HPA can ask for one replica more than there are partitions.
            if total / md.lag_threshold > upper {
                total = upper.wrapping_mul(md.lag_threshold);
            }
        }
        Ok(KafkaTotals {
            total_lag: total,
            total_lag_with_persistent: persistent,
            partitions_with_lag: with_lag,
            total_partitions: parts,
        })
    }

    /// One poll: metric (capped lag) and activity (`lagWithPersistent > activationLagThreshold`).
    pub fn evaluate(&mut self, offsets: &KafkaOffsets) -> Result<ScalerReading, KedaError> {
        let t = self.totals(offsets)?;
        Ok(ScalerReading {
            raw: t.total_lag as f64,
            metric_milli: metric_milli(t.total_lag as f64),
            is_active: t.total_lag_with_persistent > self.metadata.activation_lag_threshold,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md(extra: &[(&str, &str)]) -> KafkaMetadata {
        let mut m: BTreeMap<String, String> = [("bootstrapServers", "b"), ("consumerGroup", "g")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        for (k, v) in extra {
            m.insert((*k).to_owned(), (*v).to_owned());
        }
        KafkaMetadata::parse(&m).unwrap()
    }

    #[test]
    fn integer_division_cap_allows_partitions_plus_one() {
        // 3 partitions, threshold 10: lag 39 is not capped (39/10 = 3), lag 40 is not either,
        // lag 45 -> 4 > 3 -> capped to 30.
        let mut k = KafkaLag::new(md(&[("topic", "t")]));
        let offs = |lags: [i64; 3]| -> KafkaOffsets {
            let mut p = BTreeMap::new();
            for (i, l) in lags.into_iter().enumerate() {
                p.insert(
                    i as i32,
                    PartitionOffsets {
                        consumer_offset: Some(0),
                        latest_offset: Some(l),
                    },
                );
            }
            [("t".to_owned(), p)].into()
        };
        assert_eq!(k.totals(&offs([13, 13, 13])).unwrap().total_lag, 39);
        assert_eq!(k.totals(&offs([15, 15, 15])).unwrap().total_lag, 30);
    }

    #[test]
    fn factors() {
        assert_eq!(find_factors(1), vec![1]);
        assert_eq!(find_factors(0), Vec::<i64>::new());
        assert_eq!(even_distribution_factor(0, 0, 10), 0);
    }
}
