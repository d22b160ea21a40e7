"""tidescale: autoscaling decisions exactly as Kubernetes makes them.

One module per autoscaler::

    import tidescale.hpa as hpa      # HorizontalPodAutoscaler
    import tidescale.vpa as vpa      # VerticalPodAutoscaler recommender, HPA+VPA conflicts
    import tidescale.keda as keda    # KEDA ScaledObject / ScaledJob
    import tidescale.prom as prom    # rate, increase, irate, histogram_quantile, sum/avg by

    d = hpa.what_if(manifest_text, replicas=3, cpu="140%")
    d.desired_replicas, d.limited_by, d.conditions
"""

from __future__ import annotations

from . import hpa, keda, prom, vpa
from ._native import __version__
from .exceptions import (
    InvalidInputError,
    ManifestError,
    SpecError,
    TidescaleError,
    UnknownFieldWarning,
    UnknownMetricError,
)

__all__ = [
    "__version__",
    "hpa",
    "vpa",
    "keda",
    "prom",
    "TidescaleError",
    "ManifestError",
    "SpecError",
    "InvalidInputError",
    "UnknownMetricError",
    "UnknownFieldWarning",
]
