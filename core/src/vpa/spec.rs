//! The `autoscaling.k8s.io/v1` `VerticalPodAutoscaler` object, as users write it.
//!
//! Field names follow upstream's `types.go` (`camelCase`); quantities accept strings or
//! numbers. The status also reads `kubectl describe` output (`Container Recommendations`,
//! `Lower Bound`, `Cpu`, ...), so a pasted describe block deserializes too.
//!
//! ```
//! let vpa: tidescale::vpa::VerticalPodAutoscaler = serde_json::from_str(r#"{
//!   "apiVersion": "autoscaling.k8s.io/v1", "kind": "VerticalPodAutoscaler",
//!   "metadata": {"name": "web"},
//!   "spec": {"targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
//!            "updatePolicy": {"updateMode": "Auto"},
//!            "resourcePolicy": {"containerPolicies": [{"containerName": "app",
//!               "minAllowed": {"cpu": "100m", "memory": "128Mi"}, "controlledResources": ["cpu"]}]}}
//! }"#).unwrap();
//! assert_eq!(vpa.spec.effective_update_mode(), tidescale::vpa::spec::UpdateMode::Auto);
//! ```

use serde::{Deserialize, Serialize};

use super::resources::{RecommendedPodResources, ResourceList, ResourceName};
use crate::hpa::{CrossVersionObjectReference, ObjectMeta};
use crate::quantity::Quantity;

/// A whole `VerticalPodAutoscaler` object.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerticalPodAutoscaler {
    /// `autoscaling.k8s.io/v1`.
    #[serde(default = "api_version")]
    pub api_version: String,
    /// `VerticalPodAutoscaler`.
    #[serde(default = "kind")]
    pub kind: String,
    /// Name, namespace, labels, annotations.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The desired behaviour.
    #[serde(default)]
    pub spec: VerticalPodAutoscalerSpec,
    /// The recommendation, if the object carries one.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "Status")]
    pub status: Option<VerticalPodAutoscalerStatus>,
}

fn api_version() -> String {
    "autoscaling.k8s.io/v1".to_owned()
}
fn kind() -> String {
    "VerticalPodAutoscaler".to_owned()
}

/// `spec` of a VPA.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerticalPodAutoscalerSpec {
    /// The controller of the pods (`Deployment`, `StatefulSet`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_ref: Option<CrossVersionObjectReference>,
    /// How changes are applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_policy: Option<PodUpdatePolicy>,
    /// Per-container bounds and modes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_policy: Option<PodResourcePolicy>,
    /// Alternative recommenders (empty = the default one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recommenders: Vec<RecommenderSelector>,
}

impl VerticalPodAutoscalerSpec {
    /// The update mode with upstream's default (`Recreate` since 1.6.0) applied.
    pub fn effective_update_mode(&self) -> UpdateMode {
        self.update_policy
            .as_ref()
            .and_then(|p| p.update_mode)
            .unwrap_or_default()
    }
}

/// `spec.recommenders[]`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RecommenderSelector {
    /// Recommender name.
    #[serde(default)]
    pub name: String,
}

/// `spec.updatePolicy`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodUpdatePolicy {
    /// `Off`, `Initial`, `Recreate` (default), `Auto` (deprecated), `InPlaceOrRecreate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_mode: Option<UpdateMode>,
    /// Minimum live replicas before the updater evicts (overrides `--min-replicas`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_replicas: Option<i32>,
    /// Conditions a pod must meet to be evicted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eviction_requirements: Option<Vec<EvictionRequirement>>,
    /// Per-VPA quick-OOM threshold (PerVPAConfig feature gate).
    #[serde(
        default,
        rename = "evictAfterOOMSeconds",
        skip_serializing_if = "Option::is_none"
    )]
    pub evict_after_oom_seconds: Option<i64>,
}

/// `updatePolicy.updateMode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum UpdateMode {
    /// Recommend only.
    Off,
    /// Apply at pod creation only.
    Initial,
    /// Apply at creation and evict running pods (the default).
    #[default]
    Recreate,
    /// Deprecated alias of `Recreate`.
    Auto,
    /// Resize in place, falling back to eviction.
    InPlaceOrRecreate,
    /// Resize in place only (alpha).
    InPlace,
}

