"""Bad input through the CLI: exit status 2, one line on stderr naming the problem,
no output file."""

from __future__ import annotations

import numpy as np
import pytest

from spicelearn.errors import NetworkError
from spicelearn.network import Crossbar, LayeredNetwork, build_crossbar, build_layered, layer_shapes

GOOD = """seed = 0
[network]
inputs = 2
hidden = [3]
outputs = 2
"""


def _fails(run_cli, tmp_path, args, *needles):
    out = tmp_path / "out.cir"
    code, stdout, stderr = run_cli([*args, "-o", out])
    assert code == 2
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("spicelearn: error: ")
    for n in needles:
        assert n in lines[0]
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.cir")] == []
    return lines[0]


@pytest.mark.parametrize("extra, needles", [
    ("[network.diode]\nkind = 'tanh'\n",
     ("unknown nonlinearity 'tanh'", "'network.diode.kind'", "spice, ideal, none")),
    ("[network.devices]\nmodel = 'memristor'\n",
     ("unknown device model 'memristor'", "'network.devices.model'", "known: ideal,",
      "yakopcic")),
    ("[network.devices]\ng_min = 0.0\n", ("'network.devices.g_min'", "> 0 S")),
    ("[network.devices]\ninit_low = -1e-4\n", ("'network.devices.init_low'", "> 0 S")),
    ("[network.devices]\nbogus = 1\n", ("unknown config key 'network.devices.bogus'",)),
    ("[network.diode]\niss = 1e-14\n", ("unknown config key 'network.diode.iss'",)),
])
def test_bad_network_keys(run_cli, tmp_path, extra, needles):
    cfg = tmp_path / "bad.toml"
    cfg.write_text(GOOD + extra)
    _fails(run_cli, tmp_path, ["netlist", cfg], *needles)


def test_unknown_top_level_key_and_zero_size_layer(run_cli, tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text("sed = 1\n" + GOOD)
    _fails(run_cli, tmp_path, ["netlist", cfg], "unknown config key 'sed'")
    cfg.write_text(GOOD.replace("hidden = [3]", "hidden = [3, 0]"))
    _fails(run_cli, tmp_path, ["netlist", cfg], "'network.hidden'", "zero-size layer",
           "layer 2 = 0")
    cfg.write_text(GOOD.replace("outputs = 2", "outputs = 0"))
    _fails(run_cli, tmp_path, ["netlist", cfg], "'network.outputs' must be > 0")


def test_missing_config_and_bad_toml(run_cli, tmp_path):
    _fails(run_cli, tmp_path, ["netlist", tmp_path / "none.toml"], "config file not found")
    cfg = tmp_path / "bad.toml"
    cfg.write_text("seed = = 1\n")
    _fails(run_cli, tmp_path, ["netlist", cfg], "invalid TOML")


def test_zero_conductance_in_python_descriptions():
    g = np.full((2, 2), 1e-3)
    g[1, 0] = 0.0
    with pytest.raises(NetworkError, match=r"conductance \(1, 0\) is 0.0 S: .* must be > 0"):
        build_crossbar(Crossbar(g))
    shapes = layer_shapes(1, (2,), 1, False, 1)
    gs = [np.full(s, 1e-3) for s in shapes]
    gs[1][0, 0] = -1e-3
    with pytest.raises(NetworkError, match=r"layer 2: conductance \(0, 0\) is -0.001 S"):
        build_layered(LayeredNetwork(1, (2,), 1, tuple(gs), differential=False))
    with pytest.raises(NetworkError, match="hidden layer 1 has size 0"):
        build_layered(LayeredNetwork(1, (0,), 1, tuple(gs), differential=False))


def test_missing_and_unparseable_netlists(run_cli, tmp_path):
    out = tmp_path / "g.graphml"
    code, _, err = run_cli(["inspect", tmp_path / "nope.cir", "--graph", out])
    assert code == 2 and err.count("\n") == 1 and "netlist file not found" in err
    bad = tmp_path / "bad.cir"
    bad.write_text("title\nV1 a 0 1\nR1 a 0 1k\n" + "C1 a 0 1u\n" * 8 + "R3 a\n.end\n")
    code, stdout, err = run_cli(["inspect", bad, "--graph", out, "--draw", tmp_path / "x.png"])
    assert code == 2 and stdout == ""
    assert err.strip() == "spicelearn: error: bad.cir:12: resistor R3 needs 2 nodes and a value"
    assert not out.exists() and not (tmp_path / "x.png").exists()


def test_too_large_to_draw_writes_nothing(run_cli, tmp_path):
    cfg = tmp_path / "big.toml"
    cfg.write_text("[network]\nkind = 'crossbar'\nrows = 9\ncols = 9\n")
    deck = tmp_path / "big.cir"
    assert run_cli(["netlist", cfg, "-o", deck])[0] == 0
    code, _, err = run_cli(["inspect", deck, "--graph", tmp_path / "g.graphml",
                            "--draw", tmp_path / "big.png"])
    assert code == 2 and "crossbar 9x9 is too large to draw" in err
    assert not (tmp_path / "big.png").exists() and not (tmp_path / "g.graphml").exists()
