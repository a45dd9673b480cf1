"""Parsing, inspection checks, the networkx graph and drawings."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from spicelearn.errors import NetlistError
from spicelearn.netlist import (
    inspect_file,
    inspect_netlist,
    netlist_graph,
    parse_netlist,
    parse_netlist_file,
    parse_value,
    render_netlist,
    write_graph,
)
from spicelearn.netlist.draw import draw_png
from spicelearn.network import Crossbar, build_crossbar
from spicelearn.runs.golden import NETLISTS


@pytest.mark.parametrize("text, value", [
    ("1k", 1e3), ("1kOhm", 1e3), ("4.7K", 4.7e3), ("1meg", 1e6), ("1MEGohm", 1e6),
    ("2.2uF", 2.2e-6), ("3m", 3e-3), ("10n", 1e-8), ("5p", 5e-12), ("1f", 1e-15),
    ("2g", 2e9), ("1t", 1e12), ("1e-3", 1e-3), ("-.5", -0.5), ("10V", 10.0), ("1mil", 25.4e-6),
])
def test_spice_values_with_suffixes_and_units(text, value):
    assert parse_value(text) == pytest.approx(value)


def test_parser_reads_comments_continuations_models_subckts_and_xspice():
    text = """my deck
* a comment
.param rr=2k
R1 in mid 1kOhm ; inline comment
R2 mid 0
+ 2.2k $ another comment
C1 mid 0 1u
L1 in x 1m
V1 in 0 DC 1 AC 1
I1 0 mid 1mA
B1 mid 0 I=V(mid)*1m
E1 e 0 mid 0 2
Vs e e2 0
F1 e2 0 Vs 0.5
H1 h 0 Vs 10
G1 g 0 mid 0 1m
Rg g 0 1k
Rh h 0 1k
D1 mid 0 dmod
.model dmod D(IS=1e-14
+ N=1.5)
.subckt pair a b params: r=1k
Ra a b {r}
.ends pair
X1 mid 0 pair params: r=500
A1 in %vd(mid x) pwl1
.model pwl1 pwl(x_array=[-1 1] y_array=[0 0])
.options reltol=1e-6 gmin=1e-12
.op
.end
R99 after end is ignored
"""
    net = parse_netlist(text, "deck.cir")
    assert net.title == "my deck"
    by = {e.name: e for e in net.elements}
    assert [e.name for e in net.elements][:2] == ["R1", "R2"]
    assert by["R1"].value == 1e3 and by["R1"].line == 4
    assert by["R2"].value == 2.2e3 and by["R2"].nodes == ("mid", "0")
    assert by["V1"].value == 1.0 and by["I1"].value == pytest.approx(1e-3)
    assert by["E1"].nodes == ("e", "0", "mid", "0") and by["E1"].value == 2
    assert by["F1"].control == "Vs" and by["F1"].value == 0.5
    assert by["B1"].params["type"] == "I"
    assert by["X1"].model == "pair" and by["X1"].params == {"r": 500.0}
    assert by["A1"].nodes == ("in", "mid", "x") and by["A1"].ports[-1].kind == "vd"
    assert net.models["dmod"].params == {"is": 1e-14, "n": 1.5}
    assert net.models["pwl1"].params["x_array"] == [-1.0, 1.0]
    assert net.subckts["pair"].ports == ("a", "b") and net.subckts["pair"].params == {"r": 1e3}
    assert [e.name for e in net.subckts["pair"].elements] == ["Ra"]
    assert net.params["rr"] == 2e3 and net.options["gmin"] == "1e-12"
    assert [a[0] for a in net.analyses] == ["op"] and "R99" not in by
    assert inspect_netlist(net).problems == []


@pytest.mark.parametrize("line, message", [
    ("R3 a 1k", "bad.cir:3: resistor R3 needs 2 nodes and a value"),
    ("R3 a b abc", "bad.cir:3: resistor R3 has an unreadable value 'abc'"),
    ("D1 a", "bad.cir:3: diode D1 needs 2 nodes and a model"),
    ("V1 a", "bad.cir:3: voltage source V1 needs 2 nodes"),
    ("Q1 a b", "bad.cir:3: element Q1 needs 3 nodes and a model"),
    ("Z1 a b c", "bad.cir:3: unsupported element 'Z1'"),
    (".ends", "bad.cir:3: .ends without a matching .subckt"),
    (".subckt s a b", "bad.cir:3: .subckt s has no matching .ends"),
])
def test_unparseable_lines_name_the_file_and_line(tmp_path, line, message):
    p = tmp_path / "bad.cir"
    p.write_text(f"title\nR1 a 0 1k\n{line}\n.end\n")
    with pytest.raises(NetlistError) as info:
        parse_netlist_file(p)
    assert str(info.value).startswith(message)


def test_missing_file_is_a_netlist_error(tmp_path):
    with pytest.raises(NetlistError, match="netlist file not found: .*nope.cir"):
        parse_netlist_file(tmp_path / "nope.cir")


def test_includes_are_followed_or_reported(tmp_path):
    (tmp_path / "models.lib").write_text("* lib\n.model dx D(IS=1e-12)\n"
                                         ".lib fast\n.model dfast D(IS=1e-9)\n.endl\n")
    (tmp_path / "top.cir").write_text(
        "top\n.include models.lib\n.lib models.lib fast\n.include missing.inc\n"
        "V1 a 0 1\nD1 a b dx\nD2 b 0 dfast\n.end\n")
    net = parse_netlist_file(tmp_path / "top.cir")
    assert {"dx", "dfast"} <= set(net.models)
    assert [i[3] for i in net.includes] == [True, True, False]
    assert inspect_netlist(net).problems == ["top.cir:4: .include file 'missing.inc' not found"]


def test_every_problem_kind_is_reported_by_name(tmp_path):
    p = tmp_path / "bad.cir"
    p.write_text("""problems
