"""The state of a training run after an epoch: what a checkpoint holds.

:func:`spicelearn.learning.trainer.train` hands one :class:`Checkpoint` to its
callback after every epoch; :mod:`spicelearn.runs.checkpoint` writes and reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Checkpoint:
    """The state of a run after ``epoch`` complete epochs."""

    epoch: int
    run_id: str
    g: np.ndarray
    optimizer: str
    optimizer_state: dict[str, np.ndarray]
    rng_state: dict[str, Any]
    metrics: list[dict[str, float]] = field(default_factory=list)
    programmer_state: dict[str, np.ndarray] = field(default_factory=dict)
    rule_state: dict[str, np.ndarray] = field(default_factory=dict)
