"""The device seam through the whole package: every registered model in a network.

Parametrized over :data:`DEVICE_MODELS` (both renderings where the model has a
Verilog-A module): a small layered network of that model's devices is settled by
both engines, which agree, and the ngspice EqProp estimate (with the model's
co-content derivative) matches the numeric adjoint gradient. Also: frozen
states stay frozen in ngspice, the adjoint of a nonlinear device matches finite
differences, the circuit keeps states and conductances together, training runs
end to end on memristors, and bad device input is one line through the CLI.
"""

from __future__ import annotations

import dataclasses
import json
import re
import tomllib
from pathlib import Path

import numpy as np
import pytest

from spicelearn.devices import DEVICE_MODELS, make_device_model
from spicelearn.devices.programmers import IdealProgrammer
from spicelearn.devices.yakopcic import Yakopcic
from spicelearn.engines import NgspiceEngine, NumericEngine
from spicelearn.engines._ngspice_session import Features
from spicelearn.engines.bench import bench_networks, run_bench
from spicelearn.engines.sweep_form import render_sweep
from spicelearn.errors import NetworkError
from spicelearn.learning.costs import MSE
from spicelearn.learning.eqprop import energy_gradient
from spicelearn.netlist.devices import device_form
from spicelearn.netlist.draw import crossbar_grid
from spicelearn.netlist.parse import parse_netlist_file
from spicelearn.netlist.render import render_netlist
from spicelearn.network.from_config import build_circuit, network_from_config
from spicelearn.run_config import load_run_config
from spicelearn.runs.checkpoint import load_checkpoint
from spicelearn.runs.validate import validate_circuit

ROOT = Path(__file__).resolve().parents[1]
CASES = [(name, "behavioural") for name in DEVICE_MODELS] + [
    (name, "verilog-a") for name, cls in DEVICE_MODELS.items() if cls.verilog_a]
NONLINEAR = sorted(n for n, c in DEVICE_MODELS.items() if not c().ohmic)


def network(model: str, rendering: str = "behavioural", hidden: tuple[int, ...] = (3,),
            seed: int = 0, **params: float):
    """A 2-hidden-2 layered network of ``model`` devices (default parameters)."""
    devices: dict[str, object] = {"model": model, **params}
    if DEVICE_MODELS[model].verilog_a:
        devices["rendering"] = rendering
    table = {"inputs": 2, "hidden": list(hidden), "outputs": 2, "devices": devices}
    return build_circuit(network_from_config(table, seed=seed))


def test_every_model_of_the_registry_is_configurable():
    assert NONLINEAR == ["stanford_pku", "yakopcic"]
    for name in DEVICE_MODELS:
        c = network(name)
        assert c.model == make_device_model(name)
        assert (c.g_min, c.g_max) == pytest.approx(c.model.g_range(), rel=1e-12)
        assert np.allclose(c.model.conductance(c.state), c.g, rtol=1e-12, atol=0)


@pytest.mark.parametrize("name, rendering", CASES)
def test_engines_agree_and_eqprop_matches_the_adjoint(name, rendering):
    c = network(name, rendering)
    form = device_form(c)
    assert form == ("osdi" if rendering == "verilog-a"
                    else "bsource" if name in NONLINEAR else "resistor")
    result = validate_circuit(c, n_samples=12, seed=1)
    assert result["max_abs_dv"] <= 1e-9, result
    assert result["grad_cosine"] >= 0.999999, result
    assert result["passed"]


STRONG = {"yakopcic": {"b_iv": 2.0}, "stanford_pku": {}}
"""Parameters that make the sinh I-V strongly nonlinear within ±1 V (Yakopcic's published
b = 0.05 1/V is within 0.04 % of a resistor there)."""


@pytest.mark.parametrize("name", NONLINEAR)
def test_nonlinear_devices_are_nonlinear_in_both_engines(name):
    """At ±1 V inputs the sinh I-V moves the outputs away from an ohmic network's."""
    c = network(name, **STRONG[name])
    ohmic = dataclasses.replace(c, device_model=make_device_model("ideal", g_min=c.g_min,
                                                                  g_max=c.g_max))
    x = np.array([[1.0, -1.0], [-1.0, 1.0], [0.9, 0.8]])
    v_ng = NgspiceEngine().settle(c, x).v
    v_num = NumericEngine().settle(c, x).v
    assert np.abs(v_ng - v_num).max() < 1e-9
    assert np.abs(v_num - NumericEngine().settle(ohmic, x).v).max() > 1e-3


