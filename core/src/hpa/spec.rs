//! The autoscaling/v2 `HorizontalPodAutoscaler` object, as users write it in YAML or JSON.
//!
//! Field names and shapes follow `k8s.io/api/autoscaling/v2` exactly (`camelCase`), so a
//! manifest deserializes as it is. Unknown enum strings are kept as `Unknown` only for the metric
//! source type (the controller reports them as `InvalidMetricSourceType`, as upstream does);
//! [`crate::hpa::validate`] rejects them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::quantity::Quantity;

/// `metadata` of a Kubernetes object (the parts tidescale reads).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectMeta {
    /// `metadata.name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `metadata.namespace`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `metadata.labels`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// `metadata.annotations`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// A whole `HorizontalPodAutoscaler` object.
///
/// ```
/// let hpa: tidescale::hpa::HorizontalPodAutoscaler = serde_json::from_str(r#"{
///   "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
///   "metadata": {"name": "web"},
///   "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
///            "minReplicas": 2, "maxReplicas": 10,
///            "metrics": [{"type": "Resource", "resource": {"name": "cpu",
///                         "target": {"type": "Utilization", "averageUtilization": 70}}}]}
/// }"#).unwrap();
/// assert_eq!(hpa.spec.max_replicas, 10);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HorizontalPodAutoscaler {
    /// `autoscaling/v2`.
    #[serde(default = "default_api_version")]
    pub api_version: String,
    /// `HorizontalPodAutoscaler`.
    #[serde(default = "default_kind")]
    pub kind: String,
    /// Name, namespace, labels.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The desired behaviour.
    pub spec: HorizontalPodAutoscalerSpec,
    /// The last observed status, if the manifest carries one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<HorizontalPodAutoscalerStatus>,
}

fn default_api_version() -> String {
    "autoscaling/v2".to_owned()
}
fn default_kind() -> String {
    "HorizontalPodAutoscaler".to_owned()
}

/// `spec` of an HPA.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HorizontalPodAutoscalerSpec {
    /// The workload whose scale subresource is controlled.
    #[serde(default)]
    pub scale_target_ref: CrossVersionObjectReference,
    /// Lower bound (API default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_replicas: Option<i32>,
    /// Upper bound.
    pub max_replicas: i32,
    /// Metrics; empty means the API default (CPU at 80 % utilization).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<MetricSpec>,
    /// Scaling behaviour; `None` selects the legacy normalization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub behavior: Option<HorizontalPodAutoscalerBehavior>,
}

/// `scaleTargetRef` / `describedObject`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CrossVersionObjectReference {
    /// e.g. `Deployment`.
    #[serde(default)]
    pub kind: String,
    /// Object name.
    #[serde(default)]
    pub name: String,
    /// e.g. `apps/v1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
}

/// The metric source types of autoscaling/v2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MetricSourceType {
    /// A resource of the pods (cpu, memory), averaged.
    Resource,
    /// A resource of one named container of each pod.
    ContainerResource,
    /// A per-pod custom metric.
    Pods,
    /// A metric describing one Kubernetes object.
    Object,
    /// A metric from outside the cluster.
    External,
    /// Any other string: kept so the controller can report `InvalidMetricSourceType`.
    #[serde(other)]
    Unknown,
}

impl MetricSourceType {
    /// The Kubernetes spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Resource => "Resource",
            Self::ContainerResource => "ContainerResource",
            Self::Pods => "Pods",
            Self::Object => "Object",
            Self::External => "External",
            Self::Unknown => "Unknown",
        }
    }
}

/// One entry of `spec.metrics`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricSpec {
    /// Which of the source blocks below is used.
    #[serde(rename = "type")]
    pub type_: MetricSourceType,
    /// `type: Resource`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<ResourceMetricSource>,
    /// `type: ContainerResource`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_resource: Option<ContainerResourceMetricSource>,
    /// `type: Pods`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pods: Option<PodsMetricSource>,
    /// `type: Object`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<ObjectMetricSource>,
    /// `type: External`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external: Option<ExternalMetricSource>,
}

