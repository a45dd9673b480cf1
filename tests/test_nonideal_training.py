"""Non-idealities in ``[network.devices]`` reach training: statistics, exact resume, bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from killresume import kill_and_resume

from spicelearn.run_config import parse_run_config
from spicelearn.runs.checkpoint import load_checkpoint
from spicelearn.runs.rundir import read_metrics

BASE = """
seed = 5
[network]
name = "iris"
inputs = 4
hidden = [4]
outputs = 3
[network.devices]
model = "{model}"
{devices}
[data]
dataset = "iris"
[training]
engine = "{engine}"
epochs = {epochs}
batch_size = 16
programmer = "{programmer}"
"""
ALL_ON = """device_to_device = 0.1
cycle_to_cycle = 0.05
stuck_on = 0.05
stuck_off = 0.05
levels = 32
read_noise = 0.02"""


def _write(tmp_path: Path, devices: str = "", model: str = "yakopcic", engine: str = "numeric",
           epochs: int = 1, programmer: str = "pulse", name: str = "c.toml") -> Path:
    p = tmp_path / name
    p.write_text(BASE.format(model=model, devices=devices, engine=engine, epochs=epochs,
                             programmer=programmer))
    return p


def _setup(path: Path):
    import tomllib

    from spicelearn.runs.training import prepare

    return prepare(parse_run_config(tomllib.loads(path.read_text())))


def test_off_by_default_and_resolved_only_when_on(tmp_path):
    off = _setup(_write(tmp_path))
    assert not off.nonideal.any
    assert "levels" not in off.resolved["network"]["devices"]
    on = _setup(_write(tmp_path, ALL_ON, name="on.toml"))
    assert on.nonideal.levels == 32 and on.nonideal.read_noise == 0.02
    assert on.resolved["network"]["devices"]["stuck_on"] == 0.05
    assert on.run_id != off.run_id


def test_stuck_devices_and_levels_shape_the_trained_conductances(tmp_path, run_cli):
    out = tmp_path / "run"
    cfg = _write(tmp_path, "stuck_on = 0.1\nstuck_off = 0.1\nlevels = 8", epochs=2)
    code, _, stderr = run_cli(["train", cfg, "--out", out, "--quiet"])
    assert code == 0, stderr
    setup = _setup(cfg)
    model = setup.circuit.model
    g_min, g_max = model.g_range()
    first, last = load_checkpoint(out, epoch=0), load_checkpoint(out)
    stuck = setup.programmer.population(model, setup.circuit.n_devices).stuck
    assert (stuck > 0).sum() > 0 and (stuck < 0).sum() > 0
    for ck in (first, last):
        np.testing.assert_allclose(ck.g[stuck > 0], g_max, rtol=1e-9)
        np.testing.assert_allclose(ck.g[stuck < 0], g_min, rtol=1e-9)
    free = stuck == 0
    assert not np.allclose(first.g[free], last.g[free])
    k = (last.g - g_min) / ((g_max - g_min) / 7)
    np.testing.assert_allclose(k, np.rint(k), atol=1e-6)   # on one of the 8 levels
    assert len(np.unique(np.rint(k))) > 1


def test_read_noise_changes_the_run_and_stays_reproducible(tmp_path, run_cli):
    rows = {}
    for name, devices in (("clean", ""), ("a", "read_noise = 0.05"), ("b", "read_noise = 0.05")):
        out = tmp_path / name
        code, _, stderr = run_cli(["train", _write(tmp_path, devices, name=f"{name}.toml"),
                                   "--out", out, "--quiet"])
        assert code == 0, stderr
        rows[name] = read_metrics(out / "metrics.csv")
    keys = ("loss", "test_loss", "dg_error")
    assert [[r[k] for k in keys] for r in rows["a"]] == [[r[k] for k in keys] for r in rows["b"]]
    assert rows["a"][0]["loss"] != rows["clean"][0]["loss"]  # the evaluation reads noisy g
    assert rows["a"][-1]["dg_error"] != rows["clean"][-1]["dg_error"]


@pytest.mark.slow
def test_resume_after_kill_equals_uninterrupted_with_nonidealities(tmp_path):
    cfg = _write(tmp_path, ALL_ON, epochs=3)
    full, cut = tmp_path / "full", tmp_path / "cut"
    kill_and_resume(cfg, full, cut, epochs=3, timeout=600)
    keys = ("epoch", "loss", "train_acc", "test_acc", "test_loss", "pulses", "energy",
            "dg_error")
    fa, fb = read_metrics(full / "metrics.csv"), read_metrics(cut / "metrics.csv")
    assert [[r[k] for k in keys] for r in fa] == [[r[k] for k in keys] for r in fb]
    a, b = load_checkpoint(full), load_checkpoint(cut)
    assert np.array_equal(a.g, b.g)
    for key in ("state", "trajectory"):
        assert np.array_equal(a.programmer_state[key], b.programmer_state[key])


@pytest.mark.parametrize(("model", "devices", "programmer", "message"), [
    ("yakopcic", "stuck_on = 1.5", "pulse", "'network.devices.stuck_on' must be in [0, 1]"),
    ("yakopcic", "stuck_on = 0.7\nstuck_off = 0.7", "pulse", "stuck_on + stuck_off <= 1"),
    ("yakopcic", "levels = 1", "pulse", "'network.devices.levels' must be >= 2"),
    ("yakopcic", "levels = 2.5", "pulse", "'network.devices.levels' must be an integer"),
    ("yakopcic", "read_noise = -0.1", "pulse", "'network.devices.read_noise' must be in [0, 1)"),
    ("yakopcic", "cycle_to_cycle = 1.0", "pulse", "'network.devices.cycle_to_cycle'"),
    ("ideal", "device_to_device = 0.1", "ideal", "device_to_device spreads the state equation"),
    ("yakopcic", "cycle_to_cycle = 0.1", "array",
     "cycle_to_cycle noise is not modelled by the array programmer"),
])
def test_bad_nonidealities_are_one_line(tmp_path, run_cli, model, devices, programmer, message):
    out = tmp_path / "run"
    cfg = _write(tmp_path, devices, model=model, programmer=programmer)
    code, stdout, stderr = run_cli(["train", cfg, "--out", out, "--quiet"])
    assert code == 2 and stdout == ""
    assert stderr.startswith("spicelearn: error: ") and len(stderr.splitlines()) == 1
    assert message in stderr
    assert not out.exists()
