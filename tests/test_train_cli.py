"""``spicelearn train`` / ``evaluate``: run folders, resume after a kill, bad input."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import numpy as np
import pytest

from spicelearn.runs.checkpoint import latest_epoch, load_checkpoint
from spicelearn.runs.rundir import read_metrics

CONFIG = """
seed = 4
[network]
name = "iris"
inputs = 4
hidden = [4]
outputs = 3
[data]
dataset = "iris"
[training]
engine = "{engine}"
epochs = {epochs}
batch_size = {batch}
"""
CLI = [str(Path(sys.executable).parent / "spicelearn")]
EXACT = ("epoch", "loss", "train_acc", "test_acc", "test_loss")


def _config(tmp_path: Path, engine: str = "numeric", epochs: int = 2, batch: int = 16,
            name: str = "c.toml", extra: str = "") -> Path:
    p = tmp_path / name
    p.write_text(CONFIG.format(engine=engine, epochs=epochs, batch=batch) + extra)
    return p


def _spawn(*args: str) -> subprocess.Popen:
    return subprocess.Popen(CLI + [*map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


def _wait_for_checkpoint(proc: subprocess.Popen, run_dir: Path, epoch: int) -> None:
    deadline = time.time() + 120
    while (latest_epoch(run_dir) or 0) < epoch:
        assert proc.poll() is None, proc.communicate()
        assert time.time() < deadline
        time.sleep(0.02)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def test_train_writes_the_run_folder(tmp_path, run_cli):
    cfg, out = _config(tmp_path), tmp_path / "run"
    code, stdout, stderr = run_cli(["train", cfg, "--out", out, "--quiet"])
    assert code == 0, stderr
    assert "test accuracy" in stdout
    for f in ("config.toml", "run.json", "metrics.csv", "report.md", "plots/loss.png",
              "plots/accuracy.png", "plots/conductances.png", "checkpoints/epoch_0000.npz",
              "checkpoints/epoch_0002.json"):
        assert (out / f).is_file(), f
    resolved = tomllib.loads((out / "config.toml").read_text())
    assert resolved["training"]["beta"] == 1e-5 and resolved["data"]["test_fraction"] == 0.3
    assert resolved["network"]["devices"]["g_min"] == 1e-5
    rows = read_metrics(out / "metrics.csv")
    assert [r["epoch"] for r in rows] == [0, 1, 2]
    assert rows[-1]["cum_train_time"] >= rows[-1]["train_time"] > 0
    assert "best test accuracy" in (out / "report.md").read_text()
    code, stdout, _ = run_cli(["evaluate", out])
    assert code == 0 and f"{100 * rows[-1]['test_acc']:.2f} %" in stdout


def test_existing_run_is_refused_unless_forced(tmp_path, run_cli):
    cfg, out = _config(tmp_path), tmp_path / "run"
    assert run_cli(["train", cfg, "--out", out, "--quiet"])[0] == 0
    before = _snapshot(out)
    code, _, stderr = run_cli(["train", cfg, "--out", out, "--quiet"])
    assert code == 2 and "holds another run" in stderr and len(stderr.strip().splitlines()) == 1
    assert _snapshot(out) == before
    assert run_cli(["train", cfg, "--out", out, "--quiet", "--force"])[0] == 0


@pytest.mark.parametrize("extra,message", [
    ('[x]\n', "unknown config key 'x'"),
])
def test_unknown_key(tmp_path, run_cli, extra, message):
    code, _, stderr = run_cli(["train", _config(tmp_path, extra=extra), "--out",
                               tmp_path / "o"])
    assert code == 2 and message in stderr


@pytest.mark.parametrize("old,new,message", [
    ('dataset = "iris"', 'dataset = "mnist"', "unknown dataset 'mnist'"),
    ("inputs = 4", "inputs = 3", "network.inputs = 3 but dataset 'iris' has 4 features"),
    ('engine = "numeric"', 'engine = "numeric"\nbeta = 0.0', "'training.beta' must be > 0"),
    ('engine = "numeric"', 'engine = "numeric"\nbeta = -1e-5', "'training.beta' must be > 0"),
])
def test_bad_config_writes_nothing(tmp_path, run_cli, old, new, message):
    cfg = _config(tmp_path)
    cfg.write_text(cfg.read_text().replace(old, new))
    out = tmp_path / "o"
    code, _, stderr = run_cli(["train", cfg, "--out", out])
    assert code == 2 and message in stderr and len(stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_corrupt_and_foreign_checkpoints_are_refused(tmp_path, run_cli):
    cfg = _config(tmp_path)
    a, b = tmp_path / "a", tmp_path / "b"
    assert run_cli(["train", cfg, "--out", a, "--quiet"])[0] == 0
    other = _config(tmp_path, name="d.toml", epochs=1)
    assert run_cli(["train", other, "--out", b, "--quiet"])[0] == 0
    # foreign: a checkpoint of run b inside run a
    for p in (a / "checkpoints").iterdir():
        p.unlink()
    for p in (b / "checkpoints").iterdir():
        (a / "checkpoints" / p.name).write_bytes(p.read_bytes())
    before = _snapshot(a)
    code, _, stderr = run_cli(["train", "--resume", a])
    assert code == 2 and "belongs to another run" in stderr
    assert _snapshot(a) == before
    # corrupt: flip bytes in b's newest npz
    npz = b / "checkpoints" / "epoch_0001.npz"
    raw = bytearray(npz.read_bytes())
    raw[200] ^= 0xFF
    npz.write_bytes(bytes(raw))
    before = _snapshot(b)
    for args in (["train", "--resume", b], ["evaluate", b]):
        code, _, stderr = run_cli(args)
        assert code == 2 and "corrupt" in stderr and len(stderr.strip().splitlines()) == 1
    assert _snapshot(b) == before


def _compare(full: Path, resumed: Path) -> None:
    fa, fb = read_metrics(full / "metrics.csv"), read_metrics(resumed / "metrics.csv")
    assert [[r[k] for k in EXACT] for r in fa] == [[r[k] for k in EXACT] for r in fb]
    assert np.array_equal(load_checkpoint(full).g, load_checkpoint(resumed).g)


def test_resume_after_kill_equals_uninterrupted(tmp_path):
    cfg = _config(tmp_path, epochs=8, batch=2)
    full, cut = tmp_path / "full", tmp_path / "cut"
    ref = _spawn("train", cfg, "--out", full, "--quiet")
    proc = _spawn("train", cfg, "--out", cut, "--quiet")
    _wait_for_checkpoint(proc, cut, 1)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    assert latest_epoch(cut) < 8
    assert ref.wait(timeout=300) == 0
    res = subprocess.run(CLI + ["train", "--resume", cut,
                          "--quiet"], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    _compare(full, cut)


def test_ctrl_c_keeps_the_checkpoint_and_says_how_to_resume(tmp_path):
    cfg = _config(tmp_path, epochs=30, batch=2)
    out = tmp_path / "run"
    proc = _spawn("train", cfg, "--out", out, "--quiet")
    _wait_for_checkpoint(proc, out, 1)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130 and len(stderr.splitlines()) == 1
    assert stderr.endswith(f"resume with: spicelearn train --resume {out}\n")
    ck = load_checkpoint(out)
    assert 1 <= ck.epoch < 30 and len(ck.metrics) == ck.epoch + 1


@pytest.mark.slow
def test_resume_after_kill_equals_uninterrupted_ngspice(tmp_path):
    cfg = _config(tmp_path, engine="ngspice", epochs=6, batch=2)
    full, cut = tmp_path / "full", tmp_path / "cut"
    assert subprocess.run(CLI + ["train", cfg, "--out", full,
                           "--quiet"], capture_output=True, timeout=300).returncode == 0
    proc = _spawn("train", cfg, "--out", cut, "--quiet")
    _wait_for_checkpoint(proc, cut, 2)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert latest_epoch(cut) < 6
    res = subprocess.run(CLI + ["train", "--resume", cut,
                          "--quiet"], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    _compare(full, cut)
