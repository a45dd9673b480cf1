"""Smooth replacements for the hard switches of published memristor models.

Each function has a numpy form and an ngspice form that compute the same number
(the ngspice forms are B-source expressions; the Verilog-A modules in
``device_models/`` spell out the same formulas):

* ``softplus(u, w) = w·ln(1 + e^(u/w))``: a smooth ``max(u, 0)``, exponentially
  close to it for ``|u| ≫ w``. Written ``max(u, 0) + w·ln(1 + e^(−|u|/w))`` so
  that nothing overflows (ngspice silently clips ``exp`` arguments above ~228);
  the two pieces are not smooth on their own but their sum is.
* ``logistic(u, w) = 1/(1 + e^(−u/w)) = ½(1 + tanh(u/(2w)))``: a smooth ``stp(u)``,
  written with ``tanh`` so that nothing overflows.
* ``window(d, w) = tanh(d/w)``: a boundary window that is 1 well inside
  (``d ≫ w``), 0 on the boundary (``d = 0``) and negative beyond it, so that a
  state driven towards a bound stops exactly on it and is pushed back if it
  starts outside.
"""

from __future__ import annotations

import numpy as np


def _arr(v: np.ndarray | float) -> np.ndarray:
    return np.asarray(v, dtype=float)


def softplus(u: np.ndarray | float, w: float) -> np.ndarray:
    """w·ln(1 + e^(u/w)) [unit of u], elementwise."""
    return w * np.logaddexp(0.0, _arr(u) / w)


def logistic(u: np.ndarray | float, w: float) -> np.ndarray:
    """1/(1 + e^(−u/w)) [1], elementwise."""
    return 0.5 * (1.0 + np.tanh(_arr(u) / (2.0 * w)))


def window(d: np.ndarray | float, w: float) -> np.ndarray:
    """tanh(d/w) [1]: 0 at a bound (d = 0), 1 inside (d ≫ w), negative beyond."""
    return np.tanh(_arr(d) / w)


def num(x: float) -> str:
    """A float as the shortest text that reads back to the same value (``repr``)."""
    return repr(float(x))


def spice_softplus(u: str, w: float) -> str:
    """ngspice expression of ``softplus(u, w)``."""
    return f"(max({u},0)+{num(w)}*ln(1+exp(-abs({u})/{num(w)})))"


def spice_logistic(u: str, w: float) -> str:
    """ngspice expression of ``logistic(u, w)``."""
    return f"(0.5*(1+tanh(({u})/{num(2.0 * w)})))"


def spice_window(d: str, w: float) -> str:
    """ngspice expression of ``window(d, w)``."""
    return f"tanh(({d})/{num(w)})"
