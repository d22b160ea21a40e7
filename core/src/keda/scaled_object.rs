//! The `keda.sh/v1alpha1` objects as users write them: `ScaledObject`, `ScaledJob`,
//! `TriggerAuthentication`. KEDA's defaults are applied in one place, [`ScaledObjectSpec`]'s
//! accessor methods (and [`ScaledJobSpec`]'s).

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::fallback::Fallback;
use crate::hpa::{HorizontalPodAutoscalerBehavior, ObjectMeta};

/// Default `pollingInterval` (s).
pub const DEFAULT_POLLING_INTERVAL: i32 = 30;
/// Default `cooldownPeriod` (s).
pub const DEFAULT_COOLDOWN_PERIOD: i32 = 300;
/// Default `initialCooldownPeriod` (s).
pub const DEFAULT_INITIAL_COOLDOWN_PERIOD: i32 = 0;
/// Default `maxReplicaCount`.
pub const DEFAULT_MAX_REPLICA_COUNT: i32 = 100;

/// A `ScaledObject`.
///
/// ```
/// let so: tidescale::keda::ScaledObject = serde_json::from_str(r#"{
///   "apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject", "metadata": {"name": "w"},
///   "spec": {"scaleTargetRef": {"name": "worker"}, "minReplicaCount": 0,
///            "triggers": [{"type": "aws-sqs-queue", "metadata": {"queueLength": 30}}]}
/// }"#).unwrap();
/// assert_eq!(so.spec.max_replica_count(), 100);
/// assert_eq!(so.spec.triggers[0].metadata["queueLength"], "30");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScaledObject {
    /// `keda.sh/v1alpha1`.
    #[serde(default = "api_version")]
    pub api_version: String,
    /// `ScaledObject`.
    #[serde(default)]
    pub kind: String,
    /// Name, namespace, annotations (`autoscaling.keda.sh/paused`, ...).
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The spec.
    pub spec: ScaledObjectSpec,
}

fn api_version() -> String {
    "keda.sh/v1alpha1".to_owned()
}

/// `scaleTargetRef`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScaleTarget {
    /// Target name.
    pub name: String,
    /// Default `apps/v1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// Default `Deployment`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Container whose env resolves `*FromEnv` parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env_source_container_name: Option<String>,
}

/// `spec` of a ScaledObject. Use the accessors for values with KEDA's defaults applied.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScaledObjectSpec {
    /// The workload.
    #[serde(default)]
    pub scale_target_ref: ScaleTarget,
    /// `pollingInterval` (s), default 30.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub polling_interval: Option<i32>,
    /// `cooldownPeriod` (s), default 300.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cooldown_period: Option<i32>,
    /// `initialCooldownPeriod` (s), default 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_cooldown_period: Option<i32>,
    /// `idleReplicaCount` (only 0 works in practice).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_replica_count: Option<i32>,
    /// `minReplicaCount`, default 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_replica_count: Option<i32>,
    /// `maxReplicaCount`, default 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_replica_count: Option<i32>,
    /// `advanced`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advanced: Option<AdvancedConfig>,
    /// `triggers`.
    #[serde(default)]
    pub triggers: Vec<TriggerSpec>,
    /// `fallback`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<Fallback>,
}

