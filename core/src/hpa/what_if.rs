//! What-if observations: "this HPA, `N` identical pods, CPU at `140%`: what does it decide?"
//!
//! The question the CLI's `hpa what-if`, Python's `tidescale.hpa.what_if` and
//! `Controller.step(pods=N)` ask, answered once. A [`Level`] is a metric level as people write
//! it (`140%` of each pod's request, or a quantity such as `1500`, `500m`, `2Gi`);
//! [`identical_pods`] builds the `N` pods (running, ready for an hour, one container requesting
//! [`default_requests`] unless told otherwise); [`reading`] turns a level into the readings of
//! one `spec.metrics` entry; [`what_if`] steps a controller with all of them.
//!
//! ```
//! use tidescale::hpa::{self, Controller, Settings, WhatIf};
//! let m: hpa::HorizontalPodAutoscaler = serde_json::from_str(r#"{"spec": {
//!     "scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 10,
//!     "metrics": [{"type": "Resource", "resource": {"name": "cpu",
//!         "target": {"type": "Utilization", "averageUtilization": 50}}}]}}"#).unwrap();
//! let mut ctl = Controller::new(m, Settings::default()).unwrap();
//! let w = WhatIf::new(3).with_level("cpu", "140%".parse().unwrap());
//! let d = hpa::what_if(&mut ctl, &w).unwrap();
//! assert_eq!(d.proposed_replicas, Some(9)); // ceil(3 * 140 / 50)
//! assert_eq!(d.desired_replicas, 6); // the default scale-up policy: at most double
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use super::{
    Controller, Decision, HorizontalPodAutoscaler, HpaError, MetricSourceType, MetricSpec,
    MetricValues, Observation, Pod, PodMetric, Scale,
};
use crate::{Quantity, Timestamp};

/// The most pods a what-if generates (a bigger count is refused, not allocated).
pub const MAX_WHAT_IF_PODS: usize = 1_000_000;

/// A metric level: a percentage of each pod's request, or a quantity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Level {
    /// `140%`: percent of each pod's request (Resource and ContainerResource metrics only).
    Percent(f64),
    /// `1500`, `500m`, `2Gi`: the metric's value itself.
    Quantity(Quantity),
}

impl Level {
    /// A level of `units` (cores, bytes, requests/s), to the nearest milli-unit.
    ///
    /// ```
    /// use tidescale::hpa::Level;
    /// assert_eq!(Level::from_units(0.25).unwrap().milli(None).unwrap(), 250);
    /// assert!(Level::from_units(f64::NAN).is_err());
    /// ```
    pub fn from_units(units: f64) -> Result<Self, WhatIfError> {
        let m = (units * 1000.0).round();
        if !m.is_finite() || m < 0.0 {
            return Err(WhatIfError::Level {
                text: units.to_string(),
                why: "a value must be a finite number >= 0",
            });
        }
        if m >= 9.2e18 {
            return Err(WhatIfError::Level {
                text: units.to_string(),
                why: "value out of range",
            });
        }
        // finite, >= 0 and below i64::MAX: the cast is exact for the integral value
        Ok(Self::Quantity(Quantity::from_milli(m as i64)))
    }

    /// The level in milli-units; a percentage is of `request` (milli-units, `None` when the
    /// metric has no request to be a percentage of), to the nearest milli-unit.
    ///
    /// ```
    /// use tidescale::hpa::Level;
    /// let l: Level = "140%".parse().unwrap();
    /// assert_eq!(l.milli(Some(500)).unwrap(), 700);
    /// assert!(l.milli(None).is_err());
    /// ```
    pub fn milli(&self, request: Option<i64>) -> Result<i64, WhatIfError> {
        match *self {
            Self::Quantity(q) => Ok(q.milli_value()),
            Self::Percent(p) => {
                let Some(req) = request else {
                    return Err(WhatIfError::PercentNeedsResource);
                };
                let v = (p * req as f64 / 100.0).round();
                if !(0.0..9.2e18).contains(&v) {
                    return Err(WhatIfError::OutOfRange);
                }
                // in range: the cast is exact for the integral value
                Ok(v as i64)
            }
        }
    }
}

impl FromStr for Level {
    type Err = WhatIfError;

