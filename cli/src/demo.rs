//! `tidescale demo`: the bundled example HPA at a few load levels.

use std::fmt::Write as _;

use tidescale::Timestamp;
use tidescale::hpa::Settings;

use crate::manifest::load_hpa;
use crate::output::columns;
use crate::report::headline;
use crate::whatif::{self, Level, WhatIf, default_requests};

/// `examples/manifests/01-basic-cpu-based-hpa.yaml`, bundled.
pub(crate) const MANIFEST: &str =
    include_str!("../../examples/manifests/01-basic-cpu-based-hpa.yaml");

/// (replicas, CPU percent of request) for each row.
const LEVELS: [(i32, f64); 7] = [
    (3, 35.0),
    (3, 70.0),
    (3, 140.0),
    (10, 300.0),
    (10, 75.0),
    (95, 140.0),
    (20, 10.0),
];

/// Runs the demo and returns the text to print.
pub(crate) fn run() -> Result<String, String> {
    let loaded = load_hpa(MANIFEST, None).map_err(|e| format!("bundled manifest: {e}"))?;
    let hpa = loaded.hpa;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "HPA {} (examples/manifests/01-basic-cpu-based-hpa.yaml): CPU target 70% of request, {}..{} replicas",
        hpa.metadata.name.as_deref().unwrap_or("?"),
        hpa.spec.min_replicas.unwrap_or(1),
        hpa.spec.max_replicas
    );
    let _ = writeln!(
        out,
        "Each row: a fresh controller, N pods each using the given share of its CPU request.\n"
    );
    let mut rows = vec![vec![
        "REPLICAS".to_owned(),
        "CPU".to_owned(),
        "PROPOSED".to_owned(),
        "DESIRED".to_owned(),
        "DECISION".to_owned(),
        "WHY".to_owned(),
    ]];
    for (replicas, cpu) in LEVELS {
        let w = WhatIf {
            replicas,
            levels: vec![("cpu".to_owned(), Level::Percent(cpu))],
            requests: default_requests(),
            history: None,
            now: Some(Timestamp(0)),
        };
        let d = whatif::run(hpa.clone(), Settings::default(), &w).map_err(|e| e.0)?;
        let why = if let Some(r) = d.limited_by {
            format!("limited: {}", r.as_str())
        } else if d.proposed_replicas != d.stabilized_replicas {
            "held by the 300 s scale-down stabilization window".to_owned()
        } else if d.proposed_replicas == Some(d.current_replicas) {
            "within tolerance (10%) of the target".to_owned()
        } else {
            d.rescale_reason.to_string()
        };
        rows.push(vec![
            replicas.to_string(),
            format!("{cpu}%"),
            d.proposed_replicas
                .map_or_else(|| "-".to_owned(), |p| p.to_string()),
            d.desired_replicas.to_string(),
            headline(&d),
            why,
        ]);
    }
    out.push_str(&columns(&rows));
    out.push_str(
        "\nTry one yourself:\n  cargo run -q -p tidescale-cli -- hpa what-if examples/manifests/01-basic-cpu-based-hpa.yaml --replicas 3 --set cpu=140%\n",
    );
    Ok(out)
}
