//! How triggers become HPA metrics, and the HPA KEDA creates for a ScaledObject (spec §1.1).

use std::collections::BTreeMap;

use super::KedaError;
use super::activation::{PAUSED_SCALE_IN, PAUSED_SCALE_OUT, annotation_flag};
use super::goparse::{go_parse_float, go_parse_int, metric_milli};
use super::scaled_object::{ScaledObject, TriggerSpec};
use super::scalers::{CronMetadata, KafkaMetadata, PrometheusMetadata, ScalerReading, SqsMetadata};
use super::scaling_modifiers::Formula;
use crate::hpa::{
    ContainerResourceMetricSource, CrossVersionObjectReference, ExternalMetricSource,
    HorizontalPodAutoscaler, HorizontalPodAutoscalerSpec, HpaScalingRules, LabelSelector,
    MetricIdentifier, MetricSourceType, MetricSpec, MetricTarget, MetricTargetType, ObjectMeta,
    ResourceMetricSource, ScalingPolicySelect,
};
use crate::{Quantity, Timestamp};

/// The trigger types tidescale implements.
pub const SUPPORTED_TRIGGERS: &str = "aws-sqs-queue, kafka, prometheus, cron, cpu, memory";
/// The label KEDA puts on every external metric's selector.
pub const SCALED_OBJECT_LABEL: &str = "scaledobject.keda.sh/name";
/// The single external metric that replaces all others with scaling modifiers.
pub const COMPOSITE_METRIC: &str = "composite-metric";

/// A trigger's parsed scaler configuration.
#[derive(Debug, Clone, PartialEq)]
pub enum TriggerKind {
    /// `aws-sqs-queue`.
    Sqs(SqsMetadata),
    /// `kafka`.
    Kafka(KafkaMetadata),
    /// `prometheus`.
    Prometheus(PrometheusMetadata),
    /// `cron`.
    Cron(Box<CronMetadata>),
    /// `cpu` or `memory`: a Resource (or ContainerResource) metric the HPA reads itself.
    Resource {
        /// `cpu` or `memory`.
        resource: String,
        /// `containerName`, for a ContainerResource metric.
        container: Option<String>,
        /// The target (Utilization percent or AverageValue quantity).
        target: MetricTarget,
    },
}

/// One trigger, parsed: its scaler config, metric name and HPA target.
#[derive(Debug, Clone, PartialEq)]
pub struct TriggerConfig {
    /// Position in `spec.triggers`.
    pub index: usize,
    /// `name` (used by scaling modifiers).
    pub name: Option<String>,
    /// The scaler config.
    pub kind: TriggerKind,
    /// The metric name (`s<i>-...`; the resource name for cpu/memory).
    pub metric_name: String,
    /// The HPA target.
    pub target: MetricTarget,
}

