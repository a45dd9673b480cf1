"""Learning rules: settled phases → a gradient estimate → a desired Δg per device.

A :class:`LearningRule` settles whatever phases it needs for a mini-batch and
returns the batch-averaged estimate of ∂L/∂g (n_devices,); the optimizer turns it
into the desired change ``Δg = −η ∂L/∂g`` (optimizers.py) and a programmer
realizes that change on the devices (programmer.py).

:class:`EqProp` (Scellier & Bengio 2017; on resistive circuits Kendall et al.
2020): with nudges (β1, β2) — positive (0, β),
negative (−β, 0) or centered (−β, +β) — and the energy derivative
``∂E/∂g = H(ΔV)`` of each device (the co-content derivative of its model,
``½ ΔV²`` for an ohmic device; eqprop.py),

    ∂L/∂g ≈ [H(ΔV(s_β2)) − H(ΔV(s_β1))] / (β2 − β1),

averaged over the batch. The nudging currents ``I = −β ∂C/∂V`` come from the
cost (costs.py) at the free-phase outputs.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from ..engines.base import Engine, Settled
from ..network.circuit import Circuit
from .costs import Cost
from .eqprop import eqprop_gradient
from .nudging import Nudging, settle_phases


@dataclass(frozen=True)
class RuleStep:
    """One mini-batch worth of learning signal.

    Attributes:
        grad: (n_devices,) batch-mean estimate of ∂L/∂g.
        free: the free phase of the batch (outputs give the loss and accuracy).
        loss: (B,) cost of each sample at the free phase.
    """

    grad: np.ndarray
    free: Settled
    loss: np.ndarray


class LearningRule(ABC):
    """Estimates ∂L/∂g for a mini-batch from settled phases."""

    name = "rule"

    @abstractmethod
    def estimate(self, engine: Engine, circuit: Circuit, inputs: np.ndarray,
                 targets: np.ndarray) -> RuleStep:
        """Settle the phases of a batch and return the batch-mean gradient estimate.

        Args:
            inputs: (B, n_features) input voltages [V].
            targets: (B, n_classes) targets (cost-specific, see data/datasets.py).
        """


class EqProp(LearningRule):
    """Equilibrium Propagation with a two-point nudging pair.

    A bidirectional amplifier (a VCVS of gain A forward, a CCCS of 1/A backward)
    is not reciprocal: the nudge reaching a layer behind k amplifiers is A^k
    times weaker while the free-phase signal is A^k times stronger, so EqProp
    measures that layer's exact gradient times A^(−2k). With ``compensate`` (the
    default) each layer's estimate is multiplied by its
    ``Circuit.layer_amplification`` squared, A^(2k), which restores the gradient.
    """

    name = "eqprop"

    def __init__(self, cost: Cost, nudging: Nudging, compensate: bool = True) -> None:
        self.cost = cost
        self.nudging = nudging
        self.compensate = compensate

    def estimate(self, engine: Engine, circuit: Circuit, inputs: np.ndarray,
                 targets: np.ndarray) -> RuleStep:
        phases = settle_phases(engine, circuit, inputs, targets, self.cost, self.nudging)
        grad = np.asarray(eqprop_gradient(phases, circuit.model), dtype=float).mean(axis=0)
        if self.compensate:
            grad = compensate_amplifiers(circuit, grad)
        loss = self.cost.value(phases.free.outputs, targets, circuit.differential)
        return RuleStep(grad=grad, free=phases.free, loss=loss)


def compensate_amplifiers(circuit: Circuit, grad: np.ndarray) -> np.ndarray:
    """Scale each layer's EqProp estimate by A^(2k) (see :class:`EqProp`).

    ``grad`` is (..., n_devices); a circuit without amplifiers is returned as is.
    """
    amp = circuit.layer_amplification
    if not amp or all(a == 1.0 for a in amp):
        return grad
    out = np.array(grad, dtype=float, copy=True)
    for a, sl in zip(amp, circuit.layer_slices(), strict=True):
        out[..., sl] *= a * a
    return out
