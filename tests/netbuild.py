"""Small network builders shared by the gradient tests."""

from __future__ import annotations

import numpy as np

from spicelearn.network.circuit import Circuit
from spicelearn.network.layered import (
    DiodePair,
    LayeredNetwork,
    build_layered,
    init_conductances,
    layer_shapes,
)


def layered(n_in: int, hidden: list[int], n_out: int, diode: DiodePair, amp: float = 0.0,
            seed: int = 0) -> Circuit:
    """A differential layered network with biases ±0.5 V and seeded conductances."""
    rng = np.random.default_rng(seed)
    shapes = layer_shapes(n_in, tuple(hidden), n_out, True, 2)
    g = init_conductances(shapes, 1e-5, 1e-2, 1e-4, 1e-3, rng)
    return build_layered(LayeredNetwork(n_in, tuple(hidden), n_out, g, bias=(0.5, -0.5),
                                        diode=diode, amplifier_gain=amp))
