"""The HP linear ion drift memristor and its window functions (Joglekar, Biolek, Prodromakis).

Strukov et al., Nature 453:80 (2008): a TiO₂ film of thickness D whose doped
(conducting) fraction x ∈ [0, 1] grows with the charge that flows:

    R(x) = R_on·x + R_off·(1 − x),   I = V / R(x)   (ohmic at fixed x),
    dx/dt = k·i·f(x, i),   k = μ_v·R_on / D²  [1/(A·s)].

The read conductance is g(x) = 1/R(x); x = 1 is ON (R_on), x = 0 is OFF (R_off);
a positive current (a → b) increases x.

Made well-posed for simulation (the same in numpy, the B-source rendering and
the Verilog-A modules in ``device_models/``):

* The resistance only ever sees the **clipped state** x̃ = clip(x): the identity
  on [0, 1], continued outside by ``1 + w·tanh((x − 1)/w)`` above 1 and
  ``w·tanh(x/w)`` below 0 with w = R_on / (2(R_off − R_on)) (twice continuously
  differentiable). So R ≥ R_on/2 > 0 for any state a Newton iteration may try:
  no division by zero. The windows are evaluated at x̃ too (bounded rates).
* The linear drift without window ("none") and Biolek's window move the state
  through the **current split** i = i₊ − i₋ (up to |i| ≲ i_step):

      i₊ = i²/√(i² + i_step²) · ½(1 + tanh(i/(2·i_step))) ≥ 0,
      i₋ = i²/√(i² + i_step²) · ½(1 − tanh(i/(2·i_step))) ≥ 0,
      dx/dt = k·(i₊·F₊(x̃) − i₋·F₋(x̃)),

  with F₊ vanishing at x = 1 and F₋ at x = 0, so that [0, 1] is exactly
  invariant (dx/dt ≤ 0 at x = 1, ≥ 0 at x = 0, for any current) and a state
  outside is pushed back. This is Biolek's ``stp(−i)`` made smooth without
  letting the state creep past a bound at small currents.
* Joglekar's and Prodromakis' windows vanish at both bounds whatever the
  current (that is their published behaviour, including the terminal-state
  problem at x = 0 and x = 1); they keep [0, 1] invariant as they are.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..errors import DeviceModelError
from .model import DeviceModel, _arr
from .smooth import num


def soft_clip(x: np.ndarray | float, w: float) -> np.ndarray:
    """The identity on [0, 1], saturating smoothly to (−w, 1 + w) outside [state unit]."""
    x = _arr(x)
    hi = 1.0 + w * np.tanh((x - 1.0) / w)
    lo = w * np.tanh(x / w)
    return np.where(x > 1.0, hi, np.where(x < 0.0, lo, x))


def spice_soft_clip(x: str, w: float) -> str:
    """ngspice expression of :func:`soft_clip`."""
    return (f"(({x})>1 ? 1+{num(w)}*tanh((({x})-1)/{num(w)}) : "
            f"(({x})<0 ? {num(w)}*tanh(({x})/{num(w)}) : ({x})))")


def current_split(i: np.ndarray | float, i_step: float) -> tuple[np.ndarray, np.ndarray]:
    """(i₊, i₋) [A]: nonnegative smooth parts of ``i`` with i₊ − i₋ → i for |i| ≫ i_step."""
    i = _arr(i)
    mag = i * i / np.sqrt(i * i + i_step * i_step)
    t = np.tanh(i / (2.0 * i_step))
    return mag * 0.5 * (1.0 + t), mag * 0.5 * (1.0 - t)


def spice_current_split(i: str, i_step: float) -> tuple[str, str]:
    """ngspice expressions of :func:`current_split`."""
    mag = f"(({i})*({i})/sqrt(({i})*({i})+{num(i_step * i_step)}))"
    t = f"tanh(({i})/{num(2.0 * i_step)})"
    return f"({mag}*0.5*(1+{t}))", f"({mag}*0.5*(1-{t}))"


class ResistanceBetweenBounds:
    """State → conductance of a device whose resistance moves linearly between
    ``r_off`` (x = 0) and ``r_on`` (x = 1): R = R_off − (R_off − R_on)·clip(x), the
    state clipped smoothly (:func:`soft_clip`) so that R never reaches 0. Mixed into
    device models with ``r_on`` and ``r_off`` fields [Ω] (HP drift family, VTEAM).
    """

    @property
    def clip_width(self) -> float:
        """w = R_on / (2(R_off − R_on)) [1]: how far the clipped state reaches beyond [0, 1]."""
        return 0.5 * self.r_on / (self.r_off - self.r_on)

    def conductance(self, x: np.ndarray | float) -> np.ndarray:
        """g(x) = 1 / (R_off − (R_off − R_on)·clip(x)) [S]."""
        return 1.0 / (self.r_off - (self.r_off - self.r_on) * soft_clip(x, self.clip_width))

    def state_of(self, g: np.ndarray | float) -> np.ndarray:
        """x = (R_off − 1/g) / (R_off − R_on) [1]."""
        return (self.r_off - 1.0 / _arr(g)) / (self.r_off - self.r_on)

    def spice_conductance(self, x: str) -> str:
        clipped = spice_soft_clip(x, self.clip_width)
        return f"(1/({num(self.r_off)}-{num(self.r_off - self.r_on)}*{clipped}))"


@dataclass(frozen=True)
class _IonDrift(ResistanceBetweenBounds, DeviceModel):
    """Common part of the HP family: resistance, read conductance, drift constant."""

    source: ClassVar[str] = ("Strukov, Snider, Stewart, Williams, Nature 453:80 (2008); "
                             "typical values R_on = 100 Ω, R_off = 16 kΩ, D = 10 nm, "
                             "μ_v = 1e-14 m²/(V·s)")

    r_on: float = 100.0
    """ON resistance, at x = 1 [Ω]."""
    r_off: float = 16e3
    """OFF resistance, at x = 0 [Ω]."""
    d: float = 10e-9
    """Film thickness D [m]."""
    mu_v: float = 1e-14
    """Dopant mobility μ_v [m²/(V·s)]."""

    def check(self) -> None:
        if self.r_on <= 0:
            raise DeviceModelError(f"{self.name}: r_on must be > 0 Ω, got {self.r_on!r}")
        if self.r_off <= self.r_on:
            raise DeviceModelError(f"{self.name}: r_off must exceed r_on = {self.r_on!r} Ω, "
                                   f"got {self.r_off!r}")
        if self.d <= 0 or self.mu_v <= 0:
            raise DeviceModelError(f"{self.name}: d and mu_v must be > 0, got d={self.d!r} m, "
                                   f"mu_v={self.mu_v!r} m²/(V·s)")

    @property
    def drift_rate(self) -> float:
        """k = μ_v·R_on/D² [1/(A·s)]: dx/dt per ampere without window."""
        return self.mu_v * self.r_on / (self.d * self.d)

    def dxdt(self, v: np.ndarray | float, x: np.ndarray | float) -> np.ndarray:
        """dx/dt = k·i·f(x, i) with i = g(x)·V [1/s]."""
        i = self.current(v, x)
        return self.drift_rate * self._windowed(i, x)

    def spice_dxdt(self, v: str, x: str) -> str:
        i = f"({self.spice_conductance(x)}*({v}))"
        return f"({num(self.drift_rate)}*{self._spice_windowed(i, x)})"

    @abstractmethod
    def _windowed(self, i: np.ndarray, x: np.ndarray | float) -> np.ndarray:
        """i·f(x, i) [A]."""

    @abstractmethod
    def _spice_windowed(self, i: str, x: str) -> str:
        """ngspice expression of i·f(x, i)."""


@dataclass(frozen=True)
class LinearIonDrift(_IonDrift):
    """HP linear ion drift without window: dx/dt = k·i inside [0, 1].

    Bounded by the current split with boundary windows F₊ = tanh((1 − x)/b),
    F₋ = tanh(x/b): the drift is k·i (to within e^(−2·dist/b)) farther than a
    few b from a bound and stops exactly on the bound.
    """

    name: ClassVar[str] = "linear_ion_drift"
    verilog_a: ClassVar[str | None] = "linear_ion_drift.va"

    boundary: float = 0.01
    """Width b of the boundary layer where the drift stops [1]."""
    i_step: float = 1e-9
    """Width of the smooth current sign i_step [A]."""

    def check(self) -> None:
        super().check()
        if not 0 < self.boundary <= 0.5:
            raise DeviceModelError(f"{self.name}: boundary must be in (0, 0.5], "
                                   f"got {self.boundary!r}")
        if self.i_step <= 0:
            raise DeviceModelError(f"{self.name}: i_step must be > 0 A, got {self.i_step!r}")

    def _windowed(self, i: np.ndarray, x: np.ndarray | float) -> np.ndarray:
        ip, im = current_split(i, self.i_step)
        xc = soft_clip(x, self.clip_width)
        return ip * np.tanh((1.0 - xc) / self.boundary) - im * np.tanh(xc / self.boundary)

    def _spice_windowed(self, i: str, x: str) -> str:
        ip, im = spice_current_split(i, self.i_step)
        xc = spice_soft_clip(x, self.clip_width)
        b = num(self.boundary)
        return f"({ip}*tanh((1-{xc})/{b})-{im}*tanh({xc}/{b}))"


def _check_p(model: DeviceModel, p: float, lowest: float) -> None:
    if p < lowest:
        raise DeviceModelError(f"{model.name}: window exponent p must be >= {lowest:g}, "
                               f"got {p!r}")


@dataclass(frozen=True)
class Joglekar(_IonDrift):
    """HP drift with Joglekar's window f(x) = 1 − (2x − 1)^(2p).

    Joglekar and Wolf, Eur. J. Phys. 30:661 (2009). The window is evaluated at
    the clipped state; ``(2x − 1)^(2p)`` is computed as ``((2x − 1)²)^p``.
    """

    name: ClassVar[str] = "joglekar"
    source: ClassVar[str] = ("Joglekar & Wolf, Eur. J. Phys. 30:661 (2009), on the HP drift "
                             "of Strukov et al., Nature 453:80 (2008); R_on = 100 Ω, "
                             "R_off = 16 kΩ, D = 10 nm, μ_v = 1e-14 m²/(V·s), p = 2")
    verilog_a: ClassVar[str | None] = "joglekar.va"

    p: float = 2.0
    """Window exponent p (≥ 1; larger is flatter) [1]."""

    def check(self) -> None:
        super().check()
        _check_p(self, self.p, 1.0)

    def _windowed(self, i: np.ndarray, x: np.ndarray | float) -> np.ndarray:
        xc = soft_clip(x, self.clip_width)
        return i * (1.0 - ((2.0 * xc - 1.0) ** 2) ** self.p)

    def _spice_windowed(self, i: str, x: str) -> str:
        xc = spice_soft_clip(x, self.clip_width)
        return f"({i}*(1-pow((2*{xc}-1)*(2*{xc}-1),{num(self.p)})))"


@dataclass(frozen=True)
class Biolek(_IonDrift):
    """HP drift with Biolek's window f(x, i) = 1 − (x − stp(−i))^(2p).

    Biolek, Biolek, Biolková, Radioengineering 18:210 (2009). Written with the
    current split: F₊(x) = 1 − x^(2p) for i > 0, F₋(x) = 1 − (1 − x)^(2p) for
    i < 0, so the state cannot stick at a bound and never creeps past one.
    """

    name: ClassVar[str] = "biolek"
    source: ClassVar[str] = ("Biolek, Biolek, Biolková, Radioengineering 18:210 (2009), on the "
                             "HP drift of Strukov et al., Nature 453:80 (2008); R_on = 100 Ω, "
                             "R_off = 16 kΩ, D = 10 nm, μ_v = 1e-14 m²/(V·s), p = 2")
    verilog_a: ClassVar[str | None] = "biolek.va"

    p: float = 2.0
    """Window exponent p (≥ 1; larger is flatter) [1]."""
    i_step: float = 1e-9
    """Width of the smooth step stp(−i) [A]."""

    def check(self) -> None:
        super().check()
        _check_p(self, self.p, 1.0)
        if self.i_step <= 0:
            raise DeviceModelError(f"{self.name}: i_step must be > 0 A, got {self.i_step!r}")

    def _windowed(self, i: np.ndarray, x: np.ndarray | float) -> np.ndarray:
        ip, im = current_split(i, self.i_step)
        xc = soft_clip(x, self.clip_width)
        return ip * (1.0 - (xc * xc) ** self.p) - im * (1.0 - ((1.0 - xc) ** 2) ** self.p)

    def _spice_windowed(self, i: str, x: str) -> str:
        ip, im = spice_current_split(i, self.i_step)
        xc = spice_soft_clip(x, self.clip_width)
        p = num(self.p)
        return (f"({ip}*(1-pow({xc}*{xc},{p}))"
                f"-{im}*(1-pow((1-{xc})*(1-{xc}),{p})))")


@dataclass(frozen=True)
class Prodromakis(_IonDrift):
    """HP drift with Prodromakis' window f(x) = j·(1 − ((x − ½)² + ¾)^p).

    Prodromakis, Peh, Papavassiliou, Toumazou, IEEE Trans. Electron Devices
    58:3099 (2011). The window is evaluated at the clipped state; its base is
    ≥ ¾, so any p > 0 is well defined.
    """

    name: ClassVar[str] = "prodromakis"
    source: ClassVar[str] = ("Prodromakis et al., IEEE Trans. Electron Devices 58:3099 (2011), "
                             "on the HP drift of Strukov et al., Nature 453:80 (2008); "
                             "R_on = 100 Ω, R_off = 16 kΩ, D = 10 nm, μ_v = 1e-14 m²/(V·s), "
                             "p = 10, j = 1")
    verilog_a: ClassVar[str | None] = "prodromakis.va"

    p: float = 10.0
    """Window exponent p (> 0; larger is flatter) [1]."""
    j: float = 1.0
    """Window scale j (0 < j ≤ 1) [1]."""

    def check(self) -> None:
        super().check()
        if self.p <= 0:
            raise DeviceModelError(f"{self.name}: window exponent p must be > 0, got {self.p!r}")
        if not 0 < self.j <= 1:
            raise DeviceModelError(f"{self.name}: window scale j must be in (0, 1], "
                                   f"got {self.j!r}")

    def _windowed(self, i: np.ndarray, x: np.ndarray | float) -> np.ndarray:
        xc = soft_clip(x, self.clip_width)
        return i * self.j * (1.0 - ((xc - 0.5) ** 2 + 0.75) ** self.p)

    def _spice_windowed(self, i: str, x: str) -> str:
        xc = spice_soft_clip(x, self.clip_width)
        return (f"({i}*{num(self.j)}*(1-pow(({xc}-0.5)*({xc}-0.5)+0.75,{num(self.p)})))")
