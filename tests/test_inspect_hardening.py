"""inspect finds what ngspice rejects or runs, never crashes, and stays linear in time."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from spicelearn.errors import NetlistError
from spicelearn.netlist import inspect_file, inspect_netlist, parse_netlist, parse_netlist_file
from spicelearn.netlist._controls import command_risk
from spicelearn.netlist._params import referenced_names


def _problems(text: str) -> list[str]:
    return inspect_netlist(parse_netlist(text, "deck.cir")).problems


# -- subcircuits that instantiate themselves or each other --------------------------

def test_a_subcircuit_that_instantiates_itself_is_a_problem():
    problems = _problems("t\n.subckt s a b\nR1 a b 1k\nX1 a b s\n.ends\n"
                         "V1 in 0 1\nX1 in 0 s\n.op\n.end\n")
    assert "subcircuit s instantiates itself (X1, line 4); ngspice would expand it " \
           "forever" in problems


def test_subcircuits_that_instantiate_each_other_are_a_problem():
    problems = _problems("t\n.subckt s a b\nX1 a b u\n.ends\n.subckt u a b\nR1 a b 1k\n"
                         "X2 b a s\n.ends\nV1 in 0 1\nX1 in 0 s\n.op\n.end\n")
    assert ("subcircuits s -> u -> s instantiate each other; ngspice would expand them "
            "forever") in problems


def test_a_hierarchy_without_loops_is_clean_and_conducts():
    text = ("t\n.subckt leaf a b\nR1 a b 1k\n.ends\n.subckt mid a b\nX1 a m leaf\n"
            "X2 m b leaf\n.ends\n.subckt top a b\nX1 a b mid\nX2 a b mid\n.ends\n"
            "V1 in 0 1\nX1 in 0 top\n.op\n.end\n")
    assert _problems(text) == []


def test_a_thousand_nested_subcircuits_give_one_problem_line_not_a_recursion_error(tmp_path,
                                                                                 run_cli):
    n = 1000
    lines = ["chain"]
    for k in range(n):
        lines += [f".subckt s{k} a b", f"X1 a b s{k + 1}" if k < n - 1 else "R1 a b 1k",
                  ".ends"]
    p = tmp_path / "chain.cir"
    p.write_text("\n".join([*lines, "V1 in 0 1", "X1 in 0 s0", ".op", ".end", ""]))
    problems = inspect_file(p).problems
    assert problems == [
        "subcircuit instances nest 1000 levels deep (X1 on line 3003: s0 -> s1 -> s2 -> ... "
        "-> s998 -> s999); ngspice 46 stops expanding at about 20 levels"]
    code, out, err = run_cli(["inspect", p])
    assert code == 0 and err == "" and "nest 1000 levels deep" in out


def test_a_thousand_nested_definitions_read_without_recursion(tmp_path):
    n = 1000
    text = ("nested\n" + "".join(f".subckt s{k} a b\nR{k} a b 1k\n" for k in range(n))
            + "".join(f".ends s{k}\n" for k in reversed(range(n)))
            + "V1 in 0 1\nX1 in 0 s0\n.op\n.end\n")
    report = inspect_netlist(parse_netlist(text))
    assert len(report.subckts) == n and report.problems == []


def test_a_diamond_hierarchy_is_analysed_once_per_subcircuit():
    """Each level instantiates the next twice: 2**40 paths, 40 subcircuits."""
    n = 40
    text = "t\n" + "".join(f".subckt s{k} a b\nX1 a b s{k + 1}\nX2 a b s{k + 1}\n.ends\n"
                           for k in range(n))
    text += f".subckt s{n} a b\nR1 a b 1k\n.ends\nV1 in 0 1\nX1 in 0 s0\n.op\n.end\n"
    start = time.process_time()
    problems = _problems(text)
    assert time.process_time() - start < 1.0
    assert len(problems) == 1 and "nest 41 levels deep" in problems[0]


# -- parameters ---------------------------------------------------------------------

def test_an_undefined_parameter_is_a_problem():
    problems = _problems("t\nV1 a 0 1\nR1 a 0 {foo}\nR2 a 0 {2*rr+pi}\n.param rr=1k\n.op\n.end\n")
    assert problems == ["deck.cir:3: R1 uses undefined parameter 'foo' in {foo}",
                        "deck.cir:4: R2 uses undefined parameter 'pi' in {2*rr+pi}"]


def test_params_funcs_subcircuit_params_and_probes_count_as_defined():
    text = """t
