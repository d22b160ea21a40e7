//! LimitRanges and proportional limits (`utils/limitrange`, `utils/vpa/limit_and_request_scaling.go`,
//! admission `GetContainersResources`).

use std::collections::BTreeMap;

use super::pod::{ContainerResources, Pod};
use super::resources::{RecommendedPodResources, ResourceList, ResourceName};
use super::spec::{ContainerControlledValues, PodResourcePolicy, controlled_values};
use crate::quantity::Quantity;

/// The `type` of a LimitRange item (`core/v1` `LimitType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum LimitType {
    /// Per container.
    #[default]
    Container,
    /// Per pod (sum of containers).
    Pod,
    /// Per PersistentVolumeClaim (storage): never used by the VPA, but a namespace's
    /// LimitRanges may hold such items, and they must not count as container or pod items.
    PersistentVolumeClaim,
}

/// One LimitRange item (`None` = the list is not set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LimitRangeItem {
    /// `type`.
    pub type_: LimitType,
    /// `min`.
    pub min: Option<ResourceList>,
    /// `max`.
    pub max: Option<ResourceList>,
    /// `default` (default limits).
    pub default: Option<ResourceList>,
}

/// A LimitRange object.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LimitRange {
    /// Namespace.
    pub namespace: String,
    /// Items.
    pub items: Vec<LimitRangeItem>,
}

/// Merges every item of `type_` in `namespace` that sets max, min or default (an empty but
/// present list counts as set, as a non-nil Go map): lowest max, highest min per resource,
/// the last default wins. `None` when no item of that type applies in the namespace.
///
/// ```
/// use tidescale::vpa::limits::{LimitRange, LimitRangeItem, LimitType, merge_limit_ranges};
/// use tidescale::vpa::ResourceList;
/// let max = Some(ResourceList::from_amounts(Some(2000), Some(2)));
/// let ranges = [
///     LimitRange { namespace: "other".into(),
///         items: vec![LimitRangeItem { type_: LimitType::Container, max, ..Default::default() }] },
///     LimitRange { namespace: "ns".into(),
///         items: vec![LimitRangeItem { type_: LimitType::PersistentVolumeClaim, max, ..Default::default() }] },
/// ];
/// assert_eq!(merge_limit_ranges(&ranges, "ns", LimitType::Container), None);
/// ```
pub fn merge_limit_ranges(
    ranges: &[LimitRange],
    namespace: &str,
    type_: LimitType,
) -> Option<LimitRangeItem> {
    let mut out = LimitRangeItem {
        type_,
        ..LimitRangeItem::default()
    };
    let pick = |acc: &mut Option<ResourceList>, from: Option<ResourceList>, lower: bool| {
        let Some(from) = from else { return };
        let list = acc.get_or_insert_with(ResourceList::default);
        for (r, q) in from.iter() {
            let v = match list.get(r) {
                None => q,
                Some(cur) if lower => cur.min(q),
                Some(cur) => cur.max(q),
            };
            list.set(r, Some(v));
        }
    };
    for lr in ranges.iter().filter(|l| l.namespace == namespace) {
        for it in lr.items.iter().filter(|i| i.type_ == type_) {
            if it.max.is_none() && it.min.is_none() && it.default.is_none() {
                continue;
            }
            if it.default.is_some() {
                out.default = it.default;
            }
            pick(&mut out.max, it.max, true);
            pick(&mut out.min, it.min, false);
        }
    }
    (out.min.is_some() || out.max.is_some() || out.default.is_some()).then_some(out)
}

/// Rounding of [`scale_proportionally`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rounding {
    /// Floor.
    Down,
    /// Ceil.
    Up,
}

/// Outcome of [`scale_proportionally`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScaleOutcome {
    /// Exact (after rounding).
    Ok,
    /// Did not fit `i64`; capped to `MaxInt64`.
    Overflow,
    /// The base was zero; the scaled quantity is returned unchanged.
    DivisionByZero,
}

/// `scaled × result / base`, for CPU in milli-units, for memory in whole units (`Value()`
/// rounds up first), with big-integer precision.
pub fn scale_proportionally(
    resource: ResourceName,
    scaled: Quantity,
    base: Quantity,
    result: Quantity,
    rounding: Rounding,
) -> (Quantity, ScaleOutcome) {
    let (a, b, c) = match resource {
        ResourceName::Cpu => (
            scaled.milli_value(),
            base.milli_value(),
            result.milli_value(),
        ),
        ResourceName::Memory => (scaled.value(), base.value(), result.value()),
    };
    if b == 0 {
        return (scaled, ScaleOutcome::DivisionByZero);
    }
    let num = i128::from(a) * i128::from(c);
    let den = i128::from(b);
    let q = match rounding {
        Rounding::Down => num.div_euclid(den),
        Rounding::Up => -((-num).div_euclid(den)),
    };
    let make = |v: i64| match resource {
        ResourceName::Cpu => Quantity::from_milli(v),
        ResourceName::Memory => Quantity::from_units(v),
    };
    match i64::try_from(q) {
        Ok(v) => (make(v), ScaleOutcome::Ok),
        Err(_) => (make(i64::MAX), ScaleOutcome::Overflow),
    }
}

