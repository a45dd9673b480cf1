"""The trainer: epochs visit every sample once, test data never trains, runs reproduce."""

from __future__ import annotations

import tomllib
from dataclasses import replace

import numpy as np
import pytest

from spicelearn.engines.base import Engine, Settled
from spicelearn.engines.numeric import NumericEngine
from spicelearn.errors import ConfigError
from spicelearn.learning.costs import predictions
from spicelearn.learning.trainer import train
from spicelearn.run_config import parse_run_config
from spicelearn.runs.training import prepare

IRIS = """
seed = 0
[network]
name = "iris"
inputs = 4
hidden = [3]
outputs = 3
[data]
dataset = "iris"
[training]
engine = "numeric"
epochs = 3
batch_size = 16
"""


def _setup(text: str = IRIS, **training):
    raw = tomllib.loads(text)
    raw["training"].update(training)
    return prepare(parse_run_config(raw))


class Recording(Engine):
    """The numeric engine, remembering every free-phase batch it settled."""

    name = "numeric"

    def __init__(self) -> None:
        self.inner = NumericEngine()
        self.free: list[np.ndarray] = []

    def settle(self, circuit, inputs, nudges=None, warm=None) -> Settled:
        if nudges is None:
            self.free.append(np.array(inputs))
        return self.inner.settle(circuit, inputs, nudges, warm)


def test_every_epoch_visits_every_training_sample_once():
    s = _setup(epochs=2, batch_size=16)
    eng = Recording()
    train(s, eng, progress=False)
    n_train, n_test = len(s.dataset.y_train), len(s.dataset.y_test)
    batches = [b for b in eng.free if len(b) <= 16]
    per_epoch = -(-n_train // 16)
    assert len(batches) == 2 * per_epoch
    for e in range(2):
        seen = np.concatenate(batches[e * per_epoch:(e + 1) * per_epoch])
        order = np.lexsort(seen.T)
        ref = np.lexsort(s.dataset.x_train.T)
        assert np.array_equal(seen[order], s.dataset.x_train[ref])
    first = np.concatenate(batches[:per_epoch])
    second = np.concatenate(batches[per_epoch:])
    assert not np.array_equal(first, second)  # shuffled anew each epoch
    assert sum(len(b) == n_test for b in eng.free) >= 3  # evaluation of the test split


def test_training_learns_and_reports_held_out_accuracy():
    s = _setup(epochs=4)
    res = train(s, NumericEngine(), progress=False)
    m = res.metrics
    assert [r["epoch"] for r in m] == [0, 1, 2, 3, 4]
    assert m[-1]["loss"] < 0.5 * m[0]["loss"]
    assert m[-1]["test_acc"] >= 0.85 and m[-1]["train_acc"] >= 0.85
    assert np.all(res.circuit.g >= s.circuit.g_min) and np.all(res.circuit.g <= s.circuit.g_max)
    # the reported test accuracy is the free phase on the held-out split
    out = NumericEngine().settle(res.circuit, s.dataset.x_test).outputs
    acc = np.mean(np.argmax(predictions(out, True), axis=1) == s.dataset.y_test)
    assert acc == m[-1]["test_acc"]


def test_test_data_never_influences_training():
    a = _setup(epochs=2)
    b = _setup(epochs=2)
    rng = np.random.default_rng(9)
    b.dataset = replace(b.dataset, x_test=rng.uniform(-0.5, 0.5, b.dataset.x_test.shape),
                        y_test=rng.integers(0, 3, len(b.dataset.y_test)))
    ga = train(a, NumericEngine(), progress=False).circuit.g
    gb = train(b, NumericEngine(), progress=False).circuit.g
    assert np.array_equal(ga, gb)


def test_reproducible_and_resumable_in_process(tmp_path):
    saved = []   # the trainer hands its state to the callback after every epoch
    full = train(_setup(epochs=3), NumericEngine(), progress=False)
    s = _setup(epochs=1)
    train(s, NumericEngine(), progress=False, on_checkpoint=saved.append)
    s3 = _setup(epochs=3)
    assert s3.run_id != s.run_id  # epochs are part of the run
    assert [ck.epoch for ck in saved] == [0, 1]
    ck = saved[-1]
    ck.run_id = s3.run_id
    rest = train(s3, NumericEngine(), start=ck, progress=False)
    assert np.array_equal(full.circuit.g, rest.circuit.g)
    keys = ("epoch", "loss", "train_acc", "test_acc", "test_loss")
    assert [[r[k] for k in keys] for r in full.metrics] == [[r[k] for k in keys]
                                                            for r in rest.metrics]


@pytest.mark.parametrize("nudging", ["positive", "negative", "centered"])
def test_rule_gradient_matches_adjoint(nudging):
    s = _setup(nudging=nudging, beta=1e-6)
    eng = NumericEngine()
    x = s.dataset.x_train[:8]
    y = s.targets(s.dataset.y_train[:8])
    step = s.rule.estimate(eng, s.circuit, x, y)
    exact = eng.adjoint_gradient(s.circuit, step.free,
                                 s.cost.grad(step.free.outputs, y, True)).mean(axis=0)
    cos = exact @ step.grad / np.linalg.norm(exact) / np.linalg.norm(step.grad)
    assert cos > 0.999
    assert np.allclose(step.grad, exact, rtol=0.02, atol=0.02 * np.abs(exact).max())


def test_incompatible_sizes_are_config_errors():
    with pytest.raises(ConfigError, match="network.inputs = 3 but dataset 'iris' has 4"):
        _setup(IRIS.replace("inputs = 4", "inputs = 3"))
    with pytest.raises(ConfigError, match="unknown dataset 'nope'"):
        _setup(IRIS.replace('dataset = "iris"', 'dataset = "nope"'))
