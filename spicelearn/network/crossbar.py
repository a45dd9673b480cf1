"""Memristor crossbars: rows × columns of devices between row and column lines.

Row i is driven by the voltage source ``Vr{i}`` (input feature i) at its left
end. With wire resistance ``r_wire`` > 0 each line is a chain of segments: row i
meets column j at node ``r{i}_{j}`` and column j meets row i at ``c{i}_{j}``;
segments are ``Rrw{i}_{j}`` (row) and ``Rcw{i}_{j}`` (column). Without wire
resistance the lines are single nodes ``r{i}`` and ``c{j}``. Device
``Rw1_{i}_{j}`` joins row i to column j. Column j ends at node ``cout{j}``,
terminated either by a resistor ``Rt{j}`` to ground (``termination="resistor"``;
these nodes are the outputs and carry nudging sources) or by a 0 V source
``Vt{j}`` (``termination="virtual_ground"``; the column currents are then the
read-out and the crossbar has no voltage outputs).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..devices.linear import LinearConductance
from ..devices.model import DeviceModel
from ..errors import NetworkError
from .circuit import (
    GROUND,
    Circuit,
    Device,
    Element,
    InputDrive,
    check_conductances,
    check_rendering,
    clip_to_range,
    describe_devices,
)

TERMINATIONS = ("resistor", "virtual_ground")


@dataclass(frozen=True)
class Crossbar:
    """A crossbar (plain data).

    Attributes:
        conductances: (rows, cols) device conductances [S].
        r_wire: resistance of one line segment [Ω]; 0 means ideal wires.
        termination: ``"resistor"`` or ``"virtual_ground"``.
        r_term: termination resistance [Ω] (for ``"resistor"``).
        g_min, g_max: device conductance bounds [S] of the ideal device (used
            when ``device`` is None).
        device: the programmable device model; None means the ideal device.
        rendering: ``"behavioural"`` or ``"verilog-a"`` (see :class:`~.circuit.Circuit`).
    """

    conductances: np.ndarray
    r_wire: float = 0.0
    termination: str = "resistor"
    r_term: float = 1000.0
    g_min: float = 1e-6
    g_max: float = 1e-2
    name: str = "crossbar"
    device: DeviceModel | None = None
    rendering: str = "behavioural"

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(np.shape(self.conductances))  # type: ignore[return-value]


def build_crossbar(xb: Crossbar) -> Circuit:
    """Lower a crossbar to a flat :class:`Circuit`."""
    g = np.asarray(xb.conductances, dtype=float)
    if g.ndim != 2 or 0 in g.shape:
        raise NetworkError(
            f"crossbar conductances must be a "
            f"non-empty (rows, cols) array, got shape {g.shape}"
        )
    check_conductances(g)
    model = xb.device if xb.device is not None else LinearConductance(xb.g_min, xb.g_max)
    check_rendering(model, xb.rendering)
    g = clip_to_range(model, g)
    g_min, g_max = (xb.g_min, xb.g_max) if xb.device is None else model.g_range()
    if xb.r_wire < 0:
        raise NetworkError("wire resistance must be >= 0")
    if xb.termination not in TERMINATIONS:
        raise NetworkError(
            f"unknown termination '{xb.termination}' "
            f"(known: {', '.join(TERMINATIONS)})"
        )
    if xb.termination == "resistor" and xb.r_term <= 0:
        raise NetworkError("termination resistance must be > 0")
    rows, cols = g.shape
    wired = xb.r_wire > 0
    elements: list[Element] = []
    inputs: list[InputDrive] = []
    devices: list[Device] = []

    def rnode(i: int, j: int) -> str:
        return f"r{i}_{j}" if wired else f"r{i}"

    def cnode(i: int, j: int) -> str:
        return f"c{i}_{j}" if wired else f"c{j}"

    for i in range(rows):
        drive = f"rin{i}" if wired else rnode(i, 0)
        elements.append(Element("V", f"Vr{i}", (drive, GROUND), 0.0))
        inputs.append(InputDrive(f"Vr{i}", i, 1.0))
        if wired:
            prev = drive
            for j in range(cols):
                elements.append(Element("R", f"Rrw{i}_{j}", (prev, rnode(i, j)), xb.r_wire))
                prev = rnode(i, j)
    if wired:
        for j in range(cols):
            for i in range(rows - 1):
                elements.append(Element(
                    "R", f"Rcw{i}_{j}", (cnode(i, j), cnode(i + 1, j)), xb.r_wire))
            elements.append(Element(
                "R", f"Rcw{rows - 1}_{j}", (cnode(rows - 1, j), f"cout{j}"), xb.r_wire))
    for i in range(rows):
        for j in range(cols):
            devices.append(Device(f"Rw1_{i}_{j}", rnode(i, j), cnode(i, j), 1, i, j))

    outputs: list[str] = []
    nudges: list[str] = []
    for j in range(cols):
        end = f"cout{j}" if wired else cnode(0, j)
        if xb.termination == "resistor":
            elements.append(Element("R", f"Rt{j}", (end, GROUND), xb.r_term))
            elements.append(Element("I", f"Inudge_{end}", (GROUND, end), 0.0))
            outputs.append(end)
            nudges.append(f"Inudge_{end}")
        else:
            elements.append(Element("V", f"Vt{j}", (end, GROUND), 0.0))

    desc = (
        f"crossbar {rows}x{cols}, {rows * cols} devices",
        f"wire resistance {xb.r_wire:g} Ohm per segment" if wired else "ideal wires",
        f"columns terminated by {xb.termination.replace('_', ' ')}"
        + (f" {xb.r_term:g} Ohm" if xb.termination == "resistor" else ""),
        f"conductance bounds [{g_min:g}, {g_max:g}] S",
        *describe_devices(model, xb.rendering),
    )
    return Circuit(
        title=f"spicelearn {xb.name} {rows}x{cols}",
        description=desc,
        elements=tuple(elements),
        models={},
        devices=tuple(devices),
        g=g.ravel().copy(),
        g_min=g_min,
        g_max=g_max,
        inputs=tuple(inputs),
        n_features=rows,
        outputs=tuple(outputs),
        differential=False,
        nudges=tuple(nudges),
        layer_sizes=(rows * cols,),
        layer_shapes=((rows, cols),),
        device_model=model,
        device_rendering=xb.rendering,
    )
