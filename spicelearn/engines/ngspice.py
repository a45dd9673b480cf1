"""The ngspice engine: a whole batch settled by one DC sweep in libngspice.

The circuit's sweep-form netlist (:func:`~spicelearn.engines.sweep_form.render_sweep`) is
loaded once into the process's ngspice instance and kept loaded. An index source
``Vidx`` drives one XSPICE ``table2d`` code model per input source and per
nudging source; each reads its values from a table file in the session's
scratch folder, sample i at ``Vidx = i`` (:func:`~spicelearn.engines.sweep_form.format_table`).
For a batch the engine rewrites the files of the tables that changed, then one
``dc vidx 0 B-1 1`` settles every sample, each point starting Newton from the
previous one; ``table2d`` re-reads its file at the start of every analysis, so
the netlist is never rebuilt. Input sources get ``y = sign · x[:, feature]``; a
nudging table gets ``y = −I`` because a ``%i`` output draws its value out of the
node while the engine's nudge ``I`` is injected into it. Changed conductances
are written with ``alter`` (``alter rw1_0_3 = R`` for a resistor, ``m = g`` for
a B-source device, ``x0 = state`` for an OSDI instance; only the devices whose
value changed since the last call; :mod:`spicelearn.netlist.devices`). Node
voltages are read from the dc plot in ``circuit.nodes`` order, then the plot is
destroyed.

Why ``table2d`` and not XSPICE ``pwl``: ``pwl`` limits how far its input may
move in one Newton iteration (30 % of a table segment, never past a
breakpoint), so every sample costs about 9 iterations; ``table2d`` has no such
limit and a sample converges in about 2 (measured on the 4,840-device network:
1797 against 418 iterations for 200 samples).

On a failed point the sweep stops there: the number of points returned names the
failed sample. That sample is retried alone on a ladder of ngspice options
(:data:`RETRY_LADDER`); if every rung fails a :class:`ConvergenceError` names the
analysis, the sample and the worst node (largest Newton change in ngspice's
"Last Node Voltages" dump), and the netlist and transcript are kept on disk.

After any sweep that did not settle every sample, and after every retry, the
circuit is removed from ngspice and the next sweep loads it afresh. A failed
analysis can leave the loaded circuit unusable: in ngspice 46 a failed
operating point ends in the transient-op fallback, which on failure leaves the
circuit's time-step settings at its own values, and from then on every DC sweep
of that circuit fails (an ``op`` still works; measured with ``ngspice -b``
alone). A retry rung's ``option`` settings likewise stay with the circuit they
were set on. A fresh load restores exactly the netlist's ``.options``.
"""

from __future__ import annotations

import math
import numbers
import re
import shutil
import tempfile
import time
from collections.abc import Mapping
from os import PathLike
from pathlib import Path

import numpy as np

from ..errors import ConvergenceError, SimulationError, UsageError
from ..fileio import write_atomic
from ..netlist.devices import alter_command, device_form, device_values, osdi_file
from ..netlist.render import DEFAULT_OPTIONS, render_netlist
from ..network.circuit import Circuit
from ._ngspice_session import Session, error_lines, session
from .base import (
    Clamp,
    Drives,
    Engine,
    Settled,
    check_count,
    check_drives,
    check_warm,
    make_settled,
)
from .sweep_form import CLAMP_SOURCE, format_table, render_sweep, table_drives, table_file

#: Retry rungs for a sample whose operating point failed: (name, ``option`` settings).
RETRY_LADDER: tuple[tuple[str, dict[str, str]], ...] = (
    ("gmin and source stepping", {"gminsteps": "100", "srcsteps": "100", "itl1": "500"}),
    ("relaxed tolerances", {"gminsteps": "100", "srcsteps": "100", "itl1": "1000",
                            "itl2": "1000", "reltol": "1e-3", "vntol": "1e-6",
                            "abstol": "1e-12"}),
)
#: Samples per DC sweep (longer batches are settled in blocks of this size).
BLOCK = 1000


