"""Figures of merit of a device characterization: I–V lobe areas, the response table
q±(g), asymmetry and nonlinearity of the pulse response.

Conventions as in :mod:`spicelearn.devices.characterize`: "up" (potentiation,
Δg₊) raises the read conductance g, "down" (depression, Δg₋) lowers it, and both
changes are counted positive when the pulse works.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NU_BOUND = 60.0
"""Fitted nonlinearity exponents are searched in [−NU_BOUND, NU_BOUND]."""


def lobe_areas(voltage: np.ndarray, current: np.ndarray) -> tuple[float, float]:
    """(positive, negative) lobe areas |∫ I dV| [W] of one sine period.

    Each lobe is traced while V keeps one sign (from 0 V out and back), so it is a
    closed curve through the origin; trapezoidal rule over the samples.
    """
    v = np.asarray(voltage, dtype=float)
    i = np.asarray(current, dtype=float)
    dv = np.diff(v)
    mean_i = 0.5 * (i[1:] + i[:-1])
    mid_v = 0.5 * (v[1:] + v[:-1])
    return (float(abs(np.sum((mean_i * dv)[mid_v > 0]))),
            float(abs(np.sum((mean_i * dv)[mid_v < 0]))))


def response_table(g_up: np.ndarray, g_down: np.ndarray, bins: int) -> np.ndarray:
    """(bins, 3) rows ``g, dg_plus, dg_minus`` [S]: the change of g per pulse at g.

    ``g_up`` (N + 1,) are the conductances before and after each potentiation
    pulse, ``g_down`` (N + 1,) those of the depression train. Each step is
    attributed to the midpoint of its two conductances; the steps of one
    polarity, sorted by midpoint, are interpolated linearly at the centres of
    ``bins`` equal bins spanning every conductance read. NaN where the pulses of a
    polarity never came.
    """
    g_up, g_down = np.asarray(g_up, dtype=float), np.asarray(g_down, dtype=float)
    g_all = np.concatenate([g_up, g_down])
    edges = np.linspace(g_all.min(), g_all.max(), bins + 1)
    centres = 0.5 * (edges[1:] + edges[:-1])

    def steps(g: np.ndarray, sign: float) -> np.ndarray:
        mid = 0.5 * (g[1:] + g[:-1])
        delta = sign * np.diff(g)
        order = np.argsort(mid, kind="stable")
        mid, delta = mid[order], delta[order]
        inside = (centres >= mid[0]) & (centres <= mid[-1])
        return np.where(inside, np.interp(centres, mid, delta), np.nan)

    return np.column_stack([centres, steps(g_up, 1.0), steps(g_down, -1.0)])


def fit_exponent(g: np.ndarray) -> float:
    """The nonlinearity ν of a pulse train's conductances ``g`` (N + 1,) [1].

    The normalized curve ``y_k = (g_k − g_0)/(g_N − g_0)`` at ``p = k/N`` is fitted
    by least squares with ``y = (1 − e^(−νp))/(1 − e^(−ν))``: ν = 0 is a linear
    response, ν > 0 one that saturates (large steps first), ν < 0 one that
    accelerates. Searched in [−NU_BOUND, NU_BOUND]; NaN when g did not move.
    """
    from scipy.optimize import minimize_scalar

    g = np.asarray(g, dtype=float)
    total = g[-1] - g[0]
    if len(g) < 3 or total == 0 or not np.isfinite(total):
        return float("nan")
    y = (g - g[0]) / total
    p = np.linspace(0.0, 1.0, len(g))

    def misfit(nu: float) -> float:
        model = p if abs(nu) < 1e-9 else np.expm1(-nu * p) / np.expm1(-nu)
        return float(np.sum((model - y) ** 2))

    res = minimize_scalar(misfit, bounds=(-NU_BOUND, NU_BOUND), method="bounded",
                          options={"xatol": 1e-6})
    return float(res.x)


def step_ratio(g: np.ndarray, sign: float) -> float:
    """Largest over smallest change of g per pulse along a train [1].

    ``sign`` is +1 for potentiation, −1 for depression. Steps are floored at
    1e-6 of the train's total change (a step at a bound is then counted as
    1e-6 of it, not as zero).
    """
    delta = sign * np.diff(np.asarray(g, dtype=float))
    floor = 1e-6 * abs(float(np.sum(delta)))
    if floor == 0:
        return float("nan")
    return float(np.max(delta) / max(float(np.min(delta)), floor))


@dataclass(frozen=True)
class ResponseMetrics:
    """The summary numbers of a characterization.

    Conductances [S]: ``g_low``/``g_high`` the lowest and highest read during the
    pulse trains; ``mean_dg_plus``/``mean_dg_minus`` the mean change per pulse of
    each train (its total change over N); ``asymmetry_at`` the conductance where
    ``asymmetry`` is read; ``symmetric_point`` the g where dg_plus = dg_minus
    (None if they never cross). Ratios [1]: ``asymmetry`` = dg_plus/dg_minus of the
    response table at ``asymmetry_at`` (:func:`asymmetry_at`);
    ``nu_plus``/``nu_minus`` (:func:`fit_exponent`); ``step_ratio_plus`` /
    ``step_ratio_minus`` (:func:`step_ratio`). ``areas`` [W]: the total lobe
    area at f₁ and at f₂.
    """

    g_low: float
    g_high: float
    mean_dg_plus: float
    mean_dg_minus: float
    asymmetry: float
    asymmetry_at: float
    symmetric_point: float | None
    nu_plus: float
    nu_minus: float
    step_ratio_plus: float
    step_ratio_minus: float
    areas: tuple[float, float]

    @property
    def r_on(self) -> float:
        """Lowest read resistance reached, 1/g_high [Ω]."""
        return 1.0 / self.g_high

    @property
    def r_off(self) -> float:
        """Highest read resistance reached, 1/g_low [Ω]."""
        return 1.0 / self.g_low

    @property
    def range_ratio(self) -> float:
        """R_off/R_on reached [1]."""
        return self.g_high / self.g_low


def _both(table: np.ndarray) -> np.ndarray:
    return table[np.isfinite(table[:, 1]) & np.isfinite(table[:, 2])]


BALANCED = 0.01
"""Steps that differ by less than this fraction of the mean step count as equal [1]."""


def _balance(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(rows where both are defined, mask of those whose steps are equal within BALANCED)."""
    both = _both(table)
    if not len(both):
        return both, np.zeros(0, dtype=bool)
    scale = 0.5 * float(np.mean(both[:, 1] + both[:, 2]))
    return both, np.abs(both[:, 1] - both[:, 2]) <= BALANCED * scale


