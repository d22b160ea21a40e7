//! C observation structs to the core's `Pod` and `MetricValues`, validated (codes, negative
//! values, UTF-8) and written into buffers that are reused from step to step, so a warm step
//! allocates only the small list of metric values. Error messages are built only on failure.

use std::collections::BTreeMap;

use tidescale_core::hpa::{Container, MetricValues, Pod, PodMetric, PodPhase, Readiness};
use tidescale_core::{Quantity, Timestamp};

use crate::args::{slice, text};
use crate::result::{FfiError, FfiResult, ts_result};
use crate::types::{
    ts_metric_kind, ts_metric_reading, ts_pod, ts_pod_phase, ts_pod_sample, ts_ready,
};

/// Buffers kept in the handle.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    pods: Vec<Pod>,
    samples: Vec<Vec<PodMetric>>,
}

impl Scratch {
    /// Converts one step's pods and readings.
    ///
    /// # Safety
    /// The pointers inside `pods` and `readings` must obey their length fields.
    pub(crate) unsafe fn convert<'a>(
        &'a mut self,
        pods: &[ts_pod],
        readings: &'a [ts_metric_reading],
    ) -> FfiResult<(&'a [Pod], Vec<MetricValues<'a>>)> {
        self.pods.truncate(pods.len());
        self.pods.resize_with(pods.len(), Pod::default);
        for (i, (p, pod)) in pods.iter().zip(self.pods.iter_mut()).enumerate() {
            // SAFETY: forwarded contract.
            unsafe { convert_pod(p, pod) }.map_err(|e| e.within(|| format!("pods[{i}]")))?;
        }
        self.samples.resize_with(readings.len(), Vec::new);
        let mut values = Vec::with_capacity(readings.len());
        for (i, (r, buf)) in readings.iter().zip(self.samples.iter_mut()).enumerate() {
            // SAFETY: forwarded contract.
            let v = unsafe { convert_reading(r, buf) }
                .map_err(|e| e.within(|| format!("readings[{i}]")))?;
            values.push(v);
        }
        // Second pass: the sample buffers are complete, lend them out.
        for (v, buf) in values.iter_mut().zip(&self.samples) {
            if let MetricValues::Pods(s) = v {
                *s = buf;
            }
        }
        Ok((&self.pods, values))
    }
}

unsafe fn convert_pod(p: &ts_pod, pod: &mut Pod) -> FfiResult {
    // SAFETY: caller contract.
    let name = unsafe { text(p.name, p.name_len, usize::MAX, "name") }?;
    // SAFETY: caller contract.
    let container = unsafe { text(p.container, p.container_len, usize::MAX, "container") }?;
    pod.phase = match p.phase {
        x if x == ts_pod_phase::Running as u32 => PodPhase::Running,
        x if x == ts_pod_phase::Pending as u32 => PodPhase::Pending,
        x if x == ts_pod_phase::Succeeded as u32 => PodPhase::Succeeded,
        x if x == ts_pod_phase::Failed as u32 => PodPhase::Failed,
        x if x == ts_pod_phase::Unknown as u32 => PodPhase::Unknown,
        x => return Err(unknown_code("phase", x)),
    };
    pod.ready = match p.ready {
        x if x == ts_ready::None as u32 => None,
        x if x == ts_ready::True as u32 || x == ts_ready::False as u32 => Some(Readiness {
            ready: x == ts_ready::True as u32,
            last_transition: Timestamp::from_millis(p.ready_transition_ms),
        }),
        x => return Err(unknown_code("ready", x)),
    };
    pod.deleted = p.deleted;
    pod.start_time = p.has_start_time.then(|| Timestamp::from_millis(p.start_ms));
    pod.name.clear();
    pod.name.push_str(name);
    pod.containers.truncate(1);
    if pod.containers.is_empty() {
        pod.containers.push(Container::default());
    }
    for c in &mut pod.containers {
        c.name.clear();
        c.name.push_str(container);
        set_request(
            &mut c.requests,
            "cpu",
            p.has_cpu_request.then_some(p.cpu_request_milli),
        )
        .map_err(|e| e.within(|| "cpu_request_milli".to_owned()))?;
        set_request(
            &mut c.requests,
            "memory",
            p.has_memory_request.then_some(p.memory_request_milli),
        )
        .map_err(|e| e.within(|| "memory_request_milli".to_owned()))?;
    }
    Ok(())
}

fn set_request(
    requests: &mut BTreeMap<String, Quantity>,
    resource: &str,
    milli: Option<i64>,
) -> FfiResult {
    let Some(milli) = milli else {
        requests.remove(resource);
        return Ok(());
    };
    if milli < 0 {
        return Err(negative("", milli));
    }
    let q = Quantity::from_milli(milli);
    match requests.get_mut(resource) {
        Some(slot) => *slot = q,
        None => {
            requests.insert(resource.to_owned(), q);
        }
    }
    Ok(())
}

/// Validates a reading; per-pod samples go into `buf`, and the returned `Pods` value is
/// re-pointed at `buf` by the caller.
unsafe fn convert_reading<'a>(
    r: &'a ts_metric_reading,
    buf: &mut Vec<PodMetric>,
) -> FfiResult<MetricValues<'a>> {
    buf.clear();
    Ok(match r.kind {
        x if x == ts_metric_kind::Unavailable as u32 => MetricValues::Unavailable,
        x if x == ts_metric_kind::Pods as u32 => {
            // SAFETY: caller contract.
            let samples = unsafe { slice(r.samples, r.n_samples, "samples") }?;
            for (j, s) in samples.iter().enumerate() {
                buf.push(convert_sample(s).map_err(|e| e.within(|| format!("samples[{j}]")))?);
            }
            MetricValues::Pods(&[])
        }
        x if x == ts_metric_kind::Object as u32 => {
            if r.object_value_milli < 0 {
                return Err(negative("object_value_milli", r.object_value_milli));
            }
            MetricValues::Object(r.object_value_milli)
        }
        x if x == ts_metric_kind::External as u32 => {
            // SAFETY: caller contract.
            let values = unsafe { slice(r.values, r.n_values, "values") }?;
            if let Some((j, v)) = values.iter().enumerate().find(|(_, v)| **v < 0) {
                return Err(negative("", *v).within(|| format!("values[{j}]")));
            }
            MetricValues::External(values)
        }
        x => return Err(unknown_code("kind", x)),
    })
}

fn convert_sample(s: &ts_pod_sample) -> FfiResult<PodMetric> {
    if s.value_milli < 0 {
        return Err(negative("value_milli", s.value_milli));
    }
    if s.window_ms < 0 {
        return Err(negative("window_ms", s.window_ms));
    }
    Ok(PodMetric {
        pod: s.pod,
        value_milli: s.value_milli,
        timestamp: Timestamp::from_millis(s.timestamp_ms),
        window_ms: s.window_ms,
    })
}

/// `what` is a field name, or "" when the caller adds the path with `within`.
fn negative(what: &str, v: i64) -> FfiError {
    FfiError::new(
        ts_result::NegativeValue,
        format!("{what} is {v}, it must be >= 0"),
    )
}

fn unknown_code(what: &str, code: u32) -> FfiError {
    FfiError::new(
        ts_result::UnknownCode,
        format!("{what}: unknown code {code}"),
    )
}
