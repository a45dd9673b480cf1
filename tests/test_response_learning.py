"""Analog SGD and residual learning on response-function devices (response_learning)."""

from __future__ import annotations

import numpy as np
import pytest

from spicelearn.devices.registry import make_device_model
from spicelearn.errors import ConfigError, DeviceModelError
from spicelearn.learning.response_learning import (
    AnalogSGD,
    ResidualLearning,
    analog_sgd_step,
    analog_update,
    least_squares_problem,
    plot_least_squares,
    pulse_step,
    response_parts,
    run_least_squares,
)

RANGE = 2.0
"""Width of the normalized weight range [−1, 1]."""
STEPS = 10_000


def power(gamma: float, **kw: float):
    return make_device_model("power_response", gamma=gamma, **kw)


# -- the response in normalized units -------------------------------------------------
def test_linear_step_analog_sgd_is_plain_sgd() -> None:
    dev = make_device_model("linear_step")
    rng = np.random.default_rng(3)
    w = rng.uniform(-0.8, 0.8, size=(6, 5))
    grad = rng.normal(size=(6, 5))
    lr = 0.05
    assert np.abs(lr * grad).max() < 0.2          # every step stays inside [−1, 1]
    assert np.array_equal(analog_sgd_step(dev, w, grad, lr), w - lr * grad)
    learner = AnalogSGD(dev, w.shape, lr, w0=w)
    learner.step(grad)
    assert np.array_equal(learner.effective(), w - lr * grad)


