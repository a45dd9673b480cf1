"""Datasets as input voltages, with a fixed, seeded, stratified train/test split.

Encoding (the same for every dataset): with the training split's per-feature
minimum m and maximum M, a feature value u becomes the voltage

    x = scale · (2 (u − m) / (M − m) − 1)      [V]

so training inputs lie in [−scale, +scale]; test inputs use the same m, M (they may
fall slightly outside). A feature constant over the training split becomes 0 V.

Datasets (all shipped with scikit-learn, nothing is downloaded):

* ``xor``: the four points (0,0)→0, (0,1)→1, (1,0)→1, (1,1)→0. The training set
  is ``repeat`` copies of the four points (plus Gaussian ``noise`` [V]); the test
  set is the four clean points (there is nothing else to hold out).
* ``iris``: 150 samples, 4 features, 3 classes.
* ``breast_cancer``: Breast Cancer Wisconsin, 569 samples, 30 features, 2 classes.
* ``digits``: 8×8 handwritten digits, 1797 samples, 64 features, 10 classes.
* ``moons``, ``circles``, ``spiral``: ``samples`` points in two dimensions drawn
  from a seeded generator with Gaussian ``noise`` (see :mod:`.toy`), split like
  the others: tasks no linear classifier solves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError
from .schema import DATASETS, DataConfig
from .toy import TOY_DATASETS, make_toy


@dataclass(frozen=True)
class Dataset:
    """A split, encoded dataset.

    Attributes:
        name: dataset name.
        x_train: (n_train, n_features) input voltages [V].
        y_train: (n_train,) integer class labels.
        x_test: (n_test, n_features) input voltages [V].
        y_test: (n_test,) integer class labels.
        n_classes: number of classes.
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    n_classes: int

    @property
    def n_features(self) -> int:
        return self.x_train.shape[1]


def _raw(name: str) -> tuple[np.ndarray, np.ndarray]:
    from sklearn import datasets as skd

    loader = {"iris": skd.load_iris, "breast_cancer": skd.load_breast_cancer,
              "digits": skd.load_digits}[name]
    bunch = loader()
    return np.asarray(bunch.data, dtype=float), np.asarray(bunch.target, dtype=int)


def stratified_split(y: np.ndarray, test_fraction: float,
                     rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, test): each class contributes round(test_fraction · n_c) test samples."""
    train, test = [], []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        idx = idx[rng.permutation(len(idx))]
        n_test = int(round(test_fraction * len(idx)))
        n_test = min(max(n_test, 1), len(idx) - 1)
        test.append(idx[:n_test])
        train.append(idx[n_test:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def scale_features(train: np.ndarray, other: np.ndarray,
                   scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Min-max scale both arrays to ±scale [V] with the statistics of ``train`` only."""
    lo = train.min(axis=0)
    span = train.max(axis=0) - lo
    const = span == 0
    span = np.where(const, 1.0, span)

    def enc(a: np.ndarray) -> np.ndarray:
        x = scale * (2.0 * (a - lo) / span - 1.0)
        x[:, const] = 0.0
        return x

    return enc(train), enc(other)


def load_dataset(cfg: DataConfig, seed: int) -> Dataset:
    """Load, split (seeded from the run seed) and encode a dataset."""
    if cfg.dataset not in DATASETS:
        raise ConfigError(f"unknown dataset '{cfg.dataset}' in 'data.dataset' "
                          f"(known: {', '.join(DATASETS)})")
    rng = np.random.default_rng([seed, 0x5EED])
    if cfg.dataset == "xor":
        pts = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
        lab = np.array([0, 1, 1, 0])
        x_test = cfg.scale * (2.0 * pts - 1.0)
        x_train = np.tile(x_test, (cfg.repeat, 1))
        if cfg.noise > 0:
            x_train = x_train + rng.normal(0.0, cfg.noise, size=x_train.shape)
        return Dataset("xor", x_train, np.tile(lab, cfg.repeat), x_test, lab, 2)
    if cfg.dataset in TOY_DATASETS:
        u, y = make_toy(cfg.dataset, cfg.samples, cfg.noise, rng)
    else:
        u, y = _raw(cfg.dataset)
    tr, te = stratified_split(y, cfg.test_fraction, rng)
    x_train, x_test = scale_features(u[tr], u[te], cfg.scale)
    return Dataset(cfg.dataset, x_train, y[tr], x_test, y[te], int(y.max()) + 1)


def check_compatible(ds: Dataset, n_features: int, n_classes: int) -> None:
    """Raise ConfigError naming the mismatching size."""
    if n_features != ds.n_features:
        raise ConfigError(f"network.inputs = {n_features} but dataset '{ds.name}' has "
                          f"{ds.n_features} features")
    if n_classes != ds.n_classes:
        raise ConfigError(f"network.outputs = {n_classes} but dataset '{ds.name}' has "
                          f"{ds.n_classes} classes")


def encode_targets(labels: np.ndarray, n_classes: int, cost: str, target: float,
                   target_off: float) -> np.ndarray:
    """(B, n_classes) targets: for MSE ``target`` [V] on the true class and
    ``target_off`` [V] elsewhere; for cross-entropy one-hot rows."""
    labels = np.asarray(labels, dtype=int)
    if cost == "mse":
        y = np.full((labels.size, n_classes), float(target_off))
        y[np.arange(labels.size), labels] = float(target)
        return y
    y = np.zeros((labels.size, n_classes))
    y[np.arange(labels.size), labels] = 1.0
    return y
