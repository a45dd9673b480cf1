"""The Equilibrium-Propagation gradient estimator.

A programmable device of read conductance g between nodes a and b carries
``I = g·h(ΔV)``, ``ΔV = V_a − V_b`` (its device model); its energy term is its
co-content ``∫₀^ΔV I(u) du = g·H(ΔV)`` with ``H(V) = ∫₀^V h(u) du`` the model's
``shape_integral``, so ``∂E/∂g = H(ΔV)`` — ``½·ΔV²`` for an ohmic device. The
estimate of the loss gradient is the finite difference in β

    dL/dg ≈ [∂E/∂g(s_β2) − ∂E/∂g(s_β1)] / (β2 − β1)
          = [H(ΔV(s_β2)) − H(ΔV(s_β1))] / (β2 − β1).

With the nudge current ``I = −β·∂C/∂V`` injected into the outputs, the nudged
equilibrium is stationary in E + βC, and the limit β → 0 is +dC/dg exactly for a
reciprocal circuit (a symmetric MNA Jacobian; a two-terminal device whose current
depends on its own voltage only keeps it symmetric). Positive or negative
nudging is biased O(β), centered nudging O(β²). The bidirectional amplifiers of
the layered networks are not reciprocal; there the estimate is not the exact
gradient (see :class:`~spicelearn.learning.rules.EqProp` for the A^(2k) compensation).
"""

from __future__ import annotations

import numpy as np

from ..devices.model import DeviceModel
from .nudging import Phases


def energy_gradient(dv: np.ndarray, model: DeviceModel | None = None) -> np.ndarray:
    """∂E/∂g = H(ΔV) [V²] for (B, n_devices) device voltages ΔV [V].

    ``model`` is the devices' model (its ``shape_integral`` H); None or an ohmic
    model gives ``½·ΔV²``.
    """
    dv = np.asarray(dv, dtype=float)
    if model is None or model.ohmic:
        return 0.5 * dv**2
    return model.shape_integral(dv)


def eqprop_gradient(phases: Phases, model: DeviceModel | None = None) -> np.ndarray:
    """(B, n_devices) EqProp estimate of dC/dg [V²/S] from the phases (β1, β2).

    ``[H(ΔV(s_β2)) − H(ΔV(s_β1))] / (β2 − β1)`` per sample and device, H of the
    devices' ``model`` (``½·ΔV²`` when None or ohmic).
    """
    return (energy_gradient(phases.s2.dv, model) - energy_gradient(phases.s1.dv, model)) / (
        phases.beta2 - phases.beta1
    )
