"""The numpy twins of every registered device model, and the HP / VTEAM models' physics.

Parametrized over :data:`DEVICE_MODELS`, so every model that registers is
covered: the I–V shape and its derivative and integral agree by finite
differences, the state equation is smooth (one-sided finite differences agree),
the state bounds are invariant, ``state_of`` inverts ``conductance``, bad
parameters are rejected, and a Verilog-A twin keeps the module contract (name,
ports, parameters with the same defaults, ``x0``, ``frozen``, state node ``x``).
"""

from __future__ import annotations

import math
import re
from dataclasses import fields

import numpy as np
import pytest

from spicelearn.devices import DEVICE_MODELS, device_model_path, make_device_model
from spicelearn.devices.hp import Biolek, Joglekar, LinearIonDrift, Prodromakis
from spicelearn.devices.vteam import VTEAM
from spicelearn.errors import DeviceModelError

NAMES = sorted(DEVICE_MODELS)
DYNAMIC = [n for n in NAMES if DEVICE_MODELS[n].dynamic]
WITH_VA = [n for n in NAMES if DEVICE_MODELS[n].verilog_a]
HP = ("linear_ion_drift", "joglekar", "biolek", "prodromakis")
#: Voltages away from every default threshold (VTEAM, Yakopcic, MMS, Pershin, responses) [V].
PROBE_V = np.array([-1.31, -0.83, -0.37, 0.37, 0.83, 1.31])


def _states(model, n: int = 9, margin: float = 0.0) -> np.ndarray:
    lo, hi = model.state_bounds()
    return np.linspace(lo + margin * (hi - lo), hi - margin * (hi - lo), n)


def _rate_scale(model) -> float:
    """Largest |dx/dt| per state span over ±2 V inside the bounds [1/s]."""
    lo, hi = model.state_bounds()
    v = np.linspace(-2.0, 2.0, 41)[:, None]
    return float(np.abs(model.dxdt(v, _states(model, 7, 0.1)[None, :])).max() / (hi - lo))


@pytest.mark.parametrize("name", NAMES)
def test_shape_is_normalized(name: str) -> None:
    model = make_device_model(name)
    assert model.shape(0.0) == pytest.approx(0.0, abs=1e-15)
    assert model.shape_slope(0.0) == pytest.approx(1.0, rel=1e-12)
    assert model.shape_integral(0.0) == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize("name", NAMES)
def test_shape_slope_and_integral_by_finite_differences(name: str) -> None:
    model = make_device_model(name)
    v = np.linspace(-1.5, 1.5, 31)
    dv = 1e-5
    slope_fd = (model.shape(v + dv) - model.shape(v - dv)) / (2 * dv)
    scale = np.abs(model.shape_slope(v)).max()
    assert np.abs(slope_fd - model.shape_slope(v)).max() <= 1e-6 * scale
    h_fd = (model.shape_integral(v + dv) - model.shape_integral(v - dv)) / (2 * dv)
    assert np.abs(h_fd - model.shape(v)).max() <= 1e-6 * np.abs(model.shape(v)).max()


@pytest.mark.parametrize("name", NAMES)
def test_didv_is_derivative_of_current(name: str) -> None:
    model = make_device_model(name)
    v = PROBE_V[:, None]
    x = _states(model, 5)[None, :]
    dv = 1e-6
    fd = (model.current(v + dv, x) - model.current(v - dv, x)) / (2 * dv)
    assert np.allclose(fd, model.didv(v, x), rtol=1e-6, atol=0.0)
    assert np.allclose(model.current(v, x), model.conductance(x) * model.shape(v), rtol=1e-14)


@pytest.mark.parametrize("name", NAMES)
def test_state_of_inverts_conductance(name: str) -> None:
    model = make_device_model(name)
    lo, hi = model.state_bounds()
    x = _states(model, 41)
    g = model.conductance(x)
    assert np.all(g > 0) and np.all(np.isfinite(g))
    steps = np.diff(g)
    assert np.all(steps > 0) or np.all(steps < 0), "g(x) must be strictly monotonic"
    assert np.abs(model.state_of(g) - x).max() <= 1e-9 * (hi - lo)
    assert model.g_range() == pytest.approx((g.min(), g.max()), rel=1e-12)


@pytest.mark.parametrize("name", DYNAMIC)
def test_dxdt_broadcasts_and_is_finite(name: str) -> None:
    model = make_device_model(name)
    v = np.linspace(-2.0, 2.0, 9)
    x = _states(model, 6)
    grid = model.dxdt(v[:, None], x[None, :])
    assert grid.shape == (9, 6) and np.all(np.isfinite(grid))
    one_by_one = np.array([[float(model.dxdt(vi, xj)) for xj in x] for vi in v])
    assert np.allclose(grid, one_by_one, rtol=1e-14, atol=0.0)


