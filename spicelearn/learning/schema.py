"""Keys of the ``[training]`` config table, their defaults and their checks.

See ``docs/training.md`` for the meaning, unit and default of every key; the
defaults live in :class:`TrainingConfig` below.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..errors import ConfigError

TRAINING_SCHEMA: dict[str, Any] = {
    "epochs": int,
    "batch_size": int,
    "beta": float,
    "nudging": str,
    "cost": str,
    "temperature": float,
    "target": float,
    "target_off": float,
    "engine": str,
    "workers": int,
    "optimizer": str,
    "lr": (float, list),
    "momentum": float,
    "adam_beta1": float,
    "adam_beta2": float,
    "adam_eps": float,
    "schedule": str,
    "step_epochs": int,
    "step_gamma": float,
    "lr_min_factor": float,
    "programmer": str,
    "target_accuracy": float,
}

NUDGINGS = ("positive", "negative", "centered")
ENGINES = ("ngspice", "numeric")
OPTIMIZERS = ("sgd", "momentum", "adam")
SCHEDULES = ("constant", "step", "cosine")
PROGRAMMERS = ("ideal",)
COSTS = ("mse", "cross_entropy")


@dataclass(frozen=True)
class TrainingConfig:
    """The resolved ``[training]`` table (every default filled in)."""

    epochs: int = 20
    batch_size: int = 16
    beta: float = 1e-5
    """Nudging strength β [S]: the nudge current is I = −β ∂C/∂V."""
    nudging: str = "centered"
    cost: str = "cross_entropy"
    temperature: float = 0.03
    """Cross-entropy temperature [V]."""
    target: float = 0.1
    """MSE target of the true class' prediction [V]."""
    target_off: float = -0.1
    """MSE target of the other classes' predictions [V]."""
    engine: str = "ngspice"
    workers: int = 1
    optimizer: str = "adam"
    lr: list[float] = field(default_factory=lambda: [1e-4])
    """Learning rate, one per layer (one value applies to all layers). Adam: the
    step size [S]; SGD/momentum: η in Δg = −η ∂L/∂g [S² / unit of L]."""
    momentum: float = 0.9
    adam_beta1: float = 0.9
    adam_beta2: float = 0.999
    adam_eps: float = 1e-8
    schedule: str = "constant"
    step_epochs: int = 10
    step_gamma: float = 0.5
    lr_min_factor: float = 0.0
    programmer: str = "ideal"
    target_accuracy: float = 0.9
    """Test accuracy whose first crossing the report times [1]."""

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["lr"] = list(self.lr)
        return d

    def layer_lr(self, n_layers: int) -> list[float]:
        """One learning rate per crossbar layer."""
        if len(self.lr) == 1:
            return self.lr * n_layers
        if len(self.lr) != n_layers:
            raise ConfigError(f"config key 'training.lr' has {len(self.lr)} values but the "
                              f"network has {n_layers} layers")
        return list(self.lr)


def _choice(key: str, value: str, known: tuple[str, ...]) -> str:
    if value not in known:
        raise ConfigError(f"unknown value '{value}' for 'training.{key}' "
                          f"(known: {', '.join(known)})")
    return value


def resolve_training(table: dict[str, Any]) -> TrainingConfig:
    """Fill defaults into a ``[training]`` table and check every value."""
    d = TrainingConfig()
    lr = table.get("lr", d.lr)
    lr = [lr] if not isinstance(lr, list) else lr
    if not lr or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in lr):
        raise ConfigError("config key 'training.lr' must be a number or a list of numbers")
    vals = {k: table.get(k, getattr(d, k)) for k in TRAINING_SCHEMA if k != "lr"}
    if "target" in table and "target_off" not in table:
        vals["target_off"] = -float(table["target"])
    cfg = TrainingConfig(lr=[float(v) for v in lr],
                         **{k: (float(v) if isinstance(getattr(d, k), float) else v)
                            for k, v in vals.items()})
    for key in ("epochs", "batch_size", "workers", "step_epochs"):
        if getattr(cfg, key) < 1:
            raise ConfigError(f"config key 'training.{key}' must be >= 1, got {getattr(cfg, key)}")
    if cfg.beta <= 0:
        raise ConfigError(f"config key 'training.beta' must be > 0, got {cfg.beta} "
                          "(the nudging direction is set by 'training.nudging')")
    if any(v <= 0 for v in cfg.lr):
        raise ConfigError(f"config key 'training.lr' must be > 0, got {cfg.lr}")
    for key in ("temperature", "adam_eps", "step_gamma"):
        if getattr(cfg, key) <= 0:
            raise ConfigError(f"config key 'training.{key}' must be > 0, got {getattr(cfg, key)}")
    for key in ("momentum", "adam_beta1", "adam_beta2"):
        if not 0 <= getattr(cfg, key) < 1:
            raise ConfigError(f"config key 'training.{key}' must be in [0, 1), "
                              f"got {getattr(cfg, key)}")
    if not 0 <= cfg.lr_min_factor <= 1:
        raise ConfigError("config key 'training.lr_min_factor' must be in [0, 1], "
                          f"got {cfg.lr_min_factor}")
    if not 0 < cfg.target_accuracy <= 1:
        raise ConfigError("config key 'training.target_accuracy' must be in (0, 1]")
    _choice("nudging", cfg.nudging, NUDGINGS)
    _choice("engine", cfg.engine, ENGINES)
    _choice("optimizer", cfg.optimizer, OPTIMIZERS)
    _choice("schedule", cfg.schedule, SCHEDULES)
    _choice("programmer", cfg.programmer, PROGRAMMERS)
    if cfg.cost in ("xent", "ce"):
        cfg = TrainingConfig(**{**cfg.as_dict(), "cost": "cross_entropy"})
    _choice("cost", cfg.cost, COSTS)
    return cfg
