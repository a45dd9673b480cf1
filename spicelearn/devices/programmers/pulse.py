"""The ``pulse`` programmer: Δg becomes pulses through the device's own state equation.

The pulses are chosen by :func:`~.planning.plan_pulses` (nominal model) and
applied to the devices:

* identical pulses without device-to-device spread: through the response table
  (the exact response on a grid of states, interpolated; :mod:`.tables`; within
  1e-6 of the state range of the exact ODE per pulse), pulse by pulse;
* a PWM or PAM pulse, any scheme with spread, or any scheme with
  ``exact=True``: by integrating every device's own state equation through its
  pulses with ``solve_ivp`` (:func:`~.integrate.integrate_pulse`, all devices
  receiving their k-th pulse together as one vector ODE).

Cycle-to-cycle noise scales each pulse's state change by ``1 + σ·z`` (z drawn
from the step's generator, per pulse and device). Stuck devices receive their
pulses and do not move; their energy is that of the pulses at their fixed
state. Realized changes differ from desired ones as the physics says: bounded
range, nonlinear and asymmetric response, one pulse's granularity, spread, noise.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import numpy as np

from ...errors import DeviceModelError
from ..model import DeviceModel
from .base import Programmer, ProgramResult, PulsePlan
from .integrate import integrate_pulse
from .nonideal import DevicePopulation, NonIdealities
from .planning import PlannedPulses, plan_pulses
from .schemes import SCHEMES, PulseScheme, check_scheme, pulse_scheme
from .tables import response_table

_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(16)


def pulse_integrals(model: DeviceModel, plan: PulsePlan) -> tuple[np.ndarray, np.ndarray]:
    """(∫h(V)dt [V·s], ∫V·h(V)dt [V²·s]) over one pulse of each device's plan, (n,) each.

    A device at a fixed state g draws the charge g·∫h dt and dissipates g·∫V·h dt:
    ``∫h dt = w·h(a) + (t_r + t_f)·∫₀¹ h(a·s) ds`` and
    ``∫V·h dt = w·a·h(a) + (t_r + t_f)·∫₀¹ a·s·h(a·s) ds`` (Gauss–Legendre, 16 points).
    """
    s = 0.5 * (_NODES + 1.0)
    a = plan.amplitude[:, None]
    h = model.shape(a * s)
    ramps = plan.rise + plan.fall
    charge = plan.width * model.shape(plan.amplitude) + ramps * 0.5 * np.sum(_WEIGHTS * h, axis=1)
    work = (plan.width * plan.amplitude * model.shape(plan.amplitude)
            + ramps * 0.5 * np.sum(_WEIGHTS * (a * s) * h, axis=1))
    return charge, work


def pinned_energy(model: DeviceModel, x: np.ndarray, plan: PulsePlan) -> np.ndarray:
    """(n,) energy [J] of each device's pulses if its state did not move: count·g(x)·∫V·h dt."""
    return plan.count * model.conductance(x) * pulse_integrals(model, plan)[1]