impl ScaledObjectSpec {
    /// `pollingInterval` with its default (30 s).
    pub fn polling_interval(&self) -> i32 {
        self.polling_interval.unwrap_or(DEFAULT_POLLING_INTERVAL)
    }
    /// `cooldownPeriod` with its default (300 s).
    pub fn cooldown_period(&self) -> i32 {
        self.cooldown_period.unwrap_or(DEFAULT_COOLDOWN_PERIOD)
    }
    /// `initialCooldownPeriod` with its default (0 s).
    pub fn initial_cooldown_period(&self) -> i32 {
        self.initial_cooldown_period
            .unwrap_or(DEFAULT_INITIAL_COOLDOWN_PERIOD)
    }
    /// `minReplicaCount` with its default (0).
    pub fn min_replica_count(&self) -> i32 {
        self.min_replica_count.unwrap_or(0)
    }
    /// `maxReplicaCount` with its default (100).
    pub fn max_replica_count(&self) -> i32 {
        self.max_replica_count.unwrap_or(DEFAULT_MAX_REPLICA_COUNT)
    }
    /// `advanced.scalingModifiers`, if set (a block with an empty formula counts as unset).
    pub fn scaling_modifiers(&self) -> Option<&ScalingModifiers> {
        self.advanced
            .as_ref()
            .and_then(|a| a.scaling_modifiers.as_ref())
            .filter(|m| !m.formula.is_empty())
    }
}

/// `spec.advanced`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdvancedConfig {
    /// `horizontalPodAutoscalerConfig`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub horizontal_pod_autoscaler_config: Option<HpaConfig>,
    /// `restoreToOriginalReplicaCount`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restore_to_original_replica_count: Option<bool>,
    /// `scalingModifiers`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scaling_modifiers: Option<ScalingModifiers>,
}

/// `advanced.horizontalPodAutoscalerConfig`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HpaConfig {
    /// HPA name (default `keda-hpa-<name>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Copied into the HPA's `behavior`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub behavior: Option<HorizontalPodAutoscalerBehavior>,
}

/// `advanced.scalingModifiers`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScalingModifiers {
    /// The formula over trigger names.
    #[serde(default)]
    pub formula: String,
    /// Target (a float > 0, as a string).
    #[serde(default, deserialize_with = "lenient_string")]
    pub target: String,
    /// Activation target (default 0).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_opt_string"
    )]
    pub activation_target: Option<String>,
    /// `AverageValue` (default) or `Value`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_type: Option<String>,
}

/// One entry of `spec.triggers`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TriggerSpec {
    /// Scaler type, e.g. `aws-sqs-queue`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Trigger name (needed by scaling modifiers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `useCachedMetrics`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_cached_metrics: Option<bool>,
    /// Scaler parameters. Values are strings; unquoted YAML numbers and booleans are accepted
    /// and kept as their text.
    #[serde(default, deserialize_with = "lenient_map")]
    pub metadata: BTreeMap<String, String>,
    /// `authenticationRef`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication_ref: Option<AuthenticationRef>,
    /// `AverageValue` (default), `Value`, or `Utilization` (cpu/memory only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_type: Option<String>,
}

/// `authenticationRef`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticationRef {
    /// Name of the (Cluster)TriggerAuthentication.
    pub name: String,
    /// `TriggerAuthentication` (default) or `ClusterTriggerAuthentication`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// A `ScaledJob`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScaledJob {
    /// `keda.sh/v1alpha1`.
    #[serde(default = "api_version")]
    pub api_version: String,
    /// `ScaledJob`.
    #[serde(default)]
    pub kind: String,
    /// Name, namespace, annotations.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The spec.
    pub spec: ScaledJobSpec,
}

/// `spec` of a ScaledJob (the Job template itself is not kept).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScaledJobSpec {
    /// `pollingInterval` (s), default 30.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub polling_interval: Option<i32>,
    /// Default 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub successful_jobs_history_limit: Option<i32>,
    /// Default 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_jobs_history_limit: Option<i32>,
    /// `minReplicaCount`, default 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_replica_count: Option<i32>,
    /// `maxReplicaCount`, default 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_replica_count: Option<i32>,
    /// `scalingStrategy`.
    #[serde(default)]
    pub scaling_strategy: ScalingStrategySpec,
    /// `triggers`.
    #[serde(default)]
    pub triggers: Vec<TriggerSpec>,
}

