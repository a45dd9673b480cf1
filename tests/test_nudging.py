"""Nudged phases and the EqProp estimator against the exact adjoint gradient."""

from __future__ import annotations

import numpy as np
import pytest
from netbuild import layered

from spicelearn.engines import NumericEngine
from spicelearn.errors import ConfigError
from spicelearn.learning.costs import MSE, nudge_currents
from spicelearn.learning.eqprop import eqprop_gradient
from spicelearn.learning.nudging import Nudging, make_nudging, settle_phases
from spicelearn.network.layered import DiodePair


class RecordingEngine(NumericEngine):
    """The real numeric engine, recording what each settle call was given."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[bool, object]] = []

    def settle(self, circuit, inputs, nudges=None, warm=None):
        self.calls.append((nudges is not None, warm))
        return super().settle(circuit, inputs, nudges, warm)


def batch(circuit, n=4, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.uniform(-0.5, 0.5, (n, circuit.n_features)),
            rng.uniform(-0.2, 0.2, (n, circuit.n_classes)))


def exact_gradient(engine, circuit, x, y, cost):
    s = engine.settle(circuit, x)
    return engine.adjoint_gradient(circuit, s, cost.grad(s.outputs, y, circuit.differential))


def rel_err(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


def test_constructors_and_validation():
    assert Nudging.positive(0.1) == Nudging(0.0, 0.1)
    assert Nudging.negative(0.1) == Nudging(-0.1, 0.0)
    assert Nudging.centered(0.1) == Nudging(-0.1, 0.1)
    assert make_nudging("centered", 2.0) == Nudging(-2.0, 2.0)
    for bad in (0.0, -1.0, float("nan")):
        with pytest.raises(ConfigError):
            Nudging.centered(bad)
    with pytest.raises(ConfigError):
        Nudging(0.1, 0.1)
    with pytest.raises(ConfigError):
        make_nudging("sideways", 0.1)


def test_zero_beta_phase_is_the_free_phase_and_nudged_phases_start_warm():
    c = layered(2, [3], 2, DiodePair("spice", IS=1e-9))
    x, y = batch(c)
    engine = RecordingEngine()
    phases = settle_phases(engine, c, x, y, MSE(), Nudging.positive(1e-5))
    assert phases.s1 is phases.free
    assert len(engine.calls) == 2
    assert engine.calls[0] == (False, None)
    assert engine.calls[1][0] and engine.calls[1][1] is phases.free
    engine.calls.clear()
    centered = settle_phases(engine, c, x, y, MSE(), Nudging.centered(1e-5))
    # centered: both nudged phases in one call of 2B samples, warm from the free phase
    assert len(engine.calls) == 2 and centered.s1 is not centered.free
    warm = engine.calls[1][1]
    assert engine.calls[1][0] and np.array_equal(warm.v, np.concatenate([centered.free.v] * 2))
    unit = nudge_currents(MSE(), centered.free.outputs, y, c.differential, 1.0)
    for beta, phase in ((-1e-5, centered.s1), (1e-5, centered.s2)):
        alone = NumericEngine().settle(c, x, nudges=beta * unit)
        assert np.max(np.abs(phase.v - alone.v)) < 1e-12
        assert np.max(np.abs(phase.dv - alone.dv)) < 1e-12


def test_positive_nudge_moves_predictions_towards_the_target():
    c = layered(2, [3], 2, DiodePair("spice", IS=1e-9))
    x, y = batch(c)
    cost = MSE()
    phases = settle_phases(NumericEngine(), c, x, y, cost, Nudging.positive(1e-4))
    free = cost.value(phases.free.outputs, y, True)
    nudged = cost.value(phases.s2.outputs, y, True)
    assert np.all(nudged < free)


def test_linear_network_one_sided_is_first_order_centered_exact():
    # Linear circuit: ΔV is affine in β, so ½ΔV² is quadratic and the centered
    # difference is exact; the one-sided bias is ½β·u² per device, linear in β.
    c = layered(2, [3], 2, DiodePair(kind="none"))
    x, y = batch(c)
    engine, cost = NumericEngine(), MSE()
    exact = exact_gradient(engine, c, x, y, cost)
    errs = {}
    for beta in (1e-4, 1e-5):
        for kind in ("positive", "negative", "centered"):
            est = eqprop_gradient(settle_phases(engine, c, x, y, cost, make_nudging(kind, beta)))
            errs[kind, beta] = rel_err(est, exact)
    for kind in ("positive", "negative"):
        assert errs[kind, 1e-4] / errs[kind, 1e-5] == pytest.approx(10.0, rel=1e-3)
        assert 1e-3 < errs[kind, 1e-5] < 1e-2  # measured 1.37e-3
    assert errs["centered", 1e-4] < 1e-9


def test_centered_error_is_second_order_on_a_diode_network():
    c = layered(2, [3], 2, DiodePair("spice", IS=1e-9))
    x, y = batch(c)
    engine, cost = NumericEngine(), MSE()
    exact = exact_gradient(engine, c, x, y, cost)
    one = [rel_err(eqprop_gradient(settle_phases(engine, c, x, y, cost, Nudging.positive(b))),
                   exact) for b in (1e-4, 1e-5)]
    cen = [rel_err(eqprop_gradient(settle_phases(engine, c, x, y, cost, Nudging.centered(b))),
                   exact) for b in (1e-4, 1e-5)]
    assert one[0] / one[1] == pytest.approx(10.0, rel=0.05)
    assert 50 < cen[0] / cen[1] < 200  # ~β²: measured 100
    assert cen[0] < 1e-4 * one[0]


@pytest.mark.parametrize("gain", [2.0, 4.0])
def test_amplifiers_scale_the_estimate_by_a_power_of_the_gain_per_layer(gain):
    # Measured: EqProp on a network with k amplifiers between a layer and the
    # outputs gives the exact gradient of that layer times A^(-2k), direction exact.
    c = layered(3, [4, 3], 2, DiodePair("spice", IS=1e-9), amp=gain, seed=2)
    x, y = batch(c, n=8, seed=1)
    engine, cost = NumericEngine(), MSE()
    exact = exact_gradient(engine, c, x, y, cost)
    est = eqprop_gradient(settle_phases(engine, c, x, y, cost, Nudging.centered(1e-7)))
    n_layers = len(c.layer_sizes)
    for layer, sl in enumerate(c.layer_slices(), start=1):
        scale = gain ** (-2 * (n_layers - layer))
        assert rel_err(est[:, sl], scale * exact[:, sl]) < 1e-6


@pytest.mark.parametrize("gain", [2.0, 4.0])
def test_compensated_eqprop_follows_the_exact_gradient_with_amplifiers(gain):
    from spicelearn.learning.rules import EqProp, compensate_amplifiers

    c = layered(3, [4, 3], 2, DiodePair("spice", IS=1e-9), amp=gain, seed=2)
    assert c.layer_amplification == (gain ** 2, gain, 1.0)
    x, y = batch(c, n=8, seed=1)
    engine, cost = NumericEngine(), MSE()
    exact = exact_gradient(engine, c, x, y, cost)
    est = compensate_amplifiers(c, eqprop_gradient(
        settle_phases(engine, c, x, y, cost, Nudging.centered(1e-7))))
    assert rel_err(est, exact) < 1e-6
    step = EqProp(cost, Nudging.centered(1e-7)).estimate(engine, c, x, y)
    assert rel_err(step.grad, exact.mean(axis=0)) < 1e-6
    raw = EqProp(cost, Nudging.centered(1e-7), compensate=False).estimate(engine, c, x, y)
    assert rel_err(raw.grad, exact.mean(axis=0)) > 0.1
