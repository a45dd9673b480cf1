"""Optimizers, schedules, programmers and the [training] table."""

from __future__ import annotations

import math

import numpy as np
import pytest

from spicelearn.devices.linear import LinearConductance
from spicelearn.devices.programmers import IdealProgrammer
from spicelearn.errors import CheckpointError, ConfigError
from spicelearn.learning.optimizers import SGD, Adam, Momentum, Schedule, make_optimizer
from spicelearn.learning.schema import resolve_training


def test_sgd_per_layer_rates():
    opt = SGD((2, 3), [1.0, 0.1])
    dg = opt.step(np.array([1.0, -2.0, 1.0, 1.0, -1.0]), epoch=0)
    assert np.allclose(dg, [-1.0, 2.0, -0.1, -0.1, 0.1])


def test_momentum_accumulates():
    opt = Momentum((1,), [0.5], momentum=0.9)
    assert np.allclose(opt.step(np.ones(1), 0), -0.5)
    assert np.allclose(opt.step(np.ones(1), 0), -0.5 * 1.9)


def test_adam_first_step_is_lr_in_the_gradient_sign():
    opt = Adam((3,), [1e-5])
    dg = opt.step(np.array([1e3, -1e-3, 2.0]), 0)
    assert np.allclose(dg, [-1e-5, 1e-5, -1e-5], rtol=1e-4)


def test_schedules():
    assert Schedule("constant").factor(7) == 1.0
    s = Schedule("step", step_epochs=2, step_gamma=0.5)
    assert [s.factor(e) for e in range(5)] == [1, 1, 0.5, 0.5, 0.25]
    c = Schedule("cosine", epochs=10, lr_min_factor=0.1)
    assert c.factor(0) == 1.0 and math.isclose(c.factor(10), 0.1)
    assert math.isclose(c.factor(5), 0.55)
    opt = SGD((1,), [1.0], Schedule("step", step_epochs=1, step_gamma=0.1))
    assert np.allclose(opt.step(np.ones(1), 2), -0.01)


@pytest.mark.parametrize("kind", ["sgd", "momentum", "adam"])
def test_state_restores_exactly(kind):
    cfg = resolve_training({"optimizer": kind, "lr": [1e-3, 2e-3]})
    rng = np.random.default_rng(0)
    grads = rng.normal(size=(6, 5))
    a = make_optimizer(cfg, (2, 3))
    for g in grads[:3]:
        a.step(g, 0)
    b = make_optimizer(cfg, (2, 3))
    b.load_state({k: np.array(v) for k, v in a.state().items()})
    for g in grads[3:]:
        assert np.array_equal(a.step(g, 1), b.step(g, 1))


def test_state_from_another_optimizer_is_refused():
    cfg = resolve_training({"optimizer": "adam"})
    with pytest.raises(CheckpointError, match="lacks 'v'"):
        make_optimizer(cfg, (3,)).load_state({"m": np.zeros(3)})


def test_ideal_programmer_keeps_bounds():
    model = LinearConductance(1e-5, 1e-2)
    g = np.array([1e-3, 2e-5, 9e-3])
    r = IdealProgrammer().program(model, model.state_of(g), np.array([1e-4, -1e-4, 5e-3]),
                                  np.random.default_rng(0))
    assert np.allclose(r.conductance, [1.1e-3, 1e-5, 1e-2])
    assert np.allclose(r.realized, [1e-4, -1e-5, 1e-3])
    assert list(r.count * r.polarity) == [1, -1, 1]


def test_training_table_checks():
    cfg = resolve_training({"target": 0.2})
    assert cfg.target_off == -0.2 and cfg.lr == [1e-4]
    assert cfg.layer_lr(3) == [1e-4] * 3
    with pytest.raises(ConfigError, match="training.beta' must be > 0"):
        resolve_training({"beta": 0.0})
    with pytest.raises(ConfigError, match="training.beta"):
        resolve_training({"beta": -1e-5})
    with pytest.raises(ConfigError, match="2 values but the network has 3 layers"):
        resolve_training({"lr": [1e-4, 1e-4]}).layer_lr(3)
    with pytest.raises(ConfigError, match="training.nudging.*centered"):
        resolve_training({"nudging": "sideways"})
    with pytest.raises(ConfigError, match="training.schedule"):
        resolve_training({"schedule": "linear"})
