"""Where the wall time of each ``spicelearn sweep`` went, kept across runs in ``timing.json``.

Every run of a sweep into ``DIR`` (the first, and each one that continues it) adds
one entry to ``DIR/timing.json``; ``results.md`` shows them all. The throughput
against one worker is (sum of the cells' task times) / (wall time of the cells):
how much faster the cells ran than one after another in a single worker process.
``spicelearn bench sweep`` measures 1 against N workers directly.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..fileio import write_atomic

TIMING_FILE = "timing.json"


@dataclass(frozen=True)
class Timing:
    """One run of a sweep: where its wall time went [s] and what it ran."""

    started: str
    """When the run started (UTC, ``YYYY-MM-DD HH:MM:SS``)."""
    cluster: str
    """The cluster it ran on."""
    workers: int
    """Worker processes of the cluster (when it was started or connected to)."""
    start_s: float
    """Starting (or connecting to) the cluster [s]."""
    cells_s: float
    """From the cluster being up to the last cell finished [s]."""
    results_s: float
    """Writing the results table and plots [s]."""
    ran: int
    """Cells run (trained or resumed) in this run."""
    skipped: int
    """Cells found done and skipped."""
    cell_time_sum: float
    """Sum of the task times of the cells run [s]."""

    @property
    def wall_s(self) -> float:
        """The whole run [s]."""
        return self.start_s + self.cells_s + self.results_s

    @property
    def speedup(self) -> float | None:
        """Sum of the cells' task times / wall time of the cells (None if none ran)."""
        return self.cell_time_sum / self.cells_s if self.ran and self.cells_s > 0 else None


def now_utc() -> str:
    """The current time, UTC, as ``YYYY-MM-DD HH:MM:SS``."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())


def _read(out: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads((out / TIMING_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [d for d in data if isinstance(d, dict)] if isinstance(data, list) else []


def record_timing(out: Path, timing: Timing) -> list[Timing]:
    """Add ``timing`` to ``out/timing.json``; every run recorded there, oldest first."""
    fields = set(Timing.__dataclass_fields__)
    runs = []
    for d in _read(out):
        try:
            runs.append(Timing(**{k: v for k, v in d.items() if k in fields}))
        except TypeError:
            continue  # an entry of another version
    runs.append(timing)
    write_atomic(out / TIMING_FILE, json.dumps([asdict(t) for t in runs], indent=1) + "\n")
    return runs


def timing_lines(runs: list[Timing]) -> list[str]:
    """The runs of a sweep as a Markdown table, and what its last column means."""
    lines = ["| run | started (UTC) | cluster | cells run | done before | wall [s] | "
             "cluster start [s] | cells [s] | results [s] | sum of cell times [s] | "
             "vs one worker |", "|" + "---|" * 11]
    for i, t in enumerate(runs, start=1):
        speed = f"{t.speedup:.2f}x" if t.speedup is not None else ""
        lines.append(f"| {i} | {t.started} | {t.cluster} | {t.ran} | {t.skipped} | "
                     f"{t.wall_s:.1f} | {t.start_s:.1f} | {t.cells_s:.1f} | {t.results_s:.1f} "
                     f"| {t.cell_time_sum:.1f} | {speed} |")
    lines += ["", "*vs one worker*: the sum of the cells' task times over the wall time of "
              "the cells, i.e. the throughput against one worker process running them one "
              "after another (`spicelearn bench sweep` measures 1 against N workers)."]
    return lines