    /// `140%` or a Kubernetes quantity; negative, NaN and infinite values are refused.
    ///
    /// ```
    /// use tidescale::hpa::Level;
    /// assert_eq!("140%".parse::<Level>().unwrap(), Level::Percent(140.0));
    /// assert_eq!("500m".parse::<Level>().unwrap().milli(None).unwrap(), 500);
    /// assert!("-5%".parse::<Level>().is_err());
    /// assert!("nan%".parse::<Level>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if let Some(p) = s.strip_suffix('%') {
            let v: f64 = p.trim().parse().map_err(|_| WhatIfError::Level {
                text: s.to_owned(),
                why: "not a percentage",
            })?;
            let why = if v.is_nan() {
                "a percentage cannot be NaN"
            } else if v.is_infinite() {
                "a percentage must be finite"
            } else if v < 0.0 {
                "a percentage cannot be negative"
            } else {
                return Ok(Self::Percent(v));
            };
            return Err(WhatIfError::Level {
                text: s.to_owned(),
                why,
            });
        }
        let q: Quantity = s.parse().map_err(|_| WhatIfError::Level {
            text: s.to_owned(),
            why: "not a quantity (such as 1500, 500m, 2Gi) or a percentage (140%)",
        })?;
        if q.milli_value() < 0 {
            return Err(WhatIfError::Level {
                text: s.to_owned(),
                why: "a quantity cannot be negative",
            });
        }
        Ok(Self::Quantity(q))
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Percent(p) => write!(f, "{p}%"),
            Self::Quantity(q) => write!(f, "{q}"),
        }
    }
}

/// Why a what-if could not be answered. Variants other than [`WhatIfError::Step`] are about
/// the caller's input; `Step` carries the controller's own error.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum WhatIfError {
    /// A level that is not a percentage or a quantity, or is negative.
    #[error("{text:?}: {why}")]
    Level {
        /// The text given.
        text: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// A level for a metric the HPA does not have.
    #[error("the HPA has no metric named {metric:?} (its metrics: {})", known.join(", "))]
    UnknownMetric {
        /// The name given.
        metric: String,
        /// The HPA's metric names.
        known: Vec<String>,
    },
    /// A percentage for a metric that is not Resource or ContainerResource.
    #[error(
        "a percentage applies to Resource and ContainerResource metrics only (percent of the pod's request); give a quantity such as 1500 or 500m"
    )]
    PercentNeedsResource,
    /// A percentage of a request the pods do not have.
    #[error("a percentage needs a {resource} request; add --request {resource}=QUANTITY")]
    MissingRequest {
        /// The resource (`cpu`, `memory`, ...).
        resource: String,
    },
    /// A level whose milli-value does not fit an `i64`.
    #[error("value out of range")]
    OutOfRange,
    /// More pods than [`MAX_WHAT_IF_PODS`].
    #[error("{0} pods is too many (at most {MAX_WHAT_IF_PODS})")]
    TooManyPods(usize),
    /// An error about the level of one metric.
    #[error("{metric}: {source}")]
    AtMetric {
        /// The metric's name.
        metric: String,
        /// What is wrong.
        source: Box<Self>,
    },
    /// The controller refused the observation.
    #[error(transparent)]
    Step(#[from] HpaError),
}

/// Requests of generated pods unless the caller gives others: 1 CPU and 1 GiB of memory.
///
/// ```
/// let r = tidescale::hpa::default_requests();
/// assert_eq!(r["cpu"].milli_value(), 1000);
/// assert_eq!(r["memory"].milli_value(), 1024 * 1024 * 1024 * 1000);
/// ```
pub fn default_requests() -> BTreeMap<String, Quantity> {
    BTreeMap::from([
        ("cpu".to_owned(), Quantity::from_units(1)),
        ("memory".to_owned(), Quantity::from_units(1 << 30)),
    ])
}

/// `(resource, container)` of a Resource (`container` empty) or ContainerResource metric.
pub fn resource_of(m: &MetricSpec) -> Option<(&str, &str)> {
    match m.type_ {
        MetricSourceType::Resource => m.resource.as_ref().map(|r| (r.name.as_str(), "")),
        MetricSourceType::ContainerResource => m
            .container_resource
            .as_ref()
            .map(|r| (r.name.as_str(), r.container.as_str())),
        _ => None,
    }
}

/// The container generated pods get: the first ContainerResource metric's container, else `app`.
pub fn default_container(hpa: &HorizontalPodAutoscaler) -> &str {
    hpa.spec
        .metrics
        .iter()
        .find_map(|m| resource_of(m).map(|(_, c)| c).filter(|c| !c.is_empty()))
        .unwrap_or("app")
}

