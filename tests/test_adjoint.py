"""The adjoint gradient against central finite differences of the loss."""

from __future__ import annotations

import numpy as np
import pytest
from netbuild import layered

from spicelearn.engines import NumericEngine, _numeric_solve, adjoint_gradient
from spicelearn.errors import InputError
from spicelearn.learning.costs import MSE, CrossEntropy
from spicelearn.network.crossbar import Crossbar, build_crossbar
from spicelearn.network.layered import DiodePair


def conducting():
    """2-3-2 with IS = 1e-9 A diodes, weights chosen so ±0.5 V inputs turn them on."""
    c = layered(2, [3], 2, DiodePair("spice", IS=1e-9))
    g1 = np.full((6, 3), 1e-5)  # rows x0p x0n x1p x1n b0(+0.5 V) b1(-0.5 V)
    g1[[0, 2], 0] = 1e-3  # h1_0 follows +(x0 + x1)/2
    g1[[1, 3], 1] = 1e-3  # h1_1 follows -(x0 + x1)/2
    g1[[0, 3], 2] = 1e-3  # h1_2 follows (x0 - x1)/2
    return c.with_conductances(np.concatenate([g1.ravel(), c.g[18:] / 10]))


CIRCUITS = {
    "spice_diodes": conducting,
    "ideal_diodes": lambda: layered(2, [3], 2, DiodePair(kind="ideal", v_hi=0.05, v_lo=-0.05)),
    "amplifiers": lambda: layered(2, [3, 2], 1, DiodePair("spice", IS=1e-9), amp=3.0),
    "crossbar_wires": lambda: build_crossbar(Crossbar(
        conductances=np.random.default_rng(1).uniform(1e-4, 1e-3, (3, 2)), r_wire=5.0)),
}


def corner_inputs(rng, n, n_features):
    """Inputs near the corners of the ±0.5 V box (where the diodes conduct)."""
    corners = np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]])
    signs = np.resize(corners, (n, 2))
    signs = np.concatenate([signs] * (n_features // 2 + 1), axis=1)[:, :n_features]
    return 0.5 * signs * rng.uniform(0.9, 1.0, (n, n_features))


def finite_difference(engine, circuit, x, y, cost, rel=1e-4):
    """Central differences of the loss, re-settling with g ± h per device."""
    out = np.zeros((len(x), circuit.n_devices))
    for k in range(circuit.n_devices):
        h = rel * circuit.g[k]
        losses = []
        for sign in (1.0, -1.0):
            g = circuit.g.copy()
            g[k] += sign * h
            s = engine.settle(circuit.with_conductances(g), x)
            losses.append(cost.value(s.outputs, y, circuit.differential))
        out[:, k] = (losses[0] - losses[1]) / (2 * h)
    return out


@pytest.mark.parametrize("name", sorted(CIRCUITS))
def test_adjoint_matches_finite_differences(name):
    circuit = CIRCUITS[name]()
    rng = np.random.default_rng(2)
    x = corner_inputs(rng, 3, circuit.n_features)
    y = rng.uniform(-0.2, 0.2, (3, circuit.n_classes))
    engine, cost = NumericEngine(), MSE()
    s = engine.settle(circuit, x)
    exact = engine.adjoint_gradient(circuit, s, cost.grad(s.outputs, y, circuit.differential))
    fd = finite_difference(engine, circuit, x, y, cost)
    assert np.linalg.norm(exact - fd) / np.linalg.norm(fd) < 1e-5
    assert np.abs(exact - fd).max() / np.abs(fd).max() < 1e-5


def test_spice_diodes_conduct_in_the_gradient_check():
    circuit = CIRCUITS["spice_diodes"]()
    x = corner_inputs(np.random.default_rng(2), 3, 2)
    engine = NumericEngine()
    s = engine.settle(circuit, x)
    system = engine.system(circuit)
    vg = np.concatenate([s.v, np.zeros((3, 1))], axis=1)
    _, g_diode = system.diodes(vg[:, system.mna.d_a] - vg[:, system.mna.d_c])
    # some junction's small-signal conductance rivals a hidden node's devices (~3e-3 S)
    assert g_diode.max() > 1e-3


def test_cross_entropy_and_module_function_agree():
    circuit = CIRCUITS["spice_diodes"]()
    rng = np.random.default_rng(3)
    x = rng.uniform(-0.5, 0.5, (2, 2))
    y = np.eye(2)[[0, 1]]
    engine, cost = NumericEngine(), CrossEntropy(temperature=0.1)
    s = engine.settle(circuit, x)
    dl = cost.grad(s.outputs, y, True)
    exact = adjoint_gradient(circuit, s, dl)
    assert np.allclose(exact, engine.adjoint_gradient(circuit, s, dl), rtol=1e-10, atol=0)
    fd = finite_difference(engine, circuit, x, y, cost)
    assert np.linalg.norm(exact - fd) / np.linalg.norm(fd) < 1e-5


def test_sparse_adjoint_agrees_with_reduced(monkeypatch):
    circuit = CIRCUITS["amplifiers"]()
    x = np.random.default_rng(4).uniform(-0.5, 0.5, (2, 2))
    dl = np.ones((2, 2))
    s = NumericEngine().settle(circuit, x)
    reduced = NumericEngine().adjoint_gradient(circuit, s, dl)
    monkeypatch.setattr(_numeric_solve, "MAX_REDUCED", 0)
    sparse = NumericEngine().adjoint_gradient(circuit, s, dl)
    assert np.allclose(sparse, reduced, rtol=1e-9, atol=1e-12 * np.abs(reduced).max())


def test_wrong_dl_dout_shape_is_an_input_error():
    circuit = CIRCUITS["spice_diodes"]()
    s = NumericEngine().settle(circuit, np.zeros((2, 2)))
    with pytest.raises(InputError):
        adjoint_gradient(circuit, s, np.zeros((2, 3)))
