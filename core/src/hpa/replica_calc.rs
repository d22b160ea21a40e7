//! The replica calculator: one metric to one replica proposal (`replica_calculator.go`).
//!
//! Every function mirrors its upstream namesake, including where Go truncates integers, where
//! it multiplies the ratio by the ready-pod count or by the number of samples, and how missing
//! and unready pods are filled in.

use super::observation::{PodInfo, PodMetric, PodPhase};
use super::pod_groups::{Lookup, ReadinessTimings, RequestScope, tally};
use super::tolerance::Tolerances;
use crate::Timestamp;

/// Why a metric produced no proposal. The controller turns this into a
/// `ScalingActive=False` condition whose reason depends on the metric's source type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CalcError(pub String);

fn fail<T>(msg: impl Into<String>) -> Result<T, CalcError> {
    Err(CalcError(msg.into()))
}

/// Everything a calculation needs besides the pods and samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReplicaCalculator {
    /// The tolerance band.
    pub tolerances: Tolerances,
    /// CPU readiness timings.
    pub timings: ReadinessTimings,
    /// The `PodLevelResources` feature gate.
    pub pod_level_resources: bool,
    /// The sync instant.
    pub now: Timestamp,
}

/// A proposal with the values upstream reports in `status.currentMetrics`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Proposal {
    /// Proposed replicas.
    pub replicas: i32,
    /// The usage ratio the proposal came from (before missing/unready pods were filled in).
    pub ratio: f64,
    /// Utilization percent (Utilization targets), truncated as upstream.
    pub utilization: Option<i32>,
    /// The average or total value in milli-units that upstream reports.
    pub value_milli: i64,
}

/// `GetResourceUtilizationRatio` on sums: (ratio, utilization percent). The percent is
/// `int32(sumUsage*100/sumRequest)`: integer division, then Go's int32 conversion (wraps).
fn utilization_ratio(
    usage: i128,
    request: i128,
    target_percent: i64,
) -> Result<(f64, i32), CalcError> {
    if request == 0 {
        return fail("no metrics returned matched known pods");
    }
    // The same quotient in 64 bits when it fits (the usual case; 128-bit division is a
    // library call).
    let q = match (i64::try_from(usage), i64::try_from(request)) {
        (Ok(a), Ok(b)) => match a.checked_mul(100) {
            Some(a100) => i128::from(a100 / b),
            None => usage * 100 / request,
        },
        _ => usage * 100 / request,
    };
    let u = q as i64 as i32;
    Ok((f64::from(u) / target_percent as f64, u))
}

/// `int32(math.Ceil(x))` for the values the calculator produces; saturates instead of Go's
/// platform-specific overflow (the one documented difference, see the crate docs).
pub(crate) fn ceil_i32(x: f64) -> i32 {
    x.ceil() as i32
}

impl ReplicaCalculator {
    /// `GetResourceReplicas`: a Resource or ContainerResource metric with a `Utilization`
    /// target (`target_utilization` percent). `container` is `""` for the whole pod.
    ///
    /// # Errors
    /// As upstream: no samples, no pods, no usable samples, missing requests.
    ///
    /// ```
    /// use tidescale::Timestamp;
    /// use tidescale::hpa::{Pod, PodMetric, ReadinessTimings, ReplicaCalculator, Tolerances};
    /// let calc = ReplicaCalculator { tolerances: Tolerances::symmetric(0.1),
    ///     timings: ReadinessTimings::default(), pod_level_resources: false, now: Timestamp(0) };
    /// let pods: Vec<Pod> = (0..3).map(|i| Pod::running(&format!("p{i}"), 2000)).collect();
    /// let t = Timestamp(-10_000);
    /// let samples = [PodMetric::new(0, 600, t), PodMetric::new(1, 1000, t), PodMetric::new(2, 1400, t)];
    /// let p = calc.resource_replicas(3, 30, "cpu", "", &pods, &samples).unwrap();
    /// assert_eq!((p.replicas, p.utilization, p.value_milli), (5, Some(50), 1000));
    /// ```
    pub fn resource_replicas<P: PodInfo>(
        &self,
        current: i32,
        target_utilization: i32,
        resource: &str,
        container: &str,
        pods: &[P],
        samples: &[PodMetric],
    ) -> Result<Proposal, CalcError> {
        if samples.is_empty() {
            return fail(format!(
                "unable to get metrics for resource {resource}: no metrics returned from resource metrics API"
            ));
        }
        if pods.is_empty() {
            return fail("no pods returned by selector while calculating replica count");
        }
        if target_utilization <= 0 {
            return fail("target utilization must be greater than zero");
        }
        let scope = RequestScope {
            resource,
            container,
            target_percent: i64::from(target_utilization),
            pod_level_resources: self.pod_level_resources,
        };
        self.calc(current, resource, pods, samples, Some(&scope), 0)
    }

