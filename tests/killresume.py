"""Kill a training run with SIGKILL after its first checkpoint, resume it, and train the
same config uninterrupted beside it (the procedure of the kill-and-resume tests)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from spicelearn.runs.checkpoint import latest_epoch

CLI = [str(Path(sys.executable).parent / "spicelearn")]


def kill_and_resume(cfg: Path, full: Path, cut: Path, epochs: int,
                    timeout: float) -> None:
    """Train ``cfg`` into ``full``; train it into ``cut``, SIGKILL that run once it has a
    checkpoint past epoch 0 (before its last epoch), then ``train --resume`` it."""
    ref = subprocess.Popen(CLI + ["train", str(cfg), "--out", str(full), "--quiet"])
    proc = subprocess.Popen(CLI + ["train", str(cfg), "--out", str(cut), "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + timeout / 2
    while (latest_epoch(cut) or 0) < 1:
        assert proc.poll() is None and time.time() < deadline
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL and latest_epoch(cut) < epochs
    assert ref.wait(timeout=timeout) == 0
    res = subprocess.run(CLI + ["train", "--resume", str(cut), "--quiet"],
                         capture_output=True, text=True, timeout=timeout)
    assert res.returncode == 0, res.stderr
