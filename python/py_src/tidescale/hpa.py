"""The HorizontalPodAutoscaler (autoscaling/v2), exactly as the Kubernetes controller decides.

Three moves: **load** a manifest, **step** a controller with ``now`` and plain values, **read**
a :class:`Decision` that explains itself::

    import yaml, tidescale.hpa as hpa

    ctl = hpa.Controller(yaml.safe_load(open("hpa.yaml")))
    d = ctl.step(now=0.0, replicas=3, metrics={"cpu": ["900m", "900m", "900m"]})
    d.desired_replicas, d.limited_by, d.conditions, d.explanation

Manifests
    A dict (from ``yaml.safe_load`` / ``json.load``), a list of such dicts (documents), or YAML /
    JSON text, possibly with several ``---`` documents and ``kind: List``: the
    HorizontalPodAutoscaler is picked (``name=`` chooses among several). A bare ``spec`` is
    accepted too.

Time
    ``now`` is a float number of seconds since any epoch you choose (``time.time()``, a
    monotonic clock, the start of a trace). tidescale never reads a clock.

Pods
    ``pods=None`` means ``replicas`` identical running, ready pods; an ``int`` is a count of
    such pods. They started an hour before ``now`` and request ``requests`` (default
    ``{"cpu": "1", "memory": "1Gi"}``). For anything else pass a list of :class:`Pod` objects
    or dicts with the same keys.

Metric values: one convention for every call
    ``metrics`` is keyed by the metric's name as in the manifest (``cpu``, ``memory``,
    ``http_requests_per_second``, the Object or External metric's name).

    * Resource, ContainerResource and Pods metrics: **one value per pod**, a list as long as
      the pod list (``None`` for a pod without a sample), or a single value used for every pod.
    * Object metrics: one value (the object's metric).
    * External metrics: one value, or a list of series values (they are summed).
    * A value is a number in the metric's own unit (CPU in cores, memory in bytes, requests
      per second, queue length...), a Kubernetes quantity string (``"500m"``, ``"2Gi"``) or,
      for Resource and ContainerResource metrics only, a percentage of the pod's request
      (``"140%"``).
    * A metric that is left out, or given as ``None``, is *unavailable*: the decision reports
      it as the controller does when the metrics API fails (``FailedGetResourceMetric``...).
    * NaN, infinities and negative values raise :class:`~tidescale.InvalidInputError` (also a
      ``ValueError``); a name the manifest does not have raises
      :class:`~tidescale.UnknownMetricError`.
"""

from __future__ import annotations

import dataclasses
import os
from array import array
from typing import Any, Iterable, Mapping, NamedTuple, Optional, Sequence, Tuple, Union

from . import _native
from ._native import (
    Condition,
    Decision,
    MetricResult,
    default_settings,
    load_manifest,
    replica_calculation,
)

__all__ = [
    "Controller",
    "Decision",
    "Condition",
    "MetricResult",
    "Pod",
    "what_if",
    "evaluate_batch",
    "replica_calculation",
    "Fleet",
    "FleetStep",
    "LIMITED_BY",
    "load_manifest",
    "default_settings",
    "Manifest",
    "MetricValue",
    "Quantity",
]

#: A number in the metric's unit, or a quantity / percentage string (``"500m"``, ``"140%"``).
Quantity = Union[int, float, str]
#: One metric's value(s): see the module docs.
MetricValue = Union[Quantity, Sequence[Optional[Quantity]], None]
#: A manifest: YAML/JSON text, a dict, or a list of dicts (documents).
Manifest = Union[str, Mapping[str, Any], Sequence[Mapping[str, Any]]]


@dataclasses.dataclass(frozen=True)
class Pod:
    """A pod as the HPA controller sees it.

    ``start_time`` and ``ready_since`` are seconds on the same clock as ``now`` (default: an
    hour before ``now``, and ``start_time``). ``requests`` maps resources to quantities
    (``{"cpu": "500m", "memory": "1Gi"}``) for the pod's single container; give ``containers``
    (``[{"name": "app", "requests": {...}}]``) for several.
    """

    name: Optional[str] = None
    phase: str = "Running"
    ready: bool = True
    start_time: Optional[float] = None
    ready_since: Optional[float] = None
    deleted: bool = False
    requests: Mapping[str, Quantity] = dataclasses.field(default_factory=dict)
    containers: Optional[Sequence[Mapping[str, Any]]] = None


