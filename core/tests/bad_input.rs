//! Bad input never panics and never yields a silently wrong number: each case gets a typed
//! error or the upstream condition.

use tidescale::hpa::{
    Controller, HorizontalPodAutoscaler, HpaError, MetricValues, Observation, Pod, PodMetric,
    Reason, Scale, Settings,
};
use tidescale::{Quantity, Timestamp};

fn cpu_hpa() -> HorizontalPodAutoscaler {
    serde_json::from_str(
        r#"{"spec": {"minReplicas": 1, "maxReplicas": 10, "metrics": [{"type": "Resource",
            "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}]}}"#,
    )
    .unwrap()
}

fn step(
    ctl: &mut Controller,
    replicas: i32,
    pods: &[Pod],
    metrics: &[MetricValues<'_>],
) -> Result<(i32, Option<Reason>), HpaError> {
    ctl.step(
        Timestamp(0),
        &Observation {
            scale: Scale {
                spec_replicas: replicas,
                status_replicas: replicas,
            },
            pods,
            metrics,
        },
    )
    .map(|d| {
        (
            d.desired_replicas,
            d.conditions
                .iter()
                .find(|c| c.type_ == tidescale::hpa::ConditionType::ScalingActive)
                .map(|c| c.reason),
        )
    })
}

#[test]
fn negative_replicas_are_rejected() {
    let mut ctl = Controller::new(cpu_hpa(), Settings::default()).unwrap();
    let e = step(&mut ctl, -1, &[], &[MetricValues::Unavailable]).unwrap_err();
    assert!(matches!(e, HpaError::Observation(_)), "{e}");
}

#[test]
fn reading_count_must_match_metrics() {
    let mut ctl = Controller::new(cpu_hpa(), Settings::default()).unwrap();
    let e = step(&mut ctl, 1, &[], &[]).unwrap_err();
    assert!(e.to_string().contains("expected 1 metric readings"), "{e}");
}

#[test]
fn negative_samples_are_rejected_and_state_is_kept() {
    let mut ctl = Controller::new(cpu_hpa(), Settings::default()).unwrap();
    let pods = [Pod::running("a", 1000)];
    let bad = [PodMetric::new(0, -5, Timestamp(0))];
    assert!(step(&mut ctl, 1, &pods, &[MetricValues::Pods(&bad)]).is_err());
    assert!(
        ctl.history().recommendations.is_none(),
        "a rejected step must not touch history"
    );
    let good = [PodMetric::new(0, 1000, Timestamp(0))];
    assert_eq!(
        step(&mut ctl, 1, &pods, &[MetricValues::Pods(&good)])
            .unwrap()
            .0,
        2
    );
}

#[test]
fn missing_request_sets_the_upstream_condition() {
    let mut ctl = Controller::new(cpu_hpa(), Settings::default()).unwrap();
    let mut pod = Pod::running("a", 1000);
    pod.containers[0].requests.clear();
    let s = [PodMetric::new(0, 100, Timestamp(0))];
    let (desired, reason) = step(&mut ctl, 3, &[pod], &[MetricValues::Pods(&s)]).unwrap();
    assert_eq!(
        (desired, reason),
        (0, Some(Reason::FailedGetResourceMetric))
    );
    assert!(
        ctl.last_decision()
            .error
            .as_deref()
            .unwrap()
            .contains("missing request for cpu")
    );
}

#[test]
fn fetch_errors_and_wrong_reading_kinds_fail_the_metric() {
    let mut ctl = Controller::new(cpu_hpa(), Settings::default()).unwrap();
    let (_, reason) = step(&mut ctl, 2, &[], &[MetricValues::Unavailable]).unwrap();
    assert_eq!(reason, Some(Reason::FailedGetResourceMetric));
    let (_, reason) = step(&mut ctl, 2, &[], &[MetricValues::Object(5)]).unwrap();
    assert_eq!(reason, Some(Reason::FailedGetResourceMetric));
}

#[test]
fn extreme_values_do_not_panic() {
    let mut ctl = Controller::new(cpu_hpa(), Settings::default()).unwrap();
    let pods: Vec<Pod> = (0..3).map(|i| Pod::running(&format!("p{i}"), 1)).collect();
    let s: Vec<PodMetric> = (0..3)
        .map(|i| PodMetric::new(i, i64::MAX, Timestamp(0)))
        .collect();
    let (desired, _) = step(&mut ctl, 3, &pods, &[MetricValues::Pods(&s)]).unwrap();
    assert!((1..=10).contains(&desired));
    let ext: HorizontalPodAutoscaler = serde_json::from_str(
        r#"{"spec": {"maxReplicas": 10, "metrics": [{"type": "External", "external": {
            "metric": {"name": "queue"}, "target": {"type": "AverageValue", "averageValue": "1"}}}]}}"#,
    )
    .unwrap();
    let mut ctl = Controller::new(ext, Settings::default()).unwrap();
    let v = [i64::MAX, i64::MAX];
    let (desired, _) = step(&mut ctl, 3, &[], &[MetricValues::External(&v)]).unwrap();
    assert_eq!(
        desired, 6,
        "legacy cap max(2*3, 4) applies to a saturated proposal"
    );
}

#[test]
fn invalid_manifests_and_settings_are_typed_errors() {
    for (json, needle) in [
        (r#"{"spec": {"maxReplicas": 0}}"#, "maxReplicas"),
        (
            r#"{"spec": {"minReplicas": 0, "maxReplicas": 3}}"#,
            "minReplicas",
        ),
        (
            r#"{"spec": {"maxReplicas": 3, "metrics": [{"type": "Cheese"}]}}"#,
            "spec.metrics[0].type",
        ),
        (
            r#"{"spec": {"maxReplicas": 3, "behavior": {"scaleUp": {"selectPolicy": "Most"}}}}"#,
            "Unsupported value: \"Most\"",
        ),
        (
            r#"{"spec": {"maxReplicas": 3, "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization"}}}]}}"#,
            "must set either",
        ),
    ] {
        let hpa: HorizontalPodAutoscaler = serde_json::from_str(json).unwrap();
        let e = Controller::new(hpa, Settings::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains(needle), "{json}: {e}");
    }
    let settings = Settings {
        tolerance: f64::NAN,
        ..Settings::default()
    };
    assert!(Controller::new(cpu_hpa(), settings).is_err());
    for bad in ["1.5.5", "12Q", "", "--1", "1e99", "99999999999999999Ei"] {
        assert!(bad.parse::<Quantity>().is_err(), "{bad}");
    }
    assert!(
        serde_json::from_str::<HorizontalPodAutoscaler>(r#"{"spec": {"maxReplicas": "x"}}"#)
            .is_err()
    );
    assert!(serde_json::from_str::<Quantity>("1e400").is_err());
}
