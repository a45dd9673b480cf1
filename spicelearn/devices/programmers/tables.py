"""Response tables: the state after one pulse as a function of the state before it.

For one model, scheme and polarity the exact pulse response
(:func:`~.integrate.integrate_pulse`) is computed once on a grid of states x_k
spanning the state bounds, clustered towards them (Chebyshev–Lobatto points:
the windows change fastest there), for every control value c_j of the scheme
(one value for identical pulses; plateaus 0 … width_max for PWM; amplitude
fractions from the onset of motion to 1 for PAM), all grid points integrated
together as one vector ODE (for PWM, the plateau once per state, sampled at
every width).
Between grid states the response is a cubic spline in x (not-a-knot), between
control values a Catmull–Rom cubic on the uniform control grid. The tables are
cached per (model, scheme, polarity).

Accuracy against integrating each device's own pulse, over the whole state
range (checked in ``tests/test_programmers.py``): within 1e-6 of the range per
identical pulse (1025 states; 3e-7 for the HP drift near its ON state, 1e-8 or
better for the other models). The PWM and PAM tables (129 states × 65 controls) only
choose the plateau or amplitude (within 2e-4 of the range for the models
tested, 3e-3 for the HP drift, whose rate grows 160-fold towards the ON
state); the ``pulse`` programmer then integrates those pulses exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.interpolate import CubicSpline

from ..model import DeviceModel
from .integrate import integrate_pulse, integrate_pulse_widths
from .schemes import PulseScheme

STATE_POINTS = 1025
"""Grid states of an identical-pulse table."""
STATE_POINTS_2D = 129
"""Grid states of a PWM or PAM table."""
CONTROL_POINTS = 65
"""Control values of a PWM or PAM table (uniform up to the largest)."""
ONSET = 1e-4
"""Rate, relative to the full amplitude's, below which a PAM amplitude counts as idle [1]."""


@dataclass(frozen=True, eq=False)
class ResponseTable:
    """State after one pulse and the pulse's energy, on a grid of states × controls.

    ``controls`` (n_c,) are the control values, uniformly spaced (plateau [s] for
    ``pwm``, amplitude fraction [1] for ``pam``, the plateau for ``identical``); ``after`` and
    ``energy`` are cubic splines in the state, each evaluating to (m, n_c).
    """

    model: DeviceModel
    polarity: int
    amplitude: float
    controls: np.ndarray
    after: CubicSpline
    energy: CubicSpline

    def at(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(states after, energies) at states ``x`` (m,), each (m, n_c) [state unit], [J]."""
        lo, hi = self.model.state_bounds()
        return np.clip(self.after(x), lo, hi), self.energy(x)

    def along(self, values: np.ndarray, c: np.ndarray) -> np.ndarray:
        """Row-wise Catmull–Rom interpolation of ``values`` (m, n_c) at controls ``c`` (m,).

        Beyond the first and last control the rows are continued by the parabola
        through their three end values (ghost points 3v₀ − 3v₁ + v₂), so that the
        end intervals are as accurate as the inner ones.
        """
        n_c = self.controls.size
        first = self.controls[0]
        step = (self.controls[-1] - first) / (n_c - 1)
        u = np.clip((c - first) / step, 0.0, n_c - 1)
        j = np.minimum(np.floor(u).astype(int), n_c - 2)
        t = (u - j)[:, None]
        v = values
        padded = np.concatenate([3 * v[:, :1] - 3 * v[:, 1:2] + v[:, 2:3], v,
                                 3 * v[:, -1:] - 3 * v[:, -2:-1] + v[:, -3:-2]], axis=1)
        rows = np.arange(values.shape[0])[:, None]
        idx = j[:, None] + np.arange(4)
        p0, p1, p2, p3 = (padded[rows, idx[:, k:k + 1]] for k in range(4))
        out = 0.5 * (2 * p1 + (p2 - p0) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t * t
                     + (3 * (p1 - p2) + p3 - p0) * t * t * t)
        return out[:, 0]


def amplitude_onset(model: DeviceModel, amplitude: float) -> float:
    """The largest fraction f of ``amplitude`` below which a mid-range device barely moves [1].

    The last f on a grid of 1000 whose rate |dx/dt(f·a, x_mid)| is below ONSET of
    the rate at the full amplitude (0 for a device without a threshold): the PAM
    table spans f … 1, where the response changes.
    """
    lo, hi = model.state_bounds()
    f = np.linspace(0.0, 1.0, 1001)
    rate = np.abs(model.dxdt(f * amplitude, np.full(f.size, 0.5 * (lo + hi))))
    below = np.flatnonzero(rate < ONSET * rate[-1])
    return float(f[below[-1]]) if below.size else 0.0


@lru_cache(maxsize=64)
def response_table(model: DeviceModel, scheme: PulseScheme, polarity: int) -> ResponseTable:
    """The cached response table of ``model`` to ``scheme``'s pulses of ``polarity`` (±1)."""
    lo, hi = model.state_bounds()
    a = scheme.amplitude(polarity)
    if scheme.kind == "identical":
        controls = np.array([scheme.width])
        n_x = STATE_POINTS
    elif scheme.kind == "pwm":
        controls = np.linspace(0.0, scheme.width_max, CONTROL_POINTS)
        n_x = STATE_POINTS_2D
    else:
        controls = np.linspace(amplitude_onset(model, a), 1.0, CONTROL_POINTS)
        n_x = STATE_POINTS_2D
    xs = lo + (hi - lo) * 0.5 * (1.0 - np.cos(np.pi * np.arange(n_x) / (n_x - 1)))
    if scheme.kind == "pwm":
        after, energy = integrate_pulse_widths(model, xs, a, controls, scheme.rise,
                                               scheme.fall, scheme.gap)
    else:
        c = np.tile(controls, n_x)
        amplitude = a * c if scheme.kind == "pam" else np.full_like(c, a)
        width = np.full_like(c, scheme.pam_width if scheme.kind == "pam" else scheme.width)
        after, energy = integrate_pulse(model, np.repeat(xs, controls.size), amplitude, width,
                                        scheme.rise, scheme.fall, scheme.gap)
    shape = (n_x, controls.size)
    return ResponseTable(model, polarity, a, controls,
                         CubicSpline(xs, after.reshape(shape), axis=0),
                         CubicSpline(xs, energy.reshape(shape), axis=0))
