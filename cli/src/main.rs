//! `tidescale`: what would this autoscaler do?
//!
//! All the IO of the project lives here (files, stdin, printing); the decisions come from the
//! no-IO core.
#![forbid(unsafe_code)]
#![warn(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod demo;
mod manifest;
mod output;
mod report;
mod whatif;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::Read;
use std::process::ExitCode;

use lexopt::prelude::*;
use tidescale::hpa::{History, Settings};
use tidescale::{Quantity, Timestamp};

use crate::output::Format;
use crate::whatif::{WhatIf, parse_level};

const USAGE: &str = "\
tidescale: Kubernetes-exact autoscaling decisions

USAGE:
    tidescale demo                      the bundled example HPA at a few load levels
    tidescale hpa what-if MANIFEST --replicas N --set METRIC=VALUE ... [OPTIONS]
    tidescale --version | --help

Run `tidescale hpa what-if --help` for the what-if options.";

const WHAT_IF_HELP: &str = "\
tidescale hpa what-if: what would this HPA do if its metrics were at these levels?

USAGE:
    tidescale hpa what-if MANIFEST --replicas N --set METRIC=VALUE ... [OPTIONS]
    tidescale hpa what-if -f MANIFEST ...      (MANIFEST `-` reads stdin)

ARGUMENTS:
    MANIFEST                 YAML or JSON file; several documents (---) and `kind: List` are
                             accepted, the HorizontalPodAutoscaler is picked
