"""Running device-bench decks in ngspice as a subprocess: transients and operating points.

A deck from :mod:`spicelearn.devices.decks` is written to a scratch folder with
a ``.control`` block and run by ``ngspice -b``::

    .options reltol=1e-07 abstol=1e-15 vntol=1e-09 method=gear trtol=1
    .control
    pre_osdi /home/u/.cache/spicelearn/osdi/biolek-<sha>.osdi
    set filetype=binary
    tran 1e-05 0.02 0 1e-05
    write /tmp/spicelearn-tran-…/tran.raw v(row0) i(vs0_0) v(nm0_0#x)
    .endc
    .end

(``pre_osdi`` only for a Verilog-A deck: the module is compiled on demand,
:func:`spicelearn.devices.verilog_a.compile_verilog_a`). Gear integration with
``trtol=1``: ngspice's default 7 lets the local truncation error exceed the
tolerance sevenfold (measured on a 4×4 HP crossbar pulse train at reltol 1e-6:
largest state error 1.2e-3 of the range with 7, 7.5e-4 with 1). The raw file is
read back into :class:`~spicelearn.devices.bench.Waveforms`. This runs a
separate ngspice process, independent of the in-process session the settling
engine uses. On success the scratch folder is removed; on failure it is kept
and the :class:`~spicelearn.errors.SimulationError` names the deck and the
transcript.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..devices.bench import Waveforms
from ..devices.decks import Deck, num
from ..devices.verilog_a import compile_verilog_a
from ..errors import SimulationError, UsageError
from .rawfile import read_raw

_ERROR_LINE = re.compile(r"^\s*(error\b|.*\baborted\b|.*\bfatal\b|.*singular matrix)",
                         re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class TransientSettings:
    """Time span and accuracy of a bench transient (both simulators).

    ``t_stop`` [s]: end of the run; ``max_step`` [s]: largest time step;
    ``reltol`` [1]: relative tolerance; ``abstol`` [A]: absolute current
    tolerance; ``vntol`` [V, or state unit on a state node]: absolute voltage
    tolerance; ``timeout`` [s]: wall-clock limit of the simulator process.
    """

    t_stop: float
    max_step: float
    reltol: float = 1e-7
    abstol: float = 1e-15
    vntol: float = 1e-9
    timeout: float = 600.0

    def __post_init__(self) -> None:
        if not (0 < self.max_step <= self.t_stop) or not np.isfinite(self.t_stop):
            raise UsageError(f"need 0 < max_step <= t_stop, got max_step={self.max_step!r}, "
                             f"t_stop={self.t_stop!r}")
        if not (0 < self.reltol < 1 and self.abstol > 0 and self.vntol > 0 and self.timeout > 0):
            raise UsageError("tolerances and timeout must be positive (reltol < 1)")


def find_ngspice() -> Path:
    """The ``ngspice`` executable on ``PATH``.

    Raises:
        SimulationError: ngspice is not installed.
    """
    found = shutil.which("ngspice")
    if not found:
        raise SimulationError("ngspice is not installed (run scripts/setup.sh)")
    return Path(found)


def collect(deck: Deck, vectors: Mapping[str, np.ndarray], time: np.ndarray) -> Waveforms:
    """Arrange a run's vectors by the deck's probes into :class:`Waveforms`.

    Raises:
        SimulationError: a probe is missing from the run's output.
    """
    def get(name: str) -> np.ndarray:
        try:
            return vectors[name]
        except KeyError:
            raise SimulationError(f"{deck.simulator} output lacks vector '{name}' "
                                  f"(has: {', '.join(sorted(vectors))})") from None

    def grid(names: tuple[tuple[str, ...], ...]) -> np.ndarray:
        return np.stack([np.stack([get(n) for n in row], axis=-1) for row in names], axis=-2)

    voltage = np.stack([get(n) for n in deck.voltage_probes], axis=-1)
    return Waveforms(np.asarray(time, dtype=float), voltage, grid(deck.current_probes),
                     grid(deck.state_probes))


def _probes(deck: Deck) -> list[str]:
    return ([*deck.voltage_probes] + [n for row in deck.current_probes for n in row]
            + [n for row in deck.state_probes for n in row])


def _options(settings: TransientSettings) -> str:
    return (f".options reltol={num(settings.reltol)} abstol={num(settings.abstol)} "
            f"vntol={num(settings.vntol)} method=gear trtol=1")


def _run(deck: Deck, control: list[str], options: str, timeout: float,
         prefix: str) -> Path:
    if deck.simulator != "ngspice":
        raise UsageError(f"an ngspice runner got a {deck.simulator} deck")
    return run_ngspice_batch(deck.text, control, verilog_a=deck.verilog_a, options=options,
                             timeout=timeout, label=f"{deck.form} bench", prefix=prefix)


BATCH_SETTINGS = ("set num_threads=1", "set filetype=binary")
"""The first commands of every ``ngspice -b`` run. Debian's ``spinit`` sets
``num_threads=8``: ngspice then evaluates OSDI devices on 8 OpenMP threads, which on
2 cores made a 4,172-device programming transient 4.2x slower (4.70 s against
1.12 s, matrix load 3.97 s against 0.56 s). One thread per process; parallelism
comes from processes."""


def run_ngspice_batch(text: str, control: Sequence[str], *, verilog_a: str | None = None,
                      options: str = "", timeout: float = 600.0, label: str = "deck",
                      prefix: str = "spicelearn-run-") -> Path:
    """Run the circuit ``text`` with ``control`` commands in ``ngspice -b``; its scratch folder.

    ``text`` holds the title and the circuit (no ``.control``, no ``.end``);
    ``options`` is an ``.options`` line; ``verilog_a`` names a module file in
    ``device_models/`` to compile and load with ``pre_osdi``. The folder holds
    ``deck.cir``, ``transcript.log`` and whatever the commands write; the caller
    reads and removes it.

    Raises:
        SimulationError: ngspice is missing, fails, reports an error or times out
            (the deck and the transcript are kept and named; ``label`` names the run).
        DeviceModelError: the Verilog-A module does not compile.
    """
    exe = find_ngspice()
    pre = [f"pre_osdi {compile_verilog_a(verilog_a)}"] if verilog_a else []
    work = Path(tempfile.mkdtemp(prefix=prefix))
    netlist = work / "deck.cir"
    transcript = work / "transcript.log"
    netlist.write_text(text + options + "\n.control\n"
                       + "\n".join([*pre, *BATCH_SETTINGS, *control]) + "\n.endc\n.end\n")
    try:
        out = subprocess.run([str(exe), "-b", str(netlist)], cwd=work, capture_output=True,
                             text=True, timeout=timeout, check=False)
        log = out.stdout + out.stderr
        status = f"exit status {out.returncode}"
    except subprocess.TimeoutExpired as exc:
        log = f"{exc.stdout or ''}{exc.stderr or ''}"
        status = f"timed out after {timeout:g} s"
        out = None
    transcript.write_text(log if isinstance(log, str) else log.decode(errors="replace"))
    bad = _ERROR_LINE.search(transcript.read_text())
    if out is None or out.returncode != 0 or bad:
        detail = bad.group(0).strip() if bad else status
        raise SimulationError(f"ngspice failed on the {label} ({detail})", netlist, transcript)
    return work


def run_ngspice_transient(deck: Deck, settings: TransientSettings, *,
                          keep: bool = False) -> Waveforms:
    """Run ``deck`` for a transient in ``ngspice -b`` and read its waveforms.

    ``keep`` keeps the scratch folder (deck, transcript, raw file) even on success.

    Raises:
        SimulationError: ngspice is missing, reports an error, or writes no output
            (the deck and the transcript are kept and named in the message).
        DeviceModelError: the deck's Verilog-A module does not compile.
    """
    control = [f"tran {num(settings.max_step)} {num(settings.t_stop)} 0 {num(settings.max_step)}",
               f"write tran.raw {' '.join(_probes(deck))}"]
    work = _run(deck, control, _options(settings), settings.timeout, "spicelearn-tran-")
    try:
        vectors = read_raw(work / "tran.raw")
        waves = collect(deck, vectors, vectors["time"])
    except (SimulationError, KeyError) as exc:
        raise SimulationError(f"ngspice wrote no usable transient: {exc}", work / "deck.cir",
                              work / "transcript.log") from exc
    if not keep:
        shutil.rmtree(work, ignore_errors=True)
    return waves


def run_ngspice_operating_points(deck: Deck, steps: Sequence[Sequence[str]], *,
                                 keep: bool = False, timeout: float = 600.0) -> Waveforms:
    """Operating points of ``deck`` after each step of ngspice control commands.

    ``steps[k]`` are commands run before the k-th ``op`` (e.g.
    ``["alter nm0_0 x0=0.9"]``); alterations persist into later steps. The
    result has one "time" entry per operating point (``time[k] = k``).

    Raises:
        SimulationError: as :func:`run_ngspice_transient`.
    """
    control: list[str] = []
    for k, step in enumerate(steps):
        control += [*step, "op", f"write op{k}.raw {' '.join(_probes(deck))}"]
    work = _run(deck, control, "", timeout, "spicelearn-op-")
    try:
        points = [read_raw(work / f"op{k}.raw") for k in range(len(steps))]
        merged = {name: np.concatenate([p[name] for p in points]) for name in points[0]}
        waves = collect(deck, merged, np.arange(len(steps), dtype=float))
    except (SimulationError, KeyError, IndexError) as exc:
        raise SimulationError(f"ngspice wrote no usable operating point: {exc}",
                              work / "deck.cir", work / "transcript.log") from exc
    if not keep:
        shutil.rmtree(work, ignore_errors=True)
    return waves