/// `n` identical running, ready pods that started an hour before `now`, with one container
/// ([`default_container`]) requesting `requests`.
pub fn identical_pods(
    n: usize,
    hpa: &HorizontalPodAutoscaler,
    requests: &BTreeMap<String, Quantity>,
    now: Timestamp,
) -> Vec<Pod> {
    Pod::identical(n, default_container(hpa), requests, now)
}

/// The readings of one `spec.metrics` entry, owned (lend them with [`Reading::values`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Reading {
    /// Per-pod samples.
    Samples(Vec<PodMetric>),
    /// An Object metric's value in milli-units.
    Object(i64),
    /// External series values in milli-units.
    External(Vec<i64>),
    /// No value.
    Unavailable,
}

impl Reading {
    /// The readings as the controller takes them.
    pub fn values(&self) -> MetricValues<'_> {
        match self {
            Self::Samples(s) => MetricValues::Pods(s),
            Self::Object(v) => MetricValues::Object(*v),
            Self::External(v) => MetricValues::External(v),
            Self::Unavailable => MetricValues::Unavailable,
        }
    }
}

/// The reading of metric `m` at `level` for `n` identical pods requesting `requests`, sampled
/// at `now`: every pod at the level for per-pod metrics, the value itself for Object and
/// External metrics. A percentage is of the pods' request of the metric's resource.
pub fn reading(
    m: &MetricSpec,
    level: &Level,
    requests: &BTreeMap<String, Quantity>,
    n: usize,
    now: Timestamp,
) -> Result<Reading, WhatIfError> {
    let per_pod = |v: i64| (0..n).map(|i| PodMetric::new(i, v, now)).collect();
    match m.type_ {
        MetricSourceType::Resource | MetricSourceType::ContainerResource => {
            let request = match level {
                Level::Percent(_) => {
                    let resource = resource_of(m).map_or("", |(r, _)| r);
                    let Some(req) = requests.get(resource) else {
                        return Err(WhatIfError::MissingRequest {
                            resource: resource.to_owned(),
                        });
                    };
                    Some(req.milli_value())
                }
                Level::Quantity(_) => None,
            };
            Ok(Reading::Samples(per_pod(level.milli(request)?)))
        }
        MetricSourceType::Pods => Ok(Reading::Samples(per_pod(level.milli(None)?))),
        MetricSourceType::Object => Ok(Reading::Object(level.milli(None)?)),
        MetricSourceType::External => Ok(Reading::External(vec![level.milli(None)?])),
        MetricSourceType::Unknown => Ok(Reading::Unavailable),
    }
}

/// A what-if question: `replicas` identical pods, metric levels by name, their requests, and
/// the time to step at.
#[derive(Debug, Clone, PartialEq)]
pub struct WhatIf {
    /// Replicas (`spec.replicas` and `status.replicas`), and the number of pods.
    pub replicas: i32,
    /// `(metric name, level)`; a later entry for the same name wins. Metrics without a level
    /// are unavailable.
    pub levels: Vec<(String, Level)>,
    /// Requests of every pod.
    pub requests: BTreeMap<String, Quantity>,
    /// When to step.
    pub now: Timestamp,
}

impl WhatIf {
    /// `replicas` pods with [`default_requests`], no levels, at time 0.
    pub fn new(replicas: i32) -> Self {
        Self {
            replicas,
            levels: Vec::new(),
            requests: default_requests(),
            now: Timestamp(0),
        }
    }

    /// The same question with metric `name` at `level`.
    #[must_use]
    pub fn with_level(mut self, name: &str, level: Level) -> Self {
        self.levels.push((name.to_owned(), level));
        self
    }

    /// The same question asked at `now`.
    #[must_use]
    pub const fn at(mut self, now: Timestamp) -> Self {
        self.now = now;
        self
    }
}

