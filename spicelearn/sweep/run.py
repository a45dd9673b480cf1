"""Running a sweep: every unfinished cell a task on the Dask cluster, then the results.

Order (nothing is written before the cluster answers):

1. the output folder is checked (reading only: a different sweep is refused);
2. the cluster is started or connected (:mod:`.cluster`), unless every cell is done;
3. the folder is created and locked, ``sweep.json`` and the cells' configs written;
4. cells already done are skipped; every other cell is one task (:func:`.cell.run_cell`):
   new cells train, interrupted ones resume from their newest checkpoint; the task
   returns the cell's report and results row;
5. as tasks finish, each cell's record and ``results.csv`` are written; a failed
   cell records its error and the others go on;
6. ``results.csv``, the plots, ``timing.json`` and ``results.md`` (with the timing
   of every run of the sweep, :mod:`.timing`) are written.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import RunDirError, SweepError
from .cell import error_message, run_cell
from .cluster import count_running, open_cluster
from .folder import (
    cell_dir,
    cell_state,
    check_out_folder,
    claim,
    config_path,
    hold_sweep_lock,
    read_record,
    write_record,
)
from .grid import Cell, Sweep
from .progress import Progress
from .results import Row, make_row, plot_results, write_csv, write_markdown
from .timing import Timing, now_utc, record_timing, timing_lines

POLL = 0.25
"""Seconds between two looks at the tasks [s]."""
_FINISHED = ("finished", "error", "cancelled")


@dataclass(frozen=True)
class SweepOutcome:
    """A finished ``spicelearn sweep``: the rows (in cell order) and the timing."""

    out: Path
    sweep: Sweep
    rows: list[Row]
    timing: Timing

    @property
    def failed(self) -> int:
        return sum(r.stats["status"] == "failed" for r in self.rows)


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C during a sweep; ``done`` of ``total`` cells are done (the rest can resume)."""

    def __init__(self, out: Path, done: int, total: int) -> None:
        super().__init__(str(out))
        self.out, self.done, self.total = out, done, total


