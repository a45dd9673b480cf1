"""The whole run config: ``seed`` and the ``[network]``, ``[data]``, ``[training]`` tables.

Unknown keys anywhere raise a :class:`ConfigError` naming the dotted key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import check_keys, load_toml
from .data.schema import DATA_SCHEMA
from .errors import ConfigError
from .learning.schema import TRAINING_SCHEMA
from .network import NETWORK_SCHEMA, build_circuit, network_from_config
from .network.circuit import Circuit

TOP_SCHEMA: dict[str, Any] = {
    "seed": int,
    "network": NETWORK_SCHEMA,
    "data": DATA_SCHEMA,
    "training": TRAINING_SCHEMA,
}


@dataclass(frozen=True)
class RunConfig:
    """A checked config. ``raw`` is the TOML as read (for writing back)."""

    seed: int
    network: dict[str, Any]
    data: dict[str, Any] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)

    def circuit(self) -> Circuit:
        """The network's flat circuit, initial conductances drawn from ``seed``."""
        return build_circuit(network_from_config(self.network, self.seed))


def parse_run_config(raw: dict[str, Any]) -> RunConfig:
    """Check a config dict against the schema and wrap it."""
    check_keys(raw, TOP_SCHEMA)
    if "network" not in raw:
        raise ConfigError("missing config table '[network]'")
    return RunConfig(
        seed=int(raw.get("seed", 0)),
        network=raw["network"],
        data=raw.get("data", {}),
        training=raw.get("training", {}),
        raw=raw,
    )


def load_run_config(path: str | Path) -> RunConfig:
    """Read and check a config file."""
    return parse_run_config(load_toml(path))
