//! Capping of recommendations: recommender-side `ApplyVPAPolicy` (min/max allowed and the
//! global max) and the admission/updater `cappingRecommendationProcessor` (pod and container
//! LimitRanges, min/max allowed, container limits for `RequestsOnly`).

use std::collections::BTreeMap;

use super::limits::{
    LimitRangeItem, Rounding, boundary_request, proportional_limit, scale_proportionally,
};
use super::pod::{ContainerResources, Pod, PodContainer};
use super::resources::{
    RecommendedContainerResources, RecommendedPodResources, ResourceList, ResourceName,
};
use super::spec::{
    ContainerControlledValues, ContainerResourcePolicy, PodResourcePolicy, controlled_values,
};
use crate::quantity::Quantity;

/// Capped recommendation plus the per-container capping annotations (target only).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CappedRecommendation {
    /// The capped recommendation (containers absent from the pod are dropped).
    pub recommendation: RecommendedPodResources,
    /// Container name → annotations such as `cpu capped to maxAllowed`.
    pub annotations: BTreeMap<String, Vec<String>>,
}

/// Which list of a recommendation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// `target`.
    Target,
    /// `lowerBound`.
    LowerBound,
    /// `upperBound`.
    UpperBound,
}

impl Field {
    fn of(self, r: &mut RecommendedContainerResources) -> &mut ResourceList {
        match self {
            Self::Target => &mut r.target,
            Self::LowerBound => &mut r.lower_bound,
            Self::UpperBound => &mut r.upper_bound,
        }
    }
}

fn cap_min(v: Quantity, min: Option<Quantity>) -> Option<Quantity> {
    min.filter(|m| m.milli_value() != 0 && v < *m)
}

fn cap_max(v: Quantity, max: Option<Quantity>) -> Option<Quantity> {
    max.filter(|m| m.milli_value() != 0 && v > *m)
}

/// Raises each present resource to `min` and lowers it to `max` (zero = no bound); returns
/// which resources hit which bound, in cpu, memory order.
fn clamp_list(
    list: &mut ResourceList,
    min: &ResourceList,
    max: &ResourceList,
    min_note: &str,
    max_note: &str,
    notes: &mut Vec<String>,
) {
    for r in ResourceName::ALL {
        let Some(mut v) = list.get(r) else { continue };
        if let Some(m) = cap_min(v, min.get(r)) {
            v = m;
            notes.push(format!("{} {min_note}", r.as_str()));
        }
        if let Some(m) = cap_max(v, max.get(r)) {
            v = m;
            notes.push(format!("{} {max_note}", r.as_str()));
        }
        list.set(r, Some(v));
    }
}

/// Recommender-side capping (`ApplyVPAPolicy`): per container, minAllowed then maxAllowed
/// (the policy's, with `global_max` filling resources the policy does not set) on target,
/// lower and upper bound. `uncappedTarget` is untouched.
///
/// ```
/// use tidescale::vpa::{apply_vpa_policy, RecommendedPodResources, RecommendedContainerResources, ResourceList};
/// let rec = RecommendedPodResources { container_recommendations: vec![RecommendedContainerResources {
///     container_name: "foo".into(), target: ResourceList::from_amounts(Some(42), Some(44_040_192)),
///     ..Default::default() }] };
/// let max = ResourceList::from_amounts(Some(30), None);
/// let out = apply_vpa_policy(&rec, None, Some(&max));
/// assert_eq!(out.container_recommendations[0].target.cpu.unwrap().milli_value(), 30);
/// ```
pub fn apply_vpa_policy(
    rec: &RecommendedPodResources,
    policy: Option<&PodResourcePolicy>,
    global_max: Option<&ResourceList>,
) -> RecommendedPodResources {
    let mut out = rec.clone();
    if policy.is_none() && global_max.is_none() {
        return out;
    }
    for c in &mut out.container_recommendations {
        let cp = policy.and_then(|p| p.for_container(&c.container_name));
        let min = cp.and_then(|p| p.min_allowed).unwrap_or_default();
        let mut max = cp.and_then(|p| p.max_allowed).unwrap_or_default();
        if let Some(g) = global_max {
            for r in ResourceName::ALL {
                if max.get(r).is_none() {
                    max.set(r, g.get(r));
                }
            }
        }
        let mut sink = Vec::new();
        for f in [Field::Target, Field::LowerBound, Field::UpperBound] {
            clamp_list(f.of(c), &min, &max, "", "", &mut sink);
        }
    }
    out
}

