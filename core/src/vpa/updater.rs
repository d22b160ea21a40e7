//! The updater's decisions (`updater/priority`, `updater/logic`): update priority of a pod,
//! which pods enter the update list and in what order, and eviction requirements.

use super::pod::Pod;
use super::resources::{RecommendedPodResources, ResourceName};
use super::spec::{
    ChangeRequirement, ContainerScalingMode, EvictionRequirement, PodResourcePolicy, UpdateMode,
    container_policy,
};
use crate::time::Timestamp;

/// How urgently a pod should be updated (`PodPriority`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PodPriority {
    /// Some request lies outside [lowerBound, upperBound] (or is missing).
    pub outside_recommended_range: bool,
    /// Some resource would grow.
    pub scale_up: bool,
    /// Σ over resources of |request − target| / max(request, 1), milli-units.
    pub resource_diff: f64,
}

impl PodPriority {
    /// `Less`: scale-ups come first; otherwise the larger diff comes first.
    pub fn less(&self, other: &Self) -> bool {
        if self.scale_up != other.scale_up {
            return other.scale_up;
        }
        self.resource_diff < other.resource_diff
    }
}

/// `GetUpdatePriority` of a pod against its (capped) recommendation.
///
/// ```
/// use tidescale::vpa::{pod::{Pod, PodContainer}, updater::update_priority, *};
/// let pod = Pod { containers: vec![PodContainer::new("app",
///     ResourceList::from_amounts(Some(2000), None), ResourceList::default())], ..Default::default() };
/// let rec = RecommendedPodResources { container_recommendations: vec![RecommendedContainerResources {
///     container_name: "app".into(), target: ResourceList::from_amounts(Some(10000), None),
///     ..Default::default() }] };
/// let p = update_priority(&pod, &rec);
/// assert!(p.scale_up);
/// assert_eq!(p.resource_diff, 4.0);
/// ```
pub fn update_priority(pod: &Pod, rec: &RecommendedPodResources) -> PodPriority {
    let observed = pod.observed_containers();
    let mut out = PodPriority::default();
    let mut total_req = [0i128; 2];
    let mut total_rec = [None::<i128>; 2];
    for c in &pod.containers {
        if observed
            .as_ref()
            .is_some_and(|o| !o.contains(&c.name.as_str()))
        {
            continue;
        }
        let Some(r) = rec.for_container(&c.name) else {
            continue;
        };
        let req = c.current().requests;
        for (i, res) in ResourceName::ALL.into_iter().enumerate() {
            let Some(target) = r.target.get(res) else {
                continue;
            };
            if let Some(slot) = total_rec.get_mut(i) {
                *slot = Some(slot.unwrap_or(0) + i128::from(target.milli_value()));
            }
            match req.get(res) {
                Some(request) => {
                    if let Some(slot) = total_req.get_mut(i) {
                        *slot += i128::from(request.milli_value());
                    }
                    if target.milli_value() > request.milli_value() {
                        out.scale_up = true;
                    }
                    let below = r.lower_bound.get(res).is_some_and(|lb| request < lb);
                    let above = r.upper_bound.get(res).is_some_and(|ub| request > ub);
                    if below || above {
                        out.outside_recommended_range = true;
                    }
                }
                None => {
                    out.scale_up = true;
                    out.outside_recommended_range = true;
                }
            }
        }
    }
    for (req, rec) in total_req.iter().zip(total_rec) {
        if let Some(rec) = rec {
            let r = (*req as f64).max(1.0);
            out.resource_diff += (r - rec as f64).abs() / r;
        }
    }
    out
}

/// `hasLowerResourceRecommendation`: some container/resource target of `new` is strictly
/// below the same one in `last`.
pub fn has_lower_resource(
    last: Option<&RecommendedPodResources>,
    new: Option<&RecommendedPodResources>,
) -> bool {
    let (Some(last), Some(new)) = (last, new) else {
        return false;
    };
    new.container_recommendations.iter().any(|n| {
        last.container_recommendations
            .iter()
            .filter(|l| l.container_name == n.container_name)
            .any(|l| {
                n.target
                    .iter()
                    .any(|(r, q)| l.target.get(r).is_some_and(|lq| q < lq))
            })
    })
}

/// Updater flags that decide which pods are updated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UpdaterConfig {
    /// `--pod-update-threshold` (0.1).
    pub min_change_priority: f64,
    /// `--in-recommendation-bounds-eviction-lifetime-threshold` (12 h), ms.
    pub pod_lifetime_update_threshold_ms: i64,
    /// `--evict-after-oom-threshold` (10 min), ms.
    pub evict_after_oom_threshold_ms: i64,
    /// `--min-replicas` (2).
    pub min_replicas: i32,
    /// `--eviction-tolerance` (0.5).
    pub eviction_tolerance: f64,
}

