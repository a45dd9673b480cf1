"""Choosing pulses from desired conductances through the device's own response.

The planner knows the nominal model only (a real controller does not know each
device's spread or noise): it reads the response tables
(:mod:`.tables`) and picks, per device,

* ``identical``: the count n ∈ [0, max_pulses] whose state after n pulses
  (the table applied n times) has the read conductance nearest the target;
* ``pwm`` / ``pam``: the plateau (amplitude) at which the conductance after
  the one pulse crosses the target, found between the two control values that
  bracket it by false position on the table's interpolated response; a pulse
  that cannot reach the target is the longest (largest) one; the pulse is
  skipped when even the shortest (smallest) one would overshoot the target by
  more than it approaches it.

It returns the plan and the states and energies the nominal device reaches
with it (noiseless).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..model import DeviceModel
from .base import PulsePlan
from .schemes import PulseScheme
from .tables import response_table


@dataclass(frozen=True)
class PlannedPulses:
    """A plan and what the nominal, noiseless device reaches with it."""

    plan: PulsePlan
    state: np.ndarray
    """(n,) states after the pulses [state unit]."""
    energy: np.ndarray
    """(n,) energies of the pulses [J]."""


def plan_pulses(model: DeviceModel, scheme: PulseScheme, x: np.ndarray,
                g_target: np.ndarray) -> PlannedPulses:
    """Pulses taking devices at states ``x`` (n,) towards read conductances ``g_target`` [S]."""
    n = x.size
    g0 = model.conductance(x)
    polarity = np.sign(g_target - g0).astype(np.int8)
    count = np.zeros(n, dtype=np.int64)
    amplitude = np.zeros(n)
    width = np.zeros(n)
    state = x.copy()
    energy = np.zeros(n)
    for p in (1, -1):
        idx = np.flatnonzero(polarity == p)
        if idx.size == 0:
            continue
        if scheme.kind == "identical":
            k, xs, es = _identical(model, scheme, p, x[idx], g_target[idx])
            a, w = np.full(idx.size, scheme.amplitude(p)), np.full(idx.size, scheme.width)
        else:
            k, c, xs, es = _single(model, scheme, p, x[idx], g_target[idx])
            if scheme.kind == "pwm":
                a, w = np.full(idx.size, scheme.amplitude(p)), c
            else:
                a, w = scheme.amplitude(p) * c, np.full(idx.size, scheme.pam_width)
        count[idx], state[idx], energy[idx] = k, xs, es
        amplitude[idx] = np.where(k > 0, a, 0.0)
        width[idx] = np.where(k > 0, w, 0.0)
    polarity = np.where(count > 0, polarity, 0).astype(np.int8)
    plan = PulsePlan(count, polarity, amplitude, width, scheme.rise, scheme.fall, scheme.gap)
    return PlannedPulses(plan, state, energy)


def _identical(model: DeviceModel, scheme: PulseScheme, polarity: int, x: np.ndarray,
               target: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Counts, states and energies of the best identical-pulse trains."""
    table = response_table(model, scheme, polarity)
    lo, hi = model.state_bounds()
    still = 1e-12 * (hi - lo)
    err = np.abs(model.conductance(x) - target)
    cur, acc = x.copy(), np.zeros(x.size)
    best_k, best_x, best_e = np.zeros(x.size, dtype=np.int64), x.copy(), np.zeros(x.size)
    active = np.ones(x.size, dtype=bool)
    for k in range(1, scheme.max_pulses + 1):
        a = np.flatnonzero(active)
        if a.size == 0:
            break
        nxt, de = table.at(cur[a])
        nxt, de = nxt[:, 0], de[:, 0]
        acc[a] += de
        g = model.conductance(nxt)
        new_err = np.abs(g - target[a])
        better = new_err < err[a]
        up = a[better]
        best_k[up], best_x[up], best_e[up], err[up] = k, nxt[better], acc[up], new_err[better]
        moving = np.abs(nxt - cur[a]) > still
        cur[a] = nxt
        active[a] = better & moving & (polarity * (target[a] - g) > 0)
    return best_k, best_x, best_e


def _invert(progress: Callable[[np.ndarray], np.ndarray], want: np.ndarray, a: np.ndarray,
            b: np.ndarray, fa: np.ndarray, fb: np.ndarray) -> np.ndarray:
    """Controls in [a, b] where ``progress`` reaches ``want`` (Illinois false position).

    ``fa``, ``fb`` are the progress at a and b (fa ≤ want ≤ fb where bracketed;
    elsewhere the result is b). Eight vectorized iterations on the interpolated
    response.
    """
    fa, fb = fa - want, fb - want
    bracketed = (fa < 0) & (fb > 0)
    m = b.copy()
    for _ in range(8):
        m = np.where(bracketed, b - fb * (b - a) / np.where(bracketed, fb - fa, 1.0), b)
        fm = progress(m) - want
        left = fm < 0
        a, fa, fb = np.where(left, m, a), np.where(left, fm, fa), np.where(left, fb * 0.5, fb)
        b, fb, fa = np.where(left, b, m), np.where(left, fb, fm), np.where(left, fa, fa * 0.5)
    return np.where(bracketed, m, b)


def _single(model: DeviceModel, scheme: PulseScheme, polarity: int, x: np.ndarray,
            target: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Counts (0 or 1), controls, states and energies of the best single pulses."""
    table = response_table(model, scheme, polarity)
    after, energy = table.at(x)
    g0 = model.conductance(x)
    progress = np.maximum.accumulate(polarity * (model.conductance(after) - g0[:, None]), axis=1)
    want = polarity * (target - g0)
    c = table.controls
    reach = progress >= want[:, None]
    j = np.where(reach.any(axis=1), np.argmax(reach, axis=1), c.size - 1)
    jm = np.maximum(j - 1, 0)
    rows = np.arange(x.size)
    chosen = _invert(lambda cc: polarity * (model.conductance(table.along(after, cc)) - g0),
                     want, c[jm], c[j], progress[rows, jm], progress[rows, j])
    chosen = np.where(j == 0, c[0], chosen)
    fire = ~((j == 0) & (want < 0.5 * progress[:, 0]))
    xs = np.where(fire, table.along(after, chosen), x)
    es = np.where(fire, table.along(energy, chosen), 0.0)
    lo, hi = model.state_bounds()
    return fire.astype(np.int64), np.where(fire, chosen, 0.0), np.clip(xs, lo, hi), es