impl UpdateMode {
    /// Whether the admission controller writes requests for new pods.
    pub fn applies_at_admission(self) -> bool {
        self != Self::Off
    }

    /// Whether the updater acts on running pods.
    pub fn updates_running_pods(self) -> bool {
        !matches!(self, Self::Off | Self::Initial)
    }
}

/// `updatePolicy.evictionRequirements[]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EvictionRequirement {
    /// Resources considered (any of them may satisfy the requirement).
    pub resources: Vec<ResourceName>,
    /// The direction required.
    pub change_requirement: ChangeRequirement,
}

/// Direction of an eviction requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChangeRequirement {
    /// Target strictly above the current request.
    TargetHigherThanRequests,
    /// Target strictly below the current request.
    TargetLowerThanRequests,
}

/// `spec.resourcePolicy`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodResourcePolicy {
    /// Per-container policies; `containerName: "*"` is the default entry.
    #[serde(default)]
    pub container_policies: Vec<ContainerResourcePolicy>,
}

impl PodResourcePolicy {
    /// `GetContainerResourcePolicy`: the exact-name entry, else the last `*` entry.
    pub fn for_container(&self, name: &str) -> Option<&ContainerResourcePolicy> {
        let mut default = None;
        for p in &self.container_policies {
            if p.container_name == name {
                return Some(p);
            }
            if p.container_name == "*" {
                default = Some(p);
            }
        }
        default
    }
}

/// The policy for a possibly absent `resourcePolicy` (`GetContainerResourcePolicy`).
pub fn container_policy<'a>(
    policy: Option<&'a PodResourcePolicy>,
    name: &str,
) -> Option<&'a ContainerResourcePolicy> {
    policy.and_then(|p| p.for_container(name))
}

/// `GetContainerControlledValues`: `RequestsAndLimits` unless the policy says otherwise.
pub fn controlled_values(
    policy: Option<&PodResourcePolicy>,
    name: &str,
) -> ContainerControlledValues {
    container_policy(policy, name)
        .and_then(|p| p.controlled_values)
        .unwrap_or_default()
}

/// `spec.resourcePolicy.containerPolicies[]`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerResourcePolicy {
    /// Container name or `*`.
    #[serde(default)]
    pub container_name: String,
    /// `Auto` (default) or `Off`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<ContainerScalingMode>,
    /// Lower bounds of the recommendation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_allowed: Option<ResourceList>,
    /// Upper bounds of the recommendation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_allowed: Option<ResourceList>,
    /// Resources to recommend (default cpu and memory).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controlled_resources: Option<Vec<ResourceName>>,
    /// `RequestsAndLimits` (default) or `RequestsOnly`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controlled_values: Option<ContainerControlledValues>,
    /// Per-VPA OOM bump ratio (PerVPAConfig feature gate).
    #[serde(
        default,
        rename = "oomBumpUpRatio",
        skip_serializing_if = "Option::is_none"
    )]
    pub oom_bump_up_ratio: Option<Quantity>,
    /// Per-VPA minimum OOM bump in bytes (PerVPAConfig feature gate).
    #[serde(
        default,
        rename = "oomMinBumpUp",
        skip_serializing_if = "Option::is_none"
    )]
    pub oom_min_bump_up: Option<Quantity>,
    /// Per-VPA memory aggregation interval in seconds (PerVPAConfig feature gate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_aggregation_interval_seconds: Option<i64>,
    /// Per-VPA memory aggregation interval count (PerVPAConfig feature gate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_aggregation_interval_count: Option<i64>,
}

/// `containerPolicies[].mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ContainerScalingMode {
    /// Recommend and apply.
    #[default]
    Auto,
    /// Leave the container alone.
    Off,
}

