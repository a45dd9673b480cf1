"""Stanford–PKU RRAM model (filament gap), made well-posed; state = gap [nm].

Published form (Jiang, Yu, Wu, Gao, Liu, Wong, "A compact model for metal-oxide
resistive random access memory with experiment verification", IEEE Trans.
Electron Devices 63(5), 1884–1892, 2016; Stanford University RRAM model v1.0):

    I = I0·e^(−gap/g0)·sinh(V/V0)
    dgap/dt = −v0·e^(−q·Ea/kT)·sinh(γ·a0·q·V/(t_ox·k·T)),   γ = γ0 − β·(gap/1 nm)³

with the gap held within [gap_min, gap_max]. A positive voltage (terminal a
above b) shrinks the gap (SET), a negative one widens it (RESET).

Here:

* **Range.** The read conductance is ``g(gap) = (I0/V0)·e^(−gap/g0)`` and
  ``I = g·h(V)``, ``h(V) = V0·sinh(V/V0)``; the bounds follow from ``r_on``,
  ``r_off``: ``gap_min = g0·ln(I0·r_on/V0)``, ``gap_max = g0·ln(I0·r_off/V0)``
  (defaults 0.35 nm and 1.50 nm, within the published 0.1–1.7 nm).
* **Bounds made smooth.** The published hard limits become
  ``dgap/dt = r(V, gap)·[σ(V)·w(gap − gap_min) + σ(−V)·w(gap_max − gap)]``:
  σ a logistic step of width V_SMOOTH on the sign of V, ``w(d) = tanh(d/δ)``,
  ``δ = GAP_SMOOTH·(gap_max − gap_min)``: 1 inside, 0 on the bound approached,
  negative beyond, so the gap stops exactly on its bounds.
* **Units.** The state is the gap in **nanometres** (and g0, a0, t_ox are in nm),
  so that a state node in a simulator is O(1) V rather than O(1e-9) V, far below
  its absolute voltage tolerance.
* **Temperature.** The published model heats the filament (T = T0 + |I·V|·R_th);
  here T is a fixed parameter, so the state equation depends on V and the gap only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..errors import DeviceModelError
from .mms import Q_OVER_K
from .model import DeviceModel, _arr
from .smooth import logistic, num, spice_logistic, spice_window, window

V_SMOOTH = 0.01
"""Width of the smoothed sign of the voltage [V]."""
GAP_SMOOTH = 0.01
"""Width of the boundary windows as a fraction of gap_max − gap_min [1]."""


@dataclass(frozen=True)
class StanfordPKU(DeviceModel):
    """Stanford–PKU RRAM; state = filament gap ∈ [gap_min, gap_max] [nm].

    ``I = (i0/v0)·e^(−gap/g0) · v0·sinh(V/v0)``;
    ``dgap/dt = −vel0·e^(−ea/V_T)·sinh(γ·a0·V/(t_ox·V_T))·window`` [nm/s],
    ``V_T = kT/q``, ``γ = gamma0 − beta·gap³``.
    """

    name: ClassVar[str] = "stanford_pku"
    source: ClassVar[str] = ("Stanford-PKU RRAM: Jiang et al., IEEE TED 63(5) 1884-1892 (2016), "
                             "Stanford RRAM model v1.0; parameters g0 = 0.25 nm, V0 = 0.25 V, "
                             "I0 = 1 mA, v0 = 10 m/s, Ea = 0.6 eV, a0 = 0.25 nm, gamma0 = 16, "
                             "beta = 0.8, t_ox = 12 nm")
    verilog_a: ClassVar[str | None] = "stanford_pku.va"

    r_on: float = 1e3
    """Read resistance at the smallest gap [Ω] (sets gap_min)."""
    r_off: float = 100e3
    """Read resistance at the largest gap [Ω] (sets gap_max)."""
    i0: float = 1e-3
    """Current prefactor [A]."""
    g0: float = 0.25
    """Gap decay length of the current [nm]."""
    v0: float = 0.25
    """Voltage scale of the sinh I–V [V]."""
    vel0: float = 10.0
    """Gap velocity prefactor [m/s] (the published v0)."""
    ea: float = 0.6
    """Activation energy of oxygen-vacancy migration [eV]."""
    a0: float = 0.25
    """Atomic hopping distance [nm]."""
    gamma0: float = 16.0
    """Field enhancement factor at zero gap [1]."""
    beta: float = 0.8
    """Decrease of the enhancement factor with the cube of the gap [1/nm³]."""
    t_ox: float = 12.0
    """Oxide thickness [nm]."""
    temperature: float = 300.0
    """Filament temperature [K]."""

    def check(self) -> None:
        if self.r_on <= 0:
            raise DeviceModelError(f"stanford_pku: r_on must be > 0 Ohm, got {self.r_on!r}")
        if self.r_off <= self.r_on:
            raise DeviceModelError(f"stanford_pku: need r_off > r_on, got r_on={self.r_on!r}, "
                                   f"r_off={self.r_off!r} Ohm")
        for key in ("i0", "g0", "v0", "vel0", "ea", "a0", "gamma0", "t_ox", "temperature"):
            if getattr(self, key) <= 0:
                raise DeviceModelError(f"stanford_pku: {key} must be > 0, "
                                       f"got {getattr(self, key)!r}")
        if self.beta < 0:
            raise DeviceModelError(f"stanford_pku: beta must be >= 0, got {self.beta!r}")
        if self.r_on <= self.v0 / self.i0:
            raise DeviceModelError(f"stanford_pku: r_on must exceed v0/i0 = "
                                   f"{self.v0 / self.i0:.4g} Ohm (the zero-gap resistance), "
                                   f"got {self.r_on!r}")
        if self.gamma0 - self.beta * self.gap_max**3 <= 0:
            raise DeviceModelError(f"stanford_pku: the field enhancement gamma0 - beta*gap^3 "
                                   f"must stay > 0 up to gap_max = {self.gap_max:.4g} nm "
                                   f"(lower r_off or beta)")

    @property
    def gap_min(self) -> float:
        """Smallest gap [nm]: g0·ln(i0·r_on/v0)."""
        return self.g0 * float(np.log(self.i0 * self.r_on / self.v0))

    @property
    def gap_max(self) -> float:
        """Largest gap [nm]: g0·ln(i0·r_off/v0)."""
        return self.g0 * float(np.log(self.i0 * self.r_off / self.v0))

    @property
    def thermal_voltage(self) -> float:
        """kT/q [V]."""
        return self.temperature / Q_OVER_K

    @property
    def _delta(self) -> float:
        return GAP_SMOOTH * (self.gap_max - self.gap_min)

    def state_bounds(self) -> tuple[float, float]:
        return (self.gap_min, self.gap_max)

    # -- read conductance and I–V ----------------------------------------------------
    def conductance(self, x: np.ndarray | float) -> np.ndarray:
        return self.i0 / self.v0 * np.exp(-_arr(x) / self.g0)

    def state_of(self, g: np.ndarray | float) -> np.ndarray:
        return -self.g0 * np.log(_arr(g) * self.v0 / self.i0)

    def shape(self, v: np.ndarray | float) -> np.ndarray:
        return self.v0 * np.sinh(_arr(v) / self.v0)

    def shape_slope(self, v: np.ndarray | float) -> np.ndarray:
        return np.cosh(_arr(v) / self.v0)

    def shape_integral(self, v: np.ndarray | float) -> np.ndarray:
        """H(V) = V0²·(cosh(V/V0) − 1) = 2·V0²·sinh²(V/(2V0)) [V²]."""
        return 2.0 * (self.v0 * np.sinh(0.5 * _arr(v) / self.v0)) ** 2

    # -- dynamics --------------------------------------------------------------------
    def rate(self, v: np.ndarray | float, x: np.ndarray | float) -> np.ndarray:
        """Unbounded dgap/dt [nm/s] (the published equation)."""
        v, x, vt = _arr(v), _arr(x), self.thermal_voltage
        gamma = self.gamma0 - self.beta * x**3
        return (-self.vel0 * 1e9 * np.exp(-self.ea / vt)
                * np.sinh(gamma * self.a0 * v / (self.t_ox * vt)))

    def dxdt(self, v: np.ndarray | float, x: np.ndarray | float) -> np.ndarray:
        v, x = _arr(v), _arr(x)
        gate = (logistic(v, V_SMOOTH) * window(x - self.gap_min, self._delta)
                + logistic(-v, V_SMOOTH) * window(self.gap_max - x, self._delta))
        return self.rate(v, x) * gate

    # -- ngspice ---------------------------------------------------------------------
    def spice_conductance(self, x: str) -> str:
        return f"({num(self.i0 / self.v0)}*exp(-({x})/{num(self.g0)}))"

    def spice_shape(self, v: str) -> str:
        return f"({num(self.v0)}*sinh(({v})/{num(self.v0)}))"

    def spice_dxdt(self, v: str, x: str) -> str:
        vt = self.thermal_voltage
        pre = num(self.vel0 * 1e9 * np.exp(-self.ea / vt))
        scale = num(self.a0 / (self.t_ox * vt))
        gamma = f"({num(self.gamma0)}-{num(self.beta)}*({x})*({x})*({x}))"
        rate = f"(-{pre}*sinh({gamma}*{scale}*({v})))"
        w_min = spice_window(f"({x})-{num(self.gap_min)}", self._delta)
        w_max = spice_window(f"{num(self.gap_max)}-({x})", self._delta)
        gate = (f"({spice_logistic(v, V_SMOOTH)}*{w_min}"
                f"+{spice_logistic(f'-({v})', V_SMOOTH)}*{w_max})")
        return f"({rate}*{gate})"
