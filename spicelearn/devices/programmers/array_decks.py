"""Programming a crossbar in place: write schedules with V/2 or V/3 biasing, and their deck.

A crossbar of ``rows × cols`` devices is written one line at a time (a row
step or a column step), one polarity at a time. While device (i, j) is being
written with amplitude a (its planned pulse; A is the scheme's full amplitude
of that polarity), the lines sit at (row step; device voltage = V_row − V_col):

=========  ===========  ==========  ================  ===============
bias       row i        other rows  column j (sel.)   other columns
=========  ===========  ==========  ================  ===============
V/2        A/2          0           A/2 − a           0
V/3        A            A/3         A − a             2A/3
=========  ===========  ==========  ================  ===============

and, in a column step, column j at −A/2 (V/2) or 0 (V/3), a selected row
at a − A/2 (a), other rows 0 (A/3), other columns 0 (2A/3). So a selected
device sees a, the half-selected devices on its lines A/2 (V/2) or A/3 (V/3),
every other device 0 (V/2) or −A/3 (V/3). Each pulse slot is a trapezoid on
every line (ramps ``rise``/``fall``, then ``gap`` at 0 V); a device whose
train is shorter than the line's (identical pulses) or whose plateau is shorter
(PWM) has its data line moved to the unselected level for the rest of the slot
(over ``fall``, or faster when less time is left).

Topology as :mod:`spicelearn.network.crossbar`: row i driven at its left end
(``rin{i}``), column j at its bottom end (``cout{j}``), segments of ``r_wire``
between crossings ``r{i}_{j}`` / ``c{i}_{j}`` (single nodes ``r{i}``, ``c{j}``
without wire resistance). Each device runs from its row node through a 0 V
current sensor ``Vs{i}_{j}`` to its column node; energy nodes integrate the
power of every line driver (``Ber{i}``, ``Bec{j}``) and of every device
(``Bed{i}_{j}``), scaled as in :mod:`.decks`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...errors import DeviceModelError
from ..decks import MODEL_CARD, STATE_CAPACITANCE
from ..model import DeviceModel
from ..smooth import num
from .base import PulsePlan
from .decks import ENERGY_LEAK, energy_scale, model_card, resolve_rendering
from .nonideal import DevicePopulation
from .schemes import PulseScheme

BIASES: tuple[str, ...] = ("V/2", "V/3")
"""Write biasing schemes."""
STEPS: tuple[str, ...] = ("row", "column")
"""Lines written one at a time."""


@dataclass(frozen=True)
class ArrayDeck:
    """A rendered array programming step (see :class:`.decks.ProgrammingDeck`).

    Probes are (rows·cols,) in row-major device order; ``line_energy_probes``
    cover every line driver.
    """

    text: str
    form: str
    verilog_a: str | None
    state_probes: tuple[str, ...]
    energy_probes: tuple[str, ...]
    line_energy_probes: tuple[str, ...]
    energy_scale: float
    t_stop: float
    uic: bool
    phases: int


def _levels(bias: str, step: str, full: float, a: np.ndarray
            ) -> tuple[float, float, np.ndarray, float]:
    """(selected line, other lines of its kind, selected data lines (per device), other data)."""
    third = bias == "V/3"
    if step == "row":
        return ((full, full / 3, full - a, 2 * full / 3) if third
                else (full / 2, 0.0, full / 2 - a, 0.0))
    return ((0.0, 2 * full / 3, a, full / 3) if third
            else (-full / 2, 0.0, a - full / 2, 0.0))


class _Lines:
    """Piecewise-linear waveforms of every row and column line, built slot by slot."""

    def __init__(self, rows: int, cols: int) -> None:
        self.knots = {("r", i): [(0.0, 0.0)] for i in range(rows)}
        self.knots.update({("c", j): [(0.0, 0.0)] for j in range(cols)})

    def slot(self, line: tuple[str, int], start: float, rise: float, plateau: float,
             fall: float, level: float, until: float | None = None,
             after: float | None = None) -> None:
        """A trapezoid at ``level``, moving to ``after`` at plateau time ``until``."""
        top = start + rise + plateau
        pts = [(start, 0.0), (start + rise, level)]
        if after is not None and until is not None and after != level:
            change = start + rise + until
            end = min(change + fall, top)
            if end > change:
                pts += [(change, level), (end, after)]
                level = after
        pts += [(top, level), (top + fall, 0.0)]
        out = self.knots[line]
        for t, v in pts:
            if t > out[-1][0]:
                out.append((t, v))
            else:
                out[-1] = (out[-1][0], v)

    def source(self, name: str, node: str, line: tuple[str, int]) -> str:
        """``V<name> <node> 0 PWL(...)`` with continuation lines."""
        pairs = [f"{num(t)} {num(v)}" for t, v in self.knots[line]]
        chunks = [" ".join(pairs[k:k + 6]) for k in range(0, len(pairs), 6)]
        return f"V{name} {node} 0 PWL(" + "\n+ ".join(chunks) + ")"


def _on_line(values: np.ndarray, line: int, step: str) -> np.ndarray:
    """The devices of row ``line`` (row step) or column ``line`` (column step)."""
    return values[line, :] if step == "row" else values[:, line]


def schedule(lines: _Lines, plan: PulsePlan, scheme: PulseScheme, shape: tuple[int, int],
             bias: str, step: str) -> tuple[float, int]:
    """Write every line's waveform for ``plan``; (total duration [s], number of phases)."""
    rows, cols = shape
    count = plan.count.reshape(shape)
    pol = plan.polarity.reshape(shape)
    amp = plan.amplitude.reshape(shape)
    width = plan.width.reshape(shape)
    t = 0.0
    phases = 0
    n_lines = rows if step == "row" else cols
    for line in range(n_lines):
        for p in (1, -1):
            sel = (pol[line, :] == p) if step == "row" else (pol[:, line] == p)
            if not sel.any():
                continue
            phases += 1
            n = _on_line(count, line, step) * sel
            a = np.where(sel, _on_line(amp, line, step), 0.0)
            w = _on_line(width, line, step)
            full = scheme.amplitude(p)
            s_line, o_line, s_data, o_data = _levels(bias, step, full,
                                                     np.where(sel, a, full))
            kind, data = ("r", "c") if step == "row" else ("c", "r")
            slots = int(n.max()) if scheme.kind == "identical" else 1
            plateau = float(np.max(w[sel])) if scheme.kind == "pwm" else (
                scheme.width if scheme.kind == "identical" else scheme.pam_width)
            for k in range(slots):
                for other in range(n_lines):
                    level = s_line if other == line else o_line
                    lines.slot((kind, other), t, plan.rise, plateau, plan.fall, level)
                for d in range(n.size):
                    on = n[d] > k
                    if scheme.kind == "pwm" and on:
                        lines.slot((data, d), t, plan.rise, plateau, plan.fall, s_data[d],
                                   until=float(w[d]), after=o_data)
                    else:
                        lines.slot((data, d), t, plan.rise, plateau, plan.fall,
                                   s_data[d] if on else o_data)
                t += plan.rise + plateau + plan.fall + plan.gap
    return t, phases


