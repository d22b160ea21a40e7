//! HPA + VPA conflict check: a VPA and an HPA that act on the same resource of the same
//! workload fight each other (the VPA changes requests, which moves the HPA's utilization).
//! The safe split is the one in the seed lecture: the VPA manages memory only
//! (`controlledResources: [memory]`) and the HPA scales on CPU or on custom/external metrics,
//! or the VPA runs in `updateMode: Off` (recommendations only).

use super::resources::ResourceName;
use super::spec::{ContainerScalingMode, VerticalPodAutoscaler};
use crate::hpa::{HorizontalPodAutoscaler, MetricSourceType};

/// One resource both autoscalers act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The contested resource.
    pub resource: ResourceName,
    /// The HPA metric on it (`Resource` or `ContainerResource`, with the container if any).
    pub hpa_metric: String,
    /// Which VPA containers control it (`*` for the default policy / all containers).
    pub vpa_containers: Vec<String>,
}

/// The result of [`check`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConflictReport {
    /// Both target the same workload (kind and name).
    pub same_target: bool,
    /// Contested resources (empty = safe).
    pub conflicts: Vec<Conflict>,
    /// What to change, in words.
    pub recommendation: Option<String>,
}

impl ConflictReport {
    /// Whether the pair is safe to run together.
    pub fn is_safe(&self) -> bool {
        self.conflicts.is_empty()
    }
}

/// The resources a VPA acts on for container `name`-independent reporting: per policy entry
/// (and `*` for containers without one), unless the mode or the update mode is `Off`.
fn vpa_controlled(vpa: &VerticalPodAutoscaler) -> Vec<(String, Vec<ResourceName>)> {
    if !vpa.spec.effective_update_mode().applies_at_admission() {
        return Vec::new();
    }
    let policies = vpa
        .spec
        .resource_policy
        .as_ref()
        .map(|p| p.container_policies.as_slice())
        .unwrap_or_default();
    let mut out: Vec<(String, Vec<ResourceName>)> = policies
        .iter()
        .filter(|p| p.mode != Some(ContainerScalingMode::Off))
        .map(|p| {
            let res = p
                .controlled_resources
                .clone()
                .unwrap_or_else(|| ResourceName::ALL.to_vec());
            (p.container_name.clone(), res)
        })
        .collect();
    if !policies.iter().any(|p| p.container_name == "*") {
        // Containers without a policy entry get cpu and memory.
        out.push(("*".to_owned(), ResourceName::ALL.to_vec()));
    }
    out
}

