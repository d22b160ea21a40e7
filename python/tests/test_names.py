"""Public classes report the module and name users import them by (issue 9, item 4)."""

from __future__ import annotations

import pytest

import tidescale
from tidescale import hpa, keda, prom, vpa

PUBLIC = [
    (hpa.Controller, "tidescale.hpa", "Controller"),
    (hpa.Decision, "tidescale.hpa", "Decision"),
    (hpa.Condition, "tidescale.hpa", "Condition"),
    (hpa.MetricResult, "tidescale.hpa", "MetricResult"),
    (hpa.Fleet, "tidescale.hpa", "Fleet"),
    (vpa.Recommender, "tidescale.vpa", "Recommender"),
    (vpa.Recommendation, "tidescale.vpa", "Recommendation"),
    (vpa.ContainerRecommendation, "tidescale.vpa", "ContainerRecommendation"),
    (vpa.Resources, "tidescale.vpa", "Resources"),
    (keda.ScaledObject, "tidescale.keda", "ScaledObject"),
    (keda.Decision, "tidescale.keda", "Decision"),
    (prom.CounterWindow, "tidescale.prom", "CounterWindow"),
]


@pytest.mark.parametrize(("cls", "module", "name"), PUBLIC, ids=[p[2] for p in PUBLIC])
def test_public_module_and_name(cls: type, module: str, name: str) -> None:
    assert cls.__module__ == module
    assert cls.__qualname__ == name
    assert cls.__name__ == name
    # the name resolves to the class itself, which is what pickle relies on
    assert getattr(__import__(module, fromlist=[name]), name) is cls


def test_a_decision_reports_its_public_class() -> None:
    manifest = {
        "spec": {
            "scaleTargetRef": {"kind": "Deployment", "name": "web"},
            "maxReplicas": 10,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": 50},
                    },
                }
            ],
        }
    }
    d = hpa.what_if(manifest, replicas=3, cpu="140%")
    assert repr(type(d)) == "<class 'tidescale.hpa.Decision'>"
    assert repr(type(d.conditions[0])) == "<class 'tidescale.hpa.Condition'>"
    assert d.desired_replicas == 6


def test_private_module_keeps_its_names() -> None:
    native = tidescale._native  # type: ignore[attr-defined]
    assert native.VpaResources is vpa.Resources
    assert native.KedaDecision is keda.Decision
