"""The Python door: the same scenarios as the C tests, the seed manifests, errors, state."""

from __future__ import annotations

import copy
import json
import math
import pickle
import threading
from typing import Any

import pytest
import yaml

import tidescale
import tidescale.hpa as hpa
from tidescale import (
    InvalidInputError,
    ManifestError,
    SpecError,
    TidescaleError,
    UnknownMetricError,
)

from conftest import CPU_50, MANIFESTS, manifest_text


# --- the C tests' scenarios -------------------------------------------------------------


def test_scale_up_3_to_6(cpu50: dict[str, Any]) -> None:
    # 3 pods at 900m of 1000m requests against a 50 % target: ratio 1.8 -> 6
    ctl = hpa.Controller(cpu50)
    d = ctl.step(
        now=100.0,
        replicas=3,
        pods=3,
        requests={"cpu": "1000m"},
        metrics={"cpu": ["900m", "900m", "900m"]},
    )
    assert d.desired_replicas == 6
    assert d.current_replicas == 3
    assert d.rescale is True
    assert d.limited_by is None
    assert d.chosen_metric == "cpu"
    (m,) = d.metrics
    assert (m.name, m.type, m.replicas, m.utilization, m.chosen) == ("cpu", "Resource", 6, 90, True)
    assert m.ratio == pytest.approx(1.8)
    assert m.value == pytest.approx(0.9)
    assert [c.astuple()[:3] for c in d.conditions] == [
        ("AbleToScale", "True", "SucceededRescale"),
        ("ScalingActive", "True", "ValidMetricFound"),
        ("ScalingLimited", "False", "DesiredWithinRange"),
    ]


def test_pods_as_dicts_and_pod_objects(cpu50: dict[str, Any]) -> None:
    pods_dicts = [{"name": f"web-{i}", "requests": {"cpu": "1"}} for i in range(3)]
    pods_objs = [hpa.Pod(name=f"web-{i}", requests={"cpu": 1.0}) for i in range(3)]
    for pods in (pods_dicts, pods_objs):
        d = hpa.Controller(cpu50).step(now=0.0, replicas=3, pods=pods, metrics={"cpu": 0.9})
        assert d.desired_replicas == 6


def test_values_as_cores_quantities_and_percentages_agree(cpu50: dict[str, Any]) -> None:
    for v in ([0.9, 0.9, 0.9], ["900m"] * 3, "90%", ["90%"] * 3, 0.9):
        d = hpa.Controller(cpu50).step(now=0.0, replicas=3, metrics={"cpu": v})
        assert d.desired_replicas == 6, v


def test_stabilized_scale_down_then_after_the_window(cpu50: dict[str, Any]) -> None:
    ctl = hpa.Controller(cpu50)
    # at 5 replicas with 50 %: no change, the window remembers 5
    d = ctl.step(now=0.0, replicas=5, metrics={"cpu": "50%"})
    assert (d.desired_replicas, d.rescale) == (5, False)
    # load drops to 10 %: the proposal is 1, the 300 s window holds 5
    d = ctl.step(now=60.0, replicas=5, metrics={"cpu": "10%"})
    assert d.proposed_replicas == 1
    assert d.desired_replicas == 5
    assert d.rescale is False
    able = d.condition("AbleToScale")
    assert able is not None and able.reason == "ScaleDownStabilized"
    assert "stabilization window" in d.explanation
    # after the window the recommendation of 5 has expired
    d = ctl.step(now=301.0, replicas=5, metrics={"cpu": "10%"})
    assert d.desired_replicas == 1
    assert d.rescale is True


def test_scaling_limited_by_max(cpu50: dict[str, Any]) -> None:
    d = hpa.what_if(cpu50, replicas=8, cpu="100%")
    assert d.proposed_replicas == 16
    assert d.desired_replicas == 10
    assert d.limited_by == "TooManyReplicas"
    limited = d.condition("ScalingLimited")
    assert limited is not None and limited.status == "True"


# --- manifests --------------------------------------------------------------------------

