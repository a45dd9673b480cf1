"""Sweeps: a grid of training runs over config keys, run as tasks on a Dask cluster.

``spicelearn sweep SWEEP.toml --out DIR``: :func:`load_sweep` expands the sweep
file into checked cells (:mod:`.grid`), :func:`run_sweep` trains every unfinished
cell in its own run folder ``DIR/cells/<id>`` on a local or existing Dask
cluster (:mod:`.run`, :mod:`.cluster`, :mod:`.cell`) and gathers the results
(:mod:`.results`).
"""

from .grid import Axis, Cell, Sweep, expand, format_value, load_sweep
from .run import SweepInterrupted, SweepOutcome, run_sweep
from .timing import Timing

__all__ = ["Axis", "Cell", "Sweep", "SweepInterrupted", "SweepOutcome", "Timing", "expand",
           "format_value", "load_sweep", "run_sweep"]
