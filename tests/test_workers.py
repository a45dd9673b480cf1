"""Parallel settling over worker processes: identical results, dead workers, cleanup."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import numpy as np
import pytest

from spicelearn.engines import NgspiceEngine
from spicelearn.engines.ngspice import structure_key
from spicelearn.errors import WorkerError
from spicelearn.run_config import load_run_config

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module")
def iris():
    c = load_run_config(EXAMPLES / "iris.toml").circuit()
    rng = np.random.default_rng(0)
    return c, rng.uniform(-0.5, 0.5, (300, 4)), rng.normal(0, 1e-4, (300, 6))


def test_split_is_whole_blocks():
    from spicelearn.engines.workers import WorkerPool
    pool = WorkerPool(3, {}, None, 50, NgspiceEngine, structure_key)
    assert pool.split(300) == [(0, 100), (100, 200), (200, 300)]
    assert pool.split(20) == [(0, 20)]


def test_two_workers_equal_one_engine(iris):
    c, x, n = iris
    one = NgspiceEngine(block=50).settle(c, x, n).v
    with NgspiceEngine(workers=2, block=50) as eng:
        assert np.array_equal(eng.settle(c, x, n).v, one)
        g = c.g * 1.1  # only conductances travel on the second call
        c2 = c.with_conductances(g)
        assert np.array_equal(eng.settle(c2, x).v, NgspiceEngine(block=50).settle(c2, x).v)


def test_dead_worker_raises_and_pool_restarts(iris):
    c, x, _ = iris
    eng = NgspiceEngine(workers=2, block=50)
    ref = eng.settle(c, x).v
    pids = eng._pool.pids
    eng._pool.crash_next(1)
    with pytest.raises(WorkerError, match=r"samples 150\.\.299"):
        eng.settle(c, x)
    assert eng._pool.pids == []  # all reaped
    assert np.array_equal(eng.settle(c, x).v, ref)
    os.kill(eng._pool.pids[0], signal.SIGKILL)
    with pytest.raises(WorkerError, match="worker 0"):
        eng.settle(c, x)
    eng.close()
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_close_leaves_no_processes(iris):
    c, x, _ = iris
    eng = NgspiceEngine(workers=2, block=100)
    eng.settle(c, x)
    procs = list(eng._pool._procs)
    eng.close()
    assert all(not p.is_alive() and p.exitcode is not None for p in procs)