@pytest.mark.parametrize("name", DYNAMIC)
def test_dxdt_is_smooth_by_finite_differences(name: str) -> None:
    """One-sided differences agree: no kink (abs, stp, clip) in V or in x, bounds included."""
    model = make_device_model(name)
    lo, hi = model.state_bounds()
    span = hi - lo
    x = np.concatenate([_states(model, 7, 0.05), [lo, hi]])[None, :]
    v = PROBE_V[:, None]
    f = model.dxdt(v, x)
    tol = 1e-7 * _rate_scale(model) * span
    for dv, dx in ((1e-6, 0.0), (0.0, 1e-6 * span)):
        step = dv + dx
        fwd = (model.dxdt(v + dv, x + dx) - f) / step
        bwd = (f - model.dxdt(v - dv, x - dx)) / step
        curvature = np.abs(fwd - bwd) * step
        assert curvature.max() <= tol + 1e-6 * np.abs(f).max(), (dv, dx)


@pytest.mark.parametrize("name", DYNAMIC)
def test_state_bounds_are_invariant(name: str) -> None:
    """On the lower bound the state never falls, on the upper bound it never rises."""
    model = make_device_model(name)
    lo, hi = model.state_bounds()
    v = np.concatenate([np.linspace(-2.0, 2.0, 81), [1e-9, -1e-9, 1e-6, -1e-6]])
    eps = 1e-9 * _rate_scale(model) * (hi - lo)
    assert model.dxdt(v, lo).min() >= -eps
    assert model.dxdt(v, hi).max() <= eps


@pytest.mark.parametrize("name", NAMES)
def test_every_parameter_must_be_finite(name: str) -> None:
    cls = DEVICE_MODELS[name]
    for f in fields(cls):
        with pytest.raises(DeviceModelError) as err:
            make_device_model(name, **{f.name: float("nan")})
        assert f.name in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("name", NAMES)
def test_unknown_parameter_rejected(name: str) -> None:
    with pytest.raises(DeviceModelError, match="no parameter 'resistance_ohm'"):
        make_device_model(name, resistance_ohm=1.0)


@pytest.mark.parametrize("name", [n for n in NAMES if {"r_on", "r_off"}
                                  <= {f.name for f in fields(DEVICE_MODELS[n])}])
@pytest.mark.parametrize("params", [{"r_on": 0.0}, {"r_on": -5.0}, {"r_on": 2e3, "r_off": 2e3},
                                    {"r_on": 2e3, "r_off": 1e3}])
def test_resistance_range_rejected(name: str, params: dict[str, float]) -> None:
    with pytest.raises(DeviceModelError) as err:
        make_device_model(name, **params)
    assert "\n" not in str(err.value)


def _va_parameters(text: str) -> dict[str, str]:
    return dict(re.findall(r"parameter\s+(?:real|integer)\s+(\w+)\s*=\s*([^\s;]+)", text))


@pytest.mark.parametrize("name", WITH_VA)
def test_verilog_a_module_contract(name: str) -> None:
    cls = DEVICE_MODELS[name]
    model = cls()
    text = device_model_path(cls.verilog_a).read_text()
    stem = cls.verilog_a.removesuffix(".va")
    assert re.search(rf"^\s*module\s+{stem}\s*\(\s*a\s*,\s*b\s*\)\s*;", text, re.MULTILINE)
    nodes = {n.strip() for decl in re.findall(r"electrical\s+([\w\s,]+);", text)
             for n in decl.split(",")}
    assert {"a", "b", "x"} <= nodes
    assert "ddt(" in text and "V(x)" in text.replace(" ", "")
    params = _va_parameters(text)
    for key, default in model.parameters().items():
        assert key in params, f"{cls.verilog_a} lacks parameter {key}"
        assert float(params[key]) == pytest.approx(default, rel=1e-12), key
    assert "frozen" in params and "x0" in params
    assert re.search(r'\(\*\s*type\s*=\s*"instance"\s*\*\)\s*parameter\s+real\s+x0', text)


@pytest.mark.parametrize("name", DYNAMIC)
def test_source_cites_something(name: str) -> None:
    cls = DEVICE_MODELS[name]
    assert len(cls.source) > 20 and re.search(r"(19|20)\d\d|arXiv", cls.source)


# -- HP linear ion drift family -----------------------------------------------------------

def _published_window(model, x: np.ndarray, i: np.ndarray) -> np.ndarray:
    if isinstance(model, LinearIonDrift):
        return np.ones_like(x * i)
    if isinstance(model, Joglekar):
        return 1 - (2 * x - 1) ** (2 * model.p)
    if isinstance(model, Biolek):
        return 1 - (x - (i < 0)) ** (2 * model.p)
    if isinstance(model, Prodromakis):
        return model.j * (1 - ((x - 0.5) ** 2 + 0.75) ** model.p)
    raise AssertionError(model)


