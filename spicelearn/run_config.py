"""The whole run config: ``seed`` and the ``[network]``, ``[data]``, ``[training]`` tables.

:class:`ConfigFile` checks a config as a whole: each table's model, then what
depends on several tables (one learning rate per layer, the network's size against
the dataset's, the memory the run would need). Any problem is a one-line
:class:`ConfigError` naming the dotted key, raised before anything is built or written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import Field

from .config import ConfigModel, check, load_toml
from .data.schema import DataConfig
from .errors import ConfigError
from .learning.schema import TrainingConfig
from .network import build_circuit, network_from_config
from .network.circuit import Circuit
from .network.config import CrossbarConfig, LayeredConfig, NetworkConfig
from .network.memory import DEFAULT_SAMPLES, check_memory

SEED_MAX = 2**32 - 1
"""Largest seed [1] (seeds are 0 .. 2**32 − 1)."""


class ConfigFile(ConfigModel):
    """A whole config file, checked."""

    seed: int = Field(0, ge=0, le=SEED_MAX)
    """Seed of every random choice of the run (initial conductances, split, order)."""
    network: NetworkConfig
    """The network (``[network]``)."""
    data: DataConfig | None = None
    """The dataset (``[data]``); needed to train."""
    training: TrainingConfig = Field(default_factory=TrainingConfig)
    """How to train (``[training]``)."""

    def check_consistent(self) -> None:
        """Raise ConfigError if the tables disagree (learning rates per layer, dataset sizes)."""
        net, t, d = self.network, self.training, self.data
        t.layer_lr(net.n_layers)
        if d is not None and isinstance(net, LayeredConfig):
            for key, have, need, what in (("inputs", net.inputs, d.info.features, "features"),
                                          ("outputs", net.outputs, d.info.classes, "classes")):
                if have != need:
                    raise ConfigError(f"network.{key} = {have} but dataset '{d.dataset}' has "
                                      f"{need} {what}")

    def check_memory(self, limit: int | None = None) -> int:
        """Raise ConfigError if the run would not fit in memory; the estimate [B]."""
        d, t = self.data, self.training
        samples = DEFAULT_SAMPLES if d is None else max(d.n_train, d.n_test)
        culprits: list[tuple[str, int, int]] = []
        if d is not None and d.dataset == "xor":
            default = DataConfig.model_fields["repeat"].default
            culprits.append((f"data.repeat = {d.repeat}", 4 * default, t.workers))
        if t.engine == "ngspice" and t.workers > 1:
            culprits.append((f"training.workers = {t.workers}", samples, 1))
        return check_memory(self.network, samples, t.engine, t.workers, tuple(culprits), limit)


def check_config(raw: Any) -> ConfigFile:
    """Check a whole config dict (ConfigError naming the key), including its memory need."""
    cfg: ConfigFile = check(ConfigFile, raw)
    cfg.check_consistent()
    cfg.check_memory()
    return cfg


@dataclass(frozen=True)
class RunConfig:
    """A checked config: the tables as written, and ``checked``, their models.

    Constructing one checks it (ConfigError naming the key if anything is wrong).
    ``raw`` is the TOML as read (for writing back).
    """

    seed: int
    network: dict[str, Any]
    data: dict[str, Any] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)
    checked: ConfigFile | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.checked is None:
            table: dict[str, Any] = {"seed": self.seed, "network": self.network,
                                     "training": self.training}
            if self.data:
                table["data"] = self.data
            object.__setattr__(self, "checked", check_config(table))

    @property
    def model(self) -> ConfigFile:
        """The checked config."""
        assert self.checked is not None
        return self.checked

    def circuit(self) -> Circuit:
        """The network's flat circuit, initial conductances drawn from ``seed``."""
        return build_circuit(network_from_config(self.model.network, self.seed))


def parse_run_config(raw: dict[str, Any]) -> RunConfig:
    """Check a config dict and wrap it (ConfigError naming the key if it is invalid)."""
    cfg = check_config(raw)
    return RunConfig(seed=cfg.seed, network=raw["network"], data=raw.get("data", {}),
                     training=raw.get("training", {}), raw=raw, checked=cfg)


def load_run_config(path: str | Path) -> RunConfig:
    """Read and check a config file."""
    return parse_run_config(load_toml(path))


__all__ = ["ConfigFile", "CrossbarConfig", "LayeredConfig", "RunConfig", "SEED_MAX",
           "check_config", "load_run_config", "parse_run_config"]