def structure_key(circuit: Circuit, options: dict[str, str]) -> tuple:
    """Everything that defines the loaded netlist except the devices' values."""
    return (circuit.title, circuit.elements, tuple(sorted(circuit.models.items())),
            circuit.devices, circuit.inputs, circuit.nudges, tuple(sorted(options.items())),
            circuit.device_model, circuit.device_rendering, circuit.clamp_ready)


OSDI_ADVICE = ("install ngspice >= 43 built with OSDI: on Debian 12 enable bookworm-backports "
               "and run apt-get install -t bookworm-backports ngspice libngspice0-dev "
               "(scripts/setup.sh does it)")
"""What to install when libngspice cannot load Verilog-A (OSDI) models."""

_OSDI_LOADED: set[str] = set()


def prepare_devices(circuit: Circuit) -> None:
    """Make sure ngspice can settle ``circuit``'s devices, before anything runs.

    For ``rendering = "verilog-a"`` the module is compiled (cached) and this
    process's libngspice must have OSDI; the compiled file is loaded into it
    once (``osdi <file>``, after removing any loaded circuit).

    Raises:
        SimulationError: libngspice has no OSDI (saying what to install).
        DeviceModelError: the Verilog-A compiler is missing or the module does
            not compile (the compiler's message).
    """
    if device_form(circuit) != "osdi":
        return
    from ._ngspice_session import features

    f = features()
    if not f.osdi:
        version = f"ngspice {f.version}" if f.version else "this ngspice"
        raise SimulationError(f"rendering = 'verilog-a' needs Verilog-A (OSDI) support, which "
                              f"{version} lacks: {OSDI_ADVICE}")
    path = str(osdi_file(circuit))
    if path not in _OSDI_LOADED:
        s = session()
        # never with a circuit loaded: ngspice 46 then crashes when it removes that
        # circuit (its device tables grew under it; measured: a segfault in remcirc)
        s.reset()
        lines = s.command_output(f"osdi {path}")
        if error_lines(lines):
            raise SimulationError(f"ngspice could not load {path}: "
                                  + "; ".join(error_lines(lines)[:2]))
        _OSDI_LOADED.add(path)


def check_options(options: object) -> dict[str, str]:
    """ngspice options as a name -> text dict: names are strings, values strings or numbers.

    Raises:
        UsageError: not a mapping, or a name or value of another type. The
            characters of names and values are checked where the netlist is
            rendered (:func:`~spicelearn.netlist.render.check_circuit_text`).
    """
    if not isinstance(options, Mapping):
        raise UsageError(f"options must be a dict of ngspice options, got "
                         f"{type(options).__name__}")
    out: dict[str, str] = {}
    for key, value in options.items():
        if not isinstance(key, str):
            raise UsageError(f"option names must be strings, got {type(key).__name__}")
        if isinstance(value, bool) or not isinstance(value, (str, numbers.Real)):
            raise UsageError(f"option {key} must be a string or a number, got "
                             f"{type(value).__name__}")
        if isinstance(value, str):
            out[key] = value
        elif isinstance(value, numbers.Integral):
            out[key] = str(int(value))
        elif math.isfinite(float(value)):
            out[key] = repr(float(value))
        else:
            raise UsageError(f"option {key} must be finite, got {float(value)!r}")
    return out


SOLVER_OPTIONS = {"klu": ""}
"""Added to the default options when libngspice has KLU (ngspice >= 44 builds it in).

Measured on the 4,840-device bench network (2 cores, ngspice 46, 1000 samples,
about 2.3 Newton iterations per sample with either solver): 0.49–0.52 ms/sample
with KLU against 0.78–0.85 ms/sample with ngspice's default Sparse 1.3; Iris (172 devices)
the same with both (0.033 ms/sample)."""