@pytest.mark.parametrize("name", NONLINEAR)
def test_adjoint_of_nonlinear_devices_matches_finite_differences(name):
    c = network(name, hidden=(3,), **STRONG[name])
    rng = np.random.default_rng(3)
    x = rng.uniform(-1.0, 1.0, (3, 2))
    y = rng.uniform(-0.2, 0.2, (3, 2))
    engine, cost = NumericEngine(), MSE()
    s = engine.settle(c, x)
    exact = engine.adjoint_gradient(c, s, cost.grad(s.outputs, y, c.differential))
    fd = np.zeros_like(exact)
    for k in range(c.n_devices):
        h = 1e-4 * c.g[k]
        losses = []
        for sign in (1.0, -1.0):
            g = c.g.copy()
            g[k] += sign * h
            out = engine.settle(c.with_devices(g, None), x).outputs
            losses.append(cost.value(out, y, c.differential))
        fd[:, k] = (losses[0] - losses[1]) / (2 * h)
    assert np.linalg.norm(exact - fd) / np.linalg.norm(fd) < 1e-6


def test_energy_gradient_is_the_co_content_derivative():
    model = make_device_model("yakopcic", a1=0.3, a2=0.1)
    dv = np.linspace(-1.2, 1.2, 13)[None, :]
    assert np.allclose(energy_gradient(dv), 0.5 * dv**2)
    assert np.allclose(energy_gradient(dv, model), model.shape_integral(dv))
    assert np.abs(energy_gradient(dv, model) - 0.5 * dv**2).max() > 1e-3


@pytest.mark.parametrize("rendering", ["behavioural", "verilog-a"])
def test_ngspice_settle_keeps_a_frozen_state(ngspice_op, rendering):
    """Inputs of ±1.5 V drive devices past Yakopcic's thresholds (0.65 V / 0.56 V): a
    dynamic device would switch; the settle phases hold every state where it was."""
    c = network("yakopcic", rendering, hidden=(2,))
    x = np.array([[1.5, -1.5], [-1.5, 1.5]])
    s = NgspiceEngine().settle(c, x)
    assert np.abs(s.dv).max() > 0.8  # far beyond the switching thresholds
    assert np.abs(s.v - NumericEngine().settle(c, x).v).max() < 1e-9
    again = NgspiceEngine().settle(c, x[::-1])  # the reverse order: nothing was carried over
    assert np.abs(again.v[::-1] - s.v).max() < 1e-9
    volts = ngspice_op(render_netlist(c, x[0]))  # ngspice -b prints 6 digits
    for node, v in zip(c.nodes, s.v[0], strict=True):
        assert volts[node.lower()] == pytest.approx(v, rel=1e-5, abs=1e-9)
    if rendering == "verilog-a":  # the module's own state node sits at x0
        for dev, xk in zip(c.devices, c.state, strict=True):
            assert volts[f"n{dev.name.lower()}#x"] == pytest.approx(xk, rel=1e-5)


def test_netlist_forms():
    y = network("yakopcic")
    text = render_sweep(y)
    assert re.search(r"^BRw1_0_0 x0p h1_0 I=\(sinh\(0\.05\*\(V\(x0p,h1_0\)\)\)/0\.05\) "
                     r"m=[0-9.e-]+$", text, re.M)
    assert "devices: yakopcic (behavioural) r_on=100" in text
    va = network("yakopcic", "verilog-a")
    static = render_netlist(va)
    assert re.search(r"^\.model memdev yakopcic r_on=100\.0 .* frozen=1$", static, re.M)
    assert re.search(r"^NRw1_0_0 x0p h1_0 memdev x0=[0-9.e-]+$", static, re.M)
    assert re.search(r"^pre_osdi .*/yakopcic-[0-9a-f]{64}\.osdi$", static, re.M)
    assert "pre_osdi" not in render_sweep(va)
    hp = render_netlist(network("biolek"))
    assert re.search(r"^Rw1_0_0 x0p h1_0 [0-9.e+]+$", hp, re.M)


