"""CLI commands ``train`` and ``evaluate`` (registered on import)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import printable
from . import cli

if TYPE_CHECKING:
    from ..runs.training import RunInterrupted


def _epoch_line(row: dict[str, float]) -> None:
    click.echo(f"epoch {int(row['epoch']):3d}  loss {row['loss']:.4g}  "
               f"train {100 * row['train_acc']:6.2f} %  test {100 * row['test_acc']:6.2f} %  "
               f"({row['train_time']:.2f} s)", err=True)


def _interrupted_message(stop: RunInterrupted) -> str:
    """What Ctrl-C left in the run folder, and how to go on."""
    from ..runs.checkpoint import latest_epoch

    d = stop.run_dir
    if not stop.started:
        return f"spicelearn: interrupted before training started; no run was written to {d}"
    ep = latest_epoch(d)
    if ep is None:
        return (f"spicelearn: interrupted before the first checkpoint; resume with: "
                f"spicelearn train --resume {d} (it starts at epoch 0)")
    return (f"spicelearn: interrupted; the last complete checkpoint (epoch {ep}) is in "
            f"{d}/checkpoints; resume with: spicelearn train --resume {d}")


@cli.command()
@click.argument("config", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
              help="Run folder to write (config, metrics, checkpoints, plots, report).")
@click.option("--resume", "resume", type=click.Path(file_okay=False, path_type=Path),
              help="Continue the interrupted run in this folder from its last checkpoint.")
@click.option("--force", is_flag=True,
              help="Replace the run in the --out folder (only the files spicelearn wrote "
                   "there are removed).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Worker processes for settling (overrides training.workers).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar, no per-epoch lines.")
def train(config: Path | None, out: Path | None, resume: Path | None, force: bool,
          workers: int | None, quiet: bool) -> None:
    """Train the network of CONFIG with EqProp into the folder --out (or --resume DIR).

    Every mini-batch is settled in ngspice (training.engine = "ngspice", the
    default): the free phase, then the nudged phases. The folder gets the
    resolved config, metrics.csv, a checkpoint per epoch, plots and report.md.
    Ctrl-C keeps the last checkpoint; --resume continues exactly.

    \b
    Examples:
      spicelearn train examples/iris.toml --out runs/iris
      spicelearn train --resume runs/iris
    """
    from ..errors import ConfigError
    from ..runs.report import time_to_accuracy
    from ..runs.training import RunInterrupted, resume_folder, train_in_folder

    if resume is not None and (config is not None or out is not None or force):
        raise ConfigError("--resume DIR takes no CONFIG, --out or --force "
                          "(the run's own config.toml is used)")
    if resume is None and (config is None or out is None):
        raise ConfigError("give CONFIG and --out DIR (or --resume DIR)")
    on_epoch = None if quiet else _epoch_line
    try:
        if resume is not None:
            summary = resume_folder(resume, quiet=quiet, workers=workers, on_epoch=on_epoch)
        else:
            summary = train_in_folder(config, out, force=force, quiet=quiet, workers=workers,
                                      on_epoch=on_epoch)
    except RunInterrupted as stop:
        if sys.stderr.isatty():
            click.echo(err=True)  # end the terminal's ^C echo
        click.echo(printable(_interrupted_message(stop)), err=True)
        sys.exit(130)
    last = summary.metrics[-1]
    best = max(summary.metrics, key=lambda r: r["test_acc"])
    click.echo(f"{summary.run_dir}: {int(last['epoch'])} epochs, test accuracy "
               f"{100 * last['test_acc']:.2f} % (best {100 * best['test_acc']:.2f} % at epoch "
               f"{int(best['epoch'])}), train {100 * last['train_acc']:.2f} %, "
               f"{last['cum_train_time']:.2f} s training")
    target = summary.target_accuracy
    hit = time_to_accuracy(summary.metrics, target)
    if hit is not None:
        click.echo(f"test accuracy >= {100 * target:g} % at epoch {hit[0]} after "
                   f"{hit[1]:.2f} s of training")
    click.echo(f"report: {summary.run_dir / 'report.md'}")


@cli.command()
@click.argument("run_dir", type=click.Path(file_okay=False, path_type=Path))
def evaluate(run_dir: Path) -> None:
    """Report the test accuracy of the last checkpoint in RUN_DIR.

    Settles the free phase of the test and training splits with the run's
    engine, and shows on the test split the share of activation diodes that
    conduct, the accuracy with the diodes taken out, and a linear baseline
    (logistic regression). Example: spicelearn evaluate runs/iris
    """
    from ..runs.training import evaluate_folder

    r = evaluate_folder(run_dir)
    n_ok = round(r["test_acc"] * r["n_test"])
    click.echo(f"{run_dir}: epoch {r['epoch']}: test accuracy {100 * r['test_acc']:.2f} % "
               f"({n_ok}/{r['n_test']}), test loss {r['test_loss']:.4g}; "
               f"train accuracy {100 * r['train_acc']:.2f} %, train loss {r['loss']:.4g}")
    for line in r["nonlinearity"].lines():
        click.echo(f"  test split: {line}")
