"""The spicelearn exception hierarchy.

Every error a user can cause or meet is a :class:`SpicelearnError`; the CLI prints
its message as one line and exits with status 2.
"""

from __future__ import annotations

from pathlib import Path


class SpicelearnError(Exception):
    """Root of every error spicelearn raises on purpose."""


class ConfigError(SpicelearnError):
    """A configuration is invalid; the message names the key."""


class NetworkError(SpicelearnError):
    """A network description is inconsistent (sizes, conductances, kinds)."""


class NetlistError(SpicelearnError):
    """A netlist cannot be read; the message names the file and line."""


class DeviceModelError(SpicelearnError):
    """A device model or its parameters are invalid."""


class InputError(SpicelearnError):
    """Inputs or nudges handed to an engine have the wrong shape or values."""


class UsageError(SpicelearnError, ValueError):
    """A Python API call got an argument of the wrong type or out of range.

    For example ``NgspiceEngine(workers=0)``, a block size of 0 or a string
    where a :class:`~spicelearn.network.circuit.Circuit` belongs. Also a
    ``ValueError``, so code written against plain Python conventions still
    catches it.
    """


class SimulationError(SpicelearnError):
    """ngspice refused or failed a run.

    Carries the path of the kept netlist and of the ngspice transcript.
    """

    def __init__(
        self,
        message: str,
        netlist_path: Path | None = None,
        transcript_path: Path | None = None,
    ) -> None:
        self.netlist_path = netlist_path
        self.transcript_path = transcript_path
        if netlist_path is not None or transcript_path is not None:
            message = f"{message} (netlist kept at {netlist_path}; transcript at {transcript_path})"
        super().__init__(message)


class ConvergenceError(SimulationError):
    """An operating point did not converge, even after the retry ladder.

    Names the analysis, the sample index and the worst node.
    """

    def __init__(
        self,
        message: str,
        analysis: str,
        sample: int | None,
        node: str | None,
        netlist_path: Path | None = None,
        transcript_path: Path | None = None,
    ) -> None:
        self.analysis = analysis
        self.sample = sample
        self.node = node
        super().__init__(message, netlist_path, transcript_path)


class WorkerError(SimulationError):
    """A worker process died or failed while settling a part of a batch."""


class CheckpointError(SpicelearnError):
    """A checkpoint is missing, corrupt or belongs to another run."""


class RunDirError(SpicelearnError):
    """An output directory holds another run (use --resume or --force)."""


class SweepError(SpicelearnError):
    """A sweep cannot go on: its Dask scheduler does not answer or was lost, or a
    benchmark's cell failed."""


def printable(text: str) -> str:
    """``text`` with every non-printable character escaped as Python would (``\\x1b``, ``\\n``).

    Messages quote names and lines from user files; escaping keeps control bytes
    (terminal escapes, carriage returns, newlines) from reaching a terminal raw and
    keeps every message on one line. Printable text (non-ASCII letters included)
    is returned unchanged.
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
