//! What the host observes at each sync: the scale subresource, the pods and the metric values.
//!
//! Pods carry what the Kubernetes controller reads from them (phase, deletion, start time,
//! readiness and container requests). Metric values are given per `spec.metrics` entry, in the
//! same order; per-pod values refer to pods by their index in [`Observation::pods`].

use serde::{Deserialize, Serialize};

use super::resource_list::ResourceList;
use crate::{Quantity, Timestamp};

/// `status.phase` of a pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum PodPhase {
    /// Scheduled, not all containers started.
    Pending,
    /// Running.
    #[default]
    Running,
    /// Finished successfully.
    Succeeded,
    /// Finished with a failure.
    Failed,
    /// State unknown.
    Unknown,
}

/// The pod's `Ready` condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Readiness {
    /// `status: "True"`.
    pub ready: bool,
    /// `lastTransitionTime`.
    pub last_transition: Timestamp,
}

/// Requests of one container (or, for [`Pod::pod_requests`], of the whole pod).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Container {
    /// Container name.
    pub name: String,
    /// `resources.requests` (`cpu`, `memory`, ...).
    #[serde(default)]
    pub requests: ResourceList,
    /// For init containers: `restartPolicy: Always` (a sidecar, whose requests count).
    #[serde(default)]
    pub restart_policy_always: bool,
}

/// A pod as the HPA controller sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pod {
    /// Pod name (used in explanations and pod groups).
    pub name: String,
    /// `status.phase`.
    #[serde(default)]
    pub phase: PodPhase,
    /// `metadata.deletionTimestamp` is set.
    #[serde(default)]
    pub deleted: bool,
    /// `status.startTime`.
    #[serde(default)]
    pub start_time: Option<Timestamp>,
    /// The `Ready` condition, if the pod has one.
    #[serde(default)]
    pub ready: Option<Readiness>,
    /// Regular containers.
    #[serde(default)]
    pub containers: Vec<Container>,
    /// Init containers (only those with `restartPolicy: Always` count towards requests).
    #[serde(default)]
    pub init_containers: Vec<Container>,
    /// Pod-level `resources.requests` (used when the `PodLevelResources` gate is on).
    #[serde(default)]
    pub pod_requests: Option<ResourceList>,
}

impl Pod {
    /// A running, ready pod (started long ago) whose single container `app` requests
    /// `cpu_milli` of CPU.
    ///
    /// ```
    /// let p = tidescale::hpa::Pod::running("web-0", 500);
    /// assert_eq!(p.containers[0].requests.get("cpu").unwrap().milli_value(), 500);
    /// ```
    pub fn running(name: &str, cpu_milli: i64) -> Self {
        let mut requests = ResourceList::new();
        requests.insert("cpu", Quantity::from_milli(cpu_milli));
        Self::ready_since(name, "app", requests, Timestamp::from_secs(-3600))
    }

    /// A running pod, ready since `since` (and started then), with one container `container`
    /// requesting `requests`.
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// use tidescale::{Quantity, Timestamp};
    /// let req = BTreeMap::from([("memory".to_owned(), "2Gi".parse::<Quantity>().unwrap())]);
    /// let p = tidescale::hpa::Pod::ready_since("web-0", "server", req, Timestamp(0));
    /// assert_eq!(p.containers[0].name, "server");
    /// assert!(p.ready.unwrap().ready);
    /// ```
    pub fn ready_since(
        name: &str,
        container: &str,
        requests: impl Into<ResourceList>,
        since: Timestamp,
    ) -> Self {
        Self {
            name: name.to_owned(),
            phase: PodPhase::Running,
            deleted: false,
            start_time: Some(since),
            ready: Some(Readiness {
                ready: true,
                last_transition: since,
            }),
            containers: vec![Container {
                name: container.to_owned(),
                requests: requests.into(),
                restart_policy_always: false,
            }],
            init_containers: Vec::new(),
            pod_requests: None,
        }
    }

    /// `count` identical pods (`pod-0`, `pod-1`, ...), running and ready for an hour before
    /// `now`, each with one container `container` requesting `requests`: the observation the
    /// what-if questions assume.
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// let pods = tidescale::hpa::Pod::identical(3, "app", &BTreeMap::new(), tidescale::Timestamp(0));
    /// assert_eq!(pods[2].name, "pod-2");
    /// ```
    pub fn identical(
        count: usize,
        container: &str,
        requests: impl Into<ResourceList>,
        now: Timestamp,
    ) -> Vec<Self> {
        let requests = requests.into();
        let since = now.minus_secs(3600);
        (0..count)
            .map(|i| Self::ready_since(&format!("pod-{i}"), container, requests.clone(), since))
            .collect()
    }
}

