"""The example configs reach their targets (ideal devices, ngspice, default configs)."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

from spicelearn.learning.trainer import make_engine, train
from spicelearn.run_config import parse_run_config
from spicelearn.runs.training import prepare

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _train(name: str, epochs: int | None = None):
    raw = tomllib.loads((EXAMPLES / f"{name}.toml").read_text())
    if epochs is not None:
        raw["training"]["epochs"] = epochs
    setup = prepare(parse_run_config(raw))
    assert setup.training.engine == "ngspice"
    with make_engine(setup.training.engine, setup.training.workers) as engine:
        return train(setup, engine, progress=False).metrics


def test_xor_reaches_100_percent():
    m = _train("xor")
    assert m[-1]["test_acc"] == 1.0 and m[-1]["train_acc"] == 1.0


def test_iris_reaches_95_percent_and_93_percent_within_10_seconds():
    m = _train("iris")
    assert m[-1]["test_acc"] >= 0.95
    first = next(r for r in m if r["test_acc"] >= 0.93)
    assert first["cum_train_time"] < 10.0


@pytest.mark.slow
def test_breast_cancer_reaches_95_percent():
    assert _train("breast_cancer")[-1]["test_acc"] >= 0.95


@pytest.mark.slow
def test_digits_reach_90_percent_in_two_epochs():
    # the full 10 epochs (96 %, README) take minutes; the example passes 90 % at epoch 1
    assert _train("digits", epochs=2)[-1]["test_acc"] >= 0.90


def test_numeric_and_ngspice_train_alike():
    raw = tomllib.loads((EXAMPLES / "iris.toml").read_text())
    raw["network"]["hidden"] = [4]
    raw["training"]["epochs"] = 3
    out = {}
    for engine in ("numeric", "ngspice"):
        raw["training"]["engine"] = engine
        setup = prepare(parse_run_config(raw))
        with make_engine(engine) as e:
            out[engine] = train(setup, e, progress=False)
    a, b = out["numeric"], out["ngspice"]
    n_test = len(setup.dataset.y_test)
    for ra, rb in zip(a.metrics, b.metrics, strict=True):
        assert abs(ra["test_acc"] - rb["test_acc"]) * n_test <= 1.0 + 1e-9
        assert abs(ra["loss"] - rb["loss"]) <= 1e-3 * ra["loss"]
    rel = np.abs(a.circuit.g - b.circuit.g) / a.circuit.g
    assert rel.max() < 1e-3


def test_python_api_example_runs_and_agrees():
    """examples/python_api.py: both engines agree and EqProp matches the adjoint."""
    out = subprocess.run([sys.executable, str(EXAMPLES / "python_api.py")],
                         capture_output=True, text=True,
                         timeout=120, check=True).stdout
    dv = float(re.search(r"V_numeric\| = (\S+) V", out).group(1))
    cosine = float(re.search(r"cosine (\S+),", out).group(1))
    assert dv <= 1e-6 and cosine >= 0.999
