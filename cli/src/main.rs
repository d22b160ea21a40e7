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

use std::ffi::OsString;
use std::io::Read;
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{Arg, ArgAction, ArgMatches, Command, ValueHint, value_parser};
use clap_complete::Shell;
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

const DEMO_HELP: &str = "tidescale demo: runs examples/manifests/01-basic-cpu-based-hpa.yaml (bundled) at a few load levels and prints what the HPA decides.";

const COMPLETIONS_HELP: &str = "\
tidescale completions: print a shell completion script

USAGE:
    tidescale completions SHELL

ARGUMENTS:
    SHELL                    bash, zsh, fish, elvish or powershell

    bash: tidescale completions bash > ~/.local/share/bash-completion/completions/tidescale
    zsh:  tidescale completions zsh > \"${fpath[1]}/_tidescale\"
    fish: tidescale completions fish > ~/.config/fish/completions/tidescale.fish";

/// A user-facing error: printed as `tidescale: ...`, exit code 2.
#[derive(Debug)]
struct Fail(String);

fn main() -> ExitCode {
    match run(std::env::args_os().collect()) {
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

/// One option that takes a value (`-s, --long VALUE`); the last one given wins unless the
/// command collects them (`repeat`).
fn opt(id: &'static str, short: Option<char>, value: &'static str) -> Arg {
    let a = Arg::new(id)
        .long(id)
        .value_name(value)
        .num_args(1)
        .allow_negative_numbers(true);
    match short {
        Some(c) => a.short(c),
        None => a,
    }
}

fn flag(id: &'static str) -> Arg {
    Arg::new(id).long(id).action(ArgAction::SetTrue)
}

/// The arguments every manifest-reading subcommand has: the positional manifest, `-f`,
/// `--name`, `--strict` and `-o`.
fn manifest_command(name: &'static str, manifest: &'static str, usage: &'static str) -> Command {
    Command::new(name)
        .override_usage(usage)
        .args_override_self(true)
        .arg(
            Arg::new("manifest")
                .value_name(manifest)
                .action(ArgAction::Append)
                .value_hint(ValueHint::FilePath),
        )
        .arg(
            opt("filename", Some('f'), "FILE")
                .action(ArgAction::Append)
                .value_hint(ValueHint::FilePath),
        )
        .arg(opt("name", None, "NAME"))
        .arg(flag("strict"))
        .arg(opt("output", Some('o'), "FORMAT").value_parser(["table", "wide", "json", "yaml"]))
}

/// The command line: parsing, help, usage errors and completions come from clap; the help
/// texts are ours (they document values, units and defaults clap cannot know).
fn cli() -> Command {
    let what_if = manifest_command(
        "what-if",
        "MANIFEST",
        "tidescale hpa what-if MANIFEST --replicas N --set METRIC=VALUE ... [OPTIONS]",
    )
    .override_help(WHAT_IF_HELP)
    .arg(opt("replicas", Some('r'), "N"))
    .arg(opt("set", Some('s'), "METRIC=VALUE").action(ArgAction::Append))
    .arg(opt("request", None, "RESOURCE=QTY").action(ArgAction::Append))
    .arg(opt("now-history", None, "FILE").value_hint(ValueHint::FilePath))
    .arg(opt("now", None, "T"))
    .arg(opt("tolerance", None, "X"));
    let recommend = manifest_command(
        "recommend",
        "VPA.yaml",
        "tidescale vpa recommend VPA.yaml --usage usage.csv [--now T] [--explain] [-o FORMAT]",
    )
    .override_help(VPA_HELP)
    .arg(opt("usage", Some('u'), "FILE").value_hint(ValueHint::FilePath))
    .arg(opt("now", None, "T"))
    .arg(flag("explain"));
    let keda_what_if = manifest_command(
        "what-if",
        "SCALEDOBJECT.yaml",
        "tidescale keda what-if SCALEDOBJECT.yaml --replicas N --set TRIGGER=VALUE ... [OPTIONS]",
    )
    .override_help(KEDA_WHAT_IF_HELP)
    .arg(opt("replicas", Some('r'), "N"))
    .arg(opt("set", Some('s'), "TRIGGER=VALUE").action(ArgAction::Append))
    .arg(opt("request", None, "RESOURCE=QTY").action(ArgAction::Append))
    .arg(opt("now", None, "T"))
    .arg(opt("created", None, "T"))
    .arg(opt("last-active", None, "T"));
    let scaledjob = manifest_command(
        "scaledjob",
        "SCALEDJOB.yaml",
        "tidescale keda scaledjob SCALEDJOB.yaml --queue N --running R --pending P [OPTIONS]",
    )
    .override_help(KEDA_JOB_HELP)
    .arg(opt("queue", Some('q'), "N"))
    .arg(opt("set", Some('s'), "TRIGGER=VALUE").action(ArgAction::Append))
    .arg(opt("running", None, "R"))
    .arg(opt("pending", None, "P"))
    .arg(opt("now", None, "T"));
    Command::new("tidescale")
        .version(env!("CARGO_PKG_VERSION"))
        .override_help(USAGE)
        .override_usage("tidescale <command> <subcommand> [OPTIONS]")
        .subcommand(
            Command::new("demo")
                .override_help(DEMO_HELP)
                .override_usage("tidescale demo"),
        )
        .subcommand(
            Command::new("hpa")
                .override_help(WHAT_IF_HELP)
                .override_usage("tidescale hpa what-if MANIFEST --replicas N --set METRIC=VALUE ... [OPTIONS]")
                .subcommand(what_if),
        )
        .subcommand(
            Command::new("vpa")
                .override_help(VPA_HELP)
                .override_usage("tidescale vpa recommend VPA.yaml --usage usage.csv [OPTIONS]")
                .subcommand(recommend),
        )
        .subcommand(
            Command::new("keda")
                .override_help(format!("{KEDA_WHAT_IF_HELP}\n\n{KEDA_JOB_HELP}"))
                .override_usage(
                    "tidescale keda what-if SCALEDOBJECT.yaml --replicas N --set TRIGGER=VALUE ... [OPTIONS]\n       \
                     tidescale keda scaledjob SCALEDJOB.yaml --queue N --running R --pending P [OPTIONS]",
                )
                .subcommand(keda_what_if)
                .subcommand(scaledjob),
        )
        .subcommand(
            Command::new("completions")
                .override_help(COMPLETIONS_HELP)
                .override_usage("tidescale completions SHELL")
                .arg(
                    Arg::new("shell")
                        .value_name("SHELL")
                        .required(true)
                        .value_parser(value_parser!(Shell)),
                ),
        )
}

fn run(args: Vec<OsString>) -> Result<String, Fail> {
    let m = match cli().try_get_matches_from(&args) {
        Ok(m) => m,
        Err(e) => {
            let text = e.render().to_string();
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                // help and version go to stdout, exit 0
                return Ok(text);
            }
            // clap's usage errors read like ours (`tidescale: ...`), and all show the usage
            let text = text.strip_prefix("error: ").unwrap_or(&text).trim_end();
            if text.contains("\nUsage: ") {
                return Err(Fail(text.to_owned()));
            }
            let usage = usage_of(&args);
            return Err(Fail(match text.split_once("\n\nFor more information") {
                Some((msg, more)) => format!("{msg}\n\n{usage}\n\nFor more information{more}"),
                None => format!("{text}\n\n{usage}"),
            }));
        }
    };
    match m.subcommand() {
        None => Err(Fail(format!("a command is needed\n\n{USAGE}"))),
        Some(("demo", _)) => demo::run().map_err(Fail),
        Some(("hpa", g)) => match g.subcommand() {
            Some(("what-if", a)) => what_if(a),
            _ => Err(Fail(format!(
                "hpa needs a command (what-if)\n\n{WHAT_IF_HELP}"
            ))),
        },
        Some(("vpa", g)) => match g.subcommand() {
            Some(("recommend", a)) => vpa_recommend(a),
            _ => Err(Fail(format!(
                "vpa needs a command (recommend)\n\n{VPA_HELP}"
            ))),
        },
        Some(("keda", g)) => match g.subcommand() {
            Some(("what-if", a)) => keda_what_if(a),
            Some(("scaledjob", a)) => keda_scaledjob(a),
            _ => Err(Fail(format!(
                "keda needs a command (what-if or scaledjob)\n\n{KEDA_WHAT_IF_HELP}\n\n{KEDA_JOB_HELP}"
            ))),
        },
        Some(("completions", a)) => {
            let shell = a
                .get_one::<Shell>("shell")
                .copied()
                .ok_or_else(|| Fail("completions needs a SHELL".to_owned()))?;
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut cli(), "tidescale", &mut out);
            String::from_utf8(out).map_err(|e| Fail(format!("completions: {e}")))
        }
        Some((other, _)) => Err(Fail(format!("unknown command {other:?}\n\n{USAGE}"))),
    }
}

