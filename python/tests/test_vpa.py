"""tidescale.vpa: the recommender's doctest numbers, seed manifests, errors, state."""

from __future__ import annotations

import copy
import json
import math
import pickle
import random
import struct
from typing import Any

import pytest

import tidescale
import tidescale.vpa as vpa
from tidescale import InvalidInputError, ManifestError

from conftest import MANIFESTS, manifest_text

START = 1_700_006_400  # 2023-11-15T00:00:00Z
MIB = 1024.0 * 1024.0


def day_of_samples(rec: vpa.Recommender) -> None:
    ts = [START + i * 60 for i in range(1440)]
    assert rec.add_samples("app", ts, cpu=[0.25] * 1440, memory=[500 * MIB] * 1440) == 1440


def test_core_doctest_numbers() -> None:
    # VpaRecommender doctest: a day of 250m / 500 MiB samples -> 296m, 628694953, upper 592m
    rec = vpa.Recommender()
    day_of_samples(rec)
    r = rec.recommendation(START + 86_400)
    app = r["app"]
    assert app.target.cpu == pytest.approx(0.296)
    assert app.target.cpu_millicores == 296
    assert app.target.memory == 628_694_953
    assert app.upper_bound.cpu_millicores == 592
    assert app.container_name == "app"
    assert r.container_names == ["app"] and len(r) == 1 and "app" in r and "db" not in r
    assert r.get("db") is None
    with pytest.raises(KeyError):
        r["db"]


def test_status_block_shape() -> None:
    rec = vpa.Recommender(manifest_text("05-basic-vpa.yaml"))
    day_of_samples(rec)
    block = rec.recommendation(START + 86_400).to_dict()
    assert json.loads(json.dumps(block)) == block
    (c,) = block["containerRecommendations"]
    assert set(c) == {"containerName", "lowerBound", "target", "uncappedTarget", "upperBound"}
    assert c["containerName"] == "app"
    assert c["target"] == {"cpu": "296m", "memory": "628694953"}
    assert c["upperBound"]["cpu"] == "592m"
    assert vpa.Recommender().recommendation(START).to_dict() == {"containerRecommendations": []}


def test_numpy_and_lists_agree() -> None:
    np = pytest.importorskip("numpy")
    a, b = vpa.Recommender(), vpa.Recommender()
    day_of_samples(a)
    ts = np.arange(1440, dtype=np.int64) * 60 + START
    b.add_samples("app", ts, cpu=np.full(1440, 0.25), memory=np.full(1440, 500 * MIB, dtype=np.float32))
    assert a.recommendation(START + 86_400) == b.recommendation(START + 86_400)


def test_array_module_duck_typing() -> None:
    import array

    a, b = vpa.Recommender(), vpa.Recommender()
    day_of_samples(a)
    ts = array.array("d", [START + i * 60 for i in range(1440)])
    b.add_samples("app", ts, cpu=array.array("d", [0.25] * 1440), memory=(500 * MIB,) * 1440)
    assert a.recommendation(START + 86_400) == b.recommendation(START + 86_400)


def test_single_samples_and_quantities() -> None:
    a, b = vpa.Recommender(), vpa.Recommender()
    for i in range(10):
        a.add_sample("app", START + i * 60, cpu=0.5, memory=2**30)
        b.add_sample("app", START + i * 60, cpu="500m", memory="1Gi")
    assert a.recommendation(START + 600) == b.recommendation(START + 600)
    assert a.total_samples("app") == 10
    a.add_samples("sidecar", [START, START], memory=[MIB, 2 * MIB])  # memory may repeat a time
    assert a.containers == ["app", "sidecar"]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"cpu": [0.1, math.nan, 0.1]}, r"cpu\[1\]: NaN"),
        ({"cpu": [0.1, 0.1, math.inf]}, r"cpu\[2\].*finite"),
        ({"memory": [1.0, -1.0, 1.0]}, r"memory\[1\].*negative"),
        ({"cpu": [0.1, 0.1]}, "2 values for 3 timestamps"),
        ({"cpu": [0.1, 0.1, "x"]}, r"cpu\[2\]"),
        ({}, "cpu=..., memory=..."),
    ],
)
def test_invalid_batches_change_nothing(kwargs: dict[str, Any], match: str) -> None:
    rec = vpa.Recommender()
    day_of_samples(rec)
    before = rec.checkpoints(START + 86_400)
    with pytest.raises(InvalidInputError, match=match) as e:
        rec.add_samples("app", [START + 86_400 + i for i in range(3)], **kwargs)
    assert isinstance(e.value, ValueError)
    assert rec.checkpoints(START + 86_400) == before
    assert rec.total_samples("app") == 1440


