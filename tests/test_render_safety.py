"""The renderer writes only safe text: no name can add a line, a command or a control block."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace

import numpy as np
import pytest

from spicelearn.engines.sweep_form import render_sweep
from spicelearn.errors import NetlistError
from spicelearn.netlist import parse_netlist, render_netlist
from spicelearn.network import (
    Crossbar,
    LayeredNetwork,
    build_crossbar,
    build_layered,
    layer_shapes,
)
from spicelearn.network.circuit import Device, DiodeModel, Element
from spicelearn.runs.golden import GOLDEN, NETLISTS, render_example

SHELL = "a\n.control\nshell touch {file}\n.endc"


def _layered(name: str = "layered"):
    shapes = layer_shapes(2, (2,), 1, False, 1)
    return build_layered(LayeredNetwork(2, (2,), 1, tuple(np.full(s, 5e-4) for s in shapes),
                                        differential=False, name=name))


def _crossbar():
    return build_crossbar(Crossbar(np.full((2, 2), 1e-3)))


def _assert_one_escaped_line(exc: pytest.ExceptionInfo) -> None:
    msg = str(exc.value)
    assert "\n" not in msg and "\r" not in msg and "\x1b" not in msg


def test_a_network_name_with_a_control_block_is_refused(tmp_path):
    marker = tmp_path / "FILE"
    with pytest.raises(NetlistError, match=r"netlist title .*\\n\.control\\nshell") as exc:
        render_netlist(_layered(SHELL.format(file=marker)))
    _assert_one_escaped_line(exc)
    assert not marker.exists()


def test_a_network_name_with_end_cannot_cut_the_netlist_short():
    with pytest.raises(NetlistError, match=r"\\n\.end\\n"):
        render_sweep(_layered("x\n.end\n"))


def test_a_non_ascii_name_is_a_netlist_error_not_a_unicode_error():
    with pytest.raises(NetlistError, match="printable ASCII"):
        render_netlist(_layered("réseau"))


@pytest.mark.parametrize("title", ["*ng_script", ".control", " .end", "+ x", "a\rb", "a\tb"])
def test_titles_that_ngspice_would_read_as_commands_are_refused(title):
    with pytest.raises(NetlistError, match="netlist title") as exc:
        render_netlist(replace(_crossbar(), title=title))
    _assert_one_escaped_line(exc)


def _with_element(c, el: Element):
    return replace(c, elements=(*c.elements, el))


@pytest.mark.parametrize("circuit, message", [
    (lambda c: _with_element(c, Element("R", "Rx\n.endc", ("r0", "0"), 1.0)),
     r"R element name 'Rx\\n\.endc' is not a safe SPICE name"),
    (lambda c: _with_element(c, Element("R", "Vx", ("r0", "0"), 1.0)),
     r"R element name 'Vx' must start with 'R'"),
    (lambda c: _with_element(c, Element("R", "Rx", ("r0", "a b"), 1.0)),
     r"node of Rx 'a b' is not a safe SPICE name"),
    (lambda c: _with_element(c, Element("R", "Rx", ("r0", "a\x1b[2J"), 1.0)),
     r"node of Rx 'a\\x1b\[2J'"),
    (lambda c: _with_element(c, Element("R", "Rx", ("r0", "GND"), 1.0)),
     r"node of Rx 'GND' would be ground"),
    (lambda c: _with_element(c, Element("R", "Rx", ("r0", ".end"), 1.0)),
     r"node of Rx '\.end' is not a safe SPICE name"),
    (lambda c: _with_element(c, Element("D", "Dx", ("r0", "0"), model="d;x")),
     r"model of Dx 'd;x'"),
    (lambda c: _with_element(c, Element("F", "Fx", ("r0", "0"), 1.0, control="V1 0")),
     r"controlling source of Fx 'V1 0'"),
    (lambda c: _with_element(c, Element("R", "Rx", ("r0", "0"), float("nan"))),
     r"element Rx has a non-finite value nan"),
    (lambda c: _with_element(c, Element("Z", "Zx", ("r0", "0"), 1.0)),
     r"cannot render element kind 'Z'"),
    (lambda c: replace(c, models={"d": DiodeModel("d\n.end")}),
     r"model 'd\\n\.end'"),
    (lambda c: replace(c, devices=(Device("Rw1_0_0", "r0", "c0\nshell ls", 1, 0, 0),
                                   *c.devices[1:])),
     r"node of Rw1_0_0 'c0\\nshell ls'"),
    (lambda c: replace(c, devices=(Device("Xw", "r0", "c0", 1, 0, 0), *c.devices[1:])),
     r"device name 'Xw' must start with 'R'"),
    (lambda c: replace(c, description=("ok", "bad\n.control")),
     r"netlist comment 'bad\\n\.control'"),
])
def test_every_name_is_checked_and_quoted_with_repr(circuit, message):
    with pytest.raises(NetlistError, match=message) as exc:
        render_netlist(circuit(_crossbar()))
    _assert_one_escaped_line(exc)


@pytest.mark.parametrize("options, message", [
    ({"reltol": "1e-3\n.control"}, r"option reltol='1e-3\\n\.control'"),
    ({"a b": "1"}, r"option name 'a b'"),
    ({"gmin": "1e-12 shell"}, r"option gmin='1e-12 shell'"),
])
def test_options_are_plain_words_and_numbers(options, message):
    with pytest.raises(NetlistError, match=message):
        render_netlist(_crossbar(), options=options)


def test_the_table_folder_cannot_close_the_quoted_file_name():
    with pytest.raises(NetlistError, match="table folder"):
        render_sweep(_crossbar(), table_dir='/tmp/x"\nshell ls')
    with pytest.raises(NetlistError, match="table folder"):
        render_sweep(_crossbar(), table_dir="/tmp/x\n.end")
    # the static form names no folder
    assert "tab_" not in render_netlist(_crossbar())


def test_numeric_options_and_reference_netlists_still_render():
    text = render_netlist(_crossbar(), options={"reltol": 1e-6, "noopiter": ""})
    assert ".options reltol=1e-06 noopiter\n" in text  # "" renders a bare flag
    for name in GOLDEN:  # byte-identical to the files in netlists/
        assert render_example(name) == (NETLISTS / f"{name}.cir").read_text()


def test_every_line_of_a_rendered_netlist_reads_back_as_one_card():
    """No rendered line is a control card, and every element reads back."""
    text = render_sweep(_layered())
    net = parse_netlist(text)
    assert net.controls == [] and net.title == "spicelearn layered 2-2-1"
    assert len(net.elements) >= len(_layered().elements)


def test_cli_netlist_of_a_config_with_a_shell_name_writes_nothing(run_cli, tmp_path):
    marker = tmp_path / "FILE"
    name = SHELL.format(file=marker).replace("\n", "\\n")
    cfg = tmp_path / "bad.toml"
    cfg.write_text(f'seed = 0\n[network]\ninputs = 2\nhidden = [2]\noutputs = 1\n'
                   f'name = "{name}"\n')
    out = tmp_path / "out.cir"
    code, stdout, err = run_cli(["netlist", cfg, "-o", out])
    assert code == 2 and stdout == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("spicelearn: error:")
    assert not out.exists() and not marker.exists()
    exe = shutil.which("ngspice")
    assert exe is not None
    # what the old renderer wrote for this name did run the shell command in ngspice
    old = f"spicelearn {SHELL.format(file=marker)} 2-2-1\nV1 a 0 1\nR1 a 0 1k\n.op\n.end\n"
    (tmp_path / "old.cir").write_text(old)
    subprocess.run([exe, "-b", str(tmp_path / "old.cir")], capture_output=True, timeout=60)
    assert marker.exists()