SEED_CASES = [
    ("01-basic-cpu-based-hpa.yaml", 3, {"cpu": "140%"}, 6),
    ("02-memory-based-hpa.yaml", 5, {"memory": "120%"}, 8),
    (
        "03-multi-metric-hpa.yaml",
        5,
        {"cpu": "140%", "memory": "40%", "http_requests_per_second": 1500, "sqs_queue_depth": 600},
        10,
    ),
    ("04-hpa-best-practices.yaml", 10, {"cpu": "140%"}, 20),
    ("11-vpa-hpa-careful.yaml", 5, {"http_requests_per_second": 1500}, 8),
    (
        "17-hpa-with-custom-metrics.yaml",
        5,
        {"http_requests_per_second": 2000, "inference_latency_p95": "50m", "inference_queue_depth": 1000},
        10,
    ),
    ("22-inference-autoscaling.yaml", 10, {"http_requests_per_second": 1000, "inference_latency_p95": 0.1}, 20),
    ("24-gpu-based-autoscaling.yaml", 3, {"gpu_utilization": 140, "gpu_memory_utilization": 40}, 6),
]


@pytest.mark.parametrize(("name", "replicas", "metrics", "desired"), SEED_CASES)
def test_seed_manifests_as_text_and_dicts(
    name: str, replicas: int, metrics: dict[str, Any], desired: int
) -> None:
    text = manifest_text(name)
    docs = [d for d in yaml.safe_load_all(text) if d]
    hpa_doc = next(d for d in docs if d.get("kind") == "HorizontalPodAutoscaler")
    for manifest in (text, hpa_doc, docs, json.dumps(hpa_doc)):
        ctl = hpa.Controller(manifest)
        assert set(ctl.metric_names) == set(metrics)
        d = ctl.step(now=0.0, replicas=replicas, metrics=metrics)
        assert d.desired_replicas == desired, (name, manifest.__class__)
        assert all(m.ok for m in d.metrics)
    assert hpa.what_if(text, replicas=replicas, metrics=metrics).desired_replicas == desired


def test_every_hpa_manifest_is_covered() -> None:
    with_hpa = {
        p.name for p in MANIFESTS.glob("*.yaml") if "kind: HorizontalPodAutoscaler" in p.read_text(encoding="utf-8")
    }
    assert with_hpa == {c[0] for c in SEED_CASES}


def test_from_file_and_load_manifest() -> None:
    ctl = hpa.Controller.from_file(MANIFESTS / "11-vpa-hpa-careful.yaml")
    assert ctl.name == "model-server-hpa"
    assert (ctl.min_replicas, ctl.max_replicas) == (5, 100)
    m = hpa.load_manifest(manifest_text("11-vpa-hpa-careful.yaml"))
    assert m["kind"] == "HorizontalPodAutoscaler"
    assert m["spec"]["metrics"][0]["pods"]["metric"]["name"] == "http_requests_per_second"


def test_name_chooses_among_several() -> None:
    text = manifest_text("01-basic-cpu-based-hpa.yaml") + "\n---\n" + manifest_text("02-memory-based-hpa.yaml")
    with pytest.raises(ManifestError, match="2 HorizontalPodAutoscaler objects"):
        hpa.Controller(text)
    ctl = hpa.Controller(text, name="model-server-memory-hpa")
    assert ctl.metric_names == ["memory"]


def test_bare_spec_and_default_metric() -> None:
    # no metrics: the API default is CPU at 80 %
    ctl = hpa.Controller({"maxReplicas": 10})
    assert ctl.metric_names == ["cpu"]
    assert ctl.step(now=0.0, replicas=2, metrics={"cpu": "160%"}).desired_replicas == 4


def test_unavailable_metrics_are_reported() -> None:
    d = hpa.what_if(manifest_text("03-multi-metric-hpa.yaml"), replicas=5, cpu="140%")
    assert d.desired_replicas == 10
    memory = d.metrics[1]
    assert not memory.ok
    assert memory.reason == "FailedGetResourceMetric"
    assert d.error is not None
    # nothing at all: ScalingActive=False, no scale
    d = hpa.what_if(manifest_text("01-basic-cpu-based-hpa.yaml"), replicas=3)
    assert d.rescale is False
    active = d.condition("ScalingActive")
    assert active is not None and (active.status, active.reason) == ("False", "FailedGetResourceMetric")


# --- errors -----------------------------------------------------------------------------