/// The admission/updater capping (`cappingRecommendationProcessor.Apply`). `None` when there
/// is neither a recommendation nor a policy.
///
/// Order: pod LimitRange pass, then per container present in the pod: container LimitRange,
/// minAllowed/maxAllowed, and for `RequestsOnly` the container's current limit.
pub fn cap_recommendation(
    rec: Option<&RecommendedPodResources>,
    policy: Option<&PodResourcePolicy>,
    pod: &Pod,
    container_limit_range: Option<&LimitRangeItem>,
    pod_limit_range: Option<&LimitRangeItem>,
) -> Option<CappedRecommendation> {
    if rec.is_none() && policy.is_none() {
        return None;
    }
    let mut recs = rec.cloned().unwrap_or_default().container_recommendations;
    if let Some(lr) = pod_limit_range {
        recs = cap_to_pod_limit_range(recs, pod, lr);
    }
    let mut out = CappedRecommendation::default();
    for mut r in recs {
        let Some(container) = pod.container(&r.container_name) else {
            continue;
        };
        let cp = policy.and_then(|p| p.for_container(&container.name));
        let requests_only =
            controlled_values(policy, &container.name) == ContainerControlledValues::RequestsOnly;
        let mut notes = Vec::new();
        for (f, keep) in [
            (Field::Target, true),
            (Field::LowerBound, false),
            (Field::UpperBound, false),
        ] {
            let mut n = Vec::new();
            process(
                f.of(&mut r),
                container,
                cp,
                container_limit_range,
                requests_only,
                &mut n,
            );
            if keep {
                notes = n;
            }
        }
        if !notes.is_empty() {
            out.annotations.insert(r.container_name.clone(), notes);
        }
        out.recommendation.container_recommendations.push(r);
    }
    Some(out)
}

fn process(
    list: &mut ResourceList,
    container: &PodContainer,
    policy: Option<&ContainerResourcePolicy>,
    lr: Option<&LimitRangeItem>,
    requests_only: bool,
    notes: &mut Vec<String>,
) {
    let cur = container.current();
    if let Some(lr) = lr {
        let (min, max) = container_limit_range_bounds(&cur, lr);
        clamp_list(
            list,
            &min,
            &max,
            "capped to fit Min in container LimitRange",
            "capped to fit Max in container LimitRange",
            notes,
        );
    }
    if let Some(p) = policy {
        clamp_list(
            list,
            &p.min_allowed.unwrap_or_default(),
            &p.max_allowed.unwrap_or_default(),
            "capped to minAllowed",
            "capped to maxAllowed",
            notes,
        );
    }
    if requests_only {
        for (r, limit) in cur.limits.iter() {
            if let Some(v) = list.get(r)
                && v.milli_value() > limit.milli_value()
            {
                list.set(r, Some(limit));
                notes.push(format!("{} capped to container limit", r.as_str()));
            }
        }
    }
}

