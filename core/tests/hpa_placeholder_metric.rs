//! A metric spec with no target (Go's zero `MetricTarget`, the placeholder metric of the
//! upstream controller tests): the controller fails only when it evaluates that metric, and
//! below `minReplicas` (or above `maxReplicas`) it never does (spec hpa.md §1 `reconcile`
//! notes, §3 step 4). API validation still rejects such an object.

use tidescale::Timestamp;
use tidescale::hpa::{
    ConditionStatus, ConditionType, Controller, HorizontalPodAutoscaler, HpaError, MetricValues,
    Observation, Pod, PodMetric, Scale, Settings,
};

fn hpa(metric: &str) -> HorizontalPodAutoscaler {
    serde_json::from_str(&format!(
        r#"{{"spec": {{"minReplicas": 3, "maxReplicas": 6, "metrics": [{metric}]}}}}"#
    ))
    .unwrap()
}

/// The placeholder forms: no `target`, `{}` and Go's JSON of the zero value.
const PLACEHOLDERS: [&str; 3] = [
    r#"{"type": "Resource", "resource": {"name": "cpu"}}"#,
    r#"{"type": "Resource", "resource": {"name": "cpu", "target": {}}}"#,
    r#"{"type": "Resource", "resource": {"name": "cpu", "target": {"type": ""}}}"#,
];

fn step(ctl: &mut Controller, replicas: i32) -> tidescale::hpa::Decision {
    let pods: Vec<Pod> = (0..replicas)
        .map(|i| Pod::running(&format!("web-{i}"), 1000))
        .collect();
    let now = Timestamp::from_secs(1000);
    let samples: Vec<PodMetric> = (0..replicas as usize)
        .map(|i| PodMetric::new(i, 900, now))
        .collect();
    ctl.step(
        now,
        &Observation {
            scale: Scale {
                spec_replicas: replicas,
                status_replicas: replicas,
            },
            pods: &pods,
            metrics: &[MetricValues::Pods(&samples)],
        },
    )
    .unwrap()
    .clone()
}

#[test]
fn below_min_replicas_the_placeholder_is_never_evaluated() {
    for m in PLACEHOLDERS {
        let mut ctl = Controller::from_stored(hpa(m), Settings::default()).unwrap();
        let d = step(&mut ctl, 1);
        assert_eq!((d.desired_replicas, d.rescale), (3, true), "{m}");
        assert_eq!(d.error, None, "{m}");
        assert_eq!(
            d.rescale_reason, "Current number of replicas below Spec.MinReplicas",
            "{m}"
        );
        // Above maxReplicas it is not evaluated either.
        let d = step(&mut ctl, 9);
        assert_eq!((d.desired_replicas, d.error.as_deref()), (6, None), "{m}");
    }
}

#[test]
fn inside_the_bounds_evaluating_the_placeholder_fails() {
    for m in PLACEHOLDERS {
        let mut ctl = Controller::from_stored(hpa(m), Settings::default()).unwrap();
        let d = step(&mut ctl, 4);
        assert!(!d.rescale, "{m}");
        let e = d.error.as_deref().unwrap_or_default();
        assert!(
            e.contains("neither an average utilization target nor an average value target"),
            "{m}: {e:?}"
        );
        let active = d.condition(ConditionType::ScalingActive).unwrap();
        assert_eq!(active.status, ConditionStatus::False, "{m}");
    }
}

#[test]
fn api_validation_rejects_the_placeholder_and_a_typeless_target() {
    for m in PLACEHOLDERS {
        let e = Controller::new(hpa(m), Settings::default()).unwrap_err();
        assert!(
            matches!(&e, HpaError::Invalid(msg) if msg.contains("must set either a target raw value or a target utilization")),
            "{m}: {e}"
        );
    }
    // A target with a value but no type is not the zero value: `type` is required.
    let typeless = r#"{"spec": {"maxReplicas": 6, "metrics": [{"type": "Resource",
        "resource": {"name": "cpu", "target": {"averageUtilization": 50}}}]}}"#;
    let e = serde_json::from_str::<HorizontalPodAutoscaler>(typeless).unwrap_err();
    assert!(e.to_string().contains("missing field `type`"), "{e}");
    let unknown = typeless.replace(
        r#""averageUtilization""#,
        r#""type": "Percent", "averageUtilization""#,
    );
    let e = serde_json::from_str::<HorizontalPodAutoscaler>(&unknown).unwrap_err();
    assert!(e.to_string().contains("unknown variant `Percent`"), "{e}");
}
