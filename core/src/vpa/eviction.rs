//! Eviction restriction per replica group (`updater/restriction`): min replicas, eviction
//! tolerance, pending pods and pods in the middle of an in-place resize.

use std::collections::BTreeMap;

use super::pod::PodPhase;
use super::{Result, VpaError};
use crate::time::Timestamp;

/// The controller owning a group of pods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplicaController {
    /// `spec.replicas` of a ReplicationController.
    ReplicationController(Option<i32>),
    /// `spec.replicas` of a ReplicaSet.
    ReplicaSet(Option<i32>),
    /// `spec.replicas` of a StatefulSet.
    StatefulSet(Option<i32>),
    /// `status.numberReady` of a DaemonSet.
    DaemonSet(i32),
    /// A Job (configured = live pods).
    Job,
}

/// In-place resize state of a pod (from its `PodResizePending` / `PodResizeInProgress`
/// conditions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResizeStatus {
    /// Pending / Infeasible.
    Infeasible,
    /// Pending / Deferred.
    Deferred,
    /// In progress.
    InProgress,
    /// In progress with an error, or pending for another reason.
    Other,
}

/// A pod of the group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvictionPod {
    /// Pod name.
    pub name: String,
    /// Phase.
    pub phase: PodPhase,
    /// Ongoing in-place resize, and when the updater first saw it.
    pub resize: Option<(ResizeStatus, Timestamp)>,
    /// A CPU startup boost is in progress.
    pub cpu_startup_boost_in_progress: bool,
}

#[derive(Debug, Clone, Copy, Default)]
struct Group {
    configured: i64,
    tolerance: i64,
    running: i64,
    evicted: i64,
    in_place_initiated: i64,
}

impl Group {
    fn disruptable(&self) -> bool {
        let should = self.configured - self.tolerance;
        let alive = self.running - (self.evicted + self.in_place_initiated);
        alive > should
            || (self.configured == self.running
                && self.tolerance == 0
                && self.evicted == 0
                && self.in_place_initiated == 0)
    }
}

/// Timeout after which a deferred resize falls back to eviction (5 min).
pub const DEFERRED_RESIZE_TIMEOUT_MS: i64 = 300_000;
/// Timeout after which an in-progress resize falls back to eviction (1 h).
pub const IN_PROGRESS_RESIZE_TIMEOUT_MS: i64 = 3_600_000;

/// The eviction restriction of one replica group.
///
/// ```
/// use tidescale::vpa::eviction::*;
/// use tidescale::vpa::pod::PodPhase;
/// let pods: Vec<EvictionPod> = (0..4).map(|i| EvictionPod { name: format!("p{i}"),
///     phase: PodPhase::Running, resize: None, cpu_startup_boost_in_progress: false }).collect();
/// let mut r = EvictionRestriction::new(ReplicaController::ReplicaSet(Some(4)), &pods, 2, 0.5);
/// assert!(r.evict("p0").is_ok());
/// assert!(r.evict("p1").is_ok());
/// assert!(r.evict("p2").is_err());
/// ```
#[derive(Debug, Clone)]
pub struct EvictionRestriction {
    group: Option<Group>,
    pods: BTreeMap<String, EvictionPod>,
}

impl EvictionRestriction {
    /// Builds the group: ignored (nothing evictable except pending pods... of known groups)
    /// when fewer live pods than `min_replicas` (unless a startup boost is in progress) or
    /// when the configured replica count is 0/unset.
    pub fn new(
        controller: ReplicaController,
        pods: &[EvictionPod],
        min_replicas: i32,
        tolerance: f64,
    ) -> Self {
        let live = pods.len() as i64;
        let boost = pods.iter().any(|p| p.cpu_startup_boost_in_progress);
        let configured = match controller {
            ReplicaController::ReplicationController(r)
            | ReplicaController::ReplicaSet(r)
            | ReplicaController::StatefulSet(r) => r.filter(|&r| r > 0).map(i64::from),
            ReplicaController::DaemonSet(n) => (n > 0).then_some(i64::from(n)),
            ReplicaController::Job => Some(live),
        };
        let group = match configured {
            Some(configured) if live >= i64::from(min_replicas) || boost => {
                let pending = pods.iter().filter(|p| p.phase == PodPhase::Pending).count() as i64;
                // Go: int(float64(configured) * tolerance), truncation.
                let t = configured as f64 * tolerance;
                let tolerance = if t.is_finite() && t > 0.0 {
                    t as i64
                } else {
                    0
                };
                Some(Group {
                    configured,
                    tolerance,
                    running: live - pending,
                    evicted: 0,
                    in_place_initiated: 0,
                })
            }
            _ => None,
        };
        Self {
            group,
            pods: pods.iter().map(|p| (p.name.clone(), p.clone())).collect(),
        }
    }

    /// `CanEvict` at `now`.
    pub fn can_evict(&self, pod: &str, now: Timestamp) -> bool {
        let (Some(g), Some(p)) = (self.group, self.pods.get(pod)) else {
            return false;
        };
        if p.phase == PodPhase::Pending {
            return true;
        }
        if !g.disruptable() {
            return false;
        }
        match p.resize {
            None => true,
            Some((ResizeStatus::Deferred, since)) => now.0 - since.0 > DEFERRED_RESIZE_TIMEOUT_MS,
            Some((ResizeStatus::InProgress, since)) => {
                now.0 - since.0 > IN_PROGRESS_RESIZE_TIMEOUT_MS
            }
            Some((ResizeStatus::Infeasible | ResizeStatus::Other, _)) => true,
        }
    }

    /// `Evict`: checks [`can_evict`](Self::can_evict) at `now` and counts the eviction.
    pub fn evict_at(&mut self, pod: &str, now: Timestamp) -> Result<()> {
        if !self.can_evict(pod, now) {
            return Err(VpaError::NotEvictable(pod.to_owned()));
        }
        let pending = self
            .pods
            .get(pod)
            .is_some_and(|p| p.phase == PodPhase::Pending);
        if let (false, Some(g)) = (pending, self.group.as_mut()) {
            g.evicted += 1;
        }
        Ok(())
    }

    /// [`evict_at`](Self::evict_at) with resize clocks not advanced (time of first sight).
    pub fn evict(&mut self, pod: &str) -> Result<()> {
        let now = self
            .pods
            .get(pod)
            .and_then(|p| p.resize)
            .map_or(Timestamp(0), |r| r.1);
        self.evict_at(pod, now)
    }
}
