"""One cell, trained in the process of a Dask worker: the task every cell is.

:func:`run_cell` trains a new cell (``train_in_folder``), resumes an interrupted
one from its newest checkpoint (``resume_folder``) or finds it done, with one
ngspice in the worker's own process. It never raises: a failure becomes the
``error`` of its report, so the other cells go on.

Test seam: ``SPICELEARN_TEST_FAIL_CELL=ID[:exit]`` makes the cell whose id is ID
fail (``raise``: a :class:`SimulationError`) or kill its worker process
(``exit``) before it trains.
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path
from typing import Any

from ..errors import RunDirError, SimulationError, SpicelearnError, printable
from .folder import cell_state, run_id_in
from .results import cell_stats

FAIL_HOOK = "SPICELEARN_TEST_FAIL_CELL"


def error_message(exc: BaseException) -> str:
    """One printable line for a failed cell: the message of a SpicelearnError, else
    the exception's type and message."""
    text = str(exc) if isinstance(exc, SpicelearnError) else f"{type(exc).__name__}: {exc}"
    return printable(text.strip() or type(exc).__name__)


def _test_hook(run_id: str) -> None:
    target, _, mode = os.environ.get(FAIL_HOOK, "").partition(":")
    if target != run_id:
        return
    if mode == "exit":
        os._exit(70)
    raise SimulationError(f"injected failure ({FAIL_HOOK})")


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return ""


def run_cell(folder: str, config: str, run_id: str, epochs: int) -> dict[str, Any]:
    """Train, resume or skip the cell whose run folder is ``folder``.

    Args:
        folder: the cell's run folder (``DIR/cells/<id>``), absolute.
        config: the cell's resolved config file (``DIR/configs/<id>.toml``), absolute.
        run_id: the cell id (the run id of ``config``).
        epochs: epochs the cell trains.

    Returns:
        The cell's report: ``{"id", "status" ("done" | "failed"), "error",
        "wall_time" [s], "resumed_from" (epoch or None), "host", "pid", "worker",
        "stats"}``, ``stats`` being its metrics columns of the results
        (:func:`~.results.cell_stats`).
    """
    t0 = time.perf_counter()
    status, error, resumed_from = "done", "", None
    path = Path(folder)
    try:
        _test_hook(run_id)
        state = cell_state(path, run_id, epochs)
        if state.status == "partial":
            recorded = run_id_in(path)
            if recorded != run_id:
                raise RunDirError(f"{path} holds another run (run id {recorded}, the cell's "
                                  f"is {run_id})")
            from ..runs.training import resume_folder

            resumed_from = state.epoch
            resume_folder(path, quiet=True, workers=1)
        elif state.status == "new":
            from ..runs.training import train_in_folder

            train_in_folder(config, path, quiet=True, workers=1)
    except Exception as exc:
        status, error = "failed", error_message(exc)
    return {"id": run_id, "status": status, "error": error,
            "wall_time": time.perf_counter() - t0, "resumed_from": resumed_from,
            "host": socket.gethostname(), "pid": os.getpid(), "worker": _worker_name(),
            "stats": cell_stats(path)}