OPTIONS:
    -f, --filename FILE      the manifest (instead of the positional argument)
    --name NAME              which HPA, when the manifest holds several
    -r, --replicas N         current replicas (spec.replicas and status.replicas)
    -s, --set METRIC=VALUE   a metric level, repeatable; METRIC is the metric's name in the
                             manifest (cpu, memory, http_requests_per_second, an Object or
                             External metric's name); metrics not set are unavailable, as when
                             the metrics API fails
    --request RESOURCE=QTY   the request of every pod (default cpu=1, memory=1Gi)
    --now-history FILE       replay a saved controller History (JSON: recommendations,
                             scaleUpEvents, scaleDownEvents; times in milliseconds) first
    --now SECONDS            the sync time (default 0, or 15 s after the history's last entry)
    --tolerance X            the controller's tolerance flag (default 0.1)
    -o, --output FORMAT      table (default), json or yaml

VALUES:
    The observation is N identical running, ready pods (started long ago) that each request
    the --request amounts. For Resource and ContainerResource metrics VALUE is a percentage of
    that request (`140%`: each pod uses 1.4 times its request) or a per-pod quantity (`700m`,
    `2Gi`). For Pods metrics VALUE is each pod's value (`1500`, `500m`); for Object metrics the
    object's value; for External metrics the metric's total value.

EXIT STATUS:
    0 on success, 2 when the arguments, the manifest or a value is wrong (the message names
    the file, the document and the field).";

/// A user-facing error: printed as `tidescale: ...`, exit code 2.
#[derive(Debug)]
struct Fail(String);

impl From<lexopt::Error> for Fail {
    fn from(e: lexopt::Error) -> Self {
        Self(e.to_string())
    }
}

fn main() -> ExitCode {
    match run(std::env::args_os().skip(1).collect()) {
        Ok(out) => {
            print!("{out}");
            ExitCode::SUCCESS
        }
        Err(Fail(msg)) => {
            eprintln!("tidescale: {msg}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Vec<OsString>) -> Result<String, Fail> {
    let mut p = lexopt::Parser::from_args(args);
    let Some(arg) = p.next()? else {
        return Err(Fail(format!("a command is needed\n\n{USAGE}")));
    };
    match arg {
        Long("help") | Short('h') => Ok(format!("{USAGE}\n")),
        Long("version") | Short('V') => Ok(format!("tidescale {}\n", env!("CARGO_PKG_VERSION"))),
        Value(cmd) if cmd == "help" => Ok(format!("{USAGE}\n")),
        Value(cmd) if cmd == "demo" => {
            if let Some(extra) = p.next()? {
                if matches!(extra, Long("help") | Short('h')) {
                    return Ok("tidescale demo: runs examples/manifests/01-basic-cpu-based-hpa.yaml (bundled) at a few load levels and prints what the HPA decides.\n".to_owned());
                }
                return Err(extra.unexpected().into());
            }
            demo::run().map_err(Fail)
        }
        Value(cmd) if cmd == "hpa" => match p.next()? {
            Some(Value(sub)) if sub == "what-if" => what_if(&mut p),
            Some(Long("help") | Short('h')) | None => Ok(format!(
                "USAGE:\n    tidescale hpa what-if MANIFEST --replicas N --set METRIC=VALUE ...\n\n{WHAT_IF_HELP}\n"
            )),
            Some(other) => Err(Fail(format!(
                "unknown hpa command {}; expected what-if",
                describe(other)
            ))),
        },
        other => Err(Fail(format!(
            "unknown command {}\n\n{USAGE}",
            describe(other)
        ))),
    }
}

fn describe(arg: lexopt::Arg<'_>) -> String {
    match arg {
        Short(c) => format!("-{c}"),
        Long(l) => format!("--{l}"),
        Value(v) => format!("{:?}", v.to_string_lossy()),
    }
}

fn string(v: OsString, what: &str) -> Result<String, Fail> {
    v.into_string()
        .map_err(|_| Fail(format!("{what}: not valid UTF-8")))
}

fn what_if(p: &mut lexopt::Parser) -> Result<String, Fail> {
    let mut manifest: Option<String> = None;
    let mut name: Option<String> = None;
    let mut replicas: Option<i32> = None;
    let mut levels = Vec::new();
    let mut requests = whatif::default_requests();
    let mut custom_requests: Option<BTreeMap<String, Quantity>> = None;
    let mut history_file: Option<String> = None;
    let mut now: Option<Timestamp> = None;
    let mut format = Format::Table;
    let mut settings = Settings::default();
    while let Some(arg) = p.next()? {
        match arg {
            Short('h') | Long("help") => return Ok(format!("{WHAT_IF_HELP}\n")),
            Short('f') | Long("filename") => {
                set_manifest(&mut manifest, string(p.value()?, "--filename")?)?;
            }
            Value(v) => set_manifest(&mut manifest, string(v, "MANIFEST")?)?,
            Long("name") => name = Some(string(p.value()?, "--name")?),
            Short('r') | Long("replicas") => {
                let v = string(p.value()?, "--replicas")?;
                let n: i32 = v
                    .trim()
                    .parse()
                    .map_err(|_| Fail(format!("--replicas {v}: expected a whole number >= 0")))?;
                if n < 0 {
                    return Err(Fail(format!("--replicas {v}: must be >= 0")));
                }
                replicas = Some(n);
            }
            Short('s') | Long("set") => {
                let v = string(p.value()?, "--set")?;
                let Some((metric, value)) = v.split_once('=') else {
                    return Err(Fail(format!(
                        "--set {v}: expected METRIC=VALUE, e.g. cpu=140%"
                    )));
                };
                let level = parse_level(value).map_err(|e| Fail(format!("--set {metric}: {e}")))?;
                levels.push((metric.trim().to_owned(), level));
            }
            Long("request") => {
                let v = string(p.value()?, "--request")?;
                let Some((res, qty)) = v.split_once('=') else {
                    return Err(Fail(format!(
                        "--request {v}: expected RESOURCE=QUANTITY, e.g. cpu=500m"
                    )));
                };
                let q: Quantity = qty
                    .trim()
                    .parse()
                    .map_err(|e| Fail(format!("--request {res}: {e}")))?;
                if q.milli_value() <= 0 {
                    return Err(Fail(format!("--request {res}: must be > 0")));
                }
                custom_requests
                    .get_or_insert_with(BTreeMap::new)
                    .insert(res.trim().to_owned(), q);
            }
            Long("now-history") => history_file = Some(string(p.value()?, "--now-history")?),
            Long("now") => {
                let v = string(p.value()?, "--now")?;
                let s: f64 = v
                    .trim()
                    .parse()
                    .map_err(|_| Fail(format!("--now {v}: expected seconds")))?;
                now = Some(
                    Timestamp::from_secs_f64(s)
                        .ok_or_else(|| Fail(format!("--now {v}: not a finite time")))?,
                );
            }
            Long("tolerance") => {
                let v = string(p.value()?, "--tolerance")?;
                let t: f64 = v
                    .trim()
                    .parse()
                    .map_err(|_| Fail(format!("--tolerance {v}: expected a number")))?;
                if !t.is_finite() || t < 0.0 {
                    return Err(Fail(format!(
                        "--tolerance {v}: must be a finite number >= 0"
                    )));
                }
                settings.tolerance = t;
            }
            Short('o') | Long("output") => {
                let v = string(p.value()?, "--output")?;
                format = match v.as_str() {
                    "table" | "wide" => Format::Table,
                    "json" => Format::Json,
                    "yaml" => Format::Yaml,
                    other => {
                        return Err(Fail(format!(
                            "--output {other}: expected table, json or yaml"
                        )));
                    }
                };
            }
            other => return Err(other.unexpected().into()),
        }
    }
    if let Some(r) = custom_requests {
        requests.extend(r);
    }
    let Some(source) = manifest else {
        return Err(Fail(
            "what-if needs a MANIFEST (a file, or - for stdin)".to_owned(),
        ));
    };
    let Some(replicas) = replicas else {
        return Err(Fail("what-if needs --replicas N".to_owned()));
    };
    let text = read_source(&source)?;
    let shown = if source == "-" { "<stdin>" } else { &source };
    let loaded =
        manifest::load_hpa(&text, name.as_deref()).map_err(|e| Fail(format!("{shown}: {e}")))?;
    let history = match &history_file {
        None => None,
        Some(f) => {
            let t = read_source(f)?;
            let h: History = serde_json::from_str(&t)
                .map_err(|e| Fail(format!("{f}: not a controller history (JSON): {e}")))?;
            Some(h)
        }
    };
    let w = WhatIf {
        replicas,
        levels,
        requests,
        history,
        now,
    };
    let hpa = loaded.hpa.clone();
    let decision = whatif::run(loaded.hpa, settings, &w).map_err(|e| {
        if e.1 {
            Fail(format!("{shown}: document {}: {}", loaded.document, e.0))
        } else {
            Fail(e.0)
        }
    })?;
    output::render(format, &hpa, &decision).map_err(Fail)
}

fn set_manifest(slot: &mut Option<String>, v: String) -> Result<(), Fail> {
    if let Some(prev) = slot {
        return Err(Fail(format!("one manifest at a time (got {prev} and {v})")));
    }
    *slot = Some(v);
    Ok(())
}

/// A file's text, or stdin for `-`.
fn read_source(path: &str) -> Result<String, Fail> {
    let limit = manifest::MAX_MANIFEST_BYTES;
    let mut buf = String::new();
    let res = if path == "-" {
        std::io::stdin()
            .take(limit as u64 + 1)
            .read_to_string(&mut buf)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(limit as u64 + 1).read_to_string(&mut buf))
    };
    let shown = if path == "-" { "<stdin>" } else { path };
    res.map_err(|e| Fail(format!("{shown}: {e}")))?;
    if buf.len() > limit {
        return Err(Fail(format!("{shown}: larger than {limit} bytes")));
    }
    Ok(buf)
}