def test_manifest_errors() -> None:
    with pytest.raises(ManifestError, match="no HorizontalPodAutoscaler") as e:
        hpa.Controller("kind: Deployment\n---\nkind: Service\n")
    assert isinstance(e.value, ValueError) and isinstance(e.value, TidescaleError)
    bad = "kind: VerticalPodAutoscaler\n---\nkind: HorizontalPodAutoscaler\nspec:\n  maxReplicas: ten\n"
    with pytest.raises(ManifestError) as e:
        hpa.Controller(bad)
    assert e.value.document == 1
    assert e.value.path == "spec.maxReplicas"
    with pytest.raises(ManifestError, match="invalid YAML"):
        hpa.Controller("a: [\n")
    with pytest.raises(ManifestError, match="invalid JSON"):
        hpa.Controller("{")
    with pytest.raises(ManifestError, match="not a int"):
        hpa.Controller(42)  # type: ignore[arg-type]
    with pytest.raises(ManifestError, match="autoscaling/v1"):
        hpa.Controller({"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", "spec": {"maxReplicas": 3}})


def test_spec_errors(cpu50: dict[str, Any]) -> None:
    cpu50["spec"]["minReplicas"] = 20
    with pytest.raises(SpecError, match="maxReplicas") as e:
        hpa.Controller(cpu50)
    assert isinstance(e.value, ManifestError) and isinstance(e.value, ValueError)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"now": math.nan}, "NaN"),
        ({"now": math.inf}, "finite"),
        ({"replicas": -1}, "negative"),
        ({"metrics": {"cpu": [math.nan, 0.5, 0.5]}}, "NaN"),
        ({"metrics": {"cpu": math.inf}}, "finite"),
        ({"metrics": {"cpu": -0.5}}, "negative"),
        ({"metrics": {"cpu": "-500m"}}, "negative"),
        ({"metrics": {"cpu": "-5%"}}, "negative"),
        ({"metrics": {"cpu": "nan%"}}, "NaN"),
        ({"metrics": {"cpu": "lots"}}, "quantity"),
        ({"metrics": {"cpu": [0.5, 0.5]}}, "2 values for 3 pods"),
        ({"metrics": {"cpu": object()}}, "expected a number"),
        ({"metrics": ["cpu"]}, "dict"),
        ({"pods": [{"phase": "Sleeping"}] * 3}, "phase"),
        ({"pods": -1}, "negative"),
        ({"requests": {"cpu": math.nan}}, "NaN"),
        ({"status_replicas": -3}, "negative"),
    ],
)
def test_invalid_inputs(cpu50: dict[str, Any], kwargs: dict[str, Any], match: str) -> None:
    args: dict[str, Any] = {"now": 0.0, "replicas": 3, "metrics": {"cpu": 0.5}}
    args.update(kwargs)
    with pytest.raises(InvalidInputError, match=match) as e:
        hpa.Controller(cpu50).step(**args)
    assert isinstance(e.value, ValueError)


def test_unknown_metric_name(cpu50: dict[str, Any]) -> None:
    with pytest.raises(UnknownMetricError, match="'gpu'|\"gpu\"") as e:
        hpa.Controller(cpu50).step(now=0.0, replicas=3, metrics={"gpu": 1})
    assert isinstance(e.value, InvalidInputError) and isinstance(e.value, ValueError)
    with pytest.raises(UnknownMetricError):
        hpa.what_if(cpu50, replicas=3, memory="50%")


def test_percent_only_for_resource_metrics() -> None:
    with pytest.raises(InvalidInputError, match="percentage"):
        hpa.what_if(manifest_text("11-vpa-hpa-careful.yaml"), replicas=5, http_requests_per_second="50%")


