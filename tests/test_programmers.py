"""Programmers held to their definitions on single devices and small arrays.

* ``ideal``: g + Δg exactly, within the range; no energy.
* ``pulse``: the response tables against integrating every device's own pulses
  (and the vector integration against one scalar ``solve_ivp`` per device);
  pulse counts, realized Δg, bounds, asymmetry, nonlinearity, energy; PWM and
  PAM hit reachable targets; bad schemes are refused in one line.
* non-idealities: each one's statistics (spread, cycle-to-cycle noise growing
  with the pulses, stuck devices, levels, read noise), seeded and off by default.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from spicelearn.devices import DEVICE_MODELS, make_device_model
from spicelearn.devices.model import DeviceModel
from spicelearn.devices.programmers import (
    SPREAD_PARAMETERS,
    DevicePopulation,
    IdealProgrammer,
    NonIdealities,
    PulsePlan,
    PulseProgrammer,
    integrate_pulse,
    pinned_energy,
    pulse_scheme,
    read_conductances,
    response_table,
)
from spicelearn.errors import DeviceModelError

DYNAMIC = sorted(n for n, c in DEVICE_MODELS.items() if c.dynamic)
SEVERAL = ["yakopcic", "vteam", "stanford_pku", "joglekar", "mms", "pershin", "soft_bounds"]


def _span(model: DeviceModel) -> tuple[float, float, float]:
    lo, hi = model.state_bounds()
    return lo, hi, hi - lo


def _states(model: DeviceModel, n: int, seed: int = 0, margin: float = 0.05) -> np.ndarray:
    lo, hi, span = _span(model)
    return lo + span * np.random.default_rng(seed).uniform(margin, 1 - margin, n)


def _local_step(model: DeviceModel, x: np.ndarray, polarity: int) -> np.ndarray:
    """Conductance change of one default identical pulse at ``x`` [S]."""
    table = response_table(model, pulse_scheme(model), polarity)
    return model.conductance(table.at(x)[0][:, 0]) - model.conductance(x)


# -- ideal ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["ideal", "yakopcic", "pershin"])
def test_ideal_reaches_target_within_range(name: str) -> None:
    model = make_device_model(name)
    g_min, g_max = model.g_range()
    x = model.state_of(np.array([0.3, 0.5, 0.5, 0.9, 0.2]) * (g_max - g_min) + g_min)
    g = model.conductance(x)
    dg = np.array([0.1, -0.2, 0.0, 0.5, -0.9]) * (g_max - g_min)
    r = IdealProgrammer().program(model, x, dg, np.random.default_rng(0))
    expect = np.clip(g + dg, g_min, g_max)
    np.testing.assert_allclose(r.conductance, expect, rtol=1e-9)
    np.testing.assert_allclose(r.realized, expect - g, rtol=1e-9, atol=1e-12 * g_max)
    assert list(r.count) == [1, 1, 0, 1, 1] and list(r.polarity) == [1, -1, 0, 1, -1]
    assert r.total_energy == 0.0 and r.disturbance == 0.0


def test_ideal_refuses_spread() -> None:
    with pytest.raises(DeviceModelError, match="device_to_device"):
        IdealProgrammer(NonIdealities(device_to_device=0.1))


# -- pulse: accuracy of the integration and of the tables -----------------------------------
@pytest.mark.parametrize("name", ["yakopcic", "vteam", "pershin"])
def test_vector_integration_equals_scalar_solves(name: str) -> None:
    """All devices in one vector ODE == each device alone (Radau, rtol 1e-11)."""
    model = make_device_model(name)
    s = pulse_scheme(model)
    lo, hi, span = _span(model)
    x = _states(model, 6)
    a = np.where(np.arange(6) % 2 == 0, s.v_up, s.v_down)
    w = s.width * np.linspace(0.5, 3.0, 6)
    got, energy = integrate_pulse(model, x, a, w, s.rise, s.fall, s.gap)
    for i in range(6):
        def volts(t: float, i: int = i) -> float:
            r, f = s.rise, s.fall
            if t < r:
                return a[i] * t / r
            if t < r + w[i]:
                return a[i]
            if t < r + w[i] + f:
                return a[i] * (1 - (t - r - w[i]) / f)
            return 0.0

        def rhs(t: float, y: np.ndarray, volts=volts) -> np.ndarray:
            v = volts(t)
            return np.array([model.dxdt(v, y[0]), v * model.current(v, y[0])])

        y = np.array([x[i], 0.0])
        for t0, t1 in zip(*(lambda e: (e[:-1], e[1:]))(
                np.cumsum([0, s.rise, w[i], s.fall, s.gap])), strict=True):
            y = solve_ivp(rhs, (t0, t1), y, method="Radau", rtol=1e-11,
                          atol=[1e-14 * span, 1e-30]).y[:, -1]
        assert abs(got[i] - y[0]) < 1e-7 * span
        assert abs(energy[i] - y[1]) < 1e-6 * abs(y[1])


@pytest.mark.parametrize("name", DYNAMIC)
def test_identical_table_over_the_whole_range(name: str) -> None:
    """One and ten table pulses == the exact ODE within 1e-6 of the range, bounds included."""
    model = make_device_model(name)
    lo, hi, span = _span(model)
    s = pulse_scheme(model)
    x = np.concatenate([[lo, hi], lo + span * np.random.default_rng(3).uniform(0, 1, 100),
                        lo + span * np.geomspace(1e-5, 0.05, 20), hi - span * np.geomspace(
                            1e-5, 0.05, 20)])
    for p in (1, -1):
        table = response_table(model, s, p)
        xt, xe, et, ee = x.copy(), x.copy(), np.zeros(x.size), np.zeros(x.size)
        for _ in range(10):
            after, de = table.at(xt)
            xt, et = after[:, 0], et + de[:, 0]
            xe, e1 = integrate_pulse(model, xe, s.amplitude(p), s.width, s.rise, s.fall, s.gap)
            ee = ee + e1
            assert np.max(np.abs(xt - xe)) < 1e-6 * span
        np.testing.assert_allclose(et, ee, rtol=1e-4)


@pytest.mark.parametrize("name", SEVERAL)
def test_identical_table_equals_exact_ode(name: str) -> None:
    """Trains of identical pulses through the table == the exact ODE, within 1e-6 of the range."""
    model = make_device_model(name)
    lo, hi, span = _span(model)
    x = _states(model, 40, seed=1)
    g = model.conductance(x)
    dg = np.where(np.arange(40) % 2 == 0, 1, -1) * 4 * np.abs(_local_step(model, x, 1))
    table = PulseProgrammer().program(model, x, dg, np.random.default_rng(0))
    exact = PulseProgrammer(exact=True).program(model, x, dg, np.random.default_rng(0))
    assert table.pulses > 40
    np.testing.assert_array_equal(table.count, exact.count)
    assert np.max(np.abs(table.state - exact.state)) < 1e-6 * span
    np.testing.assert_allclose(table.energy, exact.energy, rtol=1e-5, atol=1e-30)
    assert np.all(table.realized * np.sign(dg) >= 0) and not np.allclose(g, table.conductance)


@pytest.mark.parametrize("name", ["yakopcic", "stanford_pku", "vteam", "mms"])
@pytest.mark.parametrize("kind", ["pwm", "pam"])
def test_single_pulse_tables_close_to_exact_ode(name: str, kind: str) -> None:
    """The PWM/PAM planning tables read within 2e-4 of the range of the exact response."""
    model = make_device_model(name)
    s = pulse_scheme(model, kind)
    lo, hi, span = _span(model)
    rng = np.random.default_rng(2)
    x = _states(model, 30)
    table = response_table(model, s, 1)
    c = table.controls[0] + rng.uniform(0, 1, 30) * (table.controls[-1] - table.controls[0])
    after = table.along(table.at(x)[0], c)
    if kind == "pwm":
        exact, _ = integrate_pulse(model, x, s.v_up, c, s.rise, s.fall, s.gap)
    else:
        exact, _ = integrate_pulse(model, x, s.v_up * c, s.pam_width, s.rise, s.fall, s.gap)
    assert np.max(np.abs(after - exact)) < 2e-4 * span


# -- pulse: definition ---------------------------------------------------------------------
def test_identical_counts_on_a_linear_step_device() -> None:
    """Constant steps: n = round(Δg / step); realized = n·step."""
    model = make_device_model("linear_step")
    x = np.full(6, 5e-3)
    step = _local_step(model, x[:1], 1)[0]
    assert step == pytest.approx(1.05 * model.dg_min, rel=0.01)  # t_pulse + ramps
    want = np.array([1, 2.4, 5, -3, 0.4, -7.6]) * step
    r = PulseProgrammer().program(model, x, want, np.random.default_rng(0))
    assert list(r.count) == [1, 2, 5, 3, 0, 8]
    assert list(r.polarity) == [1, 1, 1, -1, 0, -1]
    np.testing.assert_allclose(r.realized, r.count * r.polarity * step, rtol=1e-6)
    assert list(r.amplitude) == [1.0, 1.0, 1.0, -1.0, 0.0, -1.0]
    assert set(r.width[r.count > 0]) == {model.t_pulse}


@pytest.mark.parametrize("name", DYNAMIC)
def test_bounds_respected_and_pulses_capped(name: str) -> None:
    model = make_device_model(name)
    lo, hi, span = _span(model)
    g_min, g_max = model.g_range()
    x = _states(model, 4)
    dg = np.array([2, -2, 2, -2]) * (g_max - g_min)
    p = PulseProgrammer(max_pulses=30)
    r = p.program(model, x, dg, np.random.default_rng(0))
    assert np.all((r.state >= lo) & (r.state <= hi))
    assert np.all((r.conductance >= g_min * (1 - 1e-12)) & (r.conductance <= g_max * (1 + 1e-12)))
    assert np.all(r.count <= 30) and np.all(r.realized * np.sign(dg) > 0)
    assert np.all(np.abs(r.realized) < np.abs(dg))


def test_asymmetry_shows() -> None:
    """Potentiation and depression steps differ as the model says."""
    soft = make_device_model("soft_bounds", asymmetry=0.3)
    mid = np.array([soft.conductance_at(0.0)])
    ratio = _local_step(soft, mid, 1)[0] / -_local_step(soft, mid, -1)[0]
    assert ratio == pytest.approx(1.3 / 0.7, rel=0.02)
    yak = make_device_model("yakopcic")
    x = np.array([0.5])
    up, down = _local_step(yak, x, 1)[0], -_local_step(yak, x, -1)[0]
    assert down / up > 1.5  # default ±1 V: depression is faster at mid-range


def test_nonlinear_response_shrinks_towards_bounds() -> None:
    model = make_device_model("soft_bounds")
    g = model.conductance_at(np.array([-0.8, 0.0, 0.8]))
    up = _local_step(model, g, 1)
    assert up[0] > up[1] > up[2] > 0
    assert up[0] / up[2] == pytest.approx(1.8 / 0.2, rel=0.05)


@pytest.mark.parametrize("name", ["yakopcic", "mms", "stanford_pku", "linear_step"])
def test_energy_positive_and_of_the_right_size(name: str) -> None:
    """E = ∫V·I dt > 0, within 20 % of count·g·V·h(V)·(plateau + ramps) for small steps."""
    model = make_device_model(name)
    x = _states(model, 10, margin=0.2)
    dg = 3 * _local_step(model, x, 1)
    r = PulseProgrammer().program(model, x, dg, np.random.default_rng(0))
    assert np.all(r.energy[r.count > 0] > 0) and np.all(r.energy[r.count == 0] == 0)
    plan = PulsePlan(r.count, r.polarity, r.amplitude, r.width, *(lambda s: (s.rise, s.fall,
                     s.gap))(pulse_scheme(model)))
    rough = pinned_energy(model, x, plan)
    np.testing.assert_allclose(r.energy, rough, rtol=0.2)
    assert r.total_energy == pytest.approx(r.energy.sum())


@pytest.mark.parametrize("name", ["yakopcic", "stanford_pku", "mms", "soft_bounds"])
@pytest.mark.parametrize("kind", ["pwm", "pam"])
def test_single_pulse_hits_reachable_targets(name: str, kind: str) -> None:
    """One pulse whose width (amplitude) encodes the step lands within 1 % of the step."""
    model = make_device_model(name)
    x = _states(model, 12, margin=0.3)
    sign = np.where(np.arange(12) % 2 == 0, 1, -1)
    steps = np.abs(_local_step(model, x, 1)), np.abs(_local_step(model, x, -1))
    dg = sign * np.where(sign > 0, steps[0], steps[1]) * np.linspace(1.0, 4.0, 12)
    r = PulseProgrammer(kind).program(model, x, dg, np.random.default_rng(0))
    assert np.all(r.count == 1)
    np.testing.assert_allclose(r.realized, dg, rtol=0.01)
    s = pulse_scheme(model, kind)
    control = r.width if kind == "pwm" else np.abs(r.amplitude)
    limit = s.width_max if kind == "pwm" else max(abs(s.v_up), abs(s.v_down))
    assert np.all((control > 0) & (control <= limit))
    for p in (1, -1):
        sel = sign == p
        assert np.all(np.diff(control[sel]) > 0) or name == "soft_bounds"


def test_pwm_saturates_at_its_longest_pulse() -> None:
    model = make_device_model("mms")
    s = pulse_scheme(model, "pwm")
    r = PulseProgrammer("pwm").program(model, np.array([0.1]), np.array([1.0]),
                                       np.random.default_rng(0))
    assert r.width[0] == pytest.approx(s.width_max) and r.realized[0] < 1.0


def test_same_generator_same_result() -> None:
    """Everything random comes from the generator: equal seeds give equal steps."""
    model = make_device_model("yakopcic")
    x = _states(model, 20)
    dg = 3 * _local_step(model, x, 1)
    p = PulseProgrammer(nonideal=NonIdealities(cycle_to_cycle=0.2, device_to_device=0.1),
                        seed=7)
    a = p.program(model, x, dg, np.random.default_rng(3))
    b = p.program(model, x, dg, np.random.default_rng(3))
    c = p.program(model, x, dg, np.random.default_rng(4))
    np.testing.assert_array_equal(a.state, b.state)
    assert not np.array_equal(a.state, c.state)


# -- bad schemes ---------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "params", "match"), [
    ("ideal", {}, "no state equation"),
    ("yakopcic", {"v_up": 4.0}, "valid region"),
    ("pershin", {"v_up": -1.0}, "does not raise"),
    ("vteam", {"v_up": 0.5, "v_down": -0.3}, "does not raise"),
    ("yakopcic", {"width": -1e-6}, "must be > 0"),
    ("yakopcic", {"max_pulses": 0}, "max_pulses"),
])
def test_bad_schemes_refused(name: str, params: dict, match: str) -> None:
    model = make_device_model(name)
    p = PulseProgrammer(**params)
    with pytest.raises(DeviceModelError, match=match) as info:
        p.program(model, np.array([model.state_bounds()[0]]), np.array([0.0]),
                  np.random.default_rng(0))
    assert "\n" not in str(info.value)


def test_unknown_scheme_and_parameters_refused_at_construction() -> None:
    with pytest.raises(DeviceModelError, match="unknown pulse scheme 'pwn'"):
        pulse_scheme(make_device_model("mms"), "pwn")
    with pytest.raises(DeviceModelError, match="unknown pulse scheme 'pwn'"):
        PulseProgrammer("pwn")
    with pytest.raises(DeviceModelError, match="unknown pulse parameter 'widht'"):
        PulseProgrammer(widht=1e-6)


# -- non-idealities -------------------------------------------------------------------------
@pytest.mark.parametrize("values", [
    {"stuck_on": -0.1}, {"stuck_off": 1.5}, {"stuck_on": 0.6, "stuck_off": 0.6},
    {"levels": 1}, {"levels": 2.5}, {"cycle_to_cycle": -0.1}, {"read_noise": float("nan")},
    {"device_to_device": 1.0},
])
def test_bad_nonidealities_refused(values: dict) -> None:
    with pytest.raises(DeviceModelError) as info:
        NonIdealities(**values)
    assert "\n" not in str(info.value)


def test_nonidealities_off_by_default() -> None:
    model = make_device_model("yakopcic")
    assert not NonIdealities().any
    pop = PulseProgrammer().population(model, 50)
    assert not pop.spread and not pop.stuck.any()


@pytest.mark.parametrize("name", sorted(SPREAD_PARAMETERS))
def test_spread_statistics_and_batched_model(name: str) -> None:
    """Factors have mean 1 and std σ; the batched model equals each device's own model."""
    model = make_device_model(name)
    pop = DevicePopulation.draw(model, 20000, NonIdealities(device_to_device=0.2), seed=5)
    for f in pop.factors.values():
        assert f.mean() == pytest.approx(1.0, abs=0.01) and f.std() == pytest.approx(0.2, rel=0.05)
        assert np.all(f > 0)
    again = DevicePopulation.draw(model, 20000, NonIdealities(device_to_device=0.2), seed=5)
    assert all(np.array_equal(pop.factors[k], again.factors[k]) for k in pop.factors)
    idx = np.arange(0, 20000, 2500)
    x = _states(model, idx.size)
    s = pulse_scheme(model)
    batched = pop.batched(idx)
    for v in (s.v_up, s.v_down):
        rates = batched.dxdt(v, x)
        own = np.array([pop.device_model(i).dxdt(v, xi) for i, xi in zip(idx, x, strict=True)])
        np.testing.assert_allclose(rates, own, rtol=1e-12)
        np.testing.assert_allclose(batched.current(v, x), model.current(v, x), rtol=1e-12)


