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
mod keda;
mod output;
mod scaledjob;
mod usage;
mod vpa;
mod whatif;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::Read;
use std::process::ExitCode;

use lexopt::prelude::*;
use tidescale::hpa::{History, Settings};
use tidescale::manifest::FieldValidation;
use tidescale::{Quantity, Timestamp};

use crate::output::Format;
use crate::whatif::{WhatIf, parse_level};

const USAGE: &str = "\
tidescale: Kubernetes-exact autoscaling decisions

USAGE:
    tidescale demo                      the bundled example HPA at a few load levels
    tidescale hpa what-if MANIFEST --replicas N --set METRIC=VALUE ... [OPTIONS]
    tidescale vpa recommend VPA.yaml --usage usage.csv [--now T] [--explain] [-o FORMAT]
    tidescale keda what-if SCALEDOBJECT.yaml --replicas N --set TRIGGER=VALUE ... [OPTIONS]
    tidescale keda scaledjob SCALEDJOB.yaml --queue N --running R --pending P [OPTIONS]
    tidescale --version | --help

Run `tidescale <command> <subcommand> --help` for the options.";

const VPA_HELP: &str = "\
tidescale vpa recommend: what would the VPA recommender write for this usage?

USAGE:
    tidescale vpa recommend VPA.yaml --usage usage.csv [--now T] [--explain] [-o FORMAT]

ARGUMENTS:
    VPA.yaml                 the VerticalPodAutoscaler (YAML or JSON, several documents and
                             `kind: List` accepted; `-` reads stdin); its resourcePolicy
                             (minAllowed, maxAllowed, controlledResources, mode) is applied
OPTIONS:
    -f, --filename FILE      the manifest (instead of the positional argument)
    --name NAME              which VPA, when the manifest holds several
    --strict                 unknown manifest fields are errors (default: warnings on stderr)
    -u, --usage FILE         the usage samples (CSV, `-` reads stdin), see below
    --now T                  when to recommend (Unix seconds or RFC 3339; default: the last
                             sample's time)
    --explain                show the percentiles, margin, confidence multipliers, minimums
                             and caps behind each number
    -o, --output FORMAT      table (default); yaml prints exactly the `status:` block
                             (pasteable); json the same as JSON (--explain adds `explain`)

USAGE CSV:
    A header naming the columns timestamp, container, cpu, memory (any order; cpu or memory
    may be left out), then one sample per row:
        timestamp,container,cpu,memory
        2023-11-15T00:00:00Z,app,250m,512Mi
        1700006460,app,0.31,536870912
    timestamp: Unix seconds (fractions allowed) or RFC 3339. cpu: cores or a quantity (250m).
    memory: bytes or a quantity (512Mi). One of cpu/memory may be empty. Fields may be quoted;
    blank lines and lines starting with # are skipped. Timestamps must not go backwards within
    a container.

EXIT STATUS:
    0 on success, 2 when an argument, the manifest or the CSV is wrong (the message names the
    file and the document and field, or the CSV row and field).";

const KEDA_WHAT_IF_HELP: &str = "\
tidescale keda what-if: what would KEDA and the HPA it creates do at these trigger values?

USAGE:
    tidescale keda what-if SCALEDOBJECT.yaml --replicas N --set TRIGGER=VALUE ... [OPTIONS]

ARGUMENTS:
    SCALEDOBJECT.yaml        the ScaledObject (YAML or JSON, several documents accepted; `-`
                             reads stdin)
OPTIONS:
    -f, --filename FILE      the manifest (instead of the positional argument)
    --name NAME              which ScaledObject, when the manifest holds several
    --strict                 unknown manifest fields are errors (default: warnings on stderr)
    -r, --replicas N         the scale target's current replicas (0 for scaled to zero)
    -s, --set TRIGGER=VALUE  a trigger's value, repeatable. TRIGGER is the trigger's name, else
                             its type (when only one trigger has it) or its index (0, 1, ...).
                             VALUE is what the scaler would report: aws-sqs-queue the queue
                             length, kafka the (capped) total lag, prometheus the query result.
                             cpu/memory take a percentage of the request (140%) or a per-pod
                             quantity. Triggers not set count as failing scalers; cron
                             triggers are evaluated at --now.
    --request RESOURCE=QTY   each pod's request, for cpu/memory triggers (default cpu=1,
                             memory=1Gi)
    --now T                  the poll time (Unix seconds or RFC 3339; default 1 hour after
                             --created)
    --created T              the ScaledObject's creationTimestamp (default 0), for
                             initialCooldownPeriod
    --last-active T          status.lastActiveTime: the cooldown to zero counts from it
                             (default: none)
    -o, --output FORMAT      table (default), json or yaml

    The HPA is fresh: no history, so a scale-down proposal is held by its 300 s
    stabilization window.

