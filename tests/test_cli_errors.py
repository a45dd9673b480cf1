"""Every failure of the CLI is one line on stderr: arguments, files, Ctrl-C, warnings, bugs."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

from spicelearn.errors import ConfigError
from spicelearn.runs import training as trainer
from spicelearn.runs.checkpoint import latest_epoch

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
epochs = 2
"""
CLI = [str(Path(sys.executable).parent / "spicelearn")]


def _config(folder: Path, text: str = CONFIG) -> Path:
    p = folder / "c.toml"
    p.write_text(text)
    return p


def _tree(folder: Path) -> dict[str, bytes | None]:
    return {str(p.relative_to(folder)): (None if p.is_dir() else p.read_bytes())
            for p in sorted(folder.rglob("*"))}


def _one_line(code: int, stderr: str, status: int = 2, kind: str = "error") -> str:
    assert code == status, stderr
    assert "Traceback" not in stderr and "Usage:" not in stderr
    lines = stderr.splitlines()
    assert len(lines) == 1 and stderr.endswith("\n"), stderr
    assert lines[0].startswith(f"spicelearn: {kind}"), stderr
    return lines[0]


# --- the argument parser -----------------------------------------------------------------


@pytest.mark.parametrize("args,message", [
    (["validate"], "validate: missing argument 'CONFIG' (see 'spicelearn validate --help')"),
    (["bench", "settle", "--samples", "0"],
     "bench settle: invalid value for '--samples': 0 is not in the range x>=1"),
    (["bench", "settle", "--workers", "0"],
     "bench settle: invalid value for '--workers': 0 is not in the range x>=1"),
    (["train", "{cfg}", "--out", "{tmp}/o", "--workers", "0"],
     "train: invalid value for '--workers': 0 is not in the range x>=1"),
    (["frobnicate"], "no such command 'frobnicate' (see 'spicelearn --help')"),
    (["train", "{cfg}", "--out", "{cfg}"], "train: invalid value for '--out': Directory"),
    (["validate", "{cfg}", "--beta", "nan"], "'nan' is not a finite number > 0"),
    (["validate", "{cfg}", "--seed", "-1"], "-1 is not in the range x>=0"),
    (["train", "--bogus"], "train: no such option"),
])
def test_argument_errors_are_one_line(tmp_path, run_cli, args, message):
    cfg = _config(tmp_path)
    before = _tree(tmp_path)
    code, out, err = run_cli([a.format(cfg=cfg, tmp=tmp_path) for a in args])
    assert message in _one_line(code, err) and out == ""
    assert _tree(tmp_path) == before


def test_argument_error_through_the_installed_command():
    proc = subprocess.run(CLI + ["bench", "settle", "--samples", "0"], capture_output=True,
                          text=True, timeout=60)
    assert "'--samples': 0 is not in the range" in _one_line(proc.returncode, proc.stderr)


def test_help_and_version_still_work(run_cli):
    code, out, err = run_cli(["--version"])
    assert code == 0 and out.startswith("spicelearn, version") and err == ""
    code, out, err = run_cli(["train", "--help"])
    assert code == 0 and "--resume" in out and err == ""


# --- the file system -----------------------------------------------------------------------


@pytest.fixture
def read_only(tmp_path):
    """A folder nobody can write in: mode 0555, or the immutable attribute for root."""
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", folder]).returncode != 0:
        pytest.skip("running as root without chattr +i: no folder is read-only")
    yield folder
    subprocess.run([chattr, "-i", folder], check=True)


@pytest.mark.parametrize("where", ["ro", "ro/run"])
def test_read_only_output_folder(tmp_path, run_cli, read_only, where):
    cfg = _config(tmp_path)
    before = _tree(tmp_path)
    line = _one_line(*run_cli(["train", cfg, "--out", tmp_path / where, "--quiet"])[::2])
    assert f"{tmp_path / where}: " in line
    assert _tree(tmp_path) == before


def test_output_folder_under_a_regular_file(tmp_path, run_cli):
    cfg = _config(tmp_path)
    before = _tree(tmp_path)
    line = _one_line(*run_cli(["train", cfg, "--out", cfg / "sub" / "run", "--quiet"])[::2])
    assert line == (f"spicelearn: error: cannot create output folder {cfg / 'sub' / 'run'}: "
                    "a parent is not a folder")
    assert _tree(tmp_path) == before


def _disk_full_after(monkeypatch, n_ok: int) -> None:
    """Every fsync after the first ``n_ok`` fails with ENOSPC."""
    calls = {"n": 0}
    real = os.fsync

    def fsync(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] > n_ok:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)


def test_disk_full_at_the_start_writes_nothing(tmp_path, run_cli, monkeypatch):
    cfg = _config(tmp_path)
    before = _tree(tmp_path)
    _disk_full_after(monkeypatch, 0)
    line = _one_line(*run_cli(["train", cfg, "--out", tmp_path / "run", "--quiet"])[::2])
    assert line.endswith("No space left on device")
    assert _tree(tmp_path) == before


