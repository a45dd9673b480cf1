"""The memristor models and response-function devices: published behaviour, ranges, rejections."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad, solve_ivp

from spicelearn.devices import DEVICE_MODELS, make_device_model
from spicelearn.devices.mms import Q_OVER_K, MeanMetastableSwitch
from spicelearn.devices.pershin import PershinThreshold
from spicelearn.devices.response import (
    ExpResponse,
    LinearStep,
    PowerResponse,
    ResponseDevice,
    SoftBounds,
)
from spicelearn.devices.stanford_pku import StanfordPKU
from spicelearn.devices.yakopcic import Yakopcic
from spicelearn.errors import DeviceModelError

MEMRISTORS = ("yakopcic", "mms", "pershin", "stanford_pku")
RESPONSES = ("linear_step", "soft_bounds", "power_response", "exp_response")


def _states(model, n: int = 7) -> np.ndarray:
    lo, hi = model.state_bounds()
    return np.linspace(lo, hi, n)


# -- every model ----------------------------------------------------------------------

@pytest.mark.parametrize("name", MEMRISTORS + RESPONSES)
def test_registered(name: str) -> None:
    model = make_device_model(name)
    assert DEVICE_MODELS[name] is type(model)
    assert model.source and model.dynamic


@pytest.mark.parametrize("name", MEMRISTORS)
@pytest.mark.parametrize(("r_on", "r_off"), [(None, None), (300.0, 3e3), (400.0, 4e5)])
def test_range_reached(name: str, r_on: float | None, r_off: float | None) -> None:
    params = {} if r_on is None else {"r_on": r_on, "r_off": r_off}
    model = make_device_model(name, **params)
    g_min, g_max = model.g_range()
    assert g_min == pytest.approx(1.0 / model.r_off, rel=1e-12)
    assert g_max == pytest.approx(1.0 / model.r_on, rel=1e-12)
    x = _states(model)
    assert np.allclose(model.state_of(model.conductance(x)), x, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", MEMRISTORS)
@pytest.mark.parametrize("params", [{"r_on": -100.0}, {"r_on": 0.0},
                                    {"r_on": 500.0, "r_off": 500.0},
                                    {"r_on": 500.0, "r_off": 400.0}, {"r_off": float("inf")}])
def test_bad_resistances_rejected(name: str, params: dict[str, float]) -> None:
    with pytest.raises(DeviceModelError) as err:
        make_device_model(name, **params)
    assert "\n" not in str(err.value) and name in str(err.value)


@pytest.mark.parametrize(("name", "params"), [
    ("yakopcic", {"xp": 1.2}), ("yakopcic", {"ap": -1.0}), ("yakopcic", {"a1": 2.0, "a2": 0.1}),
    ("mms", {"tau": 0.0}), ("mms", {"temperature": -3.0}),
    ("pershin", {"beta": 0.0}), ("pershin", {"v_t": -1.0}), ("pershin", {"alpha": -1.0}),
    ("stanford_pku", {"r_on": 100.0}), ("stanford_pku", {"r_off": 1e12}),
    ("stanford_pku", {"g0": 0.0}),
])
def test_unphysical_parameters_rejected(name: str, params: dict[str, float]) -> None:
    with pytest.raises(DeviceModelError) as err:
        make_device_model(name, **params)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("name", MEMRISTORS + RESPONSES)
def test_state_outside_bounds_rejected(name: str) -> None:
    model = make_device_model(name)
    lo, hi = model.state_bounds()
    assert np.array_equal(model.check_state([lo, hi]), [lo, hi])
    for bad in (hi + 0.01 * (hi - lo), lo - 0.01 * (hi - lo), float("nan")):
        with pytest.raises(DeviceModelError) as err:
            model.check_state([lo, bad])
        assert "\n" not in str(err.value)


@pytest.mark.parametrize("name", MEMRISTORS)
def test_state_stays_in_bounds_under_strong_drive(name: str) -> None:
    model = make_device_model(name)
    lo, hi = model.state_bounds()
    span = hi - lo
    drive = {"yakopcic": 1.5, "mms": 1.0, "pershin": 3.0, "stanford_pku": 1.2}[name]
    for v in (drive, -drive):
        rate_in = float(model.dxdt(v, lo + 0.5 * span))
        bound, outward = (hi, 1.0) if rate_in > 0 else (lo, -1.0)
        # the rate towards the bound vanishes on it and turns back beyond it
        assert abs(float(model.dxdt(v, bound))) <= 1e-6 * abs(rate_in)
        assert float(model.dxdt(v, bound + outward * 0.01 * span)) * rate_in < 0


@pytest.mark.parametrize("name", ["yakopcic", "stanford_pku"])
def test_shape_derivatives_consistent(name: str) -> None:
    model = make_device_model(name) if name != "yakopcic" else Yakopcic(a1=0.3, a2=0.1)
    v = np.linspace(-1.5, 1.5, 61)
    eps = 1e-6
    fd = (model.shape(v + eps) - model.shape(v - eps)) / (2 * eps)
    assert np.allclose(model.shape_slope(v), fd, rtol=1e-7, atol=1e-9)
    for vk in (-1.5, -0.3, -0.01, 0.004, 0.05, 1.0):
        ref = quad(lambda u: float(model.shape(u)), 0.0, vk, epsabs=1e-15, epsrel=1e-13,
                   limit=200)[0]
        assert float(model.shape_integral(vk)) == pytest.approx(ref, rel=1e-10, abs=1e-15)
    assert float(model.shape(0.0)) == 0.0 and float(model.shape_slope(0.0)) == pytest.approx(1.0)


# -- Yakopcic -------------------------------------------------------------------------

def _yakopcic_published(m: Yakopcic, v: float, x: float) -> float:
    if v > m.vp:
        g = m.ap * (np.exp(v) - np.exp(m.vp))
        f = 1.0 if x < m.xp else np.exp(-m.alphap * (x - m.xp)) * ((m.xp - x) / (1 - m.xp) + 1)
    elif v < -m.vn:
        g = -m.an * (np.exp(-v) - np.exp(m.vn))
        f = 1.0 if x > 1 - m.xn else np.exp(m.alphan * (x + m.xn - 1)) * x / (1 - m.xn)
    else:
        return 0.0
    return g * f


def test_yakopcic_no_change_below_thresholds_increase_above() -> None:
    m = Yakopcic()
    x = np.linspace(0.0, 0.95, 20)
    scale = float(m.dxdt(1.0, 0.11))
    assert scale > 1e3
    for v in np.linspace(-m.vn + 0.1, m.vp - 0.1, 15):
        assert np.all(np.abs(m.dxdt(v, x)) < 1e-5 * scale)
    assert np.all(m.dxdt(0.8, x) > 0) and np.all(m.dxdt(-0.8, x[1:]) < 0)


@pytest.mark.parametrize("v", [0.8, 1.0, 1.3, -0.7, -1.0, -1.3])
@pytest.mark.parametrize("x", [0.05, 0.11, 0.2, 0.4, 0.7, 0.9])
def test_yakopcic_matches_published_rate_away_from_kinks(v: float, x: float) -> None:
    m = Yakopcic()
    assert float(m.dxdt(v, x)) == pytest.approx(_yakopcic_published(m, v, x), rel=1e-5)


def test_yakopcic_current_is_published_with_matching_range() -> None:
    a, b = 0.17, 0.05
    m = Yakopcic(r_on=1.0 / (a * b), r_off=1e15)
    v = np.linspace(-1.0, 1.0, 9)
    for x in (0.11, 0.5, 1.0):
        assert np.allclose(m.current(v, x), a * x * np.sinh(b * v), rtol=1e-6, atol=1e-15)
    asym = Yakopcic(a1=0.3, a2=0.1)
    assert float(asym.current(1.0, 0.5) / -asym.current(-1.0, 0.5)) == pytest.approx(3.0, rel=1e-12)
    assert np.all(asym.shape_slope(np.linspace(-2, 2, 4001)) > 0)


# -- MMS ------------------------------------------------------------------------------

def test_mms_equilibrium_follows_sign_of_voltage() -> None:
    m = MeanMetastableSwitch()
    assert float(m.equilibrium(0.0)) == pytest.approx(0.5, abs=1e-12)
    assert float(m.equilibrium(0.5)) > 0.999 and float(m.equilibrium(-0.5)) < 0.001
    v = np.array([-1.0, -0.4, -0.2, 0.2, 0.4, 1.0])
    assert np.array_equal(np.sign(m.dxdt(v, 0.5)), np.sign(v))
    for vk in (0.4, -0.4):
        sol = solve_ivp(lambda t, x, vk=vk: m.dxdt(vk, x), (0, 20 * m.tau), [0.5], rtol=1e-10,
                        atol=1e-12)
        assert sol.y[0, -1] == pytest.approx(float(m.equilibrium(vk)), abs=1e-6)


def test_mms_matches_published_rate() -> None:
    m = MeanMetastableSwitch()
    beta = Q_OVER_K / m.temperature

    def sigma(u: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-u * beta))

    v, x = np.meshgrid(np.linspace(-1, 1, 21), np.linspace(0, 1, 11))
    ref = (sigma(v - m.v_on) * (1 - x) - (1 - sigma(v + m.v_off)) * x) / m.tau
    assert np.allclose(m.dxdt(v, x), ref, rtol=1e-9, atol=1e-9)
    assert np.allclose(m.current(v, x), v * (x / m.r_on + (1 - x) / m.r_off), rtol=1e-14)


# -- Pershin --------------------------------------------------------------------------

def test_pershin_resistance_changes_only_beyond_threshold() -> None:
    m = PershinThreshold()
    r = np.linspace(2.5e3, 8.5e3, 7)
    beyond = m.beta * (2.0 - m.v_t)
    for v in np.linspace(-0.9 * m.v_t, 0.9 * m.v_t, 19):
        assert np.all(np.abs(m.dxdt(v, r)) < 1e-7 * beyond)
    assert np.allclose(m.dxdt(2.0, r), beyond, rtol=1e-9)
    assert np.allclose(m.dxdt(-2.0, r), -beyond, rtol=1e-9)
    slow = PershinThreshold(alpha=1e9)
    assert np.allclose(slow.dxdt(0.5, r), 0.5 * 1e9, rtol=1e-9)


def test_pershin_is_ohmic_and_never_divides_by_zero() -> None:
    m = PershinThreshold()
    assert m.ohmic
    assert np.allclose(m.current(1.0, np.array([1e3, 7e3])), [1e-3, 1.0 / 7e3], rtol=1e-14)
    g = m.conductance(np.array([0.0, -1e4, 500.0]))
    assert np.all(np.isfinite(g)) and np.all(g <= 2.0 / m.r_on)


# -- Stanford–PKU ---------------------------------------------------------------------

def test_pku_gap_shrinks_under_positive_voltage() -> None:
    m = StanfordPKU()
    gaps = np.linspace(m.gap_min + 0.2, m.gap_max - 0.2, 9)
    assert np.all(m.dxdt(1.0, gaps) < 0) and np.all(m.dxdt(-1.0, gaps) > 0)
    assert np.allclose(m.dxdt(1.0, gaps), m.rate(1.0, gaps), rtol=1e-9)
    vt = m.temperature / Q_OVER_K
    gamma = m.gamma0 - m.beta * gaps**3
    ref = -m.vel0 * 1e9 * np.exp(-m.ea / vt) * np.sinh(gamma * m.a0 * 1.0 / (m.t_ox * vt))
    assert np.allclose(m.rate(1.0, gaps), ref, rtol=1e-12)
    assert np.all(np.abs(m.dxdt(0.05, gaps)) < 1e-3 * np.abs(m.dxdt(1.0, gaps)))


def test_pku_current_is_sinh_shaped() -> None:
    m = StanfordPKU()
    v = np.linspace(-1.2, 1.2, 25)
    gap = 0.9
    assert np.allclose(m.current(v, gap), m.i0 * np.exp(-gap / m.g0) * np.sinh(v / m.v0),
                       rtol=1e-12)
    ratio = float(m.current(1.0, gap) / m.current(0.1, gap))
    assert ratio == pytest.approx(np.sinh(4.0) / np.sinh(0.4), rel=1e-12) and ratio > 50
    assert m.gap_min == pytest.approx(m.g0 * np.log(m.i0 * m.r_on / m.v0), rel=1e-14)
    assert 0.1 < m.gap_min < m.gap_max < 1.7


# -- response-function devices --------------------------------------------------------

EXACT = {"g_min": 0.25, "g_max": 1.25, "dg_min": 2.0**-6}
"""A range of 1 S traversed in exactly 64 linear steps (binary-exact arithmetic)."""


def test_linear_step_pulse_counts() -> None:
    m = LinearStep(**EXACT)
    n = np.arange(80)
    up = m.pulse(m.g_min, +1, n)
    assert int(np.argmax(up >= m.g_max)) == 64 and np.all(up[64:] == m.g_max)
    assert np.allclose(np.diff(up[:65]), m.dg_min, rtol=0, atol=1e-15)
    down = m.pulse(m.g_max, -1, n)
    assert int(np.argmax(down <= m.g_min)) == 64
    skewed = LinearStep(**EXACT, asymmetry=0.5)
    assert int(np.argmax(skewed.pulse(skewed.g_min, +1, n) >= skewed.g_max)) == 43
    assert int(np.argmax(skewed.pulse(skewed.g_max, -1, np.arange(200)) <= skewed.g_min)) == 128


def test_soft_bounds_pulses_follow_the_closed_form() -> None:
    m = SoftBounds(**EXACT)
    delta = 2.0 * m.dg_min / (m.g_max - m.g_min)
    n = np.arange(0, 400, 7)
    w0 = -0.6
    g = m.pulse(m.conductance_at(w0), +1, n)
    assert np.allclose(m.normalized(g), 1.0 - (1.0 - delta) ** n * (1.0 - w0), rtol=1e-12)
    g = m.pulse(m.conductance_at(w0), -1, n)
    assert np.allclose(m.normalized(g), -1.0 + (1.0 - delta) ** n * (1.0 + w0), rtol=1e-12)
    assert float(m.pulse(m.g_min, +1, 10_000)) < m.g_max


@pytest.mark.parametrize("cls", [SoftBounds, PowerResponse, ExpResponse])
def test_response_formulas(cls: type[ResponseDevice]) -> None:
    m = cls(asymmetry=0.2) if cls is SoftBounds else cls(tau=1.5, gamma=1.7, asymmetry=0.2)
    w = np.linspace(-0.95, 0.95, 13)
    qp, qm = m.response(m.conductance_at(w))
    if cls is SoftBounds:
        rp, rm = 1 - w, 1 + w
    elif cls is PowerResponse:
        rp, rm = (1 - w / 1.5) ** 1.7, (1 + w / 1.5) ** 1.7
    else:
        rp = (np.exp(1.7 * (1 - w / 1.5)) - 1) / (np.exp(1.7) - 1)
        rm = (np.exp(1.7 * (1 + w / 1.5)) - 1) / (np.exp(1.7) - 1)
    assert np.allclose(qp, 1.2 * rp, rtol=1e-12) and np.allclose(qm, 0.8 * rm, rtol=1e-12)
    qp_end, _ = m.response(m.g_max)
    _, qm_end = m.response(m.g_min)
    assert float(qp_end) == 0.0 and float(qm_end) == 0.0


@pytest.mark.parametrize("name", RESPONSES)
def test_one_pulse_is_one_response_step(name: str) -> None:
    m = make_device_model(name)
    g = m.conductance_at(np.linspace(-0.9, 0.9, 7))
    qp, qm = m.response(g)
    assert np.allclose(m.pulse(g, +1), g + m.dg_min * qp, rtol=1e-14)
    assert np.allclose(m.pulse(g, -1), g - m.dg_min * qm, rtol=1e-14)
    pol, n = np.array([1, -1, 0, 1, -1, 1, 0]), np.array([3, 5, 9, 0, 1, 2, 4])
    each = [float(m.pulse(gk, pk, nk)) for gk, pk, nk in zip(g, pol, n, strict=True)]
    assert np.allclose(m.pulse(g, pol, n), each, rtol=1e-14)


@pytest.mark.parametrize("cls", [SoftBounds, PowerResponse, ExpResponse])
@pytest.mark.parametrize("a", [0.0, 0.3, -0.25])
def test_symmetric_point(cls: type[ResponseDevice], a: float) -> None:
    m = cls(asymmetry=a)
    g_star = m.symmetric_point()
    qp, qm = m.response(g_star)
    assert abs(float(qm - qp)) / 2 < 1e-9
    w_star = float(m.normalized(g_star))
    if a == 0.0:
        assert w_star == pytest.approx(0.0, abs=1e-12)
    elif cls is SoftBounds:
        assert w_star == pytest.approx(a, abs=1e-9)
    elif cls is PowerResponse:
        r = ((1 - a) / (1 + a)) ** (1 / m.gamma)
        assert w_star == pytest.approx(m.tau * (1 - r) / (1 + r), abs=1e-9)
    assert np.sign(w_star) == np.sign(a)


def test_balanced_pulses_drift_to_the_symmetric_point() -> None:
    m = SoftBounds(dg_min=1e-4, asymmetry=0.3)
    g = np.array([m.g_min, m.g_max])
    for _ in range(3000):
        g = m.pulse(m.pulse(g, +1), -1)
    step = 2 * m.dg_min / (m.g_max - m.g_min)
    assert np.allclose(m.normalized(g), 0.3, atol=2 * step)
    assert LinearStep(asymmetry=0.2).symmetric_point() == pytest.approx(1e-2, rel=1e-12)
    assert LinearStep(asymmetry=-0.2).symmetric_point() == pytest.approx(1e-5, rel=1e-12)


@pytest.mark.parametrize("name", RESPONSES)
def test_response_state_equation_moves_one_step_per_pulse(name: str) -> None:
    m = make_device_model(name)
    g0 = m.conductance_at(-0.3)
    for v, pol in ((1.0, +1), (-1.0, -1)):
        sol = solve_ivp(lambda t, x, v=v: m.dxdt(v, x), (0, m.t_pulse), [g0], rtol=1e-10,
                        atol=1e-16)
        step = sol.y[0, -1] - g0
        assert step == pytest.approx(float(m.pulse(g0, pol) - g0), rel=1e-2)
    assert abs(float(m.dxdt(0.3, g0))) < 1e-6 * m.dg_min / m.t_pulse


@pytest.mark.parametrize(("cls", "params"), [
    (LinearStep, {"g_min": 0.0}), (LinearStep, {"g_min": 1e-2, "g_max": 1e-3}),
    (SoftBounds, {"dg_min": 1.0}), (SoftBounds, {"asymmetry": 1.0}),
    (PowerResponse, {"tau": 0.5}), (ExpResponse, {"gamma": 0.0}), (SoftBounds, {"v_th": -1.0}),
])
def test_response_parameters_rejected(cls: type[ResponseDevice], params: dict[str, float]) -> None:
    with pytest.raises(DeviceModelError) as err:
        cls(**params)
    assert "\n" not in str(err.value)


def test_pulse_rejects_states_outside_range() -> None:
    m = SoftBounds()
    with pytest.raises(DeviceModelError):
        m.pulse(2 * m.g_max, +1)
    with pytest.raises(DeviceModelError):
        m.pulse(m.g_min, +1, -1)