/// A proportional limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProportionalLimit {
    /// The new limit (`None` = no limit). On overflow CPU is `MaxInt64` milli-units as
    /// upstream; memory (upstream `MaxInt64` whole bytes) saturates the quantity.
    pub limit: Option<Quantity>,
    /// Whether the ratio could not be kept because the result overflowed.
    pub overflowed: bool,
    /// The annotation upstream adds, if any.
    pub annotation: Option<String>,
}

fn is_zero_value(q: Option<Quantity>) -> bool {
    q.is_none_or(|q| q.value() == 0)
}

/// `getProportionalResourceLimit`: the limit keeping the original limit/request ratio for
/// the recommended request.
///
/// ```
/// use tidescale::{Quantity, vpa::{limits::proportional_limit, ResourceName}};
/// let l = proportional_limit(ResourceName::Cpu, Some(Quantity::from_milli(2000)),
///     Some(Quantity::from_milli(1500)), Some(Quantity::from_milli(1000)), None);
/// assert_eq!(l.limit, Some(Quantity::from_milli(1333)));
/// ```
pub fn proportional_limit(
    resource: ResourceName,
    original_limit: Option<Quantity>,
    original_request: Option<Quantity>,
    recommended: Option<Quantity>,
    default_limit: Option<Quantity>,
) -> ProportionalLimit {
    let none = |why: &str| ProportionalLimit {
        limit: None,
        overflowed: false,
        annotation: Some(format!(
            "{}: limit NOT set since {why} is nil or 0",
            resource.as_str()
        )),
    };
    let limit = if is_zero_value(original_limit) {
        default_limit
    } else {
        original_limit
    };
    let Some(limit) = limit.filter(|l| l.value() != 0) else {
        return none("originalLimit");
    };
    let Some(rec) = recommended.filter(|r| r.value() != 0) else {
        return none("recommendedRequest");
    };
    let plain = ProportionalLimit {
        limit: Some(rec),
        overflowed: false,
        annotation: None,
    };
    let Some(req) = original_request.filter(|r| r.value() != 0) else {
        return plain;
    };
    if req.milli_value() == limit.milli_value() {
        return plain;
    }
    let (q, outcome) = scale_proportionally(resource, limit, req, rec, Rounding::Down);
    let overflowed = outcome == ScaleOutcome::Overflow;
    ProportionalLimit {
        limit: Some(q),
        overflowed,
        annotation: overflowed.then(|| {
            format!(
                "{}: failed to keep limit to request ratio; capping limit to int64",
                resource.as_str()
            )
        }),
    }
}

/// `GetBoundaryRequest`: a LimitRange bound on the limit translated to a request bound with
/// the container's limit/request ratio (zero = no bound).
pub fn boundary_request(
    resource: ResourceName,
    request: Option<Quantity>,
    limit: Option<Quantity>,
    boundary: Option<Quantity>,
    default_limit: Option<Quantity>,
) -> Quantity {
    let limit = if is_zero_value(limit) {
        default_limit
    } else {
        limit
    };
    let Some(limit) = limit.filter(|l| l.value() != 0) else {
        return Quantity::default();
    };
    let boundary = boundary.unwrap_or_default();
    let Some(request) = request.filter(|r| r.value() != 0) else {
        return boundary;
    };
    scale_proportionally(resource, request, limit, boundary, Rounding::Down).0
}

/// Requests and limits for every pod container from a (capped) recommendation
/// (`GetContainersResources`). With `add_all`, requests/limits the recommendation does not
/// cover are back-filled from the pod. Limit annotations are appended to `annotations`.
pub fn containers_resources(
    pod: &Pod,
    policy: Option<&PodResourcePolicy>,
    recommendation: &RecommendedPodResources,
    limit_range: Option<&LimitRangeItem>,
    add_all: bool,
    annotations: &mut BTreeMap<String, Vec<String>>,
) -> Vec<ContainerResources> {
    let mut out = Vec::with_capacity(pod.containers.len());
    for c in &pod.containers {
        let cur = c.current();
        let mut res = ContainerResources::default();
        match recommendation.for_container(&c.name) {
            Some(r) => res.requests = r.target,
            None if add_all => res.requests = cur.requests,
            None => {
                out.push(res);
                continue;
            }
        }
        let default = limit_range.and_then(|l| l.default).unwrap_or_default();
        if controlled_values(policy, &c.name) == ContainerControlledValues::RequestsAndLimits {
            let mut notes = Vec::new();
            let mut limits = ResourceList::default();
            for r in ResourceName::ALL {
                let p = proportional_limit(
                    r,
                    cur.limits.get(r),
                    cur.requests.get(r),
                    res.requests.get(r),
                    default.get(r),
                );
                limits.set(r, p.limit);
                notes.extend(p.annotation);
            }
            if !limits.is_empty() {
                res.limits = limits;
                if !notes.is_empty() {
                    annotations.entry(c.name.clone()).or_default().extend(notes);
                }
            }
        }
        if add_all {
            for r in ResourceName::ALL {
                if res.requests.get(r).is_none() {
                    res.requests.set(r, cur.requests.get(r));
                }
                if res.limits.get(r).is_none() {
                    res.limits.set(r, cur.limits.get(r));
                }
            }
        }
        out.push(res);
    }
    out
}
