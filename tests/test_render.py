"""Rendering: determinism, readable names, header and options."""

from __future__ import annotations

import re

import numpy as np
import pytest

from spicelearn.engines.sweep_form import render_sweep
from spicelearn.errors import NetlistError
from spicelearn.netlist import DEFAULT_OPTIONS, render_netlist
from spicelearn.network import Crossbar, build_crossbar
from spicelearn.run_config import load_run_config, parse_run_config


def _xor(seed: int):
    raw = {"seed": seed, "network": {"inputs": 2, "hidden": [4], "outputs": 2}}
    return parse_run_config(raw).circuit()


def test_render_twice_gives_the_same_bytes(examples):
    c = load_run_config(examples / "iris.toml").circuit()
    assert render_netlist(c) == render_netlist(c)
    assert render_sweep(c) == render_sweep(c)


def test_same_config_and_seed_give_the_same_netlist_and_another_seed_differs():
    a, b, c = render_netlist(_xor(3)), render_netlist(_xor(3)), render_netlist(_xor(4))
    assert a == b
    assert a != c
    # only the device values differ between seeds
    strip = [re.sub(r"^(Rw\S+ \S+ \S+) .*$", r"\1", s, flags=re.M) for s in (a, c)]
    assert strip[0] == strip[1]


def test_names_are_readable(examples):
    text = render_netlist(load_run_config(examples / "xor.toml").circuit())
    for name in ("Rw1_2_3 x1p h1_3 ", "Rw2_5_3 b2_1 o1n ", "Vx0p x0p 0 DC 0",
                 "Vx0n x0n 0 DC 0\n", "Xh1_0f h1_0 dhi ideal_diode", "Inudge_o1n 0 o1n DC 0"):
        assert name in text
    assert not re.search(r"DC -0\s", text)


def test_header_options_and_analysis():
    text = render_netlist(_xor(0))
    lines = text.splitlines()
    assert lines[0] == "spicelearn layered 2-4-2"
    assert lines[1].startswith("* layered EqProp network 2-4-2")
    assert "* rendered by spicelearn (static form)" in lines
    opts = " ".join(f"{k}={v}" for k, v in DEFAULT_OPTIONS.items())
    assert f".options {opts}" in lines
    assert lines[-2:] == [".op", ".end"]
    sweep = render_sweep(_xor(0)).splitlines()
    assert "Vidx idx 0 DC 0" in sweep and ".op" not in sweep and sweep[-1] == ".end"


def test_static_form_writes_the_input_sample_with_its_sign():
    c = build_crossbar(Crossbar(np.full((2, 1), 1e-3)))
    text = render_netlist(c, x=np.array([0.25, -0.5]))
    assert "Vr0 r0 0 DC 0.25\n" in text and "Vr1 r1 0 DC -0.5\n" in text
    assert "Rw1_0_0 r0 c0 1000\n" in text


def test_wrong_sample_shape_is_a_netlist_error():
    c = build_crossbar(Crossbar(np.full((2, 1), 1e-3)))
    with pytest.raises(NetlistError, match=r"shape \(3,\), expected \(2,\)"):
        render_netlist(c, x=np.zeros(3))
