"""ngspice and the numeric engine agree on random networks, inputs and nudges."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spicelearn.engines import NumericEngine
from spicelearn.engines.ngspice import NgspiceEngine
from spicelearn.network.crossbar import Crossbar, build_crossbar
from spicelearn.network.layered import (
    DiodePair,
    LayeredNetwork,
    build_layered,
    init_conductances,
    layer_shapes,
)

TOLERANCE = 1e-6  # V: the DC sweep's agreement with the tight default options


@pytest.fixture(scope="module")
def engines():
    ng = NgspiceEngine()
    yield ng, NumericEngine()
    ng.close()


@st.composite
def layered_circuits(draw):
    n_in = draw(st.integers(1, 4))
    hidden = tuple(draw(st.lists(st.integers(1, 5), min_size=0, max_size=2)))
    n_out = draw(st.integers(1, 3))
    differential = draw(st.booleans())
    bias = tuple(draw(st.lists(st.sampled_from([0.5, -0.5, 1.0]), min_size=0, max_size=2)))
    kind = draw(st.sampled_from(["spice", "ideal", "none"]))
    diode = DiodePair(
        kind=kind,
        IS=draw(st.sampled_from([1e-14, 1e-12, 1e-9])),
        N=draw(st.sampled_from([1.0, 1.5])),
        g_on=draw(st.sampled_from([1e-3, 1e-2])),
        v_smooth=draw(st.sampled_from([1e-3, 1e-2])),
        v_hi=draw(st.sampled_from([0.0, 0.2])),
        v_lo=draw(st.sampled_from([0.0, -0.3])),
    )
    amp = draw(st.sampled_from([0.0, 1.0, 2.0, 4.0])) if hidden else 0.0
    seed = draw(st.integers(0, 2**16))
    shapes = layer_shapes(n_in, hidden, n_out, differential, len(bias))
    g = init_conductances(shapes, 1e-5, 1e-2, 1e-4, 1e-3, np.random.default_rng(seed))
    return build_layered(LayeredNetwork(
        n_in, hidden, n_out, g, differential=differential, bias=bias, diode=diode,
        amplifier_gain=amp, load_resistance=draw(st.sampled_from([0.0, 1e3]))))


@st.composite
def crossbar_circuits(draw):
    rows, cols = draw(st.integers(1, 5)), draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**16))
    g = np.random.default_rng(seed).uniform(1e-5, 1e-3, (rows, cols))
    return build_crossbar(Crossbar(
        conductances=g, r_wire=draw(st.sampled_from([0.0, 2.0, 50.0])),
        termination=draw(st.sampled_from(["resistor", "virtual_ground"])),
        r_term=draw(st.sampled_from([100.0, 1000.0]))))


@settings(max_examples=20, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(circuit=st.one_of(layered_circuits(), crossbar_circuits()),
       batch=st.integers(1, 6), seed=st.integers(0, 2**16), nudged=st.booleans())
def test_engines_agree_on_random_circuits(engines, circuit, batch, seed, nudged):
    ng, num = engines
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, (batch, circuit.n_features))
    nudges = None
    if nudged and circuit.nudges:
        nudges = rng.uniform(-1e-4, 1e-4, (batch, len(circuit.nudges)))
    a = ng.settle(circuit, x, nudges)
    b = num.settle(circuit, x, nudges)
    assert a.nodes == b.nodes
    assert np.abs(a.v - b.v).max() <= TOLERANCE
    assert np.abs(a.dv - b.dv).max() <= 2 * TOLERANCE