EXIT STATUS:
    0 on success, 2 when an argument, the manifest or a value is wrong.";

const KEDA_JOB_HELP: &str = "\
tidescale keda scaledjob: how many Jobs would KEDA create for this ScaledJob?

USAGE:
    tidescale keda scaledjob SCALEDJOB.yaml --queue N --running R --pending P [OPTIONS]

ARGUMENTS:
    SCALEDJOB.yaml           the ScaledJob (YAML or JSON; `-` reads stdin)
OPTIONS:
    -f, --filename FILE      the manifest (instead of the positional argument)
    --name NAME              which ScaledJob, when the manifest holds several
    --strict                 unknown manifest fields are errors (default: warnings on stderr)
    -q, --queue N            the value every trigger reports (queue length, lag, query result)
    -s, --set TRIGGER=VALUE  one trigger's value (overrides --queue), repeatable; TRIGGER as
                             for `keda what-if`
    --running R              Jobs still running (no Complete/Failed condition), default 0
    --pending P              running Jobs whose pods are not yet running, default 0
    --now T                  for cron triggers (Unix seconds or RFC 3339; default 0)
    -o, --output FORMAT      table (default), json or yaml

EXIT STATUS:
    0 on success, 2 when an argument, the manifest or a value is wrong.";

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
    --strict                 unknown manifest fields are errors (default: warnings on stderr)
    -r, --replicas N         current replicas (spec.replicas and status.replicas)
    -s, --set METRIC=VALUE   a metric level, repeatable; METRIC is the metric's name in the
                             manifest (cpu, memory, http_requests_per_second, an Object or
                             External metric's name); metrics not set are unavailable, as when
                             the metrics API fails
    --request RESOURCE=QTY   the request of every pod (default cpu=1, memory=1Gi)
    --now-history FILE       replay a saved controller History (JSON: recommendations,
                             scaleUpEvents, scaleDownEvents; times in milliseconds) first
    --now T                  the sync time (Unix seconds or RFC 3339; default 0, or 15 s
                             after the history's last entry)
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
            Some(Long("help") | Short('h')) => Ok(format!("{WHAT_IF_HELP}\n")),
            None => Err(Fail(format!(
                "hpa needs a command (what-if)\n\n{WHAT_IF_HELP}"
            ))),
            Some(other) => Err(Fail(format!(
                "unknown hpa command {}; expected what-if",
                describe(other)
            ))),
        },
        Value(cmd) if cmd == "vpa" => match p.next()? {
            Some(Value(sub)) if sub == "recommend" => vpa_recommend(&mut p),
            Some(Long("help") | Short('h')) => Ok(format!("{VPA_HELP}\n")),
            None => Err(Fail(format!(
                "vpa needs a command (recommend)\n\n{VPA_HELP}"
            ))),
            Some(other) => Err(Fail(format!(
                "unknown vpa command {}; expected recommend",
                describe(other)
            ))),
        },
        Value(cmd) if cmd == "keda" => match p.next()? {
            Some(Value(sub)) if sub == "what-if" => keda_what_if(&mut p),
            Some(Value(sub)) if sub == "scaledjob" => keda_scaledjob(&mut p),
            Some(Long("help") | Short('h')) => {
                Ok(format!("{KEDA_WHAT_IF_HELP}\n\n{KEDA_JOB_HELP}\n"))
            }
            None => Err(Fail(format!(
                "keda needs a command (what-if or scaledjob)\n\n{KEDA_WHAT_IF_HELP}\n\n{KEDA_JOB_HELP}"
            ))),
            Some(other) => Err(Fail(format!(
                "unknown keda command {}; expected what-if or scaledjob",
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
    let mut strict = false;
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
            Long("strict") => strict = true,
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
                let (res, q) = parse_request(&string(p.value()?, "--request")?)?;
                custom_requests
                    .get_or_insert_with(BTreeMap::new)
                    .insert(res.trim().to_owned(), q);
            }
            Long("now-history") => history_file = Some(string(p.value()?, "--now-history")?),
            Long("now") => now = Some(parse_time_arg(p, "--now")?),
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
            Short('o') | Long("output") => format = parse_format(p)?,
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
    let shown = if source == "-" { "<stdin>" } else { &source };
    let loaded = load_manifest::<tidescale::hpa::HorizontalPodAutoscaler>(
        &source,
        &tidescale::manifest::HPA,
        name.as_deref(),
        strict,
    )?;
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
    let hpa = loaded.object.clone();
    let decision = whatif::run(loaded.object, settings, &w).map_err(|e| {
        if e.1 {
            Fail(format!("{shown}: document {}: {}", loaded.document, e.0))
        } else {
            Fail(e.0)
        }
    })?;
    output::render(format, &hpa, &decision).map_err(Fail)
}

/// `--request RESOURCE=QUANTITY` (a quantity > 0).
fn parse_request(v: &str) -> Result<(String, Quantity), Fail> {
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
    Ok((res.trim().to_owned(), q))
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
    let limit = tidescale::manifest::MAX_MANIFEST_BYTES;
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

fn parse_format(p: &mut lexopt::Parser) -> Result<Format, Fail> {
    let v = string(p.value()?, "--output")?;
    match v.as_str() {
        "table" | "wide" => Ok(Format::Table),
        "json" => Ok(Format::Json),
        "yaml" => Ok(Format::Yaml),
        other => Err(Fail(format!(
            "--output {other}: expected table, json or yaml"
        ))),
    }
}

/// `--now`-style times: Unix seconds (fractions allowed) or RFC 3339.
fn parse_time_arg(p: &mut lexopt::Parser, flag: &str) -> Result<Timestamp, Fail> {
    let v = string(p.value()?, flag)?;
    usage::parse_time(&v).ok_or_else(|| {
        Fail(format!(
            "{flag} {v}: expected Unix seconds or an RFC 3339 time (2024-05-01T09:00:00Z)"
        ))
    })
}

fn parse_count(p: &mut lexopt::Parser, flag: &str) -> Result<i64, Fail> {
    let v = string(p.value()?, flag)?;
    match v.trim().parse::<i64>() {
        Ok(n) if n >= 0 => Ok(n),
        _ => Err(Fail(format!("{flag} {v}: expected a whole number >= 0"))),
    }
}

fn shown(source: &str) -> &str {
    if source == "-" { "<stdin>" } else { source }
}

/// Reads `source` (a file, or `-` for stdin) and picks the object of `kind` out of it; errors
/// name the source, the document and the field. Unknown fields are warnings on stderr, or
/// (`strict`, `--strict`) errors.
fn load_manifest<T: serde::de::DeserializeOwned>(
    source: &str,
    kind: &tidescale::manifest::ObjectKind,
    name: Option<&str>,
    strict: bool,
) -> Result<tidescale::manifest::Loaded<T>, Fail> {
    let text = read_source(source)?;
    let validation = if strict {
        FieldValidation::Strict
    } else {
        FieldValidation::Warn
    };
    let loaded = tidescale::manifest::load_with(&text, kind, name, validation).map_err(|e| {
        // one line naming the file, then (syntax errors) the line with a caret
        let mut msg = format!("{}: {e}", shown(source));
        if let Some(x) = &e.excerpt {
            msg.push('\n');
            msg.push_str(x);
        }
        Fail(msg)
    })?;
    for w in &loaded.warnings {
        eprintln!("tidescale: warning: {}: {w}", shown(source));
    }
    Ok(loaded)
}

fn vpa_recommend(p: &mut lexopt::Parser) -> Result<String, Fail> {
    let mut manifest: Option<String> = None;
    let mut name: Option<String> = None;
    let mut strict = false;
    let mut usage_file: Option<String> = None;
    let mut now: Option<Timestamp> = None;
    let mut explain = false;
    let mut format = Format::Table;
    while let Some(arg) = p.next()? {
        match arg {
            Short('h') | Long("help") => return Ok(format!("{VPA_HELP}\n")),
            Short('f') | Long("filename") => {
                set_manifest(&mut manifest, string(p.value()?, "--filename")?)?;
            }
            Value(v) => set_manifest(&mut manifest, string(v, "VPA.yaml")?)?,
            Long("name") => name = Some(string(p.value()?, "--name")?),
            Long("strict") => strict = true,
            Short('u') | Long("usage") => usage_file = Some(string(p.value()?, "--usage")?),
            Long("now") => now = Some(parse_time_arg(p, "--now")?),
            Long("explain") => explain = true,
            Short('o') | Long("output") => format = parse_format(p)?,
            other => return Err(other.unexpected().into()),
        }
    }
    let Some(source) = manifest else {
        return Err(Fail(
            "vpa recommend needs a VPA manifest (a file, or - for stdin)".to_owned(),
        ));
    };
    let Some(usage_file) = usage_file else {
        return Err(Fail("vpa recommend needs --usage FILE (a CSV)".to_owned()));
    };
    if source == "-" && usage_file == "-" {
        return Err(Fail(
            "the manifest and --usage cannot both be read from stdin".to_owned(),
        ));
    }
    let loaded = load_manifest::<tidescale::vpa::VerticalPodAutoscaler>(
        &source,
        &tidescale::manifest::VPA,
        name.as_deref(),
        strict,
    )?;
    let csv = read_source(&usage_file)?;
    let samples = usage::read(&csv).map_err(|e| Fail(format!("{}: {e}", shown(&usage_file))))?;
    let outcome = vpa::recommend(loaded.object, &samples, now)
        .map_err(|e| Fail(format!("{}: {e}", shown(&usage_file))))?;
    vpa::render(&outcome, format, explain).map_err(Fail)
}

fn keda_what_if(p: &mut lexopt::Parser) -> Result<String, Fail> {
    let mut manifest: Option<String> = None;
    let mut name: Option<String> = None;
    let mut strict = false;
    let mut replicas: Option<i32> = None;
    let mut settings = Vec::new();
    let mut requests = whatif::default_requests();
    let mut now: Option<Timestamp> = None;
    let mut created = Timestamp(0);
    let mut last_active: Option<Timestamp> = None;
    let mut format = Format::Table;
    while let Some(arg) = p.next()? {
        match arg {
            Short('h') | Long("help") => return Ok(format!("{KEDA_WHAT_IF_HELP}\n")),
            Short('f') | Long("filename") => {
                set_manifest(&mut manifest, string(p.value()?, "--filename")?)?;
            }
            Value(v) => set_manifest(&mut manifest, string(v, "SCALEDOBJECT.yaml")?)?,
            Long("name") => name = Some(string(p.value()?, "--name")?),
            Long("strict") => strict = true,
            Short('r') | Long("replicas") => {
                let n = parse_count(p, "--replicas")?;
                replicas =
                    Some(i32::try_from(n).map_err(|_| Fail(format!("--replicas {n}: too large")))?);
            }
            Short('s') | Long("set") => {
                let v = string(p.value()?, "--set")?;
                settings.push(keda::parse_setting(&v).map_err(Fail)?);
            }
            Long("request") => {
                let (res, q) = parse_request(&string(p.value()?, "--request")?)?;
                requests.insert(res, q);
            }
            Long("now") => now = Some(parse_time_arg(p, "--now")?),
            Long("created") => created = parse_time_arg(p, "--created")?,
            Long("last-active") => last_active = Some(parse_time_arg(p, "--last-active")?),
            Short('o') | Long("output") => format = parse_format(p)?,
            other => return Err(other.unexpected().into()),
        }
    }
    let Some(source) = manifest else {
        return Err(Fail(
            "keda what-if needs a ScaledObject manifest (a file, or - for stdin)".to_owned(),
        ));
    };
    let Some(replicas) = replicas else {
        return Err(Fail("keda what-if needs --replicas N".to_owned()));
    };
    let loaded = load_manifest::<tidescale::keda::ScaledObject>(
        &source,
        &tidescale::manifest::SCALED_OBJECT,
        name.as_deref(),
        strict,
    )?;
    let w = keda::WhatIf {
        replicas,
        settings,
        requests,
        created,
        last_active,
        now: now.unwrap_or_else(|| created.plus_secs(3600)),
    };
    let outcome = keda::what_if(loaded.object, &w).map_err(|(msg, manifest)| {
        if manifest {
            Fail(format!(
                "{}: document {}: {msg}",
                shown(&source),
                loaded.document
            ))
        } else {
            Fail(msg)
        }
    })?;
    keda::render_what_if(&outcome, format).map_err(Fail)
}

fn keda_scaledjob(p: &mut lexopt::Parser) -> Result<String, Fail> {
    let mut manifest: Option<String> = None;
    let mut name: Option<String> = None;
    let mut strict = false;
    let mut queue: Option<String> = None;
    let mut settings = Vec::new();
    let mut running = 0;
    let mut pending = 0;
    let mut now = Timestamp(0);
    let mut format = Format::Table;
    while let Some(arg) = p.next()? {
        match arg {
            Short('h') | Long("help") => return Ok(format!("{KEDA_JOB_HELP}\n")),
            Short('f') | Long("filename") => {
                set_manifest(&mut manifest, string(p.value()?, "--filename")?)?;
            }
            Value(v) => set_manifest(&mut manifest, string(v, "SCALEDJOB.yaml")?)?,
            Long("name") => name = Some(string(p.value()?, "--name")?),
            Long("strict") => strict = true,
            Short('q') | Long("queue") => {
                queue = Some(string(p.value()?, "--queue")?.trim().to_owned())
            }
            Short('s') | Long("set") => {
                let v = string(p.value()?, "--set")?;
                settings.push(keda::parse_setting(&v).map_err(Fail)?);
            }
            Long("running") => running = parse_count(p, "--running")?,
            Long("pending") => pending = parse_count(p, "--pending")?,
            Long("now") => now = parse_time_arg(p, "--now")?,
            Short('o') | Long("output") => format = parse_format(p)?,
            other => return Err(other.unexpected().into()),
        }
    }
    let Some(source) = manifest else {
        return Err(Fail(
            "keda scaledjob needs a ScaledJob manifest (a file, or - for stdin)".to_owned(),
        ));
    };
    if pending > running {
        return Err(Fail(format!(
            "--pending {pending}: pending Jobs are running Jobs whose pods have not started, so at most --running ({running})"
        )));
    }
    let loaded = load_manifest::<tidescale::keda::ScaledJob>(
        &source,
        &tidescale::manifest::SCALED_JOB,
        name.as_deref(),
        strict,
    )?;
    let q = scaledjob::JobQuery {
        queue,
        settings,
        running,
        pending,
        now,
    };
    let outcome = scaledjob::scaled_job(loaded.object, &q).map_err(|(msg, manifest)| {
        if manifest {
            Fail(format!(
                "{}: document {}: {msg}",
                shown(&source),
                loaded.document
            ))
        } else {
            Fail(msg)
        }
    })?;
    scaledjob::render_job(&outcome, format).map_err(Fail)
}
