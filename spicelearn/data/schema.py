"""Keys of the ``[data]`` config table, their defaults and their checks.

``dataset`` (str, required): ``xor``, ``iris``, ``breast_cancer`` or ``digits``.
``test_fraction`` (1, 0.3): share of the samples held out for testing.
``scale`` (V, 0.5): half-range of the input voltages; features are min-max scaled
to ``[−scale, +scale]`` with the training split's statistics.
``repeat`` (1, 8): XOR only — copies of the 4 points in the training set.
``noise`` (V, 0.0): XOR only — std of Gaussian noise added to the training copies.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ..errors import ConfigError

DATA_SCHEMA: dict[str, Any] = {
    "dataset": str,
    "test_fraction": float,
    "scale": float,
    "repeat": int,
    "noise": float,
}


@dataclass(frozen=True)
class DataConfig:
    """The resolved ``[data]`` table (every default filled in)."""

    dataset: str
    test_fraction: float = 0.3
    """Share of samples held out for testing [1]."""
    scale: float = 0.5
    """Half-range of the input voltages [V]."""
    repeat: int = 8
    """XOR: copies of the four points in the training set."""
    noise: float = 0.0
    """XOR: std of the Gaussian noise on the training copies [V]."""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def resolve_data(table: dict[str, Any]) -> DataConfig:
    """Fill defaults into a ``[data]`` table and check the values."""
    if "dataset" not in table:
        raise ConfigError("missing config key 'data.dataset'")
    cfg = DataConfig(
        dataset=str(table["dataset"]),
        test_fraction=float(table.get("test_fraction", 0.3)),
        scale=float(table.get("scale", 0.5)),
        repeat=int(table.get("repeat", 8)),
        noise=float(table.get("noise", 0.0)),
    )
    if not 0.0 < cfg.test_fraction < 1.0:
        raise ConfigError("config key 'data.test_fraction' must be in (0, 1), "
                          f"got {cfg.test_fraction}")
    if cfg.scale <= 0:
        raise ConfigError(f"config key 'data.scale' must be a voltage > 0 V, got {cfg.scale}")
    if cfg.repeat < 1:
        raise ConfigError(f"config key 'data.repeat' must be >= 1, got {cfg.repeat}")
    if cfg.noise < 0:
        raise ConfigError(f"config key 'data.noise' must be >= 0 V, got {cfg.noise}")
    return cfg