/// The usage line of the deepest subcommand named in `args` (for clap errors that leave it out).
fn usage_of(args: &[OsString]) -> String {
    let mut cmd = cli();
    for a in args.iter().skip(1) {
        let Some(sub) = a.to_str().and_then(|a| cmd.find_subcommand(a)).cloned() else {
            break;
        };
        cmd = sub;
    }
    cmd.render_usage().to_string()
}

/// A string option's value (the last one given).
fn value<'a>(m: &'a ArgMatches, id: &str) -> Option<&'a str> {
    m.get_one::<String>(id).map(String::as_str)
}

/// A repeatable option's values, in the order given.
fn values<'a>(m: &'a ArgMatches, id: &str) -> impl Iterator<Item = &'a str> {
    m.get_many::<String>(id)
        .into_iter()
        .flatten()
        .map(String::as_str)
}

/// The manifest: the positional argument or `-f`, exactly one.
fn manifest_of(m: &ArgMatches) -> Result<Option<String>, Fail> {
    let mut slot = None;
    for v in values(m, "manifest").chain(values(m, "filename")) {
        set_manifest(&mut slot, v.to_owned())?;
    }
    Ok(slot)
}

fn format_of(m: &ArgMatches) -> Format {
    match value(m, "output") {
        Some("json") => Format::Json,
        Some("yaml") => Format::Yaml,
        _ => Format::Table,
    }
}