impl TriggerConfig {
    /// Parses one trigger. Unknown types are a [`KedaError::UnknownTrigger`] naming the
    /// supported ones.
    ///
    /// ```
    /// use tidescale::keda::{TriggerConfig, TriggerSpec};
    /// let t = TriggerSpec { type_: "rabbitmq".into(), ..Default::default() };
    /// let e = TriggerConfig::parse(0, &t).unwrap_err().to_string();
    /// assert!(e.contains("rabbitmq") && e.contains("aws-sqs-queue"));
    /// ```
    pub fn parse(index: usize, t: &TriggerSpec) -> Result<Self, KedaError> {
        let mt = t.metric_type.as_deref().unwrap_or("");
        let external_type = |kind: &'static str| -> Result<MetricTargetType, KedaError> {
            match mt {
                "" | "AverageValue" => Ok(MetricTargetType::AverageValue),
                "Value" => Ok(MetricTargetType::Value),
                _ => Err(KedaError::InvalidParameter {
                    scaler: kind,
                    param: "metricType",
                    value: mt.to_owned(),
                    reason: "only AverageValue and Value are supported",
                }),
            }
        };
        let target_of = |ty: MetricTargetType, q: Quantity| MetricTarget {
            type_: ty,
            value: (ty == MetricTargetType::Value).then_some(q),
            average_value: (ty == MetricTargetType::AverageValue).then_some(q),
            average_utilization: None,
        };
        let (metric_name, target, kind) = match t.type_.as_str() {
            "aws-sqs-queue" => {
                let ty = external_type("aws-sqs-queue")?;
                let m = SqsMetadata::parse(&t.metadata)?;
                let q = Quantity::from_units(m.queue_length);
                (m.metric_name(index), target_of(ty, q), TriggerKind::Sqs(m))
            }
            "kafka" => {
                let ty = external_type("kafka")?;
                let m = KafkaMetadata::parse(&t.metadata)?;
                let q = Quantity::from_units(m.lag_threshold);
                (
                    m.metric_name(index),
                    target_of(ty, q),
                    TriggerKind::Kafka(m),
                )
            }
            "prometheus" => {
                let ty = external_type("prometheus")?;
                let m = PrometheusMetadata::parse(&t.metadata)?;
                // Float thresholds: nearest milli; NaN/Inf/negative become 0.
                let q = Quantity::from_milli(metric_milli(m.threshold));
                let name = PrometheusMetadata::metric_name(index);
                (name, target_of(ty, q), TriggerKind::Prometheus(m))
            }
            "cron" => {
                let ty = external_type("cron")?;
                let m = CronMetadata::parse(&t.metadata)?;
                let name = m.metric_name(index);
                (
                    name,
                    target_of(ty, Quantity::from_units(1)),
                    TriggerKind::Cron(Box::new(m)),
                )
            }
            r @ ("cpu" | "memory") => {
                let scaler: &'static str = if r == "cpu" { "cpu" } else { "memory" };
                let value = t.metadata.get("value").map(|s| s.trim()).unwrap_or("");
                if value.is_empty() {
                    return Err(KedaError::MissingParameter {
                        scaler,
                        param: "value",
                    });
                }
                let bad = |reason| KedaError::InvalidParameter {
                    scaler,
                    param: "value",
                    value: value.to_owned(),
                    reason,
                };
                let ty = if mt.is_empty() {
                    t.metadata.get("type").map(String::as_str).unwrap_or("")
                } else {
                    mt
                };
                let target = match ty {
                    "Utilization" => {
                        let pct = go_parse_int(value)
                            .and_then(|v| i32::try_from(v).ok())
                            .ok_or_else(|| bad("not a 32-bit integer"))?;
                        MetricTarget {
                            type_: MetricTargetType::Utilization,
                            average_utilization: Some(pct),
                            ..MetricTarget::default()
                        }
                    }
                    "AverageValue" => {
                        let q: Quantity = value.parse().map_err(|_| bad("not a quantity"))?;
                        target_of(MetricTargetType::AverageValue, q)
                    }
                    _ => {
                        return Err(KedaError::InvalidParameter {
                            scaler,
                            param: "metricType",
                            value: ty.to_owned(),
                            reason: "cpu and memory support only Utilization and AverageValue",
                        });
                    }
                };
                let container = t
                    .metadata
                    .get("containerName")
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty());
                let kind = TriggerKind::Resource {
                    resource: r.to_owned(),
                    container,
                    target: target.clone(),
                };
                (r.to_owned(), target, kind)
            }
            other => {
                return Err(KedaError::UnknownTrigger {
                    index,
                    trigger_type: other.to_owned(),
                    supported: SUPPORTED_TRIGGERS,
                });
            }
        };
        Ok(Self {
            index,
            name: t.name.clone(),
            kind,
            metric_name,
            target,
        })
    }

    /// Whether this is a cpu/memory trigger.
    pub fn is_resource(&self) -> bool {
        matches!(self.kind, TriggerKind::Resource { .. })
    }

    /// The trigger's `type` as a manifest spells it (`aws-sqs-queue`, `kafka`, `prometheus`,
    /// `cron`, `cpu`, `memory`).
    pub fn type_name(&self) -> &'static str {
        match &self.kind {
            TriggerKind::Sqs(_) => "aws-sqs-queue",
            TriggerKind::Kafka(_) => "kafka",
            TriggerKind::Prometheus(_) => "prometheus",
            TriggerKind::Cron(_) => "cron",
            TriggerKind::Resource { resource, .. } if resource == "memory" => "memory",
            TriggerKind::Resource { .. } => "cpu",
        }
    }

    /// The activation threshold the scaler's value must exceed (strictly) for the trigger to
    /// be active: `activationQueueLength`, `activationLagThreshold` or `activationThreshold`.
    /// `None` for cron (active inside its window) and cpu/memory (no activation of their own).
    pub fn activation_threshold(&self) -> Option<f64> {
        match &self.kind {
            TriggerKind::Sqs(m) => Some(m.activation_queue_length as f64),
            TriggerKind::Kafka(m) => Some(m.activation_lag_threshold as f64),
            TriggerKind::Prometheus(m) => Some(m.activation_threshold),
            TriggerKind::Cron(_) | TriggerKind::Resource { .. } => None,
        }
    }

    /// A short description for messages: `0 (name "q", aws-sqs-queue)` or `1 (kafka)`.
    pub fn describe(&self) -> String {
        match &self.name {
            Some(n) => format!("{} (name {n:?}, {})", self.index, self.type_name()),
            None => format!("{} ({})", self.index, self.type_name()),
        }
    }
}

