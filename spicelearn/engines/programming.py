"""The ``spice`` programmer: each update step is one ngspice transient of all pulsed devices.

The pulses are planned as the ``pulse`` programmer plans them (the nominal
model's response, :func:`~spicelearn.devices.programmers.plan_pulses`); then one
deck holds every pulsed device in its own programming circuit, driven by its
own pulse train and starting from its current state
(:func:`~spicelearn.devices.programmers.decks.render_programming`), and
``ngspice -b`` runs it once::

    .options reltol=1e-06 abstol=1e-15 vntol=1e-09 method=gear trtol=1
    .control
    tran <t_r/10> <T> <T - t_r/20> <T> uic
    write prog.raw
    .endc

Only the last time points are stored (``tstart`` just before the end, so a
large deck stays small in memory and on disk; ``tmax = T`` so that ``tstart``
does not limit the step) and the final states and delivered charges are read
back; each device's energy is its charge times ``∫V·h dt / ∫h dt`` of its pulse
(see :mod:`spicelearn.devices.programmers.decks`).
Device-to-device spread is rendered (each device with its own parameters);
cycle-to-cycle noise is applied to the result as the sum of the per-pulse
noises of the train, ``Δx·(1 + σ·z/√n)`` (exact for equal steps); stuck
devices keep their state and their energy is that of their pulses at it.

A transient that fails to converge raises
:class:`~spicelearn.errors.ConvergenceError` naming the device and its pulse,
with the deck and the transcript kept.
"""

from __future__ import annotations

import re
import resource
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..devices.model import DeviceModel
from ..devices.programmers import (
    NonIdealities,
    Programmer,
    ProgramResult,
    PulsePlan,
    PulseProgrammer,
    PulseScheme,
    pinned_energy,
    plan_pulses,
    pulse_integrals,
)
from ..devices.programmers.array_decks import ArrayDeck
from ..devices.programmers.decks import ProgrammingDeck, render_programming, resolve_rendering
from ..devices.smooth import num
from ..errors import ConvergenceError, SimulationError, UsageError
from .rawfile import read_raw
from .transient import run_ngspice_batch

_TROUBLE = re.compile(r'trouble with node "?([a-z]+)(\d+)', re.IGNORECASE)
_TIMESTEP = re.compile(r"timestep too small", re.IGNORECASE)


@dataclass(frozen=True)
class SpiceSettings:
    """Accuracy and limits of a programming transient.

    ``reltol`` [1]; ``abstol`` [A]; ``vntol`` [1] is the absolute tolerance on a
    state node as a fraction of the state range (and on the other nodes, in V,
    at most 1e-6); ``timeout`` [s]; ``keep`` keeps the scratch folder.
    """

    reltol: float = 1e-6
    abstol: float = 1e-15
    vntol: float = 1e-9
    timeout: float = 600.0
    keep: bool = False

    def __post_init__(self) -> None:
        if not (0 < self.reltol < 1 and self.abstol > 0 and self.vntol > 0
                and self.timeout > 0):
            raise UsageError("programming tolerances and timeout must be positive "
                             "(reltol < 1)")

    def options(self, model: DeviceModel) -> str:
        """The ``.options`` line for ``model``'s state range."""
        lo, hi = model.state_bounds()
        vntol = self.vntol * min(hi - lo, 1e3)
        return (f".options reltol={num(self.reltol)} abstol={num(self.abstol)} "
                f"vntol={num(vntol)} method=gear trtol=1")


@dataclass(frozen=True)
class StepRun:
    """Final states and energies of one programming transient, and where the time went.

    ``state`` and ``energy`` (m,) follow the rendered devices; times [s]:
    rendering, the ngspice process (start-up, parse, analysis, output; wall
    clock and the CPU time it used) and reading back.
    """

    state: np.ndarray
    energy: np.ndarray
    render_time: float
    ngspice_time: float
    read_time: float
    ngspice_cpu: float = float("nan")


