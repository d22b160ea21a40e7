//! The parts of a pod the VPA reads: container requests/limits (status overrides spec),
//! phase, annotations, start time and last terminations.

use std::collections::BTreeMap;

use super::resources::ResourceList;
use crate::time::Timestamp;

/// Pod phase: the same type the HPA uses.
pub use crate::hpa::PodPhase;

/// Requests and limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ContainerResources {
    /// `resources.requests`.
    pub requests: ResourceList,
    /// `resources.limits`.
    pub limits: ResourceList,
}

/// One container of a pod.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PodContainer {
    /// Container name.
    pub name: String,
    /// Spec requests and limits.
    pub resources: ContainerResources,
    /// Resources reported in the container status; when present they replace the spec's.
    pub status_resources: Option<ContainerResources>,
}

impl PodContainer {
    /// A container with spec resources only.
    pub fn new(name: &str, requests: ResourceList, limits: ResourceList) -> Self {
        Self {
            name: name.to_owned(),
            resources: ContainerResources { requests, limits },
            status_resources: None,
        }
    }

    /// The current requests and limits (`ContainerRequestsAndLimits`).
    pub fn current(&self) -> ContainerResources {
        self.status_resources.unwrap_or(self.resources)
    }
}

/// How a container last terminated.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TerminationState {
    /// e.g. `OOMKilled`.
    pub reason: String,
    /// When the container started.
    pub started_at: Timestamp,
    /// When it terminated.
    pub finished_at: Timestamp,
}

/// A container status.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContainerStatus {
    /// Container name.
    pub name: String,
    /// `lastState.terminated`.
    pub last_termination: Option<TerminationState>,
}

/// A pod as the VPA sees it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Pod {
    /// Pod name.
    pub name: String,
    /// Spec containers in order.
    pub containers: Vec<PodContainer>,
    /// Phase.
    pub phase: PodPhase,
    /// Annotations (`vpaObservedContainers`).
    pub annotations: BTreeMap<String, String>,
    /// `status.startTime`.
    pub start_time: Option<Timestamp>,
    /// `status.containerStatuses`.
    pub container_statuses: Vec<ContainerStatus>,
}

impl Pod {
    /// A container by name.
    pub fn container(&self, name: &str) -> Option<&PodContainer> {
        self.containers.iter().find(|c| c.name == name)
    }

    /// The containers listed in the `vpaObservedContainers` annotation: `None` when the
    /// annotation is absent or does not parse (then every container counts).
    pub fn observed_containers(&self) -> Option<Vec<&str>> {
        let v = self.annotations.get("vpaObservedContainers")?;
        if v.is_empty() {
            return Some(Vec::new());
        }
        let names: Vec<&str> = v.split(", ").collect();
        names.iter().all(|n| is_dns1123_label(n)).then_some(names)
    }
}

/// RFC 1123 label: 1–63 of `[a-z0-9-]`, alphanumeric at both ends.
pub fn is_dns1123_label(s: &str) -> bool {
    let b = s.as_bytes();
    let ok = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    !b.is_empty()
        && b.len() <= 63
        && b.iter().all(|c| ok(c) || *c == b'-')
        && b.first().is_some_and(ok)
        && b.last().is_some_and(ok)
}
