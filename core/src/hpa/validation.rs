//! API validation of an HPA (`pkg/apis/autoscaling/validation`), with the API server's field
//! paths and messages.

use super::spec::{
    HorizontalPodAutoscaler, HpaScalingPolicyType, HpaScalingRules, MetricSourceType,
    MetricTargetType, ScalingPolicySelect,
};

/// Longest allowed `stabilizationWindowSeconds`.
pub const MAX_STABILIZATION_WINDOW_SECONDS: i32 = 3600;
/// Longest allowed policy `periodSeconds`.
pub const MAX_PERIOD_SECONDS: i32 = 1800;

/// Feature gates that change what validation accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidationGates {
    /// `HPAConfigurableTolerance` (beta, on by default since 1.35).
    pub configurable_tolerance: bool,
    /// `HPAScaleToZero` (alpha, off by default): allows `minReplicas: 0`.
    pub scale_to_zero: bool,
}

impl Default for ValidationGates {
    fn default() -> Self {
        Self {
            configurable_tolerance: true,
            scale_to_zero: false,
        }
    }
}

/// Validates one rules block at `path` (e.g. `spec.behavior.scaleUp`), appending messages in
/// the API server's format.
pub fn validate_scaling_rules(
    rules: &HpaScalingRules,
    path: &str,
    gates: ValidationGates,
    errors: &mut Vec<String>,
) {
    if let Some(w) = rules.stabilization_window_seconds {
        if w < 0 {
            errors.push(format!(
                "{path}.stabilizationWindowSeconds: Invalid value: {w}: must be greater than or equal to zero"
            ));
        }
        if w > MAX_STABILIZATION_WINDOW_SECONDS {
            errors.push(format!(
                "{path}.stabilizationWindowSeconds: Invalid value: {w}: must be less than or equal to {MAX_STABILIZATION_WINDOW_SECONDS}"
            ));
        }
    }
    if let Some(ScalingPolicySelect::Unknown(s)) = &rules.select_policy {
        errors.push(format!(
            "{path}.selectPolicy: Unsupported value: \"{s}\": supported values: \"Disabled\", \"Max\", \"Min\""
        ));
    }
    let policies = rules.policies.as_deref().unwrap_or_default();
    if policies.is_empty() {
        errors.push(format!(
            "{path}.policies: Required value: must specify at least one Policy"
        ));
    }
    for (i, p) in policies.iter().enumerate() {
        let pp = format!("{path}.policies[{i}]");
        if let HpaScalingPolicyType::Unknown(s) = &p.type_ {
            errors.push(format!(
                "{pp}.type: Unsupported value: \"{s}\": supported values: \"Percent\", \"Pods\""
            ));
        }
        if p.value <= 0 {
            errors.push(format!(
                "{pp}.value: Invalid value: {}: must be greater than zero",
                p.value
            ));
        }
        if p.period_seconds <= 0 {
            errors.push(format!(
                "{pp}.periodSeconds: Invalid value: {}: must be greater than zero",
                p.period_seconds
            ));
        }
        if p.period_seconds > MAX_PERIOD_SECONDS {
            errors.push(format!(
                "{pp}.periodSeconds: Invalid value: {}: must be less than or equal to {MAX_PERIOD_SECONDS}",
                p.period_seconds
            ));
        }
    }
    if let Some(t) = rules.tolerance {
        if !gates.configurable_tolerance {
            errors.push(format!(
                "{path}.tolerance: Forbidden: tolerance is not supported when the HPAConfigurableTolerance feature gate is disabled"
            ));
        } else if t.milli_value() < 0 {
            errors.push(format!(
                "{path}.tolerance: Invalid value: \"{t}\": must be greater or equal to zero"
            ));
        }
    }
}

