//! `tidescale keda what-if` and `tidescale keda scaledjob`.

mod common;

use common::{assert_error, json_of, manifest, repo_path, run};
use serde_json::Value;

fn scaledjob_example() -> String {
    repo_path(&["examples", "keda", "scaledjob.yaml"])
}

fn what_if(file: &str, replicas: u32, sets: &[&str]) -> Value {
    let path = manifest(file);
    let r = replicas.to_string();
    let mut args = vec!["keda", "what-if", &path, "--replicas", &r, "-o", "json"];
    for s in sets {
        args.extend_from_slice(&["--set", s]);
    }
    json_of(&run(&args, None))
}

/// The ScaledObject of the `KedaAutoscaler` doctest.
const DOCTEST_SO: &str = r#"{"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject",
  "metadata": {"name": "worker"},
  "spec": {"scaleTargetRef": {"name": "worker"}, "minReplicaCount": 0, "maxReplicaCount": 20,
    "triggers": [{"type": "aws-sqs-queue", "metadata": {
      "queueURL": "https://sqs.us-east-1.amazonaws.com/123456789012/jobs",
      "queueLength": "5", "awsRegion": "us-east-1"}}]}}"#;

#[test]
fn doctest_sqs_scenario() {
    // 0 -> 1 on the first messages: KEDA scales, the HPA does not run
    let d = json_of(&run(
        &[
            "keda",
            "what-if",
            "-",
            "-r",
            "0",
            "--set",
            "aws-sqs-queue=3",
            "--now",
            "30",
            "--created",
            "0",
            "-o",
            "json",
        ],
        Some(DOCTEST_SO),
    ));
    assert_eq!(d["desiredReplicas"], 1);
    assert_eq!(d["executor"]["reason"], "ScaledUpFromZeroOrIdle");
    assert_eq!(d["hpa"], Value::Null);
    assert_eq!(d["triggers"][0]["metricName"], "s0-aws-sqs-jobs");
    assert_eq!(d["triggers"][0]["value"], 3.0);
    // 1 -> 4: 40 messages / 5 per replica proposes 8, the legacy max(2x, 4) rule caps at 4
    let d = json_of(&run(
        &[
            "keda", "what-if", "-", "-r", "1", "--set", "0=40", "--now", "60", "-o", "json",
        ],
        Some(DOCTEST_SO),
    ));
    assert_eq!(d["desiredReplicas"], 4);
    assert_eq!(d["hpa"]["proposedReplicas"], 8);
    assert_eq!(d["hpa"]["limitedBy"], "ScaleUpLimit");
    assert_eq!(d["executor"]["reason"], "ActiveHpaHandles");
    assert_eq!(d["hpaMetrics"][0]["value"], "40");
}

#[test]
fn every_example_scaled_object() {
    // 18: 300 messages / 30 per replica = 10 proposed; 2 replicas, legacy cap max(4, 4)
    let d = what_if("18-keda-with-sqs.yaml", 2, &["aws-sqs-queue=300"]);
    assert_eq!(
        (
            d["hpa"]["proposedReplicas"].clone(),
            d["desiredReplicas"].clone()
        ),
        (10.into(), 4.into())
    );
    assert_eq!(d["scaledObject"]["hpa"], "keda-hpa-inference-queue-scaler");
    // 19: lag 5000 / 1000 per replica = 5; from 1 the cap is 4
    let d = what_if("19-keda-with-kafka.yaml", 1, &["kafka=5000"]);
    assert_eq!(d["hpa"]["proposedReplicas"], 5);
    assert_eq!(d["desiredReplicas"], 4);
    assert_eq!(d["triggers"][0]["metricName"], "s0-kafka-training-data");
    // 20: 5000 rps against 1000 per replica at 3 replicas: ceil(3 x 1.667) = 5
    let d = what_if("20-keda-with-prometheus.yaml", 3, &["prometheus=5000"]);
    assert_eq!(d["desiredReplicas"], 5);
    // ... and 500 rps proposes 1, held at 3 (minReplicaCount and the stabilization window)
    let d = what_if("20-keda-with-prometheus.yaml", 3, &["prometheus=500"]);
    assert_eq!(d["hpa"]["proposedReplicas"], 1);
    assert_eq!(d["desiredReplicas"], 3);
    // 21: empty queue, no lastActiveTime: past creation + initialCooldownPeriod, 3 -> 0
    let d = what_if("21-keda-scale-to-zero.yaml", 3, &["aws-sqs-queue=0"]);
    assert_eq!(d["desiredReplicas"], 0);
    assert_eq!(d["active"], false);
    assert_eq!(d["executor"]["reason"], "ScaledDown");
    // 23 (a multi-document file): one job queued at 0 replicas -> 1
    let d = what_if("23-batch-training-autoscaling.yaml", 0, &["0=1"]);
    assert_eq!(d["desiredReplicas"], 1);
    assert_eq!(d["activeTrigger"], "s0-aws-sqs-training-jobs");
}