.param vdd=1 k=2
.func dbl(x) {2*x}
.subckt cell a b params: r=1k
.param q={2*r}
R1 a b {dbl(q)}
.subckt inner c d
R2 c d {r+q}
.ends
X1 a b inner
.ends
V1 in 0 DC {vdd}
X1 in 0 cell r={k*1k}
E1 e 0 value={v(in)*k}
R3 e 0 {1k*(1+0*temper)}
F1 f 0 V1 {k}
R4 f 0 1k
.op
.end
"""
    assert _problems(text) == []


def test_subcircuit_parameters_are_local_to_their_subcircuit():
    text = ("t\n.subckt cell a b params: r=1k\nR1 a b {r}\n.ends\nV1 in 0 1\n"
            "X1 in 0 cell\nR2 in 0 {r}\n.op\n.end\n")
    assert _problems(text) == ["deck.cir:7: R2 uses undefined parameter 'r' in {r}"]


@pytest.mark.parametrize("expr, names", [
    ("2*rr+pi", ["rr", "pi"]), ("1k+2.5meg*1e-3", []), ("v(a, b)*k + i(vsense)", ["k"]),
    ("dbl(x) ? a : b", ["x", "a", "b"]), ("max(1,2)", []), ("A_1+_b*a_1", ["a_1", "_b"]),
])
def test_names_in_expressions(expr, names):
    assert referenced_names(expr) == names


# -- values ---------------------------------------------------------------------------

def test_negative_and_overflowing_resistances_are_problems_not_tracebacks(tmp_path, run_cli):
    p = tmp_path / "inf.cir"
    p.write_text("inf\nV1 in 0 1\nR1 in 0 1e400\nR2 in 0 -1k\nR3 in 0 1k\n.op\n.end\n")
    report = inspect_file(p)
    assert report.problems == ["R1 has a value beyond the float range, read as inf (line 3)",
                               "resistor R2 has a negative resistance -1000 Ohm (line 4)"]
    assert report.g_min == report.g_max == 1e-3
    assert "devices: 1, g in [0.001, 0.001] S" in report.summary()
    code, out, err = run_cli(["inspect", p])
    assert code == 0 and err == "" and "read as inf" in out


def test_a_netlist_of_only_overflowing_devices_summarises():
    report = inspect_netlist(parse_netlist("t\nV1 a 0 1\nRw1 a 0 1e400\n.end\n"))
    assert report.devices == [] and "devices: 0" in report.summary()


# -- includes -------------------------------------------------------------------------

def test_a_chain_of_nine_includes_is_not_a_loop(tmp_path):
    for k in range(1, 10):
        nxt = f".include inc{k + 1}.cir\n" if k < 9 else ""
        (tmp_path / f"inc{k}.cir").write_text(f"* level {k}\n{nxt}R{k} n{k} 0 1k\n")
    (tmp_path / "top.cir").write_text("top\n.include inc1.cir\nV1 n1 0 1\n" +
                                      "".join(f"Rl{k} n{k} n{k + 1} 1\n" for k in range(1, 9))
                                      + ".op\n.end\n")
    net = parse_netlist_file(tmp_path / "top.cir")
    assert {f"R{k}" for k in range(1, 10)} <= {e.name for e in net.elements}
    assert inspect_netlist(net).problems == []


def test_an_include_loop_is_one_problem(tmp_path):
    (tmp_path / "a.inc").write_text("* a\n.include b.inc\nRa x 0 1k\n")
    (tmp_path / "b.inc").write_text("* b\n.include a.inc\nRb x 0 1k\n")
    (tmp_path / "top.cir").write_text("top\n.include a.inc\nV1 x 0 1\n.op\n.end\n")
    report = inspect_file(tmp_path / "top.cir")
    assert report.problems == ["b.inc:2: .include 'a.inc' is an include loop "
                               "(a.inc -> b.inc -> a.inc); not followed again"]
    assert report.counts == {"R": 2, "V": 1}


def test_a_library_section_may_include_another_section_of_its_own_file(tmp_path):
    (tmp_path / "m.lib").write_text(".lib base\n.model d1 D(IS=1e-14)\n.endl\n"
                                    ".lib tt\n.lib m.lib base\n.endl\n")
    (tmp_path / "top.cir").write_text("top\n.lib m.lib tt\nV1 a 0 1\nD1 a 0 d1\n.op\n.end\n")
    assert inspect_file(tmp_path / "top.cir").problems == []


# -- control blocks ---------------------------------------------------------------

RISKY = [
    ("shell touch FILE", "runs a shell command"),
    ("SHELL rm -rf x", "runs a shell command"),
    ("echo `touch FILE`", "runs a shell command (backquotes)"),
    ("set unixcom", "makes every unknown word a shell command (unixcom)"),
    ("set noaskquit unixcom=1", "makes every unknown word a shell command (unixcom)"),
    ("$cmd touch FILE", "runs a command named by a variable"),
    ("alias go shell touch FILE", "defines alias 'go' that runs a shell command"),
    ("codemodel /tmp/evil.cm", "loads a shared library (native code)"),
    ("osdi /tmp/evil.osdi", "loads a shared library (native code)"),
    ("source other.cir", "reads and runs another command file"),
    ("rspice deck.cir", "runs a remote simulation through rsh"),
    ("aspice deck.cir", "starts another ngspice process"),
    ("write out.raw all", "writes a file"),
    ("wrdata out.txt v(a)", "writes a file"),
    ("print v(a) > out.txt", "writes its output to a file (>)"),
]


@pytest.mark.parametrize("command, risk", RISKY)
def test_risky_control_commands_are_named(command, risk):
    assert command_risk(command) == risk


@pytest.mark.parametrize("command", ["op", "print v(a)", "let x = v(a) > 1", "if x > 1",
                                     "set filetype=ascii", "echo hello", "run", "quit"])
def test_ordinary_control_commands_are_not_problems(command):
    assert command_risk(command) is None


def test_a_control_block_running_shell_is_a_problem_in_its_file(tmp_path):
    (tmp_path / "sub.inc").write_text(".control\nsystem('x')\nshell touch FILE\n.endc\n")
    (tmp_path / "top.cir").write_text(
        "top\nV1 a 0 1\nR1 a 0 1k\n.include sub.inc\n.control\nop\nprint v(a)\n"
        "set unixcom\nsystem touch FILE\n.endc\n.end\n")
    problems = inspect_file(tmp_path / "top.cir").problems
    assert problems == [
        "sub.inc:3: control command 'shell touch FILE' runs a shell command",
        "top.cir:8: control command 'set unixcom' makes every unknown word a shell command "
        "(unixcom)"]


def test_an_ng_script_file_is_a_problem_and_its_lines_are_commands():
    net = parse_netlist("*ng_script\nshell touch FILE\nsource x.cir\n.end\n", "s.cir")
    assert net.script and net.elements == []
    problems = inspect_netlist(net).problems
    assert problems[:3] == [
        "no circuit elements outside subcircuits: ngspice has nothing to simulate",
        "s.cir:1: the file is an ngspice command script (*ng_script): ngspice runs every "
        "line as a command",
        "s.cir:2: control command 'shell touch FILE' runs a shell command"]


# -- an early .end, control bytes --------------------------------------------------

def test_an_end_injected_into_the_title_is_reported():
    """What the old renderer wrote for a network named 'x\\n.end\\n'."""
    text = ("spicelearn x\n.end\n 2-2-1\n* layered\nVx0p x0p 0 DC 0\nRw1_0_0 x0p o0 1000\n"
            ".op\n.end\n")
    report = inspect_netlist(parse_netlist(text, "n.cir"))
    assert report.counts == {}
    assert report.problems == [
        "no circuit elements outside subcircuits: ngspice has nothing to simulate "
        "(.end on line 2 hides the 5 cards after it, which ngspice ignores)"]


def test_control_bytes_are_escaped_in_errors_problems_and_summaries(tmp_path, run_cli):
    with pytest.raises(NetlistError) as exc:
        parse_netlist("t\nZ\x1b[2J a b\n.end\n", "g.cir")
    assert "\x1b" not in str(exc.value) and "Z\\x1b[2J" in str(exc.value)
    report = inspect_netlist(parse_netlist("ti\x1btle\nV1 a\x07 0 1\nR\x7f1 b 0 1k\n.end\n"))
    text = report.summary() + "\n".join(report.problems)
    assert not any(c in text for c in "\x1b\x07\x7f")
    assert "floating node a\\x07: connected to only one element terminal" in report.problems
    assert report.summary().startswith("<netlist>: ti\\x1btle\n")
    bad = tmp_path / "garbage.cir"
    bad.write_bytes(b"t\nV1 a 0 1\n\x1b]0;owned\x07 x y\n.end\n")
    code, out, err = run_cli(["inspect", bad])
    assert code == 2 and out == "" and "\x1b" not in err and "\x07" not in err
    assert err.count("\n") == 1 and "\\x1b]0" in err


def test_graphml_holds_escaped_names_and_reads_back(tmp_path):
    import networkx as nx

    from spicelearn.netlist import graphml_text, netlist_graph
    net = parse_netlist('t & <x>\nV1 a&b 0 1\nR1 a&b "q\x1b" 1k\nR2 "q\x1b" 0 1\n.end\n')
    path = tmp_path / "g.graphml"
    path.write_text(graphml_text(net))
    back = nx.read_graphml(path)
    assert back.graph["title"] == "t & <x>"
    assert set(back.nodes) == {"0", "a&b", '"q\\x1b"'}
    assert back.number_of_edges() == netlist_graph(net).number_of_edges() == 3


# -- time -------------------------------------------------------------------------

def _ladder(path: Path, lines: int) -> Path:
    with path.open("w") as fh:
        fh.write("ladder\nV1 n0 0 1\n")
        for k in range(lines // 2):
            fh.write(f"R{2 * k} n{k} n{k + 1} 1k\nRg{k} n{k + 1} 0 10k\n")
        fh.write(".op\n.end\n")
    return path


def _cpu(fn) -> float:
    start = time.process_time()
    fn()
    return time.process_time() - start


@pytest.mark.slow
def test_inspect_scales_linearly_to_200k_lines(tmp_path):
    """200,000 lines take about ten times as long as 20,000 (a quadratic step: 100x).

    Measured here (2 cores): 200k lines parsed in 0.6 s and inspected in 0.55 s of
    CPU, JSON 0.02 s, GraphML 0.37 s (before: 22 s, and 43 s with --json --graph,
    on the machine of the report). The absolute bound is loose (several times
    what is needed) so that a loaded machine passes.
    """
    from spicelearn.netlist import graphml_text
    small, big = _ladder(tmp_path / "s.cir", 20_000), _ladder(tmp_path / "b.cir", 200_000)

    def run(p: Path) -> None:
        net = parse_netlist_file(p)
        report = inspect_netlist(net)
        assert report.problems == [] and report.to_json()["nodes"] > 0
        graphml_text(net)

    run(small)  # warm up
    base = min(_cpu(lambda: run(small)) for _ in range(2))
    full = _cpu(lambda: run(big))
    assert full / base < 16, (base, full)
    assert full < 6.0, full


_RSS = """
import resource, sys
from spicelearn.cli import main
main(sys.argv[1:])
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""


