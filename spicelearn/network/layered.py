"""Layered EqProp networks in the style of Kendall et al. (2020).

Each input feature x is applied as a voltage-source pair (+x, −x) so positive
conductances give signed weights; optional bias sources feed every layer; dense
crossbars of programmable conductances join consecutive layers; each hidden node
carries a diode pair (one forward into a bias voltage ``v_hi``, one reverse from
``v_lo``) as its nonlinearity; optional bidirectional amplifiers sit after each hidden layer: a VCVS
``Ea{l}_{j}`` of gain A drives ``a{l}_{j}`` through a 0 V sense source
``Vsa{l}_{j}``, and a CCCS ``Fa{l}_{j}`` draws 1/A of the sensed current out of
the hidden node; every output node
carries a nudging current source (0 A in the free phase) and an optional load.

Node names: ``x{i}p``/``x{i}n`` inputs, ``b{l}_{k}`` biases of layer l,
``h{l}_{j}`` hidden nodes, ``a{l}_{j}`` amplified hidden nodes, ``o{k}`` (or
``o{k}p``/``o{k}n``) outputs. Device ``Rw{l}_{i}_{j}`` joins row i of layer l to
column j. Rows of a layer are its input nodes followed by its bias nodes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..devices.linear import LinearConductance
from ..devices.model import DeviceModel
from ..errors import NetworkError
from .circuit import (
    GROUND,
    VT,
    Circuit,
    Device,
    DiodeModel,
    Element,
    IdealDiodeModel,
    InputDrive,
    check_conductances,
    check_rendering,
    clip_to_range,
    describe_devices,
)

NONLINEARITIES = ("spice", "ideal", "none")

DIODE_PARTS: dict[str, tuple[float, float]] = {
    "1n4148": (2.52e-9, 1.752),
}
"""SPICE junction-diode parameters (IS [A], N [1]) of real parts, by part name
(``network.diode.part``). 1N4148: the widely used vendor model card (its series
resistance of 0.568 Ω is left out: it is negligible at the microampere currents
of these networks)."""

KNEE_CURRENT = 1e-5
"""The current [A] at which a SPICE diode's knee voltage is taken (:meth:`DiodePair.knee`)."""


@dataclass(frozen=True)
class DiodePair:
    """The hidden-node nonlinearity: a diode pair that clamps the node's voltage.

    ``kind``: ``"ideal"`` (behavioural smooth ideal diode, g_on/v_smooth; the
    default), ``"spice"`` (a D element, model IS/N) or ``"none"`` (linear hidden
    nodes). The forward diode runs from the hidden node to a source at ``v_hi``,
    the reverse one from a source at ``v_lo`` to the node: the node conducts
    through the first above ``v_hi + knee`` and through the second below
    ``v_lo − knee`` (:meth:`window`), a hard-tanh-like activation.

    The defaults clamp at ±50 mV: a hidden node of a Kendall-style network sits
    within a few hundred millivolts of 0 V for inputs of ±0.5 V, so the diodes
    conduct on a large share of the samples and the network is not linear. (A
    SPICE diode to 0 V, with its knee near 0.6 V, never conducts there.)
    """

    kind: str = "ideal"
    IS: float = 1e-14
    """SPICE saturation current [A]."""
    N: float = 1.0
    """SPICE emission coefficient [1]."""
    g_on: float = 1e-2
    """Ideal-diode on conductance [S]."""
    v_smooth: float = 1e-3
    """Ideal-diode knee width [V]."""
    v_hi: float = 0.05
    """Bias voltage of the forward diode's cathode [V]."""
    v_lo: float = -0.05
    """Bias voltage of the reverse diode's anode [V]."""

    def knee(self) -> float:
        """Forward voltage [V] at which one diode of the pair starts to conduct.

        Ideal diode: 0 V (its knee is at its bias). SPICE diode: the voltage that
        carries :data:`KNEE_CURRENT`, ``N·V_T·ln(1 + I_knee/IS)``. A hidden node
        then clamps above ``v_hi + knee`` and below ``v_lo − knee``.
        """
        if self.kind == "spice":
            return float(self.N * VT * np.log1p(KNEE_CURRENT / self.IS))
        return 0.0

    def window(self) -> tuple[float, float]:
        """(low, high) hidden-node voltages [V] between which neither diode conducts."""
        k = self.knee()
        return (self.v_lo - k, self.v_hi + k)


