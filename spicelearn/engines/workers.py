"""Parallel settling: a batch split over worker processes, each with its own ngspice.

``NgspiceEngine(workers=N)`` owns a :class:`WorkerPool`. Workers are started with
the ``spawn`` context (never ``fork`` after libngspice was loaded), each runs an
in-process :class:`~spicelearn.engines.ngspice.NgspiceEngine` and keeps the
circuit loaded; the circuit is sent once per structure, afterwards only the
devices' conductances and states travel. A batch is cut into blocks of
``block`` samples — the same blocks the in-process engine sweeps — and whole
blocks are dealt out in contiguous runs, so N workers return exactly what one
engine returns.

A worker that dies (ngspice may call ``exit()``) raises :class:`WorkerError`
naming the sample range it held; the pool is then shut down and restarted on
the next call. Workers are stopped on :meth:`WorkerPool.close` and on garbage
collection.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable
from multiprocessing.connection import Connection, wait
from pathlib import Path

import numpy as np

from .. import errors
from ..errors import UsageError, WorkerError
from ..network.circuit import Circuit
from .base import check_count


def _pack_error(exc: BaseException) -> tuple[str, str, dict]:
    return type(exc).__name__, str(exc), dict(getattr(exc, "__dict__", {}))


def _unpack_error(name: str, message: str, attrs: dict, offset: int) -> BaseException:
    cls = getattr(errors, name, None)
    if not (isinstance(cls, type) and issubclass(cls, errors.SpicelearnError)):
        return WorkerError(f"worker failed: {name}: {message}")
    exc = cls.__new__(cls)
    Exception.__init__(exc, message)
    exc.__dict__.update(attrs)
    if getattr(exc, "sample", None) is not None:
        exc.sample += offset  # the worker counts samples from its own first one
    return exc


def _worker_main(conn: Connection, engine_class: type, options: dict[str, str],
                 keep_dir: str | None, block: int) -> None:
    """Loop of one worker: ("settle", circuit|None, (g, state), x, n, crash) -> ("ok", v) |
    ("err", ...). ``engine_class(options=..., keep_dir=..., block=...)`` is the
    worker's engine; it must have ``settle_voltages(circuit, x, n)``."""
    engine = engine_class(options=options, keep_dir=keep_dir, block=block)
    circuit: Circuit | None = None
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg[0] == "stop":
            return
        _, new_circuit, (g, state), x, n, crash = msg
        if crash:  # test hook: die the way ngspice's exit() would
            os._exit(1)
        try:
            if new_circuit is not None:
                circuit = new_circuit
            assert circuit is not None
            c = circuit.with_devices(g, state)
            conn.send(("ok", engine.settle_voltages(c, x, n)))
        except Exception as exc:  # noqa: BLE001 - every failure goes back to the caller
            conn.send(("err", *_pack_error(exc)))


class WorkerPool:
    """N worker processes settling contiguous runs of blocks of a batch.

    Raises:
        UsageError: ``n_workers`` or ``block`` not an integer >= 1.
    """

    def __init__(self, n_workers: int, options: dict[str, str], keep_dir: Path | None,
                 block: int, engine_class: type | None = None,
                 structure_key: Callable[[Circuit, dict[str, str]], object] | None = None,
                 ) -> None:
        if engine_class is None or structure_key is None:
            raise UsageError("a worker pool needs the workers' engine class and the key of "
                             "a loaded circuit (the ngspice engine passes its own)")
        self.engine_class = engine_class
        self.structure_key = structure_key
        self._procs: list[mp.Process] = []
        self._conns: list[Connection] = []
        self.n_workers = check_count(n_workers, "n_workers")
        self.options = dict(options)
        self.keep_dir = None if keep_dir is None else str(keep_dir)
        self.block = check_count(block, "block")
        self._sent: list[object] = []
        self._crash: set[int] = set()

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self._procs if p.pid is not None]

    def _start(self) -> None:
        ctx = mp.get_context("spawn")
        for _ in range(self.n_workers):
            parent, child = ctx.Pipe()
            p = ctx.Process(target=_worker_main, daemon=True,
                            args=(child, self.engine_class, self.options, self.keep_dir,
                                  self.block))
            p.start()
            child.close()
            self._procs.append(p)
            self._conns.append(parent)
            self._sent.append(None)

    def crash_next(self, worker: int) -> None:
        """Test hook: make ``worker`` call ``os._exit(1)`` on its next batch."""
        self._crash.add(worker)

    def split(self, B: int) -> list[tuple[int, int]]:
        """Sample ranges [a, b) per worker: whole blocks, dealt out contiguously."""
        n_blocks = -(-B // self.block)
        parts = np.array_split(np.arange(n_blocks), min(self.n_workers, n_blocks))
        return [(int(p[0]) * self.block, min(B, (int(p[-1]) + 1) * self.block))
                for p in parts if len(p)]

    def settle(self, circuit: Circuit, x: np.ndarray, n: np.ndarray | None) -> np.ndarray:
        """(B, n_nodes) node voltages [V] of a checked batch."""
        if not self._procs:
            self._start()
        key = self.structure_key(circuit, self.options)
        ranges = self.split(x.shape[0])
        busy: dict[int, tuple[int, int]] = {}
        for w, (a, b) in enumerate(ranges):
            send_circuit = circuit if self._sent[w] != key else None
            try:
                devices = (circuit.g, circuit.state)
                self._conns[w].send(("settle", send_circuit, devices, x[a:b],
                                     None if n is None else n[a:b], w in self._crash))
            except (BrokenPipeError, OSError):
                self._fail(w, a, b)
            self._crash.discard(w)
            self._sent[w] = key
            busy[w] = (a, b)
        out = np.empty((x.shape[0], len(circuit.nodes)))
        error: BaseException | None = None
        while busy:
            ready = wait([self._conns[w] for w in busy] + [self._procs[w].sentinel for w in busy])
            for w in list(busy):
                a, b = busy[w]
                if self._conns[w] in ready:
                    try:
                        msg = self._conns[w].recv()
                    except (EOFError, OSError):
                        self._fail(w, a, b)
                    del busy[w]
                    if msg[0] == "ok":
                        out[a:b] = msg[1]
                    elif error is None:
                        error = _unpack_error(*msg[1:], offset=a)
                elif self._procs[w].sentinel in ready:
                    self._fail(w, a, b)
        if error is not None:
            raise error
        return out

    def _fail(self, w: int, a: int, b: int) -> None:
        p = self._procs[w]
        p.join(1.0)
        code = p.exitcode
        self.close()
        raise WorkerError(f"worker {w} (pid {p.pid}) died with exit code {code} while "
                          f"settling samples {a}..{b - 1} of the batch; the pool was shut "
                          f"down and restarts on the next call")

    def close(self) -> None:
        """Stop every worker (politely, then by force) and reap it."""
        for c in self._conns:
            try:
                c.send(("stop",))
            except (BrokenPipeError, OSError):
                pass
        for p in self._procs:
            p.join(2.0)
            if p.is_alive():
                p.kill()
                p.join(2.0)
        for c in self._conns:
            c.close()
        self._procs, self._conns, self._sent = [], [], []

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass
