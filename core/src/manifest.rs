//! Reading manifests as users write them: YAML or JSON text, one or several documents (`---`),
//! `kind: List`, a whole object or (for the HPA) a bare `spec`. Behind the `parse` feature (on
//! by default); the math never depends on it. Errors say where: the document and the field.
//!
//! ```
//! let text = "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n---\n\
//!             apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\n\
//!             metadata: {name: web}\nspec: {maxReplicas: 4}\n";
//! let hpa = tidescale::manifest::hpa_from_str(text, None).unwrap();
//! assert_eq!(hpa.spec.max_replicas, 4);
//!
//! let bad = "kind: HorizontalPodAutoscaler\nspec:\n  maxReplicas: many\n";
//! let e = tidescale::manifest::load::<tidescale::hpa::HorizontalPodAutoscaler>(
//!     bad, &tidescale::manifest::HPA, None).unwrap_err();
//! assert_eq!((e.document, e.path.as_deref()), (Some(0), Some("spec.maxReplicas")));
//! ```

use std::fmt;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::hpa::HorizontalPodAutoscaler;

/// Largest manifest text accepted (4 MiB): manifests are small, and the cap bounds the work an
/// untrusted input can cause.
pub const MAX_MANIFEST_BYTES: usize = 4 << 20;

/// What kind of problem a manifest has (the C ABI maps each to a result code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ManifestErrorKind {
    /// Over [`MAX_MANIFEST_BYTES`].
    TooLarge,
    /// Text that starts like JSON but is not valid JSON.
    InvalidJson,
    /// Invalid YAML, or YAML over the parsing budgets (depth, nodes, aliases).
    InvalidYaml,
    /// No object of the wanted kind.
    NotFound,
    /// Several objects of the wanted kind and no name to choose.
    Ambiguous,
    /// An `apiVersion` tidescale does not read.
    UnsupportedApiVersion,
    /// The object does not have the Kubernetes shape (a field of the wrong type, a missing
    /// required field, an unknown enum value).
    InvalidObject,
    /// A field the schema does not have, under [`FieldValidation::Strict`].
    UnknownField,
}

/// Why a manifest could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ManifestError {
    /// The kind of problem.
    pub kind: ManifestErrorKind,
    /// 0-based index of the document in a `---` stream, when known.
    pub document: Option<usize>,
    /// The field path inside the document (`spec.metrics[0].resource.target`), when known.
    pub path: Option<String>,
    /// What is wrong.
    pub message: String,
    /// For a syntax error: the offending line and a caret under the column
    /// (`  4 | spec: [` / `    |       ^`), for a door to print under the message.
    pub excerpt: Option<String>,
}

impl ManifestError {
    /// An error of `kind` at `document` / `path`.
    pub fn new(
        kind: ManifestErrorKind,
        document: Option<usize>,
        path: Option<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            document,
            path,
            message: message.into(),
            excerpt: None,
        }
    }
}

/// `  4 | spec: [` and a caret under `column` (both 1-based) of `line` in `text`.
fn caret_excerpt(text: &str, line: u64, column: u64) -> Option<String> {
    let idx = usize::try_from(line.checked_sub(1)?).ok()?;
    let src = text.lines().nth(idx)?;
    let num = line.to_string();
    let pad = " ".repeat(num.len());
    let col = usize::try_from(column.saturating_sub(1)).ok()?;
    let spaces: String = src
        .chars()
        .take(col)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    Some(format!("{num} | {src}\n{pad} | {spaces}^"))
}

impl fmt::Display for ManifestError {
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

/// Which object to pick out of a manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectKind {
    /// `kind`.
    pub kind: &'static str,
    /// Accepted `apiVersion`s (the first is the one tidescale writes).
    pub api_versions: &'static [&'static str],
    /// A key that identifies a bare `spec` (a document without `kind`), if bare specs are
    /// accepted.
    pub bare_spec_key: Option<&'static str>,
}

