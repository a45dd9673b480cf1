"""Keys of the ``[training]`` config table (see the README for their meaning)."""

from __future__ import annotations

from typing import Any

TRAINING_SCHEMA: dict[str, Any] = {
    "epochs": int,
    "batch_size": int,
    "beta": float,
    "nudging": str,
    "cost": str,
    "engine": str,
    "workers": int,
}
