"""tidescale.keda: the core's SQS 0 -> 1 -> N scenario, seed manifests, readings, ScaledJob."""

from __future__ import annotations

import copy
import json
import pickle
from typing import Any

import pytest

import tidescale
import tidescale.keda as keda
from tidescale import InvalidInputError, ManifestError, SpecError, UnknownMetricError

from conftest import ROOT, manifest_text

WORKER: dict[str, Any] = {
    "apiVersion": "keda.sh/v1alpha1",
    "kind": "ScaledObject",
    "metadata": {"name": "worker"},
    "spec": {
        "scaleTargetRef": {"name": "worker"},
        "minReplicaCount": 0,
        "maxReplicaCount": 20,
        "triggers": [
            {
                "type": "aws-sqs-queue",
                "metadata": {
                    "queueURL": "https://sqs.us-east-1.amazonaws.com/123456789012/jobs",
                    "queueLength": "5",
                    "awsRegion": "us-east-1",
                },
            }
        ],
    },
}


def q(n: str) -> dict[str, str]:
    return {"ApproximateNumberOfMessages": n, "ApproximateNumberOfMessagesNotVisible": "0"}


def test_sqs_zero_to_one_to_n() -> None:
    # the KedaAutoscaler doctest: 0 -> 1 on the first message, then the HPA: 40 / 5 -> 8,
    # held to 4 by the legacy scale-up limit max(2x, 4)
    so = keda.ScaledObject(WORKER)
    d = so.step(30.0, 0, [q("3")])
    assert (d.desired_replicas, d.rescale, d.active) == (1, True, True)
    assert d.reason == "ScaledUpFromZeroOrIdle" and d.scaled_by_keda and d.hpa is None
    assert d.active_trigger == "s0-aws-sqs-jobs"
    d = so.step(60.0, 1, {"aws-sqs-queue": q("40")})
    assert d.desired_replicas == 4
    assert d.reason == "ActiveHpaHandles"
    assert d.hpa is not None and d.hpa.proposed_replicas == 8 and d.hpa.limited_by == "ScaleUpLimit"
    assert d.hpa_metrics == {"s0-aws-sqs-jobs": 40.0}
    (t,) = d.triggers
    assert (t["metric_name"], t["raw"], t["value"], t["active"], t["error"]) == ("s0-aws-sqs-jobs", 40.0, 40.0, True, None)
    assert repr(d) == (
        "<KedaDecision: scale up from 1 to 4 replicas: active (trigger s0-aws-sqs-jobs): the HPA handles 1..N; "
        "HPA: 1 -> 4 (s0-aws-sqs-jobs above target); *External s0-aws-sqs-jobs: ratio 8.000 -> 8 replicas; "
        "limited by ScaleUpLimit>"
    )
    doc = d.to_dict()
    assert json.loads(json.dumps(doc)) == doc
    assert doc["desiredReplicas"] == 4 and doc["hpa"]["proposedReplicas"] == 8


def test_numbers_equal_attribute_dicts() -> None:
    a, b = keda.ScaledObject(WORKER), keda.ScaledObject(WORKER)
    for now, replicas, n in [(30.0, 0, 3), (60.0, 1, 40), (90.0, 4, 12)]:
        da = a.step(now, replicas, {0: q(str(n))})
        db = b.step(now, replicas, {"aws-sqs-queue": n})
        assert da.desired_replicas == db.desired_replicas


def test_cooldown_and_scale_to_zero() -> None:
    # the ScaledObjectController doctest: cooldown 60 s
    m = copy.deepcopy(WORKER)
    m["spec"]["cooldownPeriod"] = 60
    so = keda.ScaledObject(m)
    assert so.step(10.0, 0, [20]).desired_replicas == 1
    d = so.step(40.0, 4, [0])
    assert d.reason == "CoolingDown" and not d.active
    assert d.cooldown_remaining == pytest.approx(30.0)
    # the HPA's next sync (15 s) comes before the cooldown end (70.001 s)
    assert so.next_wakeup(40.0) == 55.0
    d = so.step(71.0, 4, [0])
    assert (d.desired_replicas, d.reason) == (0, "ScaledDown")
    assert "inactive past the cooldown" in d.explanation
    assert so.last_active_time == 10.0


