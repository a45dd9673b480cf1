"""After any failure the ngspice engine is back in a known-good state.

A failed DC sweep used to leave the loaded circuit unusable: every later sweep of
the same circuit failed the same way (in-process, with a new engine object and in
worker processes) until a circuit of another structure was loaded.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from spicelearn.engines import NgspiceEngine, NumericEngine
from spicelearn.engines._ngspice_session import session
from spicelearn.errors import ConvergenceError
from spicelearn.network.circuit import Circuit
from spicelearn.run_config import load_run_config

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

#: An input that overflows the solver (1e300 V across a resistor is an infinite current).
HUGE = 1e300


@pytest.fixture(scope="module")
def iris() -> Circuit:
    return load_run_config(EXAMPLES / "iris.toml").circuit()


def good_batch(c: Circuit, B: int = 6, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return (rng.uniform(-0.5, 0.5, (B, c.n_features)),
            rng.normal(0.0, 1e-4, (B, len(c.nudges))))


def assert_settles_correctly(engine: NgspiceEngine, c: Circuit, seed: int = 0) -> None:
    """Free and nudged phases agree with the numeric engine to 1e-9 V."""
    x, n = good_batch(c, seed=seed)
    num = NumericEngine()
    for nudges in (None, n):
        got = engine.settle(c, x, nudges).v
        assert np.max(np.abs(got - num.settle(c, x, nudges).v)) < 1e-9


def fail_once(engine: NgspiceEngine, c: Circuit, x: np.ndarray) -> ConvergenceError:
    with pytest.raises(ConvergenceError) as info:
        engine.settle(c, x)
    return info.value


def test_good_inputs_settle_after_a_failure_in_process(iris, tmp_path):
    e = NgspiceEngine(keep_dir=tmp_path)
    assert_settles_correctly(e, iris)
    err = fail_once(e, iris, np.full((1, iris.n_features), HUGE))
    assert err.sample == 0
    assert_settles_correctly(e, iris, seed=1)  # the same engine
    assert_settles_correctly(NgspiceEngine(keep_dir=tmp_path), iris, seed=2)  # a new one


def test_failure_in_the_middle_of_a_batch_then_good_batches(iris, tmp_path):
    e = NgspiceEngine(keep_dir=tmp_path)
    x, _ = good_batch(iris, B=5)
    x[2] = HUGE
    assert fail_once(e, iris, x).sample == 2
    for seed in (3, 4):  # and again, repeatedly
        assert_settles_correctly(e, iris, seed=seed)


def test_repeated_failures_do_not_accumulate(iris, tmp_path):
    e = NgspiceEngine(keep_dir=tmp_path)
    for k in range(3):
        fail_once(e, iris, np.full((2, iris.n_features), HUGE))
        assert_settles_correctly(e, iris, seed=10 + k)


def test_options_after_a_failure_are_those_of_a_fresh_load(iris, tmp_path):
    """The retry ladder's options do not outlive the retry (ngspice 46 defaults included)."""
    s = session()
    e = NgspiceEngine(keep_dir=tmp_path)
    x, _ = good_batch(iris)
    s.reset()
    e.settle(iris, x)
    fresh = s.command_output("option")
    assert any("gminsteps" in ln for ln in fresh)
    fail_once(e, iris, np.full((1, iris.n_features), HUGE))
    e.settle(iris, x)
    assert s.command_output("option") == fresh


def test_workers_recover_after_a_failure(iris, tmp_path):
    with NgspiceEngine(keep_dir=tmp_path, workers=2, block=2) as e:
        assert_settles_correctly(e, iris)
        # two blocks of two samples: both workers fail
        err = fail_once(e, iris, np.full((4, iris.n_features), HUGE))
        assert err.sample in (0, 2)
        pids = e._pool.pids
        assert_settles_correctly(e, iris, seed=5)
        assert e._pool.pids == pids  # the same worker processes recovered
