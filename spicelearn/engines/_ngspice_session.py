"""The one libngspice instance of this process, wrapped once.

ngspice keeps global state, so a process holds exactly one shared instance
(:func:`session`), used by every :class:`~spicelearn.engines.ngspice.NgspiceEngine`.
This module is the only place that touches PySpice's ``NgSpiceShared``:

* PySpice 1.5 logs "Unsupported Ngspice version 39" and calls harmless stderr
  lines (gmin stepping notes, "Using SPARSE ...") errors. Its logger is silenced
  and its output callbacks are replaced: every line ngspice prints goes into a
  transcript, and failure is decided by the caller from return codes, the
  expected plot and real error lines (:func:`error_lines`).
* Commands go straight to ``ngSpice_Command``. Commands over
  :data:`MAX_COMMAND` characters are refused: in ngspice 39 a longer command
  (e.g. an ``altermod`` with a 100-value table spelled out) silently corrupts
  memory (wrong table values, garbage run as shell commands; measured). Batch
  data goes in through table files instead (:attr:`Session.table_dir`).
* Analyses run in ngspice's background thread (``bg_dc ...``) while Python waits
  on an event, so Ctrl-C interrupts a long sweep: the sweep is halted, the
  circuit removed, and the KeyboardInterrupt propagates.
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import shutil
import tempfile
import threading
from collections import deque
from dataclasses import dataclass

import numpy as np

from ..errors import SimulationError

logging.getLogger("PySpice").setLevel(logging.CRITICAL)

from PySpice.Spice.NgSpice.Shared import NgSpiceShared, ffi  # noqa: E402

#: Lines kept in the rolling transcript (the last run's lines are always kept whole).
TRANSCRIPT_LINES = 20_000

#: Substrings of stderr lines that are not errors (PySpice 1.5 treats them as errors).
HARMLESS = ("warning", "note:", "using sparse", "using klu", "trying gmin", "supplies reduced",
            "reducing trtol", "gmin step", "source step")

#: Longest command sent to ngspice [characters].
MAX_COMMAND = 1000

#: Commands between releases of ngspice's command history (``ngSpice_Command(NULL)``).
RELEASE_EVERY = 2_000


def error_lines(lines: list[str]) -> list[str]:
    """The lines of a transcript that report real errors."""
    out = []
    for line in lines:
        low = line.lower()
        if any(h in low for h in HARMLESS):
            continue
        if "error" in low or "aborted" in low or "failed" in low or "cannot" in low:
            out.append(line)
    return out


class _Shared(NgSpiceShared):
    """NgSpiceShared with its output callbacks routed into a :class:`Session`."""

    owner: Session | None = None

    @staticmethod
    def _send_char(message_c, ngspice_id, user_data):  # noqa: ANN001, ANN205
        text = ffi.string(message_c).decode("utf8", "replace")
        prefix, _, content = text.partition(" ")
        if prefix not in ("stdout", "stderr"):
            content = text
        s = _Shared.owner
        if s is not None:
            s._append(content.rstrip("\r\n"))
        return 0

    @staticmethod
    def _send_stat(message_c, ngspice_id, user_data):  # noqa: ANN001, ANN205
        return 0

    @staticmethod
    def _exit(exit_status, immediate_unloading, quit_exit, ngspice_id, user_data):  # noqa: ANN001, ANN205
        s = _Shared.owner
        if s is not None:
            s.exited = True
            s._append(f"ngspice requested exit (status {exit_status})")
        return exit_status

    @staticmethod
    def _background_thread_running(not_running, ngspice_id, user_data):  # noqa: ANN001, ANN205
        # ngspice passes True when the background thread has *finished*.
        s = _Shared.owner
        if s is not None and not_running:
            s._done.set()
        return 0


SCRATCH_PREFIX = "spicelearn-ngspice-"


def _remove_stale_scratch(parent: str) -> None:
    """Remove scratch folders left by processes that died without cleaning up."""
    try:
        names = os.listdir(parent)
    except OSError:
        return
    for name in names:
        if not name.startswith(SCRATCH_PREFIX):
            continue
        pid = name[len(SCRATCH_PREFIX):].split("-", 1)[0]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(os.path.join(parent, name), ignore_errors=True)
        except OSError:
            pass  # alive, owned by another user


class Session:
    """The process-wide ngspice instance and what is loaded in it.

    Attributes:
        loaded: the structure key of the loaded circuit (None if none).
        g: (n_devices,) device values currently in the loaded circuit: what the
            engine sets with ``alter`` (R = 1/g [Ω], m = g [S] or the state x0;
            :func:`spicelearn.netlist.devices.device_values`).
        tables: last table (y values) written per source, to skip rewrites.
        table_dir: folder of the sweep form's table files (this process only).
    """

    def __init__(self) -> None:
        self._lines: deque[str] = deque(maxlen=TRANSCRIPT_LINES)
        self._n_lines = 0  # lines ever appended (the deque keeps the last ones)
        self._done = threading.Event()
        # scratch folder for the table files: in RAM where the machine has /dev/shm
        shm = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
        _remove_stale_scratch(shm or tempfile.gettempdir())
        self._dir = tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-", dir=shm)
        self.table_dir = os.path.join(self._dir, "tables")  # the sweep form's table files
        os.makedirs(self.table_dir)
        atexit.register(shutil.rmtree, self._dir, True)
        self.exited = False
        self.loaded: object | None = None
        self.g: np.ndarray | None = None
        self.tables: dict[str, np.ndarray] = {}
        self.n_commands = 0
        _Shared.owner = self
        ng = _Shared(ngspice_id=0)
        NgSpiceShared._instances[0] = ng  # PySpice's own simulator reuses this instance
        self._ng = ng
        self._lib = ng._ngspice_shared
        self.command("set nomoremode")
        # one OpenMP thread for device evaluation: ngspice's spinit asks for 8, which on
        # the 4,840-device network with Verilog-A (OSDI) devices costs 2.9 s user + 1.0 s
        # system time per 1,000-point sweep against 2.1 s + 0.05 s with one thread (and
        # 24 s with two threads on 2 busy cores); resistors and B-sources do not change
        self.command("set num_threads=1")

    # -- low level ----------------------------------------------------------
    def _append(self, line: str) -> None:
        self._lines.append(line)
        self._n_lines += 1

    def mark(self) -> int:
        """A position in the transcript (lines after it belong to what follows)."""
        return self._n_lines

    def lines_since(self, mark: int) -> list[str]:
        """The lines written since ``mark`` (as many as the transcript still holds)."""
        n = min(self._n_lines - mark, len(self._lines))
        return list(self._lines)[len(self._lines) - n:] if n > 0 else []

    def transcript(self) -> str:
        return "\n".join(self._lines) + "\n"

    def clear_transcript(self) -> None:
        self._lines.clear()

    def command(self, cmd: str) -> int:
        """Run one ngspice command of any length; returns ngspice's return code."""
        if len(cmd) > MAX_COMMAND:
            raise ValueError(f"ngspice command of {len(cmd)} characters (limit {MAX_COMMAND})")
        self.n_commands += 1
        return int(self._lib.ngSpice_Command(cmd.encode("ascii")))

    def release_history(self) -> None:
        """Free ngspice's command history (``ngSpice_Command(NULL)``) every so often."""
        if self.n_commands >= RELEASE_EVERY:
            self._lib.ngSpice_Command(ffi.NULL)
            self.n_commands = 0

    def run_background(self, cmd: str) -> int:
        """Run an analysis command in ngspice's background thread and wait for it.

        A KeyboardInterrupt while waiting halts the analysis, removes the circuit
        (so the next settle reloads it) and propagates.
        """
        self._done.clear()
        rc = self.command("bg_" + cmd)
        if rc:
            return rc
        try:
            while not self._done.wait(0.05):
                if self.exited:
                    break
        except KeyboardInterrupt:
            self.command("bg_halt")
            self._done.wait(5.0)
            self.reset()
            raise
        return 0

    def load(self, text: str, key: object, g: np.ndarray) -> list[str]:
        """Load a netlist (replacing whatever was loaded); returns its transcript lines."""
        self.reset()
        mark = self.mark()
        lines = [ln for ln in text.splitlines() if ln.strip()] + [""]
        keep = [ffi.new("char[]", ln.encode("ascii")) for ln in lines] + [ffi.NULL]
        rc = int(self._lib.ngSpice_Circ(ffi.new("char *[]", keep)))
        out = self.lines_since(mark)
        if rc or error_lines(out):
            self.reset()
            why = "; ".join(error_lines(out)[:3]) or f"ngSpice_Circ returned {rc}"
            raise SimulationError(f"ngspice rejected the netlist: {why}")
        self.loaded = key
        self.g = np.array(g, dtype=float)
        self.tables = {}
        return out

    def command_output(self, cmd: str) -> list[str]:
        mark = self.mark()
        self.command(cmd)
        return self.lines_since(mark)

    def current_plot(self) -> str:
        p = self._lib.ngSpice_CurPlot()
        return "" if p == ffi.NULL else ffi.string(p).decode()

    def plots(self) -> list[str]:
        arr = self._lib.ngSpice_AllPlots()
        out, i = [], 0
        while arr[i] != ffi.NULL:
            out.append(ffi.string(arr[i]).decode())
            i += 1
        return out

    def vector(self, plot: str, name: str) -> np.ndarray | None:
        """A real vector of a plot as a new array, or None if it does not exist."""
        info = self._lib.ngGet_Vec_Info(f"{plot}.{name}".encode())
        if info == ffi.NULL or info.v_realdata == ffi.NULL:
            return None
        n = int(info.v_length)
        return np.frombuffer(ffi.buffer(info.v_realdata, n * 8), dtype=np.float64).copy()

    def destroy_plots(self) -> None:
        self.command("destroy all")

    def reset(self) -> None:
        """Remove every plot and circuit; nothing stays loaded."""
        self.command("destroy all")
        for _ in range(10_000):  # remcirc removes the current circuit; repeat until none
            if any("no circuit loaded" in ln for ln in self.command_output("remcirc")):
                break
        self._lib.ngSpice_Command(ffi.NULL)
        self.loaded = None
        self.g = None
        self.tables = {}
        self.exited = False


