"""The ngspice engine against the numeric engine and `ngspice -b`, its errors and state."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from pathlib import Path

import numpy as np
import pytest

from spicelearn.engines import NgspiceEngine, NumericEngine
from spicelearn.engines._ngspice_session import session
from spicelearn.engines.bench import LARGE
from spicelearn.errors import ConvergenceError, InputError, SimulationError
from spicelearn.netlist.render import render_netlist
from spicelearn.network.circuit import Circuit, DiodeModel, Element, InputDrive
from spicelearn.network.crossbar import Crossbar, build_crossbar
from spicelearn.network.from_config import build_circuit, network_from_config
from spicelearn.run_config import load_run_config

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def example(name: str) -> Circuit:
    return load_run_config(EXAMPLES / f"{name}.toml").circuit()


def batch(c: Circuit, B: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return (rng.uniform(-0.5, 0.5, (B, c.n_features)),
            rng.normal(0.0, 1e-4, (B, len(c.nudges))))


@pytest.fixture(scope="module")
def engine():
    e = NgspiceEngine()
    yield e
    e.close()


@pytest.mark.parametrize("name", ["crossbar4x4", "xor", "iris"])
def test_agrees_with_numeric_engine(engine, name):
    c = example(name)
    x, n = batch(c, 40)
    for nudges in (None, n):
        got = engine.settle(c, x, nudges)
        ref = NumericEngine().settle(c, x, nudges)
        assert got.nodes == c.nodes
        assert got.v.shape == (40, len(c.nodes))
        assert np.max(np.abs(got.v - ref.v)) < 1e-6
    # the nudges really act: the outputs move by about I / G
    assert np.max(np.abs(engine.settle(c, x, n).outputs - engine.settle(c, x).outputs)) > 1e-4


def test_agrees_with_ngspice_batch_op(engine, tmp_path):
    c = example("xor")
    x, _ = batch(c, 3, seed=4)
    got = engine.settle(c, x)
    for i in range(3):
        deck = render_netlist(c, x[i]).replace(
            ".op\n", ".control\nset numdgt=15\nop\nprint all\n.endc\n")
        (tmp_path / "s.cir").write_text(deck)
        out = subprocess.run(["ngspice", "-b", str(tmp_path / "s.cir")], capture_output=True,
                             text=True, timeout=60).stdout
        vals = {}
        for line in out.splitlines():
            k, eq, v = line.partition(" = ")
            if eq and k.strip().lower() in {n.lower() for n in c.nodes}:
                vals[k.strip()] = float(v)
        ref = np.array([vals[n.lower()] for n in c.nodes])
        assert np.max(np.abs(ref - got.v[i])) < 1e-9


def test_alter_conductances_matches_fresh_load(engine):
    c = example("iris")
    x, n = batch(c, 20, seed=1)
    before = engine.settle(c, x, n)
    g = c.g.copy()
    g[::3] *= 1.7
    c2 = c.with_conductances(g)
    altered = engine.settle(c2, x, n)
    session().reset()  # the next call has to load the netlist afresh
    fresh = NgspiceEngine().settle(c2, x, n)
    assert np.max(np.abs(altered.v - fresh.v)) < 1e-12
    assert np.max(np.abs(altered.v - before.v)) > 1e-3


def test_batch_sizes_in_sequence(engine):
    c = example("iris")
    num = NumericEngine()
    for B in (1, 7, 300):
        x, n = batch(c, B, seed=B)
        assert np.max(np.abs(engine.settle(c, x, n).v - num.settle(c, x, n).v)) < 1e-6


def test_two_circuits_alternately():
    a, b = example("xor"), example("crossbar4x4")
    ea, eb = NgspiceEngine(), NgspiceEngine()
    xa, _ = batch(a, 5)
    xb, _ = batch(b, 5)
    ra, rb = ea.settle(a, xa).v, eb.settle(b, xb).v
    for _ in range(2):
        assert np.array_equal(eb.settle(b, xb).v, rb)
        assert np.array_equal(ea.settle(a, xa).v, ra)


def test_bad_inputs_raise_before_running(engine):
    c = example("xor")
    with pytest.raises(InputError):
        engine.settle(c, np.zeros((3, 5)))
    with pytest.raises(InputError):
        engine.settle(c, np.array([[0.1, np.nan]]))
    with pytest.raises(InputError):
        engine.settle(c, np.zeros((3, 2)), np.zeros((2, 4)))
    vg = build_crossbar(Crossbar(conductances=np.full((2, 2), 1e-3),
                                 termination="virtual_ground"))
    with pytest.raises(InputError):
        engine.settle(vg, np.zeros((1, 2)), np.zeros((1, 1)))


def no_solution_circuit() -> Circuit:
    """A diode fed through a negative resistor: no DC solution once the input is ~1 V."""
    return Circuit(
        title="no solution", description=(), models={"dbad": DiodeModel("dbad", 1e-14, 1.0)},
        elements=(Element("V", "Vx0p", ("x0p", "0")), Element("R", "Rneg", ("x0p", "h"), -1.0),
                  Element("D", "Dh", ("h", "0"), model="dbad")),
        devices=(), g=np.zeros(0), g_min=1e-5, g_max=1e-2,
        inputs=(InputDrive("Vx0p", 0, 1.0),), n_features=1, outputs=(), differential=False,
        nudges=(), layer_sizes=())


@pytest.mark.parametrize("full_transcript", [False, True])
def test_convergence_error_names_sample_and_keeps_files(tmp_path, full_transcript):
    e = NgspiceEngine(keep_dir=tmp_path)
    if full_transcript:  # a long session: the bounded transcript has wrapped around
        from spicelearn.engines._ngspice_session import TRANSCRIPT_LINES, session
        for i in range(TRANSCRIPT_LINES + 10):
            session()._append(f"filler {i}")
    with pytest.raises(ConvergenceError) as info:
        e.settle(no_solution_circuit(), np.array([[0.1], [0.2], [1.5], [0.3]]))
    err = info.value
    assert err.analysis == "dc sweep"
    assert err.sample == 2
    assert err.node is not None
    assert err.netlist_path.is_file() and err.transcript_path.is_file()
    assert err.netlist_path.parent.parent == tmp_path
    assert "aborted" in err.transcript_path.read_text()
    c = example("xor")  # the engine is usable afterwards
    x, _ = batch(c, 4)
    assert np.max(np.abs(e.settle(c, x).v - NumericEngine().settle(c, x).v)) < 1e-6


def test_rejected_netlist_is_a_simulation_error(tmp_path):
    c = example("xor")
    bad = Circuit(**{**c.__dict__, "elements": c.elements + (
        Element("D", "Dbad", ("x0p", "0"), model="nosuchmodel"),)})
    with pytest.raises(SimulationError) as info:
        NgspiceEngine(keep_dir=tmp_path).settle(bad, np.zeros((1, 2)))
    assert info.value.transcript_path.is_file()
    assert "nosuchmodel" in info.value.netlist_path.read_text()


@pytest.mark.slow
def test_keyboard_interrupt_propagates_and_engine_recovers():
    c = build_circuit(network_from_config(LARGE, seed=0))
    e = NgspiceEngine(block=2000)
    x, _ = batch(c, 2000)
    e.settle(c, x[:2])
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        e.settle(c, x)
    timer.join()
    x2, _ = batch(c, 3, seed=9)
    assert np.max(np.abs(e.settle(c, x2).v - NumericEngine().settle(c, x2).v)) < 1e-6