    /// `calcPlainMetricReplicas`: a Pods metric (`resource = ""`, no readiness rules) or a
    /// Resource/ContainerResource metric with an `AverageValue` target (`resource` set).
    ///
    /// # Errors
    /// No samples, no pods, or no usable samples.
    pub fn plain_replicas<P: PodInfo>(
        &self,
        current: i32,
        target_milli: i64,
        resource: &str,
        pods: &[P],
        samples: &[PodMetric],
    ) -> Result<Proposal, CalcError> {
        if samples.is_empty() {
            return fail("unable to get metric: no metrics returned");
        }
        if pods.is_empty() {
            return fail("no pods returned by selector while calculating replica count");
        }
        if target_milli <= 0 {
            return fail("target value must be greater than zero");
        }
        self.calc(current, resource, pods, samples, None, target_milli)
    }

    /// The shared skeleton of `GetResourceReplicas` (with `scope`, utilization of requests)
    /// and `calcPlainMetricReplicas` (without, plain average against `target_milli`).
    fn calc<P: PodInfo>(
        &self,
        current: i32,
        resource: &str,
        pods: &[P],
        samples: &[PodMetric],
        scope: Option<&RequestScope<'_>>,
        target_milli: i64,
    ) -> Result<Proposal, CalcError> {
        let lookup = Lookup::new(pods.len(), samples);
        let t = tally(pods, &lookup, resource, scope, self.timings, self.now);
        if t.samples == 0 {
            return fail("did not receive metrics for targeted pods (pods might be unready)");
        }
        if let Some(e) = t.request_error {
            return fail(e.to_string());
        }
        let (ratio, utilization, value_milli) = match scope {
            Some(s) => {
                let (r, u) = utilization_ratio(t.usage, t.request, s.target_percent)?;
                // rawAverage = sumUsage / n, truncated
                (r, Some(u), (t.usage / t.weighted.max(1)) as i64)
            }
            None => {
                let usage = t.total.wrapping_div(t.samples as i64);
                (usage as f64 / target_milli as f64, None, usage)
            }
        };
        let proposal = |replicas| Proposal {
            replicas,
            ratio,
            utilization,
            value_milli,
        };
        let scale_up_with_unready = t.unready > 0 && ratio > 1.0;
        if !scale_up_with_unready && t.missing == 0 {
            if self.tolerances.within(ratio) {
                return Ok(proposal(current));
            }
            return Ok(proposal(ceil_i32(ratio * t.ready as f64)));
        }
        // Missing pods: on scale-down they count at max(100 %, target) of their request (or
        // at the target value); on scale-up at 0; at exactly 1.0 they are not filled in.
        let fill_missing = t.missing > 0 && ratio != 1.0;
        let fill_value = ratio < 1.0 && fill_missing;
        let len = t.samples
            + if fill_missing { t.missing } else { 0 }
            + if scale_up_with_unready { t.unready } else { 0 };
        let new_ratio = match scope {
            Some(s) => {
                let usage = t.usage + if fill_value { t.missing_fill } else { 0 };
                let request = t.request
                    + if fill_missing { t.missing_request } else { 0 }
                    + if scale_up_with_unready {
                        t.unready_request
                    } else {
                        0
                    };
                utilization_ratio(usage, request, s.target_percent)?.0
            }
            None => {
                let added = if fill_value {
                    target_milli.wrapping_mul(t.missing as i64)
                } else {
                    0
                };
                let usage = t.total.wrapping_add(added).wrapping_div(len as i64);
                usage as f64 / target_milli as f64
            }
        };
        if self.tolerances.within(new_ratio)
            || (ratio < 1.0 && new_ratio > 1.0)
            || (ratio > 1.0 && new_ratio < 1.0)
        {
            return Ok(proposal(current));
        }
        let new = ceil_i32(new_ratio * len as f64);
        if (new_ratio < 1.0 && new > current) || (new_ratio > 1.0 && new < current) {
            return Ok(proposal(current));
        }
        Ok(proposal(new))
    }

