"""Random networks render to netlists that inspect back to the same circuit."""

from __future__ import annotations

from collections import Counter

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from spicelearn.netlist import inspect_netlist, parse_netlist, render_netlist
from spicelearn.network import (
    Circuit,
    Crossbar,
    DiodePair,
    LayeredNetwork,
    build_crossbar,
    build_layered,
    layer_shapes,
)

_KIND = {"B": "X"}  # ideal diodes render as subcircuit instances


@st.composite
def layered(draw) -> Circuit:
    n_in = draw(st.integers(1, 4))
    hidden = tuple(draw(st.lists(st.integers(1, 4), min_size=0, max_size=2)))
    n_out = draw(st.integers(1, 4))
    differential = draw(st.booleans())
    bias = tuple(draw(st.lists(st.sampled_from([0.5, -0.5, 1.0]), max_size=2)))
    kind = draw(st.sampled_from(["spice", "ideal", "none"]))
    v_hi = draw(st.sampled_from([0.0, 0.3]))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    shapes = layer_shapes(n_in, hidden, n_out, differential, len(bias))
    return build_layered(LayeredNetwork(
        n_in, hidden, n_out, tuple(rng.uniform(1e-4, 1e-3, s) for s in shapes),
        differential=differential, bias=bias, diode=DiodePair(kind=kind, v_hi=v_hi),
        amplifier_gain=draw(st.sampled_from([0.0, 2.0])),
        load_resistance=draw(st.sampled_from([0.0, 1e4]))))


@st.composite
def crossbar(draw) -> Circuit:
    rows, cols = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    return build_crossbar(Crossbar(
        rng.uniform(1e-5, 1e-2, (rows, cols)), r_wire=draw(st.sampled_from([0.0, 1.5])),
        termination=draw(st.sampled_from(["resistor", "virtual_ground"]))))


def _expected_counts(c: Circuit) -> Counter:
    counts = Counter(_KIND.get(el.kind, el.kind) for el in c.elements)
    counts["R"] += c.n_devices
    return +counts


@settings(max_examples=30, deadline=None)
@given(st.one_of(layered(), crossbar()))
def test_rendered_netlist_inspects_back_to_the_circuit(circuit):
    report = inspect_netlist(parse_netlist(render_netlist(circuit)))
    assert Counter(report.counts) == _expected_counts(circuit)
    assert len(report.devices) == circuit.n_devices
    assert report.g_min == min(circuit.g) or abs(report.g_min / min(circuit.g) - 1) < 1e-11
    assert tuple(report.nodes) == circuit.nodes
    assert report.problems == []
