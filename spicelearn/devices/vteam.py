"""VTEAM: the voltage-threshold adaptive memristor of Kvatinsky et al., made well-posed.

Kvatinsky, Ramadan, Friedman, Kolodny, "VTEAM: A General Model for
Voltage-Controlled Memristors", IEEE TCAS-II 62(8):786–790 (2015). The state
variable w ∈ [w_on, w_off] (width D = w_off − w_on) moves only beyond two
voltage thresholds v_on < 0 < v_off:

    dw/dt = k_off·(V/v_off − 1)^α_off·f_off(w)   for V > v_off   (towards OFF),
          = 0                                    for v_on ≤ V ≤ v_off,
          = k_on·(V/v_on − 1)^α_on·f_on(w)       for V < v_on    (k_on < 0, towards ON),

with the linear I–V ``R = R_on + (R_off − R_on)·(w − w_on)/D``. Here the state is
normalized so that x = 1 is ON: x = (w_off − w)/D ∈ [0, 1], R(x) = R_on·x +
R_off·(1 − x) as for the HP model, g(x) = 1/R(x); a positive voltage beyond
v_off switches OFF (x falls), a negative one beyond v_on switches ON (x rises).

Made well-posed (the same in numpy, ngspice and ``device_models/vteam.va``):

* the thresholds ``(V/v_off − 1)·θ(V − v_off)`` become
  ``softplus(V − v_off, v_smooth)/v_off`` (and likewise for v_on), smooth and
  exponentially small between the thresholds;
* the windows are Biolek-type polynomials at the clipped state x̃ (as in
  :mod:`spicelearn.devices.hp`): f_on = 1 − x̃^(2p) stops the state on x = 1,
  f_off = 1 − (1 − x̃)^(2p) stops it on x = 0, and both push a state outside
  [0, 1] back;
* the resistance sees the clipped state, so it stays ≥ R_on/2 > 0.

Defaults: the VTEAM parameter set of MemTorch (Lammie et al., 2020), which it
takes from the authors' memristor-models page: R_on = 50 Ω, R_off = 1 kΩ,
D = 3 nm, k_on = −10 m/s, k_off = 5e-4 m/s, α_on = 3, α_off = 1,
v_on = −0.2 V, v_off = 0.02 V (ON switching within picoseconds, OFF within
~0.1 µs at ±1 V).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..errors import DeviceModelError
from .hp import ResistanceBetweenBounds, soft_clip, spice_soft_clip
from .model import DeviceModel, _arr
from .smooth import num, softplus, spice_softplus


@dataclass(frozen=True)
class VTEAM(ResistanceBetweenBounds, DeviceModel):
    """VTEAM with a normalized state x ∈ [0, 1] (1 = ON), ohmic at fixed state.

    ``dx/dt = −(k_off·u_off^α_off·f_off(x̃) + k_on·u_on^α_on·f_on(x̃))/D`` with
    ``u_off = softplus(V − v_off)/v_off`` and ``u_on = softplus(v_on − V)/(−v_on)``.
    """

    name: ClassVar[str] = "vteam"
    source: ClassVar[str] = ("Kvatinsky, Ramadan, Friedman, Kolodny, IEEE TCAS-II 62:786 (2015); "
                             "parameter set of MemTorch (Lammie et al., 2020): R_on = 50 Ω, "
                             "R_off = 1 kΩ, D = 3 nm, k_on = −10 m/s, k_off = 5e-4 m/s, "
                             "α_on = 3, α_off = 1, v_on = −0.2 V, v_off = 0.02 V")
    verilog_a: ClassVar[str | None] = "vteam.va"

    r_on: float = 50.0
    """ON resistance, at x = 1 [Ω]."""
    r_off: float = 1e3
    """OFF resistance, at x = 0 [Ω]."""
    d: float = 3e-9
    """Range of the state variable D = w_off − w_on [m]."""
    k_on: float = -10.0
    """ON rate constant k_on (< 0) [m/s]."""
    k_off: float = 5e-4
    """OFF rate constant k_off (> 0) [m/s]."""
    alpha_on: float = 3.0
    """ON exponent α_on (≥ 1) [1]."""
    alpha_off: float = 1.0
    """OFF exponent α_off (≥ 1) [1]."""
    v_on: float = -0.2
    """ON threshold v_on (< 0) [V]."""
    v_off: float = 0.02
    """OFF threshold v_off (> 0) [V]."""
    p: float = 10.0
    """Window exponent p (≥ 1; larger is flatter) [1]."""
    v_smooth: float = 5e-4
    """Width of the smoothed thresholds [V]."""

    def check(self) -> None:
        if self.r_on <= 0:
            raise DeviceModelError(f"vteam: r_on must be > 0 Ω, got {self.r_on!r}")
        if self.r_off <= self.r_on:
            raise DeviceModelError(f"vteam: r_off must exceed r_on = {self.r_on!r} Ω, "
                                   f"got {self.r_off!r}")
        if self.d <= 0:
            raise DeviceModelError(f"vteam: d must be > 0 m, got {self.d!r}")
        if not (self.k_on < 0 < self.k_off):
            raise DeviceModelError(f"vteam: need k_on < 0 < k_off, got k_on={self.k_on!r}, "
                                   f"k_off={self.k_off!r} m/s")
        if not (self.v_on < 0 < self.v_off):
            raise DeviceModelError(f"vteam: need v_on < 0 < v_off, got v_on={self.v_on!r}, "
                                   f"v_off={self.v_off!r} V")
        if self.alpha_on < 1 or self.alpha_off < 1 or self.p < 1:
            raise DeviceModelError("vteam: alpha_on, alpha_off and p must be >= 1")
        if not 0 < self.v_smooth < min(self.v_off, -self.v_on):
            raise DeviceModelError(f"vteam: v_smooth must be in (0, min(v_off, -v_on)), "
                                   f"got {self.v_smooth!r} V")

    def dxdt(self, v: np.ndarray | float, x: np.ndarray | float) -> np.ndarray:
        """dx/dt [1/s] (see the class docstring)."""
        v = _arr(v)
        xc = soft_clip(x, self.clip_width)
        u_off = softplus(v - self.v_off, self.v_smooth) / self.v_off
        u_on = softplus(self.v_on - v, self.v_smooth) / (-self.v_on)
        f_off = 1.0 - ((1.0 - xc) ** 2) ** self.p
        f_on = 1.0 - (xc * xc) ** self.p
        return -(self.k_off * u_off ** self.alpha_off * f_off
                 + self.k_on * u_on ** self.alpha_on * f_on) / self.d

    def spice_dxdt(self, v: str, x: str) -> str:
        xc = spice_soft_clip(x, self.clip_width)
        u_off = f"({spice_softplus(f'({v})-{num(self.v_off)}', self.v_smooth)}/{num(self.v_off)})"
        u_on = (f"({spice_softplus(f'{num(self.v_on)}-({v})', self.v_smooth)}"
                f"/{num(-self.v_on)})")
        p = num(self.p)
        f_off = f"(1-pow((1-{xc})*(1-{xc}),{p}))"
        f_on = f"(1-pow({xc}*{xc},{p}))"
        return (f"(-({num(self.k_off)}*pow({u_off},{num(self.alpha_off)})*{f_off}"
                f"+({num(self.k_on)})*pow({u_on},{num(self.alpha_on)})*{f_on})/{num(self.d)})")
