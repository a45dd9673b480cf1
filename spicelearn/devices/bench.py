"""Device test benches and their waveforms, and the numpy twin of a bench transient.

A :class:`Bench` is a ``rows × cols`` crossbar of one device model: row ``r`` is
driven by its own voltage source ``drives[r]`` (to ground), every device ``(r, c)``
runs from row ``r`` to column ``c``, and every column end is held at 0 V by a
current sensor (so the device sees its row voltage). One device is the ``1 × 1``
bench. The same bench is rendered for ngspice and VACASK by
:mod:`spicelearn.devices.decks` and integrated here with
``scipy.integrate.solve_ivp``; all of them return :class:`Waveforms`.

Every rendering integrates the same state equation

    dx/dt = f(V, x) − g_leak·(x − x0),   g_leak = :data:`STATE_LEAK`,

where the small leak towards the initial state is the DC anchor of the state
node (the operating point at ``t = 0`` then holds ``x = x0`` in every simulator).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp

from ..errors import SimulationError, UsageError
from .drives import Drive, SineDrive
from .model import DeviceModel

STATE_LEAK = 1e-6
"""Leak of the state towards its initial value, g_leak [1/s]: the DC anchor."""


@dataclass(frozen=True)
class Bench:
    """A crossbar of ``model`` devices with driven rows and grounded columns.

    ``drives[r]`` drives row ``r``; ``x0[r][c]`` is the initial state of device
    ``(r, c)`` [state unit].
    """

    model: DeviceModel
    drives: tuple[Drive, ...]
    x0: tuple[tuple[float, ...], ...]

    def __post_init__(self) -> None:
        if not isinstance(self.model, DeviceModel):
            raise UsageError(f"bench model must be a DeviceModel, got {type(self.model).__name__}")
        if not self.model.dynamic:
            raise UsageError(f"device model '{self.model.name}' has no state equation")
        if len(self.drives) == 0 or len(self.x0) != len(self.drives):
            raise UsageError(f"bench needs one drive per row: {len(self.drives)} drives for "
                             f"{len(self.x0)} rows")
        widths = {len(row) for row in self.x0}
        if len(widths) != 1 or 0 in widths:
            raise UsageError("bench initial states must form a non-empty rectangle")
        lo, hi = self.model.state_bounds()
        x = self.initial_state()
        if not np.all(np.isfinite(x)) or x.min() < lo or x.max() > hi:
            raise UsageError(f"initial states must lie in [{lo!r}, {hi!r}] for "
                             f"'{self.model.name}'")

    @classmethod
    def single(cls, model: DeviceModel, drive: Drive, x0: float) -> Bench:
        """One device driven by ``drive``, starting at state ``x0``."""
        return cls(model, (drive,), ((float(x0),),))

    @classmethod
    def crossbar(cls, model: DeviceModel, drives: Sequence[Drive], x0: np.ndarray) -> Bench:
        """A crossbar: ``drives`` per row, ``x0`` a (rows, cols) array of initial states."""
        x0 = np.asarray(x0, dtype=float)
        if x0.ndim != 2:
            raise UsageError(f"x0 must be a (rows, cols) array, got shape {x0.shape}")
        return cls(model, tuple(drives), tuple(tuple(float(v) for v in row) for row in x0))

    @property
    def rows(self) -> int:
        """Number of driven rows."""
        return len(self.drives)

    @property
    def cols(self) -> int:
        """Number of grounded columns."""
        return len(self.x0[0])

    def initial_state(self) -> np.ndarray:
        """(rows, cols) initial states [state unit]."""
        return np.array(self.x0, dtype=float)

    def row_voltages(self, t: np.ndarray | float) -> np.ndarray:
        """(..., rows) drive voltages at times ``t`` [V]."""
        return np.stack([d.voltage(t) for d in self.drives], axis=-1)

    def breakpoints(self, t_stop: float) -> np.ndarray:
        """Every drive corner in (0, t_stop) [s], ascending, without repeats."""
        parts = [d.breakpoints(t_stop) for d in self.drives]
        return np.unique(np.concatenate(parts)) if parts else np.empty(0)


@dataclass(frozen=True)
class Waveforms:
    """A bench transient: row voltages, device currents and states over time.

    ``time`` (n_t,) [s]; ``voltage`` (n_t, rows) [V]; ``current`` (n_t, rows, cols)
    [A], positive from row to column; ``state`` (n_t, rows, cols) [state unit].
    """

    time: np.ndarray
    voltage: np.ndarray
    current: np.ndarray
    state: np.ndarray

    def resample(self, t: np.ndarray) -> Waveforms:
        """The waveforms linearly interpolated at times ``t`` [s] (within the run)."""
        t = np.asarray(t, dtype=float)

        def at(values: np.ndarray) -> np.ndarray:
            flat = values.reshape(len(self.time), -1)
            out = np.stack([np.interp(t, self.time, flat[:, j]) for j in range(flat.shape[1])],
                           axis=-1)
            return out.reshape((len(t),) + values.shape[1:])

        return Waveforms(t, at(self.voltage), at(self.current), at(self.state))


def integrate_bench(bench: Bench, t_stop: float, times: np.ndarray, *,
                    rtol: float = 1e-9, atol: float | None = None) -> Waveforms:
    """The numpy twin: the bench's state equations integrated by ``solve_ivp``.

    Integrates ``dx/dt = f(V_r(t), x) − g_leak·(x − x0)`` for every device from
    ``t = 0`` to ``t_stop`` [s], piece by piece between drive corners, and reports
    the states, row voltages and device currents ``I = g(x)·h(V)`` at ``times``
    [s] (ascending, within [0, t_stop]). LSODA first; Radau for a piece LSODA
    fails on.

    Raises:
        SimulationError: the solver fails.
    """
    model = bench.model
    times = np.asarray(times, dtype=float)
    if times.ndim != 1 or np.any(np.diff(times) < 0) or times[0] < 0 or times[-1] > t_stop:
        raise UsageError("times must ascend within [0, t_stop]")
    x0 = bench.initial_state().ravel()
    lo, hi = model.state_bounds()
    tol = atol if atol is not None else 1e-12 * max(hi - lo, 1e-300)
    row_of = np.repeat(np.arange(bench.rows), bench.cols)

    def rhs(t: float, x: np.ndarray) -> np.ndarray:
        v = bench.row_voltages(t)[row_of]
        return model.dxdt(v, x) - STATE_LEAK * (x - x0)

    edges = np.concatenate([[0.0], bench.breakpoints(t_stop), [t_stop]])
    max_step = min([d.period / 64 for d in bench.drives if isinstance(d, SineDrive)],
                   default=np.inf)
    states = np.empty((len(times), x0.size))
    x = x0.copy()
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        inside = (times >= a) & (times <= b)
        t_eval = np.unique(np.append(times[inside], b))
        sol = solve_ivp(rhs, (a, b), x, method="LSODA", rtol=rtol, atol=tol, t_eval=t_eval,
                        max_step=max_step)
        if not sol.success:
            sol = solve_ivp(rhs, (a, b), x, method="Radau", rtol=rtol, atol=tol, t_eval=t_eval,
                            max_step=max_step)
        if not sol.success:
            raise SimulationError(f"solve_ivp failed on [{a!r}, {b!r}] s: {sol.message}")
        states[inside] = sol.y.T[np.searchsorted(t_eval, times[inside])]
        x = sol.y[:, -1]
    state = states.reshape(len(times), bench.rows, bench.cols)
    voltage = bench.row_voltages(times).reshape(len(times), bench.rows)
    current = model.current(voltage[:, :, None], state)
    return Waveforms(times, voltage, np.asarray(current, dtype=float), state)

