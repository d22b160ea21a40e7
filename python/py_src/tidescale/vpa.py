"""The Vertical Pod Autoscaler recommender (``autoscaling.k8s.io/v1``), exactly as upstream
computes ``status.recommendation``.

Three moves: **load** a VerticalPodAutoscaler manifest, **feed** usage samples, **read** the
recommendation::

    import tidescale.vpa as vpa

    rec = vpa.Recommender(open("vpa.yaml").read())          # recommender flags as keywords
    rec.add_samples("app", timestamps, cpu=cores, memory=bytes_)   # lists or numpy arrays
    r = rec.recommendation(now)
    r["app"].target.cpu, r["app"].target.memory      # 0.296 (cores), 628694953 (bytes)
    r.to_dict()                                      # the status block, quantity strings

Time
    Timestamps are float seconds since the Unix epoch (``time.time()``): upstream's decay
    references and checkpoint times are wall-clock times.

Samples
    CPU in cores (average over the sample's window), memory in bytes (working set). NaN,
    infinities and negative values raise :class:`~tidescale.InvalidInputError` (also a
    ``ValueError``); a batch is validated as a whole first, so a rejected batch leaves the
    recommender unchanged. Repeated and late timestamps are not errors: as upstream, a CPU
    value not strictly after the stream's previous CPU sample and a memory value before its
    previous memory sample are discarded and counted (``discarded_samples(container)``);
    ``add_samples`` returns how many samples were used whole, ``add_sample`` whether it was.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any, Mapping, Optional, Sequence, Union

from . import _native
from ._native import (
    VpaContainerRecommendation as ContainerRecommendation,
    VpaRecommendation as Recommendation,
    VpaResources as Resources,
)

__all__ = [
    "Recommender",
    "Recommendation",
    "ContainerRecommendation",
    "Resources",
    "Conflict",
    "ConflictReport",
    "conflicts",
    "default_options",
]

#: A manifest: YAML/JSON text, a dict, or a list of dicts (documents).
Manifest = Union[str, Mapping[str, Any], Sequence[Mapping[str, Any]]]


class Recommender(_native.VpaRecommender):
    """The recommender of one VPA: its ``resourcePolicy`` and annotations, the recommender
    flags, and one usage aggregate per container.

    ``Recommender(manifest=None, options=None, *, name=None, **flags)``: ``flags`` are the
    recommender's command-line flags in snake_case (``target_cpu_percentile=0.9``,
    ``recommendation_margin_fraction=0.15``, ``memory_aggregation_interval="24h"``, ...; see
    :func:`default_options`), upstream defaults otherwise.

    Pickling keeps the manifest, the flags and one checkpoint per container, which is what a
    recommender restart restores (the checkpoint quantizes histogram weights as upstream does).
    """

    @classmethod
    def from_file(
        cls,
        path: Union[str, "os.PathLike[str]"],
        options: Optional[Mapping[str, Any]] = None,
        *,
        name: Optional[str] = None,
        **flags: Any,
    ) -> "Recommender":
        """Reads a YAML or JSON manifest file."""
        with open(path, encoding="utf-8") as f:
            text = f.read()
        return cls(text, options, name=name, **flags)


def default_options(options: Optional[Mapping[str, Any]] = None, **flags: Any) -> dict[str, Any]:
    """The recommender flags a :class:`Recommender` would use (durations in seconds).

    >>> default_options()["target_cpu_percentile"]
    0.9
    """
    return _native.vpa_default_options(options, **flags)


@dataclasses.dataclass(frozen=True)
class Conflict:
    """One resource both autoscalers act on."""

    resource: str
    hpa_metric: str
    vpa_containers: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class ConflictReport:
    """Whether a VPA and an HPA fight over the same resource of the same workload."""

    safe: bool
    same_target: bool
    conflicts: tuple[Conflict, ...]
    recommendation: Optional[str]

    def __bool__(self) -> bool:
        """True when the pair is safe to run together."""
        return self.safe


def conflicts(
    vpa_manifest: Manifest,
    hpa_manifest: Manifest,
    *,
    vpa_name: Optional[str] = None,
    hpa_name: Optional[str] = None,
) -> ConflictReport:
    """Checks a VPA / HPA pair: a VPA that sets CPU (or memory) requests and an HPA that scales
    on the same resource's utilization fight each other.

    Both manifests may be the same multi-document text.
    """
    r = _native.vpa_conflicts(vpa_manifest, hpa_manifest, vpa_name=vpa_name, hpa_name=hpa_name)
    return ConflictReport(
        safe=r["safe"],
        same_target=r["sameTarget"],
        conflicts=tuple(
            Conflict(c["resource"], c["hpaMetric"], tuple(c["vpaContainers"])) for c in r["conflicts"]
        ),
        recommendation=r["recommendation"],
    )
