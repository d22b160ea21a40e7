"""Micro-benchmark of the Python door (build the wheel with --release first).

    bash scripts/test-python --release      # or: maturin build --release -m python/Cargo.toml
    .venv/bin/python python/bench/bench_step.py

Measures one ``Controller.step`` for 10 pods and 2 metrics (cpu as per-pod cores, a Pods
metric as per-pod numbers), ``evaluate_batch`` over many controllers, and ``Fleet.step`` over
a fleet of ``--fleet`` HPAs with 3-10 replicas each (1 CPU metric, then CPU + a Pods metric;
decisions per second on one core, the loop runs without the GIL). Each figure is the best of
``--repeat`` runs; ``--fleet-only`` skips the per-call benchmarks.
"""

from __future__ import annotations

import argparse
import random
import timeit
from array import array

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


CPU_ONLY = {**MANIFEST, "spec": {**MANIFEST["spec"], "metrics": MANIFEST["spec"]["metrics"][:1]}}  # type: ignore[dict-item]


def bench_fleet(n: int, repeat: int, two_metrics: bool, numpy: bool) -> tuple[float, float]:
    """(best, median) seconds of one ``Fleet.step`` over ``n`` HPAs."""
    rng = random.Random(42)
    fleet = hpa.Fleet([MANIFEST if two_metrics else CPU_ONLY] * n)
    replicas = array("i", [rng.randint(3, 10) for _ in range(n)])
    cpu = array("d", [rng.uniform(20.0, 90.0) for _ in range(n)])
    rps = array("d", [rng.uniform(50.0, 150.0) for _ in range(n)])
    metrics: dict[str, object] = {"cpu": cpu}
    if two_metrics:
        metrics["http_requests_per_second"] = rps
    if numpy:
        import numpy as np

        replicas = np.asarray(replicas)  # type: ignore[assignment]
        metrics = {k: np.asarray(v) for k, v in metrics.items()}
    t = [0.0]

    def step() -> object:
        t[0] += 15.0
        return fleet.step(t[0], replicas, metrics)

    for _ in range(25):  # warm: the histories fill their 300 s windows
        step()
    times = sorted(timeit.repeat(step, number=1, repeat=repeat))
    return times[0], times[len(times) // 2]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--number", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--batch", type=int, default=10000)
    ap.add_argument("--fleet", type=int, default=10000)
    ap.add_argument("--fleet-only", action="store_true")
    ap.add_argument("--numpy", action="store_true", help="also feed numpy arrays")
    args = ap.parse_args()

    for two in (False, True):
        for np_in in (False, True) if args.numpy else (False,):
            best, median = bench_fleet(args.fleet, args.repeat, two, np_in)
            label = f"Fleet.step, {args.fleet} HPAs, {'2 metrics' if two else '1 metric '}{' (numpy)' if np_in else ''}:"
            print(
                f"{label:<48} {best * 1e3:8.2f} ms/step = {args.fleet / best:,.0f} decisions/s best of "
                f"{args.repeat} (median {args.fleet / median:,.0f}/s)"
            )
    if args.fleet_only:
        return

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
