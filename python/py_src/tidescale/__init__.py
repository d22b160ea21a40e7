"""tidescale: autoscaling decisions exactly as Kubernetes makes them.

The HorizontalPodAutoscaler lives in :mod:`tidescale.hpa`::

    import tidescale.hpa as hpa
    d = hpa.what_if(manifest_text, replicas=3, cpu="140%")
    d.desired_replicas, d.limited_by, d.conditions
"""

from __future__ import annotations

from . import hpa
from ._native import __version__
from .exceptions import (
    InvalidInputError,
    ManifestError,
    SpecError,
    TidescaleError,
    UnknownMetricError,
)

__all__ = [
    "__version__",
    "hpa",
    "TidescaleError",
    "ManifestError",
    "SpecError",
    "InvalidInputError",
    "UnknownMetricError",
]