def test_repeated_and_reordered_samples_are_discarded_as_upstream() -> None:
    # Upstream drops a CPU sample whose start is not after the last one and a memory sample
    # before the last one, and carries on. A day of 250m / 500 MiB samples with, after minute
    # 700, the same minute again (4 cores, 500 MiB) and a sample 30 s back (8 cores, 4 GiB):
    # both CPU values and the earlier memory value are discarded and the repeated 500 MiB
    # does not raise the window's peak, so the recommendation is the spec's worked example
    # (vpa.md section 13): 295m/296m/592m, 627438575/628694953/1257826803 bytes.
    ts = [START + i * 60 for i in range(1440)]
    cpu = [0.25] * 1440
    mem = [500 * MIB] * 1440
    t700 = START + 700 * 60
    ts[701:701] = [t700, t700 - 30]
    cpu[701:701] = [4.0, 8.0]
    mem[701:701] = [500 * MIB, 4096 * MIB]
    rec = vpa.Recommender()
    assert rec.add_samples("app", ts, cpu=cpu, memory=mem) == 1440
    r = rec.recommendation(START + 86_400)["app"]
    assert (r.lower_bound.cpu_millicores, r.target.cpu_millicores, r.upper_bound.cpu_millicores) == (
        295,
        296,
        592,
    )
    assert (r.lower_bound.memory, r.target.memory, r.upper_bound.memory) == (
        627438575,
        628694953,
        1257826803,
    )
    assert rec.discarded_samples("app") == {"cpu": 2, "memory": 1}
    assert rec.total_samples("app") == 1440
    clean = vpa.Recommender()
    day_of_samples(clean)
    assert rec.recommendation(START + 86_400) == clean.recommendation(START + 86_400)
    # one sample: whether it was used
    assert rec.add_sample("app", START + 60, cpu=0.1) is False
    assert rec.add_sample("app", START + 90_000, cpu=0.1, memory=MIB) is True
    assert rec.discarded_samples("app") == {"cpu": 3, "memory": 1}
    assert rec.discarded_samples("nope") == {"cpu": 0, "memory": 0}


def test_bad_values_change_nothing() -> None:
    rec = vpa.Recommender()
    day_of_samples(rec)
    before = rec.checkpoints(START + 86_400)
    with pytest.raises(InvalidInputError, match="finite"):
        rec.add_samples("app", [START + 90_000, math.nan], cpu=[0.1, 0.1])
    with pytest.raises(InvalidInputError, match="finite"):
        rec.add_samples("app", [math.nan], cpu=[0.1])
    assert rec.checkpoints(START + 86_400) == before
    assert rec.total_samples("app") == 1440


def test_record_oom_bumps_memory() -> None:
    rec = vpa.Recommender()
    rec.add_sample("app", START, cpu=0.1, memory=100 * MIB)
    before = rec.recommendation(START + 60)["app"].target.memory
    rec.record_oom("app", START + 30, "512Mi")
    after = rec.recommendation(START + 60)["app"].target.memory
    assert before is not None and after is not None and after > 512 * MIB > before
    with pytest.raises(InvalidInputError):
        rec.record_oom("app", START + 40, -1)