def _make_folder(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RunDirError(f"cannot create output folder {out}: {exc.strerror}") from None


def _failure_report(cell: Cell, exc: BaseException) -> dict[str, Any]:
    from distributed import KilledWorker

    if isinstance(exc, KilledWorker):
        error = "a worker process died while training this cell (each time it was tried)"
    else:
        error = error_message(exc) or type(exc).__name__
    return {"id": cell.id, "status": "failed", "error": error, "wall_time": None,
            "resumed_from": None, "host": "", "pid": None, "worker": ""}


def _what(cell: Cell, total: int, row: Row) -> str:
    s = row.stats
    head = f"cell {cell.index + 1}/{total} {cell.id} ({cell.label()})"
    if s["status"] != "done":
        return f"{head}: FAILED: {s['error']}"
    acc = s["final_test_acc"]
    best = s["best_test_acc"]
    took = f" in {s['cell_time_s']:.1f} s" if s["cell_time_s"] is not None else ""
    return (f"{head}: test {100 * acc:.2f} % (best {100 * best:.2f} %){took}"
            if acc is not None else f"{head}: done{took}")


def _run_cells(client: Any, out: Path, cells: list[Cell], rows: dict[str, Row],
               sweep: Sweep, progress: Progress) -> float:
    """Submit ``cells`` and collect them into ``rows``; returns the sum of their task times."""
    token = uuid.uuid4().hex[:8]
    futures = {}
    for c in cells:
        f = client.submit(run_cell, str(cell_dir(out, c).resolve()),
                          str(config_path(out, c).resolve()), c.id, c.epochs,
                          key=f"spicelearn-cell-{c.index + 1}-{c.id}-{token}", pure=False)
        futures[f] = c
    pending = set(futures)
    total_time = 0.0
    last_look = 0.0
    try:
        while pending:
            if client.status in ("closing", "closed"):
                raise SweepError("lost the connection to the Dask scheduler; run the same "
                                 "command again to continue")
            finished = [f for f in pending if f.status in _FINISHED]
            for f in finished:
                pending.discard(f)
                cell = futures[f]
                try:
                    report = f.result()
                except Exception as exc:  # the worker died, or the task was cancelled
                    report = _failure_report(cell, exc)
                stats = report.pop("stats", None) or cell_dir(out, cell)
                write_record(out, cell, report)
                total_time += report["wall_time"] or 0.0
                row = make_row(cell, stats, report["status"], report["error"],
                               report["wall_time"])
                rows[cell.id] = row
                write_csv(out, sweep, [rows[c.id] for c in sweep.cells])
                progress.finished(row.done, _what(cell, len(sweep.cells), row))
            now = time.perf_counter()
            if now - last_look >= 1.0:
                last_look = now
                progress.set_running(count_running(client, {str(f.key) for f in pending}))
            if pending:
                time.sleep(POLL)
    except KeyboardInterrupt:
        with contextlib.suppress(Exception):
            client.cancel(list(pending))
        raise
    except OSError as exc:
        raise SweepError(f"lost the connection to the Dask cluster: {exc}") from None
    return total_time


def run_sweep(sweep: Sweep, out: str | Path, scheduler: str | None = None,
              workers: int | None = None, progress: bool = True) -> SweepOutcome:
    """Run every unfinished cell of ``sweep`` into ``out`` on Dask; write the results.

    Args:
        sweep: the checked sweep (:func:`~.grid.load_sweep`).
        out: the sweep's output folder.
        scheduler: address of an existing Dask scheduler; None starts a local cluster.
        workers: worker processes of the local cluster (default: the usable CPUs).
        progress: show the progress display on stderr.

    Raises:
        RunDirError: ``out`` holds another sweep or other files, or is in use.
        SweepError: the scheduler does not answer (nothing is written), or was lost.
        SweepInterrupted: Ctrl-C (cells done are kept; the others resume next time).
    """
    out = Path(out)
    t0 = time.perf_counter()
    started = now_utc()
    check_out_folder(out, sweep)
    with contextlib.ExitStack() as stack:
        cluster = None
        if any(cell_state(cell_dir(out, c), c.id, c.epochs).status != "done"
               for c in sweep.cells):
            cluster = stack.enter_context(open_cluster(scheduler, workers))
        t_up = time.perf_counter()
        _make_folder(out)
        stack.enter_context(hold_sweep_lock(out))
        check_out_folder(out, sweep)
        claim(out, sweep)
        rows: dict[str, Row] = {}
        todo: list[Cell] = []
        for c in sweep.cells:
            folder = cell_dir(out, c)
            if cell_state(folder, c.id, c.epochs).status == "done":
                record = read_record(out, c) or {}
                rows[c.id] = make_row(c, folder, "done", "", record.get("wall_time"))
            else:
                rows[c.id] = make_row(c, folder, "pending", "", None)
                todo.append(c)
        write_csv(out, sweep, [rows[c.id] for c in sweep.cells])
        if todo and cluster is None:  # a cell changed since the first look
            cluster = stack.enter_context(open_cluster(scheduler, workers))
        skipped = len(sweep.cells) - len(todo)
        display = Progress(len(sweep.cells), skipped, progress)
        where = cluster.description if cluster is not None else "no cluster"
        display.note(f"sweep {sweep.path}: {len(sweep.cells)} cells, {skipped} done before, "
                     f"{len(todo)} to run" + (f" on {where}" if todo else ""))
        if cluster is not None and cluster.dashboard:
            display.note(f"Dask dashboard: {cluster.dashboard}")
        elif cluster is not None and cluster.local:
            display.note("no Dask dashboard (it needs bokeh: pip install 'spicelearn[dashboard]')")
        cell_time = 0.0
        try:
            if cluster is not None:
                cell_time = _run_cells(cluster.client, out, todo, rows, sweep, display)
        except KeyboardInterrupt:
            display.close()
            done = sum(r.done for r in rows.values())
            raise SweepInterrupted(out, done, len(sweep.cells)) from None
        finally:
            display.close()
        t_cells = time.perf_counter()
        ordered = [rows[c.id] for c in sweep.cells]
        write_csv(out, sweep, ordered)
        plots = plot_results(out, sweep, ordered)
        t_end = time.perf_counter()
        timing = Timing(started, where, cluster.workers if cluster is not None else 0,
                        t_up - t0, t_cells - t_up, t_end - t_cells, len(todo), skipped,
                        cell_time)
        write_markdown(out, sweep, ordered, timing_lines(record_timing(out, timing)), plots)
    return SweepOutcome(out, sweep, ordered, timing)