/// Which trigger a user's key means, as every door resolves it: the trigger's `name`, else its
/// index (`"0"`), else its metric name (`s0-aws-sqs-queue-jobs`), else its type when exactly one
/// trigger has it. Returns the trigger's position.
///
/// ```
/// use tidescale::keda::{TriggerConfig, TriggerSpec, find_trigger};
/// let sqs = |name: Option<&str>| TriggerSpec { type_: "aws-sqs-queue".into(), name: name.map(Into::into),
///     metadata: [("queueURL", "https://sqs.eu-west-1.amazonaws.com/1/jobs"), ("queueLength", "5")]
///         .iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(), ..Default::default() };
/// let t: Vec<TriggerConfig> = [sqs(Some("orders")), sqs(None)].iter().enumerate()
///     .map(|(i, s)| TriggerConfig::parse(i, s).unwrap()).collect();
/// assert_eq!(find_trigger(&t, "orders").unwrap(), 0);
/// assert_eq!(find_trigger(&t, "1").unwrap(), 1);
/// assert!(find_trigger(&t, "aws-sqs-queue").is_err()); // two triggers have that type
/// ```
pub fn find_trigger(triggers: &[TriggerConfig], key: &str) -> Result<usize, KedaError> {
    if let Some(t) = triggers.iter().find(|t| t.name.as_deref() == Some(key)) {
        return Ok(t.index);
    }
    if let Ok(i) = key.parse::<usize>()
        && i < triggers.len()
    {
        return Ok(i);
    }
    if let Some(t) = triggers.iter().find(|t| t.metric_name == key) {
        return Ok(t.index);
    }
    let by_type: Vec<usize> = triggers
        .iter()
        .filter(|t| t.type_name() == key)
        .map(|t| t.index)
        .collect();
    match by_type.as_slice() {
        [one] => Ok(*one),
        [] => {
            let known: Vec<String> = triggers.iter().map(TriggerConfig::describe).collect();
            Err(KedaError::NoSuchTrigger {
                key: key.to_owned(),
                triggers: known.join(", "),
            })
        }
        _ => Err(KedaError::AmbiguousTrigger {
            key: key.to_owned(),
            indexes: by_type,
        }),
    }
}