def test_settings(cpu50: dict[str, Any]) -> None:
    # a 0.5 tolerance keeps a ratio of 1.4 from scaling
    for ctl in (
        hpa.Controller(cpu50, {"tolerance": 0.5}),
        hpa.Controller(cpu50, tolerance=0.5),
        hpa.Controller(cpu50, {"syncPeriodSeconds": 30}, tolerance=0.5),
    ):
        assert ctl.settings()["tolerance"] == 0.5
        assert ctl.step(now=0.0, replicas=3, metrics={"cpu": "70%"}).desired_replicas == 3
    ctl = hpa.Controller(cpu50, downscale_stabilization_seconds=0)
    assert ctl.settings()["downscaleStabilizationSeconds"] == 0
    assert ctl.step(now=0.0, replicas=4, metrics={"cpu": "50%"}).desired_replicas == 4
    # no window: the scale-down is immediate at the next sync
    assert ctl.step(now=15.0, replicas=4, metrics={"cpu": "25%"}).desired_replicas == 2
    assert hpa.default_settings()["syncPeriodSeconds"] == 15
    with pytest.raises(InvalidInputError, match="unknown setting"):
        hpa.Controller(cpu50, tolerence=0.1)
    with pytest.raises(InvalidInputError):
        hpa.Controller(cpu50, tolerance=math.nan)
    with pytest.raises(InvalidInputError):
        hpa.Controller(cpu50, tolerance=-1.0)
    with pytest.raises(InvalidInputError, match="syncPeriodSeconds"):
        hpa.Controller(cpu50, sync_period_seconds="fast")


# --- state: history, pickle, repr -------------------------------------------------------


def _stabilizing(cpu50: dict[str, Any]) -> hpa.Controller:
    ctl = hpa.Controller(cpu50)
    ctl.step(now=0.0, replicas=5, metrics={"cpu": "50%"})
    ctl.step(now=60.0, replicas=5, metrics={"cpu": "10%"})
    return ctl


def test_history_round_trip(cpu50: dict[str, Any]) -> None:
    ctl = _stabilizing(cpu50)
    h = ctl.history()
    assert json.loads(json.dumps(h)) == h
    assert [r["replicas"] for r in h["recommendations"]] == [5, 5, 1]
    fresh = hpa.Controller(cpu50)
    fresh.set_history(h)
    assert fresh.history() == h
    # the restored window still holds the scale-down at 120 s, and lets it go after 300 s
    assert fresh.step(now=120.0, replicas=5, metrics={"cpu": "10%"}).desired_replicas == 5
    assert fresh.step(now=301.0, replicas=5, metrics={"cpu": "10%"}).desired_replicas == 1
    with pytest.raises(InvalidInputError, match="history"):
        fresh.set_history({"recommendations": "lots"})


def test_pickle_round_trip(cpu50: dict[str, Any]) -> None:
    ctl = _stabilizing(cpu50)
    for copy_ in (pickle.loads(pickle.dumps(ctl)), copy.deepcopy(ctl), copy.copy(ctl)):
        assert type(copy_) is hpa.Controller
        assert copy_.history() == ctl.history()
        assert copy_.settings() == ctl.settings()
        last = copy_.last_decision
        assert last is not None and last.desired_replicas == 5
        a = copy_.step(now=120.0, replicas=5, metrics={"cpu": "10%"})
        b = copy.deepcopy(ctl).step(now=120.0, replicas=5, metrics={"cpu": "10%"})
        assert a.desired_replicas == b.desired_replicas == 5
    custom = hpa.Controller(cpu50, tolerance=0.3)
    assert pickle.loads(pickle.dumps(custom)).settings()["tolerance"] == 0.3


def test_reprs(cpu50: dict[str, Any]) -> None:
    ctl = hpa.Controller(cpu50)
    assert repr(ctl) == "<Controller web: 1..10 replicas on cpu>"
    d = ctl.step(now=0.0, replicas=3, metrics={"cpu": "90%"})
    assert repr(d) == (
        "<Decision: scale up from 3 to 6 replicas: cpu above target; "
        "Resource metric cpu: usage ratio 1.800 proposes 6 replicas (chosen)>"
    )
    assert d.headline == "scale up from 3 to 6 replicas"
    assert repr(d.conditions[0]) == (
        "Condition(type='AbleToScale', status='True', reason='SucceededRescale', "
        "message='the HPA controller was able to update the target scale')"
    )
    assert repr(d.metrics[0]) == "MetricResult(Resource 'cpu': ratio 1.800 -> 6 replicas, chosen)"
    held = _stabilizing(cpu50).last_decision
    assert held is not None
    assert repr(held).startswith("<Decision: stay at 5 replicas:")


