"""Drawing small circuits as PNG (matplotlib, Agg backend).

* **Crossbars** (devices ``Rw1_{i}_{j}`` between ``r*`` row nodes and ``c*``
  column nodes, up to 8×8): horizontal row lines driven from the left by their
  sources, vertical column lines ending at the bottom in their terminations
  (resistor or 0 V source to ground), a device square at every crossing coloured
  by its conductance g = 1/R on a log scale (colourbar in S).
* **Other circuits** up to 60 nodes: nodes placed in columns by spicelearn's
  naming scheme (inputs, hidden layers, outputs) or by a spring layout for
  foreign netlists; each element to ground ends in its own ground symbol;
  devices are coloured by conductance; elements are labelled by name.

Anything larger raises :class:`NetlistError` (too large to draw legibly). Text
from the netlist is drawn as it is (``$`` never starts mathtext); devices whose
resistance is not a positive finite number are drawn as plain elements.
"""

from __future__ import annotations

import io
import math
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
from matplotlib.colors import LogNorm, Normalize  # noqa: E402
from matplotlib.patches import Circle, Rectangle  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from ..errors import NetlistError, printable  # noqa: E402
from ..fileio import write_atomic  # noqa: E402
from ._device_elements import (  # noqa: E402
    device_cell,
    device_conductance,
    device_elements,
    device_state,
    is_spicelearn_device,
)
from .parse import GROUND, ParsedElement, ParsedNetlist  # noqa: E402

MAX_CROSSBAR = 8
MAX_NODES = 60
_DEVICE = re.compile(r"^rw1_(\d+)_(\d+)$", re.IGNORECASE)
_KIND_COLOURS = {"V": "tab:red", "I": "tab:orange", "A": "tab:red", "D": "tab:purple",
                 "X": "tab:purple", "E": "tab:green", "F": "tab:green", "G": "tab:green",
                 "H": "tab:green", "R": "0.35", "C": "tab:blue", "L": "tab:brown",
                 "B": "tab:purple"}


def draw_netlist(net: ParsedNetlist, path: str | Path) -> Path:
    """Draw ``net`` to a PNG at ``path`` (written atomically)."""
    return write_atomic(path, draw_png(net))


def draw_png(net: ParsedNetlist) -> bytes:
    """The drawing of ``net`` as PNG bytes (NetlistError if too large to draw)."""
    grid = crossbar_grid(net)
    where = printable(net.path)
    if grid is not None:
        rows, cols = grid
        if rows > MAX_CROSSBAR or cols > MAX_CROSSBAR:
            raise NetlistError(f"{where}: crossbar {rows}x{cols} is too large to draw "
                               f"(at most {MAX_CROSSBAR}x{MAX_CROSSBAR})")
    else:
        n_nodes = len({n for el in net.elements for n in el.nodes} - {GROUND})
        if n_nodes > MAX_NODES:
            raise NetlistError(f"{where}: circuit with {n_nodes} nodes is too large to draw "
                               f"(at most {MAX_NODES} nodes)")
    with plt.rc_context({"text.parse_math": False}):
        fig = _draw_graph(net) if grid is None else _draw_crossbar(net, *grid)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
        plt.close(fig)
    return buf.getvalue()


def _is_device_value(v: float | None) -> bool:
    """A resistance a device can have: positive and finite [Ω]."""
    return v is not None and 0 < v < math.inf


def _device_value(el: ParsedElement) -> float | None:
    """What colours a device: its conductance g [S], or its state x0 (OSDI instances)."""
    g = device_conductance(el)
    return g if g is not None else device_state(el)


def _plain_ticks(cb) -> None:  # noqa: ANN001 - a matplotlib Colorbar
    """Tick labels as plain numbers (math text is off, so a log axis' ``10^{-4}`` would
    show as its TeX source)."""
    fmt = FuncFormatter(lambda v, _pos: f"{v:.2g}")
    cb.ax.yaxis.set_major_formatter(fmt)
    cb.ax.yaxis.set_minor_formatter(fmt)


def _value_label(devices: list[ParsedElement]) -> str:
    """The colour bar's label: g, unless every device is an OSDI instance (then x0)."""
    if devices and all(el.kind == "N" for el in devices):
        return "device state x0"
    return "device conductance g [S]"