fn what_if(m: &ArgMatches) -> Result<String, Fail> {
    let manifest = manifest_of(m)?;
    let name = value(m, "name").map(str::to_owned);
    let strict = m.get_flag("strict");
    let replicas = match value(m, "replicas") {
        None => None,
        Some(v) => {
            let n: i32 = v
                .trim()
                .parse()
                .map_err(|_| Fail(format!("--replicas {v}: expected a whole number >= 0")))?;
            if n < 0 {
                return Err(Fail(format!("--replicas {v}: must be >= 0")));
            }
            Some(n)
        }
    };
    let mut levels = Vec::new();
    for v in values(m, "set") {
        let Some((metric, value)) = v.split_once('=') else {
            return Err(Fail(format!(
                "--set {v}: expected METRIC=VALUE, e.g. cpu=140%"
            )));
        };
        let level = parse_level(value).map_err(|e| Fail(format!("--set {metric}: {e}")))?;
        levels.push((metric.trim().to_owned(), level));
    }
    let mut requests = whatif::default_requests();
    for v in values(m, "request") {
        let (res, q) = parse_request(v)?;
        requests.insert(res, q);
    }
    let history_file = value(m, "now-history");
    let now = time_arg(m, "now")?;
    let mut settings = Settings::default();
    if let Some(v) = value(m, "tolerance") {
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
    let format = format_of(m);
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
    let history = match history_file {
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

/// `--now`-style times: Unix seconds (fractions allowed) or RFC 3339.
fn time_arg(m: &ArgMatches, id: &str) -> Result<Option<Timestamp>, Fail> {
    let Some(v) = value(m, id) else {
        return Ok(None);
    };
    usage::parse_time(v).map(Some).ok_or_else(|| {
        Fail(format!(
            "--{id} {v}: expected Unix seconds or an RFC 3339 time (2024-05-01T09:00:00Z)"
        ))
    })
}

/// A count option (`--running`): a whole number >= 0, `None` when not given.
fn count_arg(m: &ArgMatches, id: &str) -> Result<Option<i64>, Fail> {
    let Some(v) = value(m, id) else {
        return Ok(None);
    };
    match v.trim().parse::<i64>() {
        Ok(n) if n >= 0 => Ok(Some(n)),
        _ => Err(Fail(format!("--{id} {v}: expected a whole number >= 0"))),
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

fn vpa_recommend(m: &ArgMatches) -> Result<String, Fail> {
    let manifest = manifest_of(m)?;
    let name = value(m, "name").map(str::to_owned);
    let strict = m.get_flag("strict");
    let usage_file = value(m, "usage").map(str::to_owned);
    let now = time_arg(m, "now")?;
    let explain = m.get_flag("explain");
    let format = format_of(m);
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

fn keda_what_if(m: &ArgMatches) -> Result<String, Fail> {
    let manifest = manifest_of(m)?;
    let name = value(m, "name").map(str::to_owned);
    let strict = m.get_flag("strict");
    let replicas = match count_arg(m, "replicas")? {
        None => None,
        Some(n) => Some(i32::try_from(n).map_err(|_| Fail(format!("--replicas {n}: too large")))?),
    };
    let settings = values(m, "set")
        .map(|v| keda::parse_setting(v).map_err(Fail))
        .collect::<Result<Vec<_>, _>>()?;
    let mut requests = whatif::default_requests();
    for v in values(m, "request") {
        let (res, q) = parse_request(v)?;
        requests.insert(res, q);
    }
    let now = time_arg(m, "now")?;
    let created = time_arg(m, "created")?.unwrap_or(Timestamp(0));
    let last_active = time_arg(m, "last-active")?;
    let format = format_of(m);
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

fn keda_scaledjob(m: &ArgMatches) -> Result<String, Fail> {
    let manifest = manifest_of(m)?;
    let name = value(m, "name").map(str::to_owned);
    let strict = m.get_flag("strict");
    let queue = value(m, "queue").map(|q| q.trim().to_owned());
    let settings = values(m, "set")
        .map(|v| keda::parse_setting(v).map_err(Fail))
        .collect::<Result<Vec<_>, _>>()?;
    let running = count_arg(m, "running")?.unwrap_or(0);
    let pending = count_arg(m, "pending")?.unwrap_or(0);
    let now = time_arg(m, "now")?.unwrap_or(Timestamp(0));
    let format = format_of(m);
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