impl TriggerConfig {
    /// The reading this trigger's scaler gives when the value it computed is `value` (an SQS
    /// queue length, a Kafka lag after the partition cap, a Prometheus query result): the
    /// metric for the HPA in milli-units (`GenerateMetricInMili`: NaN, infinities and negatives
    /// become 0) and activity against the trigger's activation threshold, compared strictly as
    /// KEDA does (integers for SQS and Kafka, which truncate `value`). A cron trigger ignores
    /// `value` and evaluates its schedule at `now`; cpu/memory triggers have no reading (the HPA
    /// reads those metrics itself): `None`.
    ///
    /// ```
    /// use tidescale::Timestamp;
    /// use tidescale::keda::{TriggerConfig, TriggerSpec};
    /// let t = TriggerSpec { type_: "prometheus".into(), metadata: [
    ///     ("serverAddress", "http://prom:9090"), ("query", "sum(up)"), ("threshold", "100"),
    ///     ("activationThreshold", "5")].iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
    ///     ..Default::default() };
    /// let t = TriggerConfig::parse(0, &t).unwrap();
    /// let r = t.reading_from_value(5.0, Timestamp(0)).unwrap();
    /// assert_eq!((r.metric_milli, r.is_active), (5000, false)); // 5 > 5 is false
    /// assert!(t.reading_from_value(5.5, Timestamp(0)).unwrap().is_active);
    /// ```
    pub fn reading_from_value(&self, value: f64, now: Timestamp) -> Option<ScalerReading> {
        let integer = |threshold: i64| {
            // Go's int64(float64) for the finite range; NaN counts as 0 (never active)
            let v = if value.is_nan() { 0 } else { value as i64 };
            ScalerReading {
                raw: v as f64,
                metric_milli: metric_milli(v as f64),
                is_active: v > threshold,
            }
        };
        match &self.kind {
            TriggerKind::Sqs(m) => Some(integer(m.activation_queue_length)),
            TriggerKind::Kafka(m) => Some(integer(m.activation_lag_threshold)),
            TriggerKind::Prometheus(m) => Some(ScalerReading {
                raw: value,
                metric_milli: metric_milli(value),
                is_active: value > m.activation_threshold,
            }),
            TriggerKind::Cron(m) => Some(m.evaluate(now)),
            TriggerKind::Resource { .. } => None,
        }
    }

    /// The target in milli-units (AverageValue or Value; 0 for Utilization).
    pub fn target_milli(&self) -> i64 {
        self.target
            .average_value
            .or(self.target.value)
            .map_or(0, |q| q.milli_value())
    }

    /// The HPA metric spec.
    pub fn metric_spec(&self, so_name: &str) -> MetricSpec {
        let mut spec = MetricSpec {
            type_: MetricSourceType::External,
            resource: None,
            container_resource: None,
            pods: None,
            object: None,
            external: None,
        };
        match &self.kind {
            TriggerKind::Resource {
                resource,
                container: Some(c),
                target,
            } => {
                spec.type_ = MetricSourceType::ContainerResource;
                spec.container_resource = Some(ContainerResourceMetricSource {
                    name: resource.clone(),
                    container: c.clone(),
                    target: target.clone(),
                });
            }
            TriggerKind::Resource {
                resource, target, ..
            } => {
                spec.type_ = MetricSourceType::Resource;
                spec.resource = Some(ResourceMetricSource {
                    name: resource.clone(),
                    target: target.clone(),
                });
            }
            _ => spec.external = Some(external(&self.metric_name, so_name, self.target.clone())),
        }
        spec
    }
}

fn external(name: &str, so_name: &str, target: MetricTarget) -> ExternalMetricSource {
    ExternalMetricSource {
        metric: MetricIdentifier {
            name: name.to_owned(),
            selector: Some(LabelSelector {
                match_labels: BTreeMap::from([(
                    SCALED_OBJECT_LABEL.to_owned(),
                    so_name.to_owned(),
                )]),
                match_expressions: Vec::new(),
            }),
        },
        target,
    }
}

/// Parses every trigger, checking for duplicate external metric names.
pub fn parse_triggers(so: &ScaledObject) -> Result<Vec<TriggerConfig>, KedaError> {
    let mut out: Vec<TriggerConfig> = Vec::with_capacity(so.spec.triggers.len());
    for (i, t) in so.spec.triggers.iter().enumerate() {
        let c = TriggerConfig::parse(i, t)?;
        if !c.is_resource()
            && out
                .iter()
                .any(|o| !o.is_resource() && o.metric_name == c.metric_name)
        {
            return Err(KedaError::InvalidSpec(format!(
                "duplicate external metric name {:?}",
                c.metric_name
            )));
        }
        out.push(c);
    }
    Ok(out)
}

