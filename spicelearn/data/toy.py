"""Generated two-dimensional tasks that no linear classifier solves.

* ``moons``: scikit-learn's two interleaving half circles (2 classes);
* ``circles``: scikit-learn's concentric circles, inner radius ``factor`` = 0.5 of
  the outer one (2 classes): a linear classifier scores about chance;
* ``spiral``: three interleaved arms (3 classes), arm ``c`` at angle
  ``θ = 1.75·π·t + 2π·c/3`` and radius ``t`` for t uniform in [0.1, 1], with
  Gaussian noise of std ``noise`` on both coordinates.

All are drawn from a seeded generator, so (config, seed) gives the same samples;
``noise`` is the std of the Gaussian noise in the generator's own units (the unit
radius of the outer circle or moon), before the features are scaled to volts.
"""

from __future__ import annotations

import numpy as np

TOY_DATASETS = ("moons", "circles", "spiral")
"""The generated datasets, with their number of classes below."""

TOY_CLASSES = {"moons": 2, "circles": 2, "spiral": 3}


def make_spiral(n_samples: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray,
                                                                                   np.ndarray]:
    """(n_samples, 2) points and (n_samples,) labels of a 3-arm spiral."""
    y = np.arange(n_samples) % 3
    t = rng.uniform(0.1, 1.0, n_samples)
    theta = 1.75 * np.pi * t + 2.0 * np.pi * y / 3.0
    u = np.column_stack([t * np.cos(theta), t * np.sin(theta)])
    return u + rng.normal(0.0, noise, u.shape), y


def make_toy(name: str, n_samples: int, noise: float,
             rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(n_samples, 2) features and (n_samples,) integer labels of a generated task."""
    from sklearn import datasets as skd

    state = int(rng.integers(0, 2**31 - 1))
    if name == "moons":
        u, y = skd.make_moons(n_samples, noise=noise, random_state=state)
    elif name == "circles":
        u, y = skd.make_circles(n_samples, noise=noise, factor=0.5, random_state=state)
    elif name == "spiral":
        u, y = make_spiral(n_samples, noise, rng)
    else:
        raise KeyError(name)
    return np.asarray(u, dtype=float), np.asarray(y, dtype=int)
