"""The ``[data]`` config table: its keys, defaults, units and checks.

``dataset`` (required) names one of :data:`DATASETS`; the other keys are fields of
:class:`DataConfig` with their defaults.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import Field

from ..config import AtLeastOne, ConfigModel, NonNegative, Positive, choice


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
}
"""Datasets a config may name in ``data.dataset`` (all bundled with scikit-learn)."""
DatasetName = choice(DATASETS, "dataset")


class DataConfig(ConfigModel):
    """The resolved ``[data]`` table (every default filled in)."""

    section = "data"
    dataset: DatasetName
    """``xor``, ``iris``, ``breast_cancer`` or ``digits``."""
    test_fraction: float = Field(0.3, gt=0, lt=1)
    """Share of samples held out for testing [1]."""
    scale: Positive = 0.5
    """Half-range of the input voltages [V]."""
    repeat: AtLeastOne = 8
    """XOR: copies of the four points in the training set."""
    noise: NonNegative = 0.0
    """XOR: std of the Gaussian noise on the training copies [V]."""

    @property
    def info(self) -> DatasetInfo:
        return DATASETS[self.dataset]

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