@pytest.mark.parametrize("name", HP)
@pytest.mark.parametrize("p", [1.0, 2.0, 7.0])
def test_hp_drift_follows_published_window(name: str, p: float) -> None:
    model = make_device_model(name) if name == "linear_ion_drift" else make_device_model(name, p=p)
    x = np.linspace(0.1, 0.9, 17)[None, :]
    v = PROBE_V[:, None]
    r = model.r_on * x + model.r_off * (1 - x)
    i = v / r
    k = model.mu_v * model.r_on / model.d**2
    assert np.allclose(model.current(v, x), i, rtol=1e-13)
    assert np.allclose(model.dxdt(v, x), k * i * _published_window(model, x, i), rtol=1e-6)


@pytest.mark.parametrize("name", HP + ("vteam",))
def test_resistance_never_reaches_zero(name: str) -> None:
    model = make_device_model(name, r_on=100.0, r_off=1e6)
    x = np.linspace(-50.0, 50.0, 20001)
    r = 1.0 / model.conductance(x)
    assert r.min() >= (0.5 - 1e-9) * model.r_on and r.max() <= 1.01 * model.r_off
    inside = np.linspace(0, 1, 11)
    assert np.allclose(1 / model.conductance(inside),
                       model.r_on * inside + model.r_off * (1 - inside), rtol=1e-13)


@pytest.mark.parametrize("name", HP)
def test_hp_state_holds_without_current(name: str) -> None:
    model = make_device_model(name)
    assert np.array_equal(model.dxdt(0.0, _states(model, 11)), np.zeros(11))


@pytest.mark.parametrize("name", ["linear_ion_drift", "biolek"])
def test_split_current_states_do_not_creep_past_bounds(name: str) -> None:
    """Biolek's smooth stp(−i): at tiny currents the state still stops on the bound."""
    model = make_device_model(name)
    v = np.logspace(-12, 0, 25)
    assert model.dxdt(v, 1.0).max() <= 0.0 and model.dxdt(-v, 0.0).min() >= 0.0
    assert model.dxdt(v, 1.0 + 1e-3).max() < 0.0 and model.dxdt(-v, -1e-3).min() > 0.0
    assert np.all(model.dxdt(-v[-5:], 1.0) < 0) and np.all(model.dxdt(v[-5:], 0.0) > 0)


@pytest.mark.parametrize(("name", "params"), [
    ("joglekar", {"p": 0.5}), ("biolek", {"p": 0.0}), ("prodromakis", {"p": -1.0}),
    ("prodromakis", {"j": 0.0}), ("prodromakis", {"j": 1.5}), ("biolek", {"i_step": 0.0}),
    ("linear_ion_drift", {"boundary": 0.0}), ("linear_ion_drift", {"boundary": 0.7}),
    ("joglekar", {"d": 0.0}), ("biolek", {"mu_v": -1e-14}),
    ("vteam", {"k_on": 1.0}), ("vteam", {"k_off": -1.0}), ("vteam", {"v_on": 0.1}),
    ("vteam", {"v_off": -0.1}), ("vteam", {"alpha_on": 0.5}), ("vteam", {"v_smooth": 0.05}),
    ("vteam", {"d": 0.0}),
])
def test_hp_vteam_parameters_rejected(name: str, params: dict[str, float]) -> None:
    with pytest.raises(DeviceModelError) as err:
        make_device_model(name, **params)
    assert "\n" not in str(err.value) and name in str(err.value)


# -- VTEAM -------------------------------------------------------------------------------------

def test_vteam_moves_only_beyond_its_thresholds() -> None:
    model = VTEAM()
    x = _states(model, 7, 0.1)[None, :]
    between = np.linspace(model.v_on + 10 * model.v_smooth, model.v_off - 10 * model.v_smooth,
                          25)[:, None]
    beyond = np.abs(model.dxdt(np.array([[-0.4], [0.4]]), x)).min()
    assert np.abs(model.dxdt(between, x)).max() <= 1e-4 * beyond
    assert np.all(model.dxdt(0.5, x) < 0) and np.all(model.dxdt(-0.5, x) > 0)


@pytest.mark.parametrize("v", [0.1, 0.5, 1.3, -0.4, -0.9, -1.5])
def test_vteam_matches_published_rate_beyond_thresholds(v: float) -> None:
    model = VTEAM()
    x = np.linspace(0.1, 0.9, 9)
    if v > 0:
        dw = model.k_off * (v / model.v_off - 1) ** model.alpha_off * (1 - (1 - x) ** 20)
    else:
        dw = model.k_on * (v / model.v_on - 1) ** model.alpha_on * (1 - x**20)
    assert np.allclose(model.dxdt(v, x), -dw / model.d, rtol=1e-6)


def test_vteam_is_ohmic_with_linear_resistance() -> None:
    model = VTEAM()
    assert model.ohmic
    assert model.g_range() == pytest.approx((1 / model.r_off, 1 / model.r_on), rel=1e-12)
    assert math.isclose(float(model.state_of(1 / 525.0)), 0.5, rel_tol=1e-12)
