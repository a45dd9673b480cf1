"""``spicelearn bench sweep``: the same sweep on 1 and on N local Dask workers, in one run.

Each run goes into its own temporary folder, from scratch, with the same cells;
the ratio of the wall times is the speed-up of N workers over 1. Timings and
ratios, not a test: the machine's other load shows in them (the 1-minute load
average before and after each run is reported beside the times).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from ..errors import SweepError
from .grid import Sweep
from .run import SweepOutcome, run_sweep


def _entry(n: int, outcome: SweepOutcome, load: float) -> dict[str, Any]:
    t = outcome.timing
    return {"workers": n, "wall_s": t.wall_s, "start_s": t.start_s, "cells_s": t.cells_s,
            "results_s": t.results_s, "cell_time_sum_s": t.cell_time_sum,
            "load_before": load, "load_after": os.getloadavg()[0]}


def compare_workers(sweep: Sweep, workers: int = 2,
                    on_start: Any = None) -> dict[str, Any]:
    """Run ``sweep`` with 1, then ``workers`` local workers; timings and speed-ups.

    Returns ``{"sweep", "cells", "runs": [{"workers", "wall_s", "start_s", "cells_s",
    "results_s", "cell_time_sum_s", "load_before", "load_after"}, ...], "speedup_wall",
    "speedup_cells"}``; the speed-ups are (time with 1 worker) / (time with
    ``workers``); ``load_*`` is the machine's 1-minute load average before and after
    the run (other processes sharing the cores show there).

    Raises:
        SweepError: a cell failed.
    """
    runs = []
    with tempfile.TemporaryDirectory(prefix="spicelearn-bench-sweep-") as tmp:
        for n in (1, workers):
            if on_start is not None:
                on_start(n)
            load = os.getloadavg()[0]
            outcome = run_sweep(sweep, Path(tmp) / f"workers_{n}", workers=n, progress=False)
            if outcome.failed:
                bad = next(r for r in outcome.rows if r.stats["status"] == "failed")
                raise SweepError(f"{outcome.failed} of {len(outcome.rows)} cells failed with "
                                 f"{n} worker{'s' if n > 1 else ''} (cell "
                                 f"{bad.cell.index + 1}: {bad.stats['error']})")
            runs.append(_entry(n, outcome, load))
    one, many = runs
    return {"sweep": str(sweep.path), "cells": len(sweep.cells), "runs": runs,
            "speedup_wall": one["wall_s"] / many["wall_s"],
            "speedup_cells": one["cells_s"] / many["cells_s"]}
