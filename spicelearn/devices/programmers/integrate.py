"""The exact response of devices to one trapezoidal pulse each: a vector ODE over devices.

One pulse on device i is the trapezoid (the SPICE ``PULSE`` shape)

    V_i(t) = a_i·t/t_r                      0 ≤ t < t_r          (rise)
           = a_i                            for a plateau of w_i  (plateau)
           = a_i·(1 − t'/t_f)               0 ≤ t' < t_f         (fall)
           = 0                              for t_gap            (rest)

with a per-device amplitude a_i [V] and plateau w_i [s] and shared ramp and rest
times. Every device's state and dissipated energy obey

    dx_i/dt = f(V_i, x_i),     dE_i/dt = V_i·I(V_i, x_i),

integrated by ``scipy.integrate.solve_ivp`` (LSODA, banded Jacobian: the devices
are independent, so the Jacobian of the interleaved vector (x₀, E₀, x₁, E₁, …) has
one diagonal and one sub-diagonal) piece by piece between the corners, so that
no corner falls inside a step. The plateau is integrated in normalized time
s = t/w_i ∈ [0, 1] (dx/ds = w_i·f), so that devices with different plateaus share
the corners. All devices share one adaptive step, whose error is controlled in
the max norm over devices (LSODA): each device meets the tolerance.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.integrate import solve_ivp

from ...errors import SimulationError
from ..model import DeviceModel

RTOL = 1e-9
"""Relative tolerance of the pulse integration [1]."""
ATOL = 1e-12
"""Absolute tolerance on the state, as a fraction of the state range [1]."""


def _solve_piece(model: DeviceModel, y: np.ndarray, duration: float,
                 volts: Callable[[float], np.ndarray], scale: np.ndarray | float,
                 atol: np.ndarray, samples: np.ndarray | None = None) -> np.ndarray:
    """Integrate the interleaved (x, E) vector over one piece of the waveform.

    Returns the vector at the end, or at the times ``samples`` (ascending, within
    [0, duration]) as a (len(y), len(samples)) array.
    """
    lo, hi = model.state_bounds()
    h = 1e-7 * (hi - lo)

    def rhs(t: float, yy: np.ndarray) -> np.ndarray:
        x, v = yy[0::2], volts(t)
        out = np.empty_like(yy)
        out[0::2] = scale * model.dxdt(v, x)
        out[1::2] = scale * v * model.current(v, x)
        return out

    def jac(t: float, yy: np.ndarray) -> np.ndarray:
        x, v = yy[0::2], volts(t)
        band = np.zeros((2, yy.size))
        band[0, 0::2] = scale * (model.dxdt(v, x + h) - model.dxdt(v, x - h)) / (2.0 * h)
        band[1, 0::2] = scale * v * (model.current(v, x + h) - model.current(v, x - h)) / (2.0 * h)
        return band

    sol = solve_ivp(rhs, (0.0, duration), y, method="LSODA", rtol=RTOL, atol=atol, jac=jac,
                    lband=1, uband=0, t_eval=samples)
    if not sol.success:
        raise SimulationError(f"pulse integration failed for model '{model.name}': "
                              f"{sol.message}")
    return sol.y[:, -1] if samples is None else sol.y


def integrate_pulse(model: DeviceModel, x: np.ndarray, amplitude: np.ndarray,
                    width: np.ndarray, rise: float, fall: float,
                    gap: float) -> tuple[np.ndarray, np.ndarray]:
    """States and energies after one trapezoidal pulse per device, exactly.

    Args:
        model: the device model; its parameters may be (n,) arrays (one value per
            device, see :meth:`DevicePopulation.batched`).
        x: (n,) states before the pulse [state unit].
        amplitude: (n,) plateau voltages a_i [V] (signed; terminal a above b).
        width: (n,) plateau durations w_i [s] (≥ 0).
        rise, fall: ramp durations [s] (> 0).
        gap: rest at 0 V after the pulse [s] (≥ 0).

    Returns:
        (states after the pulse (n,) [state unit], energies ∫V·I dt (n,) [J]).
    """
    x = np.asarray(x, dtype=float)
    a = np.broadcast_to(np.asarray(amplitude, dtype=float), x.shape)
    w = np.broadcast_to(np.asarray(width, dtype=float), x.shape)
    y, atol = _start(model, x)
    y = _solve_piece(model, y, rise, lambda t: a * (t / rise), 1.0, atol)
    if np.any(w > 0):
        y = _solve_piece(model, y, 1.0, lambda t: a, w, atol)
    return _finish(model, y, a, fall, gap, atol)


def integrate_pulse_widths(model: DeviceModel, x: np.ndarray, amplitude: float,
                           widths: np.ndarray, rise: float, fall: float,
                           gap: float) -> tuple[np.ndarray, np.ndarray]:
    """States and energies after one pulse of each plateau in ``widths``, for every state.

    The same as :func:`integrate_pulse` for every pair (x_k, w_j), computed by one
    integration of the plateau sampled at the widths (ascending, from 0) and
    the fall and rest of every pair together.

    Returns:
        ((n, n_w) states after, (n, n_w) energies [J]).
    """
    x = np.asarray(x, dtype=float)
    widths = np.asarray(widths, dtype=float)
    a = np.full(x.shape, float(amplitude))
    y, atol = _start(model, x)
    y = _solve_piece(model, y, rise, lambda t: a * (t / rise), 1.0, atol)
    if widths[-1] > 0:
        ys = _solve_piece(model, y, float(widths[-1]), lambda t: a, 1.0, atol, samples=widths)
    else:
        ys = np.repeat(y[:, None], widths.size, axis=1)
    flat = ys.reshape(x.size, 2, widths.size).transpose(0, 2, 1).reshape(-1)
    ones = np.full(x.size * widths.size, float(amplitude))
    _, atol_all = _start(model, flat[0::2])
    after, energy = _finish(model, flat, ones, fall, gap, atol_all)
    return after.reshape(x.size, widths.size), energy.reshape(x.size, widths.size)


def _start(model: DeviceModel, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The interleaved (x, E = 0) vector and its absolute tolerances."""
    lo, hi = model.state_bounds()
    y = np.zeros(2 * x.size)
    y[0::2] = x
    atol = np.empty_like(y)
    atol[0::2] = ATOL * (hi - lo)
    atol[1::2] = 1e-30
    return y, atol


def _finish(model: DeviceModel, y: np.ndarray, a: np.ndarray, fall: float, gap: float,
            atol: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fall and rest; the states (clipped to the bounds) and energies."""
    y = _solve_piece(model, y, fall, lambda t: a * (1.0 - t / fall), 1.0, atol)
    if gap > 0:
        zero = np.zeros_like(a)
        y = _solve_piece(model, y, gap, lambda t: zero, 1.0, atol)
    lo, hi = model.state_bounds()
    return np.clip(y[0::2], lo, hi), y[1::2]