def test_options() -> None:
    opts = vpa.default_options()
    assert opts["target_cpu_percentile"] == 0.9
    assert opts["recommendation_margin_fraction"] == 0.15
    assert opts["memory_aggregation_interval"] == 86_400.0
    assert opts["memory_aggregation_interval_count"] == 8
    assert opts["pod_recommendation_min_memory_mb"] == 250.0
    rec = vpa.Recommender(None, {"--recommendation-margin-fraction": 0.0}, memory_aggregation_interval="12h")
    assert rec.options()["recommendation_margin_fraction"] == 0.0
    assert rec.options()["memory_aggregation_interval"] == 43_200.0
    # no safety margin: the CPU target is the 90th percentile bucket end itself
    day_of_samples(rec)
    cpu = rec.recommendation(START + 86_400)["app"].target.cpu_millicores
    assert cpu is not None and cpu < 296
    capped = vpa.Recommender(container_recommendation_max_allowed_cpu="100m")
    day_of_samples(capped)
    app = capped.recommendation(START + 86_400)["app"]
    assert app.target.cpu_millicores == 100 and app.uncapped_target.cpu_millicores == 296
    for bad, match in [
        ({"target_cpu_percentile": 1.5}, "in \\[0, 1\\]"),
        ({"target_cpu_percentile": math.nan}, "target_cpu_percentile"),
        ({"memory_aggregation_interval": 0}, "duration > 0"),
        ({"memory_aggregation_interval": "soon"}, "duration"),
        ({"round_cpu_millicores": 0}, ">= 1"),
        ({"target_cpu_percntile": 0.5}, "unknown recommender flag"),
    ]:
        with pytest.raises(InvalidInputError, match=match):
            vpa.Recommender(**bad)


def test_resource_policy_from_the_seed_manifest() -> None:
    # 05: containerPolicies for "training": minAllowed cpu 1, memory 2Gi
    rec = vpa.Recommender.from_file(MANIFESTS / "05-basic-vpa.yaml")
    assert rec.name == "training-job-vpa"
    for c in ("training", "other"):
        rec.add_samples(c, [START + i * 60 for i in range(60)], cpu=[0.25] * 60, memory=[500 * MIB] * 60)
    r = rec.recommendation(START + 3600)
    assert r["training"].target.cpu == 1.0
    assert r["training"].target.memory == 2 * 2**30
    other = r["other"].target
    assert other.cpu is not None and other.cpu < 1.0


def test_seed_manifests_load() -> None:
    for name in ("05-basic-vpa.yaml", "11-vpa-hpa-careful.yaml"):
        assert vpa.Recommender(manifest_text(name)).manifest()["kind"] == "VerticalPodAutoscaler"
    with pytest.raises(ManifestError, match="no VerticalPodAutoscaler"):
        vpa.Recommender(manifest_text("01-basic-cpu-based-hpa.yaml"))


def test_checkpoint_round_trip() -> None:
    rec = vpa.Recommender(manifest_text("05-basic-vpa.yaml"))
    day_of_samples(rec)
    cp = rec.checkpoint("app", START + 86_400)
    assert cp["kind"] == "VerticalPodAutoscalerCheckpoint"
    assert cp["metadata"]["name"] == "training-job-vpa-app"
    assert cp["spec"] == {"vpaObjectName": "training-job-vpa", "containerName": "app"}
    assert cp["status"]["version"] == "v3"
    assert cp["status"]["totalSamplesCount"] == 1440
    assert cp["status"]["lastUpdateTime"] == "2023-11-16T00:00:00Z"
    assert json.loads(json.dumps(cp)) == cp
    fresh = vpa.Recommender(manifest_text("05-basic-vpa.yaml"))
    fresh.load_checkpoint(json.loads(json.dumps(cp)))
    assert fresh.recommendation(START + 86_400) == rec.recommendation(START + 86_400)
    assert fresh.checkpoints(START + 86_400) == [cp]
    with pytest.raises(InvalidInputError, match="version"):
        fresh.load_checkpoint({**cp, "status": {**cp["status"], "version": "v2"}})
    with pytest.raises(InvalidInputError, match="containerName"):
        fresh.load_checkpoint({"status": cp["status"]})
    with pytest.raises(InvalidInputError, match="unknown container"):
        fresh.checkpoint("db", START)


def test_pickle_and_repr() -> None:
    rec = vpa.Recommender(manifest_text("05-basic-vpa.yaml"), target_cpu_percentile=0.8)
    assert repr(rec) == "<Recommender training-job-vpa: no containers yet>"
    day_of_samples(rec)
    assert repr(rec) == "<Recommender training-job-vpa: app>"
    for other in (pickle.loads(pickle.dumps(rec)), copy.deepcopy(rec)):
        assert type(other) is vpa.Recommender
        assert other.options() == rec.options()
        assert other.recommendation(START + 86_400) == rec.recommendation(START + 86_400)
    r = rec.recommendation(START + 86_400)
    assert repr(r).startswith("<Recommendation: app cpu ")
    assert repr(vpa.Recommender().recommendation(0)) == "<Recommendation: no containers>"
    assert repr(r["app"].uncapped_target).startswith("Resources(cpu='")


