"""Datasets: sizes, voltage encoding, seeded stratified splits, size checks."""

from __future__ import annotations

import numpy as np
import pytest

from spicelearn.data import (
    DataConfig,
    check_compatible,
    encode_targets,
    load_dataset,
    resolve_data,
    scale_features,
)
from spicelearn.errors import ConfigError


@pytest.mark.parametrize("name,n,features,classes", [
    ("iris", 150, 4, 3), ("breast_cancer", 569, 30, 2), ("digits", 1797, 64, 10),
])
def test_sizes_and_split(name, n, features, classes):
    ds = load_dataset(DataConfig(name, test_fraction=0.3), seed=0)
    assert ds.n_features == features and ds.n_classes == classes
    assert len(ds.y_train) + len(ds.y_test) == n
    assert abs(len(ds.y_test) - 0.3 * n) <= classes
    # stratified: every class keeps its share in the test split (within one sample)
    full = np.bincount(np.concatenate([ds.y_train, ds.y_test]), minlength=classes)
    test = np.bincount(ds.y_test, minlength=classes)
    assert np.all(np.abs(test - 0.3 * full) <= 1.0)


def test_scaling_uses_training_split_only():
    ds = load_dataset(DataConfig("iris", scale=0.25), seed=3)
    assert np.allclose(ds.x_train.min(axis=0), -0.25)
    assert np.allclose(ds.x_train.max(axis=0), 0.25)
    # the test split is encoded with the training statistics, not its own
    assert not np.allclose(ds.x_test.min(axis=0), -0.25)


def test_constant_feature_is_zero_volts():
    train = np.array([[1.0, 5.0], [3.0, 5.0]])
    test = np.array([[2.0, 7.0]])
    a, b = scale_features(train, test, 0.5)
    assert np.allclose(a, [[-0.5, 0.0], [0.5, 0.0]])
    assert np.allclose(b, [[0.0, 0.0]])


def test_split_is_seeded():
    a = load_dataset(DataConfig("iris"), seed=1)
    b = load_dataset(DataConfig("iris"), seed=1)
    c = load_dataset(DataConfig("iris"), seed=2)
    assert np.array_equal(a.x_test, b.x_test)
    assert not np.array_equal(a.x_test, c.x_test)


def test_xor():
    ds = load_dataset(DataConfig("xor", scale=1.0, repeat=3), seed=0)
    assert np.array_equal(ds.x_test, [[-1, -1], [-1, 1], [1, -1], [1, 1]])
    assert list(ds.y_test) == [0, 1, 1, 0]
    assert ds.x_train.shape == (12, 2) and list(ds.y_train) == [0, 1, 1, 0] * 3
    noisy = load_dataset(DataConfig("xor", noise=0.05), seed=0)
    assert 0 < np.std(noisy.x_train - np.tile(noisy.x_test, (8, 1))) < 0.1


def test_unknown_dataset_lists_known():
    with pytest.raises(ConfigError, match="unknown dataset 'mnist'.*iris.*digits"):
        load_dataset(DataConfig("mnist"), seed=0)


def test_incompatible_sizes_name_the_key():
    ds = load_dataset(DataConfig("iris"), seed=0)
    with pytest.raises(ConfigError, match="network.inputs = 3 but dataset 'iris' has 4 features"):
        check_compatible(ds, 3, 3)
    with pytest.raises(ConfigError, match="network.outputs = 2 but dataset 'iris' has 3 classes"):
        check_compatible(ds, 4, 2)


def test_targets():
    y = encode_targets(np.array([2, 0]), 3, "mse", 0.1, -0.1)
    assert np.allclose(y, [[-0.1, -0.1, 0.1], [0.1, -0.1, -0.1]])
    y = encode_targets(np.array([1]), 3, "cross_entropy", 0.1, -0.1)
    assert np.allclose(y, [[0, 1, 0]])


def test_resolve_data_checks_values():
    assert resolve_data({"dataset": "iris"}).test_fraction == 0.3
    with pytest.raises(ConfigError, match="data.test_fraction"):
        resolve_data({"dataset": "iris", "test_fraction": 1.5})
    with pytest.raises(ConfigError, match="data.scale"):
        resolve_data({"dataset": "iris", "scale": 0.0})
    with pytest.raises(ConfigError, match="data.dataset"):
        resolve_data({})
