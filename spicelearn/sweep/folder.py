"""The sweep's output folder: its identity, lock, cell configs, cell states and records.

Layout of ``DIR``::

    sweep.json           the swept keys and every cell (id, values): written first,
                         compared with the resolved cells when the sweep runs again
    configs/<id>.toml    each cell's resolved config (what its run was started from)
    cells/<id>/          each cell's run folder (as ``spicelearn train`` writes it)
    cells/<id>.json      what the cell's last task reported (done or failed, error,
                         wall time, worker)
    results.csv, results.md, plots/   the results (``results.py``)
    timing.json          where the wall time of each run of the sweep went (``timing.py``)
    .spicelearn-sweep.lock            held (flock) by the sweep running in DIR

A new sweep takes a new path or an empty folder; a folder holding another sweep
(other keys or other cells) or files that are not a sweep is refused before
anything is written.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config_messages import plain
from ..errors import RunDirError
from ..fileio import write_atomic
from ..runs.checkpoint import latest_epoch
from ..runs.folder import hold_flock, holds_run
from ..runs.rundir import dump_toml
from .grid import Cell, Sweep

SWEEP_FILE = "sweep.json"
LOCK = ".spicelearn-sweep.lock"
_FORMAT = 1


def describe(sweep: Sweep) -> dict[str, Any]:
    """The content of ``sweep.json`` for ``sweep``."""
    return {"format": _FORMAT, "written_by": "spicelearn sweep", "sweep_file": str(sweep.path),
            "keys": sweep.keys,
            "cells": [{"id": c.id, "values": c.values} for c in sweep.cells]}


def _same_sweep(recorded: dict[str, Any], sweep: Sweep) -> str | None:
    """None when ``recorded`` (a sweep.json) describes ``sweep``; else how it differs."""
    try:
        keys = list(recorded["keys"])
        ids = [c["id"] for c in recorded["cells"]]
    except (KeyError, TypeError):
        return "its sweep.json is not a spicelearn sweep"
    if keys != sweep.keys:
        return f"swept keys {', '.join(map(plain, keys)) or 'none'}"
    mine = [c.id for c in sweep.cells]
    if ids != mine:
        missing = len(set(ids) - set(mine))
        return (f"{len(ids)} cells, {missing} of them not in this sweep" if missing else
                f"{len(ids)} cells, not the {len(mine)} of this sweep")
    return None


def check_out_folder(out: Path, sweep: Sweep) -> bool:
    """Check (reading only) that ``sweep`` may run in ``out``; True if ``out`` holds it already.

    Raises:
        RunDirError: ``out`` is not a folder, holds another sweep, or holds files
            that are not a sweep.
    """
    if not out.exists() and not out.is_symlink():
        return False
    if not out.is_dir():
        raise RunDirError(f"output path {out} exists and is not a folder")
    record = out / SWEEP_FILE
    if not record.is_file():
        entries = sorted(e for e in os.listdir(out) if e != LOCK)
        if entries:
            raise RunDirError(f"output folder {out} holds '{plain(entries[0])}' and no sweep "
                              "(use a new or empty folder)")
        return False
    try:
        recorded = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RunDirError(f"{record} is unreadable: {exc}") from None
    differs = _same_sweep(recorded, sweep) if isinstance(recorded, dict) else "unreadable"
    if differs is not None:
        raise RunDirError(f"output folder {out} holds a different sweep ({differs}); use "
                          "another --out folder")
    return True


def hold_sweep_lock(out: Path) -> contextlib.AbstractContextManager[None]:
    """Hold ``out``'s sweep lock (flock on ``.spicelearn-sweep.lock``, holding the pid).

    Raises:
        RunDirError: another process runs a sweep in ``out``.
    """
    return hold_flock(out / LOCK, f"cannot write in output folder {out}",
                      lambda who: f"output folder {out} is in use by another sweep ({who})")


def config_path(out: Path, cell: Cell) -> Path:
    """Where the cell's resolved config is written."""
    return out / "configs" / f"{cell.id}.toml"


def cell_dir(out: Path, cell: Cell) -> Path:
    """The cell's run folder."""
    return out / "cells" / cell.id


def record_path(out: Path, cell: Cell) -> Path:
    """The cell's record (what its last task reported)."""
    return out / "cells" / f"{cell.id}.json"


def claim(out: Path, sweep: Sweep) -> None:
    """Write ``sweep.json`` (if new) and every cell's config (if missing or different)."""
    if not (out / SWEEP_FILE).is_file():
        write_atomic(out / SWEEP_FILE, json.dumps(describe(sweep), indent=1) + "\n")
    for cell in sweep.cells:
        path, text = config_path(out, cell), dump_toml(cell.config)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            write_atomic(path, text)


@dataclass(frozen=True)
class CellState:
    """Where a cell stands: ``new`` (no run yet), ``partial`` (a run to resume) or ``done``.

    ``epoch`` is the newest checkpoint's epoch (None without one).
    """

    status: str
    epoch: int | None = None


def run_id_in(folder: Path) -> str | None:
    """The run id recorded in a run folder's ``run.json`` (None if unreadable)."""
    try:
        rid = json.loads((folder / "run.json").read_text(encoding="utf-8"))["run_id"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return rid if isinstance(rid, str) else None


def cell_state(folder: Path, run_id: str, epochs: int) -> CellState:
    """The state of the run folder ``folder`` of a cell with ``run_id`` training ``epochs``.

    Done means: the folder holds the cell's run, its newest checkpoint is of the
    last epoch and its report is written (the last file a run writes).
    """
    if not holds_run(folder):
        return CellState("new")
    epoch = latest_epoch(folder)
    if (run_id_in(folder) == run_id and epoch is not None and epoch >= epochs
            and (folder / "report.md").is_file()):
        return CellState("done", epoch)
    return CellState("partial", epoch)


def read_record(out: Path, cell: Cell) -> dict[str, Any] | None:
    """The cell's record, or None when it has none (or it is unreadable)."""
    try:
        data = json.loads(record_path(out, cell).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_record(out: Path, cell: Cell, record: dict[str, Any]) -> None:
    """Write the cell's record (atomically)."""
    write_atomic(record_path(out, cell), json.dumps(record, indent=1) + "\n")
