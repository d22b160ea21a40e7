//! Unknown manifest fields are reported, as kubectl's field validation does (issue 9): a
//! warning by default, an error in strict mode, nothing for the fields the seed manifests use.

use std::path::Path;

use tidescale::hpa::HorizontalPodAutoscaler;
use tidescale::keda::{ScaledJob, ScaledObject};
use tidescale::manifest::{
    self, FieldValidation, HPA, ManifestErrorKind, ObjectKind, SCALED_JOB, SCALED_OBJECT, VPA,
};
use tidescale::vpa::VerticalPodAutoscaler;

const HPA_TEXT: &str = r#"
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 10
  metrics:
  - type: Resource
    resource:
      name: cpu
      traget: {type: Utilization, averageUtilization: 50}
      target: {type: Utilization, averageUtilization: 50}
  behaviour:
    scaleDown: {stabilizationWindowSeconds: 0}
"#;

const SO_TEXT: &str = r#"
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: worker}
spec:
  scaleTargetRef: {name: worker}
  triggers:
  - type: aws-sqs-queue
    metdata: {queueURL: q, queueLength: "5"}
    metadata: {queueURL: q, queueLength: "5"}
"#;

fn paths<T: serde::de::DeserializeOwned>(text: &str, kind: &ObjectKind) -> Vec<String> {
    manifest::load_with::<T>(text, kind, None, FieldValidation::Warn)
        .unwrap()
        .warnings
        .into_iter()
        .map(|w| w.path)
        .collect()
}

#[test]
fn unknown_fields_warn_by_default() {
    assert_eq!(
        paths::<HorizontalPodAutoscaler>(HPA_TEXT, &HPA),
        ["spec.behaviour", "spec.metrics[0].resource.traget"]
    );
    assert_eq!(
        paths::<ScaledObject>(SO_TEXT, &SCALED_OBJECT),
        ["spec.triggers[0].metdata"]
    );
    // the plain loaders warn too
    let l = manifest::load::<HorizontalPodAutoscaler>(HPA_TEXT, &HPA, None).unwrap();
    assert_eq!(l.warnings.len(), 2);
    assert_eq!(
        l.warnings[0].to_string(),
        r#"document 0: unknown field "spec.behaviour""#
    );
    // `behaviour` was ignored: the legacy path's default would run, which is why it is reported
    assert!(l.object.spec.behavior.is_none());
}

#[test]
fn strict_mode_rejects_and_ignore_mode_is_silent() {
    let e = manifest::load_with::<HorizontalPodAutoscaler>(
        HPA_TEXT,
        &HPA,
        None,
        FieldValidation::Strict,
    )
    .unwrap_err();
    assert_eq!(e.kind, ManifestErrorKind::UnknownField);
    assert_eq!(e.path.as_deref(), Some("spec.behaviour"));
    assert_eq!(
        e.to_string(),
        "document 0: field spec.behaviour: unknown field (strict field validation)"
    );
    let e =
        manifest::load_with::<ScaledObject>(SO_TEXT, &SCALED_OBJECT, None, FieldValidation::Strict)
            .unwrap_err();
    assert_eq!(e.path.as_deref(), Some("spec.triggers[0].metdata"));
    let l = manifest::load_with::<HorizontalPodAutoscaler>(
        HPA_TEXT,
        &HPA,
        None,
        FieldValidation::Ignore,
    )
    .unwrap();
    assert!(l.warnings.is_empty());
}

#[test]
fn bare_specs_and_lists_report_full_paths() {
    let bare = "maxReplicas: 3\nminReplica: 1\n";
    assert_eq!(
        paths::<HorizontalPodAutoscaler>(bare, &HPA),
        ["spec.minReplica"]
    );
}

/// Every object of the seed manifests loads in strict mode: the fields users write are known.
#[test]
fn seed_manifests_have_no_unknown_fields() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files: Vec<_> = std::fs::read_dir(root.join("examples/manifests"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.push(root.join("examples/keda/scaledjob.yaml"));
    files.sort();
    let mut checked = 0;
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        for (i, doc) in manifest::documents(&text).unwrap() {
            let kind = doc.get("kind").and_then(|k| k.as_str()).unwrap_or("");
            let one = vec![(i, doc.clone())];
            let strict = FieldValidation::Strict;
            let r = match kind {
                "HorizontalPodAutoscaler" => {
                    manifest::pick_with::<HorizontalPodAutoscaler>(one, &HPA, None, strict)
                        .map(|_| ())
                }
                "VerticalPodAutoscaler" => {
                    manifest::pick_with::<VerticalPodAutoscaler>(one, &VPA, None, strict)
                        .map(|_| ())
                }
                "ScaledObject" => {
                    manifest::pick_with::<ScaledObject>(one, &SCALED_OBJECT, None, strict)
                        .map(|_| ())
                }
                "ScaledJob" => {
                    manifest::pick_with::<ScaledJob>(one, &SCALED_JOB, None, strict).map(|_| ())
                }
                _ => continue,
            };
            if let Err(e) = r {
                panic!("{} ({kind}): {e}", path.display());
            }
            checked += 1;
        }
    }
    assert!(checked >= 15, "{checked}");
}