_SESSION: Session | None = None
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Features:
    """What the loaded libngspice offers.

    Attributes:
        version: the major version (e.g. 46; 0 if it could not be read).
        klu: compiled with the KLU sparse solver (``.options klu`` selects it).
        osdi: has the ``osdi`` command (Verilog-A models compiled to OSDI).
        banner: the ``version -f`` lines.
    """

    version: int
    klu: bool
    osdi: bool
    banner: tuple[str, ...]


_features: Features | None = None


def features() -> Features:
    """The features of this process' libngspice (asked once, then cached)."""
    global _features
    if _features is None:
        s = session()
        banner = tuple(s.command_output("version -f"))
        m = next((re.search(r"ngspice-(\d+)", ln) for ln in banner
                  if re.search(r"ngspice-(\d+)", ln)), None)
        probe = " ".join(s.command_output("osdi /nonexistent-spicelearn-probe.osdi")).lower()
        _features = Features(version=int(m.group(1)) if m else 0,
                             klu=any("klu" in ln.lower() for ln in banner),
                             osdi="no such command" not in probe and "osdi" in probe,
                             banner=banner)
    return _features


def session() -> Session:
    """The process-wide ngspice session (created on first use)."""
    global _SESSION
    with _LOCK:
        if _SESSION is None:
            _SESSION = Session()
        return _SESSION
