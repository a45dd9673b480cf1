"""Checkpoints and the run folder: round trips, corruption, foreign runs, guards."""

from __future__ import annotations

import tomllib

import numpy as np
import pytest

from spicelearn.errors import CheckpointError, RunDirError
from spicelearn.runs.checkpoint import (
    Checkpoint,
    checkpoint_dir,
    latest_epoch,
    load_checkpoint,
    save_checkpoint,
)
from spicelearn.runs.folder import NewRun, foreign_entries, read_manifest
from spicelearn.runs.rundir import (
    dump_toml,
    read_metrics,
    run_id_of,
    write_metrics,
)


def _ck(epoch: int, run_id: str = "abc") -> Checkpoint:
    rng = np.random.default_rng(epoch)
    rng.random(3)
    return Checkpoint(epoch=epoch, run_id=run_id, g=np.linspace(1e-4, 1e-3, 5) * (epoch + 1),
                      optimizer="adam",
                      optimizer_state={"m": np.ones(5) * epoch, "v": np.arange(5.0),
                                       "t": np.array(epoch)},
                      rng_state=rng.bit_generator.state,
                      metrics=[{"epoch": e, "loss": 1.0 / (e + 1)} for e in range(epoch + 1)])


def test_round_trip_is_exact(tmp_path):
    ck = _ck(3)
    save_checkpoint(tmp_path, ck)
    back = load_checkpoint(tmp_path, "abc")
    assert back.epoch == 3 and np.array_equal(back.g, ck.g)
    assert np.array_equal(back.optimizer_state["m"], ck.optimizer_state["m"])
    assert int(back.optimizer_state["t"]) == 3
    r1, r2 = np.random.default_rng(), np.random.default_rng()
    r1.bit_generator.state = ck.rng_state
    r2.bit_generator.state = back.rng_state
    assert np.array_equal(r1.random(4), r2.random(4))
    assert back.metrics == ck.metrics


def test_keeps_first_and_newest(tmp_path):
    for e in range(4):
        save_checkpoint(tmp_path, _ck(e))
    names = sorted(p.name for p in checkpoint_dir(tmp_path).iterdir())
    assert names == ["epoch_0000.json", "epoch_0000.npz", "epoch_0003.json", "epoch_0003.npz"]
    assert latest_epoch(tmp_path) == 3
    assert load_checkpoint(tmp_path, "abc", epoch=0).epoch == 0


def test_corrupt_npz_is_refused(tmp_path):
    save_checkpoint(tmp_path, _ck(1))
    npz = checkpoint_dir(tmp_path) / "epoch_0001.npz"
    raw = bytearray(npz.read_bytes())
    raw[100] ^= 0xFF
    npz.write_bytes(bytes(raw))
    with pytest.raises(CheckpointError, match="corrupt"):
        load_checkpoint(tmp_path, "abc")


def test_corrupt_json_is_refused(tmp_path):
    save_checkpoint(tmp_path, _ck(1))
    (checkpoint_dir(tmp_path) / "epoch_0001.json").write_text("{not json")
    with pytest.raises(CheckpointError, match="unreadable or corrupt"):
        load_checkpoint(tmp_path, "abc")


def test_foreign_checkpoint_is_refused(tmp_path):
    save_checkpoint(tmp_path, _ck(1, run_id="other"))
    with pytest.raises(CheckpointError, match="belongs to another run"):
        load_checkpoint(tmp_path, "abc")


def test_missing_checkpoint(tmp_path):
    with pytest.raises(CheckpointError, match="no checkpoint"):
        load_checkpoint(tmp_path, "abc")


def test_toml_round_trip():
    d = {"seed": 3, "network": {"hidden": [4, 2], "bias": [0.5, -0.5], "differential": True,
                                "diode": {"is": 1e-14, "kind": "spice"}},
         "training": {"lr": [1e-4], "beta": 1e-05, "cost": "cross_entropy"}}
    assert tomllib.loads(dump_toml(d)) == d


def test_run_id_ignores_workers_only():
    a = {"seed": 0, "training": {"workers": 1, "lr": [1e-4]}}
    b = {"seed": 0, "training": {"workers": 4, "lr": [1e-4]}}
    c = {"seed": 1, "training": {"workers": 1, "lr": [1e-4]}}
    assert run_id_of(a) == run_id_of(b) != run_id_of(c)


def _claim(out, force=False):
    with NewRun(out, force, [("config.toml", "seed = 0\n"), ("run.json", "{}\n")]):
        pass


def test_run_dir_guard(tmp_path):
    out = tmp_path / "run"
    _claim(out)
    (out / "notes.txt").write_text("mine")
    with pytest.raises(RunDirError, match="holds another run.*--resume.*--force"):
        _claim(out)
    assert (out / "config.toml").read_text() == "seed = 0\n"
    (out / "config.toml").write_text("seed = 1\n")
    _claim(out, force=True)
    assert (out / "config.toml").read_text() == "seed = 0\n"
    assert (out / "notes.txt").read_text() == "mine"


def test_checkpoints_are_listed_in_the_manifest_before_they_exist(tmp_path):
    _claim(tmp_path / "run")
    for e in range(3):
        save_checkpoint(tmp_path / "run", _ck(e))
    listed = read_manifest(tmp_path / "run")
    assert {"checkpoints/epoch_0000.npz", "checkpoints/epoch_0002.json"} <= listed
    assert "checkpoints/epoch_0001.json" in listed  # dropped at the next checkpoint
    save_checkpoint(tmp_path / "run", _ck(3))
    listed = read_manifest(tmp_path / "run")
    assert "checkpoints/epoch_0001.json" not in listed
    assert foreign_entries(tmp_path / "run", listed) == []


def test_metrics_csv(tmp_path):
    rows = [{"epoch": 0, "loss": 0.5, "train_acc": 0.3, "test_acc": 0.25, "test_loss": 0.6,
             "epoch_time": 0.1, "train_time": 0.0, "cum_train_time": 0.0, "pulses": 12.0,
             "energy": 3.5e-9, "dg_error": 2e-6, "disturbance": 0.0}]
    write_metrics(tmp_path / "m.csv", rows)
    header = (tmp_path / "m.csv").read_text().splitlines()[0]
    assert header.startswith("epoch,loss,train_acc,test_acc,test_loss")
    assert read_metrics(tmp_path / "m.csv") == rows
