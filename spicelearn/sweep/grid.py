"""A sweep file expanded into cells: one checked run config per point of the grid.

A sweep file (TOML) holds::

    base = "xor.toml"              # a config file, relative to the sweep file ...
    # [base] ...                   # ... or the config inline: seed, [base.network], ...

    [grid]                         # dotted config keys -> lists: the cartesian product
    seed = [0, 1, 2]
    network.hidden = [[4], [16]]

    [[zip]]                        # equal-length lists varied together (one axis)
    network.diode.v_hi = [0.02, 0.05]
    network.diode.v_lo = [-0.02, -0.05]

Every key of the run config can be swept (``network.devices.model``,
``training.beta``, ...); a table can be swept as a whole by giving a list of
tables, and keys inside a swept table can be swept too: a cell sets the table
first, then the keys inside it (``network.devices = [{model = "a", ...}, ...]``
in ``[grid]`` with ``network.devices.g_min = [...]`` in a ``[[zip]]`` group of its
own: TOML allows no table and key inside it in one table).

The axes are the ``[grid]`` keys in file order, then the ``[[zip]]`` groups; the
first axis varies slowest. Each cell's config is the base with the cell's values
set, ``training.workers`` set to 1 (a cell settles in its own process), checked
and resolved exactly as ``spicelearn train`` does; the cell id is the run id of
that resolved config. Every problem is one :class:`ConfigError` naming the key
(and the cell) before anything runs.
"""

from __future__ import annotations

import copy
import itertools
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import load_toml
from ..config_messages import plain
from ..errors import ConfigError, SpicelearnError, printable

SWEEP_KEYS = ("base", "grid", "zip")
"""Top-level keys of a sweep file."""
UNSWEPT = {"training.workers": "each cell settles in one Dask worker process, with one ngspice"}
"""Config keys a sweep may not vary, and why."""
_LABEL_MAX = 160


def format_value(value: Any) -> str:
    """A swept value as written in TOML (``0.05``, ``"vteam"``, ``[4, 2]``, ``true``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {format_value(v)}" for k, v in value.items()) + "}"
    return str(value)


@dataclass(frozen=True)
class Axis:
    """One dimension of the grid: a ``[grid]`` key, or a ``[[zip]]`` group of keys.

    ``rows[i]`` holds the i-th value of every key of the axis, in ``keys`` order.
    """

    keys: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]

    @property
    def label(self) -> str:
        """The axis as shown in plots: its keys joined by `` / ``."""
        return " / ".join(self.keys)

    def row_label(self, i: int) -> str:
        """The i-th values as shown in plots: ``0.05 / -0.05``."""
        return " / ".join(format_value(v) for v in self.rows[i])


@dataclass(frozen=True)
class Cell:
    """One run of the sweep.

    ``index`` is its position in the sweep (0-based), ``id`` the run id of its
    resolved config (its folder is ``cells/<id>``), ``values`` the swept keys'
    values, ``positions`` the row of each axis, ``config`` the resolved config.
    """

    index: int
    id: str
    values: dict[str, Any]
    positions: tuple[int, ...]
    config: dict[str, Any] = field(repr=False)

    @property
    def epochs(self) -> int:
        """Epochs the cell trains."""
        return int(self.config["training"]["epochs"])

    def label(self) -> str:
        """``seed = 1, network.hidden = [8]`` (shortened past ~160 characters)."""
        text = printable(", ".join(f"{k} = {format_value(v)}" for k, v in self.values.items()))
        return text if len(text) <= _LABEL_MAX else text[:_LABEL_MAX - 3] + "..."


@dataclass(frozen=True)
class Sweep:
    """A checked sweep: its file, axes and cells (in order)."""

    path: Path
    axes: tuple[Axis, ...]
    cells: tuple[Cell, ...]

    @property
    def keys(self) -> list[str]:
        """Every swept key, axis by axis."""
        return [k for a in self.axes for k in a.keys]


def _flatten(table: dict[str, Any], where: str, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(dotted key, list of values) of a ``[grid]`` or ``[[zip]]`` table."""
    for name, value in table.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict):
            yield from _flatten(value, where, key + ".")
        elif not isinstance(value, list):
            raise ConfigError(f"{where} key '{plain(key)}' must be a list of values, "
                              f"got {plain(format_value(value))}")
        elif not value:
            raise ConfigError(f"{where} key '{plain(key)}' has no values (an empty list)")
        else:
            yield key, value