def test_conflicts() -> None:
    text = manifest_text("11-vpa-hpa-careful.yaml")
    report = vpa.conflicts(text, text)
    assert report.safe and report.same_target and bool(report)
    fight = vpa.conflicts(
        {"spec": {"targetRef": {"kind": "Deployment", "name": "w"}}},
        {"spec": {"scaleTargetRef": {"kind": "Deployment", "name": "w"}, "maxReplicas": 5}},
    )
    assert not fight.safe and not bool(fight)
    (c,) = fight.conflicts
    assert c.resource == "cpu" and c.vpa_containers == ("*",)
    assert fight.recommendation is not None and "memory only" in fight.recommendation
    other = vpa.conflicts(
        {"spec": {"targetRef": {"kind": "Deployment", "name": "a"}}},
        {"spec": {"scaleTargetRef": {"kind": "Deployment", "name": "b"}, "maxReplicas": 5}},
    )
    assert other.safe and not other.same_target


def test_package_surface() -> None:
    assert tidescale.vpa is vpa
    assert issubclass(vpa.Recommender, tidescale._native.VpaRecommender)
    import doctest

    assert doctest.testmod(vpa).failed == 0


# Decimals serde_json's fast path reads one ulp off (core/tests/json_numbers.rs).
ONE_ULP_OFF = ["10053326052.896315", "7850478860959.8785", "771814871.60779125"]
CHECKPOINT_NOW = 1_700_000_000  # 2023-11-14T22:13:20Z, the checkpoint's lastUpdateTime


def checkpoint_text(total_weight: str, yaml: bool) -> str:
    if yaml:
        return (
            "apiVersion: autoscaling.k8s.io/v1\nkind: VerticalPodAutoscalerCheckpoint\n"
            "spec: {vpaObjectName: web, containerName: app}\n"
            "status:\n  version: v3\n  lastUpdateTime: '2023-11-14T22:13:20Z'\n"
            "  cpuHistogram:\n    referenceTimestamp: '2023-11-14T00:00:00Z'\n"
            f"    bucketWeights: {{'10': 10000}}\n    totalWeight: {total_weight}\n"
        )
    return (
        '{"kind": "VerticalPodAutoscalerCheckpoint", "spec": {"vpaObjectName": "web", "containerName": "app"},'
        ' "status": {"version": "v3", "lastUpdateTime": "2023-11-14T22:13:20Z", "cpuHistogram":'
        ' {"referenceTimestamp": "2023-11-14T00:00:00Z", "bucketWeights": {"10": 10000},'
        f' "totalWeight": {total_weight}}}}}}}'
    )


def total_weight_through_rust(text: str) -> float:
    rec = vpa.Recommender()
    rec.load_checkpoint(text)
    value = rec.checkpoint("app", CHECKPOINT_NOW)["status"]["cpuHistogram"]["totalWeight"]
    assert isinstance(value, float)
    return value


def bits(x: float) -> int:
    return int(struct.unpack("<Q", struct.pack("<d", x))[0])


@pytest.mark.parametrize("yaml", [False, True], ids=["json", "yaml"])
def test_checkpoint_text_numbers_are_correctly_rounded(yaml: bool) -> None:
    # Python's float() is correctly rounded, as Go's strconv: the Rust side must agree bit for bit.
    rng = random.Random(20261203)
    texts = list(ONE_ULP_OFF)
    for _ in range(400):
        # random finite doubles in [2^-20, 2^50): random mantissa bits, exponent in range
        x = struct.unpack("<d", struct.pack("<Q", ((rng.randrange(1003, 1073)) << 52) | rng.getrandbits(52)))[0]
        texts += [repr(x), "%.17g" % x, "%.16e" % x]
    for t in texts:
        assert bits(total_weight_through_rust(checkpoint_text(t, yaml))) == bits(float(t)), t


def test_checkpoint_text_rejects_out_of_range_numbers() -> None:
    rec = vpa.Recommender()
    for yaml in (False, True):
        with pytest.raises(ManifestError):
            rec.load_checkpoint(checkpoint_text("1e400", yaml))
    with pytest.raises(ManifestError):
        rec.load_checkpoint(checkpoint_text(".nan", True))
    assert rec.containers == []