impl Default for UpdaterConfig {
    fn default() -> Self {
        Self {
            min_change_priority: 0.1,
            pod_lifetime_update_threshold_ms: 12 * 3_600_000,
            evict_after_oom_threshold_ms: 600_000,
            min_replicas: 2,
            eviction_tolerance: 0.5,
        }
    }
}

/// A pod considered by the updater.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateCandidate<'a> {
    /// The pod.
    pub pod: &'a Pod,
    /// Its priority (from [`update_priority`] on the capped recommendation).
    pub priority: PodPriority,
    /// The capped recommendation for this pod.
    pub processed_recommendation: Option<&'a RecommendedPodResources>,
    /// The last in-place attempt that was infeasible, if any.
    pub last_infeasible_attempt: Option<&'a RecommendedPodResources>,
}

/// `AddPod`: whether the pod enters the update list.
pub fn should_update(
    c: &UpdateCandidate<'_>,
    mode: UpdateMode,
    policy: Option<&PodResourcePolicy>,
    cfg: &UpdaterConfig,
    now: Timestamp,
) -> bool {
    if mode == UpdateMode::InPlace
        && let Some(last) = c.last_infeasible_attempt
        && !has_lower_resource(Some(last), c.processed_recommendation)
    {
        return false;
    }
    let observed = c.pod.observed_containers();
    let quick_oom = c.pod.container_statuses.iter().any(|cs| {
        if observed
            .as_ref()
            .is_some_and(|o| !o.contains(&cs.name.as_str()))
        {
            return false;
        }
        if container_policy(policy, &cs.name).and_then(|p| p.mode)
            == Some(ContainerScalingMode::Off)
        {
            return false;
        }
        cs.last_termination.as_ref().is_some_and(|t| {
            t.reason == "OOMKilled"
                && t.finished_at.0.saturating_sub(t.started_at.0) < cfg.evict_after_oom_threshold_ms
        })
    });
    let p = c.priority;
    if !p.outside_recommended_range && !quick_oom {
        let Some(start) = c.pod.start_time else {
            return false;
        };
        if now.0 < start.0.saturating_add(cfg.pod_lifetime_update_threshold_ms) {
            return false;
        }
        if p.resource_diff < cfg.min_change_priority {
            return false;
        }
    }
    !(quick_oom && p.resource_diff == 0.0)
}

/// The update list: admitted candidates sorted by priority (scale-ups first, then larger
/// diff; stable for ties), filtered by `admit`. Returns indices into `candidates`.
pub fn sorted_updates(
    candidates: &[UpdateCandidate<'_>],
    mode: UpdateMode,
    policy: Option<&PodResourcePolicy>,
    cfg: &UpdaterConfig,
    now: Timestamp,
    mut admit: impl FnMut(&UpdateCandidate<'_>) -> bool,
) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..candidates.len())
        .filter(|&i| {
            candidates
                .get(i)
                .is_some_and(|c| should_update(c, mode, policy, cfg, now))
        })
        .collect();
    idx.sort_by(|&a, &b| {
        let (Some(pa), Some(pb)) = (candidates.get(a), candidates.get(b)) else {
            return std::cmp::Ordering::Equal;
        };
        if pb.priority.less(&pa.priority) {
            std::cmp::Ordering::Less
        } else if pa.priority.less(&pb.priority) {
            std::cmp::Ordering::Greater
        } else {
            std::cmp::Ordering::Equal
        }
    });
    idx.retain(|&i| candidates.get(i).is_some_and(&mut admit));
    idx
}

/// Eviction requirements (`scalingDirectionPodEvictionAdmission.Admit`): `None` = the VPA
/// has no update policy (admit). Otherwise some container with a recommendation must lack a
/// CPU or memory request, or meet every requirement.
pub fn admit_by_requirements(
    pod: &Pod,
    requirements: Option<&[EvictionRequirement]>,
    rec: Option<&RecommendedPodResources>,
) -> bool {
    let Some(reqs) = requirements else {
        return true;
    };
    pod.containers.iter().any(|c| {
        let Some(r) = rec.and_then(|rec| rec.for_container(&c.name)) else {
            return false;
        };
        let cur = c.current().requests;
        if cur.cpu.is_none() || cur.memory.is_none() {
            return true;
        }
        reqs.iter().all(|req| {
            req.resources.iter().any(|&res| {
                let t = r.target.get_or_zero(res);
                let q = cur.get_or_zero(res);
                match req.change_requirement {
                    ChangeRequirement::TargetHigherThanRequests => t > q,
                    ChangeRequirement::TargetLowerThanRequests => t < q,
                }
            })
        })
    })
}