/// `autoscaling/v2` `HorizontalPodAutoscaler` (a bare spec has `maxReplicas`).
pub const HPA: ObjectKind = ObjectKind {
    kind: "HorizontalPodAutoscaler",
    api_versions: &["autoscaling/v2", "autoscaling/v2beta2"],
    bare_spec_key: Some("maxReplicas"),
};
/// `autoscaling.k8s.io/v1` `VerticalPodAutoscaler` (a bare spec has `targetRef`).
pub const VPA: ObjectKind = ObjectKind {
    kind: "VerticalPodAutoscaler",
    api_versions: &["autoscaling.k8s.io/v1"],
    bare_spec_key: Some("targetRef"),
};
/// `keda.sh/v1alpha1` `ScaledObject` (a bare spec has `scaleTargetRef` and `triggers`).
pub const SCALED_OBJECT: ObjectKind = ObjectKind {
    kind: "ScaledObject",
    api_versions: &["keda.sh/v1alpha1"],
    bare_spec_key: Some("triggers"),
};
/// `keda.sh/v1alpha1` `ScaledJob` (a bare spec has `jobTargetRef`).
pub const SCALED_JOB: ObjectKind = ObjectKind {
    kind: "ScaledJob",
    api_versions: &["keda.sh/v1alpha1"],
    bare_spec_key: Some("jobTargetRef"),
};

/// `autoscaling.k8s.io/v1` `VerticalPodAutoscalerCheckpoint` (no bare form).
pub const VPA_CHECKPOINT: ObjectKind = ObjectKind {
    kind: "VerticalPodAutoscalerCheckpoint",
    api_versions: &["autoscaling.k8s.io/v1"],
    bare_spec_key: None,
};

/// An object picked out of a manifest, with the index of its document.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Loaded<T> {
    /// The object.
    pub object: T,
    /// Its 0-based document index.
    pub document: usize,
    /// Fields the object's schema does not have (`spec.behaviour`), each ignored: a door shows
    /// them (CLI on stderr, Python `warnings`, C `ts_last_warning`). Empty with
    /// [`FieldValidation::Ignore`]; an error instead with [`FieldValidation::Strict`].
    pub warnings: Vec<FieldWarning>,
}

/// What to do with fields the schema does not have, as kubectl's `--validate`
/// (`strict`, `warn`, `ignore`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum FieldValidation {
    /// Ignore them, and report each in [`Loaded::warnings`] (kubectl's default).
    #[default]
    Warn,
    /// Reject the object: [`ManifestErrorKind::UnknownField`] at the first one (in the order
    /// of the object's keys, sorted).
    Strict,
    /// Ignore them silently.
    Ignore,
}

/// A field of a manifest that the object's schema does not have.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FieldWarning {
    /// 0-based index of the document in a `---` stream.
    pub document: usize,
    /// The field's path (`spec.behaviour`, `spec.metrics[0].resource.traget`).
    pub path: String,
}

impl fmt::Display for FieldWarning {
    /// kubectl's wording: `unknown field "spec.behaviour"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "document {}: unknown field {:?}",
            self.document, self.path
        )
    }
}

/// Whether an ignored field at `path` is one the schema has but tidescale does not model: any
/// field of `metadata` (only its name, namespace, labels and annotations are kept) and of
/// `status`, and a ScaledJob's Job template. Everything else is unknown to Kubernetes too.
fn modelled_elsewhere(path: &str) -> bool {
    let rest = path.strip_prefix("spec.").unwrap_or("");
    path.starts_with("metadata.")
        || path.starts_with("status.")
        || path.contains(".metadata.")
        || rest.starts_with("jobTargetRef")
}

