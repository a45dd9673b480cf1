"""The numeric engine against ngspice -b, KCL, analytic crossbars, and its limits."""

from __future__ import annotations

import re
import subprocess

import numpy as np
import pytest

from spicelearn.engines import NumericEngine, _numeric_solve
from spicelearn.engines._numeric_diodes import VT, spice_diode
from spicelearn.engines._numeric_mna import build_mna
from spicelearn.errors import ConvergenceError, InputError
from spicelearn.netlist.render import render_netlist
from spicelearn.network.crossbar import Crossbar, build_crossbar
from spicelearn.network.layered import (
    DiodePair,
    LayeredNetwork,
    build_layered,
    init_conductances,
    layer_shapes,
)
from spicelearn.run_config import load_run_config


def layered(n_in, hidden, n_out, diode=None, amp=0.0, seed=0, bias=(0.5, -0.5)):
    diode = DiodePair("spice") if diode is None else diode
    rng = np.random.default_rng(seed)
    shapes = layer_shapes(n_in, tuple(hidden), n_out, True, len(bias))
    g = init_conductances(shapes, 1e-5, 1e-2, 1e-4, 1e-3, rng)
    return build_layered(LayeredNetwork(n_in, tuple(hidden), n_out, g, bias=bias,
                                        diode=diode, amplifier_gain=amp))


def ngspice_op(circuit, x, tmp_path):
    """Node voltages from `ngspice -b` on the static netlist (16 digits)."""
    text = render_netlist(circuit, x).replace(
        "\n.op\n.end\n", "\n.control\nset numdgt=16\nop\nprint all\n.endc\n.end\n")
    path = tmp_path / "deck.cir"
    path.write_text(text)
    out = subprocess.run(["ngspice", "-b", str(path)], capture_output=True, text=True,
                         timeout=60).stdout
    vals = {}
    for line in out.splitlines():
        m = re.match(r"^\s*(\S+)\s*=\s*([-+0-9.eE]+)\s*$", line)
        if m:
            vals[m.group(1).lower()] = float(m.group(2))
    return np.array([vals.get(n.lower(), vals.get(f"v({n.lower()})", np.nan))
                     for n in circuit.nodes])


def kcl_residual(circuit, settled, x):
    """max |A·x + diode currents − b| over node rows, recomputed from the MNA."""
    mna = build_mna(circuit)
    system = _numeric_solve.make_system(mna)
    b = mna.rhs(x, None)
    full = system.solve(b, None, 1e-13)
    assert np.allclose(full[:, : mna.n_nodes], settled.v, atol=1e-13, rtol=0)
    vg = np.concatenate([settled.v, np.zeros((len(x), 1))], axis=1)
    i_d, _ = system.diodes(vg[:, mna.d_a] - vg[:, mna.d_c])
    r = (mna.A @ full.T).T - b
    for d in range(mna.n_diodes):
        if mna.d_a[d] >= 0:
            r[:, mna.d_a[d]] += i_d[:, d]
        if mna.d_c[d] >= 0:
            r[:, mna.d_c[d]] -= i_d[:, d]
    return np.abs(r[:, : mna.n_nodes]).max()


def test_thermal_voltage_is_ngspices():
    # k = 1.38064852e-23, q = 1.6021766208e-19, T = 300.15 K
    assert VT == pytest.approx(0.025864917007157463, rel=1e-15)


def test_diode_matches_ngspice_deck(tmp_path):
    deck = tmp_path / "d.cir"
    deck.write_text("diode\nV1 a 0 DC 0.6\nR1 a b 1\nD1 b 0 dm\nV2 c 0 DC -0.5\nD2 c 0 dm\n"
                    ".model dm D(IS=1e-9 N=1)\n.options gmin=1e-12 reltol=1e-6 vntol=1e-12\n"
                    ".control\nset numdgt=16\nop\nprint v(b) i(v1) i(v2)\n.endc\n.end\n")
    out = subprocess.run(["ngspice", "-b", str(deck)], capture_output=True, text=True).stdout
    val = {m[0]: float(m[1]) for m in re.findall(r"^(\S+) = (\S+)$", out, re.M)}
    i_fwd, _ = spice_diode(np.array([[val["v(b)"]]]), np.array([1e-9]), np.array([1.0]))
    assert i_fwd[0, 0] == pytest.approx(-val["i(v1)"], rel=1e-10)
    i_rev, _ = spice_diode(np.array([[-0.5]]), np.array([1e-9]), np.array([1.0]))
    assert i_rev[0, 0] == pytest.approx(-val["i(v2)"], rel=1e-12)


