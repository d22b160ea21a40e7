//! Runs the `tidescale` binary on the seed manifests and on broken input.

mod common;

use std::process::Output;

use common::{json_of, manifest};
use serde_json::Value;

fn run(args: &[&str]) -> Output {
    common::run(args, None)
}

fn run_stdin(args: &[&str], input: &str) -> Output {
    common::run(args, Some(input))
}

fn what_if(file: &str, replicas: u32, sets: &[&str]) -> Value {
    let path = manifest(file);
    let r = replicas.to_string();
    let mut args = vec!["hpa", "what-if", &path, "--replicas", &r, "-o", "json"];
    for s in sets {
        args.push("--set");
        args.push(s);
    }
    json_of(&run(&args))
}

fn stderr_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn assert_usage_error(out: &Output, needles: &[&str]) {
    assert_eq!(out.status.code(), Some(2), "stderr: {}", stderr_of(out));
    let err = stderr_of(out);
    for n in needles {
        assert!(err.contains(n), "{n:?} not in {err:?}");
    }
    assert!(out.stdout.is_empty());
}

#[test]
fn basic_cpu_scales_up_by_the_ratio() {
    // 140 % of the request against a 70 % target: ratio 2, 3 -> 6 (the 100 %/30 s policy allows 6)
    let d = what_if("01-basic-cpu-based-hpa.yaml", 3, &["cpu=140%"]);
    assert_eq!(d["desiredReplicas"], 6);
    assert_eq!(d["currentReplicas"], 3);
    assert_eq!(d["rescale"], true);
    assert_eq!(d["metrics"][0]["utilization"], 140);
    assert_eq!(d["metrics"][0]["chosen"], true);
    let reasons = d["reasons"].as_array().unwrap();
    assert_eq!(reasons[0], "cpu above target");
    let conds = d["conditions"].as_array().unwrap();
    assert_eq!(conds[0]["reason"], "SucceededRescale");
    assert_eq!(d["hpa"]["name"], "model-server-hpa");
}

#[test]
fn basic_cpu_scale_up_policy_limits_a_big_jump() {
    // 300 % against 70 %: 43 proposed; 100 % per 30 s or 10 pods (Max) -> 20
    let d = what_if("01-basic-cpu-based-hpa.yaml", 10, &["cpu=300%"]);
    assert_eq!(d["proposedReplicas"], 43);
    assert_eq!(d["desiredReplicas"], 20);
    assert_eq!(d["limitedBy"], "ScaleUpLimit");
}

#[test]
fn fresh_controller_holds_a_scale_down_in_the_window() {
    let d = what_if("01-basic-cpu-based-hpa.yaml", 10, &["cpu=20%"]);
    assert_eq!(d["proposedReplicas"], 3);
    assert_eq!(d["desiredReplicas"], 10);
    assert_eq!(d["rescale"], false);
    assert_eq!(d["conditions"][0]["reason"], "ScaleDownStabilized");
}

