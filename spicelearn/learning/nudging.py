"""Nudged phases: the free phase and two nudged phases (β1, β2).

Nudging adds βC to the circuit's energy. In the circuit it is
a current ``I_j = −β ∂C/∂V_j`` injected into every output node j, computed from
the free-phase outputs; β is in S (the cost C is in V², so βC is a co-content in W).

Variants (β > 0): positive (0, β), negative (−β, 0), centered (−β, +β). A phase
with β = 0 is the free phase itself and is not settled again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engines.base import Engine, Settled
from ..errors import ConfigError
from ..network.circuit import Circuit
from .costs import Cost, nudge_currents


@dataclass(frozen=True)
class Nudging:
    """The pair of nudging strengths (β1, β2) [S], β1 < β2."""

    beta1: float
    beta2: float

    def __post_init__(self) -> None:
        if not (np.isfinite(self.beta1) and np.isfinite(self.beta2)):
            raise ConfigError("nudging strengths must be finite")
        if not self.beta1 < self.beta2:
            raise ConfigError(
                f"nudging needs beta1 < beta2, got ({self.beta1!r}, {self.beta2!r})"
            )

    @staticmethod
    def _check(beta: float) -> float:
        beta = float(beta)
        if not (np.isfinite(beta) and beta > 0):
            raise ConfigError(f"nudging strength beta must be > 0, got {beta!r}")
        return beta

    @classmethod
    def positive(cls, beta: float) -> Nudging:
        """(0, β): one nudged phase towards the target."""
        b = cls._check(beta)
        return cls(0.0, b)

    @classmethod
    def negative(cls, beta: float) -> Nudging:
        """(−β, 0): one nudged phase away from the target."""
        b = cls._check(beta)
        return cls(-b, 0.0)

    @classmethod
    def centered(cls, beta: float) -> Nudging:
        """(−β, +β): two nudged phases; the estimate's bias is O(β²)."""
        b = cls._check(beta)
        return cls(-b, b)


NUDGINGS = {"positive": Nudging.positive, "negative": Nudging.negative,
            "centered": Nudging.centered}
"""Every nudging by its config name (``training.nudging``): name → factory of β."""


def make_nudging(kind: str, beta: float) -> Nudging:
    """A :class:`Nudging` by name (``positive``, ``negative``, ``centered``)."""
    factory = NUDGINGS.get(kind)
    if factory is None:
        raise ConfigError(f"unknown value '{kind}' for 'training.nudging' "
                          f"(known: {', '.join(NUDGINGS)})")
    return factory(beta)


@dataclass(frozen=True)
class Phases:
    """The settled phases of one batch.

    ``free`` is the free phase; ``s1``/``s2`` the phases nudged with ``beta1``/``beta2``
    (the same object as ``free`` where that β is 0).
    """

    free: Settled
    s1: Settled
    s2: Settled
    beta1: float
    beta2: float


def settle_phases(engine: Engine, circuit: Circuit, inputs: np.ndarray, targets: np.ndarray,
                  cost: Cost, nudging: Nudging) -> Phases:
    """Settle the free phase, then the two nudged phases warm-started from it.

    Args:
        engine: the engine that settles every phase.
        circuit: the circuit (its current conductances).
        inputs: (B, n_features) input voltages [V].
        targets: (B, n_classes) targets for ``cost``.
        cost: the cost on the output voltages.
        nudging: (β1, β2) [S].

    The nudge currents ``I = −β·∂C/∂V`` [A] are computed once from the free-phase
    outputs (``costs.nudge_currents``) and scaled by each β. When both β are
    non-zero (centered nudging) the two nudged phases are settled in one call of
    2B samples (one ngspice sweep instead of two).
    """
    free = engine.settle(circuit, inputs)
    unit = nudge_currents(cost, free.outputs, np.asarray(targets, dtype=float),
                          circuit.differential, 1.0)
    b1, b2 = nudging.beta1, nudging.beta2
    if b1 != 0.0 and b2 != 0.0:
        x = np.asarray(inputs, dtype=float)
        both = engine.settle(circuit, np.concatenate([x, x]),
                             nudges=np.concatenate([b1 * unit, b2 * unit]),
                             warm=_stacked(free, free))
        s1, s2 = _halves(both)
        return Phases(free=free, s1=s1, s2=s2, beta1=b1, beta2=b2)

    def phase(beta: float) -> Settled:
        if beta == 0.0:
            return free
        return engine.settle(circuit, inputs, nudges=beta * unit, warm=free)

    return Phases(free=free, s1=phase(b1), s2=phase(b2), beta1=b1, beta2=b2)


def _stacked(a: Settled, b: Settled) -> Settled:
    """Two settled batches of the same circuit as one batch (a's samples first)."""
    return Settled(nodes=a.nodes, v=np.concatenate([a.v, b.v]), dv=np.concatenate([a.dv, b.dv]),
                   outputs=np.concatenate([a.outputs, b.outputs]))


def _halves(s: Settled) -> tuple[Settled, Settled]:
    """Split a batch of 2B samples into its two halves."""
    h = s.batch // 2
    return (Settled(nodes=s.nodes, v=s.v[:h], dv=s.dv[:h], outputs=s.outputs[:h]),
            Settled(nodes=s.nodes, v=s.v[h:], dv=s.dv[h:], outputs=s.outputs[h:]))
