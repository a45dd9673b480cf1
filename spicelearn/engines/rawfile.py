"""Reading SPICE binary raw files, as ngspice (``write``) and VACASK write them.

The format: ASCII header lines ``Key: value`` (``Title``, ``Plotname``, ``Flags``,
``No. Variables``, ``No. Points``), a ``Variables:`` block with one line per
vector (``index name type``), then ``Binary:`` followed by the points, each point
one little-endian float64 per vector (``Flags: real``). Only the first plot of a
file and real data are read; that is all the transient runners write.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import SimulationError


def read_raw(path: Path) -> dict[str, np.ndarray]:
    """The vectors of the first plot in a binary raw file, by name.

    Names are as the simulator wrote them (ngspice: ``v(row0)``, ``i(vs0_0)``;
    VACASK: ``row0``, ``vs0_0:flow(br)``), lower-cased.

    Raises:
        SimulationError: the file is missing, not a binary real raw file, or truncated.
    """
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise SimulationError(f"cannot read raw file {path}: {exc.strerror}") from exc
    header: dict[str, str] = {}
    names: list[str] = []
    pos = 0
    while True:
        end = data.find(b"\n", pos)
        if end < 0:
            raise SimulationError(f"raw file {path} has no 'Binary:' section")
        line = data[pos:end].decode("ascii", errors="replace")
        pos = end + 1
        key, _, value = line.partition(":")
        key = key.strip().lower()
        if key == "variables":
            n_vars = _count(header, "no. variables", path)
            for _ in range(n_vars):
                end = data.find(b"\n", pos)
                fields = data[pos:end].decode("ascii", errors="replace").split()
                pos = end + 1
                if len(fields) < 2:
                    raise SimulationError(f"raw file {path}: malformed variable line")
                names.append(fields[1].lower())
        elif key == "binary":
            break
        elif key == "values":
            raise SimulationError(f"raw file {path} is ASCII; expected binary")
        else:
            header[key] = value.strip()
    if "complex" in header.get("flags", "").lower():
        raise SimulationError(f"raw file {path} holds complex data; expected real")
    n_vars = len(names)
    if n_vars == 0:
        raise SimulationError(f"raw file {path} lists no vectors")
    declared = _count(header, "no. points", path)
    available = (len(data) - pos) // (8 * n_vars)
    n_points = min(declared, available)
    values = np.frombuffer(data, dtype="<f8", count=n_points * n_vars, offset=pos)
    values = values.reshape(n_points, n_vars)
    return {name: values[:, j].copy() for j, name in enumerate(names)}


def _count(header: dict[str, str], key: str, path: Path) -> int:
    try:
        return int(header[key])
    except (KeyError, ValueError) as exc:
        raise SimulationError(f"raw file {path}: missing or bad '{key}' header") from exc
