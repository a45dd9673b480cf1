"""Pershin–Di Ventra threshold memristor, made well-posed.

Published form (Pershin & Di Ventra, "SPICE model of memristive devices with
threshold", Radioengineering 22(2), 485–489, 2013, arXiv:1204.2600): the state
is the resistance R itself,

    I = V/R
    dR/dt = f(V)·[θ(V)·θ(R_off − R) + θ(−V)·θ(R − R_on)]
    f(V) = βV + ½(α − β)·(|V + V_t| − |V − V_t|)

so R moves at rate αV below the threshold V_t and at β(V ∓ V_t) ± αV_t beyond
it, and stops at R_on and R_off. A positive voltage (terminal a above b) raises R.

Made well-posed here:

* f is rewritten without ``|·|`` as ``f(V) = αV + (β − α)·[(V − V_t)⁺ − (−V − V_t)⁺]``
  (the same function) and the ramp ``u⁺ = max(u, 0)`` is smoothed to
  ``softplus(u) = V_SMOOTH·ln(1 + e^(u/V_SMOOTH))``: smooth, odd in V, of the sign
  of V (so R never moves the wrong way near the threshold, as a smoothed |·|
  would make it) and exponentially close to αV inside the threshold (the form
  ``sqrt(u² + ε²)`` would leave a rate ∝ ε² there);
* ``θ(±V)`` becomes the logistic step of width V_SMOOTH (f ≈ αV near 0 V, so
  the split only matters where the rate is small);
* ``θ(R_off − R)`` and ``θ(R − R_on)`` become ``tanh(d/δ)``, d the distance to the
  bound approached and ``δ = R_SMOOTH·(R_off − R_on)``: 1 inside, 0 on the
  bound, negative beyond, so R stops exactly on the bound and stays in
  [R_on, R_off];
* the current divides by ``R̃``: R itself from R_on up, continued below R_on by
  ``R_on − w·tanh((R_on − R)/w)``, w = R_on/2 (twice continuously
  differentiable), so that no state a Newton iteration tries (R = 0 included)
  divides by zero.

Defaults are those of ngspice's example ``examples/memristor/memristor.sp``
(H. Vogt, 2012): R_on = 1 kΩ, R_off = 10 kΩ, α = 0, β = 20e3/(10 ns) Ω/(V·s),
V_t = 1.6 V (switching within ~10 ns at a few volts).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..errors import DeviceModelError
from .model import DeviceModel, _arr
from .smooth import logistic, num, softplus, spice_logistic, spice_softplus, spice_window, window

V_SMOOTH = 0.004
"""Width of the smoothed thresholds and sign of the voltage [V]."""
R_SMOOTH = 0.01
"""Width of the boundary windows as a fraction of R_off − R_on [1]."""


@dataclass(frozen=True)
class PershinThreshold(DeviceModel):
    """Pershin–Di Ventra threshold memristor; state = resistance R ∈ [r_on, r_off] [Ω].

    ``g(R) = 1/R``, ohmic; ``dR/dt = f(V)·[σ(V)·w(r_off − R) + σ(−V)·w(R − r_on)]``
    with the smoothed f, σ, w of the module docstring.
    """

    name: ClassVar[str] = "pershin"
    source: ClassVar[str] = ("Pershin & Di Ventra, 'SPICE model of memristive devices with "
                             "threshold', Radioengineering 22(2) 485-489 (2013), "
                             "arXiv:1204.2600; parameters of ngspice's example memristor.sp "
                             "(H. Vogt 2012)")
    verilog_a: ClassVar[str | None] = "pershin.va"

    r_on: float = 1e3
    """Lowest resistance [Ω]."""
    r_off: float = 10e3
    """Highest resistance [Ω]."""
    alpha: float = 0.0
    """Rate of change per volt below the threshold [Ω/(V·s)]."""
    beta: float = 2e12
    """Rate of change per volt beyond the threshold [Ω/(V·s)]."""
    v_t: float = 1.6
    """Threshold voltage [V]."""

    def check(self) -> None:
        if self.r_on <= 0:
            raise DeviceModelError(f"pershin: r_on must be > 0 Ohm, got {self.r_on!r}")
        if self.r_off <= self.r_on:
            raise DeviceModelError(f"pershin: need r_off > r_on, got r_on={self.r_on!r}, "
                                   f"r_off={self.r_off!r} Ohm")
        if self.alpha < 0 or self.beta <= 0:
            raise DeviceModelError(f"pershin: need alpha >= 0 and beta > 0 Ohm/(V s), "
                                   f"got alpha={self.alpha!r}, beta={self.beta!r}")
        if self.v_t <= 0:
            raise DeviceModelError(f"pershin: v_t must be > 0 V, got {self.v_t!r}")

    def state_bounds(self) -> tuple[float, float]:
        return (self.r_on, self.r_off)

    @property
    def _delta(self) -> float:
        return R_SMOOTH * (self.r_off - self.r_on)

    def conductance(self, x: np.ndarray | float) -> np.ndarray:
        """g = 1/R̃, R̃ = R on [r_on, ∞), ``r_on − w·tanh((r_on − R)/w)`` below, w = r_on/2."""
        x = _arr(x)
        w = 0.5 * self.r_on
        floor = self.r_on - w * np.tanh((self.r_on - x) / w)
        return 1.0 / np.where(x < self.r_on, floor, x)

    def state_of(self, g: np.ndarray | float) -> np.ndarray:
        return 1.0 / _arr(g)

    def rate(self, v: np.ndarray | float) -> np.ndarray:
        """f(V) = αV + (β − α)·[softplus(V − V_t) − softplus(−V − V_t)] [Ω/s]."""
        v = _arr(v)
        beyond = softplus(v - self.v_t, V_SMOOTH) - softplus(-v - self.v_t, V_SMOOTH)
        return self.alpha * v + (self.beta - self.alpha) * beyond

    def dxdt(self, v: np.ndarray | float, x: np.ndarray | float) -> np.ndarray:
        v, x = _arr(v), _arr(x)
        gate = (logistic(v, V_SMOOTH) * window(self.r_off - x, self._delta)
                + logistic(-v, V_SMOOTH) * window(x - self.r_on, self._delta))
        return self.rate(v) * gate

    def spice_conductance(self, x: str) -> str:
        r, w = num(self.r_on), num(0.5 * self.r_on)
        return f"(1/(({x})<{r} ? {r}-{w}*tanh(({r}-({x}))/{w}) : ({x})))"

    def spice_dxdt(self, v: str, x: str) -> str:
        vt = num(self.v_t)
        beyond = (f"({spice_softplus(f'({v})-{vt}', V_SMOOTH)}"
                  f"-{spice_softplus(f'-({v})-{vt}', V_SMOOTH)})")
        f = f"({num(self.alpha)}*({v})+({num(self.beta - self.alpha)})*{beyond})"
        w_off = spice_window(f"{num(self.r_off)}-({x})", self._delta)
        w_on = spice_window(f"({x})-{num(self.r_on)}", self._delta)
        gate = (f"({spice_logistic(v, V_SMOOTH)}*{w_off}"
                f"+{spice_logistic(f'-({v})', V_SMOOTH)}*{w_on})")
        return f"({f}*{gate})"