@dataclass(frozen=True)
class LayeredNetwork:
    """A layered EqProp network (plain data).

    Attributes:
        n_inputs: input features (each becomes a ± source pair).
        hidden: hidden layer sizes (may be empty).
        n_outputs: classes (each one node, or a ± pair if ``differential``).
        differential: outputs as (+, −) node pairs; prediction V⁺ − V⁻.
        bias: voltages of the bias sources feeding every layer [V] (may be empty).
        diode: the hidden-node nonlinearity.
        amplifier_gain: gain A of the bidirectional amplifiers after each hidden
            layer; 0 means no amplifiers.
        load_resistance: load from each output node to ground [Ω]; 0 means none.
        g_min, g_max: device conductance bounds [S] of the ideal device (used
            when ``device`` is None).
        conductances: one (rows, cols) array per layer [S]: the read conductances
            (within the device model's range; the states are the model's
            ``state_of`` of them).
        device: the programmable device model; None means the ideal device
            ``LinearConductance(g_min, g_max)``.
        rendering: ``"behavioural"`` or ``"verilog-a"`` (see :class:`~.circuit.Circuit`).
    """

    n_inputs: int
    hidden: tuple[int, ...]
    n_outputs: int
    conductances: tuple[np.ndarray, ...]
    differential: bool = True
    bias: tuple[float, ...] = (1.0,)
    diode: DiodePair = field(default_factory=DiodePair)
    amplifier_gain: float = 0.0
    load_resistance: float = 0.0
    g_min: float = 1e-5
    g_max: float = 1e-2
    name: str = "layered"
    device: DeviceModel | None = None
    rendering: str = "behavioural"

    def device_model(self) -> DeviceModel:
        """The device model: ``device``, or the ideal device of [g_min, g_max]."""
        return self.device if self.device is not None else LinearConductance(self.g_min,
                                                                              self.g_max)

    @property
    def layer_shapes(self) -> list[tuple[int, int]]:
        """(rows, cols) of each crossbar layer."""
        return layer_shapes(self.n_inputs, self.hidden, self.n_outputs,
                            self.differential, len(self.bias))


def layer_shapes(n_inputs: int, hidden: tuple[int, ...], n_outputs: int,
                 differential: bool, n_bias: int) -> list[tuple[int, int]]:
    """(rows, cols) of each crossbar: rows are inputs (± pairs) or hidden nodes, plus biases."""
    cols = list(hidden) + [n_outputs * (2 if differential else 1)]
    rows = [2 * n_inputs] + list(hidden)
    return [(r + n_bias, c) for r, c in zip(rows, cols, strict=True)]


