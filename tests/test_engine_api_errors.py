"""Misuse of the engines' Python API raises the project's errors, before anything runs."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from spicelearn.engines import NgspiceEngine, NumericEngine, adjoint_gradient
from spicelearn.engines._ngspice_session import session
from spicelearn.engines.bench import bench_network, bench_networks, run_bench
from spicelearn.engines.ngspice import structure_key
from spicelearn.engines.workers import WorkerPool
from spicelearn.errors import InputError, NetworkError, SpicelearnError, UsageError
from spicelearn.network.circuit import Circuit
from spicelearn.run_config import load_run_config

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module")
def xor() -> Circuit:
    """2 features, differential outputs (nudges)."""
    return load_run_config(EXAMPLES / "xor.toml").circuit()


@pytest.fixture(scope="module", params=["ngspice", "numeric"])
def engine(request):
    e = NgspiceEngine() if request.param == "ngspice" else NumericEngine()
    yield e
    e.close()


def one_line(err: BaseException) -> None:
    assert isinstance(err, SpicelearnError)
    assert "\n" not in str(err) and str(err)


# -- constructors ---------------------------------------------------------------

@pytest.mark.parametrize("kwargs", [
    {"block": 0}, {"block": -1}, {"block": 2.5}, {"block": "10"}, {"block": None},
    {"workers": 0}, {"workers": -1}, {"workers": 1.5}, {"workers": True}, {"workers": "2"},
    {"options": "reltol=1e-3"}, {"options": ["reltol"]}, {"options": {"reltol": None}},
    {"options": {"reltol": float("nan")}}, {"options": {1: "1e-3"}},
    {"options": {"reltol": True}}, {"keep_dir": 3},
])
def test_ngspice_engine_bad_arguments(kwargs):
    with pytest.raises(UsageError) as info:
        NgspiceEngine(**kwargs)
    one_line(info.value)
    assert isinstance(info.value, ValueError)  # also what plain Python code catches


def test_ngspice_engine_accepts_numbers_as_option_values(xor):
    e = NgspiceEngine(options={"reltol": 1e-10, "vntol": "1e-12", "itl1": 200})
    assert e.options == {"reltol": "1e-10", "vntol": "1e-12", "itl1": "200"}
    x = np.zeros((2, xor.n_features))
    assert np.max(np.abs(e.settle(xor, x).v - NumericEngine().settle(xor, x).v)) < 1e-6


@pytest.mark.parametrize("kwargs", [
    {"vtol": 0.0}, {"vtol": -1e-9}, {"vtol": float("nan")}, {"vtol": float("inf")},
    {"vtol": "1e-9"}, {"cache_size": -1}, {"cache_size": 1.5}, {"cache_size": None},
])
def test_numeric_engine_bad_arguments(kwargs):
    with pytest.raises(UsageError) as info:
        NumericEngine(**kwargs)
    one_line(info.value)


@pytest.mark.parametrize("n_workers, block", [(0, 10), (-2, 10), (2, 0), (2, -5)])
def test_worker_pool_bad_sizes(n_workers, block):
    with pytest.raises(UsageError):
        WorkerPool(n_workers, {}, None, block, NgspiceEngine, structure_key)


# -- settle ---------------------------------------------------------------------

@pytest.mark.parametrize("inputs", [
    np.array([[0.1 + 0.2j, 0.3]]),           # complex: the imaginary part used to vanish
    np.array([[0.1 + 0j, 0.3]]),              # complex dtype, even with zero imaginary part
    "0.1 0.2",                                # a string
    ["0.1", "0.2"],                           # a list of strings (used to be parsed)
    np.array([[True, False]]),                # booleans are not voltages
    [[0.1, 0.2], [0.3]],                      # ragged
    [[0.1, None]],                            # object values
    {"a": 1},
    None,
    np.zeros((3, 5)),                         # wrong width
    np.zeros((0, 2)),                         # empty batch
    np.zeros((2, 2, 1)),                      # wrong rank
])
def test_bad_inputs_are_input_errors(engine, xor, inputs):
    with pytest.raises(InputError) as info:
        engine.settle(xor, inputs)
    one_line(info.value)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_inputs_fail_before_ngspice_runs(xor, bad):
    e = NgspiceEngine()
    s = session()
    mark = s.mark()
    with pytest.raises(InputError):
        e.settle(xor, np.array([[0.1, bad]]))
    assert s.mark() == mark  # ngspice printed nothing: it was never asked to run


@pytest.mark.parametrize("nudges", [
    np.full((1, 4), 1e-6 + 1e-6j), "0 0 0 0", [["0", "0", "0", "0"]], np.zeros((1, 3)),
    np.full((1, 4), np.nan),
])
def test_bad_nudges_are_input_errors(engine, xor, nudges):
    with pytest.raises(InputError):
        engine.settle(xor, np.zeros((1, 2)), nudges)


@pytest.mark.parametrize("circuit", ["iris", None, 3, {"g": [1e-3]}])
def test_wrong_circuit_type_is_a_usage_error(engine, circuit):
    with pytest.raises(UsageError) as info:
        engine.settle(circuit, np.zeros((1, 2)))
    one_line(info.value)


@pytest.mark.parametrize("g", [np.nan, 0.0, -1e-3, np.inf])
def test_invalid_conductances_are_network_errors(engine, xor, g):
    bad = dataclasses.replace(xor, g=np.where(np.arange(xor.n_devices) == 3, g, xor.g))
    with pytest.raises(NetworkError):
        engine.settle(bad, np.zeros((1, 2)))


def test_conductances_of_the_wrong_shape_are_network_errors(engine, xor):
    bad = dataclasses.replace(xor, g=xor.g[:-1])
    with pytest.raises(NetworkError):
        engine.settle(bad, np.zeros((1, 2)))


@pytest.mark.parametrize("warm", ["free", 0.0, np.zeros((1, 3))])
def test_wrong_warm_start_type_is_a_usage_error(engine, xor, warm):
    with pytest.raises(UsageError):
        engine.settle(xor, np.zeros((1, 2)), warm=warm)


def test_warm_start_of_another_batch_is_an_input_error(engine, xor):
    warm = NumericEngine().settle(xor, np.zeros((3, 2)))
    with pytest.raises(InputError):
        engine.settle(xor, np.zeros((2, 2)), warm=warm)
    nan_warm = dataclasses.replace(warm, v=np.full_like(warm.v, np.nan))
    with pytest.raises(InputError):
        engine.settle(xor, np.zeros((3, 2)), warm=nan_warm)


# -- adjoint gradient -----------------------------------------------------------

def test_adjoint_gradient_misuse(xor):
    num = NumericEngine()
    settled = num.settle(xor, np.zeros((2, 2)))
    dl = np.zeros((2, len(xor.outputs)))
    for fn in (adjoint_gradient, num.adjoint_gradient):
        assert fn(xor, settled, dl).shape == (2, xor.n_devices)
        with pytest.raises(UsageError):
            fn("xor", settled, dl)
        with pytest.raises(UsageError):
            fn(xor, settled.v, dl)
        with pytest.raises(InputError):
            fn(xor, settled, dl[:1])
        with pytest.raises(InputError):
            fn(xor, settled, dl + 1j)
        with pytest.raises(InputError):
            fn(xor, settled, np.full_like(dl, np.nan))
        with pytest.raises(InputError):
            fn(xor, dataclasses.replace(settled, v=settled.v[:, :-1]), dl)


# -- bench functions ------------------------------------------------------------

@pytest.mark.parametrize("kwargs", [
    {"samples": 0}, {"samples": -3}, {"workers": 0}, {"workers": -1}, {"samples": 1.5},
    {"seed": -1}, {"rebuild_samples": 0}, {"alter_samples": 0}, {"network": "huge"},
])
def test_bench_arguments_out_of_range(kwargs):
    with pytest.raises(UsageError) as info:
        run_bench(**{"network": "iris", **kwargs})
    one_line(info.value)


def test_bench_network_checks_its_arguments(xor):
    with pytest.raises(UsageError):
        bench_network(xor, samples=0)
    with pytest.raises(UsageError):
        bench_network(xor, samples=5, workers=0)
    with pytest.raises(UsageError):
        bench_network("xor", samples=5)
    with pytest.raises(UsageError):
        bench_networks("nope")
