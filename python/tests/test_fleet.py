"""`hpa.Fleet`: the columnar batch must decide exactly as N separate `Controller.step` calls."""

from __future__ import annotations

import copy
import doctest
import math
import pickle
from array import array
from typing import Any, Optional

import pytest

import tidescale.hpa as hpa
from tidescale import InvalidInputError, ManifestError, SpecError, UnknownMetricError

from conftest import CPU_50


def _metric(type_: str, name: str, target: dict[str, Any]) -> dict[str, Any]:
    if type_ == "Resource":
        return {"type": "Resource", "resource": {"name": name, "target": target}}
    if type_ == "ContainerResource":
        return {
            "type": "ContainerResource",
            "containerResource": {"name": name, "container": "server", "target": target},
        }
    if type_ == "Pods":
        return {"type": "Pods", "pods": {"metric": {"name": name}, "target": target}}
    if type_ == "Object":
        return {
            "type": "Object",
            "object": {
                "metric": {"name": name},
                "describedObject": {"apiVersion": "v1", "kind": "Service", "name": "web"},
                "target": target,
            },
        }
    return {"type": "External", "external": {"metric": {"name": name}, "target": target}}


def _hpa(name: str, metrics: list[dict[str, Any]], behavior: Optional[dict[str, Any]] = None, lo: int = 1, hi: int = 20) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
        "minReplicas": lo,
        "maxReplicas": hi,
        "metrics": metrics,
    }
    if behavior is not None:
        spec["behavior"] = behavior
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": name}, "spec": spec}


UTIL = {"type": "Utilization", "averageUtilization": 50}
CPU = _metric("Resource", "cpu", UTIL)
RPS = _metric("Pods", "rps", {"type": "AverageValue", "averageValue": "100"})
MANIFESTS = [
    _hpa("cpu", [CPU]),
    _hpa("cpu-rps", [CPU, RPS]),
    _hpa("rps", [RPS], hi=8),
    _hpa(
        "limited",
        [CPU],
        behavior={
            "scaleUp": {"policies": [{"type": "Pods", "value": 1, "periodSeconds": 60}]},
            "scaleDown": {"stabilizationWindowSeconds": 30, "policies": [{"type": "Percent", "value": 50, "periodSeconds": 60}]},
        },
    ),
    _hpa("mem-value", [_metric("Resource", "memory", {"type": "AverageValue", "averageValue": "512Mi"})]),
    _hpa("container", [_metric("ContainerResource", "cpu", UTIL)]),
    _hpa("queue", [_metric("External", "queue", {"type": "AverageValue", "averageValue": "30"})], lo=0 + 1),
    _hpa("ingress", [_metric("Object", "hits", {"type": "Value", "value": "1k"})]),
    _hpa("gpu", [_metric("Resource", "nvidia.com/gpu", {"type": "AverageValue", "averageValue": "1"}), RPS]),
]
TYPES = {"cpu": "percent", "rps": "plain", "memory": "plain", "queue": "plain", "hits": "plain", "nvidia.com/gpu": "plain"}

# (now, replicas, levels): scale up, hold, fall (held by the stabilization windows), recover
STEPS: list[tuple[float, list[int], dict[str, Optional[list[float]]]]] = []


def _steps() -> list[tuple[float, list[int], dict[str, Optional[list[float]]]]]:
    n = len(MANIFESTS)
    plan = [
        (0.0, 3, 140.0, 180.0, 0.9e9, 95.0, 2500.0),
        (15.0, 6, 90.0, 120.0, 0.4e9, 60.0, 900.0),
        (30.0, 6, 20.0, 30.0, 0.1e9, 10.0, 100.0),
        (45.0, 6, 20.0, 30.0, 0.1e9, 10.0, 100.0),
        (120.0, 5, 10.0, 20.0, 0.1e9, 10.0, 50.0),
        (400.0, 4, 10.0, 20.0, 0.1e9, 10.0, 50.0),
        (415.0, 4, 55.0, 101.0, 0.6e9, 35.0, 1200.0),
    ]
    out = []
    for j, (now, r, cpu, rps, mem, queue, hits) in enumerate(plan):
        replicas = [r + (i % 3) for i in range(n)]
        metrics: dict[str, Optional[list[float]]] = {
            "cpu": [cpu + 7 * i for i in range(n)],
            "rps": [rps - i for i in range(n)],
            "memory": [mem] * n,
            "queue": [queue * (1 + i % 2) for i in range(n)],
            "hits": [hits] * n,
            "nvidia.com/gpu": [0.5 + 0.1 * j] * n,
        }
        if j == 3:
            metrics["rps"] = None  # unavailable for one sync
        out.append((now, replicas, metrics))
    return out


