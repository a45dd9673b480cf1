"""The Equilibrium-Propagation gradient estimator (references.md §1).

For a programmable conductance g between nodes a and b the energy term is
``½·g·ΔV²`` (its co-content), so ``∂E/∂g = ½·ΔV²`` with ``ΔV = V_a − V_b``. The
estimate of the loss gradient is the finite difference in β

    dL/dg ≈ [∂E/∂g(s_β2) − ∂E/∂g(s_β1)] / (β2 − β1)
          = [½·ΔV²(s_β2) − ½·ΔV²(s_β1)] / (β2 − β1).

With the nudge current ``I = −β·∂C/∂V`` injected into the outputs, the nudged
equilibrium is stationary in E + βC, and the limit β → 0 is +dC/dg exactly for a
reciprocal circuit (a symmetric MNA Jacobian). Positive or negative nudging is
biased O(β), centered nudging O(β²). The bidirectional amplifiers of the layered
networks are not reciprocal; there the estimate is not the exact gradient (see
docs/engines-numeric.md).
"""

from __future__ import annotations

import numpy as np

from .nudging import Phases


def energy_gradient(dv: np.ndarray) -> np.ndarray:
    """∂E/∂g = ½·ΔV² [V²] for (B, n_devices) device voltages ΔV [V]."""
    return 0.5 * np.asarray(dv, dtype=float) ** 2


def eqprop_gradient(phases: Phases) -> np.ndarray:
    """(B, n_devices) EqProp estimate of dC/dg [V²/S] from the phases (β1, β2).

    ``[½·ΔV²(s_β2) − ½·ΔV²(s_β1)] / (β2 − β1)`` per sample and device.
    """
    return (energy_gradient(phases.s2.dv) - energy_gradient(phases.s1.dv)) / (
        phases.beta2 - phases.beta1
    )
