"""Training through the ``pulse`` programmer: metrics, exact resume, bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from killresume import kill_and_resume

from spicelearn.runs.checkpoint import load_checkpoint
from spicelearn.runs.rundir import read_metrics

CONFIG = """
seed = 3
[network]
name = "iris"
inputs = 4
hidden = [4]
outputs = 3
[network.devices]
model = "{model}"
[data]
dataset = "iris"
[training]
engine = "{engine}"
epochs = {epochs}
batch_size = {batch}
programmer = "pulse"
{extra}
"""
PROGRAMMING = ("pulses", "energy", "dg_error", "disturbance")


def _config(tmp_path: Path, model: str = "yakopcic", engine: str = "numeric", epochs: int = 2,
            batch: int = 16, extra: str = "") -> Path:
    p = tmp_path / "c.toml"
    p.write_text(CONFIG.format(model=model, engine=engine, epochs=epochs, batch=batch,
                               extra=extra))
    return p


@pytest.mark.parametrize("model", ["yakopcic", "soft_bounds"])
def test_pulse_training_records_pulses_and_energy(tmp_path, run_cli, model):
    out = tmp_path / "run"
    code, _, stderr = run_cli(["train", _config(tmp_path, model, "ngspice"), "--out", out,
                               "--quiet"])
    assert code == 0, stderr
    rows = read_metrics(out / "metrics.csv")
    assert all(k in rows[0] for k in PROGRAMMING)
    assert [r["pulses"] for r in rows[:1]] == [0.0]
    for r in rows[1:]:
        assert r["pulses"] > 0 and r["energy"] > 0 and r["dg_error"] >= 0
        assert r["disturbance"] == 0.0
    report = (out / "report.md").read_text()
    assert "| programming | pulse (identical): per epoch " in report
    for plot in ("trajectories", "states"):
        assert f"![{plot}](plots/{plot}.png)" in report
        assert (out / "plots" / f"{plot}.png").stat().st_size > 10_000
    ck = load_checkpoint(out)
    traj, tracked = ck.programmer_state["trajectory"], ck.programmer_state["trajectory_devices"]
    n_updates = -(-105 // 16)
    assert traj.shape == (1 + 2 * n_updates, tracked.size) and tracked.size == 8
    np.testing.assert_array_equal(traj[-1], ck.g[tracked])
    np.testing.assert_array_equal(traj[0], load_checkpoint(out, epoch=0).g[tracked])
    states = ck.programmer_state["state"]
    assert states.shape == ck.g.shape and not np.allclose(states, load_checkpoint(
        out, epoch=0).programmer_state["state"])


def test_pulse_scheme_and_amplitude_reach_the_programmer(tmp_path, run_cli):
    runs = {}
    for name, extra in (("a", ""), ("b", 'pulse_scheme = "pwm"'), ("c", "pulse_width = 2e-7")):
        out = tmp_path / name
        code, _, stderr = run_cli(["train", _config(tmp_path, epochs=1, extra=extra), "--out",
                                   out, "--quiet"])
        assert code == 0, stderr
        runs[name] = read_metrics(out / "metrics.csv")[-1]
    assert runs["a"]["pulses"] != runs["b"]["pulses"]
    assert runs["a"]["pulses"] != runs["c"]["pulses"]


def test_resume_after_kill_equals_uninterrupted_pulse(tmp_path):
    cfg = _config(tmp_path, epochs=6, batch=2)
    full, cut = tmp_path / "full", tmp_path / "cut"
    kill_and_resume(cfg, full, cut, epochs=6, timeout=300)
    fa, fb = read_metrics(full / "metrics.csv"), read_metrics(cut / "metrics.csv")
    keys = ("epoch", "loss", "train_acc", "test_acc", "test_loss", *PROGRAMMING)
    assert [[r[k] for k in keys] for r in fa] == [[r[k] for k in keys] for r in fb]
    a, b = load_checkpoint(full), load_checkpoint(cut)
    assert np.array_equal(a.g, b.g)
    assert np.array_equal(a.programmer_state["state"], b.programmer_state["state"])


@pytest.mark.parametrize(("model", "extra", "message"), [
    ("ideal", "", "'training.programmer' = 'pulse' does not fit the devices (ideal)"),
    ("yakopcic", 'pulse_scheme = "chirp"', "unknown pulse_scheme 'chirp'"),
    ("yakopcic", "pulse_v_up = -1.0", "training.pulse_v_up"),
])
def test_bad_pulse_config_is_one_line(tmp_path, run_cli, model, extra, message):
    out = tmp_path / "run"
    code, stdout, stderr = run_cli(["train", _config(tmp_path, model, extra=extra), "--out",
                                    out, "--quiet"])
    assert code == 2 and stdout == ""
    assert stderr.startswith("spicelearn: error: ") and len(stderr.splitlines()) == 1
    assert message in stderr
    assert not out.exists()


def test_array_programmer_trains_on_the_crossbar(tmp_path, run_cli):
    """``array`` writes the updates on the crossbar: pulses, and the half-select
    disturbance that ``pulse`` never shows (examples/iris_array.toml, one epoch)."""
    import tomllib

    from spicelearn.runs.rundir import dump_toml

    raw = tomllib.loads((Path(__file__).resolve().parents[1] / "examples" / "iris_array.toml")
                        .read_text())
    raw["training"]["epochs"] = 1
    (tmp_path / "a.toml").write_text(dump_toml(raw))
    out = tmp_path / "run"
    code, _, stderr = run_cli(["train", tmp_path / "a.toml", "--out", out, "--quiet"])
    assert code == 0, stderr
    row = read_metrics(out / "metrics.csv")[-1]
    assert row["pulses"] > 0 and row["energy"] > 0
    assert row["disturbance"] > 0
    assert "| programming | array (pwm): per epoch " in (out / "report.md").read_text()
    resolved = (out / "config.toml").read_text()
    assert 'array_bias = "V/2"' in resolved and "array_r_wire = 1.0" in resolved


def test_array_programmer_on_a_hidden_layer_network(tmp_path, run_cli):
    """A network with a hidden layer: each crossbar layer is its own array."""
    cfg = _config(tmp_path, engine="ngspice", epochs=1, batch=64,
                  extra='pulse_scheme = "pwm"').read_text()
    (tmp_path / "a.toml").write_text(cfg.replace('programmer = "pulse"', 'programmer = "array"'))
    out = tmp_path / "run"
    code, _, stderr = run_cli(["train", tmp_path / "a.toml", "--out", out, "--quiet"])
    assert code == 0, stderr
    first, last = load_checkpoint(out, epoch=0), load_checkpoint(out)
    layers = [slice(0, 40), slice(40, 76)]   # 10x4 and 6x6 crossbars
    for sl in layers:
        assert not np.allclose(first.g[sl], last.g[sl])


def test_iris_pulse_example_learns():
    import tomllib

    from spicelearn.learning.trainer import make_engine, train
    from spicelearn.run_config import parse_run_config
    from spicelearn.runs.training import prepare

    raw = tomllib.loads((Path(__file__).resolve().parents[1] / "examples" / "iris_pulse.toml")
                        .read_text())
    raw["training"]["epochs"] = 4
    setup = prepare(parse_run_config(raw))
    assert setup.training.programmer == "pulse" and setup.circuit.model.name == "yakopcic"
    with make_engine(setup.training.engine, setup.training.workers) as engine:
        metrics = train(setup, engine, progress=False).metrics
    assert metrics[-1]["test_acc"] >= 0.9 and metrics[-1]["pulses"] > 0


@pytest.mark.slow
def test_iris_spice_example_renderings_agree():
    """examples/iris_spice.toml (3 epochs): both renderings of the programming
    transients train Iris past 85 % and end within one test sample of each other."""
    import tomllib

    from spicelearn.learning.trainer import make_engine, train
    from spicelearn.run_config import parse_run_config
    from spicelearn.runs.training import prepare

    raw = tomllib.loads((Path(__file__).resolve().parents[1] / "examples" / "iris_spice.toml")
                        .read_text())
    raw["training"]["epochs"] = 3
    final = {}
    for rendering in ("verilog-a", "behavioural"):
        raw["network"]["devices"]["rendering"] = rendering
        setup = prepare(parse_run_config(raw))
        assert setup.programmer.name == "spice" and setup.programmer.rendering == rendering
        with make_engine(setup.training.engine, setup.training.workers) as engine:
            res = train(setup, engine, progress=False)
        final[rendering] = res.metrics[-1]
        assert final[rendering]["test_acc"] >= 0.85 and final[rendering]["pulses"] > 0
    n_test = 45
    diff = abs(final["verilog-a"]["test_acc"] - final["behavioural"]["test_acc"]) * n_test
    assert diff <= 1 + 1e-9
