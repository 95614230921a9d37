"""Stable item ids: the same source always gives the same id, whatever the seed."""

from __future__ import annotations

import hashlib


def item_id(kind: str, *parts: object) -> str:
    prefix = {"scenario": "sc", "multiple_choice": "mc", "true_false": "tf",
              "numerical": "nu"}[kind]
    digest = hashlib.sha256("\n".join(str(p) for p in parts).encode()).hexdigest()[:10]
    return f"{prefix}-{digest}"