def test_disk_full_while_training_leaves_a_run_to_resume(tmp_path, run_cli, monkeypatch):
    cfg, out = _config(tmp_path), tmp_path / "run"
    _disk_full_after(monkeypatch, 6)  # manifest, config, run.json, first checkpoint
    line = _one_line(*run_cli(["train", cfg, "--out", out, "--quiet"])[::2])
    assert line.endswith("No space left on device") and str(out) in line
    assert not [p for p in out.rglob("*.tmp")]
    monkeypatch.undo()
    code, _, err = run_cli(["train", "--resume", out, "--quiet"])
    assert code == 0, err
    assert latest_epoch(out) == 2


# --- Ctrl-C ----------------------------------------------------------------------------------

_INTERRUPT_ON_IMPORT = """
import importlib.abc, os, signal, sys

class Interrupt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == {module!r}:
            os.kill(os.getpid(), signal.SIGINT)
        return None

sys.meta_path.insert(0, Interrupt())
sys.argv = ["spicelearn", "--version"]
from spicelearn.cli import main
sys.exit(main())
"""


@pytest.mark.parametrize("module", ["click", "spicelearn.cli.train_cmds"])
def test_ctrl_c_while_importing(module):
    code = textwrap.dedent(_INTERRUPT_ON_IMPORT).format(module=module)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert proc.stderr == "spicelearn: interrupted\n" and proc.returncode == 130


def test_ctrl_c_in_a_command(tmp_path, run_cli, monkeypatch):
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(trainer, "evaluate_folder", interrupted)
    code, _, err = run_cli(["evaluate", tmp_path])
    assert _one_line(code, err, 130, "interrupted") == "spicelearn: interrupted"


# --- warnings, bugs, control characters ------------------------------------------------------


def test_warnings_do_not_leak_before_an_error(tmp_path, run_cli, monkeypatch):
    def prepare(rc: object) -> None:
        warnings.warn("overflow encountered in exp", RuntimeWarning, stacklevel=1)
        raise ConfigError("'training.lr' must be finite")

    monkeypatch.setattr(trainer, "prepare", prepare)
    with warnings.catch_warnings(record=True) as shown:  # what would reach stderr
        warnings.simplefilter("always")
        code, _, err = run_cli(["train", _config(tmp_path), "--out", tmp_path / "o"])
    assert _one_line(code, err) == "spicelearn: error: 'training.lr' must be finite"
    assert shown == []


def test_numpy_overflow_then_an_error_is_one_line(tmp_path):
    cfg = _config(tmp_path, CONFIG.replace('dataset = "iris"', 'dataset = "iris"\nscale = 1e308'))
    proc = subprocess.run(CLI + ["train", str(cfg), "--out", str(tmp_path / "o"), "--quiet"],
                          capture_output=True, text=True, timeout=120)
    _one_line(proc.returncode, proc.stderr)
    assert "RuntimeWarning" not in proc.stderr


def test_a_warning_of_a_command_that_succeeds_is_one_line(tmp_path, run_cli, monkeypatch):
    from spicelearn.learning.nonlinearity import NonlinearityCheck

    def evaluate_folder(run_dir: object) -> dict[str, object]:
        for _ in range(3):
            warnings.warn("overflow encountered in exp", RuntimeWarning, stacklevel=1)
        return {"epoch": 1, "loss": 0.5, "train_acc": 0.5, "test_loss": 0.5, "test_acc": 0.5,
                "n_test": 2, "n_train": 2,
                "nonlinearity": NonlinearityCheck({1: 0.5}, 0.5, 0.5, 0.5, 2)}

    monkeypatch.setattr(trainer, "evaluate_folder", evaluate_folder)
    code, out, err = run_cli(["evaluate", tmp_path])
    assert code == 0 and "test accuracy 50.00 %" in out
    assert err == "spicelearn: warning: RuntimeWarning: overflow encountered in exp\n"


def test_an_unexpected_exception_is_one_line_unless_debugging(tmp_path, run_cli, monkeypatch):
    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("float division by zero")

    monkeypatch.setattr(trainer, "evaluate_folder", broken)
    line = _one_line(*run_cli(["evaluate", tmp_path])[::2], 70, "internal error")
    assert line == ("spicelearn: internal error: ZeroDivisionError: float division by zero "
                    "(please report it; SPICELEARN_DEBUG=1 shows the traceback)")
    monkeypatch.setenv("SPICELEARN_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        run_cli(["evaluate", tmp_path])


def test_control_characters_in_messages_are_escaped(tmp_path, run_cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    line = _one_line(*run_cli(["train", "evil\x1b]0;pwned\x07\r.toml", "--out", "o"])[::2])
    assert "\x1b" not in line and "\x07" not in line and "\r" not in line
    assert "evil\\x1b]0;pwned\\x07\\r.toml" in line
    assert list(tmp_path.iterdir()) == []