def test_spread_makes_equal_devices_respond_differently() -> None:
    model = make_device_model("mms")
    x = np.full(400, 0.5)
    dg = np.full(400, 4 * _local_step(model, x[:1], 1)[0])
    nominal = PulseProgrammer().program(model, x, dg, np.random.default_rng(0))
    spread = PulseProgrammer(nonideal=NonIdealities(device_to_device=0.1), seed=1).program(
        model, x, dg, np.random.default_rng(0))
    assert np.ptp(nominal.realized) == 0.0
    assert np.all(spread.count == nominal.count)
    rel = spread.realized / nominal.realized
    assert 0.02 < rel.std() < 0.2 and rel.mean() == pytest.approx(1.0, abs=0.03)


def test_cycle_to_cycle_noise_grows_with_pulses() -> None:
    """Per-pulse noise σ: the spread of n pulses is σ·step·√n (std ratio 2 for 4 vs 1)."""
    model = make_device_model("linear_step")
    n = 4000
    x = np.full(n, 5e-3)
    step = _local_step(model, x[:1], 1)[0]
    p = PulseProgrammer(nonideal=NonIdealities(cycle_to_cycle=0.1))
    one = p.program(model, x, np.full(n, step), np.random.default_rng(0))
    four = p.program(model, x, np.full(n, 4 * step), np.random.default_rng(1))
    assert set(one.count) == {1} and set(four.count) == {4}
    assert one.realized.std() == pytest.approx(0.1 * step, rel=0.06)
    assert four.realized.std() / one.realized.std() == pytest.approx(2.0, rel=0.08)
    assert four.realized.mean() == pytest.approx(4 * step, rel=0.01)
    quiet = PulseProgrammer().program(model, x, np.full(n, 4 * step), np.random.default_rng(1))
    assert np.ptp(quiet.realized) < 1e-12 * step


