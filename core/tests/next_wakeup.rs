//! `Controller::next_wakeup`: the next sync, or earlier when a policy period or a
//! stabilization window ends.

use tidescale::Timestamp;
use tidescale::hpa::{
    Controller, HorizontalPodAutoscaler, MetricValues, Observation, Pod, PodMetric, Scale, Settings,
};

#[test]
fn wakes_up_when_a_period_or_window_ends() {
    let hpa: HorizontalPodAutoscaler = serde_json::from_value(serde_json::json!({"spec": {
        "minReplicas": 1, "maxReplicas": 20,
        "metrics": [{"type": "Resource", "resource": {"name": "cpu",
            "target": {"type": "Utilization", "averageUtilization": 50}}}],
        "behavior": {"scaleUp": {"policies": [{"type": "Pods", "value": 4, "periodSeconds": 60}]},
                     "scaleDown": {"stabilizationWindowSeconds": 300}}}}))
    .unwrap();
    let settings = Settings {
        sync_period_seconds: 600,
        ..Settings::default()
    };
    let mut ctl = Controller::new(hpa, settings).unwrap();
    let t = Timestamp::from_secs(100);
    let pods: Vec<Pod> = (0..2)
        .map(|i| Pod::running(&format!("p{i}"), 1000))
        .collect();
    let cpu: Vec<PodMetric> = (0..2).map(|i| PodMetric::new(i, 1000, t)).collect();
    let d = ctl
        .step(
            t,
            &Observation {
                scale: Scale {
                    spec_replicas: 2,
                    status_replicas: 2,
                },
                pods: &pods,
                metrics: &[MetricValues::Pods(&cpu)],
            },
        )
        .unwrap();
    assert_eq!(d.desired_replicas, 4); // ratio 2.0 x 2 pods; a scale-up event at 100 s
    // The event at 100 s leaves the default scale-down policy's 15 s period at 115 s (both
    // directions count both event lists), the Pods/60 s period at 160 s; the down window
    // (recommendations at 100 s) ends at 400 s.
    assert_eq!(
        ctl.next_wakeup(Timestamp::from_secs(110)),
        Timestamp::from_secs(115)
    );
    assert_eq!(
        ctl.next_wakeup(Timestamp::from_secs(116)),
        Timestamp::from_secs(160)
    );
    assert_eq!(
        ctl.next_wakeup(Timestamp::from_secs(170)),
        Timestamp::from_secs(400)
    );
    assert_eq!(
        ctl.next_wakeup(Timestamp::from_secs(500)),
        Timestamp::from_secs(1100)
    );
}