class PulseProgrammer(Programmer):
    """Pulses through the state equation: identical pulses, PWM or PAM.

    Args:
        scheme: a scheme name (``identical``, ``pwm``, ``pam``; the model's
            defaults, see :func:`~.schemes.pulse_scheme`) or a complete
            :class:`~.schemes.PulseScheme`.
        nonideal: non-idealities (off by default).
        seed: seed of the drawn-once per-device non-idealities.
        exact: integrate each device's pulses instead of reading the tables.
        **pulse_params: overrides of the scheme's defaults (``v_up``, ``width``, …),
            with a scheme name only.
    """

    name = "pulse"

    def __init__(self, scheme: str | PulseScheme = "identical", *,
                 nonideal: NonIdealities | None = None, seed: int = 0, exact: bool = False,
                 **pulse_params: Any) -> None:
        super().__init__(nonideal, seed)
        if isinstance(scheme, PulseScheme) and pulse_params:
            raise DeviceModelError("give pulse parameters in the PulseScheme, not beside it")
        known = {f.name for f in fields(PulseScheme)} - {"kind"}
        for key in pulse_params:
            if key not in known:
                raise DeviceModelError(f"unknown pulse parameter {key!r} (known: "
                                       f"{', '.join(sorted(known))})")
        if not isinstance(scheme, PulseScheme) and scheme not in SCHEMES:
            raise DeviceModelError(f"unknown pulse scheme {scheme!r} (known: "
                                   f"{', '.join(SCHEMES)})")
        self.scheme = scheme
        self.pulse_params = dict(pulse_params)
        self.exact = bool(exact)
        self._schemes: dict[DeviceModel, PulseScheme] = {}

    def check(self, model: DeviceModel) -> None:
        self.scheme_for(model)

    def scheme_for(self, model: DeviceModel) -> PulseScheme:
        """The complete scheme for ``model`` (defaults filled in, checked against the model).

        Raises:
            DeviceModelError: the model has no state equation or the pulses do not fit it.
        """
        if model not in self._schemes:
            if isinstance(self.scheme, PulseScheme):
                check_scheme(model, self.scheme)
                self._schemes[model] = self.scheme
            else:
                self._schemes[model] = pulse_scheme(model, self.scheme, **self.pulse_params)
        return self._schemes[model]

    def plan(self, model: DeviceModel, state: np.ndarray,
             delta_g: np.ndarray) -> PlannedPulses:
        """The pulses for desired changes ``delta_g`` [S] at ``state`` (nominal model)."""
        x, dg = self._inputs(model, state, delta_g)
        return plan_pulses(model, self.scheme_for(model), x, self._targets(model, x, dg))

    def program(self, model: DeviceModel, state: np.ndarray, delta_g: np.ndarray,
                rng: np.random.Generator) -> ProgramResult:
        x, dg = self._inputs(model, state, delta_g)
        scheme = self.scheme_for(model)
        planned = plan_pulses(model, scheme, x, self._targets(model, x, dg))
        population = self.population(model, x.size)
        if population.spread or self.exact or scheme.kind != "identical":
            x_new, energy = self._apply_exact(population, x, planned.plan, rng)
        else:
            x_new, energy = self._apply_table(model, scheme, x, planned, rng)
        stuck = population.stuck != 0
        if stuck.any():
            energy = np.where(stuck, pinned_energy(model, population.pin(x), planned.plan),
                              energy)
        return self._finish(model, x, x_new, dg, planned.plan, energy)

    # -- applying the plan ---------------------------------------------------------------
    def _noisy(self, model: DeviceModel, before: np.ndarray, after: np.ndarray,
               rng: np.random.Generator) -> np.ndarray:
        sigma = self.nonideal.cycle_to_cycle
        if sigma == 0.0:
            return after
        lo, hi = model.state_bounds()
        return np.clip(before + (after - before) * (1.0 + sigma * rng.standard_normal(
            before.size)), lo, hi)

    def _apply_table(self, model: DeviceModel, scheme: PulseScheme, x: np.ndarray,
                     planned: PlannedPulses,
                     rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        if self.nonideal.cycle_to_cycle == 0.0:
            return planned.state, planned.energy
        plan = planned.plan
        state, energy = x.copy(), np.zeros(x.size)
        tables = {p: response_table(model, scheme, p) for p in (1, -1)}
        for k in range(int(plan.count.max(initial=0))):
            for p, table in tables.items():
                idx = np.flatnonzero((plan.count > k) & (plan.polarity == p))
                if idx.size:
                    after, de = table.at(state[idx])
                    state[idx] = self._noisy(model, state[idx], after[:, 0], rng)
                    energy[idx] += de[:, 0]
        return state, energy

    def _apply_exact(self, population: DevicePopulation, x: np.ndarray, plan: PulsePlan,
                     rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        state, energy = x.copy(), np.zeros(x.size)
        for k in range(int(plan.count.max(initial=0))):
            idx = np.flatnonzero(plan.count > k)
            after, de = integrate_pulse(population.batched(idx), state[idx],
                                        plan.amplitude[idx], plan.width[idx], plan.rise,
                                        plan.fall, plan.gap)
            state[idx] = self._noisy(population.model, state[idx], after, rng)
            energy[idx] += de
        return state, energy
