"""tidescale.prom: the conformance vectors through the Python API, arrays, streaming, errors."""

from __future__ import annotations

import copy
import json
import math
import pickle
from typing import Any, Optional

import pytest

import tidescale.prom as prom
from tidescale import InvalidInputError

from conftest import ROOT

VECTORS = json.loads((ROOT / "tests" / "conformance" / "prom.json").read_text(encoding="utf-8"))


def num(v: Any) -> float:
    if isinstance(v, str):
        return {"NaN": math.nan, "+Inf": math.inf, "Inf": math.inf, "-Inf": -math.inf}.get(v) or float(v)
    return float(v)


def matches(expect: dict[str, Any], got: Optional[float]) -> bool:
    if expect.get("empty"):
        return got is None
    want = num(expect["value"])
    if got is None:
        return False
    if math.isnan(want):
        return math.isnan(got)
    if math.isinf(want):
        return got == want
    return got == pytest.approx(want, rel=1e-6, abs=1e-12)


RANGE_VECTORS = [v for v in VECTORS if v["kind"] in ("rate", "increase", "irate", "delta", "idelta")]
QUANTILE_VECTORS = [v for v in VECTORS if v["kind"] == "histogram_quantile" and "buckets" in v["input"]]


def window_of(v: dict[str, Any]) -> prom.Window:
    w = v.get("window", "")
    return "2.x" if w.startswith("[") or "2.x" in w or "left-closed" in w else "3.x"


@pytest.mark.parametrize("v", RANGE_VECTORS, ids=[v["id"] for v in RANGE_VECTORS])
def test_range_function_vectors(v: dict[str, Any]) -> None:
    fn = getattr(prom, v["kind"])
    samples = [(num(t), num(x)) for t, x in v["input"]["samples"]]
    got = fn(samples, v["eval_time_s"], v["range_s"], window=window_of(v), offset=v.get("offset_s", 0.0))
    assert matches(v["expect"], got), (v["name"], got, v["expect"])


@pytest.mark.parametrize("v", QUANTILE_VECTORS, ids=[v["id"] for v in QUANTILE_VECTORS])
def test_histogram_quantile_vectors(v: dict[str, Any]) -> None:
    buckets = [(le, num(c)) for le, c in v["input"]["buckets"]]
    got = prom.histogram_quantile(num(v["q"]), buckets)
    assert matches(v["expect"], got), (v["name"], got, v["expect"])


def test_vector_counts() -> None:
    assert len(RANGE_VECTORS) >= 30 and len(QUANTILE_VECTORS) >= 10


def test_rate_core_doctest_and_sample_shapes() -> None:
    pairs = [(15.0 * i, 30.0 * i) for i in range(9)]
    r = prom.rate(pairs, 120, "2m")
    assert r == pytest.approx(2.0, abs=1e-12)
    times = [t for t, _ in pairs]
    values = [x for _, x in pairs]
    assert prom.rate((times, values), 120, 120) == r
    assert prom.rate([list(p) for p in pairs], 120.0, 120.0) == r
    assert prom.rate(tuple(pairs), 120, "120s") == r
    assert prom.increase(pairs, 120, "2m") == pytest.approx(240.0)
    assert prom.irate(pairs, 120, "2m") == pytest.approx(2.0)
    assert prom.delta(pairs, 120, "2m") == pytest.approx(240.0)
    assert prom.idelta(pairs, 120, "2m") == pytest.approx(30.0)
    # too few samples in the window: no result
    assert prom.rate(pairs[:1], 120, "2m") is None
    assert prom.rate([], 120, "2m") is None


def test_window_modes_and_offset() -> None:
    # samples at 0, 60, 120; rate over [60s] at 120: 3.x sees only 120 -> None; 2.x sees 60, 120
    s = [(0.0, 0.0), (60.0, 60.0), (120.0, 120.0)]
    assert prom.rate(s, 120, 60) is None
    assert prom.rate(s, 120, 60, window="2.x") == pytest.approx(1.0)
    assert prom.rate(s, 180, "1m", offset="1m", window="2.x") == pytest.approx(1.0)
    with pytest.raises(InvalidInputError, match="window"):
        prom.rate(s, 120, 60, window="4.x")  # type: ignore[arg-type]


def test_numpy_samples() -> None:
    np = pytest.importorskip("numpy")
    t = np.arange(9) * 15.0
    x = t * 2.0
    expected = prom.rate(list(zip(t.tolist(), x.tolist())), 120, "2m")
    assert prom.rate((t, x), 120, "2m") == expected
    assert prom.rate(np.stack([t, x], axis=1), 120, "2m") == expected
    w = prom.CounterWindow(16, "2m")
    w.extend((t, x))
    assert w.rate(120) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("samples", "kwargs", "match"),
    [
        ([(0.0, 1.0), (math.nan, 2.0)], {}, "finite"),
        ([(10.0, 1.0), (5.0, 2.0)], {}, "strictly increasing"),
        ([(0.0, 1.0, 2.0)], {}, "pair"),
        ([(0.0, 1.0)], {"range": 0}, "range"),
        ([(0.0, 1.0)], {"range": "fast"}, "duration"),
        ([(0.0, 1.0)], {"range": -5}, "negative"),
        (([0.0, 1.0, 2.0], [1.0]), {}, "1 values for 3 times"),
        (42, {}, "pairs"),
    ],
)
def test_errors(samples: Any, kwargs: dict[str, Any], match: str) -> None:
    args: dict[str, Any] = {"range": 60}
    args.update(kwargs)
    with pytest.raises(InvalidInputError, match=match) as e:
        prom.rate(samples, 60, args["range"])
    assert isinstance(e.value, ValueError)


