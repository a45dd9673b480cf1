"""The trainer: epochs of mini-batches of a learning rule, evaluation, a state per epoch.

One epoch visits every training sample exactly once, in an order drawn from a
generator seeded by the run seed (its state is checkpointed). Each mini-batch:
the rule settles its phases and estimates ∂L/∂g, the optimizer turns that into a
desired Δg, the programmer realizes it. After each epoch both splits are
evaluated with the free phase only (loss = mean cost, accuracy = argmax of the
class predictions); the test split never reaches the update. Epoch 0 is the
evaluation of the initial conductances.

Times: ``train_time`` [s] is the wall time of the epoch's updates (settling all
phases, computing and programming Δg); ``epoch_time`` adds the evaluation;
``cum_train_time`` sums ``train_time``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from tqdm import tqdm

from ..data import (
    DataConfig,
    Dataset,
    encode_targets,
)
from ..devices.programmers import (
    BlockProgrammer,
    NonIdealities,
    Programmer,
    ProgramResult,
    read_conductances,
)
from ..engines.base import Engine
from ..engines.programmers import make_programmer
from ..errors import ConfigError, DeviceModelError
from ..network.circuit import Circuit
from .costs import Cost, predictions
from .optimizers import Optimizer
from .rules import LearningRule
from .schema import TrainingConfig
from .state import Checkpoint


@dataclass
class Setup:
    """Everything a run needs, checked, before anything runs or is written."""

    seed: int
    resolved: dict[str, Any]
    run_id: str
    data_cfg: DataConfig
    training: TrainingConfig
    circuit: Circuit
    dataset: Dataset
    cost: Cost
    rule: LearningRule
    optimizer: Optimizer
    programmer: Programmer
    nonideal: NonIdealities = field(default_factory=NonIdealities)

    def targets(self, labels: np.ndarray) -> np.ndarray:
        t = self.training
        return encode_targets(labels, self.dataset.n_classes, t.cost, t.target, t.target_off)


def build_programmer(tcfg: TrainingConfig, circuit: Circuit, seed: int,
                     nonideal: NonIdealities | None = None) -> Programmer:
    """The programmer ``training.programmer`` names, checked against the circuit's devices.

    ``array`` programs each crossbar layer of the network as its own array (one
    transient per layer and update), the others all devices at once; ``spice``
    and ``array`` render the devices as the network does (``rendering``). The
    non-idealities' per-device draws are seeded from the run seed (per layer for
    ``array``).

    Raises:
        ConfigError: a programmer or a non-ideality that does not fit the devices
            (``pulse``/``spice``/``array`` on a model without a state equation,
            pulse parameters outside the model's valid region, a parameter spread on
            a model without a state equation), or ``array`` on a network whose
            devices do not form crossbars.
    """
    name = tcfg.programmer
    options: dict[str, Any] = {"seed": seed, "nonideal": nonideal}
    if name in ("pulse", "spice", "array"):
        options["scheme"] = tcfg.pulse_scheme
        for key, value in (("v_up", tcfg.pulse_v_up), ("width", tcfg.pulse_width),
                           ("v_down", None if tcfg.pulse_v_down is None
                            else -tcfg.pulse_v_down)):
            if value is not None:
                options[key] = value
    if name in ("spice", "array"):  # program as the network settles: B-sources or OSDI
        options["rendering"] = circuit.device_rendering
    try:
        if name == "array":
            shapes = list(circuit.layer_shapes)
            if (len(shapes) != len(circuit.layer_sizes)
                    or any(r * c != n for (r, c), n in zip(shapes, circuit.layer_sizes,
                                                          strict=True))):
                raise ConfigError("'training.programmer' = 'array' needs a network whose "
                                  "devices form crossbar layers")
            options |= {"bias": tcfg.array_bias, "step": tcfg.array_step,
                        "r_wire": tcfg.array_r_wire}
            seeds = np.random.SeedSequence(seed).generate_state(len(shapes))
            prog: Programmer = BlockProgrammer([
                (r * c, make_programmer(name, rows=r, cols=c,
                                        **(options | {"seed": int(layer_seed)})))
                for (r, c), layer_seed in zip(shapes, seeds, strict=True)])
        else:
            prog = make_programmer(name, **options)
        prog.check(circuit.model)
        prog.initial_states(circuit.model, circuit.state)  # draws the populations
    except DeviceModelError as exc:
        raise ConfigError(f"'training.programmer' = '{name}' does not fit the devices "
                          f"({circuit.model.name}): {exc}") from None
    return prog


def make_engine(name: str, workers: int = 1) -> Engine:
    """The engine ``training.engine`` names (ngspice gets ``workers`` processes)."""
    from ..engines.registry import make_engine as make

    return make(name, workers)


def evaluate(engine: Engine, circuit: Circuit, cost: Cost, inputs: np.ndarray,
             labels: np.ndarray, targets: np.ndarray) -> tuple[float, float]:
    """(mean cost, accuracy) of the free phase on a split."""
    free = engine.settle(circuit, inputs, None)
    loss = float(np.mean(cost.value(free.outputs, targets, circuit.differential)))
    pred = np.argmax(predictions(free.outputs, circuit.differential), axis=1)
    return loss, float(np.mean(pred == labels))


def new_rng(seed: int) -> np.random.Generator:
    """The shuffling generator of a run."""
    return np.random.default_rng([seed, 0xE90C])


@dataclass
class ProgrammingTotals:
    """What an epoch's programming steps did, summed over its mini-batches."""

    pulses: int = 0
    energy: float = 0.0
    error_sum: float = 0.0
    error_count: int = 0
    disturbance: float = 0.0

    def add(self, res: ProgramResult) -> None:
        self.pulses += res.pulses
        self.energy += res.total_energy
        self.error_sum += float(np.sum(np.abs(res.realized - res.desired)))
        self.error_count += res.desired.size
        self.disturbance = max(self.disturbance, res.disturbance)

    def row(self) -> dict[str, float]:
        """Metrics columns: ``pulses``, ``energy`` [J], ``dg_error`` = mean
        |realized − desired| Δg [S], ``disturbance`` = largest half-select |Δg| [S]."""
        err = self.error_sum / self.error_count if self.error_count else 0.0
        return {"pulses": float(self.pulses), "energy": self.energy, "dg_error": err,
                "disturbance": self.disturbance}