impl MetricSpec {
    /// A `Resource` metric with a `Utilization` target, e.g. `cpu` at 70 %.
    ///
    /// ```
    /// let m = tidescale::hpa::MetricSpec::resource_utilization("cpu", 70);
    /// assert_eq!(m.name(), "cpu");
    /// ```
    pub fn resource_utilization(resource: &str, percent: i32) -> Self {
        Self {
            type_: MetricSourceType::Resource,
            resource: Some(ResourceMetricSource {
                name: resource.to_owned(),
                target: MetricTarget {
                    type_: MetricTargetType::Utilization,
                    average_utilization: Some(percent),
                    ..MetricTarget::default()
                },
            }),
            container_resource: None,
            pods: None,
            object: None,
            external: None,
        }
    }

    /// The name users give this metric: the resource name (`cpu`, `memory`) for resource
    /// metrics, `metric.name` otherwise.
    pub fn name(&self) -> &str {
        match self.type_ {
            MetricSourceType::Resource => self.resource.as_ref().map(|r| r.name.as_str()),
            MetricSourceType::ContainerResource => {
                self.container_resource.as_ref().map(|r| r.name.as_str())
            }
            MetricSourceType::Pods => self.pods.as_ref().map(|p| p.metric.name.as_str()),
            MetricSourceType::Object => self.object.as_ref().map(|o| o.metric.name.as_str()),
            MetricSourceType::External => self.external.as_ref().map(|e| e.metric.name.as_str()),
            MetricSourceType::Unknown => None,
        }
        .unwrap_or("")
    }

    /// The target block of whichever source is set.
    pub fn target(&self) -> Option<&MetricTarget> {
        match self.type_ {
            MetricSourceType::Resource => self.resource.as_ref().map(|r| &r.target),
            MetricSourceType::ContainerResource => {
                self.container_resource.as_ref().map(|r| &r.target)
            }
            MetricSourceType::Pods => self.pods.as_ref().map(|p| &p.target),
            MetricSourceType::Object => self.object.as_ref().map(|o| &o.target),
            MetricSourceType::External => self.external.as_ref().map(|e| &e.target),
            MetricSourceType::Unknown => None,
        }
    }
}

/// `resource:` source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceMetricSource {
    /// `cpu`, `memory`, ...
    pub name: String,
    /// The target (absent: Go's zero target, which fails when the metric is evaluated).
    #[serde(default)]
    pub target: MetricTarget,
}

/// `containerResource:` source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerResourceMetricSource {
    /// `cpu`, `memory`, ...
    pub name: String,
    /// The container whose usage counts.
    pub container: String,
    /// The target (absent: Go's zero target, which fails when the metric is evaluated).
    #[serde(default)]
    pub target: MetricTarget,
}

/// `pods:` source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodsMetricSource {
    /// Metric name and selector.
    pub metric: MetricIdentifier,
    /// The target (AverageValue; absent: Go's zero target, which fails when the metric is
    /// evaluated).
    #[serde(default)]
    pub target: MetricTarget,
}

/// `object:` source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectMetricSource {
    /// The object the metric describes.
    #[serde(default)]
    pub described_object: CrossVersionObjectReference,
    /// Metric name and selector.
    pub metric: MetricIdentifier,
    /// The target (Value or AverageValue; absent: Go's zero target, which fails when the metric is
    /// evaluated).
    #[serde(default)]
    pub target: MetricTarget,
}

/// `external:` source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalMetricSource {
    /// Metric name and selector.
    pub metric: MetricIdentifier,
    /// The target (Value or AverageValue; absent: Go's zero target, which fails when the metric is
    /// evaluated).
    #[serde(default)]
    pub target: MetricTarget,
}

/// `metric:` of Pods/Object/External sources.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricIdentifier {
    /// The metric's name.
    pub name: String,
    /// Narrows the series.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<LabelSelector>,
}

/// A Kubernetes label selector.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelector {
    /// Exact label matches.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub match_labels: BTreeMap<String, String>,
    /// Set-based requirements.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_expressions: Vec<LabelSelectorRequirement>,
}

/// One `matchExpressions` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelectorRequirement {
    /// Label key.
    pub key: String,
    /// `In`, `NotIn`, `Exists`, `DoesNotExist`.
    pub operator: String,
    /// Values for `In`/`NotIn`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

/// The kinds of metric target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum MetricTargetType {
    /// `averageUtilization` percent of the request.
    #[default]
    Utilization,
    /// `value`: the whole metric.
    Value,
    /// `averageValue`: per pod.
    AverageValue,
}

