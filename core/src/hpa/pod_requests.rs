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
pub fn pod_request(
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