@pytest.mark.parametrize("programmer", [IdealProgrammer, PulseProgrammer])
def test_stuck_devices_never_move(programmer: type) -> None:
    model = make_device_model("yakopcic")
    n = 2000
    p = programmer(nonideal=NonIdealities(stuck_on=0.1, stuck_off=0.05), seed=3)
    pop = p.population(model, n)
    assert (pop.stuck > 0).mean() == pytest.approx(0.1, abs=0.02)
    assert (pop.stuck < 0).mean() == pytest.approx(0.05, abs=0.015)
    x = p.initial_states(model, _states(model, n))
    assert np.all(x[pop.stuck > 0] == 1.0) and np.all(x[pop.stuck < 0] == 0.0)
    rng = np.random.default_rng(0)
    for k in range(3):
        dg = 5 * _local_step(model, x, (-1) ** k)
        r = p.program(model, x, dg, rng)
        assert np.all(r.realized[pop.stuck != 0] == 0.0)
        assert np.all(r.realized[(pop.stuck == 0) & (dg != 0)] != 0.0)
        x = r.state
    assert np.all(x[pop.stuck > 0] == 1.0) and np.all(x[pop.stuck < 0] == 0.0)


@pytest.mark.parametrize("programmer", [IdealProgrammer, PulseProgrammer])
def test_levels_quantize(programmer: type) -> None:
    model = make_device_model("stanford_pku")
    g_min, g_max = model.g_range()
    x = _states(model, 300)
    r = programmer(nonideal=NonIdealities(levels=5)).program(
        model, x, 3 * _local_step(model, x, 1), np.random.default_rng(0))
    levels = np.linspace(g_min, g_max, 5)
    nearest = np.min(np.abs(r.conductance[:, None] - levels[None, :]), axis=1)
    assert np.all(nearest < 1e-9 * g_max)
    assert 2 <= np.unique(np.round(r.conductance / g_max, 9)).size <= 5