/// Validates a (defaulted) HPA. Returns every problem found, as the API server lists them.
///
/// ```
/// let mut hpa: tidescale::hpa::HorizontalPodAutoscaler =
///     serde_json::from_str(r#"{"spec": {"minReplicas": 5, "maxReplicas": 2}}"#).unwrap();
/// tidescale::hpa::apply_defaults(&mut hpa);
/// let errs = tidescale::hpa::validate(&hpa, Default::default()).unwrap_err();
/// assert!(errs[0].contains("must be greater than or equal to `minReplicas`"));
/// ```
///
/// # Errors
/// The list of messages when anything is invalid.
pub fn validate(hpa: &HorizontalPodAutoscaler, gates: ValidationGates) -> Result<(), Vec<String>> {
    let mut errors = Vec::new();
    let spec = &hpa.spec;
    let min = spec.min_replicas.unwrap_or(1);
    if min < 0 || (min == 0 && !gates.scale_to_zero) {
        let lower = if gates.scale_to_zero { 0 } else { 1 };
        errors.push(format!(
            "spec.minReplicas: Invalid value: {min}: must be greater than or equal to {lower}"
        ));
    }
    if spec.max_replicas < 1 {
        errors.push(format!(
            "spec.maxReplicas: Invalid value: {}: must be greater than 0",
            spec.max_replicas
        ));
    }
    if spec.max_replicas < min {
        errors.push(format!(
            "spec.maxReplicas: Invalid value: {}: must be greater than or equal to `minReplicas`",
            spec.max_replicas
        ));
    }
    let has_object_or_external = spec.metrics.iter().any(|m| {
        matches!(
            m.type_,
            MetricSourceType::Object | MetricSourceType::External
        )
    });
    if min == 0 && gates.scale_to_zero && !has_object_or_external {
        errors.push(
            "spec.minReplicas: Forbidden: must specify at least one Object or External metric to support scaling to zero replicas"
                .to_owned(),
        );
    }
    for (i, m) in spec.metrics.iter().enumerate() {
        validate_metric(m, &format!("spec.metrics[{i}]"), &mut errors);
    }
    if let Some(b) = &spec.behavior {
        if let Some(r) = &b.scale_up {
            validate_scaling_rules(r, "spec.behavior.scaleUp", gates, &mut errors);
        }
        if let Some(r) = &b.scale_down {
            validate_scaling_rules(r, "spec.behavior.scaleDown", gates, &mut errors);
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn validate_metric(m: &super::spec::MetricSpec, path: &str, errors: &mut Vec<String>) {
    let (block, present) = match m.type_ {
        MetricSourceType::Resource => ("resource", m.resource.is_some()),
        MetricSourceType::ContainerResource => {
            ("containerResource", m.container_resource.is_some())
        }
        MetricSourceType::Pods => ("pods", m.pods.is_some()),
        MetricSourceType::Object => ("object", m.object.is_some()),
        MetricSourceType::External => ("external", m.external.is_some()),
        MetricSourceType::Unknown => {
            errors.push(format!(
                "{path}.type: Unsupported value: supported values: \"ContainerResource\", \"External\", \"Object\", \"Pods\", \"Resource\""
            ));
            return;
        }
    };
    if !present {
        errors.push(format!(
            "{path}.{block}: Required value: must populate information for the given metric source"
        ));
        return;
    }
    let Some(t) = m.target() else { return };
    let tp = format!("{path}.{block}.target");
    if let Some(u) = t.average_utilization
        && u <= 0
    {
        errors.push(format!(
            "{tp}.averageUtilization: Invalid value: {u}: must be greater than 0"
        ));
    }
    for (name, q) in [("value", t.value), ("averageValue", t.average_value)] {
        if let Some(q) = q
            && q.milli_value() <= 0
        {
            errors.push(format!(
                "{tp}.{name}: Invalid value: \"{q}\": must be positive"
            ));
        }
    }
    let is_resource = matches!(
        m.type_,
        MetricSourceType::Resource | MetricSourceType::ContainerResource
    );
    if is_resource {
        if t.average_utilization.is_some() && t.average_value.is_some() {
            errors.push(format!(
                "{tp}: Invalid value: may not set both a target raw value and a target utilization"
            ));
        }
        if t.average_utilization.is_none() && t.average_value.is_none() {
            errors.push(format!(
                "{tp}: Required value: must set either a target raw value or a target utilization"
            ));
        }
    } else {
        if t.type_ == MetricTargetType::Utilization {
            errors.push(format!(
                "{tp}.type: Unsupported value: \"Utilization\": supported values: \"AverageValue\", \"Value\""
            ));
        }
        let ok = match m.type_ {
            MetricSourceType::Pods => t.average_value.is_some(),
            _ => t.value.is_some() != t.average_value.is_some(),
        };
        if !ok {
            errors.push(format!(
                "{tp}: Required value: must set exactly one of value or averageValue (Pods metrics: averageValue)"
            ));
        }
    }
}