#[test]
fn activation_threshold_and_negative_prometheus_values() {
    let so = r#"kind: ScaledObject
metadata: {name: p}
spec:
  scaleTargetRef: {name: w}
  minReplicaCount: 0
  triggers:
  - type: prometheus
    name: rps
    metadata: {serverAddress: "http://p", query: up, threshold: "10", activationThreshold: "5"}
"#;
    let go = |v: &str| {
        json_of(&run(
            &[
                "keda",
                "what-if",
                "-",
                "-r",
                "0",
                "--set",
                &format!("rps={v}"),
                "-o",
                "json",
            ],
            Some(so),
        ))
    };
    // 5 is not above the activation threshold 5: stays at 0
    let d = go("5");
    assert_eq!(d["desiredReplicas"], 0);
    assert_eq!(d["triggers"][0]["active"], false);
    assert_eq!(d["triggers"][0]["activation"], "> 5");
    let d = go("5.5");
    assert_eq!(d["desiredReplicas"], 1);
    // a negative result is sent to the HPA as 0, activation compares the raw value
    let d = go("-3");
    assert_eq!(d["triggers"][0]["value"], -3.0);
    assert_eq!(d["triggers"][0]["metricValue"], "0");
    assert!(
        d["reasons"][0]
            .as_str()
            .unwrap()
            .contains("sent to the HPA as 0")
    );
}

#[test]
fn unset_triggers_fail_like_a_scaler_error() {
    let d = what_if("21-keda-scale-to-zero.yaml", 0, &[]);
    assert_eq!(d["desiredReplicas"], 0);
    assert_eq!(d["triggerError"], true);
    assert_eq!(d["executor"]["reason"], "TriggerErrorNoFallback");
    assert_eq!(d["executor"]["ready"], "False");
}

#[test]
fn what_if_table() {
    let path = manifest("18-keda-with-sqs.yaml");
    let out = run(
        &[
            "keda",
            "what-if",
            &path,
            "-r",
            "2",
            "--set",
            "aws-sqs-queue=300",
        ],
        None,
    );
    assert!(out.status.success());
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(s.contains("decision: scale up from 2 to 4 replicas"), "{s}");
    assert!(s.contains("30 per replica"), "{s}");
    assert!(s.contains("The HPA KEDA created:"), "{s}");
    assert!(s.contains("ScaleUpLimit"), "{s}");
}

#[test]
fn what_if_errors() {
    let path = manifest("18-keda-with-sqs.yaml");
    for (set, needles) in [
        (
            "kafka=3",
            vec!["--set kafka", "no trigger \"kafka\"", "0 (aws-sqs-queue)"],
        ),
        (
            "aws-sqs-queue=3.5",
            vec!["--set aws-sqs-queue", "\"3.5\"", "queue length"],
        ),
        ("0=-1", vec!["queue length"]),
        ("aws-sqs-queue", vec!["TRIGGER=VALUE"]),
    ] {
        let out = run(&["keda", "what-if", &path, "-r", "1", "--set", set], None);
        assert_error(&out, &needles);
    }
    let out = run(&["keda", "what-if", &path], None);
    assert_error(&out, &["--replicas"]);
    let bad = "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: x}\nspec:\n  scaleTargetRef: {name: w}\n  triggers:\n  - type: rabbitmq\n";
    let out = run(&["keda", "what-if", "-", "-r", "1"], Some(bad));
    assert_error(&out, &["<stdin>", "document 0", "rabbitmq"]);
    let bad = "kind: ScaledObject\nspec:\n  minReplicaCount: many\n  triggers: []\n";
    let out = run(&["keda", "what-if", "-", "-r", "1"], Some(bad));
    assert_error(&out, &["<stdin>", "document 0", "spec.minReplicaCount"]);
    let two = "kind: ScaledObject\nmetadata: {name: x}\nspec:\n  scaleTargetRef: {name: w}\n  triggers:\n  - {type: aws-sqs-queue, metadata: {queueURL: a}}\n  - {type: aws-sqs-queue, metadata: {queueURL: b}}\n";
    let out = run(
        &[
            "keda",
            "what-if",
            "-",
            "-r",
            "1",
            "--set",
            "aws-sqs-queue=1",
        ],
        Some(two),
    );
    assert_error(&out, &["2 triggers have type aws-sqs-queue", "(0, 1)"]);
    let out = json_of(&run(
        &[
            "keda",
            "what-if",
            "-",
            "-r",
            "1",
            "--set",
            "1=10",
            "--set",
            "s0-aws-sqs-a=0",
            "-o",
            "json",
        ],
        Some(two),
    ));
    assert_eq!(out["triggers"][1]["value"], 10.0);
    assert_eq!(out["triggers"][0]["value"], 0.0);
}

