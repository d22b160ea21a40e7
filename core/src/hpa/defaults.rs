//! API defaulting of an HPA (`SetDefaults_HorizontalPodAutoscaler`), applied in one place.

use super::spec::{
    HorizontalPodAutoscaler, HpaScalingPolicy, HpaScalingPolicyType, HpaScalingRules, MetricSpec,
    ScalingPolicySelect,
};

/// Default CPU utilization target when `spec.metrics` is empty (`DefaultCPUUtilization`).
pub const DEFAULT_CPU_UTILIZATION: i32 = 80;

/// The scale-up rules Kubernetes fills in: window 0, `Max`, `Pods 4 / 15 s` and
/// `Percent 100 / 15 s`. Each field the user set replaces its default wholesale.
///
/// ```
/// let r = tidescale::hpa::scale_up_rules(None);
/// assert_eq!(r.stabilization_window_seconds, Some(0));
/// assert_eq!(r.policies.unwrap().len(), 2);
/// ```
pub fn scale_up_rules(user: Option<&HpaScalingRules>) -> HpaScalingRules {
    let defaults = HpaScalingRules {
        stabilization_window_seconds: Some(0),
        select_policy: Some(ScalingPolicySelect::Max),
        policies: Some(vec![
            HpaScalingPolicy {
                type_: HpaScalingPolicyType::Pods,
                value: 4,
                period_seconds: 15,
            },
            HpaScalingPolicy {
                type_: HpaScalingPolicyType::Percent,
                value: 100,
                period_seconds: 15,
            },
        ]),
        tolerance: None,
    };
    overlay(user, defaults)
}

/// The scale-down rules Kubernetes fills in: window left unset (the controller uses its
/// `--horizontal-pod-autoscaler-downscale-stabilization`), `Max`, `Percent 100 / 15 s`.
///
/// ```
/// let r = tidescale::hpa::scale_down_rules(None);
/// assert_eq!(r.stabilization_window_seconds, None);
/// ```
pub fn scale_down_rules(user: Option<&HpaScalingRules>) -> HpaScalingRules {
    let defaults = HpaScalingRules {
        stabilization_window_seconds: None,
        select_policy: Some(ScalingPolicySelect::Max),
        policies: Some(vec![HpaScalingPolicy {
            type_: HpaScalingPolicyType::Percent,
            value: 100,
            period_seconds: 15,
        }]),
        tolerance: None,
    };
    overlay(user, defaults)
}

fn overlay(user: Option<&HpaScalingRules>, mut to: HpaScalingRules) -> HpaScalingRules {
    let Some(from) = user else { return to };
    if from.select_policy.is_some() {
        to.select_policy.clone_from(&from.select_policy);
    }
    if from.stabilization_window_seconds.is_some() {
        to.stabilization_window_seconds = from.stabilization_window_seconds;
    }
    if from.policies.is_some() {
        to.policies.clone_from(&from.policies);
    }
    if from.tolerance.is_some() {
        to.tolerance = from.tolerance;
    }
    to
}

/// Applies the API server's defaulting: `minReplicas` 1, CPU at 80 % when there are no
/// metrics, and both behavior directions completed when `behavior` is set.
///
/// ```
/// let mut hpa: tidescale::hpa::HorizontalPodAutoscaler = serde_json::from_str(
///     r#"{"spec": {"maxReplicas": 5, "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60}}}}"#,
/// ).unwrap();
/// tidescale::hpa::apply_defaults(&mut hpa);
/// assert_eq!(hpa.spec.min_replicas, Some(1));
/// assert_eq!(hpa.spec.metrics[0].name(), "cpu");
/// let b = hpa.spec.behavior.unwrap();
/// assert_eq!(b.scale_up.unwrap().stabilization_window_seconds, Some(0));
/// assert_eq!(b.scale_down.unwrap().stabilization_window_seconds, Some(60));
/// ```
pub fn apply_defaults(hpa: &mut HorizontalPodAutoscaler) {
    let spec = &mut hpa.spec;
    if spec.min_replicas.is_none() {
        spec.min_replicas = Some(1);
    }
    if spec.metrics.is_empty() {
        spec.metrics.push(MetricSpec::resource_utilization(
            "cpu",
            DEFAULT_CPU_UTILIZATION,
        ));
    }
    if let Some(b) = spec.behavior.as_mut() {
        b.scale_up = Some(scale_up_rules(b.scale_up.as_ref()));
        b.scale_down = Some(scale_down_rules(b.scale_down.as_ref()));
    }
}
