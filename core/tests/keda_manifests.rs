//! Every KEDA object in the seed manifests deserializes, converts to its HPA, and drives a
//! controller.
#![allow(missing_docs)]

use std::path::Path;

use tidescale::Timestamp;
use tidescale::keda::{ScaledObject, ScaledObjectController, to_hpa};

fn scaled_objects(file: &str) -> Vec<ScaledObject> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/manifests")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    text.split("\n---")
        .filter(|doc| doc.contains("kind: ScaledObject"))
        .map(|doc| serde_saphyr::from_str::<ScaledObject>(doc).unwrap())
        .collect()
}

fn one(file: &str) -> ScaledObject {
    let mut v = scaled_objects(file);
    assert_eq!(v.len(), 1, "{file}");
    v.remove(0)
}

#[test]
fn sqs_inference_queue() {
    let so = one("18-keda-with-sqs.yaml");
    assert_eq!(so.metadata.namespace.as_deref(), Some("ml-production"));
    let hpa = to_hpa(&so).unwrap();
    assert_eq!(
        (hpa.spec.min_replicas, hpa.spec.max_replicas),
        (Some(1), 100)
    );
    let ext = hpa.spec.metrics[0].external.as_ref().unwrap();
    assert_eq!(ext.metric.name, "s0-aws-sqs-inference-queue");
    assert_eq!(ext.target.average_value.unwrap().milli_value(), 30_000);
    assert!(ScaledObjectController::new(so, Timestamp(0)).is_ok());
}

#[test]
fn kafka_processor() {
    let so = one("19-keda-with-kafka.yaml");
    let hpa = to_hpa(&so).unwrap();
    assert_eq!(
        (hpa.spec.min_replicas, hpa.spec.max_replicas),
        (Some(1), 50)
    );
    let ext = hpa.spec.metrics[0].external.as_ref().unwrap();
    assert_eq!(ext.metric.name, "s0-kafka-training-data");
    assert_eq!(ext.target.average_value.unwrap().milli_value(), 1_000_000);
}

#[test]
fn prometheus_metric_name_is_ignored() {
    let so = one("20-keda-with-prometheus.yaml");
    let hpa = to_hpa(&so).unwrap();
    assert_eq!(hpa.spec.min_replicas, Some(3));
    let ext = hpa.spec.metrics[0].external.as_ref().unwrap();
    // metadata.metricName was removed in KEDA v2.12: the name is always s<i>-prometheus.
    assert_eq!(ext.metric.name, "s0-prometheus");
    assert_eq!(ext.target.average_value.unwrap().milli_value(), 1_000_000);
}

#[test]
fn scale_to_zero_and_batch_training() {
    let so = one("21-keda-scale-to-zero.yaml");
    assert_eq!(so.spec.cooldown_period(), 300);
    assert_eq!(so.spec.polling_interval(), 30);
    assert_eq!(so.spec.min_replica_count(), 0);
    assert!(to_hpa(&so).is_ok());
    let so = one("23-batch-training-autoscaling.yaml");
    let hpa = to_hpa(&so).unwrap();
    let ext = hpa.spec.metrics[0].external.as_ref().unwrap();
    assert_eq!(ext.target.average_value.unwrap().milli_value(), 1000);
}
