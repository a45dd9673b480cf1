"""CLI commands ``train`` and ``evaluate`` (registered on import)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import cli


def _epoch_line(row: dict[str, float]) -> None:
    click.echo(f"epoch {int(row['epoch']):3d}  loss {row['loss']:.4g}  "
               f"train {100 * row['train_acc']:6.2f} %  test {100 * row['test_acc']:6.2f} %  "
               f"({row['train_time']:.2f} s)", err=True)


@cli.command()
@click.argument("config", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
              help="Run folder to write (config, metrics, checkpoints, plots, report).")
@click.option("--resume", "resume", type=click.Path(file_okay=False, path_type=Path),
              help="Continue the interrupted run in this folder from its last checkpoint.")
@click.option("--force", is_flag=True, help="Replace a run already in the --out folder.")
@click.option("--workers", type=int, default=None,
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
    from ..learning.checkpoint import latest_epoch
    from ..learning.report import time_to_accuracy
    from ..learning.trainer import resume_folder, train_in_folder

    if resume is not None and (config is not None or out is not None or force):
        raise ConfigError("--resume DIR takes no CONFIG, --out or --force "
                          "(the run's own config.toml is used)")
    if resume is None and (config is None or out is None):
        raise ConfigError("give CONFIG and --out DIR (or --resume DIR)")
    run_dir = resume if resume is not None else out
    on_epoch = None if quiet else _epoch_line
    try:
        if resume is not None:
            summary = resume_folder(resume, quiet=quiet, workers=workers, on_epoch=on_epoch)
        else:
            summary = train_in_folder(config, out, force=force, quiet=quiet, workers=workers,
                                      on_epoch=on_epoch)
    except KeyboardInterrupt:
        ep = latest_epoch(run_dir) if run_dir is not None else None
        where = (f"the last complete checkpoint (epoch {ep}) is in {run_dir}/checkpoints"
                 if ep is not None else "no checkpoint was written")
        click.echo(f"spicelearn: interrupted; {where}; resume with: "
                   f"spicelearn train --resume {run_dir}", err=True)
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
    engine. Example: spicelearn evaluate runs/iris
    """
    from ..learning.trainer import evaluate_folder

    r = evaluate_folder(run_dir)
    n_ok = round(r["test_acc"] * r["n_test"])
    click.echo(f"{run_dir}: epoch {r['epoch']}: test accuracy {100 * r['test_acc']:.2f} % "
               f"({n_ok}/{r['n_test']}), test loss {r['test_loss']:.4g}; "
               f"train accuracy {100 * r['train_acc']:.2f} %, train loss {r['loss']:.4g}")
