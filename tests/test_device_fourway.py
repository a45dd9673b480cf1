"""Every memristor model held to itself four ways: behavioural ngspice, OSDI ngspice, VACASK, numpy.

For each registered dynamic model with a Verilog-A module, one device and a 4×4
crossbar (rows driven, columns grounded through current sensors) are driven by
the same sine and the same pulse train and simulated by

* the behavioural subcircuit (B-sources, state on a 1 F capacitor) in ngspice,
* the Verilog-A module compiled by openvaf-r, in ngspice through OSDI,
* the same module in VACASK,
* the numpy state equation integrated by ``scipy.integrate.solve_ivp``;

state trajectories must agree within 1 % of the state range and currents within
1e-3 of the peak current. The drives are calibrated per model on the numpy twin
so that the state really moves (by ~30 % of its range). Models without a
Verilog-A module (the response-function devices) are held to the behavioural
form and numpy. Also: the B-source expressions equal numpy on a (V, x) grid,
and with ``frozen = 1`` the OSDI device keeps its state through ``op`` and a
transient while ``alter`` of ``x0`` sets its current to exactly g(x0)·h(V).
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from functools import cache

import numpy as np
import pytest

from spicelearn.devices import DEVICE_MODELS, make_device_model
from spicelearn.devices.bench import Bench, Waveforms, integrate_bench
from spicelearn.devices.decks import render_behavioural, render_osdi, render_vacask
from spicelearn.devices.drives import PulseTrain, SineDrive
from spicelearn.devices.model import DeviceModel
from spicelearn.devices.smooth import num
from spicelearn.engines.rawfile import read_raw
from spicelearn.engines.transient import (
    TransientSettings,
    find_ngspice,
    run_ngspice_operating_points,
    run_ngspice_transient,
)
from spicelearn.engines.vacask import run_vacask_transient

DYNAMIC = sorted(n for n, c in DEVICE_MODELS.items() if c.dynamic)
WITH_VA = [n for n in DYNAMIC if DEVICE_MODELS[n].verilog_a]
WITHOUT_VA = [n for n in DYNAMIC if not DEVICE_MODELS[n].verilog_a]
AMPLITUDES = (1.0, 1.5, 2.0, 3.0)
"""Drive amplitudes tried in turn: the first that moves the state within 1000 s [V]."""
TARGET = 0.3
"""Excursion of the state the drives are calibrated to, as a fraction of its range."""
PULSES = 6
VACASK_STEPS = 15000
"""VACASK's time steps per run: its step control does not tighten with reltol (measured:
pulse-train errors fall with the largest step only), and it is fast."""
STATE_TOL = 0.01
CURRENT_TOL = 1e-3


@dataclass(frozen=True)
class Drives:
    """A model's calibrated drives: a sine and positive / negative pulse trains.

    Both pulse trains share one timing; the polarity that switches faster gets a
    lower amplitude, so that both move the state by about TARGET in PULSES pulses.
    """

    amplitude: float
    sine: SineDrive
    pulse_up: PulseTrain
    pulse_down: PulseTrain
    up_raises_state: bool


def _span(model: DeviceModel) -> tuple[float, float, float]:
    lo, hi = model.state_bounds()
    return lo, hi, hi - lo


def _excursion(model: DeviceModel, drive, t_stop: float, final: bool = False) -> float:
    lo, _, span = _span(model)
    x0 = lo + 0.5 * span
    bench = Bench.single(model, drive, x0)
    t = np.linspace(0.0, t_stop, 201)
    x = integrate_bench(bench, t_stop, t, rtol=1e-6).state[:, 0, 0]
    return abs(x[-1] - x0) / span if final else float(np.abs(x - x0).max() / span)


def _bisect(excursion, lo: float, hi: float) -> float:
    """Geometric bisection for the parameter where ``excursion`` crosses TARGET (decreasing)."""
    for _ in range(60):
        mid = np.sqrt(lo * hi)
        if excursion(mid) > TARGET:
            lo = mid
        else:
            hi = mid
        if hi / lo < 1.25:
            break
    return float(np.sqrt(lo * hi))


def _pulse(amplitude: float, width: float) -> PulseTrain:
    edge = width / 10
    return PulseTrain(v_pulse=amplitude, width=width, period=3 * (width + 2 * edge), rise=edge,
                      fall=edge)


@cache
def calibrated(name: str) -> Drives:
    model = make_device_model(name)
    lo, _, span = _span(model)
    x = lo + span * np.array([0.3, 0.5, 0.7])

    def rate(a: float) -> float:
        return float(np.abs(model.dxdt(np.array([[a], [-a]]), x[None, :])).max() / span)

    amp = next((a for a in AMPLITUDES if rate(a) >= 1e-3), AMPLITUDES[-1])
    t_char = 1.0 / rate(amp)
    freq = _bisect(lambda f: _excursion(model, SineDrive(amp, f), 2.0 / f),
                   1e-4 / t_char, 1e2 / t_char)
    sine = SineDrive(amp, freq)

    def moved(amplitude: float, width: float) -> float:
        p = _pulse(amplitude, width)
        return _excursion(model, p, PULSES * p.period, final=True)

    def width_for(sign: float) -> float:
        return 1.0 / _bisect(lambda inv: moved(sign * amp, 1.0 / inv), 1e-3 / t_char,
                             1e4 / t_char)

    def amplitude_for(sign: float, width: float) -> float:
        return 1.0 / _bisect(lambda inv: moved(sign / inv, width), 1.0 / amp, 1e3 / amp)

    w_up, w_down = width_for(1.0), width_for(-1.0)
    width = max(w_up, w_down)
    up = _pulse(amp if w_up == width else amplitude_for(1.0, width), width)
    down = _pulse(-amp if w_down == width else -amplitude_for(-1.0, width), width)
    bench = Bench.single(model, up, lo + 0.5 * span)
    raises = integrate_bench(bench, up.period, np.array([0.0, up.period])).state[-1, 0, 0] > \
        lo + 0.5 * span
    return Drives(amp, sine, up, down, bool(raises))


def _run_all(bench: Bench, t_stop: float, with_va: bool) -> dict[str, tuple[Waveforms, Waveforms]]:
    """Each simulator's waveforms, paired with the numpy twin at the simulator's own times."""
    ngspice = TransientSettings(t_stop=t_stop, max_step=t_stop / 1500)
    vacask = TransientSettings(t_stop=t_stop, max_step=t_stop / VACASK_STEPS)
    runs = {"behavioural": run_ngspice_transient(render_behavioural(bench), ngspice)}
    if with_va:
        runs["osdi"] = run_ngspice_transient(render_osdi(bench), ngspice)
        runs["vacask"] = run_vacask_transient(render_vacask(bench), vacask)
    return {name: (waves, integrate_bench(bench, t_stop, np.clip(waves.time, 0.0, t_stop)))
            for name, waves in runs.items()}


def _check(bench: Bench, runs: dict[str, tuple[Waveforms, Waveforms]], record) -> None:
    _, _, span = _span(bench.model)
    for name, (waves, ref) in runs.items():
        moved = np.abs(ref.state - ref.state[0]).max() / span
        assert moved >= 0.1, f"the drive moved the state by only {moved:.3g} of its range"
        peak = np.abs(ref.current).max()
        d_state = float(np.abs(waves.state - ref.state).max() / span)
        d_current = float(np.abs(waves.current - ref.current).max() / peak)
        record(f"{name}_state", d_state)
        record(f"{name}_current", d_current)
        assert np.abs(waves.voltage - ref.voltage).max() <= 1e-9 * np.abs(ref.voltage).max()
        assert d_state <= STATE_TOL, f"{name}: state differs by {d_state:.3g} of its range"
        assert d_current <= CURRENT_TOL, f"{name}: current differs by {d_current:.3g} of peak"


def _crossbar_states(model: DeviceModel, directions: tuple[int, ...]) -> np.ndarray:
    """Initial states (rows, 4): low for rows driven up first, high for rows driven down first.

    So no device is driven into a bound, where a small timing error becomes a
    large current error (the HP current near R_on changes by R_off/R_on times the
    relative state change).
    """
    lo, _, span = _span(model)
    base = {1: 0.2, -1: 0.65}
    return np.array([[lo + span * (base[d] + 0.05 * c) for c in range(4)] for d in directions])


@pytest.mark.parametrize("name", WITH_VA)
def test_one_device_sine_four_ways(name: str, record_property) -> None:
    model = make_device_model(name)
    drives = calibrated(name)
    lo, _, span = _span(model)
    bench = Bench.single(model, drives.sine, lo + 0.5 * span)
    _check(bench, _run_all(bench, 2 * drives.sine.period, True), record_property)


@pytest.mark.parametrize("name", WITH_VA)
def test_one_device_pulse_train_four_ways(name: str, record_property) -> None:
    model = make_device_model(name)
    drives = calibrated(name)
    lo, _, span = _span(model)
    bench = Bench.single(model, drives.pulse_up, lo + 0.5 * span)
    _check(bench, _run_all(bench, PULSES * drives.pulse_up.period, True), record_property)


@pytest.mark.slow
@pytest.mark.parametrize("name", WITH_VA)
def test_crossbar_sine_four_ways(name: str, record_property) -> None:
    model = make_device_model(name)
    drives = calibrated(name)
    sine = drives.sine
    rows = [SineDrive(s * sine.amplitude, sine.frequency) for s in (1.0, -0.9, 0.95, -0.85)]
    up = 1 if drives.up_raises_state else -1
    bench = Bench.crossbar(model, rows, _crossbar_states(model, (up, -up, up, -up)))
    _check(bench, _run_all(bench, 2 * sine.period, True), record_property)


def _pulse_rows(drives: Drives) -> list[PulseTrain]:
    period = max(drives.pulse_up.period, drives.pulse_down.period)
    rows = []
    for base, scale in ((drives.pulse_up, 1.0), (drives.pulse_down, 1.0),
                        (drives.pulse_up, 0.95), (drives.pulse_down, 0.95)):
        rows.append(PulseTrain(v_pulse=scale * base.v_pulse, width=base.width, period=period,
                               rise=base.rise, fall=base.fall))
    return rows


@pytest.mark.slow
@pytest.mark.parametrize("name", WITH_VA)
def test_crossbar_pulse_trains_four_ways(name: str, record_property) -> None:
    model = make_device_model(name)
    drives = calibrated(name)
    rows = _pulse_rows(drives)
    up = 1 if drives.up_raises_state else -1
    bench = Bench.crossbar(model, rows, _crossbar_states(model, (up, -up, up, -up)))
    _check(bench, _run_all(bench, PULSES * rows[0].period, True), record_property)


@pytest.mark.parametrize("name", WITHOUT_VA)
def test_behavioural_pulse_train_matches_numpy(name: str, record_property) -> None:
    model = make_device_model(name)
    drives = calibrated(name)
    lo, _, span = _span(model)
    bench = Bench.single(model, drives.pulse_up, lo + 0.5 * span)
    _check(bench, _run_all(bench, PULSES * drives.pulse_up.period, False), record_property)


@pytest.mark.parametrize("name", DYNAMIC)
def test_behavioural_expressions_equal_numpy(name: str, tmp_path) -> None:
    """The B-source expressions of g·h(V) and dx/dt, evaluated by ngspice on a (V, x) grid.

    A DC sweep runs at time 0; a state equation gated on ``time`` (a DC anchor)
    is evaluated as at a later time.
    """
    model = make_device_model(name)
    lo, hi, span = _span(model)
    n_v, n_x = 41, 21
    v_step, x_step = 4.0 / (n_v - 1), span / (n_x - 1)
    deck = tmp_path / "expr.cir"
    rate_expr = re.sub(r"\btime\b", "1", model.spice_dxdt("V(nv)", "V(nx)"))
    deck.write_text("\n".join([
        "expression check", ".options reltol=1e-13 abstol=1e-30 vntol=1e-30 itl1=500",
        "Vv nv 0 0", "Vx nx 0 0",
        f"Bi 0 ni I={model.spice_conductance('V(nx)')}*{model.spice_shape('V(nv)')}",
        "Ri ni 0 1",
        f"Bf 0 nf I={rate_expr}", "Rf nf 0 1",
        ".control", "set filetype=binary",
        f"dc Vv -2 {num(2 + v_step / 2)} {num(v_step)} Vx {num(lo)} {num(hi + x_step / 2)} "
        f"{num(x_step)}",
        f"write {tmp_path / 'expr.raw'} v(nv) v(nx) v(ni) v(nf)", ".endc", ".end", ""]))
    out = subprocess.run([str(find_ngspice()), "-b", str(deck)], capture_output=True, text=True,
                         timeout=120, check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    raw = read_raw(tmp_path / "expr.raw")
    v, x = raw["v(nv)"], raw["v(nx)"]
    assert len(v) == n_v * n_x
    current = model.current(v, x)
    rate = model.dxdt(v, x)
    assert np.abs(raw["v(ni)"] - current).max() <= 1e-9 * np.abs(current).max()
    assert np.abs(raw["v(nf)"] - rate).max() <= 1e-9 * np.abs(rate).max()


@pytest.mark.parametrize("name", WITH_VA)
def test_frozen_osdi_state_holds_and_alter_sets_it(name: str) -> None:
    model = make_device_model(name)
    lo, _, span = _span(model)
    amp = calibrated(name).amplitude
    states = lo + span * np.array([0.3, 0.8, 0.55])
    bench = Bench.single(model, SineDrive(0.0, 1.0, offset=amp), states[0])
    deck = render_osdi(bench, frozen=True)
    device = deck.devices[0][0]
    op = run_ngspice_operating_points(deck, [[]] + [[f"alter {device} x0={num(s)}"]
                                                    for s in states[1:]])
    assert np.array_equal(op.voltage[:, 0], np.full(3, amp))
    assert np.abs(op.state[:, 0, 0] - states).max() <= 1e-12 * span
    expected = model.current(amp, states)
    assert np.allclose(op.current[:, 0, 0], expected, rtol=1e-9, atol=0.0)
    assert np.abs(model.dxdt(amp, states)).max() > 0, "the bias would move a free state"

    drive = calibrated(name).sine
    moving = Bench.single(model, drive, states[0])
    t_stop = 2 * drive.period
    held = run_ngspice_transient(render_osdi(moving, frozen=True),
                                 TransientSettings(t_stop=t_stop, max_step=t_stop / 200))
    assert np.abs(held.state - states[0]).max() <= 1e-12 * span
    free = integrate_bench(moving, t_stop, np.linspace(0.0, t_stop, 201))
    assert np.abs(free.state - states[0]).max() >= 0.1 * span
