//! KEDA benchmarks: one ScaledObject controller step with three triggers.

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use tidescale::Timestamp;

use tidescale::keda::scalers::{
    KafkaOffsets, PartitionOffsets, PromData, PromSample, PromScalar, PrometheusResponse,
};
use tidescale::keda::{ScaledObject, ScaledObjectController, TriggerInput};

const SO: &str = r#"{"metadata": {"name": "bench"}, "spec": {
  "scaleTargetRef": {"name": "w"}, "minReplicaCount": 0, "maxReplicaCount": 50,
  "fallback": {"failureThreshold": 3, "replicas": 5},
  "triggers": [
    {"type": "aws-sqs-queue", "metadata": {"queueURL": "https://sqs.eu-west-1.amazonaws.com/1/jobs", "queueLength": "10"}},
    {"type": "kafka", "metadata": {"bootstrapServers": "b:9092", "consumerGroup": "g", "topic": "t", "lagThreshold": "100"}},
    {"type": "prometheus", "metadata": {"serverAddress": "http://p:9090", "query": "up", "threshold": "2.5"}}
  ]}}"#;

fn step(c: &mut Criterion) {
    let so: ScaledObject = serde_json::from_str(SO).expect("bench manifest");
    let mut ctl = ScaledObjectController::new(so, Timestamp(0)).expect("valid");
    let attrs: BTreeMap<String, String> = [
        ("ApproximateNumberOfMessages", "120"),
        ("ApproximateNumberOfMessagesNotVisible", "7"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let mut parts = BTreeMap::new();
    for p in 0..6 {
        parts.insert(
            p,
            PartitionOffsets {
                consumer_offset: Some(100),
                latest_offset: Some(150 + i64::from(p)),
            },
        );
    }
    let offsets: KafkaOffsets = BTreeMap::from([("t".to_owned(), parts)]);
    let body = PrometheusResponse {
        status: "success".to_owned(),
        data: PromData {
            result_type: "vector".to_owned(),
            result: vec![PromSample {
                metric: BTreeMap::new(),
                value: vec![PromScalar::Num(1.0), PromScalar::Str("12.5".to_owned())],
            }],
        },
    };
    let inputs = [
        TriggerInput::Sqs(&attrs),
        TriggerInput::Kafka(&offsets),
        TriggerInput::Prometheus {
            status: 200,
            body: &body,
        },
    ];
    let mut now = 0i64;
    c.bench_function("keda_scaled_object_step_3_triggers", |b| {
        b.iter(|| {
            now += 30_000;
            let d = ctl.step(Timestamp(now), black_box(3), None, black_box(&inputs));
            black_box(d).ok()
        })
    });
}

criterion_group!(benches, step);
criterion_main!(benches);
