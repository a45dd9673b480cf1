"""Gradient alignment of every rule with the exact gradient, against β or η.

On 32 training samples of Iris, for the linear network of ``iris_omega.toml`` and the
network with clamping diodes of ``iris_coupled.toml``: each rule's batch estimate of
∂L/∂g settled in ngspice, against the numeric engine's adjoint gradient (cosine).
Writes ``OUT/rules_alignment.md`` (the table of the README).

    python examples/rules_alignment.py [OUT]        # OUT defaults to runs/rules_alignment
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import numpy as np

from spicelearn.engines.ngspice import NgspiceEngine
from spicelearn.engines.numeric import NumericEngine
from spicelearn.fileio import write_atomic
from spicelearn.learning.nudging import Nudging
from spicelearn.learning.rules import CoupledLearning, EqProp, OmegaLearning
from spicelearn.run_config import parse_run_config
from spicelearn.runs.training import prepare

EXAMPLES = Path(__file__).resolve().parent
BETAS = (1e-7, 1e-6, 1e-5, 1e-4)
ETAS = (1.0, 0.5, 0.1, 0.01)
OMEGA_ETAS = (1e-6, 1e-5, 1e-4)


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def _exact(circuit, cost, x, y) -> np.ndarray:
    e = NumericEngine()
    out = []
    for i in range(len(x)):
        free = e.settle(circuit, x[i:i + 1])
        dl = cost.grad(free.outputs, y[i:i + 1], circuit.differential)
        out.append(e.adjoint_gradient(circuit, free, dl).ravel())
    return np.mean(out, axis=0)


def alignment(example: str) -> dict[str, list[float]]:
    raw = tomllib.loads((EXAMPLES / f"{example}.toml").read_text())
    setup = prepare(parse_run_config(raw))
    c, ds = setup.circuit, setup.dataset
    x, y = ds.x_train[:32], setup.targets(ds.y_train[:32])
    exact = _exact(c, setup.cost, x, y)
    rows: dict[str, list[float]] = {}
    with NgspiceEngine() as e:
        rows["EqProp, positive"] = [_cos(EqProp(setup.cost, Nudging.positive(b)).estimate(
            e, c, x, y).grad, exact) for b in BETAS]
        rows["EqProp, centered"] = [_cos(EqProp(setup.cost, Nudging.centered(b)).estimate(
            e, c, x, y).grad, exact) for b in BETAS]
        rows["coupled learning"] = [_cos(CoupledLearning(setup.cost, eta, 100.0).estimate(
            e, c.with_clamps(), x, y).grad, exact) for eta in ETAS]
        if not c.models:  # Ω-learning needs a linear network
            rows["Ω-learning"] = [_cos(OmegaLearning(setup.cost, eta).estimate(
                e, c, x, y).grad, exact) for eta in OMEGA_ETAS]
    return rows


def main(out: Path) -> None:
    lin, dio = alignment("iris_omega"), alignment("iris_coupled")
    setting = {"EqProp, positive": "β = " + " / ".join(f"{b:g}" for b in BETAS) + " S",
               "EqProp, centered": "β = " + " / ".join(f"{b:g}" for b in BETAS) + " S",
               "coupled learning": "η = " + " / ".join(f"{v:g}" for v in ETAS),
               "Ω-learning": "η = " + " / ".join(f"{v:g}" for v in OMEGA_ETAS) + " S"}
    lines = ["| rule | setting | linear network (`iris_omega`) | with clamping diodes "
             "(`iris_coupled`) |", "|---|---|---|---|"]
    for rule, label in setting.items():
        a = " / ".join(f"{v:.6f}" for v in lin[rule])
        b = " / ".join(f"{v:.6f}" for v in dio[rule]) if rule in dio else "(refused: diodes)"
        lines.append(f"| {rule} | {label} | {a} | {b} |")
    out.mkdir(parents=True, exist_ok=True)
    write_atomic(out / "rules_alignment.md", "\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("runs/rules_alignment"))