def _axes(doc: dict[str, Any], source: str) -> tuple[Axis, ...]:
    grid = doc.get("grid", {})
    zips = doc.get("zip", [])
    if not isinstance(grid, dict):
        raise ConfigError(f"{source}: 'grid' must be a table of keys -> lists of values")
    if not isinstance(zips, list) or not all(isinstance(z, dict) for z in zips):
        raise ConfigError(f"{source}: 'zip' must be tables ([[zip]]) of keys -> lists of values")
    axes = [Axis((k, ), tuple((v, ) for v in vals)) for k, vals in _flatten(grid, "grid")]
    for n, group in enumerate(zips, start=1):
        items = list(_flatten(group, f"zip group {n}"))
        if not items:
            raise ConfigError(f"zip group {n} of {source} has no keys")
        (k0, v0), *rest = items
        for k, v in rest:
            if len(v) != len(v0):
                raise ConfigError(f"zip group {n}: '{plain(k)}' has {len(v)} values but "
                                  f"'{plain(k0)}' has {len(v0)} (zipped lists must be as long)")
        axes.append(Axis(tuple(k for k, _ in items), tuple(zip(*(v for _, v in items),
                                                               strict=True))))
    if not axes:
        raise ConfigError(f"{source} has an empty grid (give [grid] keys with lists of values "
                          "or [[zip]] groups)")
    keys = [k for a in axes for k in a.keys]
    for i, k in enumerate(keys):
        if k in UNSWEPT:
            raise ConfigError(f"'{k}' cannot be swept ({UNSWEPT[k]})")
        if k in keys[:i]:
            raise ConfigError(f"'{plain(k)}' is swept twice (in [grid] and [[zip]] or in "
                              "two zip groups)")
    return tuple(axes)


def _base(doc: dict[str, Any], path: Path, source: str) -> dict[str, Any]:
    base = doc.get("base")
    if base is None:
        raise ConfigError(f"{source} has no base config (a [base] table or "
                          "base = \"config.toml\")")
    if isinstance(base, str):
        return load_toml(path.parent / base)
    if not isinstance(base, dict):
        raise ConfigError(f"{source}: 'base' must be a table or the path of a config file")
    return base


def set_key(config: dict[str, Any], key: str, value: Any) -> None:
    """Set the dotted ``key`` in ``config`` (tables on the way are created)."""
    parts = key.split(".")
    table = config
    for i, part in enumerate(parts[:-1]):
        nxt = table.setdefault(part, {})
        if not isinstance(nxt, dict):
            raise ConfigError(f"cannot sweep '{plain(key)}': config key "
                              f"'{plain('.'.join(parts[:i + 1]))}' is not a table")
        table = nxt
    table[parts[-1]] = copy.deepcopy(value)


def _resolve(raw: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(run id, resolved config) of a cell's config, as ``spicelearn train`` resolves it."""
    from ..run_config import parse_run_config
    from ..runs.training import prepare

    setup = prepare(parse_run_config(raw))
    return setup.run_id, setup.resolved


def expand(doc: dict[str, Any], path: Path) -> Sweep:
    """Check a sweep document (read from ``path``) and expand it into cells.

    Raises:
        ConfigError: one line naming the sweep key, or the cell and the config key.
    """
    source = f"sweep file {plain(path)}"
    unknown = sorted(set(doc) - set(SWEEP_KEYS))
    if unknown:
        raise ConfigError(f"unknown key '{plain(unknown[0])}' in {source} "
                          f"(known: {', '.join(SWEEP_KEYS)})")
    axes = _axes(doc, source)
    base = _base(doc, path, source)
    cells: list[Cell] = []
    seen: dict[str, Cell] = {}
    rows = itertools.product(*(range(len(a.rows)) for a in axes))
    total = math.prod(len(a.rows) for a in axes)
    for index, positions in enumerate(rows):
        values = {k: v for a, p in zip(axes, positions, strict=True)
                  for k, v in zip(a.keys, a.rows[p], strict=True)}
        raw = copy.deepcopy(base)
        for k in sorted(values, key=lambda k: k.count(".")):  # tables before their keys
            set_key(raw, k, values[k])
        set_key(raw, "training.workers", 1)
        cell = Cell(index, "", values, tuple(positions), {})
        try:
            run_id, resolved = _resolve(raw)
        except SpicelearnError as exc:
            raise ConfigError(f"sweep cell {index + 1} of {total} ({cell.label()}): {exc}") \
                from None
        if run_id in seen:
            raise ConfigError(f"sweep cells {seen[run_id].index + 1} ({seen[run_id].label()}) "
                              f"and {index + 1} ({cell.label()}) are the same run "
                              f"(run id {run_id})")
        cell = Cell(index, run_id, values, tuple(positions), resolved)
        seen[run_id] = cell
        cells.append(cell)
    return Sweep(path, axes, tuple(cells))


def load_sweep(path: str | Path) -> Sweep:
    """Read, check and expand a sweep file (ConfigError naming the key and the cell)."""
    p = Path(path)
    return expand(load_toml(p), p)