fn path_text(p: &serde_ignored::Path<'_>) -> String {
    use serde_ignored::Path;
    match p {
        Path::Root => String::new(),
        Path::Seq { parent, index } => format!("{}[{index}]", path_text(parent)),
        Path::Map { parent, key } => {
            let head = path_text(parent);
            if head.is_empty() {
                key.clone()
            } else {
                format!("{head}.{key}")
            }
        }
        Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => path_text(parent),
    }
}

/// Splits YAML or JSON text into documents (JSON when the text starts with `{` or `[`; a
/// JSON array is a list of documents). Empty documents are dropped; the others keep their
/// index in the stream.
///
/// # Errors
/// Text over [`MAX_MANIFEST_BYTES`] or that does not parse.
pub fn documents(text: &str) -> Result<Vec<(usize, Value)>, ManifestError> {
    if text.len() > MAX_MANIFEST_BYTES {
        return Err(ManifestError::new(
            ManifestErrorKind::TooLarge,
            None,
            None,
            format!(
                "manifest is {} bytes, more than the {MAX_MANIFEST_BYTES} accepted",
                text.len()
            ),
        ));
    }
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    let docs: Vec<Value> = if trimmed.starts_with('{') || trimmed.starts_with('[') {
        // serde_json bounds nesting at 128 levels
        match serde_json::from_str(trimmed).map_err(|e| {
            ManifestError::new(
                ManifestErrorKind::InvalidJson,
                None,
                None,
                format!("invalid JSON: {e}"),
            )
        })? {
            Value::Array(items) => items,
            other => vec![other],
        }
    } else {
        // line numbers count from the start of `text`, before the leading blank lines
        let skipped = text.len() - trimmed.len();
        let offset = text.get(..skipped).map_or(0, |t| t.matches('\n').count()) as u64;
        serde_saphyr::from_multiple_with_options::<Value>(trimmed, yaml_options()).map_err(|e| {
            let plain = e.without_snippet().to_string();
            let plain = plain.trim().trim_start_matches("error: ");
            let loc = e.location().filter(|l| l.line() > 0);
            // one line: "invalid YAML at line 4, column 7: unclosed bracket '['"
            let (message, excerpt) = match loc {
                Some(l) => {
                    let (line, col) = (l.line() + offset, l.column());
                    let why = plain
                        .strip_suffix(&format!(" at line {}, column {col}", l.line()))
                        .unwrap_or(plain);
                    (
                        format!("invalid YAML at line {line}, column {col}: {why}"),
                        caret_excerpt(text, line, col),
                    )
                }
                None => (format!("invalid YAML: {plain}"), None),
            };
            let mut err = ManifestError::new(ManifestErrorKind::InvalidYaml, None, None, message);
            err.excerpt = excerpt;
            err
        })?
    };
    Ok(docs
        .into_iter()
        .enumerate()
        .filter(|(_, v)| !v.is_null())
        .collect())
}

/// Parsing budgets for untrusted YAML: nesting, nodes, events, aliases and anchors.
fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: 64,
            max_documents: 256,
            max_nodes: 200_000,
            max_events: 500_000,
            max_aliases: 1_000,
            max_anchors: 1_000,
            max_total_scalar_bytes: MAX_MANIFEST_BYTES,
        },
    }
}

fn str_at<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn name_of(v: &Value) -> Option<&str> {
    v.get("metadata").and_then(|m| str_at(m, "name"))
}

/// Picks the object of `kind` among `docs` (by `name` when there are several) and
/// deserializes it, reporting the field path of any error.
///
/// # Errors
/// No such object, several without a `name` to choose, an unsupported `apiVersion`, or a
/// field that does not deserialize.
pub fn pick<T: DeserializeOwned>(
    docs: Vec<(usize, Value)>,
    kind: &ObjectKind,
    name: Option<&str>,
) -> Result<Loaded<T>, ManifestError> {
    pick_with(docs, kind, name, FieldValidation::Warn)
}