const TWO_SCALER_JOB: &str = r#"apiVersion: keda.sh/v1alpha1
kind: ScaledJob
metadata: {name: multi}
spec:
  jobTargetRef: {template: {}}
  maxReplicaCount: 100
  scalingStrategy: {multipleScalersCalculation: CALC}
  triggers:
  - {type: aws-sqs-queue, name: a, metadata: {queueURL: qa, queueLength: "1"}}
  - {type: aws-sqs-queue, name: b, metadata: {queueURL: qb, queueLength: "2"}}
  - {type: aws-sqs-queue, name: c, metadata: {queueURL: qc, queueLength: "3"}}
  - {type: aws-sqs-queue, name: d, metadata: {queueURL: qd, queueLength: "4", activationQueueLength: "7"}}
"#;

fn job(manifest: &str, args: &[&str]) -> Value {
    let mut a = vec!["keda", "scaledjob", "-", "-o", "json"];
    a.extend_from_slice(args);
    json_of(&run(&a, Some(manifest)))
}

#[test]
fn scaledjob_multiple_scalers() {
    // conformance kc-029/kc-030: queues 20/1, 10/2, 5/3 and an inactive 7/4
    let sets = [
        "--set", "a=20", "--set", "b=10", "--set", "c=5", "--set", "d=7",
    ];
    let d = job(&TWO_SCALER_JOB.replace("CALC", "min"), &sets);
    assert_eq!(d["scalers"][3]["active"], false);
    assert_eq!(
        (d["scaleTo"].clone(), d["maxScale"].clone()),
        (5.into(), 2.into())
    );
    assert_eq!(d["jobsToCreate"], 2);
    let d = job(&TWO_SCALER_JOB.replace("CALC", "max"), &sets);
    assert_eq!(
        (d["scaleTo"].clone(), d["maxScale"].clone()),
        (20.into(), 20.into())
    );
    assert_eq!(d["jobsToCreate"], 20);
    let d = job(&TWO_SCALER_JOB.replace("CALC", "sum"), &sets);
    // active queues 20 + 10 + 5 = 35; maxValues 20 + 5 + 5/3 = 26.67 -> ceil 27
    assert_eq!(
        (d["scaleTo"].clone(), d["maxScale"].clone()),
        (35.into(), 27.into())
    );
    assert_eq!(d["multipleScalersCalculation"], "sum");
}

