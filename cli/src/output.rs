//! Printing a decision: a table for people, JSON or YAML for programs.

use std::fmt::Write as _;
use std::io::IsTerminal as _;

use unicode_width::{UnicodeWidthChar as _, UnicodeWidthStr as _};

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

/// Pads columns to their widest cell (two spaces apart). When stdout is a terminal, the last
/// column wraps to its width; piped output is never wrapped, so scripts see one row a line.
pub(crate) fn columns(rows: &[Vec<String>]) -> String {
    columns_within(rows, terminal_width())
}

/// The terminal's width in columns, when stdout is one.
fn terminal_width() -> Option<usize> {
    if !std::io::stdout().is_terminal() {
        return None;
    }
    terminal_size::terminal_size().map(|(w, _)| usize::from(w.0))
}

/// Columns narrower than this are not worth wrapping into: the last cell overflows instead.
const MIN_WRAP: usize = 20;

/// [`columns`] for a given terminal width (`None`: no limit). Widths are display widths
/// (a CJK character takes two columns); any cell length works (no `format!` width, which is
/// limited to 65,535).
pub(crate) fn columns_within(rows: &[Vec<String>], terminal: Option<usize>) -> String {
    let n = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..n)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.width())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (i, cell) in r.iter().enumerate() {
            if i + 1 < r.len() {
                line.push_str(cell);
                let w = widths.get(i).copied().unwrap_or(0);
                pad(&mut line, w.saturating_sub(cell.width()) + 2);
                continue;
            }
            let start = line.width();
            match terminal {
                Some(t) if t >= start + MIN_WRAP && start + cell.width() > t => {
                    for (k, piece) in wrap(cell, t - start).iter().enumerate() {
                        if k > 0 {
                            out.push_str(line.trim_end());
                            out.push('\n');
                            line.clear();
                            pad(&mut line, start);
                        }
                        line.push_str(piece);
                    }
                }
                _ => line.push_str(cell),
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn pad(line: &mut String, n: usize) {
    line.extend(std::iter::repeat_n(' ', n));
}

/// Splits `text` into lines of at most `max` display columns, at spaces where it can (a word
/// longer than a line is cut).
fn wrap(text: &str, max: usize) -> Vec<String> {
    let max = max.max(1);
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in text.split(' ') {
        let sep = usize::from(!cur.is_empty());
        if cur.width() + sep + word.width() <= max {
            if sep == 1 {
                cur.push(' ');
            }
            cur.push_str(word);
            continue;
        }
        if !cur.is_empty() {
            lines.push(std::mem::take(&mut cur));
        }
        for c in word.chars() {
            if cur.width() + c.width().unwrap_or(0) > max && !cur.is_empty() {
                lines.push(std::mem::take(&mut cur));
            }
            cur.push(c);
        }
    }
    lines.push(cur);
    lines
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| (*c).to_owned()).collect()
    }

    #[test]
    fn a_cell_wider_than_a_format_width_is_printed_whole() {
        // `format!("{cell:<w$}")` panics for w > 65,535; the printer must not.
        let long = "x".repeat(70_000);
        let rows = [
            row(&["NAME", "MESSAGE"]),
            row(&[&long, "ok"]),
            row(&["a", &long]),
        ];
        let out = columns_within(&rows, None);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0].len(), 70_000 + 2 + "MESSAGE".len());
        assert_eq!(lines[1], format!("{long}  ok"));
        assert!(lines[2].starts_with("a  ") && lines[2].ends_with(&long));
        // and wrapped to a terminal: the long cell is cut, never lost
        let out = columns_within(&[row(&["a", &long])], Some(80));
        assert_eq!(out.lines().count(), 70_000_usize.div_ceil(77));
        assert_eq!(out.chars().filter(|c| *c == 'x').count(), 70_000);
    }

    #[test]
    fn columns_pad_by_display_width() {
        let rows = [row(&["名前", "X"]), row(&["abcde", "Y"])];
        assert_eq!(columns_within(&rows, None), "名前   X\nabcde  Y\n");
    }

    #[test]
    fn the_last_column_wraps_to_the_terminal_at_spaces() {
        let rows = [
            row(&["TYPE", "MESSAGE"]),
            row(&[
                "AbleToScale",
                "recommended size matches current size and the window holds it",
            ]),
        ];
        assert_eq!(
            columns_within(&rows, Some(40)),
            "TYPE         MESSAGE\n\
             AbleToScale  recommended size matches\n\
             \x20            current size and the window\n\
             \x20            holds it\n"
        );
        // unlimited, or too narrow to be worth it: one line
        let one = "AbleToScale  recommended size matches current size and the window holds it\n";
        assert!(columns_within(&rows, None).ends_with(one));
        assert!(columns_within(&rows, Some(25)).ends_with(one));
    }
}
