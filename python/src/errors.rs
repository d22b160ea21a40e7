//! Error mapping: every Rust error becomes one of the exceptions of `tidescale.exceptions`
//! (defined in Python so they can subclass both `TidescaleError` and `ValueError`).

use pyo3::PyErr;
use tidescale::hpa::HpaError;

use tidescale::manifest::ManifestError as LoadError;

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
    // one line, then (syntax errors) the offending line with a caret
    let mut msg = e.to_string();
    if let Some(x) = &e.excerpt {
        msg.push('\n');
        msg.push_str(x);
    }
    ManifestError::new_err((msg, e.document, e.path))
}

/// Errors of the VPA core: bad values and checkpoints are `InvalidInputError`, a manifest
/// that makes no sense is a `SpecError`.
pub(crate) fn vpa_error(e: tidescale::vpa::VpaError) -> PyErr {
    use tidescale::vpa::VpaError;
    match e {
        VpaError::InvalidSpec(m) => {
            SpecError::new_err((format!("invalid spec: {m}"), None::<usize>, Some("spec")))
        }
        other => invalid_input(other.to_string()),
    }
}

/// Errors of the KEDA core: spec and trigger metadata problems are `SpecError`s (the manifest
/// reads, but KEDA would reject it), the rest `InvalidInputError`.
pub(crate) fn keda_error(e: tidescale::keda::KedaError) -> PyErr {
    use tidescale::keda::KedaError;
    match e {
        KedaError::UnknownTrigger { .. }
        | KedaError::MissingParameter { .. }
        | KedaError::InvalidParameter { .. }
        | KedaError::InvalidSpec(_)
        | KedaError::Cron { .. }
        | KedaError::UnknownTimeZone(_) => {
            SpecError::new_err((e.to_string(), None::<usize>, Some("spec")))
        }
        KedaError::NoSuchTrigger { .. } | KedaError::AmbiguousTrigger { .. } => {
            unknown_metric(e.to_string())
        }
        other => invalid_input(other.to_string()),
    }
}

/// Errors of the Prometheus math: always bad input.
/// Times in the message are in seconds, the Python door's unit.
pub(crate) fn prom_error(e: tidescale::prom::PromError) -> PyErr {
    use tidescale::Timestamp;
    use tidescale::prom::PromError;
    let s = |ms: i64| Timestamp(ms).as_secs_f64();
    match e {
        PromError::NonMonotonicTimestamps {
            index,
            previous,
            at,
        } => invalid_input(format!(
            "sample timestamps must be strictly increasing: sample {index} at {} s follows {} s",
            s(at),
            s(previous)
        )),
        PromError::OutOfOrder { latest, at } => invalid_input(format!(
            "out-of-order sample: {} s is before the latest sample at {} s",
            s(at),
            s(latest)
        )),
        PromError::DuplicateTimestamp(t) => invalid_input(format!(
            "duplicate sample for timestamp {} s with a different value",
            s(t)
        )),
        other => invalid_input(other.to_string()),
    }
}

/// The crate-wide error, dispatched to the module mappings.
pub(crate) fn core_error(e: tidescale::Error) -> PyErr {
    match e {
        tidescale::Error::Hpa(e) => hpa_error(e),
        tidescale::Error::Vpa(e) => vpa_error(e),
        tidescale::Error::Keda(e) => keda_error(e),
        tidescale::Error::Prom(e) => prom_error(e),
        tidescale::Error::Manifest(e) => manifest_error(e),
        other => invalid_input(other.to_string()),
    }
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