/// Checks a VPA / HPA pair.
///
/// ```
/// use tidescale::vpa::{conflict::check, VerticalPodAutoscaler};
/// let vpa: VerticalPodAutoscaler = serde_json::from_str(r#"{"spec": {
///   "targetRef": {"kind": "Deployment", "name": "web"}}}"#).unwrap();
/// let hpa: tidescale::hpa::HorizontalPodAutoscaler = serde_json::from_str(r#"{"spec": {
///   "scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 5}}"#).unwrap();
/// let r = check(&vpa, &hpa);
/// assert!(!r.is_safe()); // default HPA metric: CPU utilization; the VPA controls CPU too
/// ```
pub fn check(vpa: &VerticalPodAutoscaler, hpa: &HorizontalPodAutoscaler) -> ConflictReport {
    let mut report = ConflictReport::default();
    let Some(t) = vpa.spec.target_ref.as_ref() else {
        return report;
    };
    let h = &hpa.spec.scale_target_ref;
    report.same_target = t.kind == h.kind && t.name == h.name;
    if !report.same_target {
        return report;
    }
    let controlled = vpa_controlled(vpa);
    // HPA resource metrics; no metrics = the API default, CPU at 80 % utilization.
    let mut hpa_metrics: Vec<(ResourceName, String, Option<String>)> = Vec::new();
    if hpa.spec.metrics.is_empty() {
        hpa_metrics.push((
            ResourceName::Cpu,
            "Resource cpu (default 80% utilization)".into(),
            None,
        ));
    }
    for m in &hpa.spec.metrics {
        let (name, container) = match m.type_ {
            MetricSourceType::Resource => (m.resource.as_ref().map(|r| r.name.as_str()), None),
            MetricSourceType::ContainerResource => (
                m.container_resource.as_ref().map(|r| r.name.as_str()),
                m.container_resource.as_ref().map(|r| r.container.clone()),
            ),
            _ => (None, None),
        };
        let res = match name {
            Some("cpu") => ResourceName::Cpu,
            Some("memory") => ResourceName::Memory,
            _ => continue,
        };
        let label = match &container {
            Some(c) => format!("ContainerResource {} of {c}", res.as_str()),
            None => format!("Resource {}", res.as_str()),
        };
        hpa_metrics.push((res, label, container));
    }
    for (res, label, container) in hpa_metrics {
        let who: Vec<String> = controlled
            .iter()
            .filter(|(name, list)| {
                list.contains(&res) && container.as_ref().is_none_or(|c| name == "*" || name == c)
            })
            .map(|(name, _)| name.clone())
            .collect();
        if !who.is_empty()
            && !report
                .conflicts
                .iter()
                .any(|c| c.resource == res && c.hpa_metric == label)
        {
            report.conflicts.push(Conflict {
                resource: res,
                hpa_metric: label,
                vpa_containers: who,
            });
        }
    }
    if !report.is_safe() {
        let hpa_res: Vec<ResourceName> = report.conflicts.iter().map(|c| c.resource).collect();
        let advice = if hpa_res.contains(&ResourceName::Memory) {
            "scale the HPA on CPU or on custom/external metrics (requests per second, queue \
             length) instead of memory, and let the VPA manage memory only \
             (controlledResources: [memory]); or set the VPA's updateMode to Off"
        } else {
            "let the VPA manage memory only (controlledResources: [memory]) and keep the HPA on \
             CPU or custom/external metrics; or set the VPA's updateMode to Off"
        };
        report.recommendation = Some(advice.to_owned());
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(feature = "parse")]
    fn seed_manifest_11_is_safe() {
        let text = include_str!("../../../examples/manifests/11-vpa-hpa-careful.yaml");
        let vpa: VerticalPodAutoscaler = crate::manifest::load(text, &crate::manifest::VPA, None)
            .unwrap()
            .object;
        let hpa = crate::manifest::hpa_from_str(text, None).unwrap();
        let r = check(&vpa, &hpa);
        assert!(r.same_target);
        // The VPA policy covers "server" with memory only, but containers without a policy
        // entry still get cpu+memory; the HPA uses a Pods metric, so nothing is contested.
        assert!(r.is_safe(), "{r:?}");
    }

    #[test]
    fn cpu_on_both_conflicts() {
        let vpa: VerticalPodAutoscaler = serde_json::from_str(
            r#"{"spec":{"targetRef":{"kind":"Deployment","name":"w"},
               "resourcePolicy":{"containerPolicies":[{"containerName":"*","controlledResources":["cpu","memory"]}]}}}"#,
        )
        .unwrap();
        let hpa: HorizontalPodAutoscaler = serde_json::from_str(
            r#"{"spec":{"scaleTargetRef":{"kind":"Deployment","name":"w"},"maxReplicas":3,
               "metrics":[{"type":"Resource","resource":{"name":"memory","target":{"type":"Utilization","averageUtilization":70}}}]}}"#,
        )
        .unwrap();
        let r = check(&vpa, &hpa);
        assert_eq!(r.conflicts.len(), 1);
        assert_eq!(r.conflicts[0].resource, ResourceName::Memory);
        assert!(r.recommendation.unwrap().contains("memory only"));
        let mut off = vpa.clone();
        off.spec.update_policy = Some(crate::vpa::spec::PodUpdatePolicy {
            update_mode: Some(crate::vpa::spec::UpdateMode::Off),
            ..Default::default()
        });
        assert!(check(&off, &hpa).is_safe());
    }
}