def init_conductances(shapes: list[tuple[int, int]], g_min: float, g_max: float,
                      low: float, high: float, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Uniform initial conductances in [low, high] S, one array per layer."""
    if not (0 < g_min <= low <= high <= g_max):
        raise NetworkError(
            f"initial conductances [{low}, {high}] S must lie within [g_min, g_max] = "
            f"[{g_min}, {g_max}] S and be > 0"
        )
    return tuple(rng.uniform(low, high, size=s) for s in shapes)


def validate_layered(net: LayeredNetwork) -> None:
    """Raise NetworkError for an inconsistent description."""
    if net.n_inputs <= 0:
        raise NetworkError(f"inputs must be > 0, got {net.n_inputs}")
    if net.n_outputs <= 0:
        raise NetworkError(f"outputs must be > 0, got {net.n_outputs}")
    for i, h in enumerate(net.hidden):
        if h <= 0:
            raise NetworkError(f"hidden layer {i + 1} has size {h}: layer sizes must be > 0")
    if net.diode.kind not in NONLINEARITIES:
        raise NetworkError(
            f"unknown nonlinearity '{net.diode.kind}' (known: {', '.join(NONLINEARITIES)})"
        )
    if net.diode.kind == "spice" and (net.diode.IS <= 0 or net.diode.N <= 0):
        raise NetworkError("diode IS and N must be > 0")
    if net.diode.kind == "ideal" and (net.diode.g_on <= 0 or net.diode.v_smooth <= 0):
        raise NetworkError("ideal diode g_on and v_smooth must be > 0")
    if net.amplifier_gain < 0:
        raise NetworkError("amplifier gain must be >= 0 (0 = no amplifiers)")
    if net.load_resistance < 0:
        raise NetworkError("load resistance must be >= 0 (0 = no load)")
    if not (0 < net.g_min < net.g_max):
        raise NetworkError(f"need 0 < g_min < g_max, got [{net.g_min}, {net.g_max}]")
    check_rendering(net.device_model(), net.rendering)
    shapes = net.layer_shapes
    if len(net.conductances) != len(shapes):
        raise NetworkError(f"{len(net.conductances)} conductance arrays for {len(shapes)} layers")
    for layer, (g, s) in enumerate(zip(net.conductances, shapes, strict=True), start=1):
        if np.shape(g) != s:
            raise NetworkError(f"layer {layer} conductances have shape {np.shape(g)}, expected {s}")
        try:
            check_conductances(g)
            clip_to_range(net.device_model(), np.ravel(g))
        except NetworkError as exc:
            raise NetworkError(f"layer {layer}: {exc}") from None


def build_layered(net: LayeredNetwork) -> Circuit:
    """Lower a layered network to a flat :class:`Circuit`."""
    validate_layered(net)
    elements: list[Element] = []
    models: dict[str, DiodeModel | IdealDiodeModel] = {}
    inputs: list[InputDrive] = []

    row_nodes: list[str] = []
    for i in range(net.n_inputs):
        for sign, tag in ((1.0, "p"), (-1.0, "n")):
            node = f"x{i}{tag}"
            elements.append(Element("V", f"Vx{i}{tag}", (node, GROUND), 0.0))
            inputs.append(InputDrive(f"Vx{i}{tag}", i, sign))
            row_nodes.append(node)

    n_layers = len(net.hidden) + 1
    if net.differential:
        out_nodes = [f"o{k}{t}" for k in range(net.n_outputs) for t in ("p", "n")]
    else:
        out_nodes = [f"o{k}" for k in range(net.n_outputs)]

    if net.diode.kind == "spice":
        models["dclamp"] = DiodeModel("dclamp", IS=net.diode.IS, N=net.diode.N)
    elif net.diode.kind == "ideal":
        models["dideal"] = IdealDiodeModel("dideal", g_on=net.diode.g_on,
                                           v_smooth=net.diode.v_smooth)

    hi_node, lo_node = GROUND, GROUND
    if net.hidden and net.diode.kind != "none":
        if net.diode.v_hi != 0.0:
            hi_node = "dhi"
            elements.append(Element("V", "Vdhi", ("dhi", GROUND), net.diode.v_hi))
        if net.diode.v_lo != 0.0:
            lo_node = "dlo"
            elements.append(Element("V", "Vdlo", ("dlo", GROUND), net.diode.v_lo))

    devices: list[Device] = []
    layer_sizes: list[int] = []
    for layer in range(1, n_layers + 1):
        bias_nodes = []
        for k, v in enumerate(net.bias):
            node = f"b{layer}_{k}"
            elements.append(Element("V", f"Vb{layer}_{k}", (node, GROUND), float(v)))
            bias_nodes.append(node)
        rows = row_nodes + bias_nodes
        if layer < n_layers:
            cols = [f"h{layer}_{j}" for j in range(net.hidden[layer - 1])]
        else:
            cols = out_nodes
        for i, a in enumerate(rows):
            for j, b in enumerate(cols):
                devices.append(Device(f"Rw{layer}_{i}_{j}", a, b, layer, i, j))
        layer_sizes.append(len(rows) * len(cols))
        if layer < n_layers:
            for h in cols:
                if net.diode.kind == "spice":
                    elements.append(Element("D", f"D{h}f", (h, hi_node), model="dclamp"))
                    elements.append(Element("D", f"D{h}r", (lo_node, h), model="dclamp"))
                elif net.diode.kind == "ideal":
                    elements.append(Element("B", f"X{h}f", (h, hi_node), model="dideal"))
                    elements.append(Element("B", f"X{h}r", (lo_node, h), model="dideal"))
            if net.amplifier_gain > 0:
                amp_nodes = []
                for j, h in enumerate(cols):
                    a, ae = f"a{layer}_{j}", f"a{layer}_{j}e"
                    elements.append(Element("E", f"Ea{layer}_{j}", (ae, GROUND, h, GROUND),
                                            float(net.amplifier_gain)))
                    elements.append(Element("V", f"Vsa{layer}_{j}", (ae, a), 0.0))
                    elements.append(Element("F", f"Fa{layer}_{j}", (h, GROUND),
                                            1.0 / float(net.amplifier_gain),
                                            control=f"Vsa{layer}_{j}"))
                    amp_nodes.append(a)
                row_nodes = amp_nodes
            else:
                row_nodes = cols

    nudges = []
    for node in out_nodes:
        if net.load_resistance > 0:
            elements.append(Element("R", f"Rload_{node}", (node, GROUND), net.load_resistance))
        elements.append(Element("I", f"Inudge_{node}", (GROUND, node), 0.0))
        nudges.append(f"Inudge_{node}")

    sizes = "-".join(str(s) for s in (net.n_inputs, *net.hidden, net.n_outputs))
    model = net.device_model()
    g = clip_to_range(model, np.concatenate([np.asarray(c, dtype=float).ravel()
                                             for c in net.conductances]))
    g_min, g_max = (net.g_min, net.g_max) if net.device is None else model.g_range()
    desc = (
        f"layered EqProp network {sizes} ({'differential' if net.differential else 'single'}"
        f" outputs), {len(devices)} devices",
        f"inputs as (+x, -x) source pairs; {len(net.bias)} bias source(s) per layer "
        f"{list(net.bias)} V",
        f"hidden nonlinearity: {describe_diode(net.diode)}",
        "amplifiers: " + (f"gain {net.amplifier_gain:g} (VCVS forward, CCCS 1/A backward)"
                          if net.amplifier_gain else "none"),
        f"conductance bounds [{g_min:g}, {g_max:g}] S",
        *describe_devices(model, net.rendering),
    )
    return Circuit(
        title=f"spicelearn {net.name} {sizes}",
        description=desc,
        elements=tuple(elements),
        models=models,
        devices=tuple(devices),
        g=g,
        g_min=g_min,
        g_max=g_max,
        inputs=tuple(inputs),
        n_features=net.n_inputs,
        outputs=tuple(out_nodes),
        differential=net.differential,
        nudges=tuple(nudges),
        layer_sizes=tuple(layer_sizes),
        layer_shapes=tuple(net.layer_shapes),
        layer_amplification=tuple(
            float(net.amplifier_gain) ** (n_layers - layer) if net.amplifier_gain > 0 else 1.0
            for layer in range(1, n_layers + 1)),
        device_model=model,
        device_rendering=net.rendering,
    )


def describe_diode(d: DiodePair) -> str:
    if d.kind == "spice":
        return (f"SPICE diode pair IS={d.IS:g} A N={d.N:g}, "
                f"biases v_hi={d.v_hi:g} V v_lo={d.v_lo:g} V")
    if d.kind == "ideal":
        return (f"ideal diode pair g_on={d.g_on:g} S v_smooth={d.v_smooth:g} V, "
                f"biases v_hi={d.v_hi:g} V v_lo={d.v_lo:g} V")
    return "none (linear)"