def _controller_metrics(i: int, names: list[str], metrics: dict[str, Optional[list[float]]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, col in metrics.items():
        if col is None or name not in names:
            continue
        out[name] = f"{col[i]!r}%" if TYPES[name] == "percent" else col[i]
    return out


def test_fleet_equals_separate_controllers() -> None:
    fleet = hpa.Fleet(MANIFESTS)
    ctls = [hpa.Controller(m) for m in MANIFESTS]
    assert len(fleet) == len(MANIFESTS)
    assert fleet.metric_names == ["cpu", "rps", "memory", "queue", "hits", "nvidia.com/gpu"]
    assert fleet.names == [m["metadata"]["name"] for m in MANIFESTS]
    assert fleet.decision(0) is None
    seen: set[tuple[bool, Optional[str]]] = set()
    for now, replicas, metrics in _steps():
        s = fleet.step(now, replicas, metrics)
        for i, ctl in enumerate(ctls):
            d = ctl.step(now=now, replicas=replicas[i], metrics=_controller_metrics(i, ctl.metric_names, metrics))
            assert fleet.decision(i) == d, (now, i, d, fleet.decision(i))
            assert s.desired_replicas[i] == d.desired_replicas
            assert bool(s.rescale[i]) == d.rescale
            assert s.limited_by_reasons()[i] == d.limited_by
            seen.add((d.rescale, d.limited_by))
            if d.proposed_replicas is not None and d.stabilized_replicas is not None and d.stabilized_replicas > d.proposed_replicas:
                seen.add((False, "stabilized"))
        for i, ctl in enumerate(ctls):
            assert fleet.controller(i).history() == ctl.history()
    # the scenario covers scale-up, limits and a stabilized scale-down
    assert (True, None) in seen
    assert (True, "ScaleUpLimit") in seen
    assert (False, "stabilized") in seen


def test_fleet_inputs_lists_arrays_scalars() -> None:
    m = [CPU_50] * 4
    want = hpa.Fleet(m).step(0.0, [3, 4, 5, 6], {"cpu": [90.0, 50.0, 140.0, 20.0]})
    assert list(want.desired_replicas) == [6, 4, 10, 6]
    for replicas, cpu in [
        ((3, 4, 5, 6), (90, 50, 140, 20)),
        (array("i", [3, 4, 5, 6]), array("d", [90.0, 50.0, 140.0, 20.0])),
        (array("q", [3, 4, 5, 6]), array("f", [90.0, 50.0, 140.0, 20.0])),
        (memoryview(array("l", [3, 4, 5, 6])), array("h", [90, 50, 140, 20])),
        ([3.0, 4.0, 5.0, 6.0], iter([90.0, 50.0, 140.0, 20.0])),
    ]:
        assert hpa.Fleet(m).step(0.0, replicas, {"cpu": cpu}) == want
    # one number for every HPA
    s = hpa.Fleet(m).step(0.0, 3, {"cpu": 90.0})
    assert list(s.desired_replicas) == [6] * 4
    assert hpa.Fleet([]).step(0.0, []).desired_replicas == array("i")


def test_fleet_numpy() -> None:
    np = pytest.importorskip("numpy")
    m = [CPU_50] * 4
    want = hpa.Fleet(m).step(0.0, [3, 4, 5, 6], {"cpu": [90.0, 50.0, 140.0, 20.0]})
    cpu = np.array([90.0, 50.0, 140.0, 20.0])
    for replicas, col in [
        (np.array([3, 4, 5, 6]), cpu),
        (np.array([3, 4, 5, 6], dtype=np.int32), cpu.astype(np.float32)),
        (np.array([3, 4, 5, 6], dtype=">i8"), cpu.astype(">f8")),
        (np.array([3, 0, 4, 0, 5, 0, 6, 0])[::2], np.repeat(cpu, 2)[::2]),  # strided views
        (np.array([3.0, 4.0, 5.0, 6.0]), cpu.astype(np.int64)),
    ]:
        assert hpa.Fleet(m).step(0.0, replicas, {"cpu": col}) == want
    s = hpa.Fleet(m).step(0.0, np.full(4, 3), {"cpu": np.float64(90.0)})
    assert np.frombuffer(s.desired_replicas, dtype=np.int32).tolist() == [6] * 4
    with pytest.raises(InvalidInputError, match="one-dimensional"):
        hpa.Fleet(m).step(0.0, np.ones((2, 2), dtype=np.int64), {})
    with pytest.raises(InvalidInputError, match="NaN"):
        hpa.Fleet(m).step(0.0, 3, {"cpu": np.array([1.0, np.nan, 1.0, 1.0])})
    with pytest.raises(InvalidInputError, match="format"):
        hpa.Fleet(m).step(0.0, 3, {"cpu": np.ones(4, dtype=np.complex128)})


def test_fleet_errors_leave_the_fleet_untouched() -> None:
    fleet = hpa.Fleet([CPU_50, CPU_50])
    ctl = hpa.Controller(CPU_50)
    with pytest.raises(InvalidInputError, match=r"replicas: 3 values for a fleet of 2"):
        fleet.step(0.0, [3, 3, 3], {"cpu": 90.0})
    with pytest.raises(InvalidInputError, match=r'metrics\["cpu"\]: 1 values'):
        fleet.step(0.0, [3, 3], {"cpu": [90.0]})
    with pytest.raises(InvalidInputError, match=r'metrics\["cpu"\]\[1\]: NaN'):
        fleet.step(0.0, [3, 3], {"cpu": [90.0, math.nan]})
    with pytest.raises(InvalidInputError, match=r'metrics\["cpu"\]\[0\].*finite'):
        fleet.step(0.0, [3, 3], {"cpu": [-1.0, 90.0]})
    with pytest.raises(InvalidInputError, match=r"finite"):
        fleet.step(0.0, [3, 3], {"cpu": math.inf})
    with pytest.raises(InvalidInputError, match=r"replicas\[1\]: -2 is negative"):
        fleet.step(0.0, [3, -2], {"cpu": 90.0})
    with pytest.raises(InvalidInputError, match=r"replicas\[0\]: 2.5 is not an integer"):
        fleet.step(0.0, array("d", [2.5, 3.0]), {"cpu": 90.0})
    with pytest.raises(InvalidInputError, match=r"replicas\[1\]: expected a number"):
        fleet.step(0.0, [3, "3"], {"cpu": 90.0})
    with pytest.raises(InvalidInputError, match=r"sequence of numbers"):
        fleet.step(0.0, [3, 3], {"cpu": "90%"})
    with pytest.raises(UnknownMetricError, match=r"\"gpu\" is in no manifest"):
        fleet.step(0.0, [3, 3], {"gpu": [1.0, 1.0]})
    with pytest.raises(InvalidInputError, match="dict"):
        fleet.step(0.0, [3, 3], [90.0, 90.0])  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="now"):
        fleet.step(math.nan, [3, 3], {"cpu": 90.0})
    assert isinstance(InvalidInputError("x"), ValueError)
    # nothing was stepped
    assert fleet.decision(0) is None
    fleet.step(0.0, [3, 3], {"cpu": 90.0})
    assert fleet.decision(1) == ctl.step(now=0.0, replicas=3, metrics={"cpu": "90%"})
    with pytest.raises(IndexError):
        fleet.decision(2)
    assert fleet.decision(-1) == fleet.decision(1)


def test_fleet_construction_errors() -> None:
    with pytest.raises(ManifestError, match=r"items\[1\]"):
        hpa.Fleet([CPU_50, "kind: Service"])
    bad = copy.deepcopy(CPU_50)
    bad["spec"]["maxReplicas"] = 0
    with pytest.raises(SpecError, match=r"items\[0\]"):
        hpa.Fleet([bad])
    with pytest.raises(InvalidInputError, match="unknown setting"):
        hpa.Fleet([CPU_50], {"tolerence": 0.2})
    # a Utilization target on a resource the generated pods do not request
    gpu = _hpa("gpu", [_metric("Resource", "nvidia.com/gpu", UTIL)])
    fleet = hpa.Fleet([gpu])
    with pytest.raises(InvalidInputError, match="needs the pod's nvidia.com/gpu request"):
        fleet.step(0.0, [2], {"nvidia.com/gpu": 50.0})
    # ... which custom requests provide
    s = hpa.Fleet([gpu], requests={"nvidia.com/gpu": 1}).step(0.0, [2], {"nvidia.com/gpu": 100.0})
    assert list(s.desired_replicas) == [4]


def test_fleet_settings_and_controllers_are_copied() -> None:
    ctl = hpa.Controller(CPU_50, tolerance=0.5)
    ctl.step(now=0.0, replicas=3, metrics={"cpu": "90%"})
    fleet = hpa.Fleet([ctl, CPU_50], {"tolerance": 0.5})
    assert fleet.controller(0).history() == ctl.history()
    s = fleet.step(15.0, [6, 3], {"cpu": 70.0})  # ratio 1.4: within the 0.5 tolerance
    assert list(s.desired_replicas) == [6, 3]
    # the Controller given to the fleet was not stepped
    assert len(ctl.history()["recommendations"]) == 2
    assert len(fleet.controller(0).history()["recommendations"]) == 3
    assert fleet.controller(1).settings()["tolerance"] == 0.5


def test_fleet_pickles_with_history() -> None:
    fleet = hpa.Fleet(MANIFESTS)
    steps = _steps()
    for now, replicas, metrics in steps[:3]:
        fleet.step(now, replicas, metrics)
    copy_ = pickle.loads(pickle.dumps(fleet))
    assert type(copy_) is hpa.Fleet
    assert len(copy_) == len(fleet)
    for now, replicas, metrics in steps[3:]:
        assert copy_.step(now, replicas, metrics) == fleet.step(now, replicas, metrics)
    assert copy_.decision(3) == fleet.decision(3)


def test_fleet_docstring_example() -> None:
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner()
    for t in finder.find(hpa.Fleet, "Fleet", globs={}):
        runner.run(t)
    assert runner.failures == 0 and runner.tries > 0