def test_alter_after_a_change_matches_a_fresh_load():
    for rendering in ("behavioural", "verilog-a"):
        c = network("stanford_pku", rendering, hidden=(4,))
        x = np.random.default_rng(2).uniform(-0.8, 0.8, (6, 2))
        eng = NgspiceEngine()
        before = eng.settle(c, x).v
        g = c.g.copy()
        g[::2] *= 0.6
        c2 = c.with_conductances(g)
        altered = eng.settle(c2, x).v
        assert np.abs(altered - before).max() > 1e-3
        assert np.abs(altered - NumericEngine().settle(c2, x).v).max() < 1e-9


def test_workers_settle_nonlinear_devices_exactly_like_one_engine():
    c = network("yakopcic", hidden=(4,))
    x = np.random.default_rng(5).uniform(-0.6, 0.6, (40, 2))
    one = NgspiceEngine(block=20).settle(c, x).v
    with NgspiceEngine(workers=2, block=20) as eng:
        assert np.array_equal(eng.settle(c, x).v, one)
        c2 = c.with_conductances(c.g * 1.2)
        assert np.array_equal(eng.settle(c2, x).v, NgspiceEngine(block=20).settle(c2, x).v)


# -- the circuit keeps states and conductances together ------------------------------

def test_states_and_conductances_stay_together():
    c = network("stanford_pku")
    nodes, index = c.nodes, c.terminal_index  # derived once, kept by every copy
    lo, hi = c.model.state_bounds()
    x = np.linspace(lo, hi, c.n_devices)
    s = c.with_states(x)
    assert np.array_equal(s.state, x)
    assert np.array_equal(s.g, c.model.conductance(x))
    assert s.nodes is nodes and s.terminal_index is index
    kept = dataclasses.replace(s, title="renamed")  # a copy keeps the exact states
    assert np.array_equal(kept.state, x)
    g = c.g * 1.01
    moved = dataclasses.replace(s, g=g)  # a new g brings its own states
    assert np.allclose(moved.state, c.model.state_of(g), rtol=0, atol=1e-15)
    with pytest.raises(NetworkError, match="states must lie in"):
        c.with_states(np.full(c.n_devices, hi + 0.1))
    with pytest.raises(NetworkError, match="outside the stanford_pku device's range"):
        c.with_conductances(np.full(c.n_devices, 2 * c.g_max))
    at_bound = c.with_conductances(np.full(c.n_devices, c.g_max * (1 + 1e-13)))
    assert np.all(at_bound.g == c.g_max)  # rounding past a bound is clipped onto it


def test_ideal_conductances_are_states_and_any_positive_g_is_allowed():
    c = load_run_config(ROOT / "examples" / "xor.toml").circuit()
    assert c.model.name == "ideal" and np.array_equal(c.state, c.g)
    g = c.g.copy()
    g[0] = 0.5 * c.g_min  # finite differences step across the programmer's bound
    assert c.with_conductances(g).g[0] == 0.5 * c.g_min


def test_programmer_sets_states_of_the_new_conductances():
    model = make_device_model("yakopcic")
    lo, hi = model.g_range()
    g = np.array([2e-4, 5e-3, 9.99e-3])
    res = IdealProgrammer().program(model, model.state_of(g), np.array([1e-4, -1e-3, 1e-3]),
                                    np.random.default_rng(0))
    assert np.allclose(res.conductance, [3e-4, 4e-3, hi], rtol=1e-12)
    assert np.allclose(res.state, model.state_of(res.conductance))
    assert res.state.max() == pytest.approx(1.0)


# -- bench, training, the example ----------------------------------------------------

def test_bench_builds_the_networks_with_the_device_model():
    nets = bench_networks("large", "yakopcic")
    assert nets["large"].model.name == "yakopcic" and nets["large"].n_devices == 4840
    report = run_bench("iris", samples=20, rebuild_samples=1, alter_samples=2,
                       device="stanford_pku")["iris"]
    assert report["device"] == "stanford_pku"
    assert set(report["ms_per_sample"]) >= {"batched", "batched_va", "alter_op", "rebuild",
                                            "numeric"}
    assert max(report["max_abs_dv_to_batched"].values()) < 1e-9


