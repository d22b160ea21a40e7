//! Once warm, a controller step allocates nothing (a counting global allocator checks it).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use tidescale::Timestamp;
use tidescale::hpa::{
    Controller, HorizontalPodAutoscaler, MetricValues, Observation, Pod, PodMetric, Scale, Settings,
};

struct Counting;
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn warm_step_does_not_allocate() {
    let hpa: HorizontalPodAutoscaler = serde_json::from_value(serde_json::json!({"spec": {
        "minReplicas": 1, "maxReplicas": 1000,
        "metrics": [
            {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}}},
            {"type": "Pods", "pods": {"metric": {"name": "rps"}, "target": {"type": "AverageValue", "averageValue": "100"}}}],
        "behavior": {"scaleDown": {"stabilizationWindowSeconds": 300}}}}))
    .unwrap();
    let mut ctl = Controller::new(hpa, Settings::default()).unwrap();
    let pods: Vec<Pod> = (0..10)
        .map(|i| Pod::running(&format!("p{i}"), 1000))
        .collect();
    let mut now = Timestamp::from_secs(1000);
    let mut run = |now: Timestamp, cpu_milli: i64| {
        let cpu: Vec<PodMetric> = (0..10).map(|i| PodMetric::new(i, cpu_milli, now)).collect();
        let rps: Vec<PodMetric> = (0..10).map(|i| PodMetric::new(i, 90_000, now)).collect();
        let metrics = [MetricValues::Pods(&cpu), MetricValues::Pods(&rps)];
        let before = ALLOCATIONS.load(Ordering::Relaxed);
        let d = ctl
            .step(
                now,
                &Observation {
                    scale: Scale {
                        spec_replicas: 10,
                        status_replicas: 10,
                    },
                    pods: &pods,
                    metrics: &metrics,
                },
            )
            .unwrap();
        let desired = d.desired_replicas;
        (ALLOCATIONS.load(Ordering::Relaxed) - before, desired)
    };
    // Warm up: 40 syncs (10 minutes) fill the recommendation and event slots.
    for i in 0..40 {
        now = now.plus_secs(15);
        run(now, if i % 2 == 0 { 900 } else { 300 });
    }
    for i in 0..20 {
        now = now.plus_secs(15);
        let (allocs, desired) = run(now, if i % 2 == 0 { 900 } else { 300 });
        assert!(desired > 0);
        assert_eq!(allocs, 0, "sync {i} allocated");
    }
}