/// The scaling-modifiers target, type and activation target, validated: `target` a float > 0,
/// `metricType` AverageValue (default) or Value, the formula compiles and dry-runs with every
/// variable at -1, and every trigger it names exists.
pub(crate) fn modifiers_of(
    so: &ScaledObject,
    triggers: &[TriggerConfig],
) -> Result<Option<(Formula, f64, MetricTargetType, f64)>, KedaError> {
    let Some(m) = so.spec.scaling_modifiers() else {
        return Ok(None);
    };
    let invalid = |s: String| KedaError::InvalidSpec(format!("scalingModifiers: {s}"));
    let target = go_parse_float(m.target.trim())
        .filter(|t| *t > 0.0)
        .ok_or_else(|| invalid(format!("target {:?} must be a float > 0", m.target)))?;
    let ty = match m.metric_type.as_deref().unwrap_or("") {
        "" | "AverageValue" => MetricTargetType::AverageValue,
        "Value" => MetricTargetType::Value,
        other => return Err(invalid(format!("metricType {other:?} is not supported"))),
    };
    let activation = match m.activation_target.as_deref().map(str::trim) {
        None | Some("") => 0.0,
        Some(a) => go_parse_float(a).ok_or_else(|| invalid(format!("activationTarget {a:?}")))?,
    };
    let formula = Formula::compile(&m.formula)?;
    for v in formula.variables() {
        let known = triggers
            .iter()
            .any(|t| !t.is_resource() && t.name.as_deref() == Some(v.as_str()));
        if !known {
            return Err(invalid(format!(
                "formula uses {v:?}, which names no trigger"
            )));
        }
    }
    formula.validate()?;
    Ok(Some((formula, target, ty, activation)))
}

/// Validates min/max/idle as KEDA's admission does.
pub fn validate_replicas(so: &ScaledObject) -> Result<(), KedaError> {
    let s = &so.spec;
    let (min, max) = (s.min_replica_count(), s.max_replica_count());
    if min > max {
        return Err(KedaError::InvalidSpec(format!(
            "minReplicaCount {min} must be <= maxReplicaCount {max}"
        )));
    }
    if let Some(idle) = s.idle_replica_count {
        if s.min_replica_count.is_none() {
            return Err(KedaError::InvalidSpec(
                "idleReplicaCount requires minReplicaCount".to_owned(),
            ));
        }
        if idle >= min.max(1) {
            return Err(KedaError::InvalidSpec(format!(
                "idleReplicaCount {idle} must be < max(minReplicaCount, 1)"
            )));
        }
    }
    Ok(())
}