def default_options() -> dict[str, str]:
    """:data:`~spicelearn.netlist.render.DEFAULT_OPTIONS`, plus ``klu`` where ngspice has it."""
    from ._ngspice_session import features

    return {**DEFAULT_OPTIONS, **(SOLVER_OPTIONS if features().klu else {})}


class NgspiceEngine(Engine):
    """Settles batches in libngspice (in-process, or in ``workers`` processes).

    Args:
        options: ngspice ``.options`` for the loaded netlist, name -> value
            (a string or a number; ``""`` for a bare flag); default
            :func:`default_options`: reltol=1e-10 vntol=1e-12 abstol=1e-15
            gmin=1e-12, and ``klu`` when libngspice has the KLU solver.
        keep_dir: folder under which a failed run's netlist and transcript are
            kept; default a fresh ``tempfile.mkdtemp(prefix="spicelearn-")``.
        workers: >= 1; > 1 splits each batch over that many worker processes
            (:mod:`spicelearn.engines.workers`), each with its own ngspice.
        block: samples per DC sweep, >= 1.

    Raises:
        UsageError: an argument of the wrong type or out of range.
    """

    name = "ngspice"

    def __init__(self, options: dict[str, str] | None = None,
                 keep_dir: str | Path | None = None, workers: int = 1,
                 block: int = BLOCK) -> None:
        self._pool = None
        self.options = check_options(default_options() if options is None else options)
        if keep_dir is not None and not isinstance(keep_dir, (str, PathLike)):
            raise UsageError(f"keep_dir must be a path, got {type(keep_dir).__name__}")
        self.keep_dir = None if keep_dir is None else Path(keep_dir)
        self.workers = check_count(workers, "workers")
        self.block = check_count(block, "block")
        if self.workers > 1:
            from .workers import WorkerPool
            self._pool = WorkerPool(self.workers, self.options, self.keep_dir, self.block,
                                    NgspiceEngine, structure_key)

    # -- public -------------------------------------------------------------
    def settle(self, circuit: Circuit, inputs: np.ndarray | Drives,
               nudges: np.ndarray | None = None, warm: Settled | None = None,
               clamp: Clamp | None = None) -> Settled:
        """Settle a batch (see :class:`~spicelearn.engines.base.Engine`).

        ``warm`` is accepted for the interface (and checked); the sweep already
        starts each sample from the previous sample's solution. A clamp-ready
        circuit carries the clamp conductance as one more column of the nudges
        (the ``gclamp`` table of the sweep form).
        """
        x, n, gc = check_drives(circuit, inputs, nudges, clamp)
        check_warm(warm, circuit, x.shape[0])
        if circuit.clamp_ready:
            B = x.shape[0]
            n = np.concatenate([np.zeros((B, len(circuit.nudges))) if n is None else n,
                                np.full((B, 1), 0.0 if gc is None else gc)], axis=1)
        if self._pool is not None:
            return make_settled(circuit, self._pool.settle(circuit, x, n))
        return make_settled(circuit, self.settle_voltages(circuit, x, n))

    def settle_voltages(self, circuit: Circuit, x: np.ndarray,
                        n: np.ndarray | None) -> np.ndarray:
        """(B, n_nodes) node voltages [V] of a checked batch, in this process."""
        s = session()
        s.release_history()
        mark = s.mark()
        B = x.shape[0]
        out = np.empty((B, len(circuit.nodes)))
        start = 0
        while start < B:
            self._ensure_loaded(s, circuit)  # reloads after a failure (module docstring)
            stop = min(B, start + self.block)
            v = self._sweep(s, circuit, x[start:stop], None if n is None else n[start:stop])
            out[start:start + len(v)] = v
            start += len(v)
            if start < stop:  # the sweep stopped at sample `start`
                out[start] = self._retry(s, circuit, x, n, start, mark)
                start += 1
        return out

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass

    # -- loading ------------------------------------------------------------
    def _ensure_loaded(self, s: Session, circuit: Circuit) -> None:
        key = structure_key(circuit, self.options)
        if s.loaded != key:
            prepare_devices(circuit)
            text = render_sweep(circuit, self.options, s.table_dir)
            mark = s.mark()
            try:
                s.load(text, key, np.full(circuit.n_devices, np.nan))
            except SimulationError as exc:
                kept = self._keep(text, s.lines_since(mark))
                raise SimulationError(str(exc), *kept) from None
        # after a load s.g is NaN, so every device is altered once to its exact value
        # (R = 1/g, m = g or x0 = state; the netlist holds 12 digits); afterwards only
        # the changed ones
        form = device_form(circuit)
        values = device_values(circuit, form)
        changed = np.flatnonzero(values != s.g)
        for i in changed:
            s.command(alter_command(form, circuit.devices[i].name, values[i]))
        s.g = np.array(values, dtype=float)

    # -- one sweep ----------------------------------------------------------
    def _set_tables(self, s: Session, circuit: Circuit, x: np.ndarray,
                    n: np.ndarray | None) -> None:
        """Write the table files of a batch (only the tables that changed)."""
        B = x.shape[0]
        tables = [(d.source, d.sign * x[:, d.feature]) for d in table_drives(circuit).values()]
        for k, name in enumerate(circuit.nudges):
            y = np.zeros(B) if n is None else -n[:, k]  # %i draws its value out of the node
            tables.append((name, y))
        if circuit.clamp_ready:  # the clamp conductance rides as the last column of n
            tables.append((CLAMP_SOURCE, np.zeros(B) if n is None else n[:, -1]))
        for source, y in tables:
            last = s.tables.get(source)
            if last is not None and last.shape == y.shape and np.array_equal(last, y):
                continue
            # scratch file of this process's session (re-read by ngspice), not an output
            with open(table_file(s.table_dir, source), "w") as fh:
                fh.write(format_table(y))
            s.tables[source] = y.copy()

    def _sweep(self, s: Session, circuit: Circuit, x: np.ndarray,
               n: np.ndarray | None) -> np.ndarray:
        """Settle rows ``x`` in one DC sweep; returns the rows that converged (a prefix)."""
        self._set_tables(s, circuit, x, n)
        s.destroy_plots()
        B = x.shape[0]
        rc = s.run_background(f"dc vidx 0 {B - 1} 1")
        plot = s.current_plot()
        nodes = circuit.nodes
        v = np.empty((B, len(nodes)))
        length = 0 if (rc or not plot.startswith("dc")) else B
        for j, node in enumerate(nodes):
            if length == 0:
                break
            vec = s.vector(plot, node.lower())
            if vec is None:
                length = 0
                break
            length = min(length, len(vec))
            v[:length, j] = vec[:length]
        s.destroy_plots()
        v = v[:length]
        bad = ~np.all(np.isfinite(v), axis=1)
        if bad.any():
            v = v[: int(np.argmax(bad))]
        if len(v) < B or s.exited:
            s.reset()  # a failed analysis can leave the circuit unusable: reload it
        return v

    # -- failures -----------------------------------------------------------
    def _retry(self, s: Session, circuit: Circuit, x: np.ndarray, n: np.ndarray | None,
               sample: int, mark: int) -> np.ndarray:
        """Retry one failed sample on the ladder; raise ConvergenceError if all rungs fail."""
        xi = x[sample:sample + 1]
        ni = None if n is None else n[sample:sample + 1]
        try:
            for _name, opts in RETRY_LADDER:
                self._ensure_loaded(s, circuit)  # the failed sweep removed the circuit
                s.command("option " + " ".join(f"{k}={v}" for k, v in opts.items()))
                v = self._sweep(s, circuit, xi, ni)
                if len(v) == 1:
                    return v[0]
        finally:
            s.reset()  # the rung's options stay with this circuit: the next sweep reloads
        lines = s.lines_since(mark)
        node = worst_node(lines, circuit)
        text = render_sweep(circuit, self.options)
        netlist_path, transcript_path = self._keep(text, lines, circuit, x[sample], sample,
                                                   s.table_dir)
        rungs = ", ".join(name for name, _ in RETRY_LADDER)
        errs = "; ".join(error_lines(lines)[-2:])
        raise ConvergenceError(
            f"dc sweep did not converge at sample {sample} (worst node {node or 'unknown'}), "
            f"also after retrying with {rungs}" + (f": {errs}" if errs else ""),
            analysis="dc sweep", sample=sample, node=node,
            netlist_path=netlist_path, transcript_path=transcript_path)

    def _keep(self, text: str, lines: list[str], circuit: Circuit | None = None,
              x: np.ndarray | None = None, sample: int | None = None,
              table_dir: str | None = None) -> tuple[Path | None, Path | None]:
        """Write the netlist (and the failed sample's static deck) and the transcript.

        The sweep form refers to its table files as ``tables/...``: the tables
        of the failed run are copied next to it. Returns the paths of the kept
        netlist and transcript, or (None, None) if they could not be written
        (the error being reported matters more than its files).
        """
        try:
            folder = self._write_kept(text, lines, circuit, x, sample, table_dir)
        except OSError:
            return None, None
        return folder / "netlist.cir", folder / "transcript.txt"

    def _write_kept(self, text: str, lines: list[str], circuit: Circuit | None,
                    x: np.ndarray | None, sample: int | None, table_dir: str | None) -> Path:
        if self.keep_dir is None:
            folder = Path(tempfile.mkdtemp(prefix="spicelearn-"))
        else:
            self.keep_dir.mkdir(parents=True, exist_ok=True)
            folder = Path(tempfile.mkdtemp(prefix="spicelearn-", dir=self.keep_dir))
        write_atomic(folder / "netlist.cir", text)
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        write_atomic(folder / "transcript.txt",
                     f"* ngspice transcript, {stamp}\n" + "\n".join(lines) + "\n")
        if table_dir is not None:
            shutil.copytree(table_dir, folder / "tables")
        if circuit is not None and x is not None:
            write_atomic(folder / f"sample{sample}.cir",
                         render_netlist(circuit, x, self.options))
        return folder


