"""The device seam: what every programmable two-terminal device model provides.

Every model here has a **state** ``x`` (one number per device, within
:meth:`DeviceModel.state_bounds`) and a current that factors into a read
conductance times a shape:

    I(V, x) = g(x) · h(V),   h(0) = 0,  h'(0) = 1.

``g(x)`` [S] is the small-signal (read) conductance at 0 V; ``h(V)`` [V] carries
the nonlinearity of the I–V curve (``h(V) = V`` for an ohmic device, for example
``h(V) = sinh(bV)/b`` for Yakopcic's model). Every memristor model shipped fits
this form: HP drift, metastable switch and threshold memristors are ohmic at a
fixed state; Yakopcic's and the Stanford–PKU currents are a state factor times a
``sinh`` of the voltage.

What the form gives the rest of spicelearn:

* the engines settle ``I = g·h(V)`` with ``∂I/∂V = g·h'(V)`` at frozen state;
* Equilibrium Propagation needs ``∂E/∂g`` of the device's co-content
  ``E = ∫₀^V I(u) du = g·H(V)``, ``H(V) = ∫₀^V h(u) du``; so
  ``∂E/∂g = H(V)`` (``½V²`` only for an ohmic device);
* the adjoint gradient needs ``∂I/∂g = h(V)``;
* programming moves ``x`` through ``dx/dt = f(V, x)`` (the state equation) and the
  learning rules read the result as a new ``g(x)``.

Each model also renders itself for ngspice, as expressions of a voltage and a
state expression (behavioural B-sources), and names its Verilog-A module in
``device_models/``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, fields
from typing import ClassVar

import numpy as np

from ..errors import DeviceModelError


def _arr(v: np.ndarray | float) -> np.ndarray:
    return np.asarray(v, dtype=float)


@dataclass(frozen=True)
class DeviceModel(ABC):
    """A programmable two-terminal device: ``I(V, x) = g(x)·h(V)``.

    Subclasses are frozen dataclasses whose fields are the model's parameters,
    each with a docstring giving meaning and unit. Class attributes:

    * ``name``: the registry key used in configs (``network.devices.model``);
    * ``source``: where the equations come from;
    * ``verilog_a``: the Verilog-A file in ``device_models/`` (or ``None``);
    * ``dynamic``: whether the model has a state equation (the ideal device has none).
    """

    name: ClassVar[str] = ""
    source: ClassVar[str] = ""
    verilog_a: ClassVar[str | None] = None
    dynamic: ClassVar[bool] = True

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, float | int) and not isinstance(v, bool) and not np.isfinite(v):
                raise DeviceModelError(f"{self.name}: parameter '{f.name}' must be finite, "
                                       f"got {v!r}")
        self.check()

    def check(self) -> None:  # noqa: B027 - optional hook: most models check their ranges
        """Raise :class:`DeviceModelError` for parameters outside their physical range."""

    # -- state and read conductance --------------------------------------------
    def state_bounds(self) -> tuple[float, float]:
        """(lowest, highest) state [model unit; 1 for a normalized state]."""
        return (0.0, 1.0)

    @abstractmethod
    def conductance(self, x: np.ndarray | float) -> np.ndarray:
        """Read conductance g(x) = ∂I/∂V at 0 V [S], elementwise."""

    @abstractmethod
    def state_of(self, g: np.ndarray | float) -> np.ndarray:
        """The state whose read conductance is ``g`` [S] (inverse of :meth:`conductance`)."""

    def g_range(self) -> tuple[float, float]:
        """(g_min, g_max) [S]: the read conductances the state bounds reach."""
        lo, hi = self.state_bounds()
        g = self.conductance(np.array([lo, hi]))
        return float(g.min()), float(g.max())

    def check_state(self, x: np.ndarray | float) -> np.ndarray:
        """``x`` as a float array, checked to be finite and within :meth:`state_bounds`.

        Raises:
            DeviceModelError: a state is not finite or lies outside the bounds.
        """
        x = _arr(x)
        lo, hi = self.state_bounds()
        if x.size and (not np.all(np.isfinite(x)) or x.min() < lo or x.max() > hi):
            raise DeviceModelError(f"{self.name}: states must lie in [{lo!r}, {hi!r}], got "
                                   f"values in [{float(x.min())!r}, {float(x.max())!r}]")
        return x

    # -- I–V at frozen state -----------------------------------------------------
    def shape(self, v: np.ndarray | float) -> np.ndarray:
        """h(V) [V]: the I–V shape, I = g·h(V). Ohmic by default."""
        return _arr(v).copy()

    def shape_slope(self, v: np.ndarray | float) -> np.ndarray:
        """h'(V) [1]."""
        return np.ones_like(_arr(v))

    def shape_integral(self, v: np.ndarray | float) -> np.ndarray:
        """H(V) = ∫₀^V h(u) du [V²]: ∂(co-content)/∂g, what EqProp needs."""
        return 0.5 * _arr(v) ** 2

    @property
    def ohmic(self) -> bool:
        """True when h(V) = V (a linear resistor at frozen state)."""
        return type(self).shape is DeviceModel.shape

    def current(self, v: np.ndarray | float, x: np.ndarray | float) -> np.ndarray:
        """I(V, x) = g(x)·h(V) [A], broadcast over devices and samples."""
        return self.conductance(x) * self.shape(v)

    def didv(self, v: np.ndarray | float, x: np.ndarray | float) -> np.ndarray:
        """∂I/∂V = g(x)·h'(V) [S]."""
        return self.conductance(x) * self.shape_slope(v)

    # -- dynamics ----------------------------------------------------------------
    def dxdt(self, v: np.ndarray | float, x: np.ndarray | float) -> np.ndarray:
        """State equation dx/dt = f(V, x) [state unit / s]; zero for a static device."""
        return np.zeros(np.broadcast(_arr(v), _arr(x)).shape)

    # -- ngspice renderings ------------------------------------------------------
    def spice_conductance(self, x: str) -> str:
        """g(x) as an ngspice expression of the state expression ``x``."""
        raise DeviceModelError(f"model '{self.name}' has no behavioural rendering")

    def spice_shape(self, v: str) -> str:
        """h(V) as an ngspice expression of the voltage expression ``v``."""
        return f"({v})"

    def spice_dxdt(self, v: str, x: str) -> str:
        """dx/dt as an ngspice expression (dynamic rendering)."""
        raise DeviceModelError(f"model '{self.name}' has no state equation")

    def parameters(self) -> dict[str, float]:
        """The model's parameters by field name."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def smooth_step(u: np.ndarray | float, width: float) -> np.ndarray:
    """A logistic step 1/(1 + e^(−u/width)): the well-posed form of ``stp(u)``."""
    z = np.clip(_arr(u) / width, -500.0, 500.0)
    return 1.0 / (1.0 + np.exp(-z))
