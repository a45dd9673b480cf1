"""The trainer: epochs of EqProp mini-batches, evaluation, checkpoints.

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
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from ..data import (
    DataConfig,
    Dataset,
    check_compatible,
    encode_targets,
    load_dataset,
    resolve_data,
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
from ..network.config import check_network
from ..run_config import RunConfig
from .checkpoint import Checkpoint, save_checkpoint
from .costs import Cost, make_cost, predictions
from .nonlinearity import NonlinearityCheck, check_nonlinearity
from .optimizers import Optimizer, make_optimizer
from .rules import LearningRule, make_rule
from .rundir import resolve_network_table, run_id_of, write_metrics
from .schema import TrainingConfig, resolve_training


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


def prepare(rc: RunConfig) -> Setup:
    """Resolve and check a run config; build circuit, dataset, rule, optimizer, programmer.

    Raises:
        ConfigError: unknown dataset, incompatible sizes, bad training values.
        SimulationError: ``rendering = "verilog-a"`` with an ngspice without OSDI.
        DeviceModelError: a Verilog-A module that does not compile.
    """
    dcfg = resolve_data(rc.data)
    tcfg = resolve_training(rc.training)
    circuit = rc.circuit()
    if not circuit.outputs:
        raise ConfigError("the network has no outputs to train (network.kind must be 'layered')")
    ds = load_dataset(dcfg, rc.seed)
    check_compatible(ds, circuit.n_features, circuit.n_classes)
    if tcfg.engine == "ngspice":  # OSDI present, the Verilog-A module compiled: before any file
        from ..engines.ngspice import prepare_devices

        prepare_devices(circuit)
    cost = make_cost(tcfg.cost, tcfg.temperature)
    rule = make_rule(tcfg.rule, cost, tcfg, rc.seed)
    rule.check(circuit)
    if rule.needs_clamps:
        circuit = circuit.with_clamps()
    opt = make_optimizer(tcfg, circuit.layer_sizes)
    nonideal = check_network(rc.network).devices.nonidealities()
    prog = build_programmer(tcfg, circuit, rc.seed, nonideal)
    resolved = {"seed": rc.seed, "network": resolve_network_table(rc.network),
                "data": dcfg.as_dict(), "training": tcfg.as_dict()}
    return Setup(rc.seed, resolved, run_id_of(resolved), dcfg, tcfg, circuit, ds, cost, rule,
                 opt, prog, nonideal)


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
        for part in getattr(prog, "parts", [(0, prog)]):
            scheme_for = getattr(part[1], "scheme_for", None) or getattr(
                getattr(part[1], "planner", None), "scheme_for", None)
            if scheme_for is not None:
                scheme_for(circuit.model)
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


def train(setup: Setup, engine: Engine, run_dir: str | Path | None = None,
          start: Checkpoint | None = None, progress: bool = True,
          on_epoch: Callable[[dict[str, float]], None] | None = None) -> TrainResult:
    """Train for ``training.epochs`` epochs (continuing after ``start`` if given).

    With ``run_dir``, a checkpoint and ``metrics.csv`` are written after every
    epoch (epoch 0 included). Reproducible from (config, seed): a run resumed from
    a checkpoint gives the same conductances and metrics as an uninterrupted one.
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
        if run_dir is None:
            return
        save_checkpoint(run_dir, Checkpoint(
            epoch=epoch, run_id=setup.run_id, g=circuit.g, optimizer=setup.optimizer.name,
            optimizer_state=setup.optimizer.state(), rng_state=rng.bit_generator.state,
            metrics=metrics, programmer_state={
                "state": circuit.state, "trajectory": np.array(trajectory),
                "trajectory_devices": tracked}, rule_state=setup.rule.state()))
        write_metrics(Path(run_dir) / "metrics.csv", metrics)

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


@dataclass
class RunSummary:
    """What a finished (or resumed) run in a folder reports."""

    run_dir: Path
    metrics: list[dict[str, float]]
    engine: str
    target_accuracy: float