def test_decision_to_dict_is_the_cli_document(cpu50: dict[str, Any]) -> None:
    d = hpa.what_if(cpu50, replicas=3, cpu="90%")
    doc = d.to_dict()
    assert json.loads(json.dumps(doc)) == doc
    assert doc["desiredReplicas"] == 6
    assert doc["currentReplicas"] == 3
    assert doc["rescale"] is True
    assert doc["metrics"][0]["value"] == "900m"
    assert doc["conditions"][0]["reason"] == "SucceededRescale"
    assert doc["reasons"] == d.reasons
    assert d == hpa.what_if(cpu50, replicas=3, cpu="90%")
    assert d.conditions[0] == hpa.what_if(cpu50, replicas=3, cpu="90%").conditions[0]
    assert len({d.conditions[0], hpa.what_if(cpu50, replicas=3, cpu="90%").conditions[0]}) == 1


def test_next_wakeup(cpu50: dict[str, Any]) -> None:
    ctl = _stabilizing(cpu50)
    assert ctl.next_wakeup(60.0) == 75.0


# --- batch ------------------------------------------------------------------------------


def test_evaluate_batch(cpu50: dict[str, Any]) -> None:
    ctls = [hpa.Controller(cpu50) for _ in range(3)]
    items: list[Any] = [(c, {"now": 0.0, "replicas": 3, "metrics": {"cpu": f"{50 + 20 * i}%"}}) for i, c in enumerate(ctls)]
    items.append((manifest_text("11-vpa-hpa-careful.yaml"), {"replicas": 5, "metrics": {"http_requests_per_second": 1500}}))
    items.append((cpu50, {"replicas": 3, "pods": [{"requests": {"cpu": "1"}}] * 3, "metrics": {"cpu": [0.9, 0.9, 0.9]}}))
    ds = hpa.evaluate_batch(items)
    assert [d.desired_replicas for d in ds] == [3, 5, 6, 8, 6]
    # controllers were stepped: their history advanced
    assert ctls[2].history()["recommendations"][-1]["replicas"] == 6
    # same answers as one step at a time
    ctl = hpa.Controller(cpu50)
    assert ctl.step(now=0.0, replicas=3, metrics={"cpu": "90%"}) == ds[2]


def test_evaluate_batch_errors_name_the_item(cpu50: dict[str, Any]) -> None:
    with pytest.raises(InvalidInputError, match=r"items\[1\].*NaN"):
        hpa.evaluate_batch([(cpu50, {"replicas": 3}), (cpu50, {"replicas": 3, "metrics": {"cpu": math.nan}})])
    with pytest.raises(UnknownMetricError, match=r"items\[0\]"):
        hpa.evaluate_batch([(cpu50, {"replicas": 3, "metrics": {"gpu": 1}})])
    with pytest.raises(InvalidInputError, match="replicas"):
        hpa.evaluate_batch([(cpu50, {"metrics": {}})])
    with pytest.raises(InvalidInputError, match="unknown observation key"):
        hpa.evaluate_batch([(cpu50, {"replicas": 3, "cpu": 1})])
    with pytest.raises(ManifestError, match=r"items\[0\]"):
        hpa.evaluate_batch([("kind: Service", {"replicas": 3})])
    with pytest.raises(InvalidInputError, match="pair"):
        hpa.evaluate_batch([cpu50])  # type: ignore[list-item]
    assert hpa.evaluate_batch([]) == []


def test_batch_from_threads(cpu50: dict[str, Any]) -> None:
    ctls = [hpa.Controller(cpu50) for _ in range(8)]
    results: list[list[int]] = []

    def work() -> None:
        for _ in range(50):
            ds = hpa.evaluate_batch([(c, {"replicas": 3, "metrics": {"cpu": "90%"}}) for c in ctls])
            results.append([d.desired_replicas for d in ds])

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 200
    assert all(r == [6] * 8 for r in results)


def test_package_surface() -> None:
    assert tidescale.__version__ == "0.1.0"
    assert tidescale.hpa is hpa
    assert issubclass(hpa.Controller, tidescale._native.Controller)
    assert CPU_50["spec"]["maxReplicas"] == 10  # fixtures are copies


