"""Micro-benchmark of the Python door (build the wheel with --release first).

    bash scripts/test-python --release      # or: maturin build --release -m python/Cargo.toml
    .venv/bin/python python/bench/bench_step.py

Measures one ``Controller.step`` for 10 pods and 2 metrics (cpu as per-pod cores, a Pods
metric as per-pod numbers), and ``evaluate_batch`` over many controllers (decisions per second
on one core; the batch releases the GIL for the controller math).
"""

from __future__ import annotations

import argparse
import timeit

import tidescale.hpa as hpa

MANIFEST = {
    "apiVersion": "autoscaling/v2",
    "kind": "HorizontalPodAutoscaler",
    "metadata": {"name": "bench"},
    "spec": {
        "minReplicas": 1,
        "maxReplicas": 100,
        "metrics": [
            {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}},
            {
                "type": "Pods",
                "pods": {
                    "metric": {"name": "http_requests_per_second"},
                    "target": {"type": "AverageValue", "averageValue": "100"},
                },
            },
        ],
    },
}

PODS = 10
CPU = [0.45, 0.52, 0.48, 0.61, 0.50, 0.47, 0.55, 0.49, 0.51, 0.53]
RPS = [95.0, 102.0, 99.0, 110.0, 97.0, 101.0, 100.0, 98.0, 103.0, 96.0]


def best_of(stmt: "callable[[], object]", number: int, repeat: int) -> float:  # type: ignore[valid-type]
    return min(timeit.repeat(stmt, number=number, repeat=repeat)) / number


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--number", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--batch", type=int, default=10000)
    args = ap.parse_args()

    ctl = hpa.Controller(MANIFEST)
    metrics = {"cpu": CPU, "http_requests_per_second": RPS}
    now = [0.0]

    def step() -> object:
        now[0] += 15.0
        return ctl.step(now=now[0], replicas=PODS, metrics=metrics)

    t_step = best_of(step, args.number, args.repeat)

    quantity_metrics = {"cpu": ["450m"] * PODS, "http_requests_per_second": ["100"] * PODS}

    def step_strings() -> object:
        now[0] += 15.0
        return ctl.step(now=now[0], replicas=PODS, metrics=quantity_metrics)

    t_step_str = best_of(step_strings, args.number // 4, args.repeat)

    ctls = [hpa.Controller(MANIFEST) for _ in range(args.batch)]
    t = [0.0]

    def batch() -> object:
        t[0] += 15.0
        obs = {"now": t[0], "replicas": PODS, "metrics": metrics}
        return hpa.evaluate_batch([(c, obs) for c in ctls])

    t_batch = best_of(batch, 1, args.repeat)

    print(f"step, 10 pods, 2 metrics (floats):           {t_step * 1e6:8.2f} us/step")
    print(f"step, 10 pods, 2 metrics (quantity strings): {t_step_str * 1e6:8.2f} us/step")
    print(
        f"evaluate_batch, {args.batch} controllers:          {t_batch * 1e3:8.2f} ms/batch = "
        f"{args.batch / t_batch:,.0f} decisions/s ({t_batch / args.batch * 1e6:.2f} us/decision)"
    )


if __name__ == "__main__":
    main()
