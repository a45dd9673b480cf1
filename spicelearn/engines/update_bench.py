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
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..devices.model import DeviceModel
from ..devices.programmers import Programmer, pulse_scheme, response_table
from ..errors import UsageError
from ..network.circuit import Circuit
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


UPDATE_NETWORKS = ("iris", "large", "both")
"""``bench update --network`` choices (the networks of ``bench settle``)."""


def run_update_bench(network: str, device: str, programmers: list[str],
                     build: Callable[[str, Circuit], Programmer], *,
                     rendering: str | None = None, repeats: int = 3,
                     max_steps: int = 3, seed: int = 0,
                     progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Time one update step of each programmer on the networks ``network`` names.

    ``build(name, circuit)`` makes the programmer as training would (the caller's
    job: the trainer's programmer factory sits above the engines). The report
    holds one row per (network, programmer) with the wall time, pulses, the
    breakdown of an ngspice step and the ratio to the ``pulse`` programmer timed
    in the same process, plus the start-up of ``ngspice -b``. ``rendering`` is
    how the networks render their devices, and with them the ``spice`` and
    ``array`` programming transients.
    """
    from .bench import bench_networks

    if network not in UPDATE_NETWORKS:
        raise UsageError(f"unknown update-bench network {network!r} "
                         f"(known: {', '.join(UPDATE_NETWORKS)})")
    circuits = {name: c for name, c in bench_networks(
        "both" if network == "both" else network, device, rendering).items()
        if name in ("iris", "large")}
    built = {(net, name): build(name, c) for net, c in circuits.items() for name in programmers}
    rows: list[dict[str, Any]] = []
    for net_name, circuit in circuits.items():
        model = circuit.model
        for name in programmers:
            if progress is not None:
                progress(f"{net_name}: {name} ({circuit.n_devices} devices)")
            timing = bench_update(built[net_name, name], model, circuit.n_devices,
                                  max_steps=max_steps, repeats=repeats, seed=seed)
            rows.append({"network": net_name, **asdict(timing)} | {"programmer": name})
        base = next((r["seconds"] for r in rows
                     if r["network"] == net_name and r["programmer"] == "pulse"), None)
        for r in rows:
            if r["network"] == net_name:
                r["ratio_to_pulse"] = r["seconds"] / base if base else float("nan")
    return {"device": device, "rendering": next(iter(circuits.values())).device_rendering,
            "max_steps": max_steps, "repeats": repeats,
            "ngspice_startup": ngspice_startup(), "rows": rows}


def format_update_report(report: dict[str, Any]) -> str:
    """The update-bench report as a text table."""
    lines = [f"one update step, {report['device']} devices ({report['rendering']}), each asked "
             f"for up to ±{report['max_steps']} single-pulse steps (median of {report['repeats']})",
             f"ngspice -b start-up: {1e3 * report['ngspice_startup']:.1f} ms", "",
             f"{'network':<10}{'programmer':<12}{'devices':>8}{'pulses':>9}{'ms':>11}"
             f"{'x pulse':>9}{'render':>9}{'ngspice':>9}{'read':>8}"]

    def ms(v: float) -> str:
        return "-" if v != v else f"{1e3 * v:.1f}"

    for r in report["rows"]:
        lines.append(f"{r['network']:<10} {r['programmer']:<11}{r['devices']:>8}{r['pulses']:>9}"
                     f"{1e3 * r['seconds']:>11.3f}{r['ratio_to_pulse']:>9.3g}"
                     f"{ms(r['render']):>9}{ms(r['ngspice']):>9}{ms(r['read']):>8}")
    return "\n".join(lines)
