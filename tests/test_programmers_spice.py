"""The ``spice`` and ``array`` programmers against the ``pulse`` programmer, in real ngspice.

* ``spice``: one ngspice transient per step reaches the states the ``pulse``
  programmer computes for the same pulses (the same physics, integrated by
  ngspice) within 1e-4 of the state range, energies within 1 %, for several
  models, both renderings, identical/PWM/PAM pulses, spread and stuck devices.
* ``array``: on a 4x4 crossbar the half-select disturbance of devices that are
  not written appears (and not with ``spice``), is smaller under V/3 than V/2;
  wire resistance lowers the written devices' steps and costs energy.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import spicelearn.engines.programming as programming
from spicelearn.devices import make_device_model
from spicelearn.devices.model import DeviceModel
from spicelearn.devices.programmers import (
    NonIdealities,
    PulsePlan,
    PulseProgrammer,
    render_programming,
)
from spicelearn.engines.array_programming import ArrayProgrammer
from spicelearn.engines.programming import SpiceProgrammer, SpiceSettings
from spicelearn.engines.update_bench import bench_update, update_scenario
from spicelearn.errors import ConvergenceError, DeviceModelError, SimulationError

STATE_TOL = 1e-4
"""Largest |spice − pulse| state difference, as a fraction of the state range."""


def _span(model: DeviceModel) -> float:
    lo, hi = model.state_bounds()
    return hi - lo


def _compare(model: DeviceModel, n: int, kind: str = "identical", rendering: str | None = None,
             **kw: object) -> tuple[object, object]:
    x, dg = update_scenario(model, n, 3, seed=1)
    pulse = PulseProgrammer(kind, **kw).program(model, x, dg, np.random.default_rng(0))
    spice = SpiceProgrammer(kind, rendering=rendering, **kw).program(model, x, dg,
                                                                     np.random.default_rng(0))
    return pulse, spice


@pytest.mark.parametrize(("name", "rendering"), [
    ("yakopcic", "verilog-a"), ("mms", "verilog-a"), ("stanford_pku", "verilog-a"),
    ("vteam", "verilog-a"), ("pershin", "verilog-a"), ("joglekar", "verilog-a"),
    ("yakopcic", "behavioural"), ("soft_bounds", "behavioural"),
    ("exp_response", "behavioural"),
])
def test_spice_equals_pulse_for_the_same_pulses(name: str, rendering: str) -> None:
    model = make_device_model(name)
    pulse, spice = _compare(model, 12, rendering=rendering)
    assert spice.pulses == pulse.pulses > 12
    np.testing.assert_array_equal(spice.count, pulse.count)
    assert np.max(np.abs(spice.state - pulse.state)) < STATE_TOL * _span(model)
    np.testing.assert_allclose(spice.energy, pulse.energy, rtol=0.01, atol=1e-30)
    assert spice.disturbance == 0.0


@pytest.mark.parametrize("kind", ["pwm", "pam"])
def test_spice_single_pulses_equal_pulse(kind: str) -> None:
    model = make_device_model("yakopcic")
    pulse, spice = _compare(model, 10, kind)
    np.testing.assert_array_equal(spice.width, pulse.width)
    np.testing.assert_array_equal(spice.amplitude, pulse.amplitude)
    assert np.max(np.abs(spice.state - pulse.state)) < STATE_TOL * _span(model)


def test_renderings_agree() -> None:
    model = make_device_model("yakopcic")
    _, va = _compare(model, 10, rendering="verilog-a")
    _, bh = _compare(model, 10, rendering="behavioural")
    assert np.max(np.abs(va.state - bh.state)) < STATE_TOL * _span(model)


def test_spread_and_stuck_devices_in_spice() -> None:
    """Per-device parameters are rendered: ngspice equals the exact pulse programmer."""
    model = make_device_model("mms")
    x, dg = update_scenario(model, 30, 3, seed=2)
    nonideal = NonIdealities(device_to_device=0.15, stuck_on=0.1, stuck_off=0.1)
    pulse = PulseProgrammer(nonideal=nonideal, seed=4)
    spice = SpiceProgrammer(nonideal=nonideal, seed=4)
    x = pulse.initial_states(model, x)
    a = pulse.program(model, x, dg, np.random.default_rng(0))
    b = spice.program(model, x, dg, np.random.default_rng(0))
    stuck = spice.population(model, 30).stuck != 0
    assert stuck.any() and np.all(b.realized[stuck] == 0.0)
    assert np.max(np.abs(a.state - b.state)) < STATE_TOL
    np.testing.assert_allclose(a.energy, b.energy, rtol=0.01)


def test_one_transient_per_step(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = programming.run_ngspice_batch

    def counting(text: str, control: list[str], **kw: object) -> Path:
        calls.append(text)
        return real(text, control, **kw)

    monkeypatch.setattr(programming, "run_ngspice_batch", counting)
    model = make_device_model("yakopcic")
    x, dg = update_scenario(model, 25, 3)
    p = SpiceProgrammer()
    r = p.program(model, x, dg, np.random.default_rng(0))
    assert len(calls) == 1 and (r.count > 0).sum() > 15
    assert calls[0].count("\nNm") == (r.count > 0).sum()
    p.program(model, x, np.zeros(25), np.random.default_rng(0))
    assert len(calls) == 1


def test_deck_renders_each_train() -> None:
    model = make_device_model("yakopcic")
    plan = PulsePlan(np.array([2, 0, 1]), np.array([1, 0, -1], dtype=np.int8),
                     np.array([1.0, 0.0, -1.0]), np.array([1e-6, 0.0, 2e-6]), 5e-8, 5e-8, 1e-6)
    pop = PulseProgrammer().population(model, 3)
    deck = render_programming(pop, np.array([0.2, 0.5, 0.8]), plan, "behavioural")
    assert "Vp0 p0 0 PULSE(0 1.0 0 5e-08 5e-08 1e-06 2.1e-06 2)" in deck.text
    assert "Vp2 p2 0 PULSE(0 -1.0 0 5e-08 5e-08 2e-06 3.1e-06 1)" in deck.text
    assert "p1" not in deck.text and ".ic V(x2)=0.8" in deck.text
    assert list(deck.devices) == [0, 2] and deck.t_stop == pytest.approx(4.2e-6)


def test_convergence_error_names_the_device(tmp_path: Path) -> None:
    transcript = tmp_path / "transcript.log"
    transcript.write_text('doAnalyses: TRAN:  Timestep too small; time = 1e-07, timestep = '
                          '1e-21: trouble with node "x3"\ntran simulation(s) aborted\n')
    plan = PulsePlan(np.array([0, 0, 0, 4]), np.array([0, 0, 0, 1], dtype=np.int8),
                     np.array([0, 0, 0, 1.5]), np.array([0, 0, 0, 2e-6]), 1e-7, 1e-7, 0.0)
    err = programming._convergence(SimulationError("failed", tmp_path / "deck.cir", transcript),
                                   plan)
    assert isinstance(err, ConvergenceError)
    assert "device 3 (4 pulse(s) of 1.5 V for 2e-06 s)" in str(err)
    assert err.node == "x3" and "transcript.log" in str(err)


def test_verilog_a_rendering_needs_a_module() -> None:
    model = make_device_model("linear_step")
    with pytest.raises(DeviceModelError, match="no Verilog-A module"):
        SpiceProgrammer(rendering="verilog-a").program(model, np.array([1e-3]),
                                                       np.array([1e-5]),
                                                       np.random.default_rng(0))


# -- array ---------------------------------------------------------------------------------
def _array_case(model: DeviceModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x, dg = update_scenario(model, 16, 3, seed=3)
    written = np.zeros(16, dtype=bool)
    written[[0, 5, 10, 13]] = True
    dg = np.where(written, np.where(dg == 0, np.abs(dg).max(), dg), 0.0)
    return x, dg, written


def test_half_select_disturbance_in_array_not_in_spice() -> None:
    """MMS (soft threshold 0.27 V, written at ±0.5 V): V/2 disturbs, V/3 less, spice never."""
    model = make_device_model("mms")
    x, dg, written = _array_case(model)
    rng = np.random.default_rng(0)
    spice = SpiceProgrammer().program(model, x, dg, rng)
    half = ArrayProgrammer(4, 4, bias="V/2").program(model, x, dg, rng)
    third = ArrayProgrammer(4, 4, bias="V/3").program(model, x, dg, rng)
    assert spice.disturbance == 0.0 and np.all(spice.realized[~written] == 0.0)
    big = np.abs(dg).max()
    assert half.disturbance > 0.05 * big
    assert 0 < third.disturbance < 0.5 * half.disturbance
    assert half.disturbance == pytest.approx(np.abs(half.realized[~written]).max())
    np.testing.assert_array_equal(half.count, spice.count)


def test_array_without_disturbance_matches_spice() -> None:
    """Yakopcic (thresholds 0.65/0.56 V, written at ±1 V): V/2 leaves others nearly alone."""
    model = make_device_model("yakopcic")
    x, dg, written = _array_case(model)
    rng = np.random.default_rng(0)
    spice = SpiceProgrammer().program(model, x, dg, rng)
    half = ArrayProgrammer(4, 4, bias="V/2").program(model, x, dg, rng)
    assert half.disturbance < 1e-3 * np.abs(dg).max()
    np.testing.assert_allclose(half.realized[written], spice.realized[written], rtol=0.01)
    assert abs(half.overhead_energy) < 1e-6 * half.energy.sum()


def test_wire_resistance_lowers_steps_and_costs_energy() -> None:
    model = make_device_model("yakopcic")
    x, dg, written = _array_case(model)
    rng = np.random.default_rng(0)
    ideal = ArrayProgrammer(4, 4, 0.0).program(model, x, dg, rng)
    wired = ArrayProgrammer(4, 4, 5.0).program(model, x, dg, rng)
    assert np.all(np.abs(wired.realized[written]) < np.abs(ideal.realized[written]))
    assert wired.overhead_energy > 0.01 * wired.energy.sum()


def test_row_and_column_steps() -> None:
    model = make_device_model("mms")
    x, dg, written = _array_case(model)
    rng = np.random.default_rng(0)
    rows = ArrayProgrammer(4, 4, step="row").program(model, x, dg, rng)
    cols = ArrayProgrammer(4, 4, step="column").program(model, x, dg, rng)
    assert rows.disturbance > 0 and cols.disturbance > 0
    np.testing.assert_allclose(cols.realized[written], rows.realized[written], rtol=0.2)


@pytest.mark.parametrize(("kw", "match"), [
    ({"rows": 0, "cols": 4}, "positive integer size"),
    ({"rows": 4, "cols": 4, "bias": "V/4"}, "bias"),
    ({"rows": 4, "cols": 4, "r_wire": -1.0}, "wire resistance"),
    ({"rows": 4, "cols": 4, "nonideal": NonIdealities(cycle_to_cycle=0.1)}, "cycle_to_cycle"),
])
def test_bad_array_programmers(kw: dict, match: str) -> None:
    with pytest.raises(DeviceModelError, match=match):
        ArrayProgrammer(**kw)


def test_array_size_must_fit() -> None:
    with pytest.raises(DeviceModelError, match="has 16 devices, got 9"):
        ArrayProgrammer(4, 4).program(make_device_model("mms"), np.full(9, 0.5), np.zeros(9),
                                      np.random.default_rng(0))


# -- timing (a benchmark figure, not a timed test) ----------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("n", [172, 4840])
def test_update_step_sizes_run(n: int) -> None:
    """One spice step for the Iris (172) and the large (4,840-device) network completes."""
    model = make_device_model("yakopcic")
    timing = bench_update(SpiceProgrammer(settings=SpiceSettings()), model, n, repeats=1)
    assert timing.pulses > n and timing.ngspice < timing.seconds


def test_programmer_registry() -> None:
    from spicelearn.engines.programmers import PROGRAMMERS, make_programmer

    assert list(PROGRAMMERS) == ["ideal", "pulse", "spice", "array", "response"]
    assert isinstance(make_programmer("array", rows=2, cols=3, bias="V/3"), ArrayProgrammer)
    for name, kw, match in [("bogus", {}, "unknown programmer 'bogus'"),
                            ("pulse", {"widht": 1.0}, "unknown pulse parameter"),
                            ("ideal", {"scheme": "pwm"}, "programmer 'ideal'")]:
        with pytest.raises(DeviceModelError, match=match):
            make_programmer(name, **kw)