def test_docstring_examples() -> None:
    import doctest

    result = doctest.testmod(hpa, raise_on_error=False)
    assert result.attempted >= 1
    assert result.failed == 0


def test_example_script_runs() -> None:
    import runpy
    import sys

    from conftest import ROOT

    sys.argv = ["hpa_example.py"]
    with pytest.raises(SystemExit) as e:
        runpy.run_path(str(ROOT / "python" / "examples" / "hpa_example.py"), run_name="__main__")
    assert e.value.code == 0


def test_replica_calculation_one_shot() -> None:
    # replica_calculator_test.go TestReplicaCalcResourceScale/scale up (vector hpa-001):
    # 3 pods requesting 2 CPUs at 0.6, 1.0 and 1.4 CPU against a 30 % target -> 5 replicas.
    p = hpa.replica_calculation(3, "30%", ["600m", "1", 1.4], requests="2")
    assert p == {"replicas": 5, "ratio": 50 / 30, "utilization": 50, "value": "1"}
    # a per-pod average target (a Pods or AverageValue metric): 3 pods at 30 against 20 -> 5
    p = hpa.replica_calculation(3, 20, [30, 30, 30], resource="")
    assert (p["replicas"], p["utilization"], p["value"]) == (5, None, "30")
    # within the 10 % tolerance: no change
    assert hpa.replica_calculation(4, "50%", ["520m"] * 4, requests=[1, 1, 1, 1])["replicas"] == 4
    for bad in [
        dict(current_replicas=-1, target="50%", usage=[1]),
        dict(current_replicas=1, target="0%", usage=[1], requests=1),
        dict(current_replicas=1, target="50%", usage=[float("nan")], requests=1),
        dict(current_replicas=1, target="50%", usage=[1]),  # no request for a utilization target
    ]:
        with pytest.raises(ValueError):
            hpa.replica_calculation(**bad)  # type: ignore[arg-type]


def test_a_metric_left_out_is_named_as_not_given() -> None:
    d = hpa.what_if(manifest_text("01-basic-cpu-based-hpa.yaml"), replicas=4)
    assert not d.rescale
    assert (
        "no value was given for cpu: it counts as unavailable, as when the metrics API fails "
        "(give a value to evaluate it)" in d.reasons
    )
    assert d.to_dict()["notGivenMetrics"] == ["cpu"]
    # a metrics dict that leaves cpu out (or gives None) means "unavailable": no note
    ctl = hpa.Controller(manifest_text("01-basic-cpu-based-hpa.yaml"))
    d = ctl.step(now=0.0, replicas=4, metrics={"cpu": None})
    assert d.to_dict()["notGivenMetrics"] == []
    assert not any("no value was given" in r for r in d.reasons)


def test_a_value_the_sync_did_not_evaluate_is_named() -> None:
    # 4 replicas below minReplicas 5: the HPA scales to 5 without reading metrics
    text = manifest_text("17-hpa-with-custom-metrics.yaml")
    d = hpa.what_if(text, replicas=4, http_requests_per_second=2000)
    assert d.desired_replicas == 5
    assert d.metrics == []
    assert d.to_dict()["unevaluatedMetrics"] == ["http_requests_per_second"]
    assert d.reasons[-1] == (
        "the value given for http_requests_per_second was not evaluated: the current replica "
        "count is below minReplicas, so the controller scales to minReplicas without reading "
        "metrics"
    )


def test_a_file_name_instead_of_manifest_text_points_to_from_file() -> None:
    with pytest.raises(ManifestError) as e:
        hpa.Controller("examples/manifests/01-basic-cpu-based-hpa.yaml")
    msg = str(e.value)
    assert (
        'document 0 is the text "examples/manifests/01-basic-cpu-based-hpa.yaml", not a '
        "mapping: pass the manifest's contents, not a file name" in msg
    )
    assert "hpa.Controller.from_file" in msg


def test_a_yaml_syntax_error_is_one_line() -> None:
    with pytest.raises(ManifestError) as e:
        hpa.Controller("a: 1\n---\nkind: HorizontalPodAutoscaler\nspec: [\n  maxReplicas: 3\n")
    assert str(e.value) == (
        "invalid YAML at line 4, column 7: unclosed bracket '['\n4 | spec: [\n  |       ^"
    )


