//! The CLI and the core give the same ScaledJob answer, field by field (issue 9: the CLI once
//! said 0 where the Python door said 3 for a `Value` target; KEDA's `getTargetAverageValue`
//! reads only `averageValue`, so 0 is the answer everywhere).

mod common;

use common::{json_of, run};
use tidescale::Timestamp;
use tidescale::keda::ScaledJob;

fn manifest(metric_type: &str, strategy: &str) -> String {
    format!(
        r#"apiVersion: keda.sh/v1alpha1
kind: ScaledJob
metadata: {{name: q}}
spec:
  jobTargetRef: {{template: {{}}}}
  maxReplicaCount: 10
  scalingStrategy: {{strategy: {strategy}}}
  triggers:
  - type: prometheus
    metricType: {metric_type}
    metadata: {{serverAddress: "http://prom:9090", query: "sum(q)", threshold: "5"}}
"#
    )
}

#[test]
fn scaledjob_cli_equals_core() {
    let mut seen = Vec::new();
    for metric_type in ["AverageValue", "Value"] {
        for strategy in ["default", "accurate", "eager"] {
            for queue in [0, 12, 49, 1000] {
                let text = manifest(metric_type, strategy);
                let job: ScaledJob =
                    tidescale::manifest::load(&text, &tidescale::manifest::SCALED_JOB, None)
                        .unwrap()
                        .object;
                let t = job.triggers().unwrap();
                let r = t[0]
                    .reading_from_value(f64::from(queue), Timestamp(0))
                    .unwrap();
                let core = job.decide(&[r], 2, 1).unwrap();
                let q = queue.to_string();
                let cli = json_of(&run(
                    &[
                        "keda",
                        "scaledjob",
                        "-",
                        "--queue",
                        &q,
                        "--running",
                        "2",
                        "--pending",
                        "1",
                        "-o",
                        "json",
                    ],
                    Some(&text),
                ));
                let case = format!("{metric_type} {strategy} queue {queue}");
                assert_eq!(cli["jobsToCreate"], core.jobs_to_create, "{case}");
                assert_eq!(cli["scaleTo"], core.decision.scale_to, "{case}");
                assert_eq!(
                    cli["effectiveMaxScale"], core.decision.effective_max_scale,
                    "{case}"
                );
                assert_eq!(cli["maxScale"], core.combined.max_value, "{case}");
                assert_eq!(cli["isActive"], core.combined.is_active, "{case}");
                seen.push((metric_type, strategy, queue, core.jobs_to_create));
            }
        }
    }
    // The issue's case: threshold 5, queue 12, nothing running: 3 with AverageValue, 0 with Value.
    let job = |m: &str| {
        json_of(&run(
            &["keda", "scaledjob", "-", "--queue", "12", "-o", "json"],
            Some(&manifest(m, "default")),
        ))
    };
    assert_eq!(job("AverageValue")["jobsToCreate"], 3);
    assert_eq!(job("Value")["jobsToCreate"], 0);
    assert!(seen.iter().any(|s| s.3 > 0), "{seen:?}");
}

/// Unknown manifest fields: a warning on stderr (the answer still printed), an error with
/// `--strict` (issue 9: `spec.behaviour` silently ran the legacy path).
#[test]
fn unknown_fields_warn_or_fail_with_strict() {
    let text = manifest("AverageValue", "default").replace(
        "    metricType: AverageValue\n",
        "    metricType: AverageValue\n    metdata: {}\n",
    );
    let out = run(
        &["keda", "scaledjob", "-", "--queue", "12", "-o", "json"],
        Some(&text),
    );
    assert_eq!(json_of(&out)["jobsToCreate"], 3);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.trim(),
        r#"tidescale: warning: <stdin>: document 0: unknown field "spec.triggers[0].metdata""#
    );
    let out = run(
        &["keda", "scaledjob", "-", "--queue", "12", "--strict"],
        Some(&text),
    );
    common::assert_error(
        &out,
        &["<stdin>", "field spec.triggers[0].metdata: unknown field"],
    );
    let hpa = "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\n\
               spec:\n  scaleTargetRef: {kind: Deployment, name: web}\n  maxReplicas: 10\n\
               \x20 metrics:\n  - type: Resource\n    resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}\n\
               \x20 behaviour: {scaleDown: {stabilizationWindowSeconds: 0}}\n";
    let out = run(
        &[
            "hpa",
            "what-if",
            "-",
            "--replicas",
            "3",
            "--strict",
            "--set",
            "cpu=140%",
        ],
        Some(hpa),
    );
    common::assert_error(&out, &["field spec.behaviour: unknown field"]);
}