def test_scaler_failures() -> None:
    so = keda.ScaledObject(WORKER)
    for reading in (None, TimeoutError("sqs timed out")):
        d = so.step(30.0, 0, [reading])
        assert d.error and not d.active and d.desired_replicas == 0
        assert d.triggers[0]["error"] is not None
    assert "sqs timed out" in so.step(31.0, 0, [TimeoutError("sqs timed out")]).explanation
    # no reading at all: a scaler failure too
    assert so.step(32.0, 0).error


def test_kafka_offsets() -> None:
    so = keda.ScaledObject(manifest_text("19-keda-with-kafka.yaml"))
    assert so.min_replicas == 1 and so.max_replicas == 50
    offsets = {("training-data", 0): (0, 2500), ("training-data", 1): (100, 2600)}
    d = so.step(0.0, 1, {"kafka": offsets})
    listed = keda.ScaledObject(manifest_text("19-keda-with-kafka.yaml")).step(
        0.0,
        1,
        {
            0: [
                {"topic": "training-data", "partition": 0, "consumer_offset": 0, "latest_offset": 2500},
                {"topic": "training-data", "partition": 1, "consumerOffset": 100, "latestOffset": 2600},
            ]
        },
    )
    # lag 2500 + 2500 = 5000, but without allowIdleConsumers KEDA caps the total at
    # partitions x lagThreshold = 2000 -> 2 replicas
    assert d.hpa_metrics == listed.hpa_metrics
    assert list(d.hpa_metrics.values()) == [2000.0]
    assert d.desired_replicas == listed.desired_replicas == 2


def test_prometheus_body_and_number() -> None:
    so = keda.ScaledObject(manifest_text("20-keda-with-prometheus.yaml"))
    body = {"status": "success", "data": {"resultType": "vector", "result": [{"metric": {}, "value": [0, "5000"]}]}}
    d = so.step(0.0, 3, {"prometheus": body})
    assert list(d.hpa_metrics.values()) == [5000.0]
    # 5000 / 1000 per pod -> 5 (from 3, within the legacy limit of 6)
    assert d.desired_replicas == 5
    assert keda.what_if(manifest_text("20-keda-with-prometheus.yaml"), replicas=3, prometheus=5000).desired_replicas == 5


SEEDS = [
    ("18-keda-with-sqs.yaml", "inference-queue-scaler", 0, 100),
    ("19-keda-with-kafka.yaml", "kafka-processor", 1, 50),
    ("20-keda-with-prometheus.yaml", "prometheus-scaler", 3, 100),
    ("21-keda-scale-to-zero.yaml", "batch-processor-scale-to-zero", 0, 50),
    ("23-batch-training-autoscaling.yaml", "training-queue-scaler", 0, 50),
]


@pytest.mark.parametrize(("name", "so_name", "lo", "hi"), SEEDS)
def test_seed_manifests(name: str, so_name: str, lo: int, hi: int) -> None:
    so = keda.ScaledObject.from_file(ROOT / "examples" / "manifests" / name)
    assert (so.name, so.min_replicas, so.max_replicas) == (so_name, lo, hi)
    hpa = so.hpa_manifest()
    assert hpa["kind"] == "HorizontalPodAutoscaler"
    assert hpa["spec"]["metrics"][0]["type"] == "External"
    assert repr(so).startswith(f"<ScaledObject {so_name}: {lo}..{hi} replicas on ")


def test_scale_to_zero_seed() -> None:
    # 21: queueLength 10, cooldown 300 s
    so = keda.ScaledObject(manifest_text("21-keda-scale-to-zero.yaml"))
    assert so.polling_interval == 30 and so.cooldown_period == 300
    assert so.step(0.0, 0, {"aws-sqs-queue": 25}).desired_replicas == 1
    assert so.step(30.0, 1, {"aws-sqs-queue": 25}).desired_replicas == 3
    d = so.step(60.0, 3, {"aws-sqs-queue": 0})
    assert d.reason == "CoolingDown" and d.desired_replicas == 3
    assert so.step(361.0, 3, {"aws-sqs-queue": 0}).desired_replicas == 0


def test_what_if_keywords() -> None:
    assert keda.what_if(WORKER, replicas=0, aws_sqs_queue=3).desired_replicas == 1
    assert keda.what_if(WORKER, replicas=0, readings={0: 0}).desired_replicas == 0
    assert keda.what_if(WORKER, replicas=2, readings=[40]).desired_replicas == 4


