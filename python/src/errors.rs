//! Error mapping: every Rust error becomes one of the exceptions of `tidescale.exceptions`
//! (defined in Python so they can subclass both `TidescaleError` and `ValueError`).

use pyo3::PyErr;
use tidescale::hpa::HpaError;

use crate::manifest::LoadError;

pyo3::import_exception!(tidescale.exceptions, ManifestError);
pyo3::import_exception!(tidescale.exceptions, SpecError);
pyo3::import_exception!(tidescale.exceptions, InvalidInputError);
pyo3::import_exception!(tidescale.exceptions, UnknownMetricError);

/// Bad input values (NaN, negative, wrong shape): `InvalidInputError` (a `ValueError`).
pub(crate) fn invalid_input(msg: impl Into<String>) -> PyErr {
    InvalidInputError::new_err(msg.into())
}

/// A metrics key that the manifest does not name.
pub(crate) fn unknown_metric(msg: impl Into<String>) -> PyErr {
    UnknownMetricError::new_err(msg.into())
}

/// A manifest that does not read: `ManifestError(message, document, path)`.
pub(crate) fn manifest_error(e: LoadError) -> PyErr {
    ManifestError::new_err((e.to_string(), e.document, e.path))
}

/// Errors of the HPA core.
pub(crate) fn hpa_error(e: HpaError) -> PyErr {
    match e {
        HpaError::Invalid(m) if m.starts_with("settings:") => invalid_input(m),
        HpaError::Invalid(m) => SpecError::new_err((m, None::<usize>, Some("spec"))),
        HpaError::Observation(m) => invalid_input(m),
        other => invalid_input(other.to_string()),
    }
}