def test_bench_cli_names_an_unknown_device(run_cli):
    code, _, stderr = run_cli(["bench", "settle", "--network", "iris", "--device", "nope"])
    assert code == 2 and len(stderr.strip().splitlines()) == 1
    assert "unknown device model 'nope'" in stderr and "yakopcic" in stderr


def test_example_config_validates():
    c = load_run_config(ROOT / "examples" / "iris_yakopcic.toml").circuit()
    assert c.model.name == "yakopcic" and device_form(c) == "bsource"
    result = validate_circuit(c, n_samples=16)
    assert result["passed"] and result["max_abs_dv"] <= 1e-6
    assert result["grad_cosine"] >= 0.999


TRAIN = """seed = 1
[network]
name = "iris"
inputs = 4
hidden = [4]
outputs = 3
[network.devices]
{devices}
[data]
dataset = "iris"
[training]
engine = "ngspice"
epochs = 2
batch_size = 16
"""


@pytest.mark.parametrize("devices", ['model = "yakopcic"',
                                     'model = "yakopcic"\nrendering = "verilog-a"',
                                     'model = "ideal"'])
def test_train_on_devices_end_to_end(tmp_path, run_cli, devices):
    cfg, out = tmp_path / "c.toml", tmp_path / "run"
    cfg.write_text(TRAIN.format(devices=devices))
    code, stdout, stderr = run_cli(["train", cfg, "--out", out, "--quiet"])
    assert code == 0, stderr
    assert "test accuracy" in stdout
    resolved = tomllib.loads((out / "config.toml").read_text())["network"]["devices"]
    model = make_device_model(resolved["model"], **{
        k: v for k, v in resolved.items() if k not in ("model", "rendering", "init_low",
                                                        "init_high")})
    run_id = json.loads((out / "run.json").read_text())["run_id"]
    first = load_checkpoint(out, run_id, epoch=0).g
    last = load_checkpoint(out, run_id).g
    lo, hi = model.g_range()
    assert np.all((last >= lo) & (last <= hi)) and np.abs(last - first).max() > 1e-6
    states = model.state_of(last)  # the states the programmer set
    x_lo, x_hi = model.state_bounds()
    assert np.all((states >= x_lo - 1e-9) & (states <= x_hi + 1e-9))
    assert np.allclose(model.conductance(states), last, rtol=1e-12)
    report = (out / "report.md").read_text()
    if resolved["model"] != "ideal":
        assert f"{resolved['model']} devices ({resolved['rendering']})" in report
    code, stdout, _ = run_cli(["evaluate", out])
    assert code == 0 and "test" in stdout


# -- bad input: one line, exit 2, nothing written ------------------------------------

def _fails(run_cli, tmp_path, args, *needles):
    out = tmp_path / "out"
    code, _, stderr = run_cli([*args, out] if args[0] == "netlist" else [*args, "--out", out])
    lines = stderr.strip().splitlines()
    assert code == 2 and len(lines) == 1, stderr
    assert lines[0].startswith("spicelearn: error: ")
    for n in needles:
        assert n in lines[0], lines[0]
    assert not out.exists()
    return lines[0]


@pytest.mark.parametrize("devices, needles", [
    ('model = "memristor"', ("unknown device model 'memristor'", "yakopcic")),
    ('model = "yakopcic"\nr_of = 5e3', ("unknown config key 'network.devices.r_of'", "r_off")),
    ('model = "yakopcic"\ng_min = 1e-5', ("unknown config key 'network.devices.g_min'",)),
    ('model = "ideal"\nrendering = "verilog-a"', ("'network.devices.rendering'",)),
    ('model = "linear_step"\nrendering = "verilog-a"', ("'network.devices.rendering'",)),
    ('model = "yakopcic"\nrendering = "spice"', ("unknown rendering 'spice'",)),
    ('model = "yakopcic"\nr_on = -100.0', ("'network.devices.r_on' must be > 0 Ohm",)),
    ('model = "yakopcic"\nr_off = 50.0', ("not a valid yakopcic device", "r_off > r_on")),
    ('model = "stanford_pku"\nbeta = -1.0', ("not a valid stanford_pku device", "beta")),
    ('model = "yakopcic"\nxp = 1.5', ("not a valid yakopcic device", "xp")),
    ('model = "yakopcic"\nb_iv = "x"', ("'network.devices.b_iv' must be a number",)),
    ('model = "yakopcic"\ninit_low = 1e-6', ("init_low", "conductance range")),
])
def test_bad_devices_through_the_cli(tmp_path, run_cli, devices, needles):
    cfg = tmp_path / "c.toml"
    cfg.write_text(TRAIN.format(devices=devices))
    _fails(run_cli, tmp_path, ["train", cfg], *needles)
    _fails(run_cli, tmp_path, ["netlist", cfg, "-o"], *needles)


