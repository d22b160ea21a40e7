//! Loads the seed's basic CPU HPA manifest and prints what the Kubernetes controller would
//! decide at a few CPU levels, starting from 10 replicas each time.
//!
//! Run: `cargo run -q -p tidescale --example hpa_what_if`

use tidescale::Timestamp;
use tidescale::hpa::{
    Controller, History, MetricValues, Observation, Pod, PodMetric, Scale, Settings,
};

const MANIFEST: &str = include_str!("../../examples/manifests/01-basic-cpu-based-hpa.yaml");

fn main() -> Result<(), tidescale::Error> {
    let hpa = tidescale::manifest::hpa_from_str(MANIFEST, None)?;
    let name = hpa.metadata.name.clone().unwrap_or_default();
    let mut ctl = Controller::new(hpa, Settings::default())?;
    let replicas = 10;
    let request_milli = 1000;
    let pods: Vec<Pod> = (0..replicas)
        .map(|i| Pod::running(&format!("model-server-{i}"), request_milli))
        .collect();
    let now = Timestamp::from_secs(3600);
    println!("HPA {name}: cpu target 70% of request, {replicas} replicas, min 3, max 100");
    println!(
        "{:>8}  {:>8}  {:<14}  explanation",
        "cpu", "desired", "limited"
    );
    for percent in [20, 35, 63, 70, 77, 90, 140, 300] {
        // A fresh history each time: the question is "what if the load were at this level".
        ctl.set_history(History::default());
        let samples: Vec<PodMetric> = (0..pods.len())
            .map(|i| PodMetric::new(i, request_milli * percent / 100, now))
            .collect();
        let metrics = [MetricValues::Pods(&samples)];
        let d = ctl.step(
            now,
            &Observation {
                scale: Scale {
                    spec_replicas: replicas,
                    status_replicas: replicas,
                },
                pods: &pods,
                metrics: &metrics,
            },
        )?;
        let limited = d.limited_by.map_or("-", |r| r.as_str());
        println!(
            "{:>7}%  {:>8}  {:<14}  {}",
            percent, d.desired_replicas, limited, d
        );
    }
    Ok(())
}