def crossbar_grid(net: ParsedNetlist) -> tuple[int, int] | None:
    """(rows, cols) if every ``Rw`` device is ``Rw1_i_j`` from an ``r*`` to a ``c*`` node
    and together they fill a full grid; otherwise None."""
    cells = set()
    for el in net.elements:
        if is_spicelearn_device(el):
            m = _DEVICE.match(device_cell(el.name))
            if not m or len(el.nodes) != 2 \
                    or not (el.nodes[0].startswith("r") and el.nodes[1].startswith("c")) \
                    or _device_value(el) is None:
                return None
            cells.add((int(m.group(1)), int(m.group(2))))
    if not cells:
        return None
    rows = max(i for i, _ in cells) + 1
    cols = max(j for _, j in cells) + 1
    return (rows, cols) if len(cells) == rows * cols else None


def _fmt_si(v: float, unit: str) -> str:
    for scale, prefix in ((1e6, "M"), (1e3, "k"), (1, ""), (1e-3, "m"), (1e-6, "µ"), (1e-9, "n")):
        if abs(v) >= scale:
            return f"{v / scale:.3g} {prefix}{unit}"
    return f"{v:.3g} {unit}"


def _ground(ax, x: float, y: float, colour: str = "k") -> None:
    """A ground symbol whose top is at (x, y)."""
    ax.plot([x, x], [y, y - 0.12], color=colour, lw=1.2)
    for k, w in enumerate((0.14, 0.09, 0.04)):
        yy = y - 0.12 - 0.05 * k
        ax.plot([x - w, x + w], [yy, yy], color=colour, lw=1.2)


def _draw_crossbar(net: ParsedNetlist, rows: int, cols: int):
    by_name = {el.name.lower(): el for el in net.elements}
    g = {}
    devices = [el for el in net.elements if is_spicelearn_device(el)]
    for el in devices:
        m = _DEVICE.match(device_cell(el.name))
        value = _device_value(el)
        if m and value is not None:
            g[(int(m.group(1)), int(m.group(2)))] = value
    label = _value_label(devices)
    gv = list(g.values())
    norm = LogNorm(min(gv), max(gv)) if min(gv) < max(gv) else Normalize(min(gv) * 0.9,
                                                                          max(gv) * 1.1)
    cmap = plt.get_cmap("viridis")
    wire = next((el.value for el in net.elements if el.name.lower().startswith("rrw")), None)

    fig, ax = plt.subplots(figsize=(2.6 + 1.15 * cols, 2.4 + 0.95 * rows))
    xs = [1.0 + j for j in range(cols)]
    ys = [-float(i) for i in range(rows)]
    bottom = ys[-1] - 0.8
    for j, x in enumerate(xs):
        ax.plot([x, x], [0.45, bottom], color="tab:blue", lw=2, zorder=1)
        ax.text(x, 0.55, f"column {j}", ha="center", va="bottom", fontsize=8, color="tab:blue")
        _draw_termination(ax, by_name, j, x, bottom)
    for i, y in enumerate(ys):
        ax.plot([-0.35, xs[-1] + 0.45], [y, y], color="tab:red", lw=2, zorder=1)
        _draw_driver(ax, by_name, i, y)
    size = 0.36
    for (i, j), gij in g.items():
        x, y = xs[j], ys[i]
        ax.add_patch(Rectangle((x - size / 2, y - size / 2), size, size, facecolor=cmap(norm(gij)),
                               edgecolor="k", lw=1, zorder=3))
        if rows <= 6 and cols <= 6:
            txt_c = "white" if norm(gij) < 0.5 else "black"
            shown = gij if label.startswith("device state") else gij * 1e3
            ax.text(x, y, f"{shown:.2g}", ha="center", va="center", fontsize=6.5,
                    color=txt_c, zorder=4)
            ax.text(x + size / 2 + 0.03, y + size / 2, f"Rw1_{i}_{j}", fontsize=5.5,
                    color="0.3", va="bottom", zorder=4)
    sm = plt.cm.ScalarMappable(norm=norm, cmap=cmap)
    cb = fig.colorbar(sm, ax=ax, fraction=0.035, pad=0.03, shrink=0.75)
    _plain_ticks(cb)
    cb.set_label(label)
    note = f"wire {wire:g} Ω per segment" if wire else "ideal wires"
    sub = ("" if rows > 6 or cols > 6 else "numbers: x0" if label.startswith("device state")
           else "numbers: g in mS")
    ax.set_title(f"{printable(net.title)}\n{rows}×{cols} crossbar, {note}"
                 + (f"; {sub}" if sub else ""), fontsize=10)
    ax.set_xlim(-1.6, xs[-1] + 0.8)
    ax.set_ylim(bottom - 0.9, 1.0)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig


def _draw_driver(ax, by_name: dict[str, ParsedElement], i: int, y: float) -> None:
    src = by_name.get(f"vr{i}")
    cx = -0.75
    ax.plot([cx + 0.2, -0.35], [y, y], color="k", lw=1.2)
    ax.add_patch(Circle((cx, y), 0.2, fill=False, lw=1.2, zorder=3))
    ax.text(cx, y + 0.07, "+", ha="center", va="center", fontsize=7)
    ax.text(cx, y - 0.09, "−", ha="center", va="center", fontsize=7)
    label = src.name if src is not None else f"row {i}"
    ax.text(cx - 0.27, y, f"{label}\nx{i}", ha="right", va="center", fontsize=7)
    ax.plot([cx, cx], [y - 0.2, y - 0.3], color="k", lw=1.2)
    _ground(ax, cx, y - 0.3)


def _draw_termination(ax, by_name: dict[str, ParsedElement], j: int, x: float,
                      y: float) -> None:
    rt, vt = by_name.get(f"rt{j}"), by_name.get(f"vt{j}")
    if rt is not None:
        ax.add_patch(Rectangle((x - 0.08, y - 0.42), 0.16, 0.36, facecolor="white",
                               edgecolor="k", lw=1.2, zorder=3))
        ax.plot([x, x], [y, y - 0.06], color="k", lw=1.2)
        ax.text(x + 0.13, y - 0.24, f"{printable(rt.name)}\n{_fmt_si(rt.value or 0, 'Ω')}",
                fontsize=6.5, va="center")
        _ground(ax, x, y - 0.42)
        ax.text(x - 0.1, y + 0.05, printable(rt.nodes[0]), fontsize=6, ha="right", color="tab:blue")
    elif vt is not None:
        ax.add_patch(Circle((x, y - 0.22), 0.16, fill=False, lw=1.2, zorder=3))
        ax.text(x + 0.2, y - 0.22, f"{printable(vt.name)}\n0 V", fontsize=6.5, va="center")
        _ground(ax, x, y - 0.38)
    else:
        ax.text(x, y - 0.1, "open", fontsize=6.5, ha="center", va="top")


def _stage(node: str) -> float | None:
    """Column of a node in spicelearn's layered naming scheme (None if foreign)."""
    m = re.match(r"^(?:x\d+[pn]|b1_\d+)$", node)
    if m:
        return 0.0
    for pat, off in ((r"^h(\d+)_\d+$", -1.0), (r"^a(\d+)_\d+$", -0.25), (r"^a(\d+)_\d+e$", -0.7),
                     (r"^b(\d+)_\d+$", -3.0)):
        m = re.match(pat, node)
        if m:
            return 2.0 * int(m.group(1)) + off
    if re.match(r"^o\d+[pn]?$", node):
        return float("inf")
    if node in ("dhi", "dlo", "idx"):
        return -0.8
    return None


def _positions(net: ParsedNetlist, nodes: list[str]) -> dict[str, tuple[float, float]]:
    stages = {n: _stage(n) for n in nodes}
    if nodes and all(s is not None for s in stages.values()):
        finite = [s for s in stages.values() if s != float("inf")]
        last = max(finite + [0.0])
        out_stage = math.floor(last) + 1
        out_stage += 1 - out_stage % 2
        columns: dict[float, list[str]] = {}
        for n in nodes:
            s = stages[n]
            columns.setdefault(out_stage if s == float("inf") else s, []).append(n)
        pos = {}
        for s, members in columns.items():
            for k, n in enumerate(members):
                pos[n] = (2.6 * s, 1.3 * ((len(members) - 1) / 2 - k))
        return pos
    g = nx.Graph()
    g.add_nodes_from(nodes)
    for el in net.elements:
        real = [n for n in el.nodes if n != GROUND]
        for a, b in zip(real, real[1:], strict=False):
            g.add_edge(a, b)
    raw = nx.spring_layout(g, seed=0, k=1.6 / max(1, len(nodes)) ** 0.5)
    scale = max(2.0, len(nodes) ** 0.5 * 1.3)
    return {n: (float(p[0]) * scale, float(p[1]) * scale) for n, p in raw.items()}