def test_read_noise_statistics() -> None:
    g = np.full(50000, 1e-3)
    quiet = read_conductances(g, NonIdealities(), np.random.default_rng(0))
    assert quiet is g or np.array_equal(quiet, g)
    noisy = read_conductances(g, NonIdealities(read_noise=0.05), np.random.default_rng(0))
    ratio = noisy / g
    assert ratio.mean() == pytest.approx(1.0, abs=0.002)
    assert ratio.std() == pytest.approx(0.05, rel=0.03) and np.all(noisy > 0)
    other = read_conductances(g, NonIdealities(read_noise=0.05), np.random.default_rng(1))
    assert not np.array_equal(noisy, other)


def test_small_array_of_devices() -> None:
    """A 4x4 array programmed through its flattened states: each device on its own."""
    model = make_device_model("vteam")
    x = _states(model, 16).reshape(4, 4)
    dg = np.outer([1, -1, 2, -2], [1, 1, 1, 1]) * np.abs(_local_step(model, x.ravel(), 1)
                                                         ).reshape(4, 4)
    r = PulseProgrammer().program(model, x.ravel(), dg.ravel(), np.random.default_rng(0))
    single = [PulseProgrammer().program(model, x.ravel()[i:i + 1], dg.ravel()[i:i + 1],
                                        np.random.default_rng(0)).state[0] for i in range(16)]
    np.testing.assert_allclose(r.state, single, rtol=0, atol=1e-12)
    assert np.all(np.sign(r.realized) == np.sign(dg.ravel()))