/// [`pick`] with a choice of what unknown fields do.
///
/// ```
/// use tidescale::manifest::{FieldValidation, HPA, ManifestErrorKind, load_with};
/// let text = "kind: HorizontalPodAutoscaler\nspec:\n  maxReplicas: 4\n  behaviour: {}\n";
/// let l = load_with::<tidescale::hpa::HorizontalPodAutoscaler>(text, &HPA, None, FieldValidation::Warn).unwrap();
/// assert_eq!(l.warnings[0].to_string(), r#"document 0: unknown field "spec.behaviour""#);
/// let e = load_with::<tidescale::hpa::HorizontalPodAutoscaler>(text, &HPA, None, FieldValidation::Strict).unwrap_err();
/// assert_eq!((e.kind, e.path.as_deref()), (ManifestErrorKind::UnknownField, Some("spec.behaviour")));
/// ```
///
/// # Errors
/// As [`pick`]; with [`FieldValidation::Strict`], also the first unknown field.
pub fn pick_with<T: DeserializeOwned>(
    docs: Vec<(usize, Value)>,
    kind: &ObjectKind,
    name: Option<&str>,
    validation: FieldValidation,
) -> Result<Loaded<T>, ManifestError> {
    let want = kind.kind;
    let mut seen: Vec<String> = Vec::new();
    // (document, path prefix inside a List or a bare spec, value)
    let mut candidates: Vec<(usize, String, Value)> = Vec::new();
    let total = docs.len();
    for (i, doc) in docs {
        if !doc.is_object() {
            seen.push(match doc.as_str() {
                Some(text) => format!(
                    "document {i} is the text {text:?}, not a mapping: pass the manifest's \
                     contents, not a file name"
                ),
                None => format!("document {i} is not a mapping"),
            });
            continue;
        }
        match str_at(&doc, "kind") {
            Some("List") => {
                if let Some(Value::Array(items)) = doc.get("items") {
                    for (j, item) in items.iter().enumerate() {
                        match str_at(item, "kind") {
                            Some(k) if k == want => {
                                candidates.push((i, format!("items[{j}]."), item.clone()));
                            }
                            Some(k) => seen.push(k.to_owned()),
                            None => seen.push("(no kind)".to_owned()),
                        }
                    }
                }
            }
            Some(k) if k == want => candidates.push((i, String::new(), doc)),
            Some(k) => seen.push(k.to_owned()),
            None if doc.get("spec").is_some() && total == 1 => {
                candidates.push((i, String::new(), doc));
            }
            None if kind.bare_spec_key.is_some_and(|k| doc.get(k).is_some()) => {
                let mut obj = serde_json::Map::new();
                obj.insert("spec".to_owned(), doc);
                candidates.push((i, "spec.".to_owned(), Value::Object(obj)));
            }
            None => seen.push("(no kind)".to_owned()),
        }
    }
    if let Some(n) = name {
        candidates.retain(|(_, _, v)| name_of(v) == Some(n));
        if candidates.is_empty() {
            return Err(ManifestError::new(
                ManifestErrorKind::NotFound,
                None,
                None,
                format!("no {want} named {n:?} in the manifest"),
            ));
        }
    }
    if candidates.len() > 1 {
        let names: Vec<String> = candidates
            .iter()
            .map(|(i, _, v)| format!("{} (document {i})", name_of(v).unwrap_or("<unnamed>")))
            .collect();
        return Err(ManifestError::new(
            ManifestErrorKind::Ambiguous,
            None,
            None,
            format!(
                "{} {want} objects in the manifest: {}; choose one by name",
                candidates.len(),
                names.join(", ")
            ),
        ));
    }
    let Some((doc, prefix, value)) = candidates.pop() else {
        let found = if seen.is_empty() {
            "no documents".to_owned()
        } else {
            seen.join(", ")
        };
        return Err(ManifestError::new(
            ManifestErrorKind::NotFound,
            None,
            None,
            format!("no {want} in {total} document(s) (found: {found})"),
        ));
    };
    if let Some(v) = str_at(&value, "apiVersion")
        && !kind.api_versions.contains(&v)
    {
        return Err(ManifestError::new(
            ManifestErrorKind::UnsupportedApiVersion,
            Some(doc),
            Some(format!("{prefix}apiVersion")),
            format!(
                "{v} is not supported; write the {want} as {}",
                kind.api_versions.first().copied().unwrap_or("")
            ),
        ));
    }
    let mut unknown: Vec<String> = Vec::new();
    // (a bare spec was wrapped in `spec`, so its paths already start with it)
    let warn_prefix = if prefix == "spec." {
        ""
    } else {
        prefix.as_str()
    };
    let mut note = |p: serde_ignored::Path<'_>| {
        let path = format!("{warn_prefix}{}", path_text(&p));
        if !modelled_elsewhere(&path) {
            unknown.push(path);
        }
    };
    let ignored = serde_ignored::Deserializer::new(value, &mut note);
    let object: T = serde_path_to_error::deserialize(ignored).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." {
            prefix.trim_end_matches('.').to_owned()
        } else {
            format!("{prefix}{path}")
        };
        ManifestError::new(
            ManifestErrorKind::InvalidObject,
            Some(doc),
            (!path.is_empty()).then_some(path),
            e.into_inner().to_string(),
        )
    })?;
    let warnings = match validation {
        FieldValidation::Ignore => Vec::new(),
        FieldValidation::Warn => unknown
            .into_iter()
            .map(|path| FieldWarning {
                document: doc,
                path,
            })
            .collect(),
        FieldValidation::Strict => match unknown.into_iter().next() {
            Some(path) => {
                return Err(ManifestError::new(
                    ManifestErrorKind::UnknownField,
                    Some(doc),
                    Some(path),
                    "unknown field (strict field validation)",
                ));
            }
            None => Vec::new(),
        },
    };
    Ok(Loaded {
        object,
        document: doc,
        warnings,
    })
}

