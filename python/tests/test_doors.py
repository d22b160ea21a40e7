"""The cross-door cases (``tests/doors/hpa_what_if.json``) through the Python door:
``hpa.what_if(manifest, replicas, metrics={...})``, compared field by field to the core's
answer (the same summary as ``tests/doors/common.rs``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tidescale import hpa

CASES_FILE = Path(__file__).resolve().parents[2] / "tests" / "doors" / "hpa_what_if.json"
CASES: list[dict[str, Any]] = json.loads(CASES_FILE.read_text())["cases"]


def summary(doc: dict[str, Any]) -> dict[str, Any]:
    metrics = doc.get("metrics") or []
    chosen = next((m["name"] for m in metrics if m.get("chosen")), None)
    return {
        "currentReplicas": doc["currentReplicas"],
        "desiredReplicas": doc["desiredReplicas"],
        "proposedReplicas": doc["proposedReplicas"],
        "stabilizedReplicas": doc["stabilizedReplicas"],
        "rescale": doc["rescale"],
        "limitedBy": doc["limitedBy"],
        "conditions": {c["type"]: [c["status"], c["reason"]] for c in doc["conditions"]},
        "chosenMetric": chosen,
        "metrics": [
            {
                "name": m["name"],
                "replicas": m.get("replicas"),
                "ratio": m.get("ratio"),
                "error": (m.get("error") or {}).get("reason"),
            }
            for m in metrics
        ],
        "notGivenMetrics": doc["notGivenMetrics"],
    }


def test_there_are_cases() -> None:
    assert len(CASES) >= 10
    assert all(c["expected"] is not None for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_python_answers_as_the_core_does(case: dict[str, Any]) -> None:
    d = hpa.what_if(case["manifest"], case["replicas"], metrics=case["set"] or None)
    got = summary(d.to_dict())
    want = case["expected"]
    diffs = [f"{k}: got {got.get(k)!r}, want {v!r}" for k, v in want.items() if got.get(k) != v]
    assert not diffs, "\n".join(diffs)
