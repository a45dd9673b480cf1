"""Keys of the ``[data]`` config table (see the README for their meaning)."""

from __future__ import annotations

from typing import Any

DATA_SCHEMA: dict[str, Any] = {
    "dataset": str,
    "test_fraction": float,
    "scale": float,
}