def test_histogram_quantile_shapes_and_errors() -> None:
    b = {"0.1": 50, "0.2": 70, "1": 110, "+Inf": 120}
    assert prom.histogram_quantile(0.2, b) == pytest.approx(0.048)
    assert prom.histogram_quantile(0.99, b) == 1.0
    assert prom.histogram_quantile(0.99, [(0.1, 50), (0.2, 70), (1.0, 110), (math.inf, 120)]) == 1.0
    assert prom.histogram_quantile(-0.1, b) == -math.inf
    assert math.isnan(prom.histogram_quantile(0.5, {"0.1": 1}))
    with pytest.raises(InvalidInputError, match="le"):
        prom.histogram_quantile(0.5, {"fast": 1, "+Inf": 2})
    with pytest.raises(InvalidInputError, match="NaN"):
        prom.histogram_quantile(0.5, [(math.nan, 1), (math.inf, 2)])


@pytest.mark.parametrize("q", [0.5, 0.0, 1.0, -1.0, 2.0, math.nan, math.inf])
def test_histogram_quantile_without_buckets_has_no_result(q: float) -> None:
    # No bucket series: Prometheus has no output sample, whatever q is (NaN included).
    assert prom.histogram_quantile(q, {}) is None
    assert prom.histogram_quantile(q, []) is None


def test_sum_and_avg_by() -> None:
    v = [({"pod": "a", "path": "/x"}, 1.5), ({"pod": "a", "path": "/y"}, 2.0), ({"pod": "b", "path": "/x"}, 4.0)]
    assert prom.sum_by(v, ["pod"]) == [
        {"labels": {"pod": "a"}, "value": 3.5},
        {"labels": {"pod": "b"}, "value": 4.0},
    ]
    assert prom.sum_by(v) == [{"labels": {}, "value": 7.5}]
    assert prom.avg_by([{"metric": {"ns": "ml"}, "value": [0, "10"]}, {"labels": {"ns": "ml"}, "value": 20}], ["ns"]) == [
        {"labels": {"ns": "ml"}, "value": 15.0}
    ]
    assert prom.sum_by(v, without=["path"]) == prom.sum_by(v, ["pod"])
    with pytest.raises(InvalidInputError, match="value"):
        prom.sum_by([({"a": "b"}, "lots")])


def test_counter_window_core_doctest() -> None:
    # CounterWindow doctest: +100 every 10 s with a reset at 1000 -> rate 8.0, irate 10.0
    w = prom.CounterWindow(64, "1m")
    for i in range(13):
        w.push(10.0 * i, float((100 * i) % 1000))
    assert w.rate(120) == 8.0
    assert w.irate(120) == 10.0
    assert w.increase(120) == pytest.approx(480.0)
    assert len(w) == 13 and w.capacity == 64 and w.range == 60.0 and w.window == "3.x"
    assert w.latest == (120.0, 200.0)
    with pytest.raises(InvalidInputError, match="out-of-order"):
        w.push(5.0, 1.0)
    with pytest.raises(InvalidInputError, match="duplicate"):
        w.push(120.0, 999.0)
    w.push(120.0, 200.0)  # the same sample again is ignored
    assert len(w) == 13
    assert repr(w) == "<CounterWindow [60s] 13/64 samples, latest 200 at 120s, Prometheus 3.x>"
    for c in (pickle.loads(pickle.dumps(w)), copy.deepcopy(w)):
        assert c.samples() == w.samples()
        assert c.rate(120) == 8.0
    # extend is all or nothing
    with pytest.raises(InvalidInputError):
        w.extend([(130.0, 300.0), (125.0, 1.0)])
    assert len(w) == 13
    w.clear()
    assert len(w) == 0 and w.rate(120) is None
    with pytest.raises(InvalidInputError, match="capacity"):
        prom.CounterWindow(1, 60)


def test_counter_window_matches_rate() -> None:
    samples = [(7.0 * i, float(i * i % 50)) for i in range(40)]
    w = prom.CounterWindow(8, "30s", window="2.x")
    for t, v in samples:
        w.push(t, v)
        for fn in ("rate", "increase", "irate"):
            assert getattr(w, fn)(t) == getattr(prom, fn)(samples, t, 30, window="2.x")


def test_docstring_examples() -> None:
    import doctest

    r = doctest.testmod(prom)
    assert r.attempted >= 2 and r.failed == 0


def test_error_times_are_seconds() -> None:
    with pytest.raises(InvalidInputError) as e:
        prom.rate([(30.0, 1.0), (15.0, 2.0)], 60, "1m")
    assert "sample 1 at 15 s follows 30 s" in str(e.value)