/// [`documents`] then [`pick`].
///
/// # Errors
/// As [`documents`] and [`pick`].
pub fn load<T: DeserializeOwned>(
    text: &str,
    kind: &ObjectKind,
    name: Option<&str>,
) -> Result<Loaded<T>, ManifestError> {
    pick(documents(text)?, kind, name)
}

/// [`load`] with a choice of what unknown fields do (see [`pick_with`]).
///
/// # Errors
/// As [`pick_with`].
pub fn load_with<T: DeserializeOwned>(
    text: &str,
    kind: &ObjectKind,
    name: Option<&str>,
    validation: FieldValidation,
) -> Result<Loaded<T>, ManifestError> {
    pick_with(documents(text)?, kind, name, validation)
}

/// Reads a `HorizontalPodAutoscaler` from JSON or YAML text.
///
/// # Errors
/// As [`load`], as [`crate::Error::Manifest`].
pub fn hpa_from_str(text: &str, name: Option<&str>) -> crate::Result<HorizontalPodAutoscaler> {
    Ok(load(text, &HPA, name)?.object)
}

/// Every `VerticalPodAutoscalerCheckpoint` in JSON or YAML text, in order: documents of a
/// `---` stream, the items of a `kind: List`, or the elements of a JSON array. Numbers are read
/// as the nearest double (`totalWeight` keeps its bits).
///
/// ```
/// let text = "kind: VerticalPodAutoscalerCheckpoint\nspec: {vpaObjectName: web, containerName: app}\n\
///             status: {version: v3, cpuHistogram: {bucketWeights: {'3': 10000}, totalWeight: 0.1}}\n";
/// let cps = tidescale::manifest::checkpoints_from_str(text).unwrap();
/// assert_eq!(cps[0].status.cpu_histogram.total_weight, 0.1);
/// ```
///
/// # Errors
/// As [`documents`]; a document or item that is not a checkpoint, or does not deserialize.
pub fn checkpoints_from_str(
    text: &str,
) -> Result<Vec<crate::vpa::VerticalPodAutoscalerCheckpoint>, ManifestError> {
    let mut out = Vec::new();
    for (i, doc) in documents(text)? {
        let items = match doc {
            Value::Object(mut o) if o.get("kind").and_then(Value::as_str) == Some("List") => {
                match o.remove("items") {
                    Some(Value::Array(items)) => items,
                    _ => Vec::new(),
                }
            }
            other => vec![other],
        };
        for item in items {
            out.push(pick(vec![(i, item)], &VPA_CHECKPOINT, None)?.object);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_list_bare_spec_and_errors() {
        let h = hpa_from_str(
            r#"{"kind":"HorizontalPodAutoscaler","spec":{"maxReplicas":3}}"#,
            None,
        )
        .unwrap();
        assert_eq!(h.spec.max_replicas, 3);
        let h = hpa_from_str("maxReplicas: 7\n", None).unwrap();
        assert_eq!(h.spec.max_replicas, 7);
        let list = r#"{"kind":"List","items":[{"kind":"Service"},
            {"kind":"HorizontalPodAutoscaler","spec":{"maxReplicas":"x"}}]}"#;
        let e = load::<HorizontalPodAutoscaler>(list, &HPA, None).unwrap_err();
        assert_eq!(e.path.as_deref(), Some("items[1].spec.maxReplicas"));
        let e = hpa_from_str(
            "kind: HorizontalPodAutoscaler\nspec: {minReplicas: 1}\n",
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("document 0") && e.contains("maxReplicas"), "{e}");
        let e = hpa_from_str("kind: Deployment\n", None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("no HorizontalPodAutoscaler") && e.contains("Deployment"),
            "{e}"
        );
        let e = hpa_from_str(
            "apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nspec: {maxReplicas: 2}\n",
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("autoscaling/v1 is not supported"), "{e}");
        assert!(hpa_from_str("a: [1, 2", None).is_err());
        let kind = |t: &str| {
            load::<HorizontalPodAutoscaler>(t, &HPA, None)
                .unwrap_err()
                .kind
        };
        assert_eq!(kind("{\"spec\": "), ManifestErrorKind::InvalidJson);
        assert_eq!(kind("spec: [unclosed"), ManifestErrorKind::InvalidYaml);
        assert_eq!(kind("kind: Deployment\n"), ManifestErrorKind::NotFound);
        assert_eq!(kind("[]"), ManifestErrorKind::NotFound);
        assert_eq!(kind("42"), ManifestErrorKind::NotFound);
        assert_eq!(kind("{\"spec\": {}}"), ManifestErrorKind::InvalidObject);
        let deep = format!("spec: {}1{}", "[".repeat(100), "]".repeat(100));
        assert_eq!(kind(&deep), ManifestErrorKind::InvalidYaml);
        let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        assert_eq!(kind(&deep), ManifestErrorKind::InvalidJson);
        assert!(hpa_from_str("{\"kind\": ", None).is_err());
        let two = "kind: HorizontalPodAutoscaler\nmetadata: {name: a}\nspec: {maxReplicas: 1}\n---\nkind: HorizontalPodAutoscaler\nmetadata: {name: b}\nspec: {maxReplicas: 2}\n";
        assert!(
            hpa_from_str(two, None)
                .unwrap_err()
                .to_string()
                .contains("choose one by name")
        );
        assert_eq!(hpa_from_str(two, Some("b")).unwrap().spec.max_replicas, 2);
        let e = hpa_from_str(
            "kind: HorizontalPodAutoscaler\nspec:\n  maxReplicas: 3\n  metrics:\n  - type: Resource\n    resource:\n      name: cpu\n      target: {type: Percentage}\n",
            None,
        )
        .unwrap_err();
        assert!(e.to_string().contains("Percentage"), "{e}");
    }
}
