//! Reading HorizontalPodAutoscaler manifests as users write them: YAML or JSON text, one or
//! several documents (`---`), `kind: List`, a whole object or a bare `spec`.
//!
//! This file is kept identical in `cli/src/manifest.rs` and `python/src/manifest.rs` until the
//! core offers a loader of its own (the core's `parse` feature has no multi-document reader yet).

use std::fmt;

use serde_json::Value;
use tidescale::hpa::HorizontalPodAutoscaler;

/// Upper bound on manifest text (a real HPA is a few KiB).
pub(crate) const MAX_MANIFEST_BYTES: usize = 4 << 20;

/// Why a manifest could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LoadError {
    /// 0-based index of the document in a multi-document stream, when known.
    pub(crate) document: Option<usize>,
    /// The field path inside the document (`spec.metrics[0].resource.target`), when known.
    pub(crate) path: Option<String>,
    /// What is wrong.
    pub(crate) message: String,
}

impl LoadError {
    fn new(document: Option<usize>, path: Option<String>, message: impl Into<String>) -> Self {
        Self {
            document,
            path,
            message: message.into(),
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(d) = self.document {
            write!(f, "document {d}: ")?;
        }
        if let Some(p) = &self.path {
            write!(f, "field {p}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// An HPA picked from a manifest.
#[derive(Debug, Clone)]
pub(crate) struct Loaded {
    /// The object.
    pub(crate) hpa: HorizontalPodAutoscaler,
    /// Its document index in the stream.
    #[allow(dead_code)] // read by the CLI only
    pub(crate) document: usize,
}

/// Splits YAML or JSON text into documents (JSON when the text starts with `{` or `[`).
/// Empty documents (a trailing `---`) are dropped; their indices are kept for the others.
pub(crate) fn parse_documents(text: &str) -> Result<Vec<(usize, Value)>, LoadError> {
    if text.len() > MAX_MANIFEST_BYTES {
        return Err(LoadError::new(
            None,
            None,
            format!(
                "manifest is {} bytes, more than the {MAX_MANIFEST_BYTES} accepted",
                text.len()
            ),
        ));
    }
    let trimmed = text.trim_start();
    let docs: Vec<Value> = if trimmed.starts_with('{') || trimmed.starts_with('[') {
        let v: Value = serde_json::from_str(text)
            .map_err(|e| LoadError::new(None, None, format!("invalid JSON: {e}")))?;
        match v {
            Value::Array(items) => items,
            other => vec![other],
        }
    } else {
        serde_saphyr::from_multiple::<Value>(text)
            .map_err(|e| LoadError::new(None, None, format!("invalid YAML: {e}")))?
    };
    Ok(docs
        .into_iter()
        .enumerate()
        .filter(|(_, v)| !v.is_null())
        .collect())
}

fn str_at<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn name_of(v: &Value) -> Option<&str> {
    v.get("metadata").and_then(|m| str_at(m, "name"))
}

/// One candidate object: its document, its path prefix inside a `List`, and its value.
type Candidate = (usize, String, Value);

/// Picks the HorizontalPodAutoscaler among `docs` (by `name` when there are several) and
/// deserializes it, reporting the field path of any error.
pub(crate) fn pick_hpa(docs: Vec<(usize, Value)>, name: Option<&str>) -> Result<Loaded, LoadError> {
    let mut kinds: Vec<String> = Vec::new();
    let mut candidates: Vec<Candidate> = Vec::new();
    let total = docs.len();
    for (i, doc) in docs {
        if !doc.is_object() {
            kinds.push(format!("document {i} is not a mapping"));
            continue;
        }
        match str_at(&doc, "kind") {
            Some("List") => {
                let items = match doc.get("items") {
                    Some(Value::Array(items)) => items.clone(),
                    _ => Vec::new(),
                };
                for (j, item) in items.into_iter().enumerate() {
                    match str_at(&item, "kind") {
                        Some("HorizontalPodAutoscaler") => {
                            candidates.push((i, format!("items[{j}]."), item));
                        }
                        Some(k) => kinds.push(k.to_owned()),
                        None => kinds.push("(no kind)".to_owned()),
                    }
                }
            }
            Some("HorizontalPodAutoscaler") => candidates.push((i, String::new(), doc)),
            Some(k) => kinds.push(k.to_owned()),
            None if doc.get("spec").is_some() => candidates.push((i, String::new(), doc)),
            None if doc.get("maxReplicas").is_some() => {
                // a bare spec
                let mut obj = serde_json::Map::new();
                obj.insert("spec".to_owned(), doc);
                candidates.push((i, "spec.".to_owned(), Value::Object(obj)));
            }
            None => kinds.push("(no kind)".to_owned()),
        }
    }
    if let Some(n) = name {
        candidates.retain(|(_, _, v)| name_of(v) == Some(n));
        if candidates.is_empty() {
            return Err(LoadError::new(
                None,
                None,
                format!("no HorizontalPodAutoscaler named {n:?} in the manifest"),
            ));
        }
    }
    if candidates.len() > 1 {
        let names: Vec<String> = candidates
            .iter()
            .map(|(i, _, v)| format!("{} (document {i})", name_of(v).unwrap_or("<unnamed>")))
            .collect();
        return Err(LoadError::new(
            None,
            None,
            format!(
                "{} HorizontalPodAutoscalers in the manifest: {}; choose one by name",
                candidates.len(),
                names.join(", ")
            ),
        ));
    }
    let Some((doc, prefix, value)) = candidates.pop() else {
        let found = if kinds.is_empty() {
            "no documents".to_owned()
        } else {
            kinds.join(", ")
        };
        return Err(LoadError::new(
            None,
            None,
            format!("no HorizontalPodAutoscaler in {total} document(s) (found: {found})"),
        ));
    };
    match str_at(&value, "apiVersion") {
        None | Some("autoscaling/v2" | "autoscaling/v2beta2") => {}
        Some(v) => {
            return Err(LoadError::new(
                Some(doc),
                Some(format!("{prefix}apiVersion")),
                format!("{v} is not supported; write the HPA as autoscaling/v2"),
            ));
        }
    }
    let hpa: HorizontalPodAutoscaler = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." {
            prefix.trim_end_matches('.').to_owned()
        } else {
            format!("{prefix}{path}")
        };
        LoadError::new(
            Some(doc),
            (!path.is_empty()).then_some(path),
            e.into_inner().to_string(),
        )
    })?;
    Ok(Loaded { hpa, document: doc })
}

/// [`parse_documents`] then [`pick_hpa`].
pub(crate) fn load_hpa(text: &str, name: Option<&str>) -> Result<Loaded, LoadError> {
    pick_hpa(parse_documents(text)?, name)
}