@pytest.mark.parametrize("gamma,tau", [(0.5, 1.0), (2.0, 1.0), (3.0, 1.5)])
def test_power_response_parts_match_closed_form(gamma: float, tau: float) -> None:
    dev = power(gamma, tau=tau)
    w = np.array([-0.9, -0.3, 0.0, 0.4, 0.95])
    f, g = response_parts(dev, w)
    up, down = (1 - w / tau) ** gamma, (1 + w / tau) ** gamma
    np.testing.assert_allclose(f, (down + up) / 2, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(g, (down - up) / 2, rtol=1e-12, atol=1e-13)
    assert g[2] == pytest.approx(0.0, abs=1e-13)   # symmetric point at w = 0


def test_pulse_step_is_one_pulse_of_the_device() -> None:
    dev = power(2.0, g_min=1e-4, g_max=1e-3, dg_min=1e-6)
    dw = pulse_step(dev)
    assert dw == pytest.approx(2e-6 / 9e-4, rel=1e-14)
    w0 = np.array([-0.5, 0.2, 0.7])
    f, g = response_parts(dev, w0)
    g0 = dev.conductance_at(w0)
    up = dev.normalized(dev.pulse(g0, 1.0))
    down = dev.normalized(dev.pulse(g0, -1.0))
    np.testing.assert_allclose(up - w0, dw * (f - g), rtol=1e-9)
    np.testing.assert_allclose(w0 - down, dw * (f + g), rtol=1e-9)


# -- the target: analog SGD stalls, residual learning converges -----------------------
@pytest.fixture(scope="module")
def problem():
    return least_squares_problem(8, 4, seed=1)


@pytest.fixture(scope="module")
def runs(problem):
    out = {}
    for name, dev in (("power2", power(2.0)), ("linear", make_device_model("linear_step"))):
        for alg in ("analog_sgd", "residual"):
            out[name, alg] = run_least_squares(dev, alg, STEPS, 0.2, problem=problem,
                                               record_every=100)
    return out


def test_least_squares_optimum_is_exact_and_well_placed(problem) -> None:
    sym = float(power(2.0).normalized(power(2.0).symmetric_point()))
    assert sym == pytest.approx(0.0, abs=1e-12)
    assert np.abs(problem.gradient(problem.w_opt)).max() < 1e-12
    assert np.abs(problem.w_opt - sym).min() >= 0.3 - 1e-9       # away from G = 0
    assert np.abs(problem.w_opt).max() <= 0.7 + 1e-9             # away from the bounds
    assert problem.loss_opt > 0.0
    w = problem.w_opt + 0.01
    assert problem.loss(w) > problem.loss_opt
    again = least_squares_problem(8, 4, seed=1)
    assert np.array_equal(again.a, problem.a) and np.array_equal(again.b, problem.b)


def test_analog_sgd_stalls_towards_symmetric_point_residual_converges(runs, problem) -> None:
    sgd, res = runs["power2", "analog_sgd"], runs["power2", "residual"]
    d_sgd, d_res = sgd.distance[-1], res.distance[-1]
    assert d_res < 1e-3 * RANGE
    assert d_sgd > 10 * d_res
    assert d_sgd > 0.01
    # stalled, not slow: the second half of the run did not get closer
    half = sgd.distance[len(sgd.distance) // 2 - 1]
    assert d_sgd > 0.9 * half
    assert sgd.loss[-1] > problem.loss_opt + 1e-3
    # displaced towards the symmetric point (w = 0 for a power response at τ = 1)
    sym = float(power(2.0).normalized(power(2.0).symmetric_point()))
    assert np.linalg.norm(sgd.weights - sym) < np.linalg.norm(problem.w_opt - sym) - 0.05
    assert np.mean(np.abs(sgd.weights - sym) < np.abs(problem.w_opt - sym)) > 0.9
    excess_sgd, excess_res = sgd.loss[-1] - problem.loss_opt, res.loss[-1] - problem.loss_opt
    assert excess_res < 1e-4 and excess_res < excess_sgd / 100


def test_symmetric_linear_response_both_converge(runs) -> None:
    for alg in ("analog_sgd", "residual"):
        assert runs["linear", alg].distance[-1] < 1e-3 * RANGE


# -- ResidualLearning -------------------------------------------------------------------
@pytest.mark.parametrize("options", [
    {"device_p": make_device_model("soft_bounds", asymmetry=0.3)},   # zero-shift at w = 0.3
    {"column_wise": True, "transfer_lr": 0.2},
], ids=["asymmetric_p", "column_wise"])
def test_residual_variants_converge(problem, options) -> None:
    hist = run_least_squares(power(2.0), "residual", STEPS, 0.2, problem=problem,
                             record_every=STEPS, **options)
    assert hist.distance[-1] < 1e-3 * RANGE


def _drive(learner, problem, noise: np.random.Generator, start: int, n: int) -> None:
    for k in range(start, start + n):
        grad = problem.gradient(learner.effective()) + 0.05 * noise.normal(
            size=problem.w_opt.shape)
        learner.step(grad, 1.0 / (1.0 + k / 10.0))


@pytest.mark.parametrize("cls", ["residual", "sgd"])
def test_state_round_trip_continues_exactly(problem, cls: str) -> None:
    dev = power(2.0, dg_min=1e-4)

    def make(seed: int | None):
        if cls == "sgd":
            return AnalogSGD(dev, problem.w_opt.shape, 0.2, "pulsed", seed=seed)
        return ResidualLearning(dev, power(1.0, dg_min=1e-4), problem.w_opt.shape, 0.2, 0.1,
                                1.0, "pulsed", transfer_every=2, column_wise=True, seed=seed)

    n, m = 30, 25
    one = make(7)
    _drive(one, problem, np.random.default_rng(11), 0, n + m)

    first = make(7)
    noise = np.random.default_rng(11)
    _drive(first, problem, noise, 0, n)
    saved = first.state()
    _drive(first, problem, np.random.default_rng(99), n, 5)   # must not leak into `saved`
    second = make(None)
    second.load_state(saved)
    _drive(second, problem, noise, n, m)

    a, b = one.state(), second.state()
    assert a.keys() == b.keys()
    for key in a:
        assert np.array_equal(a[key], b[key]), key
    assert np.array_equal(one.effective(), second.effective())
    assert not np.array_equal(one.effective(), make(7).effective())   # it did move


def test_residual_starts_at_reference_and_transfers_per_column() -> None:
    dev = make_device_model("soft_bounds", asymmetry=0.3)
    learner = ResidualLearning(dev, None, (3, 4), 0.1, 0.5, 2.0, transfer_every=1,
                               column_wise=True, w0=0.2)
    # q₊ = 1.3(1 − w) equals q₋ = 0.7(1 + w) at w = 0.3, off the middle
    assert learner.p_ref == pytest.approx(0.3, abs=1e-9)
    assert response_parts(dev, learner.p_ref)[1] == pytest.approx(0.0, abs=1e-9)
    assert np.array_equal(learner.effective(), np.full((3, 4), 0.2))
    grad = np.ones((3, 4))
    learner.step(grad)
    assert np.all(learner.residual < 0)                    # P moved against the gradient
    changed = learner.w != 0.2
    assert changed[:, 0].all() and not changed[:, 1:].any()   # only column 0 transferred
    learner.step(grad)
    changed = learner.w != 0.2
    assert changed[:, :2].all() and not changed[:, 2:].any()
    np.testing.assert_allclose(learner.effective(), learner.w + 2.0 * learner.residual)


def test_transfer_every_waits() -> None:
    dev = power(2.0)
    learner = ResidualLearning(dev, None, 5, 0.1, 0.5, 1.0, transfer_every=3)
    for _ in range(2):
        learner.step(np.ones(5))
    assert np.array_equal(learner.w, np.zeros(5))
    learner.step(np.ones(5))
    assert np.all(learner.w < 0)


# -- pulsed mode ------------------------------------------------------------------------
def test_pulsed_is_reproducible_and_matches_expected_on_average() -> None:
    dev = power(2.0, dg_min=1e-6)
    dw = pulse_step(dev)
    n_dev = 20_000
    w = np.repeat(np.array([[-0.6], [0.0], [0.4], [0.8]]), n_dev, axis=1)
    delta = np.array([[2.7], [-3.3], [2.7], [-0.4]]) * dw
    delta = np.broadcast_to(delta, w.shape)
    a = analog_update(dev, w, delta, "pulsed", np.random.default_rng(5))
    b = analog_update(dev, w, delta, "pulsed", np.random.default_rng(5))
    c = analog_update(dev, w, delta, "pulsed", np.random.default_rng(6))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    assert np.all(a.std(axis=1) > 0)                # stochastic rounding varies the count
    expected = analog_update(dev, w[:, :1], delta[:, :1])[:, 0]
    se = a.std(axis=1) / np.sqrt(n_dev)
    assert np.all(np.abs(a.mean(axis=1) - expected) < 4 * se + 1e-3 * np.abs(delta[:, 0]))
    # away from w = 0 (where q± = 1) the mean move is not the naive one: q± shape it
    naive = w[:, 0] + delta[:, 0]
    off = w[:, 0] != 0
    assert np.all(np.abs(a.mean(axis=1) - naive)[off] > 20 * se[off])


def test_pulsed_sgd_step_uses_the_generator() -> None:
    dev = power(2.0)
    w = np.full(1000, 0.3)
    grad = np.full(1000, -1.0)
    lr = 2.5 * pulse_step(dev)
    out = analog_sgd_step(dev, w, grad, lr, np.random.default_rng(0), mode="pulsed")
    f, g = response_parts(dev, 0.3)
    assert abs(out.mean() - (0.3 + lr * (f - g))) < 0.05 * lr * (f - g)
    with pytest.raises(ConfigError, match="rng"):
        analog_sgd_step(dev, w, grad, lr, mode="pulsed")


# -- bad input --------------------------------------------------------------------------
@pytest.mark.parametrize("call,error,pattern", [
    (lambda d: analog_sgd_step(d, np.zeros(3), np.ones(3), 0.0), ConfigError, r"lr.*0\.0"),
    (lambda d: analog_sgd_step(d, np.zeros(3), np.ones(3), -0.1), ConfigError, r"lr.*-0\.1"),
    (lambda d: analog_sgd_step(d, np.zeros(3), np.ones(3), float("nan")), ConfigError, "nan"),
    (lambda d: AnalogSGD(d, 3, -1.0), ConfigError, r"lr.*-1\.0"),
    (lambda d: ResidualLearning(d, None, 3, 0.1, 0.1, -0.5), ConfigError, r"mix.*-0\.5"),
    (lambda d: ResidualLearning(d, None, 3, 0.1, 0.0, 1.0), ConfigError, r"transfer_lr.*0\.0"),
    (lambda d: ResidualLearning(d, None, 3, 0.1, 0.1, 1.0, "bogus"), ConfigError, "bogus"),
    (lambda d: ResidualLearning(d, make_device_model("yakopcic"), 3, 0.1, 0.1, 1.0),
     DeviceModelError, "device_p.*yakopcic"),
    (lambda d: AnalogSGD(make_device_model("yakopcic"), 3, 0.1), DeviceModelError, "yakopcic"),
    (lambda d: analog_sgd_step(make_device_model("yakopcic"), np.zeros(3), np.ones(3), 0.1),
     DeviceModelError, "yakopcic"),
    (lambda d: analog_sgd_step(d, np.full(3, 1.5), np.ones(3), 0.1), ConfigError, "1.5"),
    (lambda d: AnalogSGD(d, 3, 0.1).step(np.ones(4)), ConfigError, r"\(3,\)"),
    (lambda d: analog_sgd_step(d, np.zeros(3), np.ones(4), 0.1), ConfigError, r"\(4,\)"),
    (lambda d: run_least_squares(d, "adam", 10, 0.1), ConfigError, "adam"),
])
def test_bad_input_raises_one_line(call, error, pattern: str) -> None:
    with pytest.raises(error, match=pattern) as info:
        call(power(2.0))
    assert "\n" not in str(info.value)


def test_load_state_rejects_wrong_shape() -> None:
    learner = ResidualLearning(power(2.0), None, (2, 3), 0.1, 0.1, 1.0)
    state = learner.state()
    state["p"] = np.zeros((3, 2))
    with pytest.raises(ConfigError, match=r"p must have shape \(2, 3\)"):
        learner.load_state(state)


# -- plot -------------------------------------------------------------------------------
def test_plot_writes_png(tmp_path, problem) -> None:
    hist = [run_least_squares(power(g), alg, 200, 0.2, problem=problem, record_every=10)
            for g in (1.0, 2.0) for alg in ("analog_sgd", "residual")]
    assert {h.label for h in hist} == {f"{a}, power_response γ={g}" for g in ("1", "2")
                                       for a in ("analog SGD", "residual learning")}
    out = plot_least_squares(hist, tmp_path / "ls.png")
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