#[test]
fn scaledjob_strategies() {
    let path = scaledjob_example();
    // accurate (v2.19+): 12 queued, 10 running of which 3 pending: 12 + 10 - 3 <= 20 -> 12 - 3
    let d = json_of(&run(
        &[
            "keda",
            "scaledjob",
            &path,
            "--queue",
            "12",
            "--running",
            "10",
            "--pending",
            "3",
            "-o",
            "json",
        ],
        None,
    ));
    assert_eq!(d["strategy"], "accurate");
    assert_eq!(d["effectiveMaxScale"], 9);
    assert_eq!(d["jobsToCreate"], 9);
    let mk = |strategy: &str, max: u32| {
        format!(
            "kind: ScaledJob\nmetadata: {{name: j}}\nspec:\n  jobTargetRef: {{template: {{}}}}\n  maxReplicaCount: {max}\n  scalingStrategy: {{strategy: {strategy}}}\n  triggers:\n  - {{type: aws-sqs-queue, metadata: {{queueURL: q, queueLength: \"1\"}}}}\n"
        )
    };
    // accurate (3, 3, 3, 5): 3 + 3 - 3 <= 5 -> 3 - 3 = 0 (v2.18 gave 2)
    let d = job(
        &mk("accurate", 5),
        &["--queue", "3", "--running", "3", "--pending", "3"],
    );
    assert_eq!(d["jobsToCreate"], 0);
    // eager: min(10 - 3 - 3, 4) = 4 and scaleTo becomes 10
    let d = job(
        &mk("eager", 10),
        &["--queue", "4", "--running", "3", "--pending", "3"],
    );
    assert_eq!(
        (d["effectiveMaxScale"].clone(), d["scaleTo"].clone()),
        (4.into(), 10.into())
    );
    assert_eq!(d["jobsToCreate"], 4);
    // default: maxScale - running
    let d = job(&mk("default", 10), &["--queue", "8", "--running", "5"]);
    assert_eq!(d["jobsToCreate"], 3);
    // below minReplicaCount: fill up to it even with an empty queue (kc-026)
    let with_min =
        mk("default", 100).replace("maxReplicaCount", "minReplicaCount: 2\n  maxReplicaCount");
    let d = job(&with_min, &["--queue", "0", "--running", "1"]);
    assert_eq!(
        (d["effectiveMaxScale"].clone(), d["scaleTo"].clone()),
        (1.into(), 1.into())
    );
    assert_eq!(d["isActive"], true);
    assert_eq!(d["jobsToCreate"], 1);
    // inactive: nothing created
    let d = job(&mk("default", 10), &["--queue", "0"]);
    assert_eq!(d["jobsToCreate"], 0);
    assert_eq!(d["isActive"], false);
}

#[test]
fn scaledjob_table_and_errors() {
    let path = scaledjob_example();
    let out = run(
        &[
            "keda",
            "scaledjob",
            &path,
            "--queue",
            "12",
            "--running",
            "10",
            "--pending",
            "3",
        ],
        None,
    );
    assert!(out.status.success());
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(s.contains("decision: create 9 job(s)"), "{s}");
    assert!(s.contains("strategy accurate"), "{s}");
    let out = run(&["keda", "scaledjob", &path, "--running", "1"], None);
    assert_error(&out, &["trigger 0 (aws-sqs-queue)", "--queue"]);
    let out = run(
        &[
            "keda",
            "scaledjob",
            &path,
            "--queue",
            "1",
            "--running",
            "1",
            "--pending",
            "2",
        ],
        None,
    );
    assert_error(&out, &["--pending 2"]);
    let out = run(&["keda", "scaledjob", &path, "--queue", "x"], None);
    assert_error(&out, &["--queue", "\"x\""]);
    let out = run(
        &[
            "keda",
            "scaledjob",
            &path,
            "--queue",
            "1",
            "--set",
            "kafka=1",
        ],
        None,
    );
    assert_error(&out, &["--set kafka", "no trigger"]);
    let bad = "kind: ScaledJob\nspec:\n  jobTargetRef: {}\n  triggers:\n  - {type: cpu, metadata: {value: \"50\"}, metricType: Utilization}\n";
    let out = run(&["keda", "scaledjob", "-", "--queue", "1"], Some(bad));
    assert_error(&out, &["<stdin>", "document 0", "spec.triggers[0]", "cpu"]);
    let out = run(
        &[
            "keda",
            "scaledjob",
            &manifest("18-keda-with-sqs.yaml"),
            "--queue",
            "1",
        ],
        None,
    );
    assert_error(&out, &["no ScaledJob", "ScaledObject"]);
}

const CPU_AND_CRON: &str = r#"kind: ScaledObject
metadata: {name: c}
spec:
  scaleTargetRef: {name: w}
  minReplicaCount: 1
  maxReplicaCount: 20
  triggers:
  - {type: cpu, metricType: Utilization, metadata: {value: "60"}}
  - {type: cron, name: office, metadata: {timezone: Europe/Paris, start: "0 8 * * 1-5", end: "0 18 * * 1-5", desiredReplicas: "5"}}