_NODE_LINE = re.compile(r"^\s*(\S+)\s+(\S+)\s+(\S+)\s*$")
_TROUBLE_NODE = re.compile(r'trouble with node "?([^"\s]+)"?')
_TROUBLE_INSTANCE = re.compile(r"trouble with \S+-instance (\S+)")


def worst_node(lines: list[str], circuit: Circuit | None = None) -> str | None:
    """The node ngspice blames for a failed point.

    In order: the node of ngspice's last "trouble with node" message; the first
    non-ground node of the instance in a "trouble with <model>-instance" message;
    the node with the largest Newton change in a "Last Node Voltages" dump.
    """
    for ln in reversed(lines):
        m = _TROUBLE_NODE.search(ln)
        if m:
            return m.group(1)
        m = _TROUBLE_INSTANCE.search(ln)
        if m and circuit is not None:
            for el in circuit.elements:
                if el.name.lower() == m.group(1).lower():
                    return next((nd for nd in el.nodes if nd != "0"), None)
    starts = [i for i, ln in enumerate(lines) if "Last Node Voltages" in ln]
    if not starts:
        return None
    best, worst = -1.0, None
    for ln in lines[starts[-1] + 1:]:
        m = _NODE_LINE.match(ln)
        if not m:
            continue
        name, last, prev = m.groups()
        try:
            change = abs(float(last) - float(prev))
        except ValueError:
            continue
        if "#branch" in name:
            continue
        if not np.isfinite(change):
            change = np.inf
        if change > best:
            best, worst = change, name
    return worst
