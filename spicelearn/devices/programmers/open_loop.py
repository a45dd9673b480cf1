"""The ``response`` programmer: open-loop pulses through a response device.

Hardware that trains with analog SGD does not aim at a target conductance: it
fires a number of pulses proportional to the desired change and lets the device
answer. A desired Δg becomes ``n = round_s(|Δg|/Δg_min)`` pulses of the sign of Δg
(``round_s``: stochastic rounding, ``floor(r) + Bernoulli(r − floor(r))``, so that
E[n] = |Δg|/Δg_min), applied through the device's exact pulse map
(:meth:`~spicelearn.devices.response.ResponseDevice.pulse`): each pulse moves g
by ``Δg_min·q₊(g)`` up or ``Δg_min·q₋(g)`` down. In expectation

    g ← g + Δg ⊙ F(g) − |Δg| ⊙ G(g),   F = (q₋ + q₊)/2,  G = (q₋ − q₊)/2,

so the realized change differs from the desired one by the response: with an
asymmetric response (G ≠ 0) the device drifts towards its symmetric point. With
the ``sgd`` optimizer (Δg = −α ∂L/∂g) this is analog SGD.

Response devices (``linear_step``, ``soft_bounds``, ``power_response``,
``exp_response``) answer through their own q±. A memristor model answers through
its characterized identical-pulse response tables (:func:`.tables.response_table`,
the model's default pulses): :class:`TableResponse` reads one pulse's change of g
up and down at every state from them, takes Δg_min as the largest one-pulse step
over the range (so q± ≤ 1) and applies n pulses by iterating the table; its
symmetric point is the state where the up and down steps are equal.
"""

from __future__ import annotations

import numpy as np

from ...errors import DeviceModelError
from ..model import DeviceModel
from ..response import ResponseDevice
from .base import Programmer, ProgramResult, PulsePlan
from .nonideal import NonIdealities


def stochastic_round(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``floor(x) + Bernoulli(x − floor(x))`` for x ≥ 0: integers with mean x."""
    low = np.floor(x)
    return (low + (rng.random(np.shape(x)) < x - low)).astype(np.int64)


def open_loop_pulses(device: ResponseDevice | TableResponse, x: np.ndarray,
                     delta_g: np.ndarray,
                     rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(states after, pulse counts) for the desired changes ``delta_g`` [S] of devices
    at states ``x`` (module docstring; the state of a response device is g); at most
    the pulses that cross the whole range at q = 1."""
    cap = int(np.ceil((device.g_max - device.g_min) / device.dg_min))
    n = np.minimum(stochastic_round(np.abs(delta_g) / device.dg_min, rng), cap)
    if not n.any():
        return np.asarray(x, dtype=float).copy(), n
    return device.pulse(x, np.sign(delta_g), n), n


class TableResponse:
    """A memristor's open-loop pulse response from its identical-pulse tables (module
    docstring); the same interface as a response device, on the model's states."""

    def __init__(self, model: DeviceModel) -> None:
        from .schemes import pulse_scheme
        from .tables import response_table

        scheme = pulse_scheme(model)
        self.model = model
        self.up, self.down = (response_table(model, scheme, p) for p in (1, -1))
        lo, hi = model.state_bounds()
        x = np.linspace(lo, hi, 1025)
        self._x = x
        self._dg_up = model.conductance(self._after(x, 1)) - model.conductance(x)
        self._dg_down = model.conductance(x) - model.conductance(self._after(x, -1))
        self.dg_min = float(max(np.abs(self._dg_up).max(), np.abs(self._dg_down).max()))
        if not self.dg_min > 0:
            raise DeviceModelError(f"model '{model.name}': its default pulses do not move "
                                   f"the conductance")
        self.g_min, self.g_max = model.g_range()

    def _after(self, x: np.ndarray, polarity: int) -> np.ndarray:
        table = self.up if polarity > 0 else self.down
        return table.at(np.asarray(x, dtype=float))[0][:, 0]

    def pulse(self, x: np.ndarray, polarity: np.ndarray, n: np.ndarray) -> np.ndarray:
        """States after ``n`` pulses of ``polarity`` (the tables iterated)."""
        x = np.asarray(x, dtype=float).copy()
        pol, n = np.broadcast_to(np.sign(polarity), x.shape), np.broadcast_to(n, x.shape)
        for k in range(int(n.max(initial=0))):
            go = k < n
            up, down = go & (pol > 0), go & (pol < 0)
            if up.any():
                x[up] = self._after(x[up], 1)
            if down.any():
                x[down] = self._after(x[down], -1)
        return x

    def symmetric_point(self) -> float:
        """The state where one pulse up and one pulse down move g by the same amount
        (the first sign change of their difference; a bound if there is none)."""
        d = self._dg_up - self._dg_down
        change = np.flatnonzero(np.sign(d[:-1]) != np.sign(d[1:]))
        if change.size == 0:
            return float(self._x[0] if d[0] < 0 else self._x[-1])
        i = int(change[0])
        t = d[i] / (d[i] - d[i + 1])
        return float(self._x[i] + t * (self._x[i + 1] - self._x[i]))


def response_device(model: DeviceModel) -> ResponseDevice | TableResponse:
    """The open-loop response of ``model``: its own for a response device, its tables'
    for a model with a state equation (DeviceModelError for the ideal device)."""
    if isinstance(model, ResponseDevice):
        return model
    if not model.dynamic:
        raise DeviceModelError(f"the response programmer needs a response device "
                               f"(linear_step, soft_bounds, power_response, exp_response) or "
                               f"a memristor with a state equation, got '{model.name}'")
    return _table_response(model)


_TABLES: dict[DeviceModel, TableResponse] = {}


def _table_response(model: DeviceModel) -> TableResponse:
    if model not in _TABLES:
        _TABLES[model] = TableResponse(model)
    return _TABLES[model]


class ResponseProgrammer(Programmer):
    """Open-loop pulses through the device's response (module docstring)."""

    name = "response"

    def __init__(self, nonideal: NonIdealities | None = None, seed: int = 0) -> None:
        super().__init__(nonideal, seed)
        if self.nonideal.device_to_device > 0 or self.nonideal.cycle_to_cycle > 0:
            raise DeviceModelError("the response programmer models neither device_to_device "
                                   "spread nor cycle_to_cycle noise")

    def check(self, model: DeviceModel) -> None:
        response_device(model)

    def program(self, model: DeviceModel, state: np.ndarray, delta_g: np.ndarray,
                rng: np.random.Generator) -> ProgramResult:
        device = response_device(model)
        x, dg = self._inputs(model, state, delta_g)
        g_new, n = open_loop_pulses(device, x, dg, rng)
        polarity = (np.sign(dg) * (n > 0)).astype(np.int8)
        zeros = np.zeros(x.size)
        plan = PulsePlan(n, polarity, zeros, zeros.copy(), 0.0, 0.0, 0.0)
        return self._finish(model, x, g_new, dg, plan, zeros.copy())
