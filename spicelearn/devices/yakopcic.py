"""Yakopcic's memristor model, made well-posed and fitted to ``I = g(x)·h(V)``.

Published form (Yakopcic, Taha, Subramanyam, Pino, Rogers, "A memristor device
model", IEEE Electron Device Letters 32(10), 1436–1438, 2011), state x ∈ [0, 1]:

    I = a1·x·sinh(bV)  (V ≥ 0),     a2·x·sinh(bV)  (V < 0)
    dx/dt = η·g(V)·f(x)
    g(V) = Ap(e^V − e^Vp) for V > Vp,   −An(e^−V − e^Vn) for V < −Vn,   0 otherwise
    f(x) (motion up)   = e^(−αp(x − xp))·wp(x),  wp = (xp − x)/(1 − xp) + 1   for x ≥ xp, else 1
    f(x) (motion down) = e^(αn(x + xn − 1))·wn(x), wn = x/(1 − xn)          for x ≤ 1 − xn, else 1

What is changed here, and why:

* **Read conductance range.** The published current vanishes at x = 0 and its
  magnitude at x = 1 is fixed by a1·b. Here ``g(x) = 1/r_off + (1/r_on − 1/r_off)·x``
  so that x = 0 reads ``1/r_off`` and x = 1 reads ``1/r_on``; a1 and a2 only set
  the asymmetry between polarities. With ``1/r_on = a·b`` and ``r_off → ∞`` this
  is the published current.
* **Polarity blend.** ``h(V) = sinh(bV)/b · (1 + κ·tanh(V/V_BLEND))``,
  ``κ = (a1 − a2)/(a1 + a2)``: equal to ``(a1/ā)·sinh(bV)/b`` for V ≫ V_BLEND and
  ``(a2/ā)·sinh(bV)/b`` for V ≪ −V_BLEND (ā the mean), smooth, h(0) = 0,
  h'(0) = 1. a1/a2 is kept within [0.1, 10] so that h is monotone (no negative
  differential resistance); with a1 = a2 (the published values) h = sinh(bV)/b.
* **Smooth thresholds.** ``Ap(e^V − e^Vp)`` for V > Vp becomes
  ``Ap·e^Vp·(e^(softplus(V − Vp)) − 1)`` (softplus width V_SMOOTH): non-negative,
  exponentially small below the threshold, the published value above it; the
  negative threshold likewise.
* **Smooth windows.** The decay beyond xp (and below 1 − xn) uses
  ``u = softplus(x − xp)`` in place of ``x − xp`` (width X_SMOOTH):
  ``f_up = e^(−αp·u)·(1 − u/(1 − xp))``, ``f_down = e^(−αn·u')·(1 − u'/(1 − xn))``,
  ``u' = softplus(1 − xn − x)``. These equal the published windows away from xp
  and 1 − xn, vanish at x = 1 (up) and x = 0 (down) and turn negative beyond, so
  the state stays within [0, 1].
* η = +1: a positive voltage (terminal a above b) raises x.
* The published b is the parameter ``b_iv`` (``b`` names a terminal in Verilog-A).

Published initial state: x0 = 0.11.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

import numpy as np

from ..errors import DeviceModelError
from .model import DeviceModel, _arr
from .smooth import num, softplus, spice_softplus

V_SMOOTH = 0.01
"""Width of the smoothed voltage thresholds [V]."""
X_SMOOTH = 0.01
"""Width of the smoothed state windows [1]."""
V_BLEND = 0.02
"""Width of the blend between the a2 (V < 0) and a1 (V > 0) branches [V]."""

_K_CUT = 40.0 * V_BLEND
"""Beyond this voltage the blend is ±1 to double precision (1 − tanh(40) ≈ 2e-35)."""


@lru_cache(maxsize=32)
def _blend_correction(b: float) -> np.polynomial.Chebyshev:
    """K(s) = ∫₀^s sinh(bu)/b·(1 − tanh(u/V_BLEND)) du on [0, _K_CUT], as a Chebyshev series.

    Sampled by 64-point Gauss–Legendre quadrature (exact to ~1e-15 for this
    integrand), interpolated at degree 120.
    """
    t, w = np.polynomial.legendre.leggauss(64)

    def k_of(s: np.ndarray) -> np.ndarray:
        u = s[:, None] * (t + 1.0) / 2.0
        f = np.sinh(b * u) / b * 2.0 / (1.0 + np.exp(np.minimum(2.0 * u / V_BLEND, 700.0)))
        return s / 2.0 * (f @ w)

    return np.polynomial.Chebyshev.interpolate(k_of, 120, domain=[0.0, _K_CUT])


@dataclass(frozen=True)
class Yakopcic(DeviceModel):
    """Yakopcic et al. 2011, well-posed; state x ∈ [0, 1] (see the module docstring).

    ``I = g(x)·h(V)``, ``g(x) = 1/r_off + (1/r_on − 1/r_off)·x``,
    ``h(V) = sinh(bV)/b·(1 + κ·tanh(V/V_BLEND))``,
    ``dx/dt = Ap·e^Vp·(e^(softplus(V − Vp)) − 1)·f_up(x)
    − An·e^Vn·(e^(softplus(−V − Vn)) − 1)·f_down(x)``.
    """

    name: ClassVar[str] = "yakopcic"
    source: ClassVar[str] = ("Yakopcic, Taha, Subramanyam, Pino, Rogers, 'A memristor device "
                             "model', IEEE EDL 32(10), 1436-1438 (2011); parameters as "
                             "published (a1 = a2 = 0.17, b = 0.05 1/V as b_iv, Vp = 0.65 V, "
                             "Vn = 0.56 V, Ap = An = 4000, xp = 0.3, xn = 0.5, alphap = 1, "
                             "alphan = 5)")
    verilog_a: ClassVar[str | None] = "yakopcic.va"

    r_on: float = 100.0
    """Resistance at x = 1 [Ω] (read at 0 V)."""
    r_off: float = 10e3
    """Resistance at x = 0 [Ω] (read at 0 V)."""
    a1: float = 0.17
    """Current amplitude for V > 0 [A]; only the ratio a1/a2 is used (polarity asymmetry)."""
    a2: float = 0.17
    """Current amplitude for V < 0 [A]; only the ratio a1/a2 is used."""
    b_iv: float = 0.05
    """Curvature of the sinh I–V [1/V]."""
    vp: float = 0.65
    """Positive switching threshold [V]."""
    vn: float = 0.56
    """Negative switching threshold (magnitude) [V]."""
    ap: float = 4000.0
    """Rate amplitude above the positive threshold [1/s]."""
    an: float = 4000.0
    """Rate amplitude below the negative threshold [1/s]."""
    xp: float = 0.3
    """State beyond which upward motion decays [1]."""
    xn: float = 0.5
    """Downward motion decays below x = 1 − xn [1]."""
    alphap: float = 1.0
    """Decay constant of upward motion beyond xp [1]."""
    alphan: float = 5.0
    """Decay constant of downward motion below 1 − xn [1]."""

    def check(self) -> None:
        if self.r_on <= 0:
            raise DeviceModelError(f"yakopcic: r_on must be > 0 Ohm, got {self.r_on!r}")
        if self.r_off <= self.r_on:
            raise DeviceModelError(f"yakopcic: need r_off > r_on, got r_on={self.r_on!r}, "
                                   f"r_off={self.r_off!r} Ohm")
        for key in ("a1", "a2", "b_iv", "vp", "vn", "ap", "an"):
            if getattr(self, key) <= 0:
                raise DeviceModelError(f"yakopcic: {key} must be > 0, got {getattr(self, key)!r}")
        if not 0.1 <= self.a1 / self.a2 <= 10.0:
            raise DeviceModelError(f"yakopcic: a1/a2 must lie in [0.1, 10] (monotone I-V), "
                                   f"got {self.a1 / self.a2:.4g}")
        for key in ("xp", "xn"):
            if not 0 < getattr(self, key) < 1:
                raise DeviceModelError(f"yakopcic: {key} must lie in (0, 1), "
                                       f"got {getattr(self, key)!r}")
        for key in ("alphap", "alphan"):
            if getattr(self, key) < 0:
                raise DeviceModelError(f"yakopcic: {key} must be >= 0, "
                                       f"got {getattr(self, key)!r}")

    @property
    def kappa(self) -> float:
        """Polarity asymmetry κ = (a1 − a2)/(a1 + a2) [1]."""
        return (self.a1 - self.a2) / (self.a1 + self.a2)

    # -- read conductance ------------------------------------------------------------
    def conductance(self, x: np.ndarray | float) -> np.ndarray:
        g_off = 1.0 / self.r_off
        return g_off + (1.0 / self.r_on - g_off) * _arr(x)

    def state_of(self, g: np.ndarray | float) -> np.ndarray:
        g_off = 1.0 / self.r_off
        return (_arr(g) - g_off) / (1.0 / self.r_on - g_off)

    # -- I–V shape -------------------------------------------------------------------
    def shape(self, v: np.ndarray | float) -> np.ndarray:
        v = _arr(v)
        return np.sinh(self.b_iv * v) / self.b_iv * (1.0 + self.kappa * np.tanh(v / V_BLEND))

    def shape_slope(self, v: np.ndarray | float) -> np.ndarray:
        v, b, k = _arr(v), self.b_iv, self.kappa
        t = np.tanh(v / V_BLEND)
        return np.cosh(b * v) * (1.0 + k * t) + np.sinh(b * v) / b * k * (1.0 - t * t) / V_BLEND

    def shape_integral(self, v: np.ndarray | float) -> np.ndarray:
        """H(V) = (cosh(bV) − 1)/b² + κ·sign(V)·[(cosh(bV) − 1)/b² − K(|V|)] [V²],
        K(s) = ∫₀^s sinh(bu)/b·(1 − tanh(u/V_BLEND)) du (constant beyond 40·V_BLEND);
        cosh(bV) − 1 is computed as 2·sinh²(bV/2) (no cancellation at small V)."""
        v, b = _arr(v), self.b_iv
        c = 2.0 * (np.sinh(0.5 * b * v) / b) ** 2
        if self.kappa == 0.0:
            return c
        k = _blend_correction(b)(np.minimum(np.abs(v), _K_CUT))
        return c + self.kappa * np.sign(v) * (c - k)

    # -- dynamics --------------------------------------------------------------------
    def dxdt(self, v: np.ndarray | float, x: np.ndarray | float) -> np.ndarray:
        v, x = _arr(v), _arr(x)
        up = self.ap * np.exp(self.vp) * np.expm1(softplus(v - self.vp, V_SMOOTH))
        down = self.an * np.exp(self.vn) * np.expm1(softplus(-v - self.vn, V_SMOOTH))
        u_up = softplus(x - self.xp, X_SMOOTH)
        u_dn = softplus(1.0 - self.xn - x, X_SMOOTH)
        f_up = np.exp(-self.alphap * u_up) * (1.0 - u_up / (1.0 - self.xp))
        f_dn = np.exp(-self.alphan * u_dn) * (1.0 - u_dn / (1.0 - self.xn))
        return up * f_up - down * f_dn

    # -- ngspice ---------------------------------------------------------------------
    def spice_conductance(self, x: str) -> str:
        g_off = 1.0 / self.r_off
        return f"({num(g_off)}+{num(1.0 / self.r_on - g_off)}*({x}))"

    def spice_shape(self, v: str) -> str:
        s = f"(sinh({num(self.b_iv)}*({v}))/{num(self.b_iv)})"
        if self.kappa == 0.0:
            return s
        return f"({s}*(1+{num(self.kappa)}*tanh(({v})/{num(V_BLEND)})))"

    def spice_dxdt(self, v: str, x: str) -> str:
        sp_up = spice_softplus(f"({v})-{num(self.vp)}", V_SMOOTH)
        sp_dn = spice_softplus(f"-({v})-{num(self.vn)}", V_SMOOTH)
        u_up = spice_softplus(f"({x})-{num(self.xp)}", X_SMOOTH)
        u_dn = spice_softplus(f"{num(1.0 - self.xn)}-({x})", X_SMOOTH)
        f_up = f"exp(-{num(self.alphap)}*{u_up})*(1-{u_up}/{num(1.0 - self.xp)})"
        f_dn = f"exp(-{num(self.alphan)}*{u_dn})*(1-{u_dn}/{num(1.0 - self.xn)})"
        a_up = num(self.ap * np.exp(self.vp))
        a_dn = num(self.an * np.exp(self.vn))
        return (f"({a_up}*(exp({sp_up})-1)*{f_up}"
                f"-{a_dn}*(exp({sp_dn})-1)*{f_dn})")
