"""Exceptions raised by tidescale.

Every exception is a :class:`TidescaleError`; those caused by bad input are also
:class:`ValueError`, so ``except ValueError`` keeps working in code that does not know
tidescale::

    TidescaleError(Exception)
    ├── ManifestError(TidescaleError, ValueError)   the manifest does not read (.document, .path)
    │   └── SpecError(ManifestError)                it reads, but Kubernetes would reject it
    └── InvalidInputError(TidescaleError, ValueError)  NaN, infinite, negative, wrong shape
        └── UnknownMetricError(InvalidInputError)      a metric name the manifest does not have

    UnknownFieldWarning(UserWarning)    a manifest field the object's schema does not have

Unknown manifest fields (``spec.behaviour``) are warnings, as kubectl's field validation gives
them; make them errors (strict mode) with the standard filter::

    warnings.filterwarnings("error", category=tidescale.UnknownFieldWarning)
"""

from __future__ import annotations

from typing import Optional

__all__ = [
    "TidescaleError",
    "ManifestError",
    "SpecError",
    "InvalidInputError",
    "UnknownMetricError",
    "UnknownFieldWarning",
]


class TidescaleError(Exception):
    """Base class of every tidescale error."""


class ManifestError(TidescaleError, ValueError):
    """A manifest could not be read as the object wanted (HorizontalPodAutoscaler,
    VerticalPodAutoscaler, ScaledObject, ScaledJob).

    ``document`` is the 0-based index of the document in a multi-document stream and ``path``
    the field (``spec.metrics[0].resource.target.averageUtilization``), when known.
    """

    def __init__(
        self, message: str, document: Optional[int] = None, path: Optional[str] = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.document = document
        self.path = path


class SpecError(ManifestError):
    """The manifest reads, but fails Kubernetes API validation (``minReplicas > maxReplicas``,
    a policy period over 1800 s, ...)."""


class InvalidInputError(TidescaleError, ValueError):
    """An input value is invalid: NaN, infinite, negative, out of range or of the wrong shape."""


class UnknownMetricError(InvalidInputError):
    """A metric (or KEDA trigger) was given under a name that the manifest does not have."""


class UnknownFieldWarning(UserWarning):
    """A manifest field that the object's schema does not have (``spec.behaviour``, a misspelled
    metric or trigger field): it was ignored. The message is kubectl's
    (``document 0: unknown field "spec.behaviour"``)."""
