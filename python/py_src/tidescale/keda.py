"""KEDA ScaledObjects and ScaledJobs (``keda.sh/v1alpha1``), exactly as KEDA and the HPA it
creates decide together.

Three moves: **load** a ScaledObject, **step** it every ``pollingInterval`` with ``now``, the
target's replica count and one reading per trigger, **read** a :class:`Decision`::

    import tidescale.keda as keda

    so = keda.ScaledObject(open("scaledobject.yaml").read())
    d = so.step(now=30.0, replicas=0, readings={"aws-sqs-queue": 3})
    d.desired_replicas, d.active, d.reason, d.explanation      # 1, True, 'ScaledUpFromZeroOrIdle'

Readings (one convention for ``step`` and ``what_if``)
    ``readings`` maps a trigger to its reading: the key is the trigger's ``name``, its index in
    ``spec.triggers``, its metric name (``s0-aws-sqs-queue-jobs``), or its type when only one
    trigger has it. A list in trigger order works too.

    * a number: the metric value the host computed (queue length, lag, query result); the
      trigger is active when it is above the trigger's activation threshold;
    * ``aws-sqs-queue``: the ``GetQueueAttributes`` dict
      (``{"ApproximateNumberOfMessages": "40", ...}``);
    * ``kafka``: offsets as ``{(topic, partition): (consumer_offset, latest_offset)}`` or a list
      of ``{"topic", "partition", "consumer_offset", "latest_offset"}`` dicts (``None`` for an
      offset that could not be read); the scaler's lag rules apply;
    * ``prometheus``: the decoded ``/api/v1/query`` body;
    * ``None`` or an exception instance: the scaler failed (``fallback`` rules apply);
    * cron and cpu/memory triggers need no reading; a missing reading for another trigger is a
      scaler failure.

Time is float seconds on any clock (cron triggers read it as Unix time).
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any, Mapping, Optional, Sequence, Union

from . import _native
from ._native import KedaDecision as Decision

__all__ = [
    "ScaledObject",
    "Decision",
    "JobDecision",
    "what_if",
    "scaledjob_decision",
    "Reading",
    "Readings",
]

#: A manifest: YAML/JSON text, a dict, or a list of dicts (documents).
Manifest = Union[str, Mapping[str, Any], Sequence[Mapping[str, Any]]]
#: One trigger's reading (see the module docs).
Reading = Union[int, float, Mapping[Any, Any], Sequence[Any], BaseException, None]
#: Readings keyed by trigger name / index / type, or a list in trigger order.
Readings = Union[Mapping[Union[str, int], Reading], Sequence[Reading]]


class ScaledObject(_native.KedaScaledObject):
    """A ScaledObject and the HPA KEDA creates for it.

    ``ScaledObject(manifest, hpa_settings=None, creation=0.0, *, name=None)``: ``hpa_settings``
    are the HPA controller's flags (as for :class:`tidescale.hpa.Controller`); ``creation`` is
    ``metadata.creationTimestamp`` in seconds (for ``initialCooldownPeriod``).

    ``copy.copy`` / ``copy.deepcopy`` are exact. Pickling keeps the manifest, the settings, the
    creation time, ``lastActiveTime`` (the cooldown counts from it) and the HPA's history;
    scaler health (fallback counts) and Kafka's persistent-lag memory start afresh.
    """

    @classmethod
    def from_file(
        cls,
        path: Union[str, "os.PathLike[str]"],
        hpa_settings: Optional[Mapping[str, Any]] = None,
        creation: float = 0.0,
        *,
        name: Optional[str] = None,
    ) -> "ScaledObject":
        """Reads a YAML or JSON manifest file."""
        with open(path, encoding="utf-8") as f:
            text = f.read()
        return cls(text, hpa_settings, creation, name=name)


def what_if(
    manifest: Union[Manifest, _native.KedaScaledObject],
    replicas: int,
    *,
    now: float = 0.0,
    readings: Optional[Readings] = None,
    hpa_settings: Optional[Mapping[str, Any]] = None,
    name: Optional[str] = None,
    **values: Reading,
) -> Decision:
    """What would KEDA do at ``replicas`` with these readings?

    A fresh ScaledObject (or, given one, that one: it is stepped) polls once at ``now``.
    Readings are keyword arguments named after the triggers (``name`` or, when it is a Python
    identifier, the type with ``-`` as ``_``: ``aws_sqs_queue=40``) and/or a ``readings`` dict.

    >>> import tidescale.keda as keda
    >>> m = {"spec": {"scaleTargetRef": {"name": "w"}, "minReplicaCount": 0, "maxReplicaCount": 20,
    ...      "triggers": [{"type": "aws-sqs-queue", "metadata": {"queueURL": "q", "queueLength": "5"}}]}}
    >>> keda.what_if(m, replicas=0, aws_sqs_queue=3).desired_replicas
    1
    """
    so = (
        manifest
        if isinstance(manifest, _native.KedaScaledObject)
        else ScaledObject(manifest, hpa_settings, name=name)
    )
    all_readings: dict[Union[str, int], Reading]
    if readings is None or isinstance(readings, Mapping):
        all_readings = dict(readings or {})
    else:
        all_readings = dict(enumerate(readings))
    if values:
        known = {t["name"] for t in so.triggers if t["name"]} | {t["type"] for t in so.triggers}
        for key, v in values.items():
            dashed = key.replace("_", "-")
            all_readings[key if key in known or dashed not in known else dashed] = v
    return so.step(now, replicas, all_readings)


@dataclasses.dataclass(frozen=True)
class JobDecision:
    """How many Jobs a ScaledJob creates this poll (KEDA's ``getScalingDecision``)."""

    #: Any scaler active (or ``minReplicaCount > 0``).
    active: bool
    #: ``ceil`` of the combined queue length: the strategy's ``scaleTo``.
    queue_length: int
    #: ``ceil(min(queue / target, maxReplicaCount - minReplicaCount))``: ``maxScale``.
    max_scale: int
    #: The strategy's ``effectiveMaxScale`` (may be negative).
    effective_max_scale: int
    #: The strategy's ``scaleTo``.
    scale_to: int
    #: Jobs to create now: ``max(0, min(scale_to, effective_max_scale))`` when active, else 0.
    jobs_to_create: int
    #: ``default``, ``custom``, ``accurate`` or ``eager``.
    strategy: str
    min_replica_count: int
    max_replica_count: int


def scaledjob_decision(
    manifest: Manifest,
    metrics: Union[float, Mapping[Union[str, int], float], Sequence[float]],
    *,
    running: int = 0,
    pending: int = 0,
    name: Optional[str] = None,
) -> JobDecision:
    """How many Jobs a ScaledJob creates, given each trigger's metric (its queue length: a
    number, a dict keyed by trigger name / index / type, or a list in trigger order), the
    running and the pending Job counts."""
    d = _native.scaledjob_decision(manifest, metrics, running=running, pending=pending, name=name)
    return JobDecision(
        active=d["active"],
        queue_length=d["queueLength"],
        max_scale=d["maxScale"],
        effective_max_scale=d["effectiveMaxScale"],
        scale_to=d["scaleTo"],
        jobs_to_create=d["jobsToCreate"],
        strategy=d["strategy"],
        min_replica_count=d["minReplicaCount"],
        max_replica_count=d["maxReplicaCount"],
    )