def test_errors() -> None:
    so = keda.ScaledObject(WORKER)
    with pytest.raises(UnknownMetricError, match="no trigger .kafka."):
        so.step(0.0, 0, {"kafka": 1})
    with pytest.raises(UnknownMetricError, match='no trigger "3"'):
        so.step(0.0, 0, {3: 1})
    with pytest.raises(InvalidInputError, match="2 readings for 1 triggers"):
        so.step(0.0, 0, [1, 2])
    with pytest.raises(InvalidInputError, match="NaN"):
        so.step(0.0, 0, [float("nan")])
    with pytest.raises(InvalidInputError, match="negative"):
        so.step(0.0, -1, [1])
    so.step(100.0, 0, [0])
    # time going backwards is not an error (one rule for every controller: clock skew)
    assert so.step(50.0, 0, [0]).desired_replicas == 0
    bad = copy.deepcopy(WORKER)
    bad["spec"]["triggers"][0]["type"] = "rabbitmq"
    with pytest.raises(SpecError, match="rabbitmq"):
        keda.ScaledObject(bad)
    bad["spec"]["triggers"][0] = {"type": "aws-sqs-queue", "metadata": {"queueURL": "q", "queueLength": "five"}}
    with pytest.raises(SpecError, match="queueLength"):
        keda.ScaledObject(bad)
    with pytest.raises(ManifestError, match="no ScaledObject"):
        keda.ScaledObject(manifest_text("01-basic-cpu-based-hpa.yaml"))


def test_copy_and_pickle() -> None:
    so = keda.ScaledObject(WORKER, {"tolerance": 0.2}, 5.0)
    so.step(30.0, 0, [3])
    c = copy.deepcopy(so)
    assert type(c) is keda.ScaledObject and c.last_active_time == 30.0
    assert c.step(60.0, 1, [40]) == so.step(60.0, 1, [40])
    p = pickle.loads(pickle.dumps(so))
    assert type(p) is keda.ScaledObject and p.manifest() == so.manifest()
    assert p.last_active_time == 60.0  # so was stepped at 60 s above
    assert p.hpa_history() == so.hpa_history()
    assert p.step(90.0, 4, [0]).reason == so.step(90.0, 4, [0]).reason == "CoolingDown"


SCALED_JOB: dict[str, Any] = {
    "apiVersion": "keda.sh/v1alpha1",
    "kind": "ScaledJob",
    "metadata": {"name": "trainer"},
    "spec": {
        "jobTargetRef": {"template": {}},
        "minReplicaCount": 0,
        "maxReplicaCount": 10,
        "triggers": [{"type": "aws-sqs-queue", "metadata": {"queueURL": "q", "queueLength": "1"}}],
    },
}

def headroom(i: dict[str, Any]) -> int:
    """KEDA's MaxReplicaCount(): max - min (max when min > max; 100 when max is unset)."""
    lo, hi = i.get("spec.minReplicaCount"), i.get("spec.maxReplicaCount")
    if hi is None:
        return 100
    lo = lo or 0
    return int(hi if lo > hi else hi - lo)


JOB_VECTORS = [
    v
    for v in json.loads((ROOT / "tests" / "conformance" / "keda-ca.json").read_text(encoding="utf-8"))
    if v["kind"] == "scaledjob_decision"
    # a queue of scaleTo with a target of 1 gives maxScale == scaleTo (when within the headroom)
    and v["input"]["maxScale"] == v["input"]["scaleTo"]
    and v["input"]["maxScale"] <= headroom(v["input"])
]


@pytest.mark.parametrize("v", JOB_VECTORS, ids=[v["id"] for v in JOB_VECTORS])
def test_scaledjob_decision_vectors(v: dict[str, Any]) -> None:
    i = v["input"]
    m = copy.deepcopy(SCALED_JOB)
    spec = m["spec"]
    for k in ("minReplicaCount", "maxReplicaCount"):
        spec.pop(k)
        if i.get(f"spec.{k}") is not None:
            spec[k] = i[f"spec.{k}"]
    spec["scalingStrategy"] = {"strategy": i["strategy"]}
    d = keda.scaledjob_decision(m, i["scaleTo"], running=i["runningJobCount"], pending=i["pendingJobCount"])
    assert d.effective_max_scale == v["expect"]["effectiveMaxScale"]
    assert d.scale_to == v["expect"]["scaleTo"]