#[test]
fn history_replay_lets_the_scale_down_through() {
    // a history whose only recommendation (10) is older than the 300 s window
    let dir = std::env::temp_dir().join(format!("tidescale-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let h = dir.join("history.json");
    std::fs::write(
        &h,
        r#"{"recommendations": [{"replicas": 10, "time": 0}], "scaleUpEvents": [], "scaleDownEvents": []}"#,
    )
    .unwrap();
    let path = manifest("01-basic-cpu-based-hpa.yaml");
    let out = run(&[
        "hpa",
        "what-if",
        &path,
        "--replicas",
        "10",
        "--set",
        "cpu=20%",
        "--now-history",
        h.to_str().unwrap(),
        "--now",
        "301",
        "-o",
        "json",
    ]);
    let d = json_of(&out);
    // 20 % of 70 % -> 3; scale-down policies: 50 % or 5 pods per 60 s, Min -> 5
    assert_eq!(d["desiredReplicas"], 5);
    assert_eq!(d["limitedBy"], "ScaleDownLimit");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn memory_utilization() {
    let d = what_if("02-memory-based-hpa.yaml", 5, &["memory=120%"]);
    assert_eq!(d["desiredReplicas"], 8);
}

#[test]
fn multi_metric_takes_the_largest_proposal_and_the_legacy_cap() {
    let d = what_if(
        "03-multi-metric-hpa.yaml",
        5,
        &[
            "cpu=140%",
            "memory=40%",
            "http_requests_per_second=1500",
            "sqs_queue_depth=600",
        ],
    );
    // cpu 10, memory 3, rps 8, queue 600/30 = 20; no behavior: max(2*5, 4) = 10
    assert_eq!(d["desiredReplicas"], 10);
    assert_eq!(d["limitedBy"], "ScaleUpLimit");
    let metrics = d["metrics"].as_array().unwrap();
    assert_eq!(metrics.len(), 4);
    assert_eq!(metrics[3]["replicas"], 20);
    assert_eq!(metrics[3]["chosen"], true);
}

#[test]
fn unset_metrics_are_unavailable() {
    let d = what_if("03-multi-metric-hpa.yaml", 5, &["cpu=140%"]);
    assert_eq!(d["desiredReplicas"], 10);
    assert_eq!(
        d["metrics"][1]["error"]["reason"],
        "FailedGetResourceMetric"
    );
}

#[test]
fn best_practices_scale_up() {
    let d = what_if("04-hpa-best-practices.yaml", 10, &["cpu=140%"]);
    assert_eq!(d["desiredReplicas"], 20);
}

#[test]
fn multi_document_manifest_picks_the_hpa() {
    let d = what_if(
        "11-vpa-hpa-careful.yaml",
        5,
        &["http_requests_per_second=1500"],
    );
    assert_eq!(d["desiredReplicas"], 8);
    assert_eq!(d["hpa"]["name"], "model-server-hpa");
}

#[test]
fn custom_metrics_with_an_object_metric() {
    let d = what_if(
        "17-hpa-with-custom-metrics.yaml",
        5,
        &[
            "http_requests_per_second=2000",
            "inference_latency_p95=50m",
            "inference_queue_depth=1000",
        ],
    );
    // rps 10, latency 3, queue 1000 / (50 * 5) -> 20; legacy cap 10
    assert_eq!(d["metrics"][2]["replicas"], 20);
    assert_eq!(d["desiredReplicas"], 10);
}

#[test]
fn inference_request_rate() {
    let d = what_if(
        "22-inference-autoscaling.yaml",
        10,
        &["http_requests_per_second=1000", "inference_latency_p95=0.1"],
    );
    assert_eq!(d["desiredReplicas"], 20);
}

#[test]
fn gpu_pods_metrics() {
    let d = what_if(
        "24-gpu-based-autoscaling.yaml",
        3,
        &["gpu_utilization=140", "gpu_memory_utilization=40"],
    );
    assert_eq!(d["desiredReplicas"], 6);
}

#[test]
fn stdin_and_yaml_output() {
    let text = std::fs::read_to_string(manifest("01-basic-cpu-based-hpa.yaml")).unwrap();
    let out = run_stdin(
        &[
            "hpa",
            "what-if",
            "-",
            "--replicas",
            "3",
            "--set",
            "cpu=140%",
            "-o",
            "yaml",
        ],
        &text,
    );
    assert!(out.status.success(), "{}", stderr_of(&out));
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(s.contains("desiredReplicas: 6"), "{s}");
    let out = run_stdin(
        &[
            "hpa", "what-if", "-f", "-", "-r", "3", "-s", "cpu=140%", "-o", "json",
        ],
        &text,
    );
    assert_eq!(json_of(&out)["desiredReplicas"], 6);
}

#[test]
fn table_output_is_readable() {
    let path = manifest("01-basic-cpu-based-hpa.yaml");
    let out = run(&[
        "hpa",
        "what-if",
        &path,
        "--replicas",
        "3",
        "--set",
        "cpu=140%",
    ]);
    assert!(out.status.success());
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(s.contains("decision: scale up from 3 to 6 replicas"), "{s}");
    assert!(s.contains("140%"), "{s}");
    assert!(s.contains("SucceededRescale"), "{s}");
}

#[test]
fn demo_prints_a_table() {
    let out = run(&["demo"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(s.contains("scale up from 3 to 6 replicas"), "{s}");
    assert!(s.contains("ScaleUpLimit"), "{s}");
    assert!(s.contains("TooManyReplicas"), "{s}");
}

#[test]
fn several_hpas_need_a_name() {
    let one = std::fs::read_to_string(manifest("01-basic-cpu-based-hpa.yaml")).unwrap();
    let two = std::fs::read_to_string(manifest("02-memory-based-hpa.yaml")).unwrap();
    let both = format!("{one}\n---\n{two}");
    let out = run_stdin(&["hpa", "what-if", "-", "-r", "3", "-s", "cpu=140%"], &both);
    assert_usage_error(
        &out,
        &[
            "<stdin>",
            "2 HorizontalPodAutoscaler objects",
            "model-server-memory-hpa",
        ],
    );
    let out = run_stdin(
        &[
            "hpa",
            "what-if",
            "-",
            "--name",
            "model-server-memory-hpa",
            "-r",
            "5",
            "-s",
            "memory=120%",
            "-o",
            "json",
        ],
        &both,
    );
    assert_eq!(json_of(&out)["desiredReplicas"], 8);
}

#[test]
fn a_bad_field_names_file_document_and_field() {
    let text = "apiVersion: autoscaling.k8s.io/v1\nkind: VerticalPodAutoscaler\nspec: {}\n---\n\
                apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nspec:\n  maxReplicas: ten\n";
    let out = run_stdin(&["hpa", "what-if", "-", "-r", "3"], text);
    assert_usage_error(&out, &["<stdin>", "document 1", "spec.maxReplicas"]);
}

#[test]
fn an_invalid_spec_names_the_field() {
    let text = "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nspec:\n  minReplicas: 5\n  maxReplicas: 2\n";
    let out = run_stdin(&["hpa", "what-if", "-", "-r", "3"], text);
    assert_usage_error(&out, &["<stdin>", "document 0", "maxReplicas"]);
}

#[test]
fn no_hpa_in_the_file() {
    let text = "apiVersion: v1\nkind: Service\nmetadata: {name: x}\n";
    let out = run_stdin(&["hpa", "what-if", "-", "-r", "3"], text);
    assert_usage_error(&out, &["no HorizontalPodAutoscaler", "Service"]);
}

#[test]
fn a_missing_file_is_named() {
    let out = run(&["hpa", "what-if", "/nonexistent/hpa.yaml", "-r", "3"]);
    assert_usage_error(&out, &["/nonexistent/hpa.yaml"]);
}

#[test]
fn bad_values_are_refused() {
    let path = manifest("01-basic-cpu-based-hpa.yaml");
    for (set, needle) in [
        ("cpu=nan%", "percentage"),
        ("cpu=-5%", "percentage"),
        ("cpu=-1", "negative"),
        ("cpu=lots", "cpu"),
        ("cpu", "METRIC=VALUE"),
        ("gpu=3", "no metric named \"gpu\""),
    ] {
        let out = run(&["hpa", "what-if", &path, "-r", "3", "--set", set]);
        assert_usage_error(&out, &[needle]);
    }
    let out = run(&["hpa", "what-if", &path, "-r", "-3"]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["hpa", "what-if", &path]);
    assert_usage_error(&out, &["--replicas"]);
    let out = run(&["hpa", "what-if", &path, "-r", "3", "-o", "xml"]);
    assert_usage_error(
        &out,
        &[
            "invalid value 'xml' for '--output <FORMAT>'",
            "table, wide, json, yaml",
        ],
    );
    let out = run(&["hpa", "frobnicate"]);
    assert_usage_error(&out, &["frobnicate"]);
}

#[test]
fn help_and_version() {
    let out = run(&["--version"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("tidescale "));
    let out = run(&["hpa", "what-if", "--help"]);
    assert!(out.status.success());
    let s = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(s.contains("identical running, ready pods"), "{s}");
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_value_the_sync_did_not_evaluate_is_named() {
    // 4 replicas below minReplicas 5: Kubernetes scales to 5 without reading metrics, so the
    // --set value is not used; the answer says so instead of dropping it in silence.
    let d = what_if(
        "17-hpa-with-custom-metrics.yaml",
        4,
        &["http_requests_per_second=2000"],
    );
    assert_eq!(d["desiredReplicas"], 5);
    assert_eq!(d["metrics"], serde_json::json!([]));
    assert_eq!(
        d["unevaluatedMetrics"],
        serde_json::json!(["http_requests_per_second"])
    );
    assert_eq!(
        d["reasons"][1],
        "the value given for http_requests_per_second was not evaluated: the current replica \
         count is below minReplicas, so the controller scales to minReplicas without reading \
         metrics"
    );
}

#[test]
fn what_if_without_a_value_says_none_was_given() {
    let d = what_if("01-basic-cpu-based-hpa.yaml", 4, &[]);
    assert_eq!(d["rescale"], false);
    assert_eq!(d["notGivenMetrics"], serde_json::json!(["cpu"]));
    let reasons: Vec<&str> = d["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r.as_str())
        .collect();
    assert!(
        reasons.contains(
            &"no value was given for cpu: it counts as unavailable, as when the metrics API \
              fails (give a value to evaluate it)"
        ),
        "{reasons:?}"
    );
}

#[test]
fn a_command_group_without_its_command_is_a_usage_error() {
    for (group, needle) in [
        ("hpa", "hpa needs a command (what-if)"),
        ("vpa", "vpa needs a command (recommend)"),
        ("keda", "keda needs a command (what-if or scaledjob)"),
    ] {
        let out = run(&[group]);
        assert_usage_error(&out, &[needle, "USAGE:"]);
    }
}

#[test]
fn hpa_now_accepts_rfc3339_like_every_subcommand() {
    let m = manifest("01-basic-cpu-based-hpa.yaml");
    let secs = json_of(&run(&[
        "hpa",
        "what-if",
        &m,
        "-r",
        "3",
        "--set",
        "cpu=140%",
        "--now",
        "1714986000",
        "-o",
        "json",
    ]));
    let rfc = json_of(&run(&[
        "hpa",
        "what-if",
        &m,
        "-r",
        "3",
        "--set",
        "cpu=140%",
        "--now",
        "2024-05-06T09:00:00Z",
        "-o",
        "json",
    ]));
    assert_eq!(rfc["desiredReplicas"], 6);
    assert_eq!(secs, rfc);
    let bad = run(&["hpa", "what-if", &m, "-r", "3", "--now", "yesterday"]);
    assert_usage_error(
        &bad,
        &["--now yesterday: expected Unix seconds or an RFC 3339 time"],
    );
}

#[test]
fn a_yaml_syntax_error_is_one_line_naming_the_file_then_a_caret() {
    let out = run_stdin(
        &["hpa", "what-if", "-", "-r", "2"],
        "a: 1\n---\nkind: HorizontalPodAutoscaler\nspec: [\n  maxReplicas: 3\n",
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr_of(&out),
        "tidescale: <stdin>: invalid YAML at line 4, column 7: unclosed bracket '['\n\
         4 | spec: [\n  |       ^\n"
    );
}

#[test]
fn a_file_name_where_the_manifest_text_belongs_says_so() {
    let out = run_stdin(
        &["hpa", "what-if", "-", "-r", "2"],
        "examples/manifests/01-basic-cpu-based-hpa.yaml\n",
    );
    assert_usage_error(
        &out,
        &[
            "document 0 is the text \"examples/manifests/01-basic-cpu-based-hpa.yaml\", not a \
           mapping: pass the manifest's contents, not a file name",
        ],
    );
}

/// Each subcommand: `--help` and `-h` print its own help (exit 0, stdout); an unknown option,
/// a missing option value and an unknown command are usage errors (exit 2, nothing on stdout)
/// that name the culprit and show the subcommand's usage.
#[test]
fn every_subcommand_has_help_and_usage_errors() {
    for (args, help_needle, usage) in [
        (
            &["hpa", "what-if"][..],
            "identical running, ready pods",
            "Usage: tidescale hpa what-if MANIFEST",
        ),
        (
            &["vpa", "recommend"],
            "USAGE CSV:",
            "Usage: tidescale vpa recommend VPA.yaml",
        ),
        (
            &["keda", "what-if"],
            "initialCooldownPeriod",
            "Usage: tidescale keda what-if SCALEDOBJECT.yaml",
        ),
        (
            &["keda", "scaledjob"],
            "--running R",
            "Usage: tidescale keda scaledjob SCALEDJOB.yaml",
        ),
        (
            &["completions"],
            "bash, zsh, fish",
            "Usage: tidescale completions SHELL",
        ),
    ] {
        for h in ["--help", "-h"] {
            let mut a = args.to_vec();
            a.push(h);
            let out = run(&a);
            assert_eq!(out.status.code(), Some(0), "{a:?}");
            let s = String::from_utf8_lossy(&out.stdout).into_owned();
            assert!(s.contains(help_needle), "{a:?}: {s}");
            assert!(s.ends_with('\n') && !s.ends_with("\n\n"), "{a:?}: {s:?}");
        }
        let mut a = args.to_vec();
        a.push("--frobnicate");
        assert_usage_error(
            &run(&a),
            &["tidescale: unexpected argument '--frobnicate' found", usage],
        );
    }
    // an option without its value
    assert_usage_error(
        &run(&["hpa", "what-if", "-r"]),
        &[
            "a value is required for '--replicas <N>'",
            "Usage: tidescale hpa what-if",
        ],
    );
    assert_usage_error(
        &run(&["keda", "scaledjob", "x.yaml", "--running"]),
        &["'--running <R>'", "Usage: tidescale keda scaledjob"],
    );
    // a negative number is a value (refused by the subcommand, with its message)
    assert_usage_error(
        &run(&["keda", "scaledjob", "x.yaml", "--running", "-1"]),
        &["--running -1: expected a whole number >= 0"],
    );
    // the last of a repeated single-valued option wins, as before
    let path = manifest("01-basic-cpu-based-hpa.yaml");
    let out = run(&[
        "hpa", "what-if", &path, "-r", "1", "-r", "3", "-s", "cpu=140%", "-o", "yaml", "-o", "json",
    ]);
    assert_eq!(json_of(&out)["desiredReplicas"], 6);
    // two manifests
    assert_usage_error(
        &run(&["hpa", "what-if", &path, "-f", "b.yaml", "-r", "3"]),
        &["one manifest at a time"],
    );
    // unknown commands at each level
    assert_usage_error(
        &run(&["frobnicate"]),
        &["unrecognized subcommand 'frobnicate'"],
    );
    assert_usage_error(
        &run(&["hpa", "frobnicate"]),
        &[
            "unrecognized subcommand 'frobnicate'",
            "Usage: tidescale hpa what-if",
        ],
    );
    // `demo` takes no arguments; its help is one line
    assert_usage_error(&run(&["demo", "extra"]), &["unexpected argument 'extra'"]);
    let out = run(&["demo", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
    // top level: help, `help`, version, nothing
    for a in [&["--help"][..], &["-h"], &["help"]] {
        let out = run(a);
        assert_eq!(out.status.code(), Some(0), "{a:?}");
        assert!(String::from_utf8_lossy(&out.stdout).starts_with("tidescale: Kubernetes-exact"));
    }
    let out = run(&["-V"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("tidescale {}\n", env!("CARGO_PKG_VERSION"))
    );
    assert_usage_error(&run(&[]), &["a command is needed", "USAGE:"]);
}

#[test]
fn completions_for_each_shell() {
    for (shell, needle) in [
        ("bash", "_tidescale()"),
        ("zsh", "#compdef tidescale"),
        ("fish", "complete -c tidescale"),
        ("elvish", "edit:completion:arg-completer[tidescale]"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = run(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let s = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(s.contains(needle), "{shell}: {s}");
        // the subcommands and their options are in the script
        for word in [
            "what-if",
            "scaledjob",
            "recommend",
            "replicas",
            "usage",
            "last-active",
        ] {
            assert!(s.contains(word), "{shell}: {word} missing");
        }
    }
    // bash offers the output formats
    let s = String::from_utf8_lossy(&run(&["completions", "bash"]).stdout).into_owned();
    assert!(s.contains("table wide json yaml"), "{s}");
    assert_usage_error(
        &run(&["completions", "tcsh"]),
        &[
            "invalid value 'tcsh' for '<SHELL>'",
            "bash, elvish, fish, powershell, zsh",
        ],
    );
    assert_usage_error(
        &run(&["completions"]),
        &["<SHELL>", "Usage: tidescale completions SHELL"],
    );
}

/// A table cell longer than `format!`'s width limit (65,535) used to panic the CLI.
#[test]
fn a_70000_character_name_prints_in_the_table() {
    let long = "a".repeat(70_000);
    let hpa = format!(
        "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {{name: web}}\n\
         spec:\n  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: web}}\n  \
         maxReplicas: 10\n  metrics:\n  - type: Pods\n    pods:\n      metric: {{name: {long}}}\n      \
         target: {{type: AverageValue, averageValue: '1'}}\n"
    );
    let set = format!("{long}=2");
    let out = run_stdin(&["hpa", "what-if", "-", "-r", "2", "--set", &set], &hpa);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let s = String::from_utf8_lossy(&out.stdout).into_owned();
    let row = s.lines().find(|l| l.starts_with(&long)).unwrap();
    assert!(row.ends_with("2.000  4 *"), "{}", &row[70_000..]);
}