/// What the HPA controller reads from a pod. [`Pod`] implements it; a host with its own pod
/// type (a C struct, a row of a table) can implement it too and skip the conversion.
///
/// ```
/// use tidescale::Timestamp;
/// use tidescale::hpa::{Controller, MetricValues, Observation, PodInfo, PodMetric, PodPhase,
///     Readiness, RequestError, Scale, Settings};
///
/// /// A model server's own view of a replica: always running and ready, 2 CPUs requested.
/// struct Replica;
/// impl PodInfo for Replica {
///     fn name(&self) -> &str { "replica" }
///     fn phase(&self) -> PodPhase { PodPhase::Running }
///     fn deleted(&self) -> bool { false }
///     fn start_time(&self) -> Option<Timestamp> { Some(Timestamp::from_secs(-3600)) }
///     fn readiness(&self) -> Option<Readiness> {
///         Some(Readiness { ready: true, last_transition: Timestamp::from_secs(-3600) })
///     }
///     fn request(&self, resource: &str, _: &str, _: bool) -> Result<i64, RequestError> {
///         match resource {
///             "cpu" => Ok(2000),
///             _ => Err(RequestError::MissingRequest { resource: resource.into(),
///                 container: "server".into(), pod: "replica".into() }),
///         }
///     }
/// }
///
/// let hpa = serde_json::from_str(r#"{"spec": {"maxReplicas": 10, "metrics": [{"type": "Resource",
///     "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}]}}"#).unwrap();
/// let mut ctl = Controller::new(hpa, Settings::default()).unwrap();
/// let pods = [Replica, Replica];
/// let cpu = [PodMetric::new(0, 1800, Timestamp(0)), PodMetric::new(1, 1800, Timestamp(0))];
/// let d = ctl.step(Timestamp(0), &Observation {
///     scale: Scale { spec_replicas: 2, status_replicas: 2 },
///     pods: &pods,
///     metrics: &[MetricValues::Pods(&cpu)],
/// }).unwrap();
/// assert_eq!(d.desired_replicas, 4); // 90 % of 2 CPUs against 50 %: ratio 1.8 x 2 pods
/// ```
pub trait PodInfo {
    /// The pod's name (for explanations and errors).
    fn name(&self) -> &str;
    /// `status.phase`.
    fn phase(&self) -> PodPhase;
    /// `metadata.deletionTimestamp` is set.
    fn deleted(&self) -> bool;
    /// `status.startTime`.
    fn start_time(&self) -> Option<Timestamp>;
    /// The `Ready` condition.
    fn readiness(&self) -> Option<Readiness>;
    /// The pod's request for `resource` in milli-units, as [`super::pod_request`] defines it:
    /// the pod-level request when `pod_level_resources` is on and set (whole-pod metrics),
    /// else the sum over regular containers and sidecars, or only `container` when not empty.
    ///
    /// # Errors
    /// A summed container without the request, or a named container absent from the pod.
    fn request(
        &self,
        resource: &str,
        container: &str,
        pod_level_resources: bool,
    ) -> Result<i64, super::RequestError>;
}

impl PodInfo for Pod {
    fn name(&self) -> &str {
        &self.name
    }
    fn phase(&self) -> PodPhase {
        self.phase
    }
    fn deleted(&self) -> bool {
        self.deleted
    }
    fn start_time(&self) -> Option<Timestamp> {
        self.start_time
    }
    fn readiness(&self) -> Option<Readiness> {
        self.ready
    }
    fn request(
        &self,
        resource: &str,
        container: &str,
        pod_level_resources: bool,
    ) -> Result<i64, super::RequestError> {
        super::pod_request(self, resource, container, pod_level_resources)
    }
}

/// One per-pod metric sample (resource metrics API or custom metrics API).
///
/// The layout is `#[repr(C)]` and part of the API: four 64-bit fields in this order, so a
/// host (the C door's `ts_pod_sample`) can lend an array of its own samples in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[repr(C)]
pub struct PodMetric {
    /// Index of the pod in [`Observation::pods`]. An index past the end is a sample for a pod
    /// that is not in the list (upstream keeps such "superfluous" samples in some averages).
    pub pod: usize,
    /// The value in milli-units, already reduced to the metric's scope (the sum over the pod's
    /// containers, or the named container for `ContainerResource`).
    pub value_milli: i64,
    /// When the sample was taken.
    pub timestamp: Timestamp,
    /// The window the sample covers, in milliseconds.
    pub window_ms: i64,
}

impl PodMetric {
    /// A sample for pod `pod` taken at `timestamp` over a 60 s window.
    pub const fn new(pod: usize, value_milli: i64, timestamp: Timestamp) -> Self {
        Self {
            pod,
            value_milli,
            timestamp,
            window_ms: 60_000,
        }
    }
}

/// The values read for one `spec.metrics` entry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MetricValues<'a> {
    /// Per-pod samples (Resource, ContainerResource, Pods metrics).
    Pods(&'a [PodMetric]),
    /// The object's value in milli-units (Object metrics).
    Object(i64),
    /// Every returned series value in milli-units (External metrics; they are summed).
    External(&'a [i64]),
    /// The metrics API call failed.
    Unavailable,
}

/// The scale subresource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Scale {
    /// `spec.replicas`: the current replica count the HPA works from.
    pub spec_replicas: i32,
    /// `status.replicas`: used by Object/External `AverageValue` targets.
    pub status_replicas: i32,
}

/// Everything one sync observes. `P` is the pod type: [`Pod`] unless the host brings its own
/// [`PodInfo`].
#[derive(Debug, Clone, Copy)]
pub struct Observation<'a, P = Pod> {
    /// The scale subresource.
    pub scale: Scale,
    /// Pods matched by the target's selector.
    pub pods: &'a [P],
    /// One entry per `spec.metrics` entry, in the same order.
    pub metrics: &'a [MetricValues<'a>],
}