/// `target:` of a metric.
///
/// `type` is required, except in Go's zero target (`{}` or `{"type": ""}`, no value set): the
/// upstream controller tests use it as a placeholder metric, and a controller holding one fails
/// only when it evaluates that metric (spec §1, `reconcile`), so it must deserialize; API
/// validation ([`Controller::new`](super::Controller::new)) still rejects it. It reads as
/// [`MetricTarget::default()`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", try_from = "RawMetricTarget")]
pub struct MetricTarget {
    /// Which field is the target.
    #[serde(rename = "type")]
    pub type_: MetricTargetType,
    /// `Value` target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Quantity>,
    /// `AverageValue` target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average_value: Option<Quantity>,
    /// `Utilization` target, percent of the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average_utilization: Option<i32>,
}

/// [`MetricTarget`] as written, before the `type` check.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawMetricTarget {
    #[serde(rename = "type", default)]
    type_: Option<String>,
    #[serde(default)]
    value: Option<Quantity>,
    #[serde(default)]
    average_value: Option<Quantity>,
    #[serde(default)]
    average_utilization: Option<i32>,
}

impl TryFrom<RawMetricTarget> for MetricTarget {
    type Error = String;

    fn try_from(r: RawMetricTarget) -> Result<Self, String> {
        let type_ = match r.type_.as_deref().unwrap_or("") {
            "Utilization" => MetricTargetType::Utilization,
            "Value" => MetricTargetType::Value,
            "AverageValue" => MetricTargetType::AverageValue,
            "" if r.value.is_none()
                && r.average_value.is_none()
                && r.average_utilization.is_none() =>
            {
                return Ok(Self::default());
            }
            "" => return Err("missing field `type`".to_owned()),
            other => {
                return Err(format!(
                    "unknown variant `{other}`, expected one of `Utilization`, `Value`, `AverageValue`"
                ));
            }
        };
        Ok(Self {
            type_,
            value: r.value,
            average_value: r.average_value,
            average_utilization: r.average_utilization,
        })
    }
}

/// `spec.behavior`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HorizontalPodAutoscalerBehavior {
    /// Rules for scaling up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_up: Option<HpaScalingRules>,
    /// Rules for scaling down.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_down: Option<HpaScalingRules>,
}

/// `behavior.scaleUp` / `behavior.scaleDown`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HpaScalingRules {
    /// Window in seconds, `[0, 3600]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stabilization_window_seconds: Option<i32>,
    /// `Max`, `Min` or `Disabled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub select_policy: Option<ScalingPolicySelect>,
    /// Rate-limiting policies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policies: Option<Vec<HpaScalingPolicy>>,
    /// Per-direction tolerance (KEP-4951), e.g. `0.05`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<Quantity>,
}

/// Declares a Kubernetes string enum that keeps unknown spellings, so API validation can
/// report them as `Unsupported value` exactly as the API server does.
macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident,)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vm])* $v,)*
            /// A spelling Kubernetes does not accept (rejected by validation).
            Unknown(String),
        }

        impl $name {
            /// The Kubernetes spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$v => stringify!($v),)*
                    Self::Unknown(s) => s,
                }
            }

            /// Parses a spelling; unknown ones become `Unknown`.
            pub fn parse(s: &str) -> Self {
                match s {
                    $(stringify!($v) => Self::$v,)*
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Ok(Self::parse(&s))
            }
        }
    };
}

string_enum! {
    /// `selectPolicy`.
    ScalingPolicySelect {
        /// The policy that allows the biggest change (the default).
        Max,
        /// The policy that allows the smallest change.
        Min,
        /// No scaling in this direction.
        Disabled,
    }
}

string_enum! {
    /// A policy's unit.
    HpaScalingPolicyType {
        /// An absolute number of pods.
        Pods,
        /// A percentage of the replicas at the start of the period.
        Percent,
    }
}

/// One `policies` entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HpaScalingPolicy {
    /// `Pods` or `Percent`.
    #[serde(rename = "type")]
    pub type_: HpaScalingPolicyType,
    /// Amount (> 0).
    pub value: i32,
    /// Period in seconds, `(0, 1800]`.
    pub period_seconds: i32,
}

/// `status` of an HPA (as written by the controller).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HorizontalPodAutoscalerStatus {
    /// Replicas seen at the last sync.
    #[serde(default)]
    pub current_replicas: i32,
    /// Replicas wanted at the last sync.
    #[serde(default)]
    pub desired_replicas: i32,
    /// Conditions, in insertion order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<crate::hpa::Condition>,
}
