//! Reading manifests as users write them: JSON or YAML text, one document or a `---` stream,
//! with the object of the wanted `kind` picked out. Behind the `parse` feature (on by default);
//! the math never depends on it.
//!
//! ```
//! let text = "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n---\n\
//!             apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\n\
//!             metadata: {name: web}\nspec: {maxReplicas: 4}\n";
//! let hpa = tidescale::manifest::hpa_from_str(text, None).unwrap();
//! assert_eq!(hpa.spec.max_replicas, 4);
//! ```

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::hpa::HorizontalPodAutoscaler;

/// Largest manifest text accepted (4 MiB): manifests are small, and the cap bounds the work an
/// untrusted input can cause.
pub const MAX_MANIFEST_BYTES: usize = 4 << 20;

/// Parses JSON (text starting with `{` or `[`) or YAML (possibly several `---` documents)
/// into generic documents. Empty documents are dropped; a JSON array is a list of documents.
///
/// # Errors
/// [`Error::Manifest`] for text over [`MAX_MANIFEST_BYTES`] or that does not parse.
pub fn documents(text: &str) -> Result<Vec<Value>> {
    if text.len() > MAX_MANIFEST_BYTES {
        return Err(Error::Manifest(format!(
            "manifest is {} bytes, over the {MAX_MANIFEST_BYTES}-byte limit",
            text.len()
        )));
    }
    let trimmed = text.trim_start();
    let docs: Vec<Value> = if trimmed.starts_with('{') || trimmed.starts_with('[') {
        match serde_json::from_str(trimmed).map_err(|e| Error::Manifest(format!("JSON: {e}")))? {
            Value::Array(items) => items,
            v => vec![v],
        }
    } else {
        serde_saphyr::from_multiple::<Value>(text)
            .map_err(|e| Error::Manifest(format!("YAML: {e}")))?
    };
    Ok(docs.into_iter().filter(|d| !d.is_null()).collect())
}

fn describe(doc: &Value) -> String {
    let kind = doc.get("kind").and_then(Value::as_str).unwrap_or("?");
    match doc.pointer("/metadata/name").and_then(Value::as_str) {
        Some(n) => format!("{kind} {n:?}"),
        None => kind.to_owned(),
    }
}

/// Finds the document of `kind` (and `name`, if given) and deserializes it.
/// Returns the document's index (0-based) with the object.
///
/// # Errors
/// No such document, several candidates without a `name`, or a field error (the message
/// names the document and the field).
pub fn find<T: DeserializeOwned>(text: &str, kind: &str, name: Option<&str>) -> Result<(usize, T)> {
    let docs = documents(text)?;
    let candidates: Vec<(usize, &Value)> = docs
        .iter()
        .enumerate()
        .filter(|(_, d)| {
            // A single document without `kind` is taken as the wanted object.
            let k = d.get("kind").and_then(Value::as_str);
            k == Some(kind) || (k.is_none() && docs.len() == 1)
        })
        .filter(|(_, d)| {
            name.is_none_or(|n| d.pointer("/metadata/name").and_then(Value::as_str) == Some(n))
        })
        .collect();
    let (index, doc) = match candidates.as_slice() {
        [] => {
            let seen: Vec<String> = docs.iter().map(describe).collect();
            return Err(Error::Manifest(format!(
                "no {kind}{} in the manifest (documents: {})",
                name.map(|n| format!(" named {n:?}")).unwrap_or_default(),
                if seen.is_empty() {
                    "none".to_owned()
                } else {
                    seen.join(", ")
                }
            )));
        }
        [one] => *one,
        many => {
            let names: Vec<String> = many.iter().map(|(_, d)| describe(d)).collect();
            return Err(Error::Manifest(format!(
                "{} {kind} objects in the manifest ({}); choose one by name",
                many.len(),
                names.join(", ")
            )));
        }
    };
    serde_json::from_value(doc.clone())
        .map(|v| (index, v))
        .map_err(|e| Error::Manifest(format!("document {} ({}): {e}", index + 1, describe(doc))))
}

/// Reads a `HorizontalPodAutoscaler` from JSON or YAML text (picked out of a multi-document
/// stream, by `name` when there are several).
///
/// # Errors
/// As [`find`].
pub fn hpa_from_str(text: &str, name: Option<&str>) -> Result<HorizontalPodAutoscaler> {
    find(text, "HorizontalPodAutoscaler", name).map(|(_, h)| h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_errors() {
        let h = hpa_from_str(
            r#"{"kind":"HorizontalPodAutoscaler","spec":{"maxReplicas":3}}"#,
            None,
        )
        .unwrap();
        assert_eq!(h.spec.max_replicas, 3);
        let e = hpa_from_str(
            "kind: HorizontalPodAutoscaler\nspec: {minReplicas: 1}\n",
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("document 1") && e.contains("maxReplicas"), "{e}");
        let e = hpa_from_str("kind: Deployment\n", None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("no HorizontalPodAutoscaler") && e.contains("Deployment"),
            "{e}"
        );
        assert!(hpa_from_str("a: [1, 2", None).is_err());
        assert!(hpa_from_str("{\"kind\": ", None).is_err());
        let e = hpa_from_str(
            "kind: HorizontalPodAutoscaler\nspec:\n  maxReplicas: 3\n  metrics:\n  - type: Resource\n    resource:\n      name: cpu\n      target: {type: Percentage}\n",
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("Percentage"), "{e}");
    }
}
