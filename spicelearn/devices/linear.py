"""The ideal programmable device: a linear conductance whose state is its conductance."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..errors import DeviceModelError
from .model import DeviceModel, _arr


@dataclass(frozen=True)
class LinearConductance(DeviceModel):
    """An ideal resistor of programmable conductance: ``I = g·V``, state ``x = g`` [S].

    It has no state equation: it reaches any conductance in [g_min, g_max]
    exactly. It is the baseline every memristor model is compared with.
    """

    name: ClassVar[str] = "ideal"
    source: ClassVar[str] = "ideal linear conductance (Ohm's law)"
    dynamic: ClassVar[bool] = False

    g_min: float = 1e-5
    """Lowest conductance [S]."""
    g_max: float = 1e-2
    """Highest conductance [S]."""

    def check(self) -> None:
        if not 0 < self.g_min < self.g_max:
            raise DeviceModelError(f"ideal: need 0 < g_min < g_max, got g_min={self.g_min!r}, "
                                   f"g_max={self.g_max!r} S")

    def state_bounds(self) -> tuple[float, float]:
        return (self.g_min, self.g_max)

    def conductance(self, x: np.ndarray | float) -> np.ndarray:
        return _arr(x).copy()

    def state_of(self, g: np.ndarray | float) -> np.ndarray:
        return _arr(g).copy()

    def spice_conductance(self, x: str) -> str:
        return f"({x})"
