"""How much memory a config would need, checked before anything is built or written.

The estimate counts what a run allocates, from the sizes in the config alone:

* the flat circuit (Python objects per device, element and node) and its netlist
  text: about :data:`CIRCUIT_BYTES` per element and :data:`NODE_BYTES` per node;
* the engine, in each process that loads the circuit: ngspice about
  :data:`NGSPICE_BYTES` per element (its instances, matrix and the sweep vectors);
  the numeric engine about :data:`NUMERIC_BYTES` per element (the MNA triplets and
  the sparse factors) plus its dense matrices — input and nudge maps
  (n × (features + nudges)) and, for the reduced strategy, the Schur blocks
  (3 · n_L · n_N + n_N²) — 8 bytes a number; each extra worker process
  :data:`WORKER_BYTES` on top;
* the settled samples: the largest batch (a whole split when it is evaluated, else
  :data:`DEFAULT_SAMPLES`) times (nodes + devices), in :data:`SAMPLE_COPIES` arrays
  of 8-byte numbers, plus the dataset's inputs.

The per-element constants were measured (peak resident size) on a 64-2000-10
layered network with 300,040 devices and rounded up. The limit is the machine's
physical memory, or the cgroup limit of the process when that is smaller.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from ..errors import ConfigError
from .config import CrossbarConfig, LayeredConfig
from .layered import layer_shapes

CIRCUIT_BYTES = 500
"""Circuit objects and netlist text per device or element [B]."""
NODE_BYTES = 200
"""Circuit bookkeeping per node [B]."""
NGSPICE_BYTES = 2000
"""ngspice per device or element [B]."""
NUMERIC_BYTES = 1000
"""Numeric engine per device or element, sparse parts [B]."""
WORKER_BYTES = 80 * 2**20
"""One more worker process (interpreter, numpy, libngspice) [B]."""
DEFAULT_SAMPLES = 64
"""Samples settled at once when the config names no dataset."""
SAMPLE_COPIES = 4
"""Arrays of (samples, nodes + devices) numbers alive at once while settling."""
_MAX_REDUCED, _MAX_SCHUR = 400, 5e7  # see engines/_numeric_solve.make_system


@dataclass(frozen=True)
class Sizes:
    """What a network consists of, counted from its config."""

    devices: int
    elements: int
    """Other elements: sources, diodes, amplifiers, loads, wire segments."""
    nodes: int
    unknowns: int
    """MNA unknowns: nodes plus one branch current per V and E element."""
    diode_nodes: int
    """Nodes a diode touches (the numeric engine's nonlinear unknowns)."""
    features: int
    nudges: int


def count(net: LayeredConfig | CrossbarConfig) -> Sizes:
    """Devices, elements and nodes of the circuit ``net`` describes (as the builders make it)."""
    if isinstance(net, CrossbarConfig):
        r, c = net.rows, net.cols
        wired = net.r_wire > 0
        resistor = net.termination == "resistor"
        nodes = r + 2 * r * c + c if wired else r + c
        elements = r + (2 * r * c if wired else 0) + (2 * c if resistor else c)
        sources = r + (0 if resistor else c)
        return Sizes(devices=r * c, elements=elements, nodes=nodes, unknowns=nodes + sources,
                     diode_nodes=0, features=r, nudges=c if resistor else 0)
    n_bias, hidden = len(net.bias), sum(net.hidden)
    shapes = layer_shapes(net.inputs, tuple(net.hidden), net.outputs, net.differential, n_bias)
    outs = net.outputs * (2 if net.differential else 1)
    diodes = hidden > 0 and net.diode.kind != "none"
    rails = sum(1 for v in (net.diode.v_hi, net.diode.v_lo) if diodes and v != 0)
    amps = hidden if net.amplifier_gain > 0 else 0
    sources = 2 * net.inputs + net.n_layers * n_bias + rails + 2 * amps
    nodes = 2 * net.inputs + net.n_layers * n_bias + rails + hidden + 2 * amps + outs
    elements = (sources + amps + (2 * hidden if diodes else 0)
                + (2 * outs if net.load_resistance > 0 else outs))
    return Sizes(devices=sum(r * c for r, c in shapes), elements=elements, nodes=nodes,
                 unknowns=nodes + sources, diode_nodes=hidden + rails if diodes else 0,
                 features=net.inputs, nudges=outs)


def estimate_bytes(s: Sizes, samples: int = DEFAULT_SAMPLES, engine: str | None = "ngspice",
                   workers: int = 1) -> int:
    """Peak memory [B] of building, settling ``samples`` at once with ``engine``.

    ``engine=None``: only the circuit and its netlist (``spicelearn netlist``).
    """
    parts = s.devices + s.elements
    total = CIRCUIT_BYTES * parts + NODE_BYTES * s.nodes
    if engine is None:
        return total
    if engine == "numeric":
        total += NUMERIC_BYTES * parts + 8 * s.unknowns * (s.features + s.nudges)
        n_lin = s.unknowns - s.diode_nodes
        if 0 < s.diode_nodes <= _MAX_REDUCED and n_lin * s.diode_nodes <= _MAX_SCHUR:
            total += 8 * (3 * n_lin * s.diode_nodes + s.diode_nodes ** 2)
    else:
        total += NGSPICE_BYTES * parts * workers + WORKER_BYTES * (workers - 1)
    return total + 8 * SAMPLE_COPIES * samples * (s.nodes + s.devices + s.features)


def memory_limit() -> int | None:
    """Physical memory of this machine [B], or the cgroup limit if smaller; None if unknown."""
    limits = []
    try:
        limits.append(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        pass
    try:
        text = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if text.isdigit():
            limits.append(int(text))
    except OSError:
        pass
    return min(limits) if limits else None


def format_gb(n_bytes: int) -> str:
    """``24 GB``, ``0.5 GB``, ``1.2e+12 GB`` (GB = 2**30 bytes)."""
    gb = Decimal(n_bytes) / Decimal(2**30)
    if gb >= 10**6:
        return f"{gb:.2g} GB"
    return f"{float(gb):.2g} GB" if gb < 10 else f"{round(gb)} GB"


def size_keys(net: LayeredConfig | CrossbarConfig) -> str:
    """The keys that set the network's size, as ``key = value``."""
    if isinstance(net, CrossbarConfig):
        return f"network.rows = {net.rows}, network.cols = {net.cols}"
    largest = max([("network.inputs", net.inputs), ("network.outputs", net.outputs)]
                  + [("network.hidden", h) for h in net.hidden], key=lambda kv: kv[1])
    if largest[0] == "network.hidden":
        text = str(net.hidden)
        return f"network.hidden = {text if len(text) <= 60 else text[:56] + '...]'}"
    return f"{largest[0]} = {largest[1]}"


def check_memory(net: LayeredConfig | CrossbarConfig, samples: int = DEFAULT_SAMPLES,
                 engine: str | None = "ngspice", workers: int = 1,
                 culprits: tuple[tuple[str, int, int], ...] = (),
                 limit: int | None = None) -> int:
    """Raise ConfigError if the estimate exceeds the memory limit; return the estimate [B].

    ``culprits``: other keys that raise the estimate, as (``key = value`` text, samples,
    workers) with that key back at its default; a key is named in the message when
    its default would fit.
    """
    limit = memory_limit() if limit is None else limit
    s = count(net)
    need = estimate_bytes(s, samples, engine, workers)
    if limit is None or need <= limit:
        return need
    named = [text for text, n, w in culprits if estimate_bytes(s, n, engine, w) <= limit]
    if not named or estimate_bytes(s, DEFAULT_SAMPLES, engine, 1) > limit:
        named.insert(0, size_keys(net))
    raise ConfigError(f"{' with '.join(named)} would need about {format_gb(need)} of memory "
                      f"(this machine has {format_gb(limit)})")