class Controller(_native.Controller):
    """One HPA's controller: the manifest (defaulted and validated), the settings, the history.

    ``Controller(manifest, settings=None, *, name=None, **settings_kwargs)``: ``settings`` is a
    dict and/or keyword arguments, keys in camelCase or snake_case (``tolerance``,
    ``sync_period_seconds``, ``downscale_stabilization_seconds``,
    ``cpu_initialization_period_seconds``, ``initial_readiness_delay_seconds``, ...); the
    defaults are Kubernetes' (see :func:`default_settings`).

    Call :meth:`step` every sync period (15 s in Kubernetes). The controller pickles (with its
    history); :meth:`history` / :meth:`set_history` save and restore the history as a
    JSON-able dict.

    Raises :class:`~tidescale.ManifestError` when the manifest does not read,
    :class:`~tidescale.SpecError` when Kubernetes would reject it, and
    :class:`~tidescale.InvalidInputError` for bad settings.
    """

    @classmethod
    def from_file(
        cls,
        path: Union[str, "os.PathLike[str]"],
        settings: Optional[Mapping[str, Any]] = None,
        *,
        name: Optional[str] = None,
        **settings_kwargs: Any,
    ) -> "Controller":
        """Reads a YAML or JSON manifest file."""
        with open(path, encoding="utf-8") as f:
            text = f.read()
        return cls(text, settings, name=name, **settings_kwargs)


def what_if(
    manifest: Union[Manifest, _native.Controller],
    replicas: int,
    *,
    now: float = 0.0,
    pods: Union[int, Sequence[Union[Pod, Mapping[str, Any]]], None] = None,
    requests: Optional[Mapping[str, Quantity]] = None,
    status_replicas: Optional[int] = None,
    settings: Optional[Mapping[str, Any]] = None,
    name: Optional[str] = None,
    metrics: Optional[Mapping[str, MetricValue]] = None,
    **metric_values: MetricValue,
) -> Decision:
    """What would this HPA do if its metrics were at these levels?

    A fresh controller (or, given a :class:`Controller`, that one: it is stepped) makes one
    sync at ``now`` with ``replicas`` identical pods (or ``pods``); metric values are keyword
    arguments named after the manifest's metrics (``cpu="140%"``,
    ``http_requests_per_second=1500``) and/or a ``metrics`` dict (for names that are not
    Python identifiers). See the module docs for the value convention.

    A fresh controller's history holds only the current count, so a proposal to scale *down*
    is held by the 300 s stabilization window: ``proposed_replicas`` shows what the metrics
    asked for, ``desired_replicas`` what the controller does now.

    >>> import tidescale.hpa as hpa
    >>> m = {"spec": {"minReplicas": 1, "maxReplicas": 10, "metrics": [{"type": "Resource",
    ...      "resource": {"name": "cpu", "target": {"type": "Utilization",
    ...      "averageUtilization": 50}}}]}}
    >>> hpa.what_if(m, replicas=3, cpu="90%").desired_replicas
    6
    """
    values: dict[str, MetricValue] = dict(metrics or {})
    values.update(metric_values)
    ctl = (
        manifest
        if isinstance(manifest, _native.Controller)
        else Controller(manifest, settings, name=name)
    )
    return ctl.step(
        now=now,
        replicas=replicas,
        metrics=values or None,  # None: the decision says that no value was given
        pods=pods,
        status_replicas=status_replicas,
        requests=requests,
    )


#: One batch item: a controller (stepped in place) or a manifest (one-shot), and an
#: observation dict with the keys of :meth:`Controller.step`.
BatchItem = Tuple[Union[_native.Controller, Manifest], Mapping[str, Any]]


def evaluate_batch(
    items: Iterable[BatchItem], *, settings: Optional[Mapping[str, Any]] = None
) -> list[Decision]:
    """Evaluates many HPAs in one call, the controller math running without the GIL.

    Each item is ``(target, observation)``. ``target`` is a :class:`Controller`, which is
    stepped as :meth:`Controller.step` would (its history advances), or a manifest, evaluated
    by a fresh controller with ``settings``. ``observation`` is a dict with the keyword
    arguments of :meth:`Controller.step`: ``now`` (default 0.0), ``replicas`` (required),
    ``metrics``, ``pods``, ``status_replicas``, ``requests``.

    Returns one :class:`Decision` per item, in order. An invalid item raises (its index is in
    the message) before any controller is stepped.
    """
    return _native.evaluate_batch(items, settings=settings)


