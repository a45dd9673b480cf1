"""The ``array`` programmer: pulses written on the crossbar itself, line by line.

The pulses are planned as for an isolated device (the ``pulse`` programmer's
plan, nominal model) and written on the actual crossbar topology with a V/2 or
V/3 bias scheme, one row (or column) and one polarity at a time, wire
resistance included (:mod:`spicelearn.devices.programmers.array_decks`). One
ngspice transient runs the whole update. What the devices reach differs from
the isolated response by the IR drop along the lines and by the half-select
disturbance of every device that shares a line with a written one; the largest
|Δg| of a device that received no pulse of its own is reported as the step's
``disturbance``. Energies: each device's dissipation, and as overhead what the
line drivers delivered beyond it (the wires).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from ..devices.model import DeviceModel
from ..devices.programmers import (
    NonIdealities,
    Programmer,
    ProgramResult,
    PulseProgrammer,
    PulseScheme,
    plan_pulses,
)
from ..devices.programmers.array_decks import BIASES, STEPS, render_array
from ..devices.programmers.decks import resolve_rendering
from ..errors import DeviceModelError
from .programming import SpiceSettings, StepRun, run_programming


class ArrayProgrammer(Programmer):
    """Line-by-line writing of a ``rows × cols`` crossbar in one ngspice transient per update.

    Args:
        rows, cols: crossbar size; states are (rows·cols,) in row-major order.
        r_wire: resistance of one line segment [Ω] (0: ideal wires).
        bias: ``"V/2"`` or ``"V/3"``.
        step: ``"row"`` or ``"column"`` (the line written at a time).
        scheme, rendering, nonideal, seed, settings, **pulse_params: as for
            :class:`~spicelearn.engines.programming.SpiceProgrammer`.
    """

    name = "array"

    def __init__(self, rows: int, cols: int, r_wire: float = 0.0, *, bias: str = "V/2",
                 step: str = "row", scheme: str | PulseScheme = "identical",
                 rendering: str | None = None, nonideal: NonIdealities | None = None,
                 seed: int = 0, settings: SpiceSettings | None = None,
                 **pulse_params: Any) -> None:
        super().__init__(nonideal, seed)
        if isinstance(rows, bool) or isinstance(cols, bool) or not (
                isinstance(rows, int) and isinstance(cols, int) and rows > 0 and cols > 0):
            raise DeviceModelError(f"array programming needs a crossbar of positive integer "
                                   f"size, got {rows!r} x {cols!r}")
        if bias not in BIASES or step not in STEPS:
            raise DeviceModelError(f"array programming needs bias in {', '.join(BIASES)} and "
                                   f"step in {', '.join(STEPS)}, got {bias!r}, {step!r}")
        if not (isinstance(r_wire, int | float) and np.isfinite(r_wire) and r_wire >= 0):
            raise DeviceModelError(f"wire resistance must be >= 0 Ohm, got {r_wire!r}")
        if self.nonideal.cycle_to_cycle > 0:
            raise DeviceModelError("cycle_to_cycle noise is not modelled by the array "
                                   "programmer")
        self.shape = (rows, cols)
        self.r_wire = float(r_wire)
        self.bias, self.step = bias, step
        self.planner = PulseProgrammer(scheme, **pulse_params)
        self.rendering = rendering
        self.settings = settings if settings is not None else SpiceSettings()
        self.last_run: StepRun | None = None

    def check(self, model: DeviceModel) -> None:
        self.planner.scheme_for(model)

    def program(self, model: DeviceModel, state: np.ndarray, delta_g: np.ndarray,
                rng: np.random.Generator) -> ProgramResult:
        x, dg = self._inputs(model, state, delta_g)
        rows, cols = self.shape
        if x.size != rows * cols:
            raise DeviceModelError(f"a {rows}x{cols} crossbar has {rows * cols} devices, "
                                   f"got {x.size} states")
        resolve_rendering(model, self.rendering)
        scheme = self.planner.scheme_for(model)
        plan = plan_pulses(model, scheme, x, self._targets(model, x, dg)).plan
        population = self.population(model, x.size)
        if not plan.count.any():
            return self._finish(model, x, x, dg, plan, np.zeros(x.size))
        t0 = time.perf_counter()
        deck = render_array(population, x, plan, scheme, self.shape, self.r_wire, self.bias,
                            self.step, self.rendering)
        t1 = time.perf_counter()
        x_new, energies, t_ng, t_read, cpu = run_programming(deck, model, plan, self.settings)
        self.last_run = StepRun(x_new, energies, t1 - t0, t_ng, t_read, cpu)
        energy, lines = energies[:x.size], energies[x.size:]
        x_new = population.pin(x_new)
        idle = plan.count == 0
        g0 = model.conductance(x)
        disturbance = float(np.max(np.abs(model.conductance(x_new) - g0)[idle], initial=0.0))
        return self._finish(model, x, x_new, dg, plan, energy,
                            overhead_energy=float(lines.sum() - energy.sum()),
                            disturbance=disturbance)
