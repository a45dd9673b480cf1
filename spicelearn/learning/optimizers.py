"""Optimizers in conductance space, with learning-rate schedules.

An optimizer turns the gradient estimate ∂L/∂g (n_devices,) into the desired
conductance change Δg (n_devices,) [S]; a programmer then realizes Δg on the
devices. Learning rates are per crossbar layer: ``lr[l]`` applies to the slice
of layer l. The schedule multiplies every rate by a factor s(epoch):

* constant: s = 1
* step: s = γ^⌊epoch / step_epochs⌋
* cosine: s = f + (1 − f)·½(1 + cos(π·epoch / epochs)), f = ``lr_min_factor``

Update rules, with η the scheduled per-device rate and d = ∂L/∂g:

* SGD: Δg = −η d
* momentum: m ← μ m + d; Δg = −η m
* Adam: m ← β₁ m + (1 − β₁) d; v ← β₂ v + (1 − β₂) d²; t ← t + 1;
  Δg = −η (m / (1 − β₁ᵗ)) / (sqrt(v / (1 − β₂ᵗ)) + ε)

``state()`` returns plain arrays and numbers; ``load_state`` restores them
exactly (checkpoints).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..errors import CheckpointError, ConfigError


@dataclass(frozen=True)
class Schedule:
    """A learning-rate factor per epoch (epochs count from 0)."""

    kind: str = "constant"
    epochs: int = 1
    step_epochs: int = 10
    step_gamma: float = 0.5
    lr_min_factor: float = 0.0

    def factor(self, epoch: int) -> float:
        if self.kind == "constant":
            return 1.0
        if self.kind == "step":
            return self.step_gamma ** (epoch // self.step_epochs)
        if self.kind == "cosine":
            f = self.lr_min_factor
            return f + (1.0 - f) * 0.5 * (1.0 + math.cos(math.pi * epoch / max(self.epochs, 1)))
        raise ConfigError(f"unknown value '{self.kind}' for 'training.schedule' "
                          f"(known: {', '.join(SCHEDULES)})")


SCHEDULES = ("constant", "step", "cosine")
"""The learning-rate schedules (``training.schedule``), the cases of :meth:`Schedule.factor`."""


class Optimizer(ABC):
    """Gradient → desired conductance change, per-layer rates, a schedule."""

    name = "optimizer"

    def __init__(self, layer_sizes: tuple[int, ...] | list[int], lr: list[float],
                 schedule: Schedule | None = None) -> None:
        if len(lr) != len(layer_sizes):
            raise ConfigError(f"{len(lr)} learning rates for {len(layer_sizes)} layers")
        self.rate = np.concatenate([np.full(n, float(r)) for n, r in zip(layer_sizes, lr,
                                                                          strict=True)])
        self.schedule = schedule or Schedule()

    def step(self, grad: np.ndarray, epoch: int) -> np.ndarray:
        """(n_devices,) desired Δg [S] from the (n_devices,) gradient estimate ∂L/∂g."""
        grad = np.asarray(grad, dtype=float)
        if grad.shape != self.rate.shape:
            raise ValueError(f"gradient has shape {grad.shape}, expected {self.rate.shape}")
        return self._step(grad, self.rate * self.schedule.factor(epoch))

    @abstractmethod
    def _step(self, grad: np.ndarray, eta: np.ndarray) -> np.ndarray: ...

    def state(self) -> dict[str, np.ndarray]:
        """Arrays (and 0-d arrays for scalars) that restore the optimizer exactly."""
        return {}

    def load_state(self, state: dict[str, np.ndarray]) -> None:  # noqa: B027 - stateless default
        """Restore what :meth:`state` returned."""

    def _get(self, state: dict[str, np.ndarray], key: str) -> np.ndarray:
        if key not in state:
            raise CheckpointError(f"optimizer state lacks '{key}' "
                                  "(checkpoint from another optimizer?)")
        a = np.array(state[key], dtype=float)
        if a.ndim and a.shape != self.rate.shape:
            raise CheckpointError(f"optimizer state '{key}' has shape {a.shape}, "
                                  f"expected {self.rate.shape}")
        return a


class SGD(Optimizer):
    """Δg = −η ∂L/∂g."""

    name = "sgd"

    def _step(self, grad: np.ndarray, eta: np.ndarray) -> np.ndarray:
        return -eta * grad


class Momentum(Optimizer):
    """Heavy ball: m ← μ m + d; Δg = −η m."""

    name = "momentum"

    def __init__(self, layer_sizes, lr, schedule=None, momentum: float = 0.9) -> None:
        super().__init__(layer_sizes, lr, schedule)
        self.mu = float(momentum)
        self.m = np.zeros_like(self.rate)

    def _step(self, grad: np.ndarray, eta: np.ndarray) -> np.ndarray:
        self.m = self.mu * self.m + grad
        return -eta * self.m

    def state(self) -> dict[str, np.ndarray]:
        return {"m": self.m.copy()}

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        self.m = self._get(state, "m")


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015) on conductances; the rate is the step size in S."""

    name = "adam"

    def __init__(self, layer_sizes, lr, schedule=None, beta1: float = 0.9,
                 beta2: float = 0.999, eps: float = 1e-8) -> None:
        super().__init__(layer_sizes, lr, schedule)
        self.b1, self.b2, self.eps = float(beta1), float(beta2), float(eps)
        self.m = np.zeros_like(self.rate)
        self.v = np.zeros_like(self.rate)
        self.t = 0

    def _step(self, grad: np.ndarray, eta: np.ndarray) -> np.ndarray:
        self.t += 1
        self.m = self.b1 * self.m + (1.0 - self.b1) * grad
        self.v = self.b2 * self.v + (1.0 - self.b2) * grad * grad
        mhat = self.m / (1.0 - self.b1 ** self.t)
        vhat = self.v / (1.0 - self.b2 ** self.t)
        return -eta * mhat / (np.sqrt(vhat) + self.eps)

    def state(self) -> dict[str, np.ndarray]:
        return {"m": self.m.copy(), "v": self.v.copy(), "t": np.array(self.t)}

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        self.m = self._get(state, "m")
        self.v = self._get(state, "v")
        self.t = int(self._get(state, "t"))


OPTIMIZERS: dict[str, Callable[..., Optimizer]] = {
    "sgd": lambda cfg, sizes, lr, sched: SGD(sizes, lr, sched),
    "momentum": lambda cfg, sizes, lr, sched: Momentum(sizes, lr, sched, cfg.momentum),
    "adam": lambda cfg, sizes, lr, sched: Adam(sizes, lr, sched, cfg.adam_beta1,
                                               cfg.adam_beta2, cfg.adam_eps),
}
"""Every optimizer by its config name (``training.optimizer``): name → factory
``(training config, layer sizes, per-layer rates, schedule)``."""


def make_optimizer(cfg, layer_sizes: tuple[int, ...]) -> Optimizer:
    """The optimizer a :class:`~spicelearn.learning.schema.TrainingConfig` names."""
    factory = OPTIMIZERS.get(cfg.optimizer)
    if factory is None:
        raise ConfigError(f"unknown value '{cfg.optimizer}' for 'training.optimizer' "
                          f"(known: {', '.join(OPTIMIZERS)})")
    sched = Schedule(cfg.schedule, cfg.epochs, cfg.step_epochs, cfg.step_gamma,
                     cfg.lr_min_factor)
    return factory(cfg, layer_sizes, cfg.layer_lr(len(layer_sizes)), sched)