TRACKED_PER_LAYER = 4
"""Devices per crossbar layer whose conductance the checkpoints follow after every update."""


def tracked_devices(circuit: Circuit) -> np.ndarray:
    """Indices of the devices whose conductance trajectory a run records: in each
    crossbar layer, :data:`TRACKED_PER_LAYER` evenly spaced ones."""
    picks = [np.unique(np.linspace(s.start, s.stop - 1, TRACKED_PER_LAYER).astype(int))
             for s in circuit.layer_slices()]
    return np.concatenate(picks)


@dataclass
class TrainResult:
    circuit: Circuit
    metrics: list[dict[str, float]]
    g_init: np.ndarray


def train(setup: Setup, engine: Engine, start: Checkpoint | None = None,
          progress: bool = True,
          on_epoch: Callable[[dict[str, float]], None] | None = None,
          on_checkpoint: Callable[[Checkpoint], None] | None = None) -> TrainResult:
    """Train for ``training.epochs`` epochs (continuing after ``start`` if given).

    After every epoch (epoch 0, the initial evaluation, included) the state of
    the run goes to ``on_checkpoint`` and the epoch's metrics row to ``on_epoch``
    (in that order). Reproducible from (config, seed): a run resumed from a
    checkpoint gives the same conductances and metrics as an uninterrupted one.
    """
    t, ds = setup.training, setup.dataset
    circuit, rng = setup.circuit, new_rng(setup.seed)
    y_train, y_test = setup.targets(ds.y_train), setup.targets(ds.y_test)
    g_init = circuit.g.copy()
    metrics: list[dict[str, float]] = []
    tracked = tracked_devices(circuit)
    if start is None:
        circuit = circuit.with_states(setup.programmer.initial_states(circuit.model,
                                                                      circuit.state))
        g_init = circuit.g.copy()
        trajectory = [circuit.g[tracked]]
    else:
        state = start.programmer_state.get("state")
        circuit = (circuit.with_conductances(start.g) if state is None
                   else circuit.with_states(state))
        setup.optimizer.load_state(start.optimizer_state)
        setup.rule.load_state(start.rule_state)
        rng.bit_generator.state = start.rng_state
        metrics = [dict(r) for r in start.metrics]
        trajectory = list(start.programmer_state.get("trajectory", [circuit.g[tracked]]))

    def read(c: Circuit) -> Circuit:
        """The circuit as one read (settle) sees it: read noise, clipped to the range."""
        if setup.nonideal.read_noise == 0.0:
            return c
        g = np.clip(read_conductances(c.g, setup.nonideal, rng), *c.model.g_range())
        return c.with_conductances(g)

    def checkpoint(epoch: int) -> None:
        if on_checkpoint is None:
            return
        on_checkpoint(Checkpoint(
            epoch=epoch, run_id=setup.run_id, g=circuit.g, optimizer=setup.optimizer.name,
            optimizer_state=setup.optimizer.state(), rng_state=rng.bit_generator.state,
            metrics=metrics, programmer_state={
                "state": circuit.state, "trajectory": np.array(trajectory),
                "trajectory_devices": tracked}, rule_state=setup.rule.state()))

    def record(epoch: int, train_time: float, t0: float,
               programmed: ProgrammingTotals) -> dict[str, float]:
        loss, train_acc = evaluate(engine, read(circuit), setup.cost, ds.x_train, ds.y_train,
                                   y_train)
        test_loss, test_acc = evaluate(engine, read(circuit), setup.cost, ds.x_test, ds.y_test,
                                       y_test)
        cum = (metrics[-1]["cum_train_time"] if metrics else 0.0) + train_time
        row = {"epoch": epoch, "loss": loss, "train_acc": train_acc, "test_acc": test_acc,
               "test_loss": test_loss, "epoch_time": time.perf_counter() - t0,
               "train_time": train_time, "cum_train_time": cum, **programmed.row()}
        metrics.append(row)
        checkpoint(epoch)
        if on_epoch is not None:
            on_epoch(row)
        return row

    if start is None:
        record(0, 0.0, time.perf_counter(), ProgrammingTotals())
    first = metrics[-1]["epoch"] + 1 if metrics else 1
    n, bs = len(ds.y_train), t.batch_size
    n_batches = -(-n // bs)
    bar = tqdm(total=(t.epochs - first + 1) * n_batches, file=sys.stderr, unit="batch",
               disable=not progress or not sys.stderr.isatty(), dynamic_ncols=True)
    try:
        for epoch in range(first, t.epochs + 1):
            t0 = time.perf_counter()
            order = rng.permutation(n)
            programmed = ProgrammingTotals()
            for start_i in range(0, n, bs):
                b = order[start_i:start_i + bs]
                step = setup.rule.estimate(engine, read(circuit), ds.x_train[b], y_train[b])
                dg = setup.optimizer.step(step.grad, epoch - 1)
                res = setup.programmer.program(circuit.model, circuit.state, dg, rng)
                programmed.add(res)
                circuit = circuit.with_states(res.state)
                trajectory.append(circuit.g[tracked])
                bar.update(1)
            row = record(epoch, time.perf_counter() - t0, t0, programmed)
            bar.set_postfix(epoch=epoch, loss=f"{row['loss']:.4g}",
                            train=f"{row['train_acc']:.3f}", test=f"{row['test_acc']:.3f}")
    finally:
        bar.close()
    return TrainResult(circuit=circuit, metrics=metrics, g_init=g_init)
