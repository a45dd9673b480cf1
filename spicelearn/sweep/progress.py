"""The progress display of a sweep, on stderr.

On a terminal: one line per finished cell above a bar (cells finished of all
cells) with the cells running and failed, the elapsed time and an estimate of
the time left. Elsewhere (a log file, a pipe): one line per finished cell
followed by the same counts. The estimate is
(cells left) × (elapsed time) / (cells finished in this run): it already counts
the workers running in parallel.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from ..errors import printable


def clock(seconds: float) -> str:
    """``1:02:03``, ``2:03`` (h:mm:ss, m:ss)."""
    s = int(round(seconds))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class Progress:
    """Counts of a sweep's cells and their display (nothing shown when not ``enabled``)."""

    def __init__(self, total: int, skipped: int, enabled: bool,
                 stream: TextIO | None = None) -> None:
        self.total = total
        self.done = skipped
        self.failed = 0
        self.running = 0
        self.finished_now = 0
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self.t0 = time.perf_counter()
        self._bar = None
        if enabled and self.stream.isatty():
            from tqdm import tqdm

            self._bar = tqdm(total=total, initial=skipped, file=self.stream, unit="cell",
                             dynamic_ncols=True,
                             bar_format="{bar} {n_fmt}/{total_fmt} cells{postfix}")
            self._refresh()

    def note(self, text: str) -> None:
        """Show one line (above the bar on a terminal)."""
        if not self.enabled:
            return
        line = printable(text)
        if self._bar is not None:
            self._bar.write(line, file=self.stream)
        else:
            self.stream.write(line + "\n")
            self.stream.flush()

    def status(self) -> str:
        """``5 done, 2 running, 1 failed, elapsed 0:35, ~0:50 left``."""
        elapsed = time.perf_counter() - self.t0
        left = self.total - self.done - self.failed
        eta = (f", ~{clock(left * elapsed / self.finished_now)} left"
               if self.finished_now and left else "")
        return (f"{self.done} done, {self.running} running, {self.failed} failed, "
                f"elapsed {clock(elapsed)}{eta}")

    def _refresh(self) -> None:
        if self._bar is not None:
            self._bar.n = self.done + self.failed
            self._bar.set_postfix_str(self.status())

    def set_running(self, running: int) -> None:
        """The number of cells running now."""
        if running != self.running or self._bar is not None:
            self.running = running
            self._refresh()

    def finished(self, ok: bool, what: str) -> None:
        """A cell finished (``ok``) or failed; ``what`` describes it."""
        self.finished_now += 1
        self.running = max(0, self.running - 1)
        if ok:
            self.done += 1
        else:
            self.failed += 1
        if self._bar is not None:
            self.note(what)
            self._refresh()
        else:
            self.note(f"{what} | {self.status()}")

    def close(self) -> None:
        if self._bar is not None:
            self._refresh()
            self._bar.close()
            self._bar = None
