"""Programmers: realize a desired conductance change on the devices.

A programmer is the last step of an update (Δg → pulse plan → device
response → new states). The interface is built for pulses: ``program`` returns
the conductances actually reached, the device states that hold them and, per
device, the number of pulses used and their sign, so a pulse-based programmer (a
pulse train applied to a memristor model) fits behind the same call. The
:class:`IdealProgrammer` is the baseline: every device reaches exactly
``g + Δg`` within its model's conductance range [g_min, g_max], at the state
``model.state_of(g + Δg)`` (for the ideal device the state is g itself).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from ..devices.linear import LinearConductance
from ..devices.model import DeviceModel
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
        state: (n_devices,) device states after programming [the model's state
            unit], or None when the programmer does not know them.
    """

    g: np.ndarray
    pulses: np.ndarray
    achieved: np.ndarray
    state: np.ndarray | None = None


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
    """Exact programming: g_new = min(max(g + Δg, g_min), g_max), state = state_of(g_new).

    The bound is the device's physical range (the model's conductance range),
    not a training heuristic. ``model`` is the devices' model (default: the
    ideal device of [g_min, g_max]).
    """

    name = "ideal"

    def __init__(self, g_min: float, g_max: float, model: DeviceModel | None = None) -> None:
        if not 0 < g_min < g_max:
            raise ConfigError(f"need 0 < g_min < g_max, got [{g_min}, {g_max}] S")
        self.g_min, self.g_max = float(g_min), float(g_max)
        self.model = model if model is not None else LinearConductance(self.g_min, self.g_max)

    def program(self, g: np.ndarray, delta_g: np.ndarray) -> ProgramResult:
        g = np.asarray(g, dtype=float)
        new = np.minimum(np.maximum(g + np.asarray(delta_g, dtype=float), self.g_min), self.g_max)
        achieved = new - g
        return ProgramResult(g=new, pulses=np.sign(achieved).astype(int), achieved=achieved,
                             state=self.model.state_of(new))


def make_programmer(name: str, g_min: float, g_max: float,
                    model: DeviceModel | None = None) -> Programmer:
    """The programmer ``training.programmer`` names, for devices of ``model`` in [g_min, g_max]."""
    if name == "ideal":
        return IdealProgrammer(g_min, g_max, model)
    raise ConfigError(f"unknown value '{name}' for 'training.programmer' "
                      f"(known: {', '.join(PROGRAMMERS)})")