def balanced_rows(table: np.ndarray) -> tuple[int, int]:
    """(rows whose dg_plus and dg_minus agree within BALANCED of the mean step, rows
    where both are defined)."""
    both, equal = _balance(table)
    return int(equal.sum()), len(both)


def symmetric_point(table: np.ndarray) -> float | None:
    """The g [S] where dg_plus − dg_minus first changes sign in ``table``, or None.

    Rows whose steps are equal within BALANCED are skipped, so that a device
    with equal steps everywhere (a linear step) does not get a symmetric point
    from numerical noise; the crossing is interpolated between the two rows
    around it that differ.
    """
    both, equal = _balance(table)
    both = both[~equal]
    d = both[:, 1] - both[:, 2]
    for k in range(len(d) - 1):
        if d[k] * d[k + 1] < 0:
            g0, g1 = both[k, 0], both[k + 1, 0]
            return float(g0 + (g1 - g0) * d[k] / (d[k] - d[k + 1]))
    return None


def asymmetry_at(table: np.ndarray, g: float) -> tuple[float, float]:
    """(dg_plus/dg_minus [1], where [S]) read from ``table`` at conductance ``g`` [S].

    Interpolated linearly between the rows where both are defined; at the
    nearest end of those rows when ``g`` lies outside them. The device's
    asymmetry at a given g does not depend on how far each train went (an
    average over the rows would: a train that stops early weights one end).
    NaN without such rows.
    """
    both = _both(table)
    if not len(both):
        return float("nan"), float("nan")
    where = float(np.clip(g, both[0, 0], both[-1, 0]))
    plus = float(np.interp(where, both[:, 0], both[:, 1]))
    minus = float(np.interp(where, both[:, 0], both[:, 2]))
    return (plus / minus if minus != 0 else float("nan")), where


def response_metrics(g_up: np.ndarray, g_down: np.ndarray, table: np.ndarray,
                     areas: tuple[float, float], g_mid: float) -> ResponseMetrics:
    """The figures of merit of the pulse trains and their response table.

    ``g_mid`` [S] is where the asymmetry is read: the middle of the model's range.
    """
    g_up, g_down = np.asarray(g_up, dtype=float), np.asarray(g_down, dtype=float)
    g_all = np.concatenate([g_up, g_down])
    n = len(g_up) - 1
    asym, where = asymmetry_at(table, g_mid)
    return ResponseMetrics(float(g_all.min()), float(g_all.max()), (g_up[-1] - g_up[0]) / n,
                           (g_down[0] - g_down[-1]) / (len(g_down) - 1), asym, where,
                           symmetric_point(table), fit_exponent(g_up), fit_exponent(g_down),
                           step_ratio(g_up, 1.0), step_ratio(g_down, -1.0), areas)
