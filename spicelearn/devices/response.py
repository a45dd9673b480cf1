"""Abstract response-function devices: how far one programming pulse moves a conductance.

The state is the conductance ``g`` [S] itself, within [g_min, g_max], and the
device is ohmic. One potentiation pulse raises g by ``Δg_min·q₊(g)``, one
depression pulse lowers it by ``Δg_min·q₋(g)``, and no pulse takes g past its
bounds. The families (Wu, Xiao, Gokmen, Fagbohungbe, Chen, "Analog in-memory
training on general non-ideal resistive elements: the impact of response
functions", arXiv:2502.06309; Gokmen & Vlasov, Front. Neurosci. 10:333, 2016 for
soft bounds), in the normalized state ``w = 2(g − g_min)/(g_max − g_min) − 1 ∈ [−1, 1]``:

* linear step: ``q₊ = q₋ = 1`` until the bound;
* soft bounds: ``q₊ = 1 − w``, ``q₋ = 1 + w``;
* power: ``q₊ = (1 − w/τ)^γ``, ``q₋ = (1 + w/τ)^γ``;
* exponential: ``q₊ = (e^(γ(1 − w/τ)) − 1)/(e^γ − 1)``, ``q₋ = (e^(γ(1 + w/τ)) − 1)/(e^γ − 1)``.

An ``asymmetry`` a scales them to ``(1 + a)·q₊`` and ``(1 − a)·q₋`` (a stronger
potentiation than depression for a > 0). ``F = (q₋ + q₊)/2`` is the symmetric and
``G = (q₋ − q₊)/2`` the asymmetric part; the symmetric point has ``G = 0``.

For transients the same responses drive a continuous state equation: a voltage
beyond ``±v_th`` (logistic step of width V_SMOOTH) moves g at
``Δg_min·q±(g)/t_pulse``, so one pulse of width ``t_pulse`` well beyond the
threshold moves g by about one step; q± are multiplied by ``tanh(d/W_SMOOTH)``
(d the distance to the bound approached, in w) so that g stops on the bounds,
and evaluated unclipped (smooth at the bounds as well).
:meth:`ResponseDevice.pulse` is the exact discrete map.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy.optimize import brentq

from ..errors import DeviceModelError
from .model import DeviceModel, _arr
from .smooth import logistic, num, spice_logistic, spice_window, window

V_SMOOTH = 0.01
"""Width of the logistic voltage threshold of the state equation [V]."""
W_SMOOTH = 0.01
"""Width of the boundary windows of the state equation, in normalized w [1]."""


@dataclass(frozen=True)
class ResponseDevice(DeviceModel):
    """A device defined by its pulse response q±(g); state = conductance g [S]."""

    source: ClassVar[str] = ("Wu, Xiao, Gokmen, Fagbohungbe, Chen, 'Analog in-memory training "
                             "on general non-ideal resistive elements: the impact of response "
                             "functions', arXiv:2502.06309 (NeurIPS 2025)")

    g_min: float = 1e-5
    """Lowest conductance [S]."""
    g_max: float = 1e-2
    """Highest conductance [S]."""
    dg_min: float = 1e-5
    """Conductance step of one pulse where q = 1, Δg_min [S]."""
    asymmetry: float = 0.0
    """Up/down asymmetry a: potentiation scaled by 1 + a, depression by 1 − a [1]."""
    v_th: float = 0.5
    """Programming threshold of the state equation [V]."""
    t_pulse: float = 1e-6
    """Pulse width that moves g by one step in the state equation [s]."""

    def check(self) -> None:
        n = self.name
        if not 0 < self.g_min < self.g_max:
            raise DeviceModelError(f"{n}: need 0 < g_min < g_max, got g_min={self.g_min!r}, "
                                   f"g_max={self.g_max!r} S")
        if not 0 < self.dg_min <= self.g_max - self.g_min:
            raise DeviceModelError(f"{n}: dg_min must lie in (0, g_max - g_min], "
                                   f"got {self.dg_min!r} S")
        if not -1 < self.asymmetry < 1:
            raise DeviceModelError(f"{n}: asymmetry must lie in (-1, 1), got {self.asymmetry!r}")
        if self.v_th <= 0 or self.t_pulse <= 0:
            raise DeviceModelError(f"{n}: need v_th > 0 V and t_pulse > 0 s, "
                                   f"got v_th={self.v_th!r}, t_pulse={self.t_pulse!r}")

    # -- state -----------------------------------------------------------------------
    def state_bounds(self) -> tuple[float, float]:
        return (self.g_min, self.g_max)

    def conductance(self, x: np.ndarray | float) -> np.ndarray:
        return _arr(x).copy()

    def state_of(self, g: np.ndarray | float) -> np.ndarray:
        return _arr(g).copy()

    def normalized(self, g: np.ndarray | float) -> np.ndarray:
        """w = 2(g − g_min)/(g_max − g_min) − 1 ∈ [−1, 1] [1]."""
        return 2.0 * (_arr(g) - self.g_min) / (self.g_max - self.g_min) - 1.0

    def conductance_at(self, w: np.ndarray | float) -> np.ndarray:
        """g at normalized state w [S] (inverse of :meth:`normalized`)."""
        return self.g_min + (_arr(w) + 1.0) / 2.0 * (self.g_max - self.g_min)

    # -- response --------------------------------------------------------------------
    @abstractmethod
    def _shape(self, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The family's (q₊, q₋) at w, before asymmetry (smooth and finite for any w)."""

    @abstractmethod
    def _spice_shape(self, w: str) -> tuple[str, str]:
        """ngspice expressions of :meth:`_shape` at the expression ``w``."""

    def response(self, x: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        """(q₊, q₋) at conductance ``x`` [S]: one pulse moves g by Δg_min·q± [1].

        q₊ is 0 at g_max and q₋ is 0 at g_min (a pulse cannot pass the bound).
        """
        x = _arr(x)
        qp, qm = self._shape(np.clip(self.normalized(x), -1.0, 1.0))
        qp = np.where(x >= self.g_max, 0.0, (1.0 + self.asymmetry) * qp)
        qm = np.where(x <= self.g_min, 0.0, (1.0 - self.asymmetry) * qm)
        return qp, qm

    def pulse(self, x: np.ndarray | float, polarity: np.ndarray | float,
              n: np.ndarray | int = 1) -> np.ndarray:
        """Conductances after ``n`` identical pulses [S], exactly (pulse by pulse).

        Args:
            x: conductances [S] within [g_min, g_max], any shape.
            polarity: +1 potentiation, −1 depression, 0 none (broadcast against ``x``).
            n: number of pulses (≥ 0, broadcast against ``x``).
        """
        x, pol, n = np.broadcast_arrays(_arr(x), np.sign(_arr(polarity)), np.asarray(n))
        if np.any(n < 0):
            raise DeviceModelError(f"{self.name}: pulse count must be >= 0")
        g = self.check_state(x).copy()
        for k in range(int(n.max(initial=0))):
            qp, qm = self.response(g)
            step = np.where(pol > 0, qp, -qm) * self.dg_min
            g = np.where((k < n) & (pol != 0), np.clip(g + step, self.g_min, self.g_max), g)
        return g

    def symmetric_point(self) -> float:
        """The conductance where G = (q₋ − q₊)/2 changes sign [S].

        The middle of the range when G vanishes there; a bound when G keeps one
        sign inside (the state drifts there under balanced pulses).
        """
        mid = 0.5 * (self.g_min + self.g_max)

        def asym(g: float) -> float:
            qp, qm = self.response(g)
            return float(qm - qp) / 2.0

        if asym(mid) == 0.0:
            return mid
        return float(brentq(asym, self.g_min, self.g_max, xtol=1e-15 * self.g_max, rtol=1e-14))

    # -- state equation --------------------------------------------------------------
    def dxdt(self, v: np.ndarray | float, x: np.ndarray | float) -> np.ndarray:
        """dg/dt = Δg_min/t_pulse·[q₊·σ(V − v_th) − q₋·σ(−V − v_th)] with bound windows [S/s]."""
        v, x = _arr(v), _arr(x)
        w = self.normalized(x)
        qp, qm = self._shape(w)
        up = (1.0 + self.asymmetry) * qp * window(1.0 - w, W_SMOOTH)
        down = (1.0 - self.asymmetry) * qm * window(1.0 + w, W_SMOOTH)
        return self.dg_min / self.t_pulse * (up * logistic(v - self.v_th, V_SMOOTH)
                                             - down * logistic(-v - self.v_th, V_SMOOTH))

    def spice_conductance(self, x: str) -> str:
        return f"({x})"

    def spice_dxdt(self, v: str, x: str) -> str:
        span = self.g_max - self.g_min
        w = f"(2*(({x})-{num(self.g_min)})/{num(span)}-1)"
        qp, qm = self._spice_shape(w)
        up = f"{num(1.0 + self.asymmetry)}*{qp}*{spice_window(f'1-{w}', W_SMOOTH)}"
        down = f"{num(1.0 - self.asymmetry)}*{qm}*{spice_window(f'1+{w}', W_SMOOTH)}"
        return (f"({num(self.dg_min / self.t_pulse)}*({up}*"
                f"{spice_logistic(f'({v})-{num(self.v_th)}', V_SMOOTH)}-{down}*"
                f"{spice_logistic(f'-({v})-{num(self.v_th)}', V_SMOOTH)}))")


@dataclass(frozen=True)
class LinearStep(ResponseDevice):
    """Constant step: q₊ = q₋ = 1 until the bound."""

    name: ClassVar[str] = "linear_step"

    def _shape(self, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        one = np.ones_like(w)
        return one, one.copy()

    def _spice_shape(self, w: str) -> tuple[str, str]:
        return "1", "1"


@dataclass(frozen=True)
class SoftBounds(ResponseDevice):
    """Soft bounds: q₊ = 1 − w, q₋ = 1 + w (steps shrink linearly towards each bound)."""

    name: ClassVar[str] = "soft_bounds"

    def _shape(self, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return 1.0 - w, 1.0 + w

    def _spice_shape(self, w: str) -> tuple[str, str]:
        return f"(1-{w})", f"(1+{w})"


@dataclass(frozen=True)
class _ShapedResponse(ResponseDevice):
    """A response with a scale τ (in w) and an exponent γ."""

    tau: float = 1.0
    """Scale of the response in normalized w, τ ≥ 1 (q₊ vanishes at w = τ) [1]."""
    gamma: float = 2.0
    """Nonlinearity exponent γ > 0 [1]."""

    def check(self) -> None:
        super().check()
        if self.tau < 1.0 or self.gamma <= 0:
            raise DeviceModelError(f"{self.name}: need tau >= 1 and gamma > 0, "
                                   f"got tau={self.tau!r}, gamma={self.gamma!r}")


@dataclass(frozen=True)
class PowerResponse(_ShapedResponse):
    """Power response: q₊ = (1 − w/τ)^γ, q₋ = (1 + w/τ)^γ.

    The bases are floored at 0 (beyond w = ±τ, outside the range unless τ = 1,
    where the boundary window already stops the state), so q± stay real.
    """

    name: ClassVar[str] = "power_response"

    def _shape(self, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (np.maximum(1.0 - w / self.tau, 0.0) ** self.gamma,
                np.maximum(1.0 + w / self.tau, 0.0) ** self.gamma)

    def _spice_shape(self, w: str) -> tuple[str, str]:
        t, g = num(self.tau), num(self.gamma)
        return f"pow(max(1-{w}/{t},0),{g})", f"pow(max(1+{w}/{t},0),{g})"


@dataclass(frozen=True)
class ExpResponse(_ShapedResponse):
    """Exponential response: q₊ = (e^(γ(1 − w/τ)) − 1)/(e^γ − 1), q₋ its mirror."""

    name: ClassVar[str] = "exp_response"

    def _shape(self, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        d = np.expm1(self.gamma)
        return (np.expm1(self.gamma * (1.0 - w / self.tau)) / d,
                np.expm1(self.gamma * (1.0 + w / self.tau)) / d)

    def _spice_shape(self, w: str) -> tuple[str, str]:
        t, g, d = num(self.tau), num(self.gamma), num(float(np.expm1(self.gamma)))
        return (f"((exp({g}*(1-{w}/{t}))-1)/{d})", f"((exp({g}*(1+{w}/{t}))-1)/{d})")


RESPONSE_DEVICES: tuple[type[ResponseDevice], ...] = (LinearStep, SoftBounds, PowerResponse,
                                                       ExpResponse)
"""The response-function families, in registry order."""
