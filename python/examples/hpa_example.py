"""A small, type-checked (mypy --strict) tour of tidescale.hpa."""

from __future__ import annotations

import pickle
from typing import Any

import tidescale
import tidescale.hpa as hpa

MANIFEST = """
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 20
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}
  - type: Pods
    pods:
      metric: {name: http_requests_per_second}
      target: {type: AverageValue, averageValue: "100"}
"""


def main() -> int:
    ctl = hpa.Controller(MANIFEST, tolerance=0.1)
    pods = [hpa.Pod(name=f"web-{i}", requests={"cpu": "500m"}) for i in range(4)]
    d: hpa.Decision = ctl.step(
        now=0.0,
        replicas=4,
        pods=pods,
        metrics={"cpu": ["450m", "420m", "480m", "400m"], "http_requests_per_second": [150, 90, 120, 110]},
    )
    print(repr(d))
    for c in d.conditions:
        print(f"  {c.type:<15} {c.status:<6} {c.reason}")
    for m in d.metrics:
        ratio = "-" if m.ratio is None else f"{m.ratio:.2f}"
        print(f"  {m.name}: {ratio} -> {m.replicas}")
    saved: dict[str, Any] = ctl.history()
    restored = pickle.loads(pickle.dumps(ctl))
    restored.set_history(saved)
    one_shot = hpa.what_if(MANIFEST, replicas=4, cpu="140%")
    batch = hpa.evaluate_batch([(ctl, {"now": 15.0, "replicas": d.desired_replicas, "metrics": {"cpu": "60%"}})])
    try:
        ctl.step(now=30.0, replicas=4, metrics={"cpu": float("nan")})
    except tidescale.InvalidInputError as e:
        print("refused:", e)
    print(one_shot.desired_replicas, batch[0].headline)
    return 0 if d.desired_replicas >= 4 else 1


if __name__ == "__main__":
    raise SystemExit(main())