def test_verilog_a_without_osdi_says_what_to_install(tmp_path, run_cli, monkeypatch):
    from spicelearn.engines import _ngspice_session

    monkeypatch.setattr(_ngspice_session, "_features",
                        Features(version=39, klu=False, osdi=False, banner=()))
    cfg = tmp_path / "c.toml"
    cfg.write_text(TRAIN.format(devices='model = "yakopcic"\nrendering = "verilog-a"'))
    _fails(run_cli, tmp_path, ["train", cfg], "needs Verilog-A (OSDI)", "ngspice 39",
           "bookworm-backports")
    cfg.write_text(TRAIN.format(devices='model = "yakopcic"'))  # behavioural needs no OSDI
    assert run_cli(["train", cfg, "--out", tmp_path / "ok", "--quiet"])[0] == 0


def test_verilog_a_that_does_not_compile(tmp_path, run_cli, monkeypatch):
    bad = tmp_path / "yakopcic.va"
    bad.write_text('`include "disciplines.vams"\nmodule yakopcic(a, b);\n'
                   "    inout a, b;\n    electrical a, b;\n    analog begin\n"
                   "        I(a, b) <+ V(a, b) *;\n    end\nendmodule\n")
    monkeypatch.setattr(Yakopcic, "verilog_a", str(bad))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    cfg = tmp_path / "c.toml"
    cfg.write_text(TRAIN.format(devices='model = "yakopcic"\nrendering = "verilog-a"'))
    line = _fails(run_cli, tmp_path, ["train", cfg], "yakopcic.va: Verilog-A compilation failed",
                  "(at yakopcic.va:6:")
    assert "\x1b" not in line
    _fails(run_cli, tmp_path, ["netlist", cfg, "-o"], "Verilog-A compilation failed")


@pytest.mark.parametrize("rendering", ["behavioural", "verilog-a"])
def test_inspect_reads_memristor_netlists(tmp_path, run_cli, rendering):
    """Devices written as B-sources count with g = m; OSDI instances with their state x0."""
    c = network("yakopcic", rendering)
    path = tmp_path / "y.cir"
    path.write_text(render_netlist(c))
    code, stdout, stderr = run_cli(["inspect", path, "--json", "--graph", tmp_path / "y.graphml"])
    assert code == 0, stderr
    report = json.loads(stdout)
    assert report["problems"] == []
    assert report["devices"]["count"] == c.n_devices
    if rendering == "behavioural":
        assert report["elements"]["B"] == c.n_devices
        assert report["devices"]["g_min"] == pytest.approx(c.g.min(), rel=1e-11)
        assert report["devices"]["g_max"] == pytest.approx(c.g.max(), rel=1e-11)
        assert (tmp_path / "y.graphml").read_text().count('<data key="d8">') == c.n_devices
    else:
        assert report["elements"]["N"] == c.n_devices and report["devices"]["g_min"] is None
        assert report["devices"]["x0_min"] == pytest.approx(c.state.min(), rel=1e-11)
        assert report["devices"]["x0_max"] == pytest.approx(c.state.max(), rel=1e-11)


@pytest.mark.parametrize("rendering", ["behavioural", "verilog-a"])
def test_draw_a_memristor_crossbar(tmp_path, run_cli, rendering):
    table = {"kind": "crossbar", "rows": 3, "cols": 2,
             "devices": {"model": "stanford_pku", "rendering": rendering}}
    c = build_circuit(network_from_config(table, seed=0))
    path = tmp_path / "xb.cir"
    path.write_text(render_netlist(c))
    code, stdout, stderr = run_cli(["inspect", path, "--draw", tmp_path / "xb.png"])
    assert code == 0, stderr
    png = (tmp_path / "xb.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    assert crossbar_grid(parse_netlist_file(path)) == (3, 2)  # drawn as a crossbar
