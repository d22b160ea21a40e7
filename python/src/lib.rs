//! The native part of the `tidescale` Python package (`tidescale._native`).
//!
//! This layer is thin: it converts Python values to the core's types and maps errors to the
//! exceptions of `tidescale.exceptions`. The Pythonic layer is `tidescale.hpa` (in `py_src/`).
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use pyo3::prelude::*;

mod batch;
mod columns;
mod controller;
mod convert;
mod decision;
mod errors;
mod fleet;
mod keda;
mod observation;
mod prom;
mod replica_calc;
mod vpa;

/// tidescale: Kubernetes-exact autoscaling decisions.
#[pymodule(gil_used = false)]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<controller::Controller>()?;
    m.add_class::<decision::Decision>()?;
    m.add_class::<decision::Condition>()?;
    m.add_class::<decision::MetricResult>()?;
    m.add_function(wrap_pyfunction!(batch::evaluate_batch, m)?)?;
    m.add_function(wrap_pyfunction!(replica_calc::replica_calculation, m)?)?;
    m.add_class::<fleet::Fleet>()?;
    m.add_function(wrap_pyfunction!(controller::load_manifest, m)?)?;
    m.add_function(wrap_pyfunction!(controller::default_settings, m)?)?;
    m.add_class::<vpa::VpaRecommender>()?;
    // public classes are named for the module that exports them (`tidescale.vpa.Resources`);
    // the private module keeps its own names for them
    let py = m.py();
    m.add("VpaRecommendation", py.get_type::<vpa::Recommendation>())?;
    m.add(
        "VpaContainerRecommendation",
        py.get_type::<vpa::ContainerRecommendation>(),
    )?;
    m.add("VpaResources", py.get_type::<vpa::Resources>())?;
    m.add_function(wrap_pyfunction!(vpa::vpa_conflicts, m)?)?;
    m.add_function(wrap_pyfunction!(vpa::vpa_default_options, m)?)?;
    m.add_class::<keda::KedaScaledObject>()?;
    m.add("KedaDecision", py.get_type::<keda::KedaDecision>())?;
    m.add_function(wrap_pyfunction!(keda::scaledjob_decision, m)?)?;
    m.add_class::<prom::CounterWindow>()?;
    m.add_function(wrap_pyfunction!(prom::prom_range_function, m)?)?;
    m.add_function(wrap_pyfunction!(prom::histogram_quantile, m)?)?;
    m.add_function(wrap_pyfunction!(prom::prom_aggregate, m)?)?;
    Ok(())
}
