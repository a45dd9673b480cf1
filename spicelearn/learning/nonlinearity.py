"""Does a trained circuit use its nonlinearity? Three numbers that say so.

For a trained circuit and a split of its dataset:

* the share of (diode, sample) pairs whose activation diode conducts, per hidden
  layer (:func:`spicelearn.engines.regime.measure_conduction`: forward current
  above 1 % of the mean device current at the diode's node);
* the accuracy of the same circuit with its activation diodes taken out and
  settled again (:func:`spicelearn.network.ablate.without_activations`);
* the accuracy of a linear classifier (logistic regression) on the same split
  and encoding (:mod:`.baseline`).

A network that never conducts scores the same with and without its diodes, and
about what the linear baseline scores.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engines.base import Engine
from ..engines.regime import measure_conduction
from ..network.ablate import without_activations
from ..network.circuit import Circuit
from .baseline import linear_baseline_accuracy
from .costs import predictions


@dataclass(frozen=True)
class NonlinearityCheck:
    """What the activations did on one split.

    Attributes:
        conduction: hidden layer (1 = first) → share of (diode, sample) pairs that
            conduct [1]; empty for a network without activation diodes.
        accuracy: accuracy of the circuit as trained [1].
        ablated_accuracy: accuracy with the activation diodes removed [1]
            (``None`` without diodes).
        linear_accuracy: logistic regression on the same split and encoding [1].
        n_samples: samples in the split.
    """

    conduction: dict[int, float]
    accuracy: float
    ablated_accuracy: float | None
    linear_accuracy: float
    n_samples: int

    def as_dict(self) -> dict[str, object]:
        return {"conduction": {str(k): v for k, v in self.conduction.items()},
                "accuracy": self.accuracy, "ablated_accuracy": self.ablated_accuracy,
                "linear_accuracy": self.linear_accuracy, "n_samples": self.n_samples}

    def lines(self) -> list[str]:
        """Human-readable lines (used by reports and the CLI)."""
        if self.conduction:
            share = ", ".join(f"layer {k}: {100 * v:.1f} %" for k, v in self.conduction.items())
        else:
            share = "no activation diodes"
        ablated = ("-" if self.ablated_accuracy is None
                   else f"{100 * self.ablated_accuracy:.2f} %")
        return [f"conducting diodes (share of diode-sample pairs): {share}",
                f"accuracy {100 * self.accuracy:.2f} %; without activations {ablated}; "
                f"linear baseline (logistic regression) {100 * self.linear_accuracy:.2f} %"]


def _accuracy(outputs: np.ndarray, labels: np.ndarray, differential: bool) -> float:
    return float(np.mean(np.argmax(predictions(outputs, differential), axis=1) == labels))


def check_nonlinearity(engine: Engine, circuit: Circuit, x: np.ndarray, labels: np.ndarray,
                       x_train: np.ndarray, y_train: np.ndarray) -> NonlinearityCheck:
    """Measure conduction, the ablation and the linear baseline on (x [V], labels).

    ``x_train``/``y_train`` fit the linear baseline (the circuit's training split).
    """
    free = engine.settle(circuit, x)
    cond = measure_conduction(circuit, free)
    acc = _accuracy(free.outputs, labels, circuit.differential)
    ablated = None
    if cond.diodes:
        bare = without_activations(circuit)
        ablated = _accuracy(engine.settle(bare, x).outputs, labels, circuit.differential)
    return NonlinearityCheck(conduction=cond.by_layer, accuracy=acc, ablated_accuracy=ablated,
                             linear_accuracy=linear_baseline_accuracy(x_train, y_train, x,
                                                                      labels),
                             n_samples=len(labels))
