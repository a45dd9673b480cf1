"""Does a trained circuit use its nonlinearity? Three numbers that say so.

For a trained circuit and a split of its dataset:

* the share of (diode, sample) pairs whose activation diode conducts, per hidden
  layer (:func:`spicelearn.engines.regime.measure_conduction`: forward current
  above 1 % of the mean device current at the diode's node);
* the accuracy of the same circuit with its activation diodes taken out and
  settled again (:func:`spicelearn.network.ablate.without_activations`);
* the accuracy of a linear classifier (logistic regression) on the same split
  and encoding (:mod:`.baseline`);
* the largest voltage across a programmable device and how far its I–V departs
  from ohmic there: ``max |h(ΔV)/ΔV − 1|`` (0 for an ohmic device; a memristor
  model whose sinh I–V is never driven beyond its linear part shows it here).

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
        device_max_dv: largest |ΔV| across a programmable device [V].
        device_departure: largest ``|h(ΔV)/ΔV − 1|`` of the devices' I–V over the
            settled voltages [1] (0 for ohmic devices).
        device_model: the name of the devices' model.
    """

    conduction: dict[int, float]
    accuracy: float
    ablated_accuracy: float | None
    linear_accuracy: float
    n_samples: int
    device_max_dv: float = 0.0
    device_departure: float = 0.0
    device_model: str = "ideal"

    def as_dict(self) -> dict[str, object]:
        return {"conduction": {str(k): v for k, v in self.conduction.items()},
                "accuracy": self.accuracy, "ablated_accuracy": self.ablated_accuracy,
                "linear_accuracy": self.linear_accuracy, "n_samples": self.n_samples,
                "device_max_dv": self.device_max_dv, "device_departure": self.device_departure,
                "device_model": self.device_model}

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
                f"linear baseline (logistic regression) {100 * self.linear_accuracy:.2f} %",
                f"devices ({self.device_model}): |dV| <= {self.device_max_dv:.3g} V, I-V "
                f"departs from ohmic by at most {100 * self.device_departure:.3g} %"]


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
    model = circuit.model
    dv = np.abs(free.dv)
    departure = 0.0
    if not model.ohmic and dv.size:
        v = free.dv[dv > 1e-9]
        departure = float(np.max(np.abs(model.shape(v) / v - 1.0))) if v.size else 0.0
    return NonlinearityCheck(conduction=cond.by_layer, accuracy=acc, ablated_accuracy=ablated,
                             linear_accuracy=linear_baseline_accuracy(x_train, y_train, x,
                                                                      labels),
                             n_samples=len(labels),
                             device_max_dv=float(dv.max()) if dv.size else 0.0,
                             device_departure=departure, device_model=model.name)
