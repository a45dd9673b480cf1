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
the ``sgd`` optimizer (Δg = −α ∂L/∂g) this is analog SGD. Response devices only
(``linear_step``, ``soft_bounds``, ``power_response``, ``exp_response``).
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


def open_loop_pulses(device: ResponseDevice, g: np.ndarray, delta_g: np.ndarray,
                     rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(conductances after, pulse counts) for the desired changes ``delta_g`` [S]
    (module docstring); at most the pulses that cross the whole range at q = 1."""
    cap = int(np.ceil((device.g_max - device.g_min) / device.dg_min))
    n = np.minimum(stochastic_round(np.abs(delta_g) / device.dg_min, rng), cap)
    if not n.any():
        return np.asarray(g, dtype=float).copy(), n
    return device.pulse(g, np.sign(delta_g), n), n


def response_device(model: DeviceModel) -> ResponseDevice:
    """``model`` if it is a response device, else DeviceModelError naming the choices."""
    if not isinstance(model, ResponseDevice):
        raise DeviceModelError(f"the response programmer needs a response device "
                               f"(linear_step, soft_bounds, power_response, exp_response), "
                               f"got '{model.name}'")
    return model


class ResponseProgrammer(Programmer):
    """Open-loop pulses through the device's response (module docstring)."""

    name = "response"

    def __init__(self, nonideal: NonIdealities | None = None, seed: int = 0) -> None:
        super().__init__(nonideal, seed)
        if self.nonideal.device_to_device > 0 or self.nonideal.cycle_to_cycle > 0:
            raise DeviceModelError("the response programmer models neither device_to_device "
                                   "spread nor cycle_to_cycle noise")

    def scheme_for(self, model: DeviceModel) -> ResponseDevice:
        """The model, checked (the trainer calls this before training)."""
        return response_device(model)

    def program(self, model: DeviceModel, state: np.ndarray, delta_g: np.ndarray,
                rng: np.random.Generator) -> ProgramResult:
        device = response_device(model)
        x, dg = self._inputs(model, state, delta_g)
        g_new, n = open_loop_pulses(device, x, dg, rng)
        polarity = (np.sign(dg) * (n > 0)).astype(np.int8)
        zeros = np.zeros(x.size)
        plan = PulsePlan(n, polarity, zeros, zeros.copy(), 0.0, 0.0, 0.0)
        return self._finish(model, x, g_new, dg, plan, zeros.copy())
