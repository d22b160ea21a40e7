//! Kubernetes invariants as properties.

use proptest::prelude::*;
use tidescale::hpa::{
    self, Controller, Events, History, HorizontalPodAutoscaler, MetricValues, Observation, Pod,
    PodMetric, ReadinessTimings, Recommendation, ReplicaCalculator, Scale, ScaleEvent, Settings,
    Tolerances,
};
use tidescale::{Quantity, Timestamp};

fn hpa(min: i32, max: i32, target: i32, behavior: bool) -> HorizontalPodAutoscaler {
    let mut v = serde_json::json!({"spec": {"minReplicas": min, "maxReplicas": max,
        "metrics": [{"type": "Resource", "resource": {"name": "cpu",
            "target": {"type": "Utilization", "averageUtilization": target}}}]}});
    if behavior {
        v["spec"]["behavior"] = serde_json::json!({"scaleUp": {"policies": [
            {"type": "Pods", "value": 2, "periodSeconds": 60},
            {"type": "Percent", "value": 50, "periodSeconds": 60}]}});
    }
    serde_json::from_value(v).unwrap()
}

fn calc() -> ReplicaCalculator {
    ReplicaCalculator {
        tolerances: Tolerances::default(),
        timings: ReadinessTimings::default(),
        pod_level_resources: false,
        now: Timestamp(0),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256)))]

    /// The decision always lies in [minReplicas, maxReplicas].
    #[test]
    fn decision_within_min_max(
        min in 1i32..5, extra in 0i32..30, target in 10i32..150, behavior in any::<bool>(),
        usages in prop::collection::vec(0i64..5000, 1..20), history in prop::collection::vec((1i32..60, -600i64..0), 0..10),
    ) {
        let max = min + extra;
        let current = (usages.len() as i32).clamp(min, max);
        let mut ctl = Controller::new(hpa(min, max, target, behavior), Settings::default()).unwrap();
        ctl.set_history(History {
            recommendations: Some(history.iter().map(|&(r, t)| Recommendation { replicas: r, time: Timestamp::from_secs(t) }).collect()),
            ..History::default()
        });
        let pods: Vec<Pod> = (0..usages.len()).map(|i| Pod::running(&format!("p{i}"), 1000)).collect();
        let samples: Vec<PodMetric> = usages.iter().enumerate().map(|(i, &u)| PodMetric::new(i, u, Timestamp(0))).collect();
        let d = ctl.step(Timestamp(0), &Observation {
            scale: Scale { spec_replicas: current, status_replicas: current },
            pods: &pods, metrics: &[MetricValues::Pods(&samples)] }).unwrap();
        prop_assert!(d.desired_replicas >= min && d.desired_replicas <= max, "{d}");
    }

    /// A scale-up never goes past what the active policies allow.
    #[test]
    fn scale_up_respects_policies(
        current in 1i32..50, desired in 1i32..500,
        events in prop::collection::vec((1i32..10, -120i64..0), 0..6),
    ) {
        let rules = hpa::scale_up_rules(Some(&serde_json::from_value(serde_json::json!({
            "policies": [{"type": "Pods", "value": 3, "periodSeconds": 60},
                         {"type": "Percent", "value": 40, "periodSeconds": 30}]})).unwrap()));
        let down = hpa::scale_down_rules(None);
        let up: Vec<ScaleEvent> = events.iter().map(|&(c, t)| ScaleEvent { replica_change: c, time: Timestamp::from_secs(t), outdated: false }).collect();
        let ev = Events { up: &up, down: &[] };
        let r = hpa::behavior_rate(hpa::RateArgs { current, desired, min: 1, max: 10_000,
            scale_up: &rules, scale_down: &down, events: ev, now: Timestamp(0) });
        let limit = hpa::scale_up_limit(current, ev, &rules, Timestamp(0)).max(current);
        prop_assert!(r.replicas <= limit.max(current));
        prop_assert!(r.replicas <= desired.max(current));
    }

    /// No scale-down below a higher recommendation still inside the down window.
    #[test]
    fn stabilization_holds_scale_down(
        current in 1i32..50, desired in 0i32..50, window in 1i64..600,
        recs in prop::collection::vec((0i32..60, -700i64..0), 0..10),
    ) {
        let mut history: Vec<Recommendation> = recs.iter().map(|&(r, t)| Recommendation { replicas: r, time: Timestamp::from_secs(t) }).collect();
        let in_window = history.iter().filter(|r| r.time > Timestamp::from_secs(-window)).map(|r| r.replicas).max();
        let s = hpa::stabilize_with_behavior(&mut history, current, desired, 0, window, Timestamp(0));
        let floor = current.min(in_window.unwrap_or(desired).max(desired));
        prop_assert!(s.replicas >= floor, "{} < {}", s.replicas, floor);
    }

    /// With the same pods, more usage never gives fewer replicas.
    #[test]
    fn more_usage_never_fewer_replicas(
        n in 1usize..20, target in 10i32..200, a in 0i64..4000, b in 0i64..4000,
    ) {
        let (lo, hi) = (a.min(b), a.max(b));
        let pods: Vec<Pod> = (0..n).map(|i| Pod::running(&format!("p{i}"), 1000)).collect();
        let at = |u: i64| {
            let s: Vec<PodMetric> = (0..n).map(|i| PodMetric::new(i, u, Timestamp(0))).collect();
            calc().resource_replicas(n as i32, target, "cpu", "", &pods, &s).unwrap().replicas
        };
        prop_assert!(at(lo) <= at(hi));
    }

    /// History and quantities survive serialization.
    #[test]
    fn round_trips(
        recs in prop::collection::vec((0i32..1000, any::<i64>()), 0..20),
        milli in -1_000_000_000_000i64..1_000_000_000_000,
    ) {
        let h = History {
            recommendations: Some(recs.iter().map(|&(r, t)| Recommendation { replicas: r, time: Timestamp(t) }).collect()),
            scale_up_events: vec![ScaleEvent { replica_change: 3, time: Timestamp(milli), outdated: true }],
            scale_down_events: Vec::new(),
        };
        let back: History = serde_json::from_str(&serde_json::to_string(&h).unwrap()).unwrap();
        prop_assert_eq!(back, h);
        let q = Quantity::from_milli(milli);
        prop_assert_eq!(q.to_string().parse::<Quantity>().unwrap().milli_value(), milli);
        for s in ["Ki", "Mi", "Gi"] {
            let q: Quantity = format!("{}{s}", milli.unsigned_abs() % 100_000).parse().unwrap();
            let back: Quantity = q.to_string().parse().unwrap();
            prop_assert_eq!(back.milli_value(), q.milli_value());
        }
    }
}

#[test]
fn hpa_object_round_trips() {
    let h = hpa(2, 9, 70, true);
    let back: HorizontalPodAutoscaler =
        serde_json::from_str(&serde_json::to_string(&h).unwrap()).unwrap();
    assert_eq!(back, h);
}