@pytest.mark.parametrize("name", ["xor", "iris", "crossbar4x4"])
def test_reference_configs_match_ngspice_op(name, tmp_path):
    circuit = load_run_config(f"examples/{name}.toml").circuit()
    x = np.random.default_rng(3).uniform(-0.5, 0.5, (2, circuit.n_features))
    s = NumericEngine().settle(circuit, x)
    for k in range(2):
        assert np.abs(ngspice_op(circuit, x[k], tmp_path) - s.v[k]).max() < 1e-11


@pytest.mark.parametrize("kind,amp", [("ideal", 0.0), ("spice", 4.0), ("ideal", 2.0)])
def test_amplifiers_and_ideal_diodes_match_ngspice_op(kind, amp, tmp_path):
    c = layered(3, [5, 4], 2, DiodePair(kind=kind, IS=1e-9, v_hi=0.1, v_lo=-0.2), amp=amp)
    x = np.random.default_rng(4).uniform(-1, 1, (2, 3))
    s = NumericEngine().settle(c, x)
    for k in range(2):
        assert np.abs(ngspice_op(c, x[k], tmp_path) - s.v[k]).max() < 1e-11


def test_kcl_holds_at_the_solution():
    c = layered(4, [6], 2, DiodePair("spice", IS=1e-9), amp=3.0)
    x = np.random.default_rng(5).uniform(-1, 1, (8, 4))
    s = NumericEngine().settle(c, x)
    assert kcl_residual(c, s, x) < 1e-15  # A; currents here are ~1e-4 A


def test_crossbar_without_wires_is_analytic():
    g = np.random.default_rng(6).uniform(1e-4, 1e-3, (3, 2))
    c = build_crossbar(Crossbar(conductances=g, r_term=500.0))
    x = np.array([[0.3, -0.2, 0.1]])
    nudge = np.array([[1e-4, -2e-4]])
    s = NumericEngine().settle(c, x, nudges=nudge)
    expected = (x @ g + nudge) / (g.sum(axis=0) + 1 / 500.0)  # nudges inject into the node
    assert np.allclose(s.outputs, expected, atol=1e-15, rtol=1e-12)
    assert np.allclose(s.dv[0].reshape(3, 2), x[0][:, None] - s.outputs[0][None, :], atol=1e-15)


def test_cold_start_converges_for_inputs_within_one_volt_and_warm_start_agrees():
    c = layered(8, [6], 3, DiodePair("spice", IS=1e-14))
    x = np.random.default_rng(7).choice([-1.0, 1.0], size=(50, 8))
    eng = NumericEngine()
    s = eng.settle(c, x)
    assert kcl_residual(c, s, x) < 1e-15
    again = eng.settle(c, x, warm=s)
    assert np.abs(again.v - s.v).max() < 1e-12


def test_sparse_strategy_agrees_with_reduced(monkeypatch):
    c = layered(3, [4], 2, DiodePair("spice", IS=1e-9), amp=2.0)
    x = np.random.default_rng(8).uniform(-0.5, 0.5, (4, 3))
    reduced = NumericEngine().settle(c, x)
    monkeypatch.setattr(_numeric_solve, "MAX_REDUCED", 0)
    eng = NumericEngine()
    assert eng.system(c).strategy == "sparse"
    sparse = eng.settle(c, x)
    assert np.abs(sparse.v - reduced.v).max() < 1e-12


def test_nonconvergence_names_analysis_sample_and_node(monkeypatch):
    c = layered(2, [3], 1, DiodePair("spice", IS=1e-14))
    x = np.array([[0.0, 0.0], [1.0, -1.0]])
    monkeypatch.setattr(_numeric_solve, "MAX_ITER", 2)
    with pytest.raises(ConvergenceError) as info:
        NumericEngine().settle(c, x)
    assert info.value.analysis == "newton"
    assert info.value.sample == 1
    assert info.value.node in c.nodes


def test_bad_warm_start_shape_is_an_input_error():
    c = layered(2, [3], 1)
    eng = NumericEngine()
    s = eng.settle(c, np.zeros((2, 2)))
    with pytest.raises(InputError):
        eng.settle(c, np.zeros((3, 2)), warm=s)


def test_large_network_reduced_strategy_equals_full_newton(monkeypatch):
    """The Schur-complement path (Newton on the 32 diode nodes) is the full solution.

    Speed is measured by `spicelearn bench settle`, not here.
    """
    from spicelearn.engines import _numeric_solve

    c = layered(64, [32], 10, DiodePair("spice", IS=1e-14), bias=(0.5, -0.5))
    assert c.n_devices == 4840
    x = np.random.default_rng(9).uniform(-1, 1, (12, 64))
    reduced = NumericEngine()
    assert reduced.system(c).strategy == "reduced"
    v_reduced = reduced.settle(c, x).v
    monkeypatch.setattr(_numeric_solve, "MAX_REDUCED", 0)
    full = NumericEngine()
    assert full.system(c).strategy == "sparse"
    assert np.max(np.abs(full.settle(c, x).v - v_reduced)) < 1e-11