/// The request bounds a container LimitRange item implies (min, max).
fn container_limit_range_bounds(
    cur: &ContainerResources,
    lr: &LimitRangeItem,
) -> (ResourceList, ResourceList) {
    let default = lr.default.unwrap_or_default();
    let boundary = |b: &ResourceList| {
        let mut out = ResourceList::default();
        for r in ResourceName::ALL {
            out.set(
                r,
                Some(boundary_request(
                    r,
                    cur.requests.get(r),
                    cur.limits.get(r),
                    b.get(r),
                    default.get(r),
                )),
            );
        }
        out
    };
    let max = lr.max.as_ref().map(boundary).unwrap_or_default();
    let min = match &lr.min {
        None => ResourceList::default(),
        Some(m) => {
            let mut out = boundary(m);
            for r in ResourceName::ALL {
                let req_min = m.get_or_zero(r);
                if req_min > out.get_or_zero(r) {
                    out.set(r, Some(req_min));
                }
            }
            out
        }
    };
    (min, max)
}

/// The pod-LimitRange pass (`capProportionallyToPodLimitRange`): containers without a
/// recommendation but with requests get one (target = requests), then upper bound, target
/// and lower bound are scaled, CPU then memory, so that the pod sums fit the item.
pub fn cap_to_pod_limit_range(
    mut recs: Vec<RecommendedContainerResources>,
    pod: &Pod,
    lr: &LimitRangeItem,
) -> Vec<RecommendedContainerResources> {
    for c in &pod.containers {
        let req = c.current().requests;
        if !req.is_empty() && !recs.iter().any(|r| r.container_name == c.name) {
            recs.push(RecommendedContainerResources {
                container_name: c.name.clone(),
                target: req,
                ..RecommendedContainerResources::default()
            });
        }
    }
    for f in [Field::UpperBound, Field::Target, Field::LowerBound] {
        for r in ResourceName::ALL {
            apply_pod_limit_range(&mut recs, pod, lr, r, f);
        }
    }
    recs
}

/// One resource of one field of the pod-LimitRange pass (`applyPodLimitRange`).
pub fn apply_pod_limit_range(
    recs: &mut [RecommendedContainerResources],
    pod: &Pod,
    lr: &LimitRangeItem,
    resource: ResourceName,
    field: Field,
) {
    let min = lr.min.unwrap_or_default().get_or_zero(resource);
    let max = lr.max.unwrap_or_default().get_or_zero(resource);
    let default = lr.default.and_then(|d| d.get(resource));
    let (mut sum_limit, mut sum_rec) = (0i128, 0i128);
    for c in &pod.containers {
        let cur = c.current();
        let request = cur.requests.get(resource);
        let x = match recs.iter_mut().find(|r| r.container_name == c.name) {
            Some(r) => field.of(r).get_or_zero(resource),
            None => request.unwrap_or_default(),
        };
        let l = proportional_limit(
            resource,
            cur.limits.get(resource),
            request,
            Some(x),
            default,
        );
        if let Some(l) = l.limit {
            sum_limit += i128::from(l.milli_value());
        }
        sum_rec += i128::from(x.milli_value());
    }
    let (min_m, max_m) = (i128::from(min.milli_value()), i128::from(max.milli_value()));
    if min_m <= sum_limit && min_m <= sum_rec && (max_m == 0 || max_m >= sum_limit) {
        return;
    }
    let to_q = |v: i128| Quantity::from_milli(v.clamp(0, i128::from(i64::MAX)) as i64);
    let (base, target, rounding) = if min_m > sum_rec && sum_limit != 0 {
        let rounding = match resource {
            ResourceName::Cpu => Rounding::Up,
            ResourceName::Memory => Rounding::Down,
        };
        (to_q(sum_rec), min, rounding)
    } else if sum_limit == 0 {
        return;
    } else {
        let mut target = Quantity::default();
        if min_m > sum_limit {
            target = min;
        }
        if max_m != 0 && max_m < sum_limit {
            target = max;
        }
        (to_q(sum_limit), target, Rounding::Down)
    };
    for c in &pod.containers {
        if let Some(r) = recs.iter_mut().find(|r| r.container_name == c.name) {
            let list = field.of(r);
            let x = list.get_or_zero(resource);
            let (v, _) = scale_proportionally(resource, x, base, target, rounding);
            list.set(resource, Some(v));
        }
    }
}