impl ScaledJobSpec {
    /// The min/max pair with KEDA's `MinReplicaCount()`/`MaxReplicaCount()` accessors.
    pub fn bounds(&self) -> super::JobBounds {
        super::JobBounds {
            min: self.min_replica_count.map(i64::from),
            max: self.max_replica_count.map(i64::from),
        }
    }
    /// The resolved strategy.
    pub fn strategy(&self) -> super::ScalingStrategy {
        let s = &self.scaling_strategy;
        super::ScalingStrategy::from_spec(
            s.strategy.as_deref().unwrap_or("default"),
            s.custom_scaling_queue_length_deduction,
            s.custom_scaling_running_job_percentage.as_deref(),
        )
    }
    /// The resolved `multipleScalersCalculation`.
    pub fn multiple_scalers_calculation(&self) -> super::MultipleScalersCalculation {
        super::MultipleScalersCalculation::parse(
            self.scaling_strategy
                .multiple_scalers_calculation
                .as_deref()
                .unwrap_or(""),
        )
    }
}

/// `spec.scalingStrategy` of a ScaledJob.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScalingStrategySpec {
    /// `default`, `custom`, `accurate`, `eager`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<String>,
    /// `customScalingQueueLengthDeduction`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_scaling_queue_length_deduction: Option<i32>,
    /// `customScalingRunningJobPercentage` (a string).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_opt_string"
    )]
    pub custom_scaling_running_job_percentage: Option<String>,
    /// `pendingPodConditions`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending_pod_conditions: Vec<String>,
    /// `max` (default), `min`, `avg`, `sum`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multiple_scalers_calculation: Option<String>,
}

/// A `TriggerAuthentication` / `ClusterTriggerAuthentication` (the parts tidescale reads; the
/// host resolves secrets).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TriggerAuthentication {
    /// `keda.sh/v1alpha1`.
    #[serde(default = "api_version")]
    pub api_version: String,
    /// `TriggerAuthentication` or `ClusterTriggerAuthentication`.
    #[serde(default)]
    pub kind: String,
    /// Name, namespace.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The spec.
    #[serde(default)]
    pub spec: TriggerAuthenticationSpec,
}

/// `spec` of a TriggerAuthentication.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TriggerAuthenticationSpec {
    /// `podIdentity`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_identity: Option<PodIdentity>,
    /// `secretTargetRef`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secret_target_ref: Vec<SecretTargetRef>,
    /// `env`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<EnvRef>,
    /// `configMapTargetRef`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub config_map_target_ref: Vec<SecretTargetRef>,
}

/// `podIdentity`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodIdentity {
    /// `aws`, `azure-workload`, `gcp`, `none`, ...
    pub provider: String,
    /// `identityId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_id: Option<String>,
    /// `roleArn`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    /// `identityOwner` (`keda` or `workload`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_owner: Option<String>,
}

/// `secretTargetRef` / `configMapTargetRef` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretTargetRef {
    /// Scaler parameter to fill.
    pub parameter: String,
    /// Secret / ConfigMap name.
    pub name: String,
    /// Key inside it.
    pub key: String,
}

/// `env` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvRef {
    /// Scaler parameter to fill.
    pub parameter: String,
    /// Environment variable name.
    pub name: String,
    /// Container to read it from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_name: Option<String>,
}

/// A scalar written where KEDA expects a string.
struct LenientString;

impl Visitor<'_> for LenientString {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, number or boolean")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_unit<E: de::Error>(self) -> Result<String, E> {
        Ok(String::new())
    }
}

struct Lenient(String);
impl<'de> Deserialize<'de> for Lenient {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LenientString).map(Lenient)
    }
}

fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    d.deserialize_any(LenientString)
}

fn lenient_opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Option::<Lenient>::deserialize(d).map(|o| o.map(|l| l.0))
}

fn lenient_map<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = BTreeMap<String, String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a map of strings")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(BTreeMap::new())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some((k, v)) = m.next_entry::<String, Lenient>()? {
                out.insert(k, v.0);
            }
            Ok(out)
        }
    }
    d.deserialize_any(V)
}