#: ``FleetStep.limited_by`` codes: index -> the ``ScalingLimited`` reason (``None``: not
#: limited; code 5, ``"Other"``: read ``fleet.decision(i).limited_by``).
LIMITED_BY: Tuple[Optional[str], ...] = (
    None,
    "TooFewReplicas",
    "TooManyReplicas",
    "ScaleUpLimit",
    "ScaleDownLimit",
    "Other",
)

#: A column: one number per HPA (list, tuple, ``array.array``, numpy array, anything with a
#: one-dimensional buffer or ``tolist()``), or one number for all.
Column = Union[float, int, Sequence[float], Sequence[int], Any]


class FleetStep(NamedTuple):
    """The columnar result of :meth:`Fleet.step`, one entry per HPA in fleet order.

    ``desired_replicas`` is an ``array.array("i")``, ``rescale`` an ``array.array("b")`` of 0/1
    and ``limited_by`` an ``array.array("B")`` of codes into :data:`LIMITED_BY`. The arrays
    export buffers: ``numpy.frombuffer(s.desired_replicas, dtype=numpy.int32)`` is a zero-copy
    view.
    """

    desired_replicas: "array[int]"
    rescale: "array[int]"
    limited_by: "array[int]"

    def limited_by_reasons(self) -> list[Optional[str]]:
        """``limited_by`` as reason strings (``None`` where nothing limited the count)."""
        return [LIMITED_BY[c] for c in self.limited_by]


class Fleet(_native.Fleet):
    """Many HPAs stepped together from columns of numbers: fleet-level simulation at more than
    a million decisions per second.

    ``Fleet(items, settings=None, requests=None)``: ``items`` are manifests (each becomes a
    controller with ``settings``) and/or :class:`Controller` objects (copied, history
    included: the fleet does not step them). The fleet keeps every controller's history
    across steps, exactly as separate :meth:`Controller.step` calls would.

    ``fleet.step(now, replicas, metrics)``: HPA ``i`` observes ``replicas[i]`` identical
    running, ready pods (started an hour before ``now``, requesting ``requests``, default
    ``{"cpu": "1", "memory": "1Gi"}``), as in :func:`what_if`. ``metrics`` maps a metric name
    to a column (one number per HPA, or one number for all):

    * Resource / ContainerResource metrics with a ``Utilization`` target: the utilization in
      **percent of the request** (``140.0``), the same as ``"140%"`` for ``Controller.step``;
      with an ``AverageValue`` target: the per-pod value in the metric's unit (cores, bytes).
    * Pods metrics: the per-pod average value.
    * Object metrics: the object's value; External metrics: the (single) series value.

    A metric a manifest has but ``metrics`` leaves out (or gives as ``None``) is unavailable
    for those HPAs; a column is ignored by HPAs whose manifest lacks the name. NaN, infinities
    and negative values raise :class:`~tidescale.InvalidInputError` (naming the HPA index), a
    length other than ``len(fleet)`` too, and a name no manifest has raises
    :class:`~tidescale.UnknownMetricError`; all before any controller is stepped.

    Returns a :class:`FleetStep` (columns); ``fleet.decision(i)`` is HPA ``i``'s full
    :class:`Decision`, ``fleet.controller(i)`` a :class:`Controller` copy. The loop runs
    without the GIL. A fleet pickles (as its controllers, with their histories).

    >>> import tidescale.hpa as hpa
    >>> m = {"spec": {"minReplicas": 1, "maxReplicas": 10, "metrics": [{"type": "Resource",
    ...      "resource": {"name": "cpu", "target": {"type": "Utilization",
    ...      "averageUtilization": 50}}}]}}
    >>> fleet = hpa.Fleet([m] * 3)
    >>> s = fleet.step(0.0, [3, 4, 5], {"cpu": [90.0, 50.0, 140.0]})
    >>> list(s.desired_replicas), list(s.rescale)
    ([6, 4, 10], [1, 0, 1])
    >>> s.limited_by_reasons()
    [None, None, 'TooManyReplicas']
    """

    def step(  # type: ignore[override]
        self,
        now: float,
        replicas: Column,
        metrics: Optional[Mapping[str, Optional[Column]]] = None,
    ) -> FleetStep:
        """One sync of every HPA at ``now`` (seconds); see the class docs."""
        desired, rescale, limited = super().step(now, replicas, metrics)
        return FleetStep(array("i", desired), array("b", rescale), array("B", limited))
