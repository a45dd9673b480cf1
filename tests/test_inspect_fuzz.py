"""Generated netlist text: the parser fails only with NetlistError, and what inspect calls
clean, ngspice 46 runs (``ngspice -b``: exit 0, no error line, no singular matrix)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from spicelearn.errors import NetlistError
from spicelearn.netlist import graphml_text, inspect_netlist, parse_netlist

_FAST = settings(max_examples=1000, deadline=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture])

_TOKENS = [".subckt", ".ends", ".include", ".lib", ".endl", ".param", ".func", ".control",
           ".endc", ".end", ".model", ".op", ".dc", ".options", "*ng_script", "X1", "X2",
           "R1", "r1", "V1", "I1", "E1", "F1", "H1", "G1", "B1", "A1", "D1", "Q1", "M1",
           "K1", "W1", "L1", "C1", "Z9", "+", "*", ";", "$", "{", "}", "(", ")", "[", "]",
           "=", "'", '"', ",", "params:", "%v", "%vd(a", "%i", "V=", "I=", "value=",
           "{p}", "{2*p}", "s", "sub", "loop.cir", "self.cir", "tt", "d", "D", "dm",
           "1k", "1e400", "-1k", "0", "1meg", "a", "b", "c", "gnd", "0.5", "shell", "\t",
           "\x1b[2J", "\x00", "\x7f", "é", "\u2028", "\x0c", "null", "~a", "%id(a", "b)",
           "poly(1)", "table", "laplace", "ac", "pulse(0", "1)", "dc", "dc=1", "r=1k",
           "type=", "m=2", ".global", ".ic", ".temp", "S1", "J1", "T1", "N1", "U1"]


@pytest.fixture(scope="module")
def deck_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder where the generated decks live, with include files that loop."""
    d = tmp_path_factory.mktemp("decks")
    (d / "loop.cir").write_text("* includes itself\n.include loop.cir\nRl a 0 1k\n")
    (d / "self.cir").write_text(".lib tt\n.lib self.cir tt\n.endl\n")
    return d


def _check_message(text: str) -> None:
    assert text.isprintable(), repr(text)


def _exercise(text: str, path: Path) -> None:
    try:
        net = parse_netlist(text, str(path))
    except NetlistError as exc:
        _check_message(str(exc))
        return
    report = inspect_netlist(net)
    for problem in report.problems:
        _check_message(problem)
    for line in report.summary().splitlines():
        _check_message(line)
    report.to_json()
    graphml_text(net)


@_FAST
@given(st.text(max_size=400))
def test_arbitrary_text_raises_only_netlist_errors(deck_dir, text):
    _exercise(text, deck_dir / "deck.cir")


@_FAST
@given(st.lists(st.lists(st.sampled_from(_TOKENS), max_size=8).map(" ".join), max_size=25))
def test_token_soup_raises_only_netlist_errors(deck_dir, lines):
    _exercise("\n".join(["title", *lines]), deck_dir / "deck.cir")


# -- valid-looking decks ---------------------------------------------------------

_NODES = ["a", "b", "c", "d", "0"]
_R = ["1k", "10k", "470", "2.2k", "100", "1meg", "4.7kOhm", "{rp}", "{2*rp}", "0", "-1k",
      "{rq}", "1e400"]
#: Bodies of the subcircuit ``cell p q``: good ones, and some ngspice rejects.
_BODIES = ["R1 p q 1k", "C1 p q 1u", "R1 p m 1k\nR2 m q {r}", "R1 p q 1k\nXin p q cell",
           "D1 p q dm", "C1 p m 1u\nC2 m q 1u\nR1 p q 1k", "R1 p m 1k\nC1 m q 1u",
           "V1 p m 1\nR1 m q 1k\nF1 p q V1 2", "R1 p q 1k\nR2 m 0 1k",
           "R1 p q 1k\nF1 p q V9 1", "L1 p q 1m\nV1 p q 1", "R1 p q 1k\nXi p q leaf",
           "E1 p m q 0 0.5\nR1 m q 1k", "E1 m m p 0 2\nR1 p q 1k", "R1 p q {undefined}"]
_ANALYSES = [".op", ".dc Vs 0 1 0.5\n.print dc v(a)", ".tran 1u 2u\n.print tran v(b)"]