"#;

#[test]
fn cpu_and_cron_triggers() {
    let go = |cpu: &str, now: &str| {
        json_of(&run(
            &[
                "keda", "what-if", "-", "-r", "3", "--set", cpu, "--now", now, "-o", "json",
            ],
            Some(CPU_AND_CRON),
        ))
    };
    // Monday 09:30 in Paris: the cron window asks for 5, cpu at 120% of a 60% target for 6
    let d = go("cpu=120%", "2024-05-06T09:30:00Z");
    assert_eq!(d["triggers"][1]["active"], true);
    assert_eq!(d["triggers"][1]["value"], 5.0);
    assert_eq!(d["hpa"]["metrics"][0]["replicas"], 5);
    assert_eq!(d["hpa"]["metrics"][1]["utilization"], 120);
    assert_eq!(d["desiredReplicas"], 6);
    // 20:30: outside the window; cpu at 30% proposes 2, held at 3 by the stabilization window
    let d = go("cpu=30%", "2024-05-06T20:30:00Z");
    assert_eq!(d["triggers"][1]["active"], false);
    assert_eq!(d["hpa"]["proposedReplicas"], 2);
    assert_eq!(d["desiredReplicas"], 3);
    let out = run(
        &["keda", "what-if", "-", "-r", "3", "--set", "office=1"],
        Some(CPU_AND_CRON),
    );
    assert_error(&out, &["--set office", "cron", "--now"]);
}

#[test]
fn help_texts() {
    for args in [
        &["keda", "--help"][..],
        &["keda", "what-if", "--help"],
        &["keda", "scaledjob", "-h"],
        &["vpa", "--help"],
        &["vpa", "recommend", "--help"],
        &["--help"],
    ] {
        let out = run(args, None);
        assert!(out.status.success(), "{args:?}");
        assert!(!out.stdout.is_empty());
    }
    let out = run(&["keda", "frobnicate"], None);
    assert_error(
        &out,
        &[
            "unrecognized subcommand 'frobnicate'",
            "Usage: tidescale keda what-if",
            "tidescale keda scaledjob",
        ],
    );
    let out = run(&["vpa", "frobnicate"], None);
    assert_error(
        &out,
        &[
            "unrecognized subcommand 'frobnicate'",
            "Usage: tidescale vpa recommend",
        ],
    );
}

#[test]
fn last_active_starts_the_cooldown_to_zero() {
    // 21: minReplicaCount 0, cooldownPeriod 300; an empty queue is inactive.
    let path = manifest("21-keda-scale-to-zero.yaml");
    let poll = |last_active: &str| {
        json_of(&run(
            &[
                "keda",
                "what-if",
                &path,
                "-r",
                "2",
                "--set",
                "aws-sqs-queue=0",
                "--now",
                "1000",
                "--last-active",
                last_active,
                "-o",
                "json",
            ],
            None,
        ))
    };
    let cooling = poll("800");
    assert_eq!(cooling["desiredReplicas"], 2);
    assert_eq!(cooling["executor"]["reason"], "CoolingDown");
    let idle = poll("600");
    assert_eq!(idle["desiredReplicas"], 0);
    assert_eq!(idle["executor"]["reason"], "ScaledDown");
}

#[test]
fn kafka_partition_limitation_errors_are_reported() {
    let so = |limit: &str| {
        format!(
            "kind: ScaledObject\nmetadata: {{name: w}}\nspec:\n  scaleTargetRef: {{name: w}}\n  \
             maxReplicaCount: 20\n  triggers:\n  - type: kafka\n    metadata:\n      \
             bootstrapServers: b\n      consumerGroup: g\n      topic: t\n      \
             partitionLimitation: '{limit}'\n"
        )
    };
    for bad in ["1-x", "1-2-3", "-3"] {
        let text = so(bad);
        let out = run(
            &[
                "keda",
                "what-if",
                "-",
                "--replicas",
                "1",
                "--set",
                "kafka=5",
            ],
            Some(&text),
        );
        assert_error(&out, &["partitionLimitation", bad]);
    }
    let text = so("5-3");
    let out = run(
        &[
            "keda",
            "what-if",
            "-",
            "--replicas",
            "1",
            "--set",
            "kafka=5",
            "-o",
            "json",
        ],
        Some(&text),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
