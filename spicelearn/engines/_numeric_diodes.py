"""Diode currents as ngspice computes them in DC, and SPICE junction limiting.

SPICE junction diode (ngspice ``dioload.c`` DC branch, no series resistance,
no breakdown), with ``nvt = N·vt`` and ``vt = k·T/q`` at TNOM = 300.15 K:

* forward, ``V ≥ −3·nvt``: ``I = IS·(exp(V/nvt) − 1) + gmin·V``,
  ``dI/dV = IS/nvt·exp(V/nvt) + gmin``;
* reverse, ``V < −3·nvt``: ``I = −IS·(1 + a³) + gmin·V`` with ``a = 3·nvt/(V·e)``,
  ``dI/dV = 3·IS·a³/V + gmin``.

k = 1.38064852e-23 J/K and q = 1.6021766208e-19 C are ngspice 39's CONSTboltz
and CHARGE (checked: a diode deck solved by ``ngspice -b`` matches these to
3e-13 A and not the CODATA-2018 values, which miss by 7.5e-7 A).

Ideal behavioural diode (``device_models/ideal_diode.lib``):
``I = g_on/2·(V + sqrt(V² + v_s²) − v_s)``, ``dI/dV = g_on/2·(1 + V/sqrt(V² + v_s²))``.
"""

from __future__ import annotations

import numpy as np

from ..network.circuit import CHARGE, CONST_BOLTZ, TNOM, VT

__all__ = ["CHARGE", "CONST_BOLTZ", "GMIN", "TNOM", "VT", "critical_voltage", "ideal_diode",
           "limit_junction", "spice_diode"]

GMIN = 1e-12
"""The junction shunt conductance ngspice adds to every diode (``.options gmin``) [S]."""


def spice_diode(v: np.ndarray, IS: np.ndarray, N: np.ndarray,
                gmin: float = GMIN) -> tuple[np.ndarray, np.ndarray]:
    """Current [A] and conductance [S] of SPICE junction diodes at voltages v [V].

    ``v`` (B, n_d); ``IS``, ``N`` (n_d,). Equations in the module docstring.
    """
    nvt = N * VT
    forward = v >= -3.0 * nvt
    ev = np.exp(np.minimum(v / nvt, 700.0))  # only guards against overflow
    i_f = IS * (ev - 1.0)
    g_f = IS / nvt * ev
    vr = np.where(forward, -1.0, v)  # avoid dividing by 0 where unused
    a3 = (3.0 * nvt / (vr * np.e)) ** 3
    i_r = -IS * (1.0 + a3)
    g_r = 3.0 * IS * a3 / vr
    i = np.where(forward, i_f, i_r) + gmin * v
    g = np.where(forward, g_f, g_r) + gmin
    return i, g


def ideal_diode(v: np.ndarray, g_on: np.ndarray,
                v_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Current [A] and conductance [S] of ideal behavioural diodes at voltages v [V]."""
    root = np.sqrt(v * v + v_s * v_s)
    return 0.5 * g_on * (v + root - v_s), 0.5 * g_on * (1.0 + v / root)


def critical_voltage(IS: np.ndarray, N: np.ndarray) -> np.ndarray:
    """SPICE's ``vcrit = nvt·ln(nvt/(√2·IS))`` [V]: where the exponential gets steep."""
    nvt = N * VT
    return nvt * np.log(nvt / (np.sqrt(2.0) * IS))


def limit_junction(v_new: np.ndarray, v_old: np.ndarray, nvt: np.ndarray,
                   vcrit: np.ndarray) -> np.ndarray:
    """SPICE3 ``pnjlim``: limit a forward junction-voltage step to a logarithmic one.

    Where ``v_new > vcrit`` and ``|v_new − v_old| > 2·nvt``:
    ``v = v_old + nvt·ln(1 + (v_new − v_old)/nvt)`` if ``v_old > 0`` (or ``vcrit``
    when that logarithm's argument is ≤ 0), else ``v = nvt·ln(v_new/nvt)``.
    """
    step = v_new - v_old
    active = (v_new > vcrit) & (np.abs(step) > 2.0 * nvt)
    arg = 1.0 + step / nvt
    from_pos = np.where(arg > 0, v_old + nvt * np.log(np.maximum(arg, 1e-300)), vcrit)
    from_neg = nvt * np.log(np.maximum(v_new, 1e-300) / nvt)
    limited = np.where(v_old > 0, from_pos, from_neg)
    return np.where(active, limited, v_new)
