//! The conformance runner: executes every upstream-derived vector in `tests/conformance/*.json`
//! and every file named in `TIDESCALE_VECTORS` (absolute paths separated by `:`).
//!
//! Prints one line per failure, skipped or disputed vector, then `N passed, M failed`
//! (with `, K skipped` when a kind is not implemented). Exits non-zero when anything failed.
//!
//! Each family lives in its own module; `run` returns `None` for kinds it does not know.
//!
//! It cannot pass by accident:
//! * the vendored folder must be readable and at least one vector must run;
//! * every kind belongs to a family of [`FAMILIES`] (the kinds the specs name). A kind of a
//!   family that is not built yet (cluster autoscaler, Karpenter, serving) is skipped and
//!   listed by name; a kind that no family names is a failure;
//! * a kind of a built family that its module does not run is a skip too, and with
//!   `TIDESCALE_STRICT=1` (CI) a failure;
//! * a disputed vector that now matches upstream is a failure, so that its entry is removed.
//!
//! Before the vectors, [`self_check`] feeds the runner an unknown kind, a skip inside a built
//! family, a resolved dispute and an empty run, and exits non-zero unless each one fails.

#![allow(unreachable_pub)]

mod hpa;
mod keda;
mod prom;
mod serving;
mod util;
mod vpa;

use std::collections::{BTreeMap, BTreeSet};
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
        .or_else(|| serving::run(kind, input, expect, vector))
}

/// A family of vector kinds, as the specs in `shared/spec` name them.
struct Family {
    name: &'static str,
    /// Whether tidescale implements this capability (its module in `dispatch` runs its kinds).
    built: bool,
    kinds: &'static [&'static str],
}

/// Every kind the specs define, by family.
const FAMILIES: &[Family] = &[
    Family {
        name: "hpa",
        built: true,
        kinds: &[
            "replica_calc",
            "group_pods",
            "pod_requests",
            "scale_rules",
            "scale_limit",
            "stabilize",
            "legacy_stabilize",
            "legacy_convert",
            "store_events",
            "behavior_defaults",
            "validate_behavior",
            "reconcile",
        ],
    },
    Family {
        name: "vpa",
        built: true,
        kinds: &[
            "histogram_options",
            "histogram",
            "decaying_histogram",
            "container_state",
            "aggregate_state",
            "aggregate_policy",
            "estimator",
            "pod_recommender",
            "resource_amount",
            "policy_capping",
            "capping",
            "pod_limit_range",
            "limit_proportional",
            "admission_resources",
            "container_resources",
            "update_priority",
            "priority_less",
            "update_decision",
            "has_lower_resource",
            "eviction",
            "eviction_requirements",
            "limitrange_merge",
            "integer_cpu",
        ],
    },
    Family {
        name: "keda",
        built: true,
        kinds: &[
            "scaledjob_strategy",
            "scaledjob_decision",
            "scaledjob_multi_scaler",
            "scaledjob_target_average",
            "fallback",
            "scaling_modifiers",
            "activation",
            "sqs_length",
            "kafka_lag",
            "kafka_even_distribution",
            "kafka_config",
            "prometheus_query",
            "prometheus_config",
            "cron_config",
            "cron_metric_name",
            "cron_activity",
        ],
    },
    Family {
        name: "prometheus",
        built: true,
        kinds: &[
            "rate",
            "increase",
            "irate",
            "delta",
            "idelta",
            "histogram_quantile",
        ],
    },
    Family {
        name: "cluster autoscaler",
        built: false,
        kinds: &[
            "expander_leastwaste",
            "expander_mostpods",
            "expander_leastnodes",
            "expander_chain",
            "expander_price",
            "expander_price_preferred",
            "expander_priority",
            "binpacking",
            "binpacking_limit",
            "scaledown_utilization",
            "scaledown_eligibility",
            "scaledown_minsize",
            "expendable_pod",
            "balance_scaleup",
            "resource_limits",
        ],
    },
    Family {
        name: "karpenter",
        built: false,
        kinds: &[
            "karpenter_budget",
            "karpenter_budget_active",
            "karpenter_spot_to_spot",
        ],
    },
    Family {
        name: "serving",
        built: true,
        kinds: &[
            "kpa_scale",
            "ray_serve_policy",
            "erlang_c",
            "kv_cache_bytes",
            "wva_queue",
        ],
    },
];