def test_scaledjob_decision() -> None:
    assert len(JOB_VECTORS) >= 2
    d = keda.scaledjob_decision(SCALED_JOB, 7, running=2)
    assert (d.active, d.queue_length, d.max_scale, d.effective_max_scale, d.jobs_to_create) == (True, 7, 7, 5, 5)
    assert d.strategy == "default"
    assert keda.scaledjob_decision(SCALED_JOB, 0).jobs_to_create == 0
    two = copy.deepcopy(SCALED_JOB)
    two["spec"]["triggers"].append({"type": "prometheus", "name": "backlog", "metadata": {"serverAddress": "http://p", "query": "q", "threshold": "2"}})
    # max of the active scalers: queue 9 (target 2 -> 4.5 -> maxScale 5) beats queue 3
    d = keda.scaledjob_decision(two, {"aws-sqs-queue": 3, "backlog": 9})
    assert (d.queue_length, d.max_scale, d.jobs_to_create) == (9, 5, 5)
    assert keda.scaledjob_decision(two, [3, 9]) == d
    with pytest.raises(InvalidInputError, match="negative"):
        keda.scaledjob_decision(SCALED_JOB, -1)
    with pytest.raises(InvalidInputError, match="2 triggers"):
        keda.scaledjob_decision(two, 5)


def test_docstring_examples() -> None:
    import doctest

    r = doctest.testmod(keda)
    assert r.attempted >= 1 and r.failed == 0


def test_time_going_backwards_is_a_step_at_that_time() -> None:
    # one rule for every controller: an earlier `now` is accepted (upstream tolerates skew)
    so = keda.ScaledObject(manifest_text("21-keda-scale-to-zero.yaml"))
    assert so.step(60.0, 0, {"aws-sqs-queue": 25}).desired_replicas == 1
    d = so.step(30.0, 1, {"aws-sqs-queue": 25})
    assert d.desired_replicas == 3


def kafka_limited(limit: str) -> str:
    return (
        "kind: ScaledObject\nmetadata: {name: w}\nspec:\n  scaleTargetRef: {name: w}\n"
        "  maxReplicaCount: 20\n  triggers:\n  - type: kafka\n    metadata:\n"
        "      bootstrapServers: b\n      consumerGroup: g\n      topic: t\n"
        f"      partitionLimitation: '{limit}'\n"
    )


@pytest.mark.parametrize("bad", ["1-x", "1-2-3", "-3", "2147483648", "1,,2"])
def test_kafka_partition_limitation_errors_are_spec_errors(bad: str) -> None:
    with pytest.raises(SpecError, match="partitionLimitation"):
        keda.ScaledObject(kafka_limited(bad))


def test_kafka_partition_limitation_selecting_nothing_fails_the_scaler() -> None:
    offsets = {("t", 0): (0, 50), ("t", 1): (0, 70)}
    # 5-3 selects no partition: upstream's lag computation fails (the scaler errors)
    d = keda.ScaledObject(kafka_limited("5-3")).step(0.0, 1, {"kafka": offsets})
    assert d.error and "active partition" in json.dumps(d.to_dict())
    # "+1" is partition 1 (Go's ParseInt accepts a sign): lag 70 alone
    d = keda.ScaledObject(kafka_limited("+1")).step(0.0, 1, {"kafka": offsets})
    assert not d.error
    assert list(d.hpa_metrics.values()) == [10.0]  # 70 capped at 1 partition x lagThreshold 10


def test_scaledjob_value_target_gives_no_jobs() -> None:
    """Issue 9: KEDA's getTargetAverageValue reads only averageValue, so a `Value` target counts
    as 0 and a ScaledJob creates no Jobs from it (the CLI and the core say 0 too)."""
    m = copy.deepcopy(SCALED_JOB)
    trigger = {"type": "prometheus", "metadata": {"serverAddress": "http://p", "query": "q", "threshold": "5"}}
    m["spec"]["triggers"] = [dict(trigger, metricType="Value")]
    assert keda.scaledjob_decision(m, 12).jobs_to_create == 0
    m["spec"]["triggers"] = [dict(trigger, metricType="AverageValue")]
    assert keda.scaledjob_decision(m, 12).jobs_to_create == 3


def test_unknown_trigger_field_warns() -> None:
    m = copy.deepcopy(SCALED_JOB)
    m["spec"]["triggers"][0]["metdata"] = {}
    with pytest.warns(tidescale.UnknownFieldWarning, match=r'"spec.triggers\[0\].metdata"'):
        keda.scaledjob_decision(m, 3)