V1 a 0 DC 1
R1 a b 1k
C1 b d 1n
I1 d 0 1m
R2 b e 100
r1 b 0 2k
V2 a 0 1
Rz g a 0
V3 g 0 1
V4 k k 1
R4 h h 10
R5 h 0 1k
D1 b 0 nomodel
X1 b 0 nosub
.end
""")
    problems = inspect_file(p).problems
    expected = [
        "duplicate element name r1 (line 7; first as R1 on line 3)",
        "D1 uses undefined model 'nomodel' (line 14)",
        "X1 uses undefined subcircuit 'nosub' (line 15)",
        "floating node e: connected to only one element terminal",
        "dangling element R2: terminal on floating node e",
        "shorted voltage source V4: all terminals on node k",
        "dangling element R4: all terminals on node h",
        "node d has no DC path to ground",
        "node k has no DC path to ground",
        "shorted voltage source V1: its nodes a and 0 are joined by zero-impedance branches (V2)",
    ]
    for line in expected:
        assert line in problems
    assert any(s.startswith("shorted voltage source V3: its nodes g and 0") for s in problems)


def test_subcircuit_instances_conduct_only_if_their_body_does():
    text = """subckts
.subckt res a b
R1 a b 1k
.ends
.subckt cap a b
C1 a b 1u
.ends
V1 in 0 1
X1 in m res
X2 m n cap
R3 n p 1k
R4 p n 1k
.end
"""
    problems = inspect_netlist(parse_netlist(text)).problems
    assert "node m has no DC path to ground" not in problems
    assert "node n has no DC path to ground" in problems
    assert "node p has no DC path to ground" in problems


@pytest.mark.parametrize("name", ["crossbar4x4", "xor", "iris"])
def test_reference_netlists_inspect_clean_with_their_devices(name):
    report = inspect_file(NETLISTS / f"{name}.cir")
    assert report.problems == []
    j = report.to_json()
    assert {"nodes", "elements", "devices", "problems"} <= set(j)
    n_dev = {"crossbar4x4": 16, "xor": 48, "iris": 172}[name]
    assert j["devices"]["count"] == n_dev
    assert 1e-4 <= j["devices"]["g_min"] <= j["devices"]["g_max"] <= 1e-3


def test_sweep_form_inspects_clean_with_xspice_sources(examples):
    from spicelearn.runs.golden import render_example
    report = inspect_netlist(parse_netlist(render_example("xor", mode="sweep")))
    assert report.problems == []
    # 2 input tables (the -x sources are VCVS copies) + 4 nudge tables
    assert report.counts["A"] == 6 and report.counts["E"] == 2 and "idx" in report.nodes


def test_foreign_netlist_counts_all_resistors_as_devices():
    report = inspect_netlist(parse_netlist("t\nV1 a 0 1\nR1 a b 100\nR2 b 0 400\n.end\n"))
    assert [d[0] for d in report.devices] == ["R1", "R2"]
    assert report.g_min == pytest.approx(1 / 400) and report.g_max == pytest.approx(1 / 100)


def test_graph_has_every_element_and_writes_graphml(tmp_path):
    net = parse_netlist_file(NETLISTS / "xor.cir")
    g = netlist_graph(net)
    assert isinstance(g, nx.MultiGraph)
    assert g.number_of_nodes() == 19  # 18 nodes (with the diode bias nodes dhi, dlo) + ground
    assert g.number_of_edges() == len(net.elements)
    assert g.edges["x1p", "h1_3", "Rw1_2_3"]["g"] == pytest.approx(1 / 9759.46337108)
    back = nx.read_graphml(write_graph(net, tmp_path / "xor.graphml"))
    assert back.number_of_edges() == len(net.elements)


def test_draw_crossbar_and_small_circuits_as_png(tmp_path):
    png = draw_png(parse_netlist_file(NETLISTS / "crossbar4x4.cir"))
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    png = draw_png(parse_netlist_file(NETLISTS / "xor.cir"))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_too_large_circuits_refuse_to_draw():
    big = build_crossbar(Crossbar(np.full((9, 2), 1e-3)))
    with pytest.raises(NetlistError, match=r"crossbar 9x2 is too large to draw \(at most 8x8\)"):
        draw_png(parse_netlist(render_netlist(big), "big.cir"))
    chain = "chain\nV1 n0 0 1\n" + "".join(f"R{k} n{k} n{k + 1} 1k\n" for k in range(61))
    with pytest.raises(NetlistError, match="62 nodes is too large to draw"):
        draw_png(parse_netlist(chain + "R99 n61 0 1k\n.end\n"))


def test_parse_reads_back_what_render_writes(tmp_path: Path):
    c = build_crossbar(Crossbar(np.array([[1e-3, 2e-4]]), r_wire=1.5))
    net = parse_netlist(render_netlist(c))
    values = {e.name: e.value for e in net.elements}
    assert values["Rw1_0_1"] == pytest.approx(1 / 2e-4)
    assert values["Rrw0_1"] == 1.5
    assert tuple(n for n in inspect_netlist(net).nodes) == c.nodes
