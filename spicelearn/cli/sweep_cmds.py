"""CLI commands ``sweep`` and ``bench sweep`` (registered on import)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import printable
from . import cli
from .engine_cmds import bench


def _dry_run(sweep_file: Path, out: Path | None) -> None:
    from ..sweep import load_sweep
    from ..sweep.folder import cell_dir, cell_state, check_out_folder

    sweep = load_sweep(sweep_file)
    known = out is not None and check_out_folder(out, sweep)
    click.echo(f"{sweep_file}: {len(sweep.cells)} cells over {', '.join(sweep.keys)}")
    for c in sweep.cells:
        status = ""
        if known:
            st = cell_state(cell_dir(out, c), c.id, c.epochs)
            status = {"new": "new", "done": "done"}.get(
                st.status, f"partial (epoch {st.epoch})" if st.epoch is not None else "partial")
            status = f"  {status:<18}"
        click.echo(printable(f"{c.index + 1:4d}  {c.id}{status}  {c.label()}"))


@cli.command()
@click.argument("sweep_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder: cells/<id>/ run folders, results.csv, results.md, plots/.")
@click.option("--scheduler", metavar="ADDRESS",
              help="Address of a running Dask scheduler (tcp://host:port) to run the cells "
                   "on; its workers (dask worker ADDRESS --nthreads 1) must see --out at the "
                   "same path.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Worker processes of the local Dask cluster (1 thread each)  "
                   "[default: the usable CPUs].")
@click.option("--dry-run", is_flag=True,
              help="List the cells (id, swept values; their state with --out) and write "
                   "nothing.")
@click.option("--quiet", "-q", is_flag=True, help="No progress display.")
def sweep(sweep_file: Path, out: Path | None, scheduler: str | None, workers: int | None,
          dry_run: bool, quiet: bool) -> None:
    """Train every cell of the grid in SWEEP_FILE on Dask, into --out DIR.

    SWEEP_FILE holds a base config (base = "config.toml" or a [base] table) and
    [grid] keys -> lists of values (their cartesian product), and optionally
    [[zip]] groups of equal-length lists varied together. Every cell is checked
    before anything runs. Each cell is a run folder DIR/cells/<id>; run the same
    command again to continue an interrupted sweep (done cells are skipped,
    the others resume from their checkpoints). Exit status 1 when a cell failed.

    \b
    Examples:
      spicelearn sweep examples/sweep_small.toml --out runs/sweep_small
      spicelearn sweep examples/sweep_small.toml --dry-run
      spicelearn sweep examples/sweep_small.toml --out runs/s --scheduler tcp://scheduler-host:8786
    """
    from ..errors import ConfigError

    if scheduler is not None and workers is not None:
        raise ConfigError("--workers sets the size of the local Dask cluster; the cluster of "
                          "--scheduler has its own workers")
    if dry_run:
        _dry_run(sweep_file, out)
        return
    if out is None:
        raise ConfigError("give --out DIR (or --dry-run)")
    from ..sweep import SweepInterrupted, load_sweep, run_sweep

    spec = load_sweep(sweep_file)
    try:
        outcome = run_sweep(spec, out, scheduler=scheduler, workers=workers,
                            progress=not quiet)
    except SweepInterrupted as stop:
        if sys.stderr.isatty():
            click.echo(err=True)
        click.echo(printable(f"spicelearn: interrupted; {stop.done} of {stop.total} cells "
                             f"done in {stop.out}; run the same command again to continue"),
                   err=True)
        sys.exit(130)
    t = outcome.timing
    n, failed = len(outcome.rows), outcome.failed
    speed = (f" ({t.cell_time_sum:.1f} s of cell time in {t.cells_s:.1f} s: "
             f"{t.speedup:.2f}x one worker)" if t.speedup is not None else "")
    click.echo(f"{out}: {n} cells, {n - failed} done ({t.skipped} before), {failed} failed; "
               f"wall time {t.wall_s:.1f} s{speed}")
    click.echo(f"results: {out / 'results.csv'}, {out / 'results.md'}")
    if failed:
        click.echo(printable(f"spicelearn: {failed} of {n} cells failed (errors in "
                             f"{out / 'results.md'})"), err=True)
        sys.exit(1)


@bench.command("sweep")
@click.argument("sweep_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--workers", type=click.IntRange(min=2), default=2, show_default=True,
              help="Worker processes of the second run (the first has 1).")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable dict.")
def bench_sweep(sweep_file: Path, workers: int, as_json: bool) -> None:
    """Run SWEEP_FILE on 1 and on --workers local Dask workers; print the speed-up.

    Both runs start from scratch in temporary folders (removed afterwards), one
    after the other, in this one command. Example:
    spicelearn bench sweep examples/sweep_small.toml
    """
    import json

    from ..sweep import load_sweep
    from ..sweep.bench import compare_workers

    spec = load_sweep(sweep_file)

    def say(n: int) -> None:
        if not as_json:
            click.echo(f"running {len(spec.cells)} cells on {n} worker"
                       f"{'s' if n > 1 else ''}...", err=True)

    r = compare_workers(spec, workers, on_start=say)
    if as_json:
        click.echo(json.dumps(r, indent=2))
        return
    click.echo(f"{sweep_file}: {r['cells']} cells")
    for run in r["runs"]:
        click.echo(f"  {run['workers']} worker{'s' if run['workers'] > 1 else ' '}: wall "
                   f"{run['wall_s']:7.1f} s (cluster start {run['start_s']:.1f} s, cells "
                   f"{run['cells_s']:.1f} s, results {run['results_s']:.1f} s; load average "
                   f"{run['load_before']:.1f} -> {run['load_after']:.1f})")
    click.echo(f"speed-up of {workers} workers over 1: {r['speedup_wall']:.2f}x wall time, "
               f"{r['speedup_cells']:.2f}x cells")
