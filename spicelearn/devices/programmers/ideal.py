"""The ``ideal`` programmer: every device reaches g + Δg exactly, within its range.

For models without a state equation (and as a baseline for any model): the new
state is ``state_of(clip(g + Δg, g_min, g_max))``. Cycle-to-cycle noise scales
the change by ``1 + σ·z``; stuck devices stay; levels quantize. One "pulse" is
counted per device that was asked to change; no energy is spent (there are no
pulses).
"""

from __future__ import annotations

import numpy as np

from ...errors import DeviceModelError
from ..model import DeviceModel
from .base import Programmer, ProgramResult, PulsePlan
from .nonideal import NonIdealities


class IdealProgrammer(Programmer):
    """g ← clip(g + Δg, g_min, g_max), through the model's state_of."""

    name = "ideal"

    def __init__(self, nonideal: NonIdealities | None = None, seed: int = 0) -> None:
        super().__init__(nonideal, seed)
        if self.nonideal.device_to_device > 0:
            raise DeviceModelError("device_to_device spreads the state equation, which the "
                                   "ideal programmer does not use (use the pulse programmer)")

    def program(self, model: DeviceModel, state: np.ndarray, delta_g: np.ndarray,
                rng: np.random.Generator) -> ProgramResult:
        x, dg = self._inputs(model, state, delta_g)
        g = model.conductance(x)
        step = self._targets(model, x, dg) - g
        sigma = self.nonideal.cycle_to_cycle
        if sigma > 0:
            step = step * (1.0 + sigma * rng.standard_normal(step.size))
        g_min, g_max = model.g_range()
        lo, hi = model.state_bounds()
        x_new = np.clip(model.state_of(np.clip(g + step, g_min, g_max)), lo, hi)
        x_new = np.where(step == 0, x, x_new)
        polarity = np.sign(step).astype(np.int8)
        zeros = np.zeros(x.size)
        plan = PulsePlan(np.abs(polarity).astype(np.int64), polarity, zeros, zeros.copy(),
                         0.0, 0.0, 0.0)
        return self._finish(model, x, x_new, dg, plan, zeros.copy())
