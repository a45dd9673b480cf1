"""Conduction of the activation diodes, and the ablation that takes them out."""

from __future__ import annotations

import numpy as np
import pytest
from netbuild import layered

from spicelearn.engines.ngspice import NgspiceEngine
from spicelearn.engines.numeric import NumericEngine
from spicelearn.engines.regime import diode_currents, measure_conduction
from spicelearn.network.ablate import without_activations
from spicelearn.network.layered import DiodePair

CLAMP = DiodePair("ideal", v_smooth=1e-3, v_hi=0.05, v_lo=-0.05)
TO_GROUND = DiodePair("spice", IS=1e-14, N=1.0)  # knee near 0.6 V: never reached at ±0.5 V


@pytest.fixture(scope="module")
def x() -> np.ndarray:
    return np.random.default_rng(1).uniform(-0.5, 0.5, (64, 3))


def test_clamping_network_conducts_on_most_samples(x: np.ndarray) -> None:
    c = layered(3, [6], 2, CLAMP)
    s = NumericEngine().settle(c, x)
    cond = measure_conduction(c, s)
    assert set(cond.by_layer) == {1}
    assert len(cond.diodes) == 12
    assert cond.by_layer[1] > 0.1
    # each hidden node is clamped from one side at a time: at most one diode of a pair conducts
    _, nodes, i = diode_currents(c, s)
    assert cond.overall <= 0.5 + 1e-12
    hv = s.v[:, [s.nodes.index(n) for n in nodes[::2]]]
    assert np.all(np.abs(hv) < 0.5)


def test_diodes_to_ground_never_conduct_at_half_a_volt(x: np.ndarray) -> None:
    c = layered(3, [6], 2, TO_GROUND)
    cond = measure_conduction(c, NumericEngine().settle(c, x))
    assert cond.by_layer == {1: 0.0}
    assert cond.overall == 0.0


def test_two_hidden_layers_reported_separately(x: np.ndarray) -> None:
    c = layered(3, [5, 4], 2, CLAMP)
    cond = measure_conduction(c, NumericEngine().settle(c, x))
    assert set(cond.by_layer) == {1, 2}
    assert len(cond.diodes) == 18


def test_no_diodes_no_share(x: np.ndarray) -> None:
    c = layered(3, [6], 2, DiodePair("none"))
    cond = measure_conduction(c, NumericEngine().settle(c, x))
    assert cond.by_layer == {} and cond.overall == 0.0


def test_threshold_counts_against_the_mean_device_current(x: np.ndarray) -> None:
    c = layered(3, [6], 2, CLAMP)
    s = NumericEngine().settle(c, x)
    assert measure_conduction(c, s, threshold=0.0).overall > measure_conduction(c, s).overall
    assert measure_conduction(c, s, threshold=1e6).overall == 0.0


def test_ablation_removes_diodes_and_their_bias_sources() -> None:
    c = layered(3, [6], 2, CLAMP)
    a = without_activations(c)
    kinds = {el.kind for el in a.elements}
    assert "B" not in kinds and "D" not in kinds
    assert not any(el.name in ("Vdhi", "Vdlo") for el in a.elements)
    assert len(a.elements) == len(c.elements) - 12 - 2
    np.testing.assert_array_equal(a.g, c.g)


def test_ablation_changes_a_conducting_network_only(x: np.ndarray) -> None:
    eng = NumericEngine()
    lin = layered(3, [6], 2, TO_GROUND)
    d_lin = np.abs(eng.settle(lin, x).outputs - eng.settle(without_activations(lin), x).outputs)
    assert d_lin.max() < 1e-9
    nl = layered(3, [6], 2, CLAMP)
    d_nl = np.abs(eng.settle(nl, x).outputs - eng.settle(without_activations(nl), x).outputs)
    assert d_nl.max() > 1e-3


def test_ablated_circuit_settles_in_ngspice_like_numeric(x: np.ndarray) -> None:
    a = without_activations(layered(3, [6], 2, CLAMP))
    with NgspiceEngine() as ng:
        v_ng = ng.settle(a, x).v
    assert np.max(np.abs(v_ng - NumericEngine().settle(a, x).v)) < 1e-9