def test_history_times_are_seconds_like_now(cpu50: dict[str, Any]) -> None:
    # one unit of time per door: `now` is float seconds, so are the history's times
    ctl = _stabilizing(cpu50)
    h = ctl.history()
    assert [r["time"] for r in h["recommendations"]] == [0.0, 0.0, 60.0]
    with pytest.raises(InvalidInputError, match=r"history.recommendations\[0\].time"):
        hpa.Controller(cpu50).set_history({"recommendations": [{"replicas": 1, "time": "x"}]})


def test_time_going_backwards_is_a_step_at_that_time(cpu50: dict[str, Any]) -> None:
    # every controller accepts an earlier `now` (upstream tolerates clock skew)
    ctl = hpa.Controller(cpu50)
    ctl.step(now=100.0, replicas=2, metrics={"cpu": "50%"})
    d = ctl.step(now=50.0, replicas=2, metrics={"cpu": "100%"})
    assert d.desired_replicas == 4


def test_step_runs_no_python_under_the_native_lock(cpu50: dict[str, Any]) -> None:
    """Issue 9: a pods generator that touches the same controller (from this thread and from
    another one) must not deadlock; the answer equals the plain step's. A deadlock would hold
    the GIL, so the case runs in a child interpreter with a timeout."""
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent(
        f"""
        import threading
        import tidescale.hpa as hpa
        ctl = hpa.Controller({cpu50!r})
        seen = []
        def pods():
            seen.append(ctl.metric_names)  # the same thread, re-entering the controller
            t = threading.Thread(target=lambda: seen.append(ctl.metric_names))
            t.start()
            t.join()
            yield from ({{"name": f"web-{{i}}", "requests": {{"cpu": "1"}}}} for i in range(3))
        d = ctl.step(now=0.0, replicas=3, pods=pods(), metrics={{"cpu": 0.9}})
        print(len(seen), d.desired_replicas)
        """
    )
    try:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("Controller.step deadlocked")
    assert out.returncode == 0, out.stderr
    pods_list = [{"name": f"web-{i}", "requests": {"cpu": "1"}} for i in range(3)]
    plain = hpa.Controller(cpu50).step(now=0.0, replicas=3, pods=pods_list, metrics={"cpu": 0.9})
    assert out.stdout.split() == ["2", str(plain.desired_replicas)]
    assert plain.desired_replicas == 6


def test_many_threads_one_controller_equal_sequential(cpu50: dict[str, Any]) -> None:
    def run(ctl: Any, i: int) -> int:
        return ctl.step(now=100.0, replicas=3, pods=3, requests={"cpu": "1000m"},
                        metrics={"cpu": ["900m"] * 3}).desired_replicas
    sequential = hpa.Controller(cpu50)
    want = [run(sequential, i) for i in range(8)]
    assert want == [6] * 8
    shared = hpa.Controller(cpu50)
    got: list[int] = []
    threads = [threading.Thread(target=lambda i=i: got.append(run(shared, i))) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert sorted(got) == sorted(want) and len(got) == 8


def test_unknown_manifest_fields_warn_and_strict_mode_raises(cpu50: dict[str, Any]) -> None:
    """Issue 9: `spec.behaviour` (British spelling) must not silently run the legacy path."""
    import warnings

    m = copy.deepcopy(cpu50)
    m["spec"]["behaviour"] = {"scaleDown": {"stabilizationWindowSeconds": 0}}
    m["spec"]["metrics"][0]["resource"]["traget"] = {"type": "Utilization"}
    with pytest.warns(tidescale.UnknownFieldWarning) as record:
        hpa.Controller(m)
    assert [str(r.message) for r in record] == [
        'document 0: unknown field "spec.behaviour"',
        'document 0: unknown field "spec.metrics[0].resource.traget"',
    ]
    with warnings.catch_warnings():
        warnings.filterwarnings("error", category=tidescale.UnknownFieldWarning)
        with pytest.raises(tidescale.UnknownFieldWarning, match="spec.behaviour"):
            hpa.Controller(m)
        hpa.Controller(cpu50)  # a manifest without unknown fields loads in strict mode
