"""Prometheus-exact custom-metric math: ``rate``, ``increase``, ``irate``, ``delta``,
``idelta``, ``histogram_quantile``, ``sum``/``avg`` by labels, and a streaming
:class:`CounterWindow`.

Samples are ``(t, v)`` pairs with ``t`` in float seconds (rounded to the millisecond as
Prometheus stores them), an ``(n, 2)`` array, or a tuple of two arrays ``(times, values)``
(numpy arrays or lists; numpy is never required)::

    import tidescale.prom as prom
    samples = [(15.0 * i, 30.0 * i) for i in range(9)]     # +30 per 15 s scrape
    prom.rate(samples, eval_time=120, range="2m")           # 2.0 (to 1e-15)
    prom.histogram_quantile(0.99, {"0.1": 50, "0.2": 70, "1": 110, "+Inf": 120})   # 1.0

``range`` and ``offset`` are seconds or PromQL durations (``"2m"``, ``"1h30m"``, ``"500ms"``).
``window="3.x"`` (default) selects ``(t - range, t]``; ``"2.x"`` selects ``[t - range, t]``
as Prometheus 2 did. A window with too few samples gives ``None`` (Prometheus: no result).
"""

from __future__ import annotations

from typing import Any, Iterable, Literal, Mapping, Optional, Sequence, Tuple, Union

from . import _native
from ._native import CounterWindow, histogram_quantile

__all__ = [
    "rate",
    "increase",
    "delta",
    "irate",
    "idelta",
    "histogram_quantile",
    "sum_by",
    "avg_by",
    "CounterWindow",
    "Samples",
    "Duration",
    "Window",
]

#: ``(t, v)`` pairs, an ``(n, 2)`` array, or a tuple of two arrays ``(times, values)``.
Samples = Union[Sequence[Tuple[float, float]], Tuple[Any, Any], Any]
#: Seconds, or a PromQL duration string (``"2m"``).
Duration = Union[float, int, str]
#: ``"3.x"`` (left-open windows, the default) or ``"2.x"`` (left-closed).
Window = Literal["3.x", "2.x"]


def rate(
    samples: Samples, eval_time: float, range: Duration, *, window: Window = "3.x", offset: Duration = 0
) -> Optional[float]:
    """``rate(m[range] offset o)`` at ``eval_time``: the per-second increase, counter resets
    handled and extrapolated to the window edges as Prometheus does.

    >>> round(rate([(15.0 * i, 30.0 * i) for i in range(9)], 120, "2m"), 9)
    2.0
    """
    return _native.prom_range_function("rate", samples, eval_time, range, window=window, offset=offset)


def increase(
    samples: Samples, eval_time: float, range: Duration, *, window: Window = "3.x", offset: Duration = 0
) -> Optional[float]:
    """``increase(m[range])``: :func:`rate` times the range."""
    return _native.prom_range_function("increase", samples, eval_time, range, window=window, offset=offset)


def delta(
    samples: Samples, eval_time: float, range: Duration, *, window: Window = "3.x", offset: Duration = 0
) -> Optional[float]:
    """``delta(g[range])`` of a gauge (no counter-reset handling)."""
    return _native.prom_range_function("delta", samples, eval_time, range, window=window, offset=offset)


def irate(
    samples: Samples, eval_time: float, range: Duration, *, window: Window = "3.x", offset: Duration = 0
) -> Optional[float]:
    """``irate(m[range])``: the per-second rate between the last two samples in the window."""
    return _native.prom_range_function("irate", samples, eval_time, range, window=window, offset=offset)


def idelta(
    samples: Samples, eval_time: float, range: Duration, *, window: Window = "3.x", offset: Duration = 0
) -> Optional[float]:
    """``idelta(g[range])``: the difference between the last two samples in the window."""
    return _native.prom_range_function("idelta", samples, eval_time, range, window=window, offset=offset)


#: One series: ``(labels, value)`` or ``{"labels": {...}, "value": v}`` (``"metric"`` is
#: accepted for ``"labels"`` and ``[t, "v"]`` for the value, as the HTTP API writes them).
SeriesLike = Union[Tuple[Mapping[str, str], Any], Mapping[str, Any]]


def sum_by(
    series: Iterable[SeriesLike], by: Sequence[str] = (), *, without: Optional[Sequence[str]] = None
) -> list[dict[str, Any]]:
    """``sum by (labels) (vector)`` (or ``without``): a list of ``{"labels", "value"}`` dicts
    sorted by labels, summed with Prometheus' compensated summation.

    >>> sum_by([({"pod": "a"}, 1.5), ({"pod": "a"}, 2.0), ({"pod": "b"}, 4.0)], ["pod"])
    [{'labels': {'pod': 'a'}, 'value': 3.5}, {'labels': {'pod': 'b'}, 'value': 4.0}]
    """
    if without is not None:
        return _native.prom_aggregate("sum", list(series), without=list(without))
    return _native.prom_aggregate("sum", list(series), by=list(by))


def avg_by(
    series: Iterable[SeriesLike], by: Sequence[str] = (), *, without: Optional[Sequence[str]] = None
) -> list[dict[str, Any]]:
    """``avg by (labels) (vector)`` (or ``without``)."""
    if without is not None:
        return _native.prom_aggregate("avg", list(series), without=list(without))
    return _native.prom_aggregate("avg", list(series), by=list(by))
