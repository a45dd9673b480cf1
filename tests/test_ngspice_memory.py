"""ngspice process memory stays flat over thousands of settled samples."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from spicelearn.engines import NgspiceEngine
from spicelearn.run_config import load_run_config

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


@pytest.mark.slow
def test_rss_flat_over_thousands_of_samples():
    xor = load_run_config(EXAMPLES / "xor.toml").circuit()
    iris = load_run_config(EXAMPLES / "iris.toml").circuit()
    eng = NgspiceEngine()
    rng = np.random.default_rng(0)

    def rounds(k: int) -> None:
        for r in range(k):
            for c in (iris, xor):  # alternate circuits: a reload each time
                g = c.g * rng.uniform(0.9, 1.1, c.n_devices)
                x = rng.uniform(-0.5, 0.5, (250, c.n_features))
                n = rng.normal(0, 1e-5, (250, len(c.nudges)))
                eng.settle(c.with_conductances(g), x, n if r % 2 else None)

    rounds(2)  # warm up allocators
    before = rss_mb()
    rounds(8)  # 4,000 samples
    growth = rss_mb() - before
    assert growth < 20.0, f"RSS grew by {growth:.1f} MB over 4,000 samples"
