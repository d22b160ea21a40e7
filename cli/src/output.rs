//! Printing a decision: a table for people, JSON or YAML for programs.

use std::fmt::Write as _;

use serde_json::Value;
use tidescale::hpa::{Decision, HorizontalPodAutoscaler};

use crate::whatif::target_text;

/// `-o` formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Table,
    Json,
    Yaml,
}

/// The JSON document: the decision plus the HPA's identity.
pub(crate) fn document(hpa: &HorizontalPodAutoscaler, d: &Decision) -> Value {
    let mut v = d.to_json();
    if let Value::Object(map) = &mut v {
        map.insert(
            "hpa".to_owned(),
            serde_json::json!({
                "name": hpa.metadata.name,
                "namespace": hpa.metadata.namespace,
                "minReplicas": hpa.spec.min_replicas.unwrap_or(1),
                "maxReplicas": hpa.spec.max_replicas,
            }),
        );
    }
    v
}

/// Renders `d` in `format`.
pub(crate) fn render(
    format: Format,
    hpa: &HorizontalPodAutoscaler,
    d: &Decision,
) -> Result<String, String> {
    match format {
        Format::Json => serde_json::to_string_pretty(&document(hpa, d))
            .map(|s| s + "\n")
            .map_err(|e| e.to_string()),
        Format::Yaml => serde_saphyr::to_string(&document(hpa, d)).map_err(|e| e.to_string()),
        Format::Table => Ok(table(hpa, d)),
    }
}

/// Pads columns to their widest cell.
pub(crate) fn columns(rows: &[Vec<String>]) -> String {
    let n = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..n)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (i, cell) in r.iter().enumerate() {
            let w = widths.get(i).copied().unwrap_or(0);
            if i + 1 == r.len() {
                line.push_str(cell);
            } else {
                let _ = write!(line, "{cell:<w$}  ");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

pub(crate) fn table(hpa: &HorizontalPodAutoscaler, d: &Decision) -> String {
    let mut out = String::new();
    let name = hpa.metadata.name.as_deref().unwrap_or("(unnamed)");
    let target = &hpa.spec.scale_target_ref;
    let _ = writeln!(
        out,
        "HPA {name} -> {}/{}  (replicas {}..{})",
        if target.kind.is_empty() {
            "?"
        } else {
            &target.kind
        },
        if target.name.is_empty() {
            "?"
        } else {
            &target.name
        },
        hpa.spec.min_replicas.unwrap_or(1),
        hpa.spec.max_replicas
    );
    let _ = writeln!(out, "decision: {}", d.headline());
    let mut rows = vec![vec![
        "METRIC".to_owned(),
        "TYPE".to_owned(),
        "TARGET".to_owned(),
        "CURRENT".to_owned(),
        "RATIO".to_owned(),
        "PROPOSES".to_owned(),
    ]];
    for (i, m) in d.metrics.iter().enumerate() {
        let spec = hpa.spec.metrics.get(i);
        let target = spec.map_or_else(|| "-".to_owned(), target_text);
        let row = match &m.result {
            Ok(p) => vec![
                m.name.to_string(),
                m.source.as_str().to_owned(),
                target,
                p.utilization.map_or_else(
                    || {
                        // in the unit the manifest's target is written in (83.334, not 83334m)
                        let v = tidescale::Quantity::from_milli(p.value_milli);
                        match spec.and_then(|s| s.target()) {
                            Some(t) => match t.average_value.or(t.value) {
                                Some(like) => v.display_like(&like),
                                None => v.to_string(),
                            },
                            None => v.to_string(),
                        }
                    },
                    |u| format!("{u}%"),
                ),
                format!("{:.3}", p.ratio),
                format!(
                    "{}{}",
                    p.replicas,
                    if Some(i) == d.chosen_metric { " *" } else { "" }
                ),
            ],
            Err(e) => vec![
                m.name.to_string(),
                m.source.as_str().to_owned(),
                target,
                "<unavailable>".to_owned(),
                "-".to_owned(),
                e.reason.as_str().to_owned(),
            ],
        };
        rows.push(row);
    }
    if d.metrics.is_empty() {
        out.push_str("metrics: not evaluated\n");
    } else {
        out.push('\n');
        out.push_str(&columns(&rows));
    }
    out.push('\n');
    let mut crow = vec![vec![
        "CONDITION".to_owned(),
        "STATUS".to_owned(),
        "REASON".to_owned(),
        "MESSAGE".to_owned(),
    ]];
    for c in &d.conditions {
        crow.push(vec![
            c.type_.as_str().to_owned(),
            c.status.as_str().to_owned(),
            c.reason.as_str().to_owned(),
            c.message.to_string(),
        ]);
    }
    out.push_str(&columns(&crow));
    let rs = d.reasons();
    if !rs.is_empty() {
        out.push_str("\nwhy:\n");
        for r in rs {
            let _ = writeln!(out, "  - {r}");
        }
    }
    out
}
