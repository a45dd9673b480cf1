"""Device non-idealities for programming: spread, noise, stuck devices, finite levels.

All are off by default and seeded. :class:`NonIdealities` holds the settings;
:class:`DevicePopulation` is one draw of the per-device part (drawn once, from a
seed, so that a resumed run draws the same devices):

* **device-to-device spread** ``device_to_device = σ``: every parameter of the
  model's state equation listed in :data:`SPREAD_PARAMETERS` is multiplied, per
  device, by a log-normal factor of mean 1 and standard deviation σ,
  ``exp(s·z − s²/2)`` with ``s² = ln(1 + σ²)``, z ~ N(0, 1) (positive, so signs and
  orderings of thresholds are kept). The read-out ``g(x)`` and the state bounds
  stay nominal, so the state of every device means the same conductance;
* **cycle-to-cycle noise** ``cycle_to_cycle = σ``: each pulse moves the state by
  its noiseless change times ``1 + σ·z`` (z ~ N(0, 1), fresh per pulse), clipped
  to the state bounds;
* **stuck devices** ``stuck_on``, ``stuck_off``: fractions of the devices whose
  state sits on the bound of highest (lowest) conductance and never moves;
* **finite levels** ``levels = L``: a programmed conductance snaps to the nearest
  of L levels evenly spaced over [g_min, g_max];
* **read noise** ``read_noise = σ``: each read (settle phase) sees the conductance
  times a log-normal factor of mean 1 and standard deviation σ
  (:func:`read_conductances`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType

import numpy as np

from ...errors import DeviceModelError
from ..model import DeviceModel

SPREAD_PARAMETERS: dict[str, tuple[str, ...]] = {
    "linear_ion_drift": ("mu_v", "d"),
    "joglekar": ("mu_v", "d"),
    "biolek": ("mu_v", "d"),
    "prodromakis": ("mu_v", "d"),
    "vteam": ("k_on", "k_off", "v_on", "v_off"),
    "yakopcic": ("ap", "an", "vp", "vn"),
    "mms": ("v_on", "v_off", "tau"),
    "pershin": ("beta", "v_t"),
    "stanford_pku": ("vel0", "gamma0"),
    "linear_step": ("dg_min", "v_th"),
    "soft_bounds": ("dg_min", "v_th"),
    "power_response": ("dg_min", "v_th"),
    "exp_response": ("dg_min", "v_th"),
}
"""Parameters of each model's state equation that ``device_to_device`` spreads
(rates and thresholds; never the read-out range)."""


def lognormal_factors(rng: np.random.Generator, sigma: float,
                      shape: int | tuple[int, ...]) -> np.ndarray:
    """Positive factors of mean 1 and standard deviation ``sigma`` [1].

    ``exp(s·z − s²/2)``, ``s² = ln(1 + σ²)``, z ~ N(0, 1); all ones for σ = 0
    (without drawing).
    """
    if sigma == 0.0:
        return np.ones(shape)
    s = float(np.sqrt(np.log1p(sigma * sigma)))
    return np.exp(s * rng.standard_normal(shape) - 0.5 * s * s)


@dataclass(frozen=True)
class NonIdealities:
    """Programming non-idealities (all off by default)."""

    device_to_device: float = 0.0
    """Relative spread σ of the state-equation parameters, per device, drawn once [1]."""
    cycle_to_cycle: float = 0.0
    """Relative noise σ of each pulse's state change [1]."""
    stuck_on: float = 0.0
    """Fraction of devices stuck at the highest conductance [1]."""
    stuck_off: float = 0.0
    """Fraction of devices stuck at the lowest conductance [1]."""
    levels: int | None = None
    """Number of conductance levels (≥ 2), or None for a continuum."""
    read_noise: float = 0.0
    """Relative noise σ of each read conductance in the settle phases [1]."""

    def __post_init__(self) -> None:
        for key in ("device_to_device", "cycle_to_cycle", "read_noise"):
            v = getattr(self, key)
            if not (isinstance(v, int | float) and np.isfinite(v) and 0.0 <= v < 1.0):
                raise DeviceModelError(f"non-ideality '{key}' must be a relative spread in "
                                       f"[0, 1), got {v!r}")
        for key in ("stuck_on", "stuck_off"):
            v = getattr(self, key)
            if not (isinstance(v, int | float) and np.isfinite(v) and 0.0 <= v <= 1.0):
                raise DeviceModelError(f"non-ideality '{key}' must be a fraction in [0, 1], "
                                       f"got {v!r}")
        if self.stuck_on + self.stuck_off > 1.0:
            raise DeviceModelError(f"stuck_on + stuck_off must not exceed 1, got "
                                   f"{self.stuck_on + self.stuck_off!r}")
        if self.levels is not None and (isinstance(self.levels, bool)
                                        or not isinstance(self.levels, int) or self.levels < 2):
            raise DeviceModelError(f"non-ideality 'levels' must be an integer >= 2 or None, "
                                   f"got {self.levels!r}")

    @property
    def any(self) -> bool:
        """True when any non-ideality is on."""
        return any(getattr(self, f.name) not in (0.0, None) for f in fields(self))


