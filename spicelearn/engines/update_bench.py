"""Timing one update step of a programmer (the measurements behind ``bench update``).

The scenario: n devices at states drawn uniformly within the middle 80 % of the
state range, each asked for k ∈ {−K … K} (uniform) of its own single-pulse
conductance step at the default identical pulse (so an identical-pulse plan
has up to K pulses per device and about K/2 on average). One step is timed
after a warm-up (response tables built, Verilog-A compiled); the breakdown of a
``spice`` or ``array`` step (rendering, the ngspice process, reading back) is
taken from the programmer's last run, and the start-up of ``ngspice -b`` on a
deck with one resistor is measured on its own.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..devices.model import DeviceModel
from ..devices.programmers import Programmer, pulse_scheme, response_table
from .transient import find_ngspice


@dataclass(frozen=True)
class UpdateTiming:
    """One programmer's update step on one scenario; times [s] (medians over repeats)."""

    programmer: str
    model: str
    devices: int
    pulses: int
    seconds: float
    render: float = float("nan")
    ngspice: float = float("nan")
    read: float = float("nan")
    ngspice_cpu: float = float("nan")


def update_scenario(model: DeviceModel, n: int, max_steps: int = 3,
                    seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(states (n,), desired Δg (n,) [S]) of the benchmark scenario (module docstring)."""
    rng = np.random.default_rng(seed)
    lo, hi = model.state_bounds()
    x = lo + (hi - lo) * rng.uniform(0.1, 0.9, n)
    scheme = pulse_scheme(model)
    g = model.conductance(x)
    up = model.conductance(response_table(model, scheme, 1).at(x)[0][:, 0]) - g
    down = model.conductance(response_table(model, scheme, -1).at(x)[0][:, 0]) - g
    k = rng.integers(-max_steps, max_steps + 1, n)
    return x, np.where(k > 0, k * up, -k * down)


def bench_update(programmer: Programmer, model: DeviceModel, n: int, *, max_steps: int = 3,
                 repeats: int = 3, seed: int = 0) -> UpdateTiming:
    """Time ``programmer.program`` on the scenario (one warm-up step, then ``repeats``)."""
    x, dg = update_scenario(model, n, max_steps, seed)
    rng = np.random.default_rng(seed)
    result = programmer.program(model, x, dg, rng)
    walls, parts = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        programmer.program(model, x, dg, rng)
        walls.append(time.perf_counter() - t0)
        run = getattr(programmer, "last_run", None)
        if run is not None:
            parts.append((run.render_time, run.ngspice_time, run.read_time, run.ngspice_cpu))
    split = np.median(np.array(parts), axis=0) if parts else [float("nan")] * 4
    return UpdateTiming(programmer.name, model.name, n, result.pulses, float(np.median(walls)),
                        *(float(v) for v in split))


def ngspice_startup(repeats: int = 5) -> float:
    """Median wall time [s] of ``ngspice -b`` on a one-resistor operating point."""
    exe = find_ngspice()
    with tempfile.TemporaryDirectory(prefix="spicelearn-startup-") as tmp:
        deck = Path(tmp) / "empty.cir"
        deck.write_text("startup\nV1 a 0 1\nR1 a 0 1k\n.control\nop\n.endc\n.end\n")
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            subprocess.run([str(exe), "-b", str(deck)], cwd=tmp, capture_output=True,
                           check=False, timeout=60)
            times.append(time.perf_counter() - t0)
    return float(np.median(times))