    /// `getUsageRatioReplicaCount`, shared by Object and External `Value` targets.
    fn usage_ratio_replicas<P: PodInfo>(
        &self,
        current: i32,
        ratio: f64,
        pods: &[P],
    ) -> Result<i32, CalcError> {
        if current == 0 {
            // scale from zero: no tolerance, no ready count
            return Ok(ceil_i32(ratio));
        }
        if self.tolerances.within(ratio) {
            return Ok(current);
        }
        if pods.is_empty() {
            return fail(
                "unable to calculate ready pods: no pods returned by selector while calculating replica count",
            );
        }
        let ready = pods
            .iter()
            .filter(|p| p.phase() == PodPhase::Running && p.readiness().is_some_and(|r| r.ready))
            .count();
        Ok(ceil_i32(ratio * ready as f64))
    }

    /// `GetObjectMetricReplicas` (Object, `Value` target).
    ///
    /// # Errors
    /// An empty pod list when a change is needed.
    pub fn object_replicas<P: PodInfo>(
        &self,
        current: i32,
        target_milli: i64,
        usage_milli: i64,
        pods: &[P],
    ) -> Result<Proposal, CalcError> {
        let ratio = usage_milli as f64 / target_milli as f64;
        let replicas = self.usage_ratio_replicas(current, ratio, pods)?;
        Ok(Proposal {
            replicas,
            ratio,
            utilization: None,
            value_milli: usage_milli,
        })
    }

    /// `GetObjectPerPodMetricReplicas` (Object, `AverageValue` target), from the scale's
    /// **status** replicas.
    pub fn object_per_pod_replicas(
        &self,
        status_replicas: i32,
        target_average_milli: i64,
        usage_milli: i64,
    ) -> Proposal {
        let mut replicas = status_replicas;
        let ratio = usage_milli as f64 / (target_average_milli as f64 * f64::from(status_replicas));
        if !self.tolerances.within(ratio) {
            replicas = ceil_i32(usage_milli as f64 / target_average_milli as f64);
        }
        Proposal {
            replicas,
            ratio,
            utilization: None,
            value_milli: (usage_milli as f64 / f64::from(status_replicas)).ceil() as i64,
        }
    }

    /// `GetExternalMetricReplicas` (External, `Value` target). The series are summed
    /// (saturating at `i64::MAX`).
    ///
    /// # Errors
    /// No series, or an empty pod list when a change is needed.
    pub fn external_replicas<P: PodInfo>(
        &self,
        current: i32,
        target_milli: i64,
        values_milli: &[i64],
        pods: &[P],
    ) -> Result<Proposal, CalcError> {
        let usage = external_sum(values_milli)?;
        self.object_replicas(current, target_milli, usage, pods)
    }

    /// `GetExternalPerPodMetricReplicas` (External, `AverageValue` target), from the scale's
    /// **status** replicas.
    ///
    /// # Errors
    /// No series.
    pub fn external_per_pod_replicas(
        &self,
        status_replicas: i32,
        target_average_milli: i64,
        values_milli: &[i64],
    ) -> Result<Proposal, CalcError> {
        let usage = external_sum(values_milli)?;
        let mut p = self.object_per_pod_replicas(status_replicas, target_average_milli, usage);
        if usage == i64::MAX {
            p.value_milli = i64::MAX;
        }
        Ok(p)
    }
}

/// Sum of external series; an overflowing or negative total saturates to `i64::MAX`, as the
/// upstream overflow guard does.
fn external_sum(values: &[i64]) -> Result<i64, CalcError> {
    if values.is_empty() {
        return fail(
            "unable to get external metric: no metrics returned from external metrics API",
        );
    }
    let mut sum: i64 = 0;
    for &v in values {
        sum = match sum.checked_add(v) {
            Some(s) if s >= 0 => s,
            _ => i64::MAX,
        };
    }
    Ok(sum)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The 64-bit shortcut gives the 128-bit quotient, wrapping included.
        #[test]
        fn utilization_is_the_128_bit_quotient(
            usage in prop_oneof![0i128..1_000_000_000, 0i128..(i128::from(i64::MAX) * 4)],
            request in prop_oneof![1i128..1_000_000, 1i128..(i128::from(i64::MAX) * 4)],
            target in 1i64..200,
        ) {
            let (_, u) = utilization_ratio(usage, request, target).unwrap();
            prop_assert_eq!(u, (usage * 100 / request) as i64 as i32);
        }
    }
}