@dataclass(frozen=True)
class DevicePopulation:
    """One draw of the per-device non-idealities of ``n`` devices of one model.

    ``factors`` maps a parameter name to its (n,) multiplicative factors
    (empty without device-to-device spread); ``stuck`` (n,) is +1 for a device
    stuck on (highest conductance), −1 stuck off (lowest), 0 free.
    """

    model: DeviceModel
    factors: Mapping[str, np.ndarray] = field(default_factory=dict)
    stuck: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))

    @classmethod
    def draw(cls, model: DeviceModel, n: int, nonideal: NonIdealities,
             seed: int) -> DevicePopulation:
        """Draw the per-device non-idealities of ``n`` devices from ``seed``.

        Raises:
            DeviceModelError: spread on a model without a state equation or without
                listed parameters, or a drawn device whose parameters are invalid.
        """
        rng = np.random.default_rng(seed)
        factors: dict[str, np.ndarray] = {}
        if nonideal.device_to_device > 0:
            names = SPREAD_PARAMETERS.get(model.name)
            if not model.dynamic or not names:
                raise DeviceModelError(f"device_to_device spreads the state equation's "
                                       f"parameters; model '{model.name}' has none")
            for name in names:
                factors[name] = lognormal_factors(rng, nonideal.device_to_device, n)
        u = rng.random(n)
        stuck = np.where(u < nonideal.stuck_on, 1,
                         np.where(u < nonideal.stuck_on + nonideal.stuck_off, -1, 0))
        population = cls(model, MappingProxyType(factors), stuck.astype(np.int8))
        for i in range(n if factors else 0):
            population.device_model(i)
        return population

    @property
    def n(self) -> int:
        """Number of devices."""
        return int(self.stuck.size)

    @property
    def spread(self) -> bool:
        """True when the devices' parameters differ (device-to-device spread)."""
        return bool(self.factors)

    def device_model(self, i: int) -> DeviceModel:
        """Device ``i``'s own model (scalar parameters, validated).

        Raises:
            DeviceModelError: the drawn parameters are outside the model's range.
        """
        values = {k: getattr(self.model, k) * float(f[i]) for k, f in self.factors.items()}
        try:
            return replace(self.model, **values)
        except DeviceModelError as exc:
            raise DeviceModelError(f"device {i} drawn by device_to_device is invalid: "
                                   f"{exc}") from None

    def batched(self, index: np.ndarray | None = None) -> DeviceModel:
        """The model with each spread parameter an array over devices ``index`` (all by default).

        The result evaluates ``dxdt`` and ``current`` elementwise for states of the
        same shape (one per selected device). It is not validated and not hashable:
        use it only for vectorized evaluation; every device was validated when drawn.
        """
        if not self.factors:
            return self.model
        sel = slice(None) if index is None else index
        batched = object.__new__(type(self.model))
        for f in fields(self.model):
            value = getattr(self.model, f.name)
            if f.name in self.factors:
                value = value * self.factors[f.name][sel]
            object.__setattr__(batched, f.name, value)
        return batched

    def stuck_states(self) -> np.ndarray:
        """(n,) state of each stuck device (at its conductance bound); NaN for free devices."""
        lo, hi = self.model.state_bounds()
        g_lo, g_hi = self.model.conductance(np.array([lo, hi]))
        on, off = (hi, lo) if g_hi > g_lo else (lo, hi)
        return np.where(self.stuck > 0, on, np.where(self.stuck < 0, off, np.nan))

    def pin(self, x: np.ndarray) -> np.ndarray:
        """``x`` with every stuck device at its stuck state."""
        return np.where(self.stuck != 0, self.stuck_states(), x)


def quantize(model: DeviceModel, x: np.ndarray, levels: int | None) -> np.ndarray:
    """States whose conductances snap to the nearest of ``levels`` levels in [g_min, g_max].

    Levels are ``g_min + k·(g_max − g_min)/(levels − 1)``, k = 0 … levels − 1; None
    returns ``x`` unchanged.
    """
    if levels is None:
        return x
    g_min, g_max = model.g_range()
    step = (g_max - g_min) / (levels - 1)
    g = g_min + np.rint((model.conductance(x) - g_min) / step) * step
    lo, hi = model.state_bounds()
    return np.clip(model.state_of(np.clip(g, g_min, g_max)), lo, hi)


def read_conductances(g: np.ndarray, nonideal: NonIdealities,
                      rng: np.random.Generator) -> np.ndarray:
    """Conductances as one read sees them [S]: ``g`` times log-normal read noise.

    The factors have mean 1 and relative standard deviation ``read_noise``; fresh
    per call (one settle phase), drawn from ``rng``. Without read noise ``g`` is
    returned unchanged and nothing is drawn.
    """
    g = np.asarray(g, dtype=float)
    if nonideal.read_noise == 0.0:
        return g
    return g * lognormal_factors(rng, nonideal.read_noise, g.shape)
