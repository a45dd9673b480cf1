"""The ``[data]`` config table: its keys, defaults, units and checks.

``dataset`` (required) names one of :data:`DATASETS`; the other keys are fields of
:class:`DataConfig` with their defaults.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from ..config import AtLeastOne, ConfigModel, NonNegative, Positive, choice
from .toy import TOY_CLASSES


@dataclass(frozen=True)
class DatasetInfo:
    """The size of a dataset, known before it is loaded."""

    samples: int
    """Samples (XOR: the four points; its training set repeats them)."""
    features: int
    classes: int


DATASETS: dict[str, DatasetInfo] = {
    "xor": DatasetInfo(4, 2, 2),
    "iris": DatasetInfo(150, 4, 3),
    "breast_cancer": DatasetInfo(569, 30, 2),
    "digits": DatasetInfo(1797, 64, 10),
    **{name: DatasetInfo(0, 2, k) for name, k in TOY_CLASSES.items()},
}
"""Datasets a config may name in ``data.dataset``: bundled with scikit-learn, or
generated (``moons``, ``circles``, ``spiral``: ``data.samples`` of them)."""
DatasetName = choice(DATASETS, "dataset")


class DataConfig(ConfigModel):
    """The resolved ``[data]`` table (every default filled in)."""

    section = "data"
    dataset: DatasetName
    """``xor``, ``iris``, ``breast_cancer``, ``digits``, ``moons``, ``circles`` or ``spiral``."""
    test_fraction: float = Field(0.3, gt=0, lt=1)
    """Share of samples held out for testing [1]."""
    scale: Positive = 0.5
    """Half-range of the input voltages [V]."""
    repeat: AtLeastOne = 8
    """XOR: copies of the four points in the training set."""
    noise: NonNegative = 0.0
    """Std of the Gaussian noise [1]: for the generated sets in their own units (the
    outer circle or moon has radius 1); for XOR on the training copies, in volts."""
    samples: AtLeastOne = 400
    """Generated sets: samples drawn (train and test together)."""

    @model_validator(mode="after")
    def _enough_samples(self) -> DataConfig:
        k = DATASETS[self.dataset].classes
        if self.dataset in TOY_CLASSES and self.samples < 2 * k:
            raise PydanticCustomError(
                "spicelearn_samples",
                "needs samples >= {need} for {k} classes (one training and one test sample "
                "per class), got samples = {n}", {"n": self.samples, "k": k, "need": 2 * k})
        return self

    @property
    def info(self) -> DatasetInfo:
        info = DATASETS[self.dataset]
        if self.dataset in TOY_CLASSES:
            return DatasetInfo(self.samples, info.features, info.classes)
        return info

    @property
    def n_train(self) -> int:
        """Training samples."""
        if self.dataset == "xor":
            return 4 * self.repeat
        return self.info.samples - self.n_test

    @property
    def n_test(self) -> int:
        """Test samples (about ``test_fraction`` of each class; XOR: the four points)."""
        if self.dataset == "xor":
            return 4
        return max(self.info.classes, round(self.test_fraction * self.info.samples))


def resolve_data(table: dict[str, Any] | DataConfig | None) -> DataConfig:
    """Fill defaults into a ``[data]`` table and check the values (ConfigError if invalid)."""
    return DataConfig.check({} if table is None else table)