def _draw_graph(net: ParsedNetlist):
    nodes: list[str] = []
    for el in net.elements:
        for n in el.nodes:
            if n != GROUND and n not in nodes:
                nodes.append(n)
    pos = _positions(net, nodes)
    dev_els = [e for e in device_elements(net.elements) if _device_value(e) is not None]
    devices = {e.name for e in dev_els}
    value = {e.name: _device_value(e) for e in dev_els}
    gvals = [value[e.name] for e in dev_els]
    norm = (LogNorm(min(gvals), max(gvals)) if gvals and min(gvals) < max(gvals)
            else Normalize(0.5 * (gvals or [1.0])[0], 1.5 * (gvals or [1.0])[0]))
    cmap = plt.get_cmap("viridis")
    label_devices = len(devices) <= 24

    xs = [p[0] for p in pos.values()] or [0.0]
    ys = [p[1] for p in pos.values()] or [0.0]
    w = max(6.0, min(16.0, (max(xs) - min(xs)) * 1.1 + 3))
    h = max(4.5, min(14.0, (max(ys) - min(ys)) * 0.9 + 3))
    fig, ax = plt.subplots(figsize=(w, h))
    ground_slots: dict[str, int] = {}
    for el in net.elements:
        col = _KIND_COLOURS.get(el.kind, "0.4")
        is_dev = el.name in devices
        if is_dev:
            col = cmap(norm(value[el.name]))
        if el.kind == "A" and el.ports and el.ports[-1].nodes:
            out = el.ports[-1].nodes
            ends = [out[0], out[1] if len(out) > 1 else GROUND]
        else:
            ends = list(dict.fromkeys(el.nodes[:2] if el.kind in "EG" else el.nodes))
        if len(ends) < 2:
            ends = ends * 2
        for a, b in zip(ends, ends[1:], strict=False):
            if a == b == GROUND:  # an element from ground to ground: nothing to place
                continue
            pa, pb = _end(pos, a, b, ground_slots, ax), _end(pos, b, a, ground_slots, ax)
            ax.plot([pa[0], pb[0]], [pa[1], pb[1]], color=col, lw=2.2 if is_dev else 1.4,
                    zorder=1 if is_dev else 2, alpha=0.9)
            if not is_dev or label_devices:
                t = 0.5 if GROUND not in (a, b) else 0.55
                mx, my = pa[0] + t * (pb[0] - pa[0]), pa[1] + t * (pb[1] - pa[1])
                ax.text(mx, my, printable(el.name), fontsize=6, ha="center", va="center", zorder=5,
                        color="k" if is_dev else col,
                        bbox={"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none",
                              "alpha": 0.8})
    for n, (x, y) in pos.items():
        ax.plot(x, y, "o", color="k", ms=4, zorder=6)
        ax.text(x, y + 0.14, printable(n), fontsize=7.5, ha="center", va="bottom", zorder=7,
                fontweight="bold")
    if gvals:
        sm = plt.cm.ScalarMappable(norm=norm, cmap=cmap)
        cb = fig.colorbar(sm, ax=ax, fraction=0.03, pad=0.02, shrink=0.7)
        _plain_ticks(cb)
        cb.set_label(_value_label(dev_els))
    kinds = sorted({el.kind for el in net.elements if el.name not in devices})
    for k in kinds:
        ax.plot([], [], color=_KIND_COLOURS.get(k, "0.4"), lw=1.6, label=k)
    if kinds:
        ax.legend(title="element kind", fontsize=7, title_fontsize=7, loc="upper left",
                  bbox_to_anchor=(1.12, 1.0), frameon=False)
    extra = "" if label_devices else f" ({len(devices)} devices, coloured by g, unlabelled)"
    ax.set_title(f"{printable(net.title)}{extra}", fontsize=10)
    ax.set_aspect("equal", adjustable="datalim")
    ax.axis("off")
    return fig


def _end(pos: dict[str, tuple[float, float]], node: str, other: str,
         slots: dict[str, int], ax) -> tuple[float, float]:
    """Where an element's terminal sits: the node, or a fresh ground symbol below ``other``."""
    if node != GROUND:
        return pos[node]
    k = slots.get(other, 0)
    slots[other] = k + 1
    x, y = pos[other]
    gx, gy = x + 0.42 * (k - 0.5), y - 0.55
    _ground(ax, gx, gy)
    return gx, gy
