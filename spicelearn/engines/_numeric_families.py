"""The nonlinear two-terminal elements of the numeric engine, family by family.

Every nonlinear element carries a current ``I(V)`` from its first terminal to its
second, ``V`` the voltage between them. Elements are grouped into families, each
evaluating the current and its slope for all its members at once, vectorized
over a batch of samples; the MNA keeps them in one list (terminal arrays
``d_a``, ``d_c``) and each family knows its positions in it. The families:

* :class:`SpiceDiodes` — SPICE junction diodes (IS, N), with ``pnjlim`` limiting
  of the junction voltage between Newton steps (:mod:`._numeric_diodes`);
* :class:`IdealDiodes` — the smooth ideal diodes (g_on, v_s);
* :class:`NonlinearDevices` — programmable devices of a non-ohmic model,
  ``I = g·h(V)``, ``∂I/∂V = g·h'(V)`` (the model's numpy twin).

A new kind of nonlinear element is one more :class:`Family` subclass.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from ..devices.model import DeviceModel
from ._numeric_diodes import VT, critical_voltage, ideal_diode, limit_junction, spice_diode


@dataclass(frozen=True, eq=False)
class Family(ABC):
    """Nonlinear elements of one kind.

    Attributes:
        index: (n,) positions of the members in the MNA's nonlinear list.
    """

    index: np.ndarray

    @abstractmethod
    def iv(self, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(B, n) currents [A] and slopes ∂I/∂V [S] at (B, n) voltages [V]."""

    def limit(self, v_new: np.ndarray, v_old: np.ndarray) -> np.ndarray:
        """The voltages [V] Newton's next companion model uses (default: ``v_new``)."""
        return v_new


@dataclass(frozen=True, eq=False)
class SpiceDiodes(Family):
    """SPICE junction diodes: saturation currents ``IS`` [A], emission coefficients ``N``."""

    IS: np.ndarray
    N: np.ndarray

    def iv(self, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return spice_diode(v, self.IS, self.N)

    def limit(self, v_new: np.ndarray, v_old: np.ndarray) -> np.ndarray:
        return limit_junction(v_new, v_old, self.N * VT, critical_voltage(self.IS, self.N))


@dataclass(frozen=True, eq=False)
class IdealDiodes(Family):
    """Smooth ideal diodes: on conductances ``g_on`` [S], knee widths ``v_s`` [V]."""

    g_on: np.ndarray
    v_s: np.ndarray

    def iv(self, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return ideal_diode(v, self.g_on, self.v_s)


@dataclass(frozen=True, eq=False)
class NonlinearDevices(Family):
    """Programmable devices of a non-ohmic model: ``I = g·h(V)`` at read conductances ``g`` [S].

    ``devices`` (n,) are their positions in the circuit's device order.
    """

    model: DeviceModel
    g: np.ndarray
    devices: np.ndarray

    def iv(self, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.g * self.model.shape(v), self.g * self.model.shape_slope(v)


def _columns(f: Family) -> slice | np.ndarray:
    """``f.index`` as a slice when it is a contiguous range (no copies when indexing)."""
    idx = f.index
    if len(idx) and np.array_equal(idx, np.arange(idx[0], idx[0] + len(idx))):
        return slice(int(idx[0]), int(idx[0]) + len(idx))
    return idx


def evaluate(families: tuple[Family, ...], v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(B, n_d) currents [A] and slopes [S] of every nonlinear element at (B, n_d) voltages."""
    if len(families) == 1 and len(families[0].index) == v.shape[1]:
        return families[0].iv(v)
    i = np.empty_like(v)
    g = np.empty_like(v)
    for f in families:
        cols = _columns(f)
        i[:, cols], g[:, cols] = f.iv(v[:, cols])
    return i, g


def limit(families: tuple[Family, ...], v_new: np.ndarray,
          v_old: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every family's limited voltages [V], written into ``v_new``, and (B,) whether a
    sample's voltages were changed (families that do not limit leave theirs)."""
    changed = np.zeros(v_new.shape[0], dtype=bool)
    for f in families:
        if type(f).limit is Family.limit:
            continue
        cols = _columns(f)
        raw = v_new[:, cols]
        out = f.limit(raw, v_old[:, cols])
        changed |= np.any(out != raw, axis=1)
        v_new[:, cols] = out
    return v_new, changed