fn family_of(kind: &str) -> Option<&'static Family> {
    FAMILIES.iter().find(|f| f.kinds.contains(&kind))
}

/// The vendored vector files, or why the folder cannot be read.
fn vendored_files() -> Result<Vec<PathBuf>, String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/conformance");
    let rd = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut files = Vec::new();
    for entry in rd {
        let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
        if path.extension().is_some_and(|x| x == "json") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn extra_files() -> Vec<PathBuf> {
    std::env::var("TIDESCALE_VECTORS")
        .map(|extra| {
            extra
                .split(':')
                .filter(|s| !s.is_empty())
                .map(PathBuf::from)
                .collect()
        })
        .unwrap_or_default()
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

/// What a run found. `lines` are the report lines, in order.
#[derive(Default)]
struct Tally {
    passed: usize,
    failed: usize,
    /// Skipped kinds of built families (a failure under `TIDESCALE_STRICT=1`).
    skipped_built: BTreeMap<String, Vec<String>>,
    /// Skipped kinds of families not built yet, by family, then kind.
    skipped_unbuilt: BTreeMap<&'static str, BTreeMap<String, Vec<String>>>,
    disputed: usize,
    disputes_seen: BTreeSet<String>,
    lines: Vec<String>,
}

impl Tally {
    fn fail(&mut self, line: String) {
        self.failed += 1;
        self.lines.push(format!("FAIL {line}"));
    }

    fn skipped(&self) -> usize {
        let unbuilt: usize = self
            .skipped_unbuilt
            .values()
            .flat_map(|k| k.values())
            .map(Vec::len)
            .sum();
        unbuilt + self.skipped_built.values().map(Vec::len).sum::<usize>()
    }

    fn run_doc(&mut self, doc: Value, disputed: &BTreeMap<String, String>) {
        for v in vectors_of(doc) {
            self.run_vector(&v, disputed);
        }
    }

    fn run_vector(&mut self, v: &Value, disputed: &BTreeMap<String, String>) {
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
        let result = catch_unwind(AssertUnwindSafe(|| dispatch(kind, &input, &expect, v)))
            .unwrap_or_else(|p| {
                let msg = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default();
                Some(Err(format!("panicked: {msg}")))
            });
        self.record(id, kind, result, disputed);
    }

    /// Counts one vector's outcome (`None`: no module ran its kind).
    fn record(
        &mut self,
        id: String,
        kind: &str,
        result: Option<Outcome>,
        disputed: &BTreeMap<String, String>,
    ) {
        let family = family_of(kind);
        let Some(result) = result else {
            match family {
                None => self.fail(format!("{id}: unknown kind {kind:?} (no family names it)")),
                Some(f) if f.built => {
                    self.skipped_built
                        .entry(kind.to_owned())
                        .or_default()
                        .push(id);
                }
                Some(f) => {
                    let kinds = self.skipped_unbuilt.entry(f.name).or_default();
                    kinds.entry(kind.to_owned()).or_default().push(id);
                }
            }
            return;
        };
        if !family.is_some_and(|f| f.built) {
            self.fail(format!(
                "{id}: kind {kind:?} ran but FAMILIES does not list it as built"
            ));
            return;
        }
        match (result, disputed.get(&id)) {
            (Ok(()), Some(why)) => {
                self.disputes_seen.insert(id.clone());
                self.fail(format!(
                    "{id} ({kind}): disputed ({why}) but now matches upstream; remove its \
                     entry from tests/conformance/disputed.txt"
                ));
            }
            (Err(e), Some(why)) => {
                self.disputes_seen.insert(id.clone());
                self.disputed += 1;
                self.lines
                    .push(format!("DISPUTED {id} ({kind}): {why} [{e}]"));
            }
            (Ok(()), None) => self.passed += 1,
            (Err(e), None) => self.fail(format!("{id} ({kind}): {e}")),
        }
    }

    /// Prints the report; returns whether the run succeeded.
    fn report(&self, strict: bool) -> bool {
        for l in &self.lines {
            println!("{l}");
        }
        for (family, kinds) in &self.skipped_unbuilt {
            for (kind, ids) in kinds {
                println!(
                    "SKIPPED kind {kind} (family {family}: not built yet): {}",
                    ids.join(", ")
                );
            }
        }
        for (kind, ids) in &self.skipped_built {
            let verdict = if strict {
                "FAIL (TIDESCALE_STRICT)"
            } else {
                "SKIPPED"
            };
            println!(
                "{verdict} kind {kind} (its family is built, its kind is not run): {}",
                ids.join(", ")
            );
        }
        if self.disputed > 0 {
            println!("{} disputed (not counted as passed)", self.disputed);
        }
        let ran = self.passed + self.failed + self.disputed;
        if ran == 0 {
            println!("FAIL no vector ran");
        }
        let mut line = format!(
            "conformance: {} passed, {} failed",
            self.passed, self.failed
        );
        let skipped = self.skipped();
        if skipped > 0 {
            line.push_str(&format!(", {skipped} skipped"));
        }
        println!("{line}");
        self.succeeded(strict)
    }

    /// Whether the run passes: nothing failed, something ran, and (strict) no skip within a
    /// built family.
    fn succeeded(&self, strict: bool) -> bool {
        let ran = self.passed + self.failed + self.disputed;
        self.failed == 0 && ran > 0 && (!strict || self.skipped_built.is_empty())
    }
}

/// Feeds the runner the cases it must reject; `Err` names one it let through.
fn self_check() -> Result<(), String> {
    let none = BTreeMap::new();
    let mut t = Tally::default();
    t.run_vector(
        &serde_json::json!({"id": "self-unknown", "kind": "no_such_kind"}),
        &none,
    );
    if t.failed != 1 {
        return Err("an unknown kind did not fail".into());
    }
    let mut t = Tally::default();
    t.run_vector(
        &serde_json::json!({"id": "self-ca", "kind": "binpacking"}),
        &none,
    );
    if t.failed != 0 || t.skipped_unbuilt.is_empty() {
        return Err("a kind of a family not built yet was not skipped by family".into());
    }
    if t.succeeded(false) {
        return Err("a run in which no vector ran passed".into());
    }
    let disputed: BTreeMap<String, String> = [("self-rate".to_owned(), "test".to_owned())].into();
    let mut t = Tally::default();
    t.record("self-rate".into(), "rate", Some(Ok(())), &disputed);
    if t.failed != 1 {
        return Err("a disputed vector that matches upstream did not fail".into());
    }
    let mut t = Tally::default();
    t.record(
        "self-rate".into(),
        "rate",
        Some(Err("differs".into())),
        &disputed,
    );
    t.record("self-ok".into(), "rate", Some(Ok(())), &none);
    t.record("self-skip".into(), "rate", None, &none);
    if (t.passed, t.disputed, t.failed) != (1, 1, 0) || !t.succeeded(false) {
        return Err("a disputed or skipped vector was miscounted".into());
    }
    if t.succeeded(true) {
        return Err("TIDESCALE_STRICT=1 did not fail on a skip within a built family".into());
    }
    Ok(())
}

fn main() {
    util::tolerance_self_check();
    let strict = std::env::var("TIDESCALE_STRICT").is_ok_and(|v| v == "1");
    let quiet_panics = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    if let Err(e) = self_check() {
        std::panic::set_hook(quiet_panics);
        println!("FAIL runner self-check: {e}");
        std::process::exit(1);
    }
    let disputed = disputed();
    let mut tally = Tally::default();
    let mut files = match vendored_files() {
        Ok(f) => f,
        Err(e) => {
            tally.fail(format!("cannot read the vendored vectors: {e}"));
            Vec::new()
        }
    };
    files.extend(extra_files());
    for file in files {
        let text = match std::fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) => {
                tally.fail(format!("{}: cannot read: {e}", file.display()));
                continue;
            }
        };
        match serde_json::from_str(&text) {
            Ok(doc) => tally.run_doc(doc, &disputed),
            Err(e) => tally.fail(format!("{}: not JSON: {e}", file.display())),
        }
    }
    std::panic::set_hook(quiet_panics);
    for id in disputed
        .keys()
        .filter(|id| !tally.disputes_seen.contains(*id))
    {
        println!("NOTE disputed.txt names {id}, which no vector of this run has");
    }
    if !tally.report(strict) {
        std::process::exit(1);
    }
}