/// `containerPolicies[].controlledValues`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ContainerControlledValues {
    /// Requests, and limits proportionally (default).
    #[default]
    RequestsAndLimits,
    /// Requests only.
    RequestsOnly,
}

/// `status` of a VPA.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerticalPodAutoscalerStatus {
    /// The recommended requests.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "Recommendation"
    )]
    pub recommendation: Option<RecommendedPodResources>,
    /// Conditions (`RecommendationProvided`, `LowConfidence`, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty", alias = "Conditions")]
    pub conditions: Vec<VpaCondition>,
}

/// One `status.conditions[]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VpaCondition {
    /// Condition type.
    #[serde(rename = "type", default)]
    pub type_: String,
    /// `True` / `False` / `Unknown`.
    #[serde(default)]
    pub status: String,
    /// Machine-readable reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Human-readable message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// RFC 3339 time of the last change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "parse")]
    fn read_yaml_docs<T: serde::de::DeserializeOwned>(path: &str) -> Vec<T> {
        let text = std::fs::read_to_string(path).unwrap();
        text.split("\n---")
            .filter(|d| {
                d.lines()
                    .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            })
            .map(|d| serde_saphyr::from_str(d).unwrap())
            .collect()
    }

    #[cfg(feature = "parse")]
    const SEED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/manifests");

    #[test]
    #[cfg(feature = "parse")]
    fn seed_manifests_deserialize() {
        let v: Vec<VerticalPodAutoscaler> = read_yaml_docs(&format!("{SEED}/05-basic-vpa.yaml"));
        let p = v[0]
            .spec
            .resource_policy
            .as_ref()
            .unwrap()
            .for_container("training")
            .unwrap();
        assert_eq!(p.max_allowed.unwrap().memory.unwrap().value(), 64 << 30);
        assert_eq!(p.min_allowed.unwrap().cpu.unwrap().milli_value(), 1000);
        assert_eq!(v[0].spec.effective_update_mode(), UpdateMode::Auto);
        for (f, mode) in [
            ("06", UpdateMode::Auto),
            ("07", UpdateMode::Recreate),
            ("08", UpdateMode::Initial),
            ("09", UpdateMode::Off),
        ] {
            let s: Vec<VerticalPodAutoscalerSpec> =
                read_yaml_docs(&format!("{SEED}/{f}-vpa-update-modes.yaml"));
            assert_eq!(s[0].effective_update_mode(), mode);
        }
        let d: Vec<VerticalPodAutoscaler> =
            read_yaml_docs(&format!("{SEED}/10-vpa-recommendations.yaml"));
        let rec = d[0]
            .status
            .as_ref()
            .unwrap()
            .recommendation
            .as_ref()
            .unwrap();
        let c = rec.for_container("training").unwrap();
        assert_eq!(c.upper_bound.memory.unwrap().value(), 32 << 30);
        assert_eq!(c.uncapped_target.cpu.unwrap().milli_value(), 8000);
        let text = std::fs::read_to_string(format!("{SEED}/11-vpa-hpa-careful.yaml")).unwrap();
        let first = text.split("\n---").next().unwrap();
        let vpa: VerticalPodAutoscaler = serde_saphyr::from_str(first).unwrap();
        let p = vpa.spec.resource_policy.unwrap();
        assert_eq!(
            p.for_container("server").unwrap().controlled_resources,
            Some(vec![ResourceName::Memory])
        );
    }

    #[test]
    fn status_serializes_as_quantities() {
        let mut rec = RecommendedPodResources::default();
        rec.container_recommendations
            .push(super::super::RecommendedContainerResources {
                container_name: "app".into(),
                target: ResourceList::from_amounts(Some(296), Some(628_694_953)),
                ..Default::default()
            });
        let s = VerticalPodAutoscalerStatus {
            recommendation: Some(rec),
            conditions: vec![],
        };
        let j = serde_json::to_string(&s).unwrap();
        assert_eq!(
            j,
            r#"{"recommendation":{"containerRecommendations":[{"containerName":"app","target":{"cpu":"296m","memory":"628694953"}}]}}"#
        );
    }
}
