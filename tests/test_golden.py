"""Reference netlists: byte-for-byte regeneration, and ngspice solves every one."""

from __future__ import annotations

import numpy as np
import pytest

from spicelearn.engines.sweep_form import format_table, render_sweep, table_file
from spicelearn.netlist import render_netlist
from spicelearn.network import Crossbar, build_crossbar
from spicelearn.run_config import load_run_config
from spicelearn.runs.golden import GOLDEN, NETLISTS, regenerate, render_example, stale


def example_circuit(name):
    return load_run_config(NETLISTS.parent / "examples" / f"{name}.toml").circuit()


@pytest.mark.parametrize("name", GOLDEN)
def test_reference_netlist_matches_a_fresh_render(name):
    path = NETLISTS / f"{name}.cir"
    assert path.read_bytes() == render_example(name).encode(), (
        f"{path} is stale: run python -m spicelearn.runs.golden")


def test_regenerate_writes_identical_files(tmp_path):
    written = regenerate(out_dir=tmp_path)
    assert [p.name for p in written] == [f"{n}.cir" for n in GOLDEN]
    for p in written:
        assert p.read_bytes() == (NETLISTS / p.name).read_bytes()
    assert stale(out_dir=tmp_path) == []
    (tmp_path / "xor.cir").write_text("changed\n")
    assert stale(out_dir=tmp_path) == ["xor"]


@pytest.mark.parametrize("name", GOLDEN)
def test_ngspice_solves_each_reference_netlist(name, ngspice_op):
    circuit = load_run_config(NETLISTS.parent / "examples" / f"{name}.toml").circuit()
    v = ngspice_op(NETLISTS / f"{name}.cir")
    assert set(v) == set(circuit.nodes)
    assert all(np.isfinite(list(v.values())))
    for el in circuit.elements:  # every DC voltage source holds its value
        if el.kind == "V" and el.nodes[1] == "0":
            assert v[el.nodes[0]] == pytest.approx(el.value, abs=1e-9)


def _sweep_with_op(circuit, folder, tables: dict[str, float]) -> str:
    """A sweep-form deck with one-sample tables in ``folder`` and an .op card.

    Every source's table holds 0 unless ``tables`` gives its value.
    """
    (folder / "tables").mkdir(exist_ok=True)
    for source in [d.source for d in circuit.inputs] + list(circuit.nudges):
        y = np.array([tables.get(source, 0.0)])
        (folder / table_file("tables", source)).write_text(format_table(y))
    text = render_sweep(circuit, table_dir=str(folder / "tables"))
    return text.replace("\n.end\n", "\n.op\n.end\n")


@pytest.mark.parametrize("name", GOLDEN)
def test_sweep_form_of_each_example_solves_like_the_static_form(name, ngspice_op, tmp_path):
    static = ngspice_op(render_example(name))
    sweep = ngspice_op(_sweep_with_op(example_circuit(name), tmp_path, {}))
    assert sweep.pop("idx") == 0.0 and sweep.pop("tz") == 0.0
    assert set(sweep) == set(static)
    for node, v in static.items():
        assert sweep[node] == pytest.approx(v, abs=1e-9), node


def test_sweep_table_sources_drive_inputs_and_negated_nudges(ngspice_op, tmp_path):
    """The engine writes x into the input tables and -I into the %i nudge tables."""
    c = build_crossbar(Crossbar(np.array([[1e-3], [2e-3]])))
    static = render_netlist(c, x=np.array([0.3, -0.2])).replace(
        "Inudge_c0 0 c0 DC 0", "Inudge_c0 0 c0 DC 1e-4")
    sweep = _sweep_with_op(c, tmp_path, {"Vr0": 0.3, "Vr1": -0.2, "Inudge_c0": -1e-4})
    a, b = ngspice_op(static), ngspice_op(sweep)
    # hand computation: (g0 x0 + g1 x1 + I) / (g0 + g1 + 1/Rt)
    expected = (1e-3 * 0.3 + 2e-3 * -0.2 + 1e-4) / (1e-3 + 2e-3 + 1e-3)
    assert a["c0"] == pytest.approx(expected, rel=2e-6)
    assert b["c0"] == pytest.approx(expected, rel=2e-6)


def test_ngspice_matches_a_hand_computed_wired_crossbar(ngspice_op):
    """1x1 crossbar, 2 Ohm segments, 1 kOhm termination: a series chain 2 + R + 2 + 1000."""
    c = build_crossbar(Crossbar(np.array([[1e-3]]), r_wire=2.0))
    v = ngspice_op(render_netlist(c, x=np.array([0.5])))
    i = 0.5 / (2 + 1000 + 2 + 1000)
    assert v["cout0"] == pytest.approx(1000 * i, rel=2e-6)
    assert v["r0_0"] == pytest.approx(0.5 - 2 * i, rel=2e-6)
    assert v["c0_0"] == pytest.approx(1002 * i, rel=2e-6)