@pytest.mark.slow
def test_inspect_json_and_graph_of_200k_lines_stay_within_memory(tmp_path):
    """The CLI's peak memory (resident, KiB) for --json --graph, against the same command
    on a 2,000-line netlist: about 280 MB against 30 MB here (networkx took 1.2 GB)."""
    import subprocess
    import sys

    def peak(lines: int) -> int:
        deck = _ladder(tmp_path / f"l{lines}.cir", lines)
        proc = subprocess.run([sys.executable, "-c", _RSS, "inspect", str(deck), "--json",
                               "--graph", str(tmp_path / f"l{lines}.graphml")],
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        return int(proc.stderr.strip().splitlines()[-1])

    small, big = peak(2_000), peak(200_000)
    assert big - small < 500_000, (small, big)  # under 500 MB on top of the interpreter


def test_shorted_sources_on_a_long_loop_are_found_in_linear_time():
    n = 3000
    ring = "".join(f"V{k} n{k} n{(k + 1) % n} 0\n" for k in range(n))
    text = f"ring\n{ring}R1 n0 0 1k\n.op\n.end\n"
    start = time.process_time()
    problems = _problems(text)
    cpu = time.process_time() - start
    shorted = [p for p in problems if p.startswith("shorted voltage source")]
    assert len(shorted) == n and cpu < 3.0, cpu
    # past a budget of node visits the loop's branches are no longer listed
    assert shorted[-1] == ("shorted voltage source V2999: its nodes n2999 and n0 are joined "
                           "by zero-impedance branches (a long loop)")
    assert shorted[0].startswith("shorted voltage source V0: its nodes n0 and n1 are joined "
                                 "by zero-impedance branches (V2999, V2998, V2997, V2996, "
                                 "V2995, ... 2994 more)")


# -- odd decks that used to raise something else than NetlistError -----------------

@pytest.mark.parametrize("text", [
    "t\n,\n.end\n",
    "t\nM1 a b params: w=1 l=2 k=3\n.end\n",
])
def test_lines_that_are_not_elements_are_netlist_errors(text):
    with pytest.raises(NetlistError, match=r"<netlist>:2: "):
        parse_netlist(text)


def test_xspice_instance_with_a_null_output_inspects():
    report = inspect_netlist(parse_netlist("t\nA1 a null dm\n.model dm pwl\nR1 a 0 1\n.end\n"))
    assert report.problems == []


def test_odd_circuits_draw_without_mathtext_or_missing_nodes():
    from spicelearn.netlist.draw import draw_png
    for text in ["cost $x^$ $\\frac$ \x1b\nV1 a$b 0 1\nR1 a$b 0 -1k\nR2 a$b 0 1e400\n"
                 "A1 a$b null dm\nR0 0 0 1k\n.end\n",
                 "t\nV1 r0 0 1\nRw1_0_0 r0 c0 1e400\nRt c0 0 1k\n.end\n"]:
        assert draw_png(parse_netlist(text))[:4] == b"\x89PNG"
