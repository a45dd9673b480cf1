"""Run folders: only spicelearn's files go, a kill never strands a run, one process per folder."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from spicelearn.cli import main
from spicelearn.errors import RunDirError
from spicelearn.fileio import write_atomic
from spicelearn.runs import report
from spicelearn.runs.checkpoint import latest_epoch, load_checkpoint
from spicelearn.runs.folder import (
    LOCK,
    MANIFEST,
    RUN_ENTRIES,
    check_new_run_folder,
    foreign_entries,
    read_manifest,
    remove_owned,
    write_manifest,
)
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
engine = "numeric"
epochs = {epochs}
batch_size = {batch}
"""
CLI = [str(Path(sys.executable).parent / "spicelearn")]
EXACT = ("epoch", "loss", "train_acc", "test_acc", "test_loss")
PNG = b"\x89PNG\r\n\x1a\n a picture"


def _config(folder: Path, epochs: int = 2, batch: int = 16, name: str = "c.toml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / name
    p.write_text(CONFIG.format(epochs=epochs, batch=batch))
    return p


def _tree(folder: Path) -> dict[str, bytes | None]:
    """Every entry below ``folder`` (hidden ones too): file bytes, or None for a folder."""
    return {str(p.relative_to(folder)): (None if p.is_dir() else p.read_bytes())
            for p in sorted(folder.rglob("*"))}


def _one_error_line(code: int, stderr: str, status: int = 2) -> str:
    assert code == status, stderr
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    assert len(lines) == 1 and stderr.endswith("\n"), stderr
    return lines[0]


def _spawn(*args: object, signal_at: str | None = None) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if signal_at is not None:
        env["SPICELEARN_TEST_SIGNAL_AT"] = signal_at
    return subprocess.Popen(CLI + [str(a) for a in args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def _stub_plots(mp: pytest.MonkeyPatch) -> None:
    """Plots as stub files at the same paths (matplotlib takes seconds per run)."""
    mp.setattr(report, "plot_curves", lambda metrics, folder, *a: [
        write_atomic(folder / name, PNG) for name in ("loss.png", "accuracy.png")])
    mp.setattr(report, "plot_conductances",
               lambda circuit, g0, g1, folder, *a: write_atomic(folder / "conductances.png",
                                                                 PNG))


@pytest.fixture(autouse=True)
def quick_plots(monkeypatch) -> None:
    _stub_plots(monkeypatch)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """An uninterrupted 2-epoch run of CONFIG."""
    out = tmp_path_factory.mktemp("ref") / "run"
    with pytest.MonkeyPatch.context() as mp:
        _stub_plots(mp)
        main(["train", str(_config(out.parent)), "--out", str(out), "--quiet"])
    return out


def _same_run(a: Path, b: Path) -> None:
    ma, mb = read_metrics(a / "metrics.csv"), read_metrics(b / "metrics.csv")
    assert [[r[k] for k in EXACT] for r in ma] == [[r[k] for k in EXACT] for r in mb]
    assert np.array_equal(load_checkpoint(a).g, load_checkpoint(b).g)


# --- what --force removes, what is refused ---------------------------------------------


def test_force_keeps_a_users_picture_in_plots(tmp_path, run_cli):
    cfg, out = _config(tmp_path), tmp_path / "run"
    assert run_cli(["train", cfg, "--out", out, "--quiet"])[0] == 0
    (out / "plots" / "mine.png").write_bytes(PNG)
    (out / "notes.txt").write_text("my notes")
    code, _, stderr = run_cli(["train", cfg, "--out", out, "--quiet", "--force"])
    assert code == 0, stderr
    assert (out / "plots" / "mine.png").read_bytes() == PNG
    assert (out / "notes.txt").read_text() == "my notes"
    assert (out / "plots" / "loss.png").is_file() and latest_epoch(out) == 2
    assert foreign_entries(out, read_manifest(out)) == ["notes.txt", "plots/mine.png"]


def test_every_file_of_a_run_is_in_its_manifest(tmp_path, run_cli, monkeypatch):
    monkeypatch.undo()  # the real plots
    cfg, out = _config(tmp_path), tmp_path / "run"
    assert run_cli(["train", cfg, "--out", out, "--quiet"])[0] == 0
    listed = read_manifest(out)
    on_disk = {k for k in _tree(out) if k not in (MANIFEST, LOCK)}
    assert on_disk <= listed and set(RUN_ENTRIES) <= on_disk
    assert foreign_entries(out, listed) == []


def test_remove_owned_removes_exactly_the_listed_entries(tmp_path):
    out = tmp_path / "run"
    (out / "plots").mkdir(parents=True)
    (out / "checkpoints").mkdir()
    for rel in ("run.json", "config.toml", "plots/loss.png", "checkpoints/epoch_0000.json",
                "plots/.loss.png.abcd1234.tmp"):
        (out / rel).write_text("spicelearn")
    (out / "plots" / "mine.png").write_bytes(PNG)
    (out / "report.md").write_text("mine too")  # not listed: a user's file
    write_manifest(out, ["run.json", "config.toml", "plots/loss.png",
                         "checkpoints/epoch_0000.json"])
    remove_owned(out, read_manifest(out))
    assert set(_tree(out)) == {MANIFEST, "plots", "plots/mine.png", "report.md"}


def test_force_never_follows_a_symbolic_link(tmp_path, run_cli):
    cfg, out, elsewhere = _config(tmp_path), tmp_path / "run", tmp_path / "elsewhere"
    assert run_cli(["train", cfg, "--out", out, "--quiet"])[0] == 0
    elsewhere.mkdir()
    (elsewhere / "epoch_0000.npz").write_bytes(b"precious")
    for p in (out / "checkpoints").iterdir():
        p.unlink()
    (out / "checkpoints").rmdir()
    (out / "checkpoints").symlink_to(elsewhere)
    line = _one_error_line(*run_cli(["train", cfg, "--out", out, "--quiet", "--force"])[::2])
    assert "'checkpoints', which spicelearn did not write" in line
    assert (elsewhere / "epoch_0000.npz").read_bytes() == b"precious"


@pytest.mark.parametrize("users", [("report.md", "metrics.csv"), ("config.toml",),
                                   ("notes.txt",), ("plots/mine.png",)])
@pytest.mark.parametrize("force", [False, True])
def test_a_folder_with_a_users_files_is_refused(tmp_path, run_cli, users, force):
    cfg, out = _config(tmp_path), tmp_path / "mine"
    for rel in users:
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(f"the user's {rel}")
    before = _tree(tmp_path)
    code, _, stderr = run_cli(["train", cfg, "--out", out, "--quiet"] + ["--force"] * force)
    line = _one_error_line(code, stderr)
    first = sorted(users)[0].split("/")[0]
    assert line.startswith(f"spicelearn: error: output folder {out} holds '{first}', which "
                           "spicelearn did not write")
    assert _tree(tmp_path) == before


def test_train_into_the_folder_of_its_config_is_refused(tmp_path, run_cli, monkeypatch):
    cfg = _config(tmp_path, name="config.toml")
    text = cfg.read_text()
    monkeypatch.chdir(tmp_path)
    for extra in ([], ["--force"]):
        code, _, stderr = run_cli(["train", "config.toml", "--out", ".", "--quiet", *extra])
        line = _one_error_line(code, stderr)
        assert "holds 'config.toml', which spicelearn did not write" in line
        assert cfg.read_text() == text and sorted(_tree(tmp_path)) == ["config.toml"]


def test_force_refuses_a_users_file_where_the_new_run_writes(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "run.json").write_text("{}")
    (out / "report.md").write_text("the user's report")
    write_manifest(out, ["run.json"])
    with pytest.raises(RunDirError, match="holds 'report.md'.*would overwrite"):
        check_new_run_folder(out, force=True)


def test_an_empty_folder_and_a_new_path_are_fine(tmp_path, run_cli):
    cfg = _config(tmp_path)
    (tmp_path / "empty").mkdir()
    for out in (tmp_path / "empty", tmp_path / "a" / "b" / "new"):
        code, _, stderr = run_cli(["train", cfg, "--out", out, "--quiet"])
        assert code == 0, stderr
        assert latest_epoch(out) == 2


def test_a_lock_file_that_is_a_link_is_not_followed(tmp_path, run_cli):
    cfg, out, precious = _config(tmp_path), tmp_path / "run", tmp_path / "precious.txt"
    precious.write_text("keep me")
    out.mkdir()
    (out / LOCK).symlink_to(precious)
    line = _one_error_line(*run_cli(["train", cfg, "--out", out, "--quiet"])[::2])
    assert line.startswith(f"spicelearn: error: cannot write in run folder {out}: ")
    assert precious.read_text() == "keep me"


# --- a kill at any moment ---------------------------------------------------------------


@pytest.mark.parametrize("stage", ["locked", "manifest", "config"])
def test_kill_before_the_claim_leaves_a_folder_train_accepts(tmp_path, run_cli, reference,
                                                             stage):
    cfg, out = _config(tmp_path), tmp_path / "run"
    proc = _spawn("train", cfg, "--out", out, "--quiet", signal_at=stage)
    proc.communicate(timeout=120)
    assert proc.returncode == -signal.SIGKILL
    assert out.is_dir() and not (out / "run.json").exists()
    line = _one_error_line(*run_cli(["train", "--resume", out])[::2])
    assert "holds no spicelearn run" in line
    code, _, stderr = run_cli(["train", cfg, "--out", out, "--quiet"])
    assert code == 0, stderr
    _same_run(reference, out)


def test_kill_between_claim_and_first_checkpoint_can_be_resumed(tmp_path, run_cli,
                                                                reference):
    cfg, out = _config(tmp_path), tmp_path / "run"
    proc = _spawn("train", cfg, "--out", out, "--quiet", signal_at="claimed")
    proc.communicate(timeout=120)
    assert proc.returncode == -signal.SIGKILL
    assert (out / "run.json").is_file() and latest_epoch(out) is None
    code, _, stderr = run_cli(["train", "--resume", out, "--quiet"])
    assert code == 0, stderr
    _same_run(reference, out)


@pytest.mark.parametrize("stage", ["unclaimed", "removed"])
def test_kill_while_force_removes_the_old_run(tmp_path, run_cli, reference, stage):
    cfg, out = _config(tmp_path), tmp_path / "run"
    assert run_cli(["train", cfg, "--out", out, "--quiet"])[0] == 0
    (out / "plots" / "mine.png").write_bytes(PNG)
    proc = _spawn("train", cfg, "--out", out, "--quiet", "--force", signal_at=stage)
    proc.communicate(timeout=120)
    assert proc.returncode == -signal.SIGKILL
    assert not (out / "run.json").exists()
    line = _one_error_line(*run_cli(["train", cfg, "--out", out, "--quiet"])[::2])
    assert "holds 'plots/mine.png', which spicelearn did not write (--force removes" in line
    code, _, stderr = run_cli(["train", cfg, "--out", out, "--quiet", "--force"])
    assert code == 0, stderr
    assert (out / "plots" / "mine.png").read_bytes() == PNG
    _same_run(reference, out)


def test_a_run_of_an_older_spicelearn_is_resumed_and_adopted(tmp_path, run_cli, reference):
    cfg, out = _config(tmp_path), tmp_path / "run"
    proc = _spawn("train", cfg, "--out", out, "--quiet", signal_at="claimed")
    proc.communicate(timeout=120)
    (out / MANIFEST).unlink()
    (out / LOCK).unlink()
    code, _, stderr = run_cli(["train", "--resume", out, "--quiet"])
    assert code == 0, stderr
    _same_run(reference, out)
    assert foreign_entries(out, read_manifest(out)) == []


# --- Ctrl-C in the start-up window --------------------------------------------------------


def test_ctrl_c_after_the_claim_says_resume_and_resume_works(tmp_path, run_cli, reference):
    cfg, out = _config(tmp_path), tmp_path / "run"
    proc = _spawn("train", cfg, "--out", out, "--quiet", signal_at="claimed:SIGINT")
    _, stderr = proc.communicate(timeout=120)
    assert _one_error_line(proc.returncode, stderr, 130) == (
        f"spicelearn: interrupted before the first checkpoint; resume with: "
        f"spicelearn train --resume {out} (it starts at epoch 0)")
    code, _, stderr = run_cli(["train", "--resume", out, "--quiet"])
    assert code == 0, stderr
    _same_run(reference, out)


@pytest.mark.parametrize("stage", ["locked", "manifest", "config"])
def test_ctrl_c_before_the_claim_writes_nothing(tmp_path, stage):
    cfg, out = _config(tmp_path), tmp_path / "new" / "run"
    before = _tree(tmp_path)
    proc = _spawn("train", cfg, "--out", out, "--quiet", signal_at=f"{stage}:SIGINT")
    _, stderr = proc.communicate(timeout=120)
    assert _one_error_line(proc.returncode, stderr, 130) == (
        f"spicelearn: interrupted before training started; no run was written to {out}")
    assert _tree(tmp_path) == before


def test_ctrl_c_before_the_claim_leaves_an_empty_folder_empty(tmp_path):
    cfg, out = _config(tmp_path), tmp_path / "run"
    out.mkdir()
    proc = _spawn("train", cfg, "--out", out, "--quiet", signal_at="config:SIGINT")
    proc.communicate(timeout=120)
    assert proc.returncode == 130 and list(out.iterdir()) == []


# --- one process per folder ---------------------------------------------------------------


def _wait_for_checkpoint(proc: subprocess.Popen, run_dir: Path, epoch: int) -> None:
    deadline = time.time() + 120
    while (latest_epoch(run_dir) or 0) < epoch:
        assert proc.poll() is None, proc.communicate()
        assert time.time() < deadline
        time.sleep(0.02)


def test_a_second_process_is_refused_while_a_run_trains(tmp_path, run_cli):
    cfg, out = _config(tmp_path, epochs=40, batch=2), tmp_path / "run"
    proc = _spawn("train", cfg, "--out", out, "--quiet")
    try:
        _wait_for_checkpoint(proc, out, 1)
        for args in (["train", "--resume", out, "--quiet"],
                     ["train", cfg, "--out", out, "--quiet", "--force"]):
            line = _one_error_line(*run_cli(args)[::2])
            assert line == f"spicelearn: error: run folder {out} is in use by process {proc.pid}"
        assert proc.poll() is None
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=60)
    assert proc.returncode == 130
    resumed = _spawn("train", "--resume", out, "--quiet")
    try:
        _wait_for_checkpoint(resumed, out, latest_epoch(out) + 1)
        line = _one_error_line(*run_cli(["train", "--resume", out, "--quiet"])[::2])
        assert line == f"spicelearn: error: run folder {out} is in use by process {resumed.pid}"
    finally:
        resumed.kill()
        resumed.communicate(timeout=60)
    assert json.loads((out / "run.json").read_text())["run_id"]
