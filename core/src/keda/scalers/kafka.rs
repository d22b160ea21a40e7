//! `kafka`: consumer-group lag per partition, summed and capped (spec §1.6).
//!
//! The `excludePersistentLag` memory (the committed offset seen on the previous poll) lives in
//! [`KafkaLag`], which the host keeps between polls.

use std::collections::BTreeMap;

use super::{Meta, ScalerReading};
use crate::keda::KedaError;
use crate::keda::goparse::{metric_milli, normalize_metric_name};

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
    /// `partitionLimitation` (only kept when `topic` is set); `None` means all partitions
    /// (upstream's nil list). A limitation that selects no partition of the topic (`"5-3"`)
    /// makes the lag computation fail, as upstream.
    pub partition_limitation: Option<PartitionLimitation>,
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
        // Upstream's Validate parses it (so a malformed value is an error) before dropping it
        // when there is no topic; blank is no limitation.
        let partition_limitation = m
            .get("partitionLimitation")
            .map(parse_partition_limitation)
            .transpose()?
            .filter(|_| !topic.is_empty());
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

/// A parsed `partitionLimitation`: the partitions it names, kept as the inclusive ranges
/// written (`"1,2,10-20"`), so a wide range costs nothing. Upstream expands the list; the
/// partitions selected are the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionLimitation {
    /// Inclusive `(start, end)` ranges in the order written; a single value is `(v, v)`, a range
    /// whose end is below its start selects nothing.
    ranges: Vec<(i32, i32)>,
}

impl PartitionLimitation {
    /// Whether partition `p` is selected (upstream's `isActivePartition`).
    pub fn contains(&self, p: i32) -> bool {
        self.ranges.iter().any(|&(a, b)| a <= p && p <= b)
    }

    /// Whether no partition at all is selected (every element a range ending below its start).
    pub fn selects_nothing(&self) -> bool {
        self.ranges.iter().all(|&(a, b)| b < a)
    }

    /// The partitions in upstream's order (each element expanded in turn, duplicates kept).
    pub fn partitions(&self) -> impl Iterator<Item = i32> + '_ {
        self.ranges.iter().flat_map(|&(a, b)| a..=b)
    }
}

/// Go's `strconv.ParseInt(s, 10, 32)`: an optional `+`/`-` sign and decimal digits only (no
/// spaces, no `_`, no prefix), within `int32`.
fn go_parse_int32(s: &str) -> Option<i32> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Rust's i32 grammar is the same once the digits are checked (it accepts the signs).
    s.parse().ok()
}