def run_programming(deck: ProgrammingDeck | ArrayDeck, model: DeviceModel, plan: PulsePlan,
                    settings: SpiceSettings
                    ) -> tuple[np.ndarray, np.ndarray, float, float, float]:
    """Run ``deck``; (final states, integrals, ngspice wall time, read time, ngspice CPU time).

    Times in seconds; the CPU time is the user + system time of the ngspice
    process (less sensitive than the wall clock to other load on the machine).

    States and integrals follow the deck's ``state_probes`` and ``energy_probes``,
    unscaled: the charge each source delivered [C] for a
    :class:`ProgrammingDeck`, each device's energy [J] for an :class:`ArrayDeck`,
    followed there by the energies of the line drivers (rows + cols more).

    Raises:
        ConvergenceError: the transient's step fell below ngspice's minimum
            (names the device and its pulse; deck and transcript kept).
        SimulationError: any other ngspice failure.
    """
    step = min(plan.rise, plan.fall) / 10
    t_stop = deck.t_stop
    control = [f"tran {num(step)} {num(t_stop)} {num(t_stop - step / 2)} {num(t_stop)}"
               + (" uic" if deck.uic else ""), "write prog.raw"]
    t0 = time.perf_counter()
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        work = run_ngspice_batch(deck.text, control, verilog_a=deck.verilog_a,
                                 options=settings.options(model), timeout=settings.timeout,
                                 label=f"{deck.form} programming step",
                                 prefix="spicelearn-prog-")
    except SimulationError as exc:
        raise _convergence(exc, plan) from exc
    t1 = time.perf_counter()
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = cpu1.ru_utime - cpu0.ru_utime + cpu1.ru_stime - cpu0.ru_stime
    try:
        vectors = read_raw(work / "prog.raw")
        lo, hi = model.state_bounds()
        state = np.clip([vectors[p][-1] for p in deck.state_probes], lo, hi)
        probes = deck.energy_probes + getattr(deck, "line_energy_probes", ())
        energy = np.array([vectors[p][-1] for p in probes]) / deck.energy_scale
    except (SimulationError, KeyError, IndexError) as exc:
        raise SimulationError(f"ngspice wrote no usable programming result: {exc}",
                              work / "deck.cir", work / "transcript.log") from exc
    if not settings.keep:
        shutil.rmtree(work, ignore_errors=True)
    return state, energy, t1 - t0, time.perf_counter() - t1, cpu


def _convergence(exc: SimulationError, plan: PulsePlan) -> SimulationError:
    """A ConvergenceError naming the device and its pulse, when the transcript says so."""
    path: Path | None = exc.transcript_path
    text = path.read_text(errors="replace") if path is not None and path.exists() else ""
    if not _TIMESTEP.search(text):
        return exc
    found = _TROUBLE.search(text)
    node = found.group(1) + found.group(2) if found else None
    what = "a device"
    if found and int(found.group(2)) < plan.count.size:
        i = int(found.group(2))
        what = (f"device {i} ({int(plan.count[i])} pulse(s) of {plan.amplitude[i]:.4g} V for "
                f"{plan.width[i]:.4g} s)")
    return ConvergenceError(f"the programming transient did not converge at {what}: "
                            f"time step too small", "tran", None, node, exc.netlist_path,
                            exc.transcript_path)


class SpiceProgrammer(Programmer):
    """One ngspice transient per step: every pulsed device in its own programming circuit.

    Args:
        scheme: as for :class:`~spicelearn.devices.programmers.PulseProgrammer`.
        rendering: ``"behavioural"`` (B-sources) or ``"verilog-a"`` (OSDI); by
            default Verilog-A when the model has a module.
        nonideal, seed: non-idealities and the seed of their per-device draws.
        settings: accuracy of the transient.
        **pulse_params: overrides of the scheme's defaults.
    """

    name = "spice"

    def __init__(self, scheme: str | PulseScheme = "identical", *, rendering: str | None = None,
                 nonideal: NonIdealities | None = None, seed: int = 0,
                 settings: SpiceSettings | None = None, **pulse_params: Any) -> None:
        super().__init__(nonideal, seed)
        self.planner = PulseProgrammer(scheme, **pulse_params)
        self.rendering = rendering
        self.settings = settings if settings is not None else SpiceSettings()
        self.last_run: StepRun | None = None

    def check(self, model: DeviceModel) -> None:
        self.planner.scheme_for(model)

    def program(self, model: DeviceModel, state: np.ndarray, delta_g: np.ndarray,
                rng: np.random.Generator) -> ProgramResult:
        x, dg = self._inputs(model, state, delta_g)
        resolve_rendering(model, self.rendering)
        scheme = self.planner.scheme_for(model)
        plan = plan_pulses(model, scheme, x, self._targets(model, x, dg)).plan
        population = self.population(model, x.size)
        x_new, energy = x.copy(), np.zeros(x.size)
        t0 = time.perf_counter()
        if plan.count.any():
            deck = render_programming(population, x, plan, self.rendering)
            t1 = time.perf_counter()
            states, charges, t_ng, t_read, cpu = run_programming(deck, model, plan,
                                                                 self.settings)
            charge, work = pulse_integrals(model, plan)
            energies = charges * work[deck.devices] / charge[deck.devices]
            x_new[deck.devices], energy[deck.devices] = states, energies
            self.last_run = StepRun(states, energies, t1 - t0, t_ng, t_read, cpu)
        x_new = self._noisy(model, x, x_new, plan, rng)
        stuck = population.stuck != 0
        if stuck.any():
            energy = np.where(stuck, pinned_energy(model, population.pin(x), plan), energy)
        return self._finish(model, x, x_new, dg, plan, energy)

    def _noisy(self, model: DeviceModel, x: np.ndarray, x_new: np.ndarray, plan: PulsePlan,
               rng: np.random.Generator) -> np.ndarray:
        """Cycle-to-cycle noise of a train of n pulses: Δx·(1 + σ·z/√n)."""
        sigma = self.nonideal.cycle_to_cycle
        if sigma == 0.0:
            return x_new
        n = np.maximum(plan.count, 1)
        lo, hi = model.state_bounds()
        z = rng.standard_normal(x.size)
        return np.clip(x + (x_new - x) * (1.0 + sigma * z / np.sqrt(n)), lo, hi)
