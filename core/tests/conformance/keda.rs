//! Conformance kinds of the keda family. Returns `None` for kinds not implemented yet, which the
//! runner reports as skipped by name.

use serde_json::Value;

use crate::Outcome;

/// Runs one vector of this family, or `None` if `kind` is not one of its implemented kinds.
pub fn run(_kind: &str, _input: &Value, _expect: &Value) -> Option<Outcome> {
    None
}
