"""Training a whole config into a run folder: set up, train, resume, evaluate.

:func:`prepare` resolves and checks a run config and builds everything a run
needs (:class:`~spicelearn.learning.trainer.Setup`); :func:`train_in_folder`,
:func:`resume_folder` and :func:`evaluate_folder` are ``spicelearn train``,
``train --resume`` and ``evaluate``: the run folder (manifest, lock, config,
checkpoints, ``metrics.csv``, plots, ``report.md``) is written here, from the
trainer's per-epoch callbacks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..data import check_compatible, load_dataset, resolve_data
from ..engines.base import Engine
from ..errors import ConfigError
from ..learning.costs import make_cost
from ..learning.nonlinearity import NonlinearityCheck, check_nonlinearity
from ..learning.optimizers import make_optimizer
from ..learning.rules import make_rule
from ..learning.schema import resolve_training
from ..learning.state import Checkpoint
from ..learning.trainer import (
    Setup,
    build_programmer,
    evaluate,
    make_engine,
    tracked_devices,
    train,
)
from ..network.circuit import Circuit
from ..network.config import check_network
from ..run_config import RunConfig
from .checkpoint import save_checkpoint
from .rundir import resolve_network_table, run_id_of, write_metrics


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



def save_epoch(run_dir: Path) -> Callable[[Checkpoint], None]:
    """The trainer's checkpoint callback for a run folder: the checkpoint, then
    ``metrics.csv``."""
    def save(ck: Checkpoint) -> None:
        save_checkpoint(run_dir, ck)
        write_metrics(run_dir / "metrics.csv", ck.metrics)
    return save


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
            res = train(setup, engine, start, progress=not quiet, on_epoch=on_epoch,
                        on_checkpoint=save_epoch(run_dir))
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

    DIR is claimed as in ``runs/folder.py``: locked, then the manifest, the resolved
    ``config.toml`` and ``run.json`` are written before training starts.

    Raises:
        ConfigError: a bad config (nothing is written).
        RunDirError: DIR holds another run and ``force`` is false, holds files
            spicelearn did not write, or is in use (nothing is written).
        RunInterrupted: Ctrl-C.
    """
    import json

    from ..run_config import load_run_config
    from .folder import NewRun
    from .rundir import dump_toml

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
    from .folder import holds_run

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
    from .folder import adopt_run, holds_run, open_run

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
