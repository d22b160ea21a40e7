"""Type-checked by mypy --strict in scripts/test-python (not collected by pytest)."""

from __future__ import annotations

from typing import Optional

import tidescale.hpa as hpa


def desired(manifest: str) -> tuple[int, Optional[str], list[str]]:
    d = hpa.what_if(manifest, replicas=3, cpu="140%")
    reasons: list[str] = [c.reason for c in d.conditions]
    return d.desired_replicas, d.limited_by, reasons