@st.composite
def decks(draw: st.DrawFn) -> str:
    """A small deck: every node held to ground, then random elements, some of them wrong
    (duplicate names, shorts, undefined models, parameters, subcircuits and controls,
    self-instantiation, negative or overflowing values)."""
    pick = draw
    # diodes, or controlled sources: both together can make a deck without any DC
    # solution (a diode behind a negative resistance), which no check can see
    diodes = pick(st.booleans())
    controlled = ("E1", "F1")
    bodies = [b for b in _BODIES
              if not (any(c in b for c in controlled) if diodes else "D1" in b)]
    lines = ["fuzz deck", ".param rp=2k vp=1.5", ".model dm D(IS=1e-14 N=1.5)",
             ".subckt leaf x y\nR1 x y 2k\n.ends",
             f".subckt cell p q params: r=1k\n{pick(st.sampled_from(bodies))}\n.ends",
             "Vs a 0 DC {vp}"]
    lines += [f"Rg{x} {x} 0 {pick(st.sampled_from(_R[:7]))}\nRh{x} {x} 0 1meg"
              for x in _NODES[:-1]]
    branches = ["Vs"]
    for k in range(pick(st.integers(1, 8))):
        kind = pick(st.sampled_from("RRCLVIDDXX" if diodes else "RRCLVIEFGHXXB"))
        a = pick(st.sampled_from(_NODES))
        b = pick(st.sampled_from(_NODES if pick(st.integers(0, 9)) == 0
                                 else [n for n in _NODES if n != a]))
        name = f"{kind}{k if pick(st.integers(0, 9)) else 0}"
        if kind == "R":
            card = f"{a} {b} {pick(st.sampled_from(_R))}"
        elif kind in "CL":
            card = f"{a} {b} {'1u' if kind == 'C' else '1m'}"
        elif kind == "V":
            card = f"{a} {b} {pick(st.sampled_from(['1', 'DC 2', '0', '-1.5', '{vp}']))}"
        elif kind == "I":
            card = f"{a} {b} {pick(st.sampled_from(['1m', 'DC 10u', '{vp*1m}']))}"
        elif kind == "D":
            card = f"{a} {b} {pick(st.sampled_from(['dm', 'dm', 'dx']))}"
        elif kind in "EG":
            c, d = pick(st.sampled_from(_NODES)), pick(st.sampled_from(_NODES))
            card = f"{a} {b} {c} {d} {'0.5' if kind == 'E' else '0.3u'}"
        elif kind in "FH":
            control = pick(st.sampled_from([*branches, "V9"]))
            card = f"{a} {b} {control} {'0.3' if kind == 'F' else '70'}"  # no gains sum to 1
        elif kind == "X":
            sub = pick(st.sampled_from(["cell", "cell", "leaf", "nosub"]))
            card = f"{a} {b} {sub}" + (" r={rp}" if sub == "cell" and pick(st.booleans()) else "")
        else:
            card = f"{a} {b} " + pick(st.sampled_from(["V=v(a)*0.5", "I=v(b)*1m", "V={vp}"]))
        lines.append(f"{name} {card}")
        if kind in "VEH" or (kind == "B" and "V=" in card):
            branches.append(name)
    lines += [pick(st.sampled_from(_ANALYSES)), ".end", ""]
    return "\n".join(lines)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much,
                                 HealthCheck.too_slow])
@given(decks())
def test_what_inspect_calls_clean_ngspice_runs(tmp_path, text):
    report = inspect_netlist(parse_netlist(text, "deck.cir"))
    assume(not report.problems)
    exe = shutil.which("ngspice")
    assert exe is not None, "ngspice is not installed"
    path = tmp_path / "deck.cir"
    path.write_text(text)
    proc = subprocess.run([exe, "-b", str(path)], capture_output=True, text=True,
                          errors="replace", timeout=30, cwd=tmp_path)
    transcript = proc.stdout + proc.stderr
    errors = [ln for ln in transcript.splitlines()
              if re.search(r"\berror\b|singular matrix", ln, re.I)]
    assert proc.returncode == 0 and not errors, f"{text}\n--\n{transcript[-1500:]}"
