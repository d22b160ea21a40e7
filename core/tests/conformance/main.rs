//! The conformance runner: executes every upstream-derived vector in `tests/conformance/*.json`
//! and every file named in `TIDESCALE_VECTORS` (absolute paths separated by `:`).
//!
//! Prints one line per failure, skipped or disputed vector, then `N passed, M failed`
//! (with `, K skipped` when a kind is not implemented). Exits non-zero when anything failed.
//!
//! Each family lives in its own module; `run` returns `None` for kinds it does not know.

#![allow(unreachable_pub)]

mod hpa;
mod keda;
mod prom;
mod util;
mod vpa;

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use serde_json::Value;

/// `Ok(())` on a match, `Err(description of the difference)` otherwise.
pub type Outcome = Result<(), String>;

fn dispatch(kind: &str, input: &Value, expect: &Value, vector: &Value) -> Option<Outcome> {
    hpa::run(kind, input, expect)
        .or_else(|| vpa::run(kind, input, expect))
        .or_else(|| keda::run(kind, input, expect))
        // prom.json keeps eval_time_s, range_s, offset_s, window and q beside `input`.
        .or_else(|| prom::run(kind, &prom::with_vector_fields(input, vector), expect))
}

fn vector_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/conformance");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    if let Ok(extra) = std::env::var("TIDESCALE_VECTORS") {
        files.extend(
            extra
                .split(':')
                .filter(|s| !s.is_empty())
                .map(PathBuf::from),
        );
    }
    files
}

fn disputed() -> BTreeMap<String, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/conformance/disputed.txt");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| match l.split_once(char::is_whitespace) {
            Some((id, why)) => (id.to_owned(), why.trim().to_owned()),
            None => (l.to_owned(), String::new()),
        })
        .collect()
}

fn vectors_of(doc: Value) -> Vec<Value> {
    match doc {
        Value::Array(v) => v,
        Value::Object(mut m) => match m.remove("vectors").or_else(|| m.remove("cases")) {
            Some(Value::Array(v)) => v,
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

fn main() {
    util::tolerance_self_check();
    let disputed = disputed();
    let (mut passed, mut failed, mut skipped, mut n_disputed) = (0usize, 0usize, 0usize, 0usize);
    let mut skipped_kinds: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let quiet_panics = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    for file in vector_files() {
        let text = match std::fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) => {
                println!("FAIL {}: cannot read: {e}", file.display());
                failed += 1;
                continue;
            }
        };
        let doc: Value = match serde_json::from_str(&text) {
            Ok(d) => d,
            Err(e) => {
                println!("FAIL {}: not JSON: {e}", file.display());
                failed += 1;
                continue;
            }
        };
        for v in vectors_of(doc) {
            let id = v
                .get("id")
                .or_else(|| v.get("name"))
                .and_then(Value::as_str)
                .unwrap_or("<no id>")
                .to_owned();
            let kind = v.get("kind").and_then(Value::as_str).unwrap_or("");
            let mut input = v.get("input").cloned().unwrap_or(Value::Null);
            // Families that depend on the vector's variant read it from the input.
            if let (Some(variant), Some(obj)) = (v.get("variant"), input.as_object_mut()) {
                obj.insert("__variant".to_owned(), variant.clone());
            }
            let expect = v.get("expect").cloned().unwrap_or(Value::Null);
            let result = catch_unwind(AssertUnwindSafe(|| dispatch(kind, &input, &expect, &v)))
                .unwrap_or_else(|p| {
                    let msg = p
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                        .unwrap_or_default();
                    Some(Err(format!("panicked: {msg}")))
                });
            match (result, disputed.get(&id)) {
                (None, _) => {
                    skipped += 1;
                    skipped_kinds.entry(kind.to_owned()).or_default().push(id);
                }
                (Some(r), Some(why)) => {
                    n_disputed += 1;
                    let got = match r {
                        Ok(()) => "matches upstream".to_owned(),
                        Err(e) => e,
                    };
                    println!("DISPUTED {id} ({kind}): {why} [{got}]");
                }
                (Some(Ok(())), None) => passed += 1,
                (Some(Err(e)), None) => {
                    failed += 1;
                    println!("FAIL {id} ({kind}): {e}");
                }
            }
        }
    }
    std::panic::set_hook(quiet_panics);
    for (kind, ids) in &skipped_kinds {
        println!("SKIPPED kind {kind} (not implemented): {}", ids.join(", "));
    }
    let mut line = format!("conformance: {passed} passed, {failed} failed");
    if skipped > 0 {
        line.push_str(&format!(", {skipped} skipped"));
    }
    if n_disputed > 0 {
        println!("{n_disputed} disputed (not counted as passed)");
    }
    println!("{line}");
    if failed > 0 {
        std::process::exit(1);
    }
}
