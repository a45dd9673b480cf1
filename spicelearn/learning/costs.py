"""Costs on the output node voltages, with their gradients.

Predictions: for differential outputs class k reads ``p_k = V_k⁺ − V_k⁻``;
otherwise ``p_k = V_k``. Output voltages come in ``Circuit.outputs`` order
(``o0p, o0n, o1p, ...`` for differential networks).

* MSE: ``C = ½ Σ_k (p_k − y_k)²`` with target voltages ``y`` (B, n_classes).
* Cross-entropy: ``C = −log softmax(p / T)[label]`` with temperature T [V];
  its targets are one-hot rows (B, n_classes).

Nudging: the current injected into output node j is
``I_j = −β ∂C/∂V_j``, computed from the free-phase outputs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError


def predictions(outputs: np.ndarray, differential: bool) -> np.ndarray:
    """(B, n_classes) class predictions [V] from (B, n_outputs) output voltages."""
    outputs = np.asarray(outputs, dtype=float)
    if differential:
        return outputs[:, 0::2] - outputs[:, 1::2]
    return outputs


def _to_outputs(dp: np.ndarray, differential: bool) -> np.ndarray:
    """Chain rule from ∂C/∂p (B, n_classes) to ∂C/∂V (B, n_outputs)."""
    if not differential:
        return dp
    out = np.empty((dp.shape[0], 2 * dp.shape[1]))
    out[:, 0::2] = dp
    out[:, 1::2] = -dp
    return out


@dataclass(frozen=True)
class MSE:
    """``C = ½ Σ_k (p_k − y_k)²`` per sample."""

    name: str = "mse"

    def value(self, outputs: np.ndarray, y: np.ndarray, differential: bool) -> np.ndarray:
        """(B,) cost per sample."""
        return 0.5 * np.sum((predictions(outputs, differential) - y) ** 2, axis=1)

    def grad(self, outputs: np.ndarray, y: np.ndarray, differential: bool) -> np.ndarray:
        """(B, n_outputs) ∂C/∂V at the outputs [1/V · V² = V]."""
        return _to_outputs(predictions(outputs, differential) - y, differential)


@dataclass(frozen=True)
class CrossEntropy:
    """``C = −log softmax(p / T)[label]`` per sample; targets one-hot."""

    temperature: float = 0.05
    """T [V]: the prediction difference that is worth one nat."""
    name: str = "cross_entropy"

    def _softmax(self, p: np.ndarray) -> np.ndarray:
        z = p / self.temperature
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def value(self, outputs: np.ndarray, y: np.ndarray, differential: bool) -> np.ndarray:
        p = predictions(outputs, differential)
        z = p / self.temperature
        zmax = z.max(axis=1, keepdims=True)
        logz = np.log(np.sum(np.exp(z - zmax), axis=1)) + zmax[:, 0]
        return logz - np.sum(y * z, axis=1)

    def grad(self, outputs: np.ndarray, y: np.ndarray, differential: bool) -> np.ndarray:
        p = predictions(outputs, differential)
        return _to_outputs((self._softmax(p) - y) / self.temperature, differential)


Cost = MSE | CrossEntropy


COSTS: dict[str, type[Cost]] = {"mse": MSE, "cross_entropy": CrossEntropy}
"""Every cost by its config name (``training.cost``)."""
COST_ALIASES = {"xent": "cross_entropy", "ce": "cross_entropy"}
"""Other names accepted for a cost."""


def make_cost(name: str, temperature: float = 0.05) -> Cost:
    """The cost ``name`` (an alias too); cross-entropy at ``temperature`` [V]."""
    cls = COSTS.get(COST_ALIASES.get(name, name))
    if cls is None:
        raise ConfigError(f"unknown cost '{name}' in 'training.cost' (known: {', '.join(COSTS)})")
    if cls is CrossEntropy:
        if temperature <= 0:
            raise ConfigError("config key 'training.temperature' must be > 0")
        return CrossEntropy(temperature=temperature)
    return cls()


def nudge_currents(cost: Cost, outputs: np.ndarray, y: np.ndarray, differential: bool,
                   beta: float) -> np.ndarray:
    """(B, n_outputs) nudging currents ``I = −β ∂C/∂V`` [A] (β in A/V² units of C)."""
    return -beta * cost.grad(outputs, y, differential)
