//! Resource requests of a pod (`calculatePodRequests`), for `Utilization` targets.

use super::observation::Pod;

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
    if container.is_empty()
        && pod_level_resources
        && let Some(q) = pod.pod_requests.as_ref().and_then(|r| r.get(resource))
    {
        return Ok(q.milli_value());
    }
    let counted = pod.containers.iter().chain(
        pod.init_containers
            .iter()
            .filter(|c| c.restart_policy_always),
    );
    let mut sum = 0i64;
    let mut found = false;
    for c in counted {
        if !container.is_empty() && c.name != container {
            continue;
        }
        found = true;
        // (a linear scan: pods request one or two resources, and it avoids BTreeMap's ordered
        // comparisons on the hot path)
        match c
            .requests
            .iter()
            .find_map(|(k, q)| (k == resource).then_some(q))
        {
            Some(q) => sum = sum.saturating_add(q.milli_value()),
            None => {
                return Err(RequestError::MissingRequest {
                    resource: resource.to_owned(),
                    container: c.name.clone(),
                    pod: pod.name.clone(),
                });
            }
        }
        if !container.is_empty() {
            break;
        }
    }
    if !container.is_empty() && !found {
        return Err(RequestError::ContainerNotFound {
            container: container.to_owned(),
            pod: pod.name.clone(),
        });
    }
    Ok(sum)
}