def check_trained(setup: Setup, engine: Engine, g: np.ndarray) -> NonlinearityCheck:
    """The nonlinearity check of the circuit at conductances ``g`` on the test split."""
    ds = setup.dataset
    return check_nonlinearity(engine, setup.circuit.with_conductances(g), ds.x_test, ds.y_test,
                              ds.x_train, ds.y_train)


def _finish(setup: Setup, run_dir: Path, metrics: list[dict[str, float]], first: Checkpoint,
            last: Checkpoint, nonlinearity: NonlinearityCheck) -> None:
    from .report import (
        plot_conductances,
        plot_curves,
        plot_states,
        plot_trajectories,
        write_report,
    )

    title = setup.dataset.name
    plots = run_dir / "plots"
    c = setup.circuit
    plot_curves(metrics, plots, title, setup.training.target_accuracy)
    plot_conductances(c, first.g, last.g, plots, title)
    trajectory = last.programmer_state.get("trajectory")
    tracked = last.programmer_state.get("trajectory_devices", tracked_devices(c))
    if trajectory is None:  # a checkpoint without a trajectory: its two ends
        trajectory = np.stack([first.g[tracked], last.g[tracked]])
    plot_trajectories(c, trajectory, tracked, -(-len(setup.dataset.y_train)
                                               // setup.training.batch_size), plots, title)

    def states(ck: Checkpoint) -> np.ndarray:
        x = ck.programmer_state.get("state")
        return c.with_conductances(ck.g).state if x is None else x

    plot_states(c, states(first), states(last), plots, title)
    write_report(run_dir, setup.resolved, setup.circuit, metrics, setup.training.engine,
                 len(setup.dataset.y_train), len(setup.dataset.y_test), nonlinearity,
                 setup.rule.describe())


def _run(setup: Setup, run_dir: Path, start: Checkpoint | None, quiet: bool,
         on_epoch: Callable[[dict[str, float]], None] | None) -> RunSummary:
    from .checkpoint import load_checkpoint

    t = setup.training
    with make_engine(t.engine, t.workers) as engine:
        if start is not None and start.epoch >= t.epochs:
            metrics, g_end = start.metrics, start.g
        else:
            res = train(setup, engine, run_dir, start, progress=not quiet, on_epoch=on_epoch)
            metrics, g_end = res.metrics, res.circuit.g
        nonlinearity = check_trained(setup, engine, g_end)
    _finish(setup, run_dir, metrics, load_checkpoint(run_dir, setup.run_id, epoch=0),
            load_checkpoint(run_dir, setup.run_id), nonlinearity)
    return RunSummary(run_dir, metrics, t.engine, t.target_accuracy)


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C during ``train``/``train --resume``; says whether the folder holds the run.

    ``started`` is true once the run's ``run.json`` was written: the folder can then
    be resumed (from its newest checkpoint, or from epoch 0 when it has none).
    """

    def __init__(self, run_dir: Path, started: bool) -> None:
        super().__init__(str(run_dir))
        self.run_dir = run_dir
        self.started = started


def _with_workers(rc: RunConfig, workers: int | None) -> RunConfig:
    if workers is None:
        return rc
    return RunConfig(rc.seed, rc.network, rc.data, {**rc.training, "workers": workers}, rc.raw)


def train_in_folder(config_path: str | Path, out: str | Path, force: bool = False,
                    quiet: bool = False, workers: int | None = None,
                    on_epoch: Callable[[dict[str, float]], None] | None = None) -> RunSummary:
    """``spicelearn train CONFIG --out DIR``: check everything, then train into DIR.

    DIR is claimed as in ``runfolder.py``: locked, then the manifest, the resolved
    ``config.toml`` and ``run.json`` are written before training starts.

    Raises:
        ConfigError: a bad config (nothing is written).
        RunDirError: DIR holds another run and ``force`` is false, holds files
            spicelearn did not write, or is in use (nothing is written).
        RunInterrupted: Ctrl-C.
    """
    import json

    from ..run_config import load_run_config
    from .rundir import dump_toml
    from .runfolder import NewRun

    claim: NewRun | None = None
    try:
        setup = prepare(_with_workers(load_run_config(config_path), workers))
        info = {"run_id": setup.run_id, "source_config": str(config_path),
                "dataset": setup.dataset.name, "n_devices": setup.circuit.n_devices,
                "engine": setup.training.engine}
        claim = NewRun(out, force, [("config.toml", dump_toml(setup.resolved)),
                                    ("run.json", json.dumps(info, indent=1) + "\n")])
        with claim as run_dir:
            return _run(setup, run_dir, None, quiet, on_epoch)
    except KeyboardInterrupt:
        raise RunInterrupted(Path(out), claim is not None and claim.claimed) from None


def _load_folder(run_dir: str | Path, workers: int | None = None) -> tuple[Setup, Path]:
    import json

    from ..errors import CheckpointError, RunDirError
    from ..run_config import load_run_config
    from .runfolder import holds_run

    p = Path(run_dir)
    if not holds_run(p):
        raise RunDirError(f"{p} holds no spicelearn run (no config.toml / run.json)")
    setup = prepare(_with_workers(load_run_config(p / "config.toml"), workers))
    try:
        recorded = json.loads((p / "run.json").read_text())["run_id"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RunDirError(f"{p / 'run.json'} is unreadable: {exc}") from None
    if recorded != setup.run_id:
        raise CheckpointError(f"{p / 'config.toml'} no longer matches the run recorded in "
                              f"{p / 'run.json'} (run id {recorded} vs {setup.run_id})")
    return setup, p


def load_trained(run_dir: str | Path) -> tuple[Setup, Circuit, int]:
    """(setup, circuit at the newest checkpoint's conductances, its epoch) of a run folder."""
    from .checkpoint import load_checkpoint

    setup, p = _load_folder(run_dir)
    ck = load_checkpoint(p, setup.run_id)
    return setup, setup.circuit.with_conductances(ck.g), ck.epoch


def resume_folder(run_dir: str | Path, quiet: bool = False, workers: int | None = None,
                  on_epoch: Callable[[dict[str, float]], None] | None = None) -> RunSummary:
    """``spicelearn train --resume DIR``: continue from the newest checkpoint.

    A run with no checkpoint yet (stopped right after it was claimed) starts at
    epoch 0. The folder's lock is held for the whole run.

    Raises:
        RunInterrupted: Ctrl-C (the folder still holds the run).
    """
    from .checkpoint import latest_epoch, load_checkpoint
    from .runfolder import adopt_run, holds_run, open_run

    try:
        with open_run(run_dir):
            setup, p = _load_folder(run_dir, workers)
            start = None
            if latest_epoch(p) is not None:
                start = load_checkpoint(p, setup.run_id)
                load_checkpoint(p, setup.run_id, epoch=0)
            adopt_run(p)
            return _run(setup, p, start, quiet, on_epoch)
    except KeyboardInterrupt:
        raise RunInterrupted(Path(run_dir), holds_run(run_dir)) from None


def evaluate_folder(run_dir: str | Path) -> dict[str, Any]:
    """``spicelearn evaluate DIR``: free-phase loss and accuracy of the newest checkpoint,
    and its nonlinearity check on the test split (key ``nonlinearity``)."""
    from .checkpoint import load_checkpoint

    setup, p = _load_folder(run_dir)
    ck = load_checkpoint(p, setup.run_id)
    circuit = setup.circuit.with_conductances(ck.g)
    ds = setup.dataset
    with make_engine(setup.training.engine, setup.training.workers) as engine:
        loss, acc = evaluate(engine, circuit, setup.cost, ds.x_train, ds.y_train,
                             setup.targets(ds.y_train))
        test_loss, test_acc = evaluate(engine, circuit, setup.cost, ds.x_test, ds.y_test,
                                       setup.targets(ds.y_test))
        nonlinearity = check_trained(setup, engine, ck.g)
    return {"epoch": ck.epoch, "loss": loss, "train_acc": acc, "test_loss": test_loss,
            "test_acc": test_acc, "n_test": len(ds.y_test), "n_train": len(ds.y_train),
            "nonlinearity": nonlinearity}
