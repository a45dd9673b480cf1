"""The ``netlist`` and ``inspect`` commands."""

from __future__ import annotations

import json
import subprocess
import sys

import networkx as nx
import pytest

from spicelearn.runs.golden import NETLISTS, render_example


def test_netlist_prints_to_stdout_or_writes_the_file(run_cli, examples, tmp_path):
    code, out, _ = run_cli(["netlist", examples / "xor.toml"])
    assert code == 0 and out == render_example("xor")
    target = tmp_path / "sub" / "xor.cir"
    code, out, err = run_cli(["netlist", examples / "xor.toml", "-o", target])
    assert code == 0 and out == "" and f"wrote {target}" in err
    assert target.read_text() == render_example("xor")


def test_netlist_sweep_form(run_cli, examples):
    code, out, _ = run_cli(["netlist", examples / "crossbar4x4.toml", "--sweep"])
    assert code == 0 and out == render_example("crossbar4x4", mode="sweep")
    assert "Vidx idx 0 DC 0" in out and "AVr0 idx tz %v(rin0) tab_vr0" in out and "table2d(" in out


def test_inspect_summary_and_json(run_cli):
    code, out, _ = run_cli(["inspect", NETLISTS / "crossbar4x4.cir"])
    assert code == 0
    assert "elements: 60 (I 4, R 52, V 4)" in out and "nodes: 40 (+ ground)" in out
    assert "devices: 16, g in [0.0001025, 0.0009416] S" in out and "problems: none" in out
    code, out, _ = run_cli(["inspect", NETLISTS / "iris.cir", "--json"])
    j = json.loads(out)
    assert j["nodes"] == 30 and j["elements"] == {"I": 6, "R": 172, "V": 14, "X": 20}
    assert j["devices"]["count"] == 172 and j["problems"] == []


def test_inspect_graph_and_draw(run_cli, tmp_path):
    g, png = tmp_path / "xb.graphml", tmp_path / "xb.png"
    code, out, _ = run_cli(["inspect", NETLISTS / "crossbar4x4.cir", "--graph", g, "--draw", png])
    assert code == 0 and f"wrote {g}" in out and f"wrote {png}" in out
    assert nx.read_graphml(g).number_of_edges() == 60
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_inspect_strict_exits_1_on_problems(run_cli, tmp_path):
    deck = tmp_path / "f.cir"
    deck.write_text("t\nV1 a 0 1\nR1 a b 1k\n.end\n")
    code, out, _ = run_cli(["inspect", deck, "--strict"])
    assert code == 1 and "floating node b" in out
    assert run_cli(["inspect", deck])[0] == 0


@pytest.mark.parametrize("command, words", [
    ("netlist", ["CONFIG", "--output", "--sweep", "Example", "stdout"]),
    ("inspect", ["NETLIST", "--json", "--graph", "--draw", "--strict", "Example", "DC path"]),
])
def test_help_explains_each_command(run_cli, command, words):
    code, out, _ = run_cli([command, "--help"])
    assert code == 0
    for w in words:
        assert w in out


def test_installed_command_reports_errors_in_one_line(tmp_path):
    """The real entry point, in a subprocess."""
    exe = [sys.executable, "-c", "from spicelearn.cli import main; main()"]
    proc = subprocess.run([*exe, "inspect", str(tmp_path / "x.cir")], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [f"spicelearn: error: netlist file not found: "
                                        f"{tmp_path / 'x.cir'}"]
