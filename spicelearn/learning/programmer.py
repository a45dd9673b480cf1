"""Programmers: realize a desired conductance change on the devices.

A programmer is the last step of an update (design.md: Δg → pulse plan → device
response → new states). The interface is built for pulses: ``program`` returns
the conductances actually reached and, per device, the number of pulses used and
their sign, so a pulse-based programmer (a pulse train applied to a memristor
model) fits behind the same call. The :class:`IdealProgrammer` is the baseline:
the ideal device reaches exactly ``g + Δg`` within its bounds [g_min, g_max].
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError
from .schema import PROGRAMMERS


@dataclass(frozen=True)
class ProgramResult:
    """What programming did.

    Attributes:
        g: (n_devices,) conductances after programming [S].
        pulses: (n_devices,) signed pulse counts (+ potentiation, − depression);
            the ideal programmer counts one pulse per device that changed.
        achieved: (n_devices,) conductance change actually realized [S].
    """

    g: np.ndarray
    pulses: np.ndarray
    achieved: np.ndarray


class Programmer(ABC):
    """Turns a desired Δg into device programming."""

    name = "programmer"

    @abstractmethod
    def program(self, g: np.ndarray, delta_g: np.ndarray) -> ProgramResult:
        """Program devices at conductances ``g`` (n_devices,) [S] towards ``g + delta_g``."""

    def state(self) -> dict[str, np.ndarray]:
        """Internal device states to checkpoint (none for the ideal device)."""
        return {}

    def load_state(self, state: dict[str, np.ndarray]) -> None:  # noqa: B027 - stateless default
        """Restore what :meth:`state` returned."""


class IdealProgrammer(Programmer):
    """The ideal device: g_new = min(max(g + Δg, g_min), g_max).

    The bound is the ideal device's physical range, not a training heuristic.
    """

    name = "ideal"

    def __init__(self, g_min: float, g_max: float) -> None:
        if not 0 < g_min < g_max:
            raise ConfigError(f"need 0 < g_min < g_max, got [{g_min}, {g_max}] S")
        self.g_min, self.g_max = float(g_min), float(g_max)

    def program(self, g: np.ndarray, delta_g: np.ndarray) -> ProgramResult:
        g = np.asarray(g, dtype=float)
        new = np.minimum(np.maximum(g + np.asarray(delta_g, dtype=float), self.g_min), self.g_max)
        achieved = new - g
        return ProgramResult(g=new, pulses=np.sign(achieved).astype(int), achieved=achieved)


def make_programmer(name: str, g_min: float, g_max: float) -> Programmer:
    if name == "ideal":
        return IdealProgrammer(g_min, g_max)
    raise ConfigError(f"unknown value '{name}' for 'training.programmer' "
                      f"(known: {', '.join(PROGRAMMERS)})")
