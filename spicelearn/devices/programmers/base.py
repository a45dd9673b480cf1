"""The programmer seam: a desired conductance change in, new device states and pulses out.

A programmer receives the device model, the per-device states (n,), the desired
change of read conductance Δg (n,) [S] and a seeded ``numpy.random.Generator``
(the trainer keeps it and checkpoints it; a programmer draws its noise from it
and from nothing else). It returns a :class:`ProgramResult`; it keeps no device
state itself. The per-device non-idealities that are drawn once (spread of the
parameters, stuck devices) come from the programmer's own ``seed``
(:meth:`Programmer.population`), so a resumed run sees the same devices.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ...errors import DeviceModelError
from ..model import DeviceModel
from .nonideal import DevicePopulation, NonIdealities, quantize


@dataclass(frozen=True)
class PulsePlan:
    """The pulses chosen for each device (identical pulses within one device's train).

    ``count`` (n,) pulses; ``polarity`` (n,) +1 to raise g, −1 to lower it, 0 none;
    ``amplitude`` (n,) plateau voltage [V] (signed device voltage; 0 without
    pulse); ``width`` (n,) plateau [s] (0 without pulse); ``rise``, ``fall``,
    ``gap`` [s] shared by all pulses.
    """

    count: np.ndarray
    polarity: np.ndarray
    amplitude: np.ndarray
    width: np.ndarray
    rise: float
    fall: float
    gap: float

    @property
    def period(self) -> np.ndarray:
        """(n,) duration of one pulse and its rest [s]."""
        return self.rise + self.width + self.fall + self.gap

    @property
    def duration(self) -> float:
        """Longest train [s]: max over devices of count·period (0 without pulses)."""
        return float(np.max(self.count * self.period, initial=0.0))


@dataclass(frozen=True)
class ProgramResult:
    """What one programming step did, per device.

    Attributes:
        state: (n,) states after programming [state unit].
        conductance: (n,) read conductances g(state) after programming [S].
        desired: (n,) desired conductance changes [S].
        realized: (n,) realized conductance changes [S].
        count: (n,) pulses applied.
        polarity: (n,) +1 raise, −1 lower, 0 none.
        amplitude: (n,) plateau voltage of the pulses [V].
        width: (n,) plateau of the pulses [s].
        energy: (n,) energy dissipated in each device, ∫V·I dt [J].
        overhead_energy: energy spent outside the devices (wires) [J].
        disturbance: largest |Δg| of a device that was not pulsed [S]
            (half-select disturbance; 0 unless programmed on an array).
    """

    state: np.ndarray
    conductance: np.ndarray
    desired: np.ndarray
    realized: np.ndarray
    count: np.ndarray
    polarity: np.ndarray
    amplitude: np.ndarray
    width: np.ndarray
    energy: np.ndarray
    overhead_energy: float = 0.0
    disturbance: float = 0.0

    @property
    def pulses(self) -> int:
        """Total number of pulses."""
        return int(self.count.sum())

    @property
    def total_energy(self) -> float:
        """Energy of the step [J]: every device plus the overhead."""
        return float(self.energy.sum()) + self.overhead_energy

    @property
    def mean_error(self) -> float:
        """Mean |realized − desired| [S]."""
        return float(np.mean(np.abs(self.realized - self.desired))) if self.desired.size else 0.0


class Programmer(ABC):
    """Turns desired conductance changes into programmed device states."""

    name: ClassVar[str] = ""

    def __init__(self, nonideal: NonIdealities | None = None, seed: int = 0) -> None:
        self.nonideal = nonideal if nonideal is not None else NonIdealities()
        self.seed = int(seed)
        self._populations: dict[tuple[DeviceModel, int], DevicePopulation] = {}

    def population(self, model: DeviceModel, n: int) -> DevicePopulation:
        """The drawn-once non-idealities of ``n`` devices of ``model`` (from ``seed``)."""
        key = (model, n)
        if key not in self._populations:
            self._populations[key] = DevicePopulation.draw(model, n, self.nonideal, self.seed)
        return self._populations[key]

    def check(self, model: DeviceModel) -> None:  # noqa: B027 - optional hook
        """Raise DeviceModelError when this programmer does not fit ``model`` (its pulse
        scheme or response); nothing to check by default."""

    def initial_states(self, model: DeviceModel, state: np.ndarray) -> np.ndarray:
        """``state`` with the stuck devices on their stuck states (call once, at start)."""
        state = np.asarray(state, dtype=float)
        return self.population(model, state.size).pin(state)

    @abstractmethod
    def program(self, model: DeviceModel, state: np.ndarray, delta_g: np.ndarray,
                rng: np.random.Generator) -> ProgramResult:
        """Program devices at ``state`` (n,) towards read conductances g(state) + ``delta_g`` [S].

        Raises:
            DeviceModelError: the programmer does not fit the model, or states or
                shapes are invalid.
        """

    # -- shared steps --------------------------------------------------------------------
    @staticmethod
    def _inputs(model: DeviceModel, state: np.ndarray,
                delta_g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = model.check_state(np.asarray(state, dtype=float))
        dg = np.asarray(delta_g, dtype=float)
        if x.ndim != 1 or dg.shape != x.shape:
            raise DeviceModelError(f"state and delta_g must be (n,) arrays of one length, got "
                                   f"shapes {x.shape} and {dg.shape}")
        if not np.all(np.isfinite(dg)):
            raise DeviceModelError("delta_g must be finite")
        return x, dg

    @staticmethod
    def _targets(model: DeviceModel, x: np.ndarray, dg: np.ndarray) -> np.ndarray:
        """Target read conductances g + Δg clipped to the model's range [S]."""
        g_min, g_max = model.g_range()
        return np.clip(model.conductance(x) + dg, g_min, g_max)

    def _finish(self, model: DeviceModel, x_before: np.ndarray, x_after: np.ndarray,
                dg: np.ndarray, plan: PulsePlan, energy: np.ndarray, *,
                overhead_energy: float = 0.0, disturbance: float = 0.0) -> ProgramResult:
        """Pin stuck devices, snap to levels and report."""
        lo, hi = model.state_bounds()
        population = self.population(model, x_before.size)
        x_new = population.pin(np.clip(x_after, lo, hi))
        x_new = quantize(model, x_new, self.nonideal.levels)
        g_new = model.conductance(x_new)
        return ProgramResult(
            state=x_new, conductance=g_new, desired=dg,
            realized=g_new - model.conductance(x_before), count=plan.count,
            polarity=plan.polarity, amplitude=plan.amplitude, width=plan.width,
            energy=np.asarray(energy, dtype=float), overhead_energy=float(overhead_energy),
            disturbance=float(disturbance))


def concatenate_results(results: list[ProgramResult]) -> ProgramResult:
    """One result of several programming steps on consecutive blocks of devices."""
    def cat(name: str) -> np.ndarray:
        return np.concatenate([getattr(r, name) for r in results])

    return ProgramResult(
        state=cat("state"), conductance=cat("conductance"), desired=cat("desired"),
        realized=cat("realized"), count=cat("count"), polarity=cat("polarity"),
        amplitude=cat("amplitude"), width=cat("width"), energy=cat("energy"),
        overhead_energy=float(sum(r.overhead_energy for r in results)),
        disturbance=float(max((r.disturbance for r in results), default=0.0)))


class BlockProgrammer(Programmer):
    """Programs consecutive blocks of the devices (the crossbar layers of a network),
    each with its own programmer, in order; the results are concatenated.

    Each block's programmer draws its own per-device non-idealities (their seeds
    differ per block, derived from one seed).
    """

    def __init__(self, parts: list[tuple[int, Programmer]]) -> None:
        if not parts:
            raise DeviceModelError("a block programmer needs at least one block")
        first = parts[0][1]
        super().__init__(first.nonideal, first.seed)
        self.name = first.name
        self.parts = parts

    def _blocks(self, n: int) -> list[tuple[slice, Programmer]]:
        sizes = [size for size, _ in self.parts]
        if sum(sizes) != n:
            raise DeviceModelError(f"the blocks hold {sum(sizes)} devices, got {n} states")
        out, start = [], 0
        for size, prog in self.parts:
            out.append((slice(start, start + size), prog))
            start += size
        return out

    def check(self, model: DeviceModel) -> None:
        for _, prog in self.parts:
            prog.check(model)

    def initial_states(self, model: DeviceModel, state: np.ndarray) -> np.ndarray:
        state = np.asarray(state, dtype=float)
        return np.concatenate([p.initial_states(model, state[s])
                               for s, p in self._blocks(state.size)])

    def program(self, model: DeviceModel, state: np.ndarray, delta_g: np.ndarray,
                rng: np.random.Generator) -> ProgramResult:
        x, dg = self._inputs(model, state, delta_g)
        return concatenate_results([p.program(model, x[s], dg[s], rng)
                                    for s, p in self._blocks(x.size)])