/// Parses `partitionLimitation` as upstream's `parsePartitionLimitation`: a comma list whose
/// elements (each trimmed) are an integer or an inclusive range `a-b` (each side trimmed),
/// read with Go's `strconv.ParseInt(.., 10, 32)`. An element with a `-` is always a range, so
/// `-3` is a malformed range, not a negative number; `+3` is 3. A range ending below its start
/// (`5-3`) is accepted and selects nothing.
///
/// ```
/// use tidescale::keda::scalers::kafka::parse_partition_limitation;
/// let p = parse_partition_limitation(" 1 - 4 ,+7")?;
/// assert_eq!(p.partitions().collect::<Vec<_>>(), vec![1, 2, 3, 4, 7]);
/// assert!(parse_partition_limitation("5-3")?.selects_nothing());
/// assert!(parse_partition_limitation("a-3").is_err());
/// assert!(parse_partition_limitation("1-2-3").is_err());
/// # Ok::<(), tidescale::keda::KedaError>(())
/// ```
pub fn parse_partition_limitation(s: &str) -> Result<PartitionLimitation, KedaError> {
    let bad = |v: &str, reason| KedaError::InvalidParameter {
        scaler: SCALER,
        param: "partitionLimitation",
        value: v.to_owned(),
        reason,
    };
    let int32 = |part: &str, v: &str| {
        go_parse_int32(v.trim()).ok_or_else(|| bad(part, "not an int32 partition number"))
    };
    let mut ranges = Vec::new();
    for part in s.split(',') {
        let part = part.trim();
        if part.contains('-') {
            let mut sides = part.split('-');
            let (Some(a), Some(b), None) = (sides.next(), sides.next(), sides.next()) else {
                return Err(bad(part, "a range is two partition numbers a-b"));
            };
            ranges.push((int32(part, a)?, int32(part, b)?));
        } else {
            let v = int32(part, part)?;
            ranges.push((v, v));
        }
    }
    Ok(PartitionLimitation { ranges })
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
            let active = |p: i32| {
                md.partition_limitation
                    .as_ref()
                    .is_none_or(|l| l.contains(p))
            };
            // Upstream's getTopicPartitions: a topic none of whose partitions is selected is an
            // error, not a lag of zero.
            if !partitions.keys().any(|&p| active(p)) {
                return Err(KedaError::Scaler {
                    scaler: SCALER,
                    reason: format!(
                        "expected at least one active partition within the topic {topic:?}"
                    ),
                });
            }
            for (&partition, po) in partitions {
                if po.latest_offset.is_none() || !active(partition) {
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

    fn limited(s: &str) -> Vec<i32> {
        parse_partition_limitation(s)
            .unwrap()
            .partitions()
            .collect()
    }

    #[test]
    fn partition_limitation_forms_as_upstream_parses_them() {
        // The forms of upstream's parsePartitionLimitation tests and the KEDA docs example.
        assert_eq!(limited("1,2,10-20,31").len(), 14);
        assert_eq!(limited("1,2,3,4"), vec![1, 2, 3, 4]);
        assert_eq!(limited("1-4"), vec![1, 2, 3, 4]);
        assert_eq!(limited("3-3"), vec![3]);
        assert_eq!(limited(" 1 - 4 "), vec![1, 2, 3, 4]);
        // ParseInt(.., 10, 32): a sign is allowed, leading zeros too; order and duplicates kept.
        assert_eq!(limited("+2, 007,2-+3"), vec![2, 7, 2, 3]);
        assert_eq!(
            limited("2147483646-2147483647"),
            vec![i32::MAX - 1, i32::MAX]
        );
        // A wide range is accepted without expanding it.
        let wide = parse_partition_limitation("0-2147483647").unwrap();
        assert!(wide.contains(0) && wide.contains(i32::MAX) && !wide.contains(-1));
        // End below start: accepted, selects nothing (upstream's loop never runs).
        let empty = parse_partition_limitation("5-3").unwrap();
        assert!(empty.selects_nothing() && empty.partitions().next().is_none());
        let mixed = parse_partition_limitation("5-3,7").unwrap();
        assert!(!mixed.selects_nothing() && mixed.contains(7) && !mixed.contains(5));
        for bad in [
            "a,b,c",
            "a-3",
            "1-b",
            "-3",
            "1-2-3",
            "1,,2",
            "",
            " ",
            "1_000",
            "0x10",
            "1.0",
            "2147483648",
            "-2147483649-0",
            "1 2",
            "+",
            "--1",
        ] {
            assert!(
                matches!(
                    parse_partition_limitation(bad),
                    Err(KedaError::InvalidParameter {
                        param: "partitionLimitation",
                        ..
                    })
                ),
                "{bad:?} should be rejected"
            );
        }
    }

    #[test]
    fn partition_limitation_is_validated_even_without_topic_and_blank_is_none() {
        let mut m: BTreeMap<String, String> = [("bootstrapServers", "b"), ("consumerGroup", "g")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        m.insert("partitionLimitation".into(), "1-x".into());
        assert!(KafkaMetadata::parse(&m).is_err());
        m.insert("partitionLimitation".into(), "1-4".into());
        assert_eq!(KafkaMetadata::parse(&m).unwrap().partition_limitation, None);
        assert_eq!(
            md(&[("topic", "t"), ("partitionLimitation", "  ")]).partition_limitation,
            None
        );
        let some = md(&[("topic", "t"), ("partitionLimitation", "1-4")]).partition_limitation;
        assert_eq!(
            some.unwrap().partitions().collect::<Vec<_>>(),
            vec![1, 2, 3, 4]
        );
    }

    #[test]
    fn a_limitation_selecting_no_partition_fails_the_lag() {
        let offs: KafkaOffsets = [(
            "t".to_owned(),
            (0..3)
                .map(|p| {
                    let o = PartitionOffsets {
                        consumer_offset: Some(0),
                        latest_offset: Some(5),
                    };
                    (p, o)
                })
                .collect(),
        )]
        .into_iter()
        .collect();
        for none in ["5-3", "3-9", "7"] {
            let mut k = KafkaLag::new(md(&[("topic", "t"), ("partitionLimitation", none)]));
            let e = k.totals(&offs).unwrap_err();
            assert!(
                matches!(&e, KedaError::Scaler { reason, .. } if reason.contains("active partition")),
                "{none}: {e}"
            );
        }
        let mut k = KafkaLag::new(md(&[("topic", "t"), ("partitionLimitation", "5-3,1")]));
        let t = k.totals(&offs).unwrap();
        assert_eq!((t.total_lag, t.total_partitions), (5, 1));
        // Without a limitation every partition counts.
        let mut k = KafkaLag::new(md(&[("topic", "t")]));
        assert_eq!(k.totals(&offs).unwrap().total_lag, 15);
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
