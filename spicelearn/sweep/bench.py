"""``spicelearn bench sweep``: the same sweep on 1 and on N local Dask workers, in one run.

Each run goes into its own temporary folder, from scratch, with the same cells;
the ratio of the wall times is the speed-up of N workers over 1. Timings and
ratios, not a test: the machine's other load shows in them.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from ..errors import SweepError
from .grid import Sweep
from .run import SweepOutcome, run_sweep


def _entry(n: int, outcome: SweepOutcome) -> dict[str, Any]:
    t = outcome.timing
    return {"workers": n, "wall_s": t.wall_s, "start_s": t.start_s, "cells_s": t.cells_s,
            "results_s": t.results_s, "cell_time_sum_s": t.cell_time_sum}


def compare_workers(sweep: Sweep, workers: int = 2,
                    on_start: Any = None) -> dict[str, Any]:
    """Run ``sweep`` with 1, then ``workers`` local workers; timings and speed-ups.

    Returns ``{"sweep", "cells", "runs": [{"workers", "wall_s", "start_s", "cells_s",
    "results_s", "cell_time_sum_s"}, ...], "speedup_wall", "speedup_cells"}``; the
    speed-ups are (time with 1 worker) / (time with ``workers``).

    Raises:
        SweepError: a cell failed.
    """
    runs = []
    with tempfile.TemporaryDirectory(prefix="spicelearn-bench-sweep-") as tmp:
        for n in (1, workers):
            if on_start is not None:
                on_start(n)
            outcome = run_sweep(sweep, Path(tmp) / f"workers_{n}", workers=n, progress=False)
            if outcome.failed:
                bad = next(r for r in outcome.rows if r.stats["status"] == "failed")
                raise SweepError(f"{outcome.failed} cells failed with {n} workers (cell "
                                 f"{bad.cell.index + 1}: {bad.stats['error']})")
            runs.append(_entry(n, outcome))
    one, many = runs
    return {"sweep": str(sweep.path), "cells": len(sweep.cells), "runs": runs,
            "speedup_wall": one["wall_s"] / many["wall_s"],
            "speedup_cells": one["cells_s"] / many["cells_s"]}
