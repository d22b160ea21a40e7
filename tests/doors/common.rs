//! Shared by the cross-door tests (`core/tests/doors.rs`, `ffi/tests/doors.rs`,
//! `cli/tests/doors.rs`): the cases of `tests/doors/hpa_what_if.json` and the summary of a
//! decision document that every door is compared on.
#![allow(dead_code)]

use std::path::PathBuf;

use serde_json::{Map, Value, json};

/// The cases file.
pub(crate) fn path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/doors/hpa_what_if.json")
}

/// The whole cases document.
pub(crate) fn load() -> Value {
    let text = std::fs::read_to_string(path()).expect("tests/doors/hpa_what_if.json");
    serde_json::from_str(&text).expect("valid JSON")
}

/// One case.
pub(crate) struct Case<'a> {
    pub(crate) name: &'a str,
    pub(crate) manifest: &'a Value,
    pub(crate) replicas: i32,
    /// `(metric, level text)`.
    pub(crate) set: Vec<(&'a str, &'a str)>,
    pub(crate) expected: &'a Value,
}

/// The cases of `doc`.
pub(crate) fn cases(doc: &Value) -> Vec<Case<'_>> {
    doc["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| Case {
            name: c["name"].as_str().expect("name"),
            manifest: &c["manifest"],
            replicas: i32::try_from(c["replicas"].as_i64().expect("replicas")).expect("i32"),
            set: c["set"]
                .as_object()
                .expect("set")
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str().expect("level text")))
                .collect(),
            expected: &c["expected"],
        })
        .collect()
}

/// The fields every door is compared on, from a decision document (`Decision::to_json`, the
/// CLI's `-o json`, Python's `to_dict()`).
pub(crate) fn summary(doc: &Value) -> Value {
    let mut conditions = Map::new();
    for c in doc["conditions"].as_array().into_iter().flatten() {
        conditions.insert(
            c["type"].as_str().unwrap_or("?").to_owned(),
            json!([c["status"], c["reason"]]),
        );
    }
    let metrics: Vec<Value> = doc["metrics"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            json!({
                "name": m["name"],
                "replicas": m.get("replicas").cloned().unwrap_or(Value::Null),
                "ratio": m.get("ratio").cloned().unwrap_or(Value::Null),
                "error": m["error"]["reason"],
            })
        })
        .collect();
    let chosen = doc["metrics"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|m| m["chosen"] == json!(true))
        .map_or(Value::Null, |m| m["name"].clone());
    json!({
        "currentReplicas": doc["currentReplicas"],
        "desiredReplicas": doc["desiredReplicas"],
        "proposedReplicas": doc["proposedReplicas"],
        "stabilizedReplicas": doc["stabilizedReplicas"],
        "rescale": doc["rescale"],
        "limitedBy": doc["limitedBy"],
        "conditions": conditions,
        "chosenMetric": chosen,
        "metrics": metrics,
        "notGivenMetrics": doc["notGivenMetrics"],
    })
}

/// Field-by-field comparison: every differing field named, with both values.
pub(crate) fn diff(door: &str, case: &str, got: &Value, want: &Value) -> Vec<String> {
    let (Some(g), Some(w)) = (got.as_object(), want.as_object()) else {
        return vec![format!("{door} {case:?}: not an object")];
    };
    let mut out = Vec::new();
    for (k, wv) in w {
        if let Some(gv) = g.get(k)
            && gv != wv
        {
            out.push(format!("{door} {case:?}: {k}: got {gv}, want {wv}"));
        }
    }
    for k in g.keys() {
        if !w.contains_key(k) {
            out.push(format!("{door} {case:?}: {k}: not in the expected answer"));
        }
    }
    out
}
