//! # tidescale
//!
//! Autoscaling decisions exactly as Kubernetes makes them, as a no-IO library: the host passes
//! in time, metrics and state; tidescale returns decisions and the reasons for them. Nothing
//! here reads a clock, a file, the environment or the network.
//!
//! | module | what it answers | upstream |
//! |---|---|---|
//! | [`hpa`] | replicas for an `autoscaling/v2` HorizontalPodAutoscaler | `pkg/controller/podautoscaler` |
//! | [`vpa`] | VPA recommendations, capping, updater and eviction decisions | `kubernetes/autoscaler` VPA |
//! | [`keda`] | ScaledObject / ScaledJob decisions, scaler math, 0 <-> 1 | `kedacore/keda` |
//! | [`serving`] | Knative KPA and Ray Serve replica decisions | `knative/serving`, `ray-project/ray` |
//! | [`capacity`] | Erlang C sizing, KV-cache bytes and fit, llm-d's batch queue | `llm-d` WVA, vLLM |
//! | [`prom`] | `rate`, `increase`, `irate`, `histogram_quantile`, `sum`/`avg` | Prometheus 3.x (2.x windows optional) |
//! | [`manifest`] | JSON/YAML manifests, multi-document streams | API server shapes |
//!
//! ## Load, step, read
//!
//! ```
//! use tidescale::Timestamp;
//! use tidescale::hpa::{Controller, MetricValues, Observation, Pod, PodMetric, Scale, Settings};
//! # #[cfg(not(feature = "parse"))] fn main() {} // manifests need the default `parse` feature
//! # #[cfg(feature = "parse")] fn main() -> Result<(), tidescale::Error> {
//!
//! // The seed's CPU HPA: 70 % target, min 3, max 100, custom behavior.
//! let manifest = include_str!("../../examples/manifests/01-basic-cpu-based-hpa.yaml");
//! let hpa = tidescale::manifest::hpa_from_str(manifest, None)?;
//! let mut ctl = Controller::new(hpa, Settings::default())?; // Kubernetes' controller defaults
//!
//! // 4 pods requesting 1 CPU each, running at 1.4 CPU: twice the target.
//! let pods: Vec<Pod> = (0..4).map(|i| Pod::running(&format!("model-server-{i}"), 1000)).collect();
//! let now = Timestamp::from_secs(600);
//! let cpu: Vec<PodMetric> = (0..4).map(|i| PodMetric::new(i, 1400, now)).collect();
//! let d = ctl.step(now, &Observation {
//!     scale: Scale { spec_replicas: 4, status_replicas: 4 },
//!     pods: &pods,
//!     metrics: &[MetricValues::Pods(&cpu)],
//! })?;
//! assert_eq!((d.current_replicas, d.desired_replicas), (4, 8)); // ratio 2.0 x 4 ready pods
//! assert!(d.rescale);
//! println!("{d}"); // 4 -> 8 (cpu above target); *Resource cpu: ratio 2.000 -> 8 replicas
//! # Ok(()) }
//! ```
//!
//! ## Conventions
//! * **Time is an argument**: [`Timestamp`] is milliseconds since an epoch the host chooses.
//!   Stateful objects say when they next need a call (`next_wakeup`).
//! * **Numbers as upstream has them**: replicas are `i32`, quantities exact milli-units
//!   ([`Quantity`]), ratios `f64` rounded where the Go code rounds. The one intended difference:
//!   where Go's `int32` arithmetic would wrap (a policy value near 2^31), tidescale saturates.
//! * **Every decision explains itself**: which metric drove it, which window or policy limited
//!   it, and the Kubernetes conditions it would set.
//! * **Bad input is a typed error** ([`Error`]), never a panic.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    warn(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod capacity;
pub mod error;
pub mod hpa;
pub mod keda;
#[cfg(feature = "parse")]
pub mod manifest;
pub mod prom;
pub mod quantity;
pub mod serving;
pub mod time;
pub mod vpa;

/// The Rust blocks of the README and docs/, run as doctests (`scripts/docs.py check` fails when
/// a file with Rust blocks is missing here). Doctests run in `core/`, where
/// `examples/manifests` links to the repository's manifests, so paths read as in the README.
#[cfg(all(doctest, feature = "parse"))]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

pub use error::{Error, Result};
pub use quantity::{Quantity, QuantityError};
pub use time::Timestamp;