/// Steps `ctl` once with the observation `w` describes. With no levels at all, the decision
/// lists every metric in `not_given`.
pub fn what_if(ctl: &mut Controller, w: &WhatIf) -> Result<Decision, WhatIfError> {
    let metrics = &ctl.hpa().spec.metrics;
    for (name, _) in &w.levels {
        if !metrics.iter().any(|m| m.name() == name) {
            return Err(WhatIfError::UnknownMetric {
                metric: name.clone(),
                known: metrics.iter().map(|m| m.name().to_owned()).collect(),
            });
        }
    }
    let n = usize::try_from(w.replicas).unwrap_or(0);
    if n > MAX_WHAT_IF_PODS {
        return Err(WhatIfError::TooManyPods(n));
    }
    let pods = identical_pods(n, ctl.hpa(), &w.requests, w.now);
    let readings = metrics
        .iter()
        .map(
            |m| match w.levels.iter().rev().find(|(k, _)| k == m.name()) {
                Some((_, level)) => {
                    reading(m, level, &w.requests, n, w.now).map_err(|e| WhatIfError::AtMetric {
                        metric: m.name().to_owned(),
                        source: Box::new(e),
                    })
                }
                None => Ok(Reading::Unavailable),
            },
        )
        .collect::<Result<Vec<_>, _>>()?;
    let values: Vec<MetricValues<'_>> = readings.iter().map(Reading::values).collect();
    let not_given = if w.levels.is_empty() {
        metrics.iter().map(|m| m.name().to_owned()).collect()
    } else {
        Vec::new()
    };
    let obs = Observation {
        scale: Scale {
            spec_replicas: w.replicas,
            status_replicas: w.replicas,
        },
        pods: &pods,
        metrics: &values,
    };
    let mut d = ctl.step(w.now, &obs)?.clone();
    d.not_given = not_given;
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hpa::Settings;

    fn hpa(metrics: &str) -> HorizontalPodAutoscaler {
        serde_json::from_str(&format!(
            r#"{{"spec": {{"scaleTargetRef": {{"kind": "Deployment", "name": "web"}},
                "minReplicas": 1, "maxReplicas": 20, "metrics": {metrics}}}}}"#
        ))
        .unwrap()
    }

    fn cpu50() -> HorizontalPodAutoscaler {
        hpa(r#"[{"type": "Resource", "resource": {"name": "cpu",
            "target": {"type": "Utilization", "averageUtilization": 50}}}]"#)
    }

    fn ask(h: HorizontalPodAutoscaler, w: &WhatIf) -> Result<Decision, WhatIfError> {
        let mut ctl = Controller::new(h, Settings::default()).unwrap();
        what_if(&mut ctl, w)
    }

    #[test]
    fn levels_parse_and_convert() {
        assert_eq!("140%".parse::<Level>().unwrap(), Level::Percent(140.0));
        assert_eq!(" 12.5 % ".parse::<Level>().unwrap(), Level::Percent(12.5));
        assert_eq!(
            "2Gi".parse::<Level>().unwrap().milli(None).unwrap(),
            2_147_483_648_000
        );
        assert_eq!(
            "1500".parse::<Level>().unwrap().milli(Some(7)).unwrap(),
            1_500_000
        );
        // 33.3% of 1 core is 333 milli-cores, rounded to nearest
        assert_eq!(Level::Percent(33.35).milli(Some(1000)).unwrap(), 334);
        for bad in ["-5%", "nan%", "inf%", "x%", "-1", "abc", ""] {
            assert!(bad.parse::<Level>().is_err(), "{bad}");
        }
        let why = |s: &str| s.parse::<Level>().unwrap_err().to_string();
        assert_eq!(why("nan%"), "\"nan%\": a percentage cannot be NaN");
        assert_eq!(why("-5%"), "\"-5%\": a percentage cannot be negative");
        assert_eq!(why("-500m"), "\"-500m\": a quantity cannot be negative");
        assert_eq!(
            Level::Percent(1e30).milli(Some(1000)),
            Err(WhatIfError::OutOfRange)
        );
        assert!(Level::from_units(-0.5).is_err());
        assert!(Level::from_units(f64::INFINITY).is_err());
        assert_eq!(
            Level::from_units(1e300),
            Err(WhatIfError::Level {
                text: 1e300.to_string(),
                why: "value out of range"
            })
        );
    }

    #[test]
    fn percent_quantity_and_units_agree() {
        // 3 pods at 140% of 1 core against a 50% target: ceil(3 * 1.4 / 0.5) = 9
        for level in ["140%", "1400m", "1.4"] {
            let w = WhatIf::new(3).with_level("cpu", level.parse().unwrap());
            let d = ask(cpu50(), &w).unwrap();
            assert_eq!(d.proposed_replicas, Some(9), "{level}");
            // the default scale-up policy allows doubling per period
            assert_eq!(d.desired_replicas, 6, "{level}");
            assert_eq!(
                d.metrics[0].result.as_ref().unwrap().utilization,
                Some(140),
                "{level}"
            );
        }
        let w = WhatIf::new(3).with_level("cpu", Level::from_units(1.4).unwrap());
        assert_eq!(ask(cpu50(), &w).unwrap().proposed_replicas, Some(9));
    }

    #[test]
    fn identical_pods_and_their_container() {
        let h = hpa(
            r#"[{"type": "ContainerResource", "containerResource": {"name": "cpu",
            "container": "server", "target": {"type": "Utilization", "averageUtilization": 50}}}]"#,
        );
        assert_eq!(default_container(&h), "server");
        assert_eq!(default_container(&cpu50()), "app");
        let pods = identical_pods(2, &h, &default_requests(), Timestamp::from_secs(7200));
        assert_eq!(pods.len(), 2);
        assert_eq!(pods[1].name, "pod-1");
        assert_eq!(pods[0].containers[0].name, "server");
        assert_eq!(pods[0].start_time, Some(Timestamp::from_secs(3600)));
        let w = WhatIf::new(4).with_level("cpu", "100%".parse().unwrap());
        assert_eq!(ask(h, &w).unwrap().desired_replicas, 8);
    }

    #[test]
    fn readings_by_metric_type() {
        let h = hpa(r#"[
            {"type": "Pods", "pods": {"metric": {"name": "rps"},
                "target": {"type": "AverageValue", "averageValue": "100"}}},
            {"type": "Object", "object": {"metric": {"name": "queue"},
                "describedObject": {"kind": "Service", "name": "q"},
                "target": {"type": "Value", "value": "10"}}},
            {"type": "External", "external": {"metric": {"name": "lag"},
                "target": {"type": "AverageValue", "averageValue": "5"}}}]"#);
        let r = default_requests();
        let now = Timestamp(5);
        let l: Level = "250".parse().unwrap();
        let m = &h.spec.metrics;
        assert_eq!(
            reading(&m[0], &l, &r, 2, now).unwrap(),
            Reading::Samples(vec![
                PodMetric::new(0, 250_000, now),
                PodMetric::new(1, 250_000, now)
            ])
        );
        assert_eq!(
            reading(&m[1], &l, &r, 2, now).unwrap(),
            Reading::Object(250_000)
        );
        assert_eq!(
            reading(&m[2], &l, &r, 2, now).unwrap(),
            Reading::External(vec![250_000])
        );
        let pct = Level::Percent(50.0);
        for spec in m {
            assert_eq!(
                reading(spec, &pct, &r, 2, now),
                Err(WhatIfError::PercentNeedsResource)
            );
        }
        // rps 250 per pod against 100: ceil(2 * 2.5) = 5
        let w = WhatIf::new(2).with_level("rps", l);
        let d = ask(h, &w).unwrap();
        assert_eq!(d.proposed_replicas, Some(5));
        assert!(d.not_given.is_empty());
    }

    #[test]
    fn input_errors_are_typed() {
        let w = WhatIf::new(3).with_level("gpu", "1".parse().unwrap());
        assert_eq!(
            ask(cpu50(), &w),
            Err(WhatIfError::UnknownMetric {
                metric: "gpu".into(),
                known: vec!["cpu".into()]
            })
        );
        let mut w = WhatIf::new(3).with_level("cpu", "90%".parse().unwrap());
        w.requests.clear();
        let e = ask(cpu50(), &w).unwrap_err();
        assert_eq!(
            e,
            WhatIfError::AtMetric {
                metric: "cpu".into(),
                source: Box::new(WhatIfError::MissingRequest {
                    resource: "cpu".into()
                })
            }
        );
        assert_eq!(
            e.to_string(),
            "cpu: a percentage needs a cpu request; add --request cpu=QUANTITY"
        );
        let w = WhatIf::new(i32::MAX).with_level("cpu", "90%".parse().unwrap());
        assert_eq!(
            ask(cpu50(), &w),
            Err(WhatIfError::TooManyPods(i32::MAX as usize))
        );
    }

    #[test]
    fn no_levels_lists_every_metric_as_not_given() {
        let d = ask(cpu50(), &WhatIf::new(3)).unwrap();
        assert_eq!(d.not_given, vec!["cpu".to_owned()]);
        assert_eq!(d.current_replicas, 3);
        assert!(!d.rescale);
        assert_eq!(d.proposed_replicas, None);
        // a later level for the same metric wins
        let w = WhatIf::new(2)
            .with_level("cpu", "400%".parse().unwrap())
            .with_level("cpu", "50%".parse().unwrap());
        assert_eq!(ask(cpu50(), &w).unwrap().desired_replicas, 2);
    }
}
