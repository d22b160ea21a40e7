from __future__ import annotations

import pathlib
from typing import Any

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
MANIFESTS = ROOT / "examples" / "manifests"

CPU_50 = {
    "apiVersion": "autoscaling/v2",
    "kind": "HorizontalPodAutoscaler",
    "metadata": {"name": "web"},
    "spec": {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
        "minReplicas": 1,
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
    },
}


@pytest.fixture
def cpu50() -> dict[str, Any]:
    import copy

    return copy.deepcopy(CPU_50)


def manifest_text(name: str) -> str:
    return (MANIFESTS / name).read_text(encoding="utf-8")