def render_array(population: DevicePopulation, x: np.ndarray, plan: PulsePlan,
                 scheme: PulseScheme, shape: tuple[int, int], r_wire: float, bias: str,
                 step: str, rendering: str | None = None) -> ArrayDeck:
    """The crossbar programming deck of one update (see the module docstring).

    Raises:
        DeviceModelError: an unknown bias or step, a negative wire resistance, or
            a plan that does not fit the crossbar.
    """
    if bias not in BIASES or step not in STEPS:
        raise DeviceModelError(f"array programming needs bias in {BIASES} and step in "
                               f"{STEPS}, got {bias!r}, {step!r}")
    if not r_wire >= 0:
        raise DeviceModelError(f"wire resistance must be >= 0 Ohm, got {r_wire!r}")
    rows, cols = shape
    if plan.count.size != rows * cols:
        raise DeviceModelError(f"a {rows}x{cols} crossbar has {rows * cols} devices, "
                               f"got {plan.count.size}")
    model: DeviceModel = population.model
    form = resolve_rendering(model, rendering)
    lines = _Lines(rows, cols)
    t_stop, phases = schedule(lines, plan, scheme, shape, bias, step)
    k = energy_scale(model, plan) / (rows + cols)
    wired = r_wire > 0

    def rnode(i: int, j: int) -> str:
        return f"r{i}_{j}" if wired else f"r{i}"

    def cnode(i: int, j: int) -> str:
        return f"c{i}_{j}" if wired else f"c{j}"

    out = [f"spicelearn array programming step: {model.name}, {rows}x{cols}, {bias} "
           f"{step} steps, {form}"]
    leak = [] if form == "behavioural" else [f"{num(ENERGY_LEAK)}"]
    for i in range(rows):
        drive = f"rin{i}" if wired else rnode(i, 0)
        out.append(lines.source(f"r{i}", drive, ("r", i)))
        out += [f"Ber{i} 0 er{i} I={num(k)}*V({drive})*(-I(Vr{i}))", f"Cer{i} er{i} 0 1"]
        out += [f"Rer{i} er{i} 0 {v}" for v in leak]
        prev = drive
        for j in range(cols if wired else 0):
            out.append(f"Rrw{i}_{j} {prev} {rnode(i, j)} {num(r_wire)}")
            prev = rnode(i, j)
    for j in range(cols):
        drive = f"cout{j}" if wired else cnode(0, j)
        out.append(lines.source(f"c{j}", drive, ("c", j)))
        out += [f"Bec{j} 0 ec{j} I={num(k)}*V({drive})*(-I(Vc{j}))", f"Cec{j} ec{j} 0 1"]
        out += [f"Rec{j} ec{j} 0 {v}" for v in leak]
        for i in range(rows if wired else 0):
            nxt = cnode(i + 1, j) if i + 1 < rows else drive
            out.append(f"Rcw{i}_{j} {cnode(i, j)} {nxt} {num(r_wire)}")
    if form == "verilog-a" and not population.spread:
        out.append(model_card(model, MODEL_CARD))
    states: list[str] = []
    for i in range(rows):
        for j in range(cols):
            d = i * cols + j
            own = population.device_model(d) if population.spread else model
            v, s = f"V({rnode(i, j)},s{i}_{j})", f"s{i}_{j}"
            if form == "behavioural":
                xs = f"V(x{i}_{j})"
                out += [f"Bm{i}_{j} {rnode(i, j)} {s} I={own.spice_conductance(xs)}*"
                        f"{own.spice_shape(v)}",
                        f"Bx{i}_{j} 0 x{i}_{j} I={own.spice_dxdt(v, xs)}",
                        f"Cx{i}_{j} x{i}_{j} 0 {num(STATE_CAPACITANCE)}",
                        f".ic V(x{i}_{j})={num(x[d])}"]
                states.append(f"v(x{i}_{j})")
            else:
                card = f"{MODEL_CARD}{d}" if population.spread else MODEL_CARD
                if population.spread:
                    out.append(model_card(own, card))
                out.append(f"Nm{i}_{j} {rnode(i, j)} {s} {card} x0={num(x[d])}")
                out.append(f"Red{i}_{j} ed{i}_{j} 0 {num(ENERGY_LEAK)}")
                states.append(f"v(nm{i}_{j}#x)")
            out += [f"Vs{i}_{j} {s} {cnode(i, j)} 0",
                    f"Bed{i}_{j} 0 ed{i}_{j} I={num(k)}*{v}*I(Vs{i}_{j})",
                    f"Ced{i}_{j} ed{i}_{j} 0 1"]
    return ArrayDeck("\n".join(out) + "\n", form, model.verilog_a if form == "verilog-a" else None,
                     tuple(states),
                     tuple(f"v(ed{i}_{j})" for i in range(rows) for j in range(cols)),
                     tuple([f"v(er{i})" for i in range(rows)] + [f"v(ec{j})" for j in range(cols)]),
                     k, t_stop, form == "behavioural", phases)