/// The `autoscaling/v2` HPA KEDA creates for a ScaledObject: named `keda-hpa-<name>` (or
/// `horizontalPodAutoscalerConfig.name`), `minReplicas = max(minReplicaCount, 1)`,
/// `maxReplicas = maxReplicaCount` (default 100), one External metric per non-resource trigger
/// (`s<i>-...`, AverageValue by default, label selector `scaledobject.keda.sh/name`) or one
/// `composite-metric` with scaling modifiers, Resource metrics for cpu/memory, specs sorted by
/// source type, behavior copied, paused-scale-in/out as `selectPolicy: Disabled`.
///
/// ```
/// let so: tidescale::keda::ScaledObject = serde_json::from_str(r#"{"metadata": {"name": "q"},
///   "spec": {"scaleTargetRef": {"name": "worker"}, "minReplicaCount": 0, "maxReplicaCount": 50,
///   "triggers": [{"type": "aws-sqs-queue", "metadata": {"queueURL":
///     "https://sqs.us-west-2.amazonaws.com/1/jobs", "queueLength": "10"}}]}}"#).unwrap();
/// let hpa = tidescale::keda::to_hpa(&so).unwrap();
/// assert_eq!(hpa.metadata.name.as_deref(), Some("keda-hpa-q"));
/// assert_eq!((hpa.spec.min_replicas, hpa.spec.max_replicas), (Some(1), 50));
/// let ext = hpa.spec.metrics[0].external.as_ref().unwrap();
/// assert_eq!(ext.metric.name, "s0-aws-sqs-jobs");
/// assert_eq!(ext.target.average_value.unwrap().milli_value(), 10_000);
/// ```
pub fn to_hpa(so: &ScaledObject) -> Result<HorizontalPodAutoscaler, KedaError> {
    validate_replicas(so)?;
    let triggers = parse_triggers(so)?;
    let so_name = so.metadata.name.clone().unwrap_or_default();
    let mut metrics: Vec<MetricSpec> = Vec::with_capacity(triggers.len());
    match modifiers_of(so, &triggers)? {
        Some((_, target, ty, _)) => {
            metrics.extend(
                triggers
                    .iter()
                    .filter(|t| t.is_resource())
                    .map(|t| t.metric_spec(&so_name)),
            );
            let q = Quantity::from_milli(metric_milli(target));
            let mt = MetricTarget {
                type_: ty,
                value: (ty == MetricTargetType::Value).then_some(q),
                average_value: (ty == MetricTargetType::AverageValue).then_some(q),
                average_utilization: None,
            };
            metrics.push(MetricSpec {
                type_: MetricSourceType::External,
                resource: None,
                container_resource: None,
                pods: None,
                object: None,
                external: Some(external(COMPOSITE_METRIC, &so_name, mt)),
            });
        }
        None => metrics.extend(triggers.iter().map(|t| t.metric_spec(&so_name))),
    }
    // Sorted by source type so the HPA does not churn (stable here).
    metrics.sort_by(|a, b| a.type_.as_str().cmp(b.type_.as_str()));

    let spec = &so.spec;
    let hpa_cfg = spec
        .advanced
        .as_ref()
        .and_then(|a| a.horizontal_pod_autoscaler_config.as_ref());
    let mut behavior = hpa_cfg.and_then(|c| c.behavior.clone());
    let ann = &so.metadata.annotations;
    for (key, up) in [(PAUSED_SCALE_IN, false), (PAUSED_SCALE_OUT, true)] {
        if annotation_flag(ann, key) {
            let b = behavior.get_or_insert_with(Default::default);
            let rules = if up {
                &mut b.scale_up
            } else {
                &mut b.scale_down
            };
            rules
                .get_or_insert_with(HpaScalingRules::default)
                .select_policy = Some(ScalingPolicySelect::Disabled);
        }
    }
    let name = hpa_cfg
        .and_then(|c| c.name.clone())
        .unwrap_or_else(|| format!("keda-hpa-{so_name}"));
    let labels = BTreeMap::from([
        (
            "app.kubernetes.io/managed-by".to_owned(),
            "keda-operator".to_owned(),
        ),
        ("app.kubernetes.io/name".to_owned(), name.clone()),
        ("app.kubernetes.io/part-of".to_owned(), so_name.clone()),
        (SCALED_OBJECT_LABEL.to_owned(), so_name.clone()),
    ]);
    let target = &spec.scale_target_ref;
    Ok(HorizontalPodAutoscaler {
        api_version: "autoscaling/v2".to_owned(),
        kind: "HorizontalPodAutoscaler".to_owned(),
        metadata: ObjectMeta {
            name: Some(name),
            namespace: so.metadata.namespace.clone(),
            labels,
            annotations: BTreeMap::new(),
        },
        spec: HorizontalPodAutoscalerSpec {
            scale_target_ref: CrossVersionObjectReference {
                kind: target
                    .kind
                    .clone()
                    .unwrap_or_else(|| "Deployment".to_owned()),
                name: target.name.clone(),
                api_version: Some(
                    target
                        .api_version
                        .clone()
                        .unwrap_or_else(|| "apps/v1".to_owned()),
                ),
            },
            min_replicas: Some(spec.min_replica_count().max(1)),
            max_replicas: spec.max_replica_count(),
            metrics,
            behavior,
        },
        status: None,
    })
}
