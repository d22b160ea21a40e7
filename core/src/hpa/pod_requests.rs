//! Resource requests of a pod (`calculatePodRequests`), for `Utilization` targets.

use super::observation::{Container, Pod};

/// Why a pod's request could not be determined.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// A summed container has no request for the resource.
    #[error("missing request for {resource} in container {container} of Pod {pod}")]
    MissingRequest {
        /// The resource.
        resource: String,
        /// The container.
        container: String,
        /// The pod.
        pod: String,
    },
    /// The named container is not in the pod.
    #[error("container {container} not found in Pod {pod}")]
    ContainerNotFound {
        /// The container.
        container: String,
        /// The pod.
        pod: String,
    },
}

/// The request of `pod` for `resource` in milli-units: the pod-level request when
/// `pod_level_resources` is on and the pod sets one (whole-pod metrics only), otherwise the sum
/// over regular containers and sidecars (init containers with `restartPolicy: Always`), or only
/// the named `container` when it is not empty.
///
/// # Errors
/// A summed container without the request, or a named container absent from the pod.
///
/// ```
/// let pod = tidescale::hpa::Pod::running("p", 250);
/// assert_eq!(tidescale::hpa::pod_request(&pod, "cpu", "", false), Ok(250));
/// assert!(tidescale::hpa::pod_request(&pod, "memory", "", false).is_err());
/// ```
#[inline]
pub fn pod_request(
    pod: &Pod,
    resource: &str,
    container: &str,
    pod_level_resources: bool,
) -> Result<i64, RequestError> {
    // The common case, kept free of the error type: a whole-pod sum where every container
    // sets the request.
    if container.is_empty()
        && !pod_level_resources
        && let Some(sum) = summed_request(pod, resource)
    {
        return Ok(sum);
    }
    pod_request_or_error(pod, resource, container, pod_level_resources)
}

/// Σ of the request over regular containers and sidecars, or `None` when one lacks it.
#[inline]
fn summed_request(pod: &Pod, resource: &str) -> Option<i64> {
    let mut sum = 0i64;
    for c in &pod.containers {
        sum = sum.saturating_add(c.requests.get(resource)?.milli_value());
    }
    for c in &pod.init_containers {
        if c.restart_policy_always {
            sum = sum.saturating_add(c.requests.get(resource)?.milli_value());
        }
    }
    Some(sum)
}

/// [`pod_request`] in full, with its errors.
#[inline(never)]
fn pod_request_or_error(
    pod: &Pod,
    resource: &str,
    container: &str,
    pod_level_resources: bool,
) -> Result<i64, RequestError> {
    if container.is_empty() {
        if pod_level_resources
            && let Some(q) = pod.pod_requests.as_ref().and_then(|r| r.get(resource))
        {
            return Ok(q.milli_value());
        }
        // every regular container, then the sidecars
        let mut sum = 0i64;
        for c in &pod.containers {
            sum = sum.saturating_add(container_request(pod, c, resource)?);
        }
        for c in pod
            .init_containers
            .iter()
            .filter(|c| c.restart_policy_always)
        {
            sum = sum.saturating_add(container_request(pod, c, resource)?);
        }
        return Ok(sum);
    }
    let named = pod
        .containers
        .iter()
        .chain(
            pod.init_containers
                .iter()
                .filter(|c| c.restart_policy_always),
        )
        .find(|c| c.name == container);
    match named {
        Some(c) => container_request(pod, c, resource),
        None => Err(RequestError::ContainerNotFound {
            container: container.to_owned(),
            pod: pod.name.clone(),
        }),
    }
}

/// One container's request for `resource`, or the upstream "missing request" error.
fn container_request(pod: &Pod, c: &Container, resource: &str) -> Result<i64, RequestError> {
    match c.requests.get(resource) {
        Some(q) => Ok(q.milli_value()),
        None => Err(RequestError::MissingRequest {
            resource: resource.to_owned(),
            container: c.name.clone(),
            pod: pod.name.clone(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Quantity;
    use proptest::prelude::*;

    fn container(name: String, cpu: Option<i64>, gpu: Option<i64>, sidecar: bool) -> Container {
        let mut c = Container {
            name,
            restart_policy_always: sidecar,
            ..Container::default()
        };
        if let Some(m) = cpu {
            c.requests.insert("cpu", Quantity::from_milli(m));
        }
        if let Some(m) = gpu {
            c.requests.insert("nvidia.com/gpu", Quantity::from_milli(m));
        }
        c
    }

    fn arb_container() -> impl Strategy<Value = Container> {
        (
            "[ab]",
            proptest::option::weighted(0.8, 0i64..4000),
            proptest::option::weighted(0.5, 0i64..8000),
            any::<bool>(),
        )
            .prop_map(|(n, cpu, gpu, side)| container(n, cpu, gpu, side))
    }

    proptest! {
        /// The allocation-free fast path answers exactly as the full rule, errors included.
        #[test]
        fn fast_path_is_the_full_rule(
            containers in proptest::collection::vec(arb_container(), 0..4),
            init in proptest::collection::vec(arb_container(), 0..3),
            pod_cpu in proptest::option::of(0i64..9000),
            resource in prop_oneof![Just("cpu"), Just("nvidia.com/gpu"), Just("memory")],
            container_name in prop_oneof![Just(""), Just("a"), Just("c")],
            pod_level in any::<bool>(),
        ) {
            let mut pod = Pod { name: "p".into(), containers, init_containers: init, ..Pod::default() };
            if let Some(m) = pod_cpu {
                pod.pod_requests = Some([("cpu".to_owned(), Quantity::from_milli(m))].into_iter().collect());
            }
            prop_assert_eq!(
                pod_request(&pod, resource, container_name, pod_level),
                pod_request_or_error(&pod, resource, container_name, pod_level)
            );
        }
    }
}
