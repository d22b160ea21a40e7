"""Type-checked by mypy --strict in scripts/test-python (not collected by pytest)."""

from __future__ import annotations

from typing import Any, Optional

import tidescale.hpa as hpa


def desired(manifest: str) -> tuple[int, Optional[str], list[str]]:
    d = hpa.what_if(manifest, replicas=3, cpu="140%")
    reasons: list[str] = [c.reason for c in d.conditions]
    return d.desired_replicas, d.limited_by, reasons


def vpa_target(manifest: str, now: float) -> tuple[Optional[float], Optional[int], dict[str, Any]]:
    import tidescale.vpa as vpa

    rec = vpa.Recommender(manifest, target_cpu_percentile=0.9)
    rec.add_samples("app", [now - 60.0, now], cpu=[0.25, 0.3], memory=[1e8, 1.1e8])
    rec.add_sample("app", now + 1, cpu="250m")
    r: vpa.Recommendation = rec.recommendation(now)
    app: Optional[vpa.ContainerRecommendation] = r.get("app")
    block: dict[str, Any] = r.to_dict()
    report: vpa.ConflictReport = vpa.conflicts(manifest, manifest)
    assert report.safe or report.conflicts
    if app is None:
        return None, None, block
    return app.target.cpu, app.target.memory, block


def keda_step(manifest: str) -> tuple[int, str, Optional[float]]:
    import tidescale.keda as keda

    so = keda.ScaledObject(manifest)
    d: keda.Decision = so.step(0.0, 0, {"aws-sqs-queue": 3})
    job: keda.JobDecision = keda.scaledjob_decision(manifest, 3, running=1)
    assert job.jobs_to_create >= 0
    return d.desired_replicas, d.reason, d.cooldown_remaining


def prom_math() -> tuple[Optional[float], Optional[float], list[dict[str, Any]]]:
    import tidescale.prom as prom

    r = prom.rate([(0.0, 0.0), (15.0, 30.0)], 15.0, "1m", window="2.x")
    q = prom.histogram_quantile(0.9, {"0.1": 5, "+Inf": 10})
    w = prom.CounterWindow(32, 60)
    w.push(0.0, 1.0)
    return r if r is not None else w.rate(0.0), q, prom.sum_by([({"pod": "a"}, 1.0)], ["pod"])


def fleet_step() -> tuple[int, bool, Optional[str], Optional[int]]:
    from array import array

    m: dict[str, Any] = {"spec": {"maxReplicas": 10}}
    fleet = hpa.Fleet([m, m], {"tolerance": 0.1})
    s: hpa.FleetStep = fleet.step(0.0, array("i", [3, 4]), {"cpu": [90.0, 50.0]})
    d: Optional[hpa.Decision] = fleet.decision(0)
    reasons: list[Optional[str]] = s.limited_by_reasons()
    return s.desired_replicas[0], bool(s.rescale[1]), reasons[0], d.desired_replicas if d else None
