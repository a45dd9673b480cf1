"""The flat circuit: every element, every node, in one plain-data object.

A :class:`Circuit` is what a network description lowers to. The netlist renderer,
the numeric engine, the ngspice engine, the inspector and the learning rules all
read this one object, so the SPICE run and the numeric check cannot disagree
about what the circuit is.

Element kinds and their node order (SPICE conventions):

* ``R`` (a, b): resistor, ``value`` in Ω.
* ``D`` (anode, cathode): SPICE junction diode, ``model`` names a :class:`DiodeModel`.
* ``B`` (anode, cathode): ideal behavioural diode, ``model`` names an
  :class:`IdealDiodeModel`; rendered as an instance of a subcircuit from
  ``device_models/ideal_diode.lib``.
* ``V`` (p, n): voltage source, ``value`` V(p) − V(n) in V.
* ``I`` (p, n): current source, ``value`` in A flowing from p through the source
  to n (so it is injected into n).
* ``E`` (p, n, cp, cn): VCVS, V(p) − V(n) = value · (V(cp) − V(cn)).
* ``F`` (p, n): CCCS, ``value`` · I(control) flows from p through the source to
  n; ``control`` names a V or E element whose branch current is sensed.

Programmable devices are kept apart from ``elements`` in ``devices``: each is a
two-terminal device of the circuit's :attr:`Circuit.device_model`
(``I = g(x)·h(V)``, :mod:`spicelearn.devices.model`) with a state ``x`` in
``state`` and its read conductance ``g = g(x)`` [S] in ``g``, in device order.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np

from ..devices.linear import LinearConductance
from ..devices.model import DeviceModel
from ..errors import DeviceModelError, NetworkError

GROUND = "0"

CONST_BOLTZ = 1.38064852e-23
"""Boltzmann's constant as ngspice uses it [J/K]."""
CHARGE = 1.6021766208e-19
"""Elementary charge as ngspice uses it [C]."""
TNOM = 300.15
"""ngspice's nominal temperature (27 °C) [K]."""
VT = CONST_BOLTZ * TNOM / CHARGE
"""Thermal voltage k·T/q at TNOM [V] (≈ 25.8649 mV)."""


@dataclass(frozen=True)
class Element:
    """One fixed circuit element (not a programmable device)."""

    kind: str
    name: str
    nodes: tuple[str, ...]
    value: float = 0.0
    model: str | None = None
    control: str | None = None


@dataclass(frozen=True)
class DiodeModel:
    """A SPICE diode model (DC parameters only)."""

    name: str
    IS: float = 1e-14
    """Saturation current [A]."""
    N: float = 1.0
    """Emission coefficient [1]."""


@dataclass(frozen=True)
class IdealDiodeModel:
    """A smooth ideal diode: ``I = g_on/2 · (V + sqrt(V² + v_s²) − v_s)``.

    A well-posed rectifier (no ``abs`` or step; device_models/ideal_diode.lib):
    I(0) = 0, slope → ``g_on`` when forward-biased, reverse current → −g_on·v_s/2.
    """

    name: str
    g_on: float = 1e-2
    """On conductance [S]."""
    v_smooth: float = 1e-2
    """Smoothing voltage [V]: the width of the knee at 0 V."""


@dataclass(frozen=True)
class Device:
    """A programmable two-terminal conductance between nodes ``a`` and ``b``.

    ``layer``, ``row`` and ``col`` place it in its crossbar (layer 1 is the first).
    """

    name: str
    a: str
    b: str
    layer: int
    row: int
    col: int


@dataclass(frozen=True)
class InputDrive:
    """A voltage source driven by one input feature: value = sign · x[feature]."""

    source: str
    feature: int
    sign: float


@dataclass(frozen=True)
class Circuit:
    """A whole circuit, flat.

    Attributes:
        title: one-line title (the first line of the netlist).
        description: comment lines for the netlist header.
        elements: fixed elements in netlist order.
        models: diode and ideal-diode models by name.
        devices: programmable conductances, in device order.
        g: (n_devices,) device conductances [S].
        g_min, g_max: the devices' conductance bounds [S].
        inputs: input drives; ``n_features`` is the number of input features.
        outputs: output node names, in output order (for differential outputs
            ``o0p, o0n, o1p, ...``).
        differential: whether outputs come in (+, −) pairs.
        nudges: one current-source name per output node, injecting into it.
        layer_sizes: devices per crossbar layer (sums to n_devices).
        layer_shapes: (rows, cols) of each crossbar layer.
        layer_amplification: per layer, the product of the gains of the
            bidirectional amplifiers between that layer's devices and the outputs
            (A^k for k amplifiers of gain A; 1.0 without amplifiers). EqProp
            measures such a layer's gradient scaled by its inverse square.
        device_model: the model of every programmable device; ``None`` means
            the ideal device, ``LinearConductance(g_min, g_max)``.
        device_rendering: how ngspice settles the devices: ``"behavioural"``
            (a resistor ``1/g`` for an ohmic model, else a B-source
            ``I = h(V)`` of multiplier ``m = g``) or ``"verilog-a"`` (the model's
            module as frozen OSDI instances of state ``x0``).
        state: (n_devices,) device states [the model's state unit]; ``None``
            means ``device_model.state_of(g)``.
        clamp_ready: whether the outputs can be clamped (pulled through a
            conductance towards target voltages) in a settle; the ngspice sweep
            form then holds one clamp element per output (inactive at 0 S).

    The states and the read conductances are kept together: ``g`` is
    ``device_model.conductance(state)``. Change them with :meth:`with_states`
    or :meth:`with_conductances`; a copy made with ``dataclasses.replace(c, g=...)``
    takes its states from the new ``g`` (a state is kept only where it
    reproduces ``g`` exactly).
    """

    title: str
    description: tuple[str, ...]
    elements: tuple[Element, ...]
    models: dict[str, DiodeModel | IdealDiodeModel]
    devices: tuple[Device, ...]
    g: np.ndarray
    g_min: float
    g_max: float
    inputs: tuple[InputDrive, ...]
    n_features: int
    outputs: tuple[str, ...]
    differential: bool
    nudges: tuple[str, ...]
    layer_sizes: tuple[int, ...]
    layer_shapes: tuple[tuple[int, int], ...] = field(default=())
    layer_amplification: tuple[float, ...] = field(default=())
    device_model: DeviceModel | None = None
    device_rendering: str = "behavioural"
    state: np.ndarray | None = None
    clamp_ready: bool = False

    def __post_init__(self) -> None:
        model = self.device_model
        if model is None:
            model = LinearConductance(self.g_min, self.g_max)
            object.__setattr__(self, "device_model", model)
        g = np.asarray(self.g, dtype=float) if _real(self.g) else self.g
        x = self.state
        with np.errstate(all="ignore"):
            keep = (x is not None and isinstance(g, np.ndarray) and np.shape(x) == g.shape
                    and np.array_equal(model.conductance(x), g))
            if not keep:
                x = model.state_of(g) if isinstance(g, np.ndarray) else None
        object.__setattr__(self, "state", x)

    @property
    def n_devices(self) -> int:
        return len(self.devices)

    @property
    def n_classes(self) -> int:
        return len(self.outputs) // 2 if self.differential else len(self.outputs)

    @cached_property
    def nodes(self) -> tuple[str, ...]:
        """Every non-ground node, in first-appearance order (elements, then devices)."""
        seen: dict[str, None] = {}
        for el in self.elements:
            for n in el.nodes:
                if n != GROUND:
                    seen.setdefault(n, None)
        for d in self.devices:
            for n in (d.a, d.b):
                if n != GROUND:
                    seen.setdefault(n, None)
        return tuple(seen)

    @cached_property
    def terminal_index(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Column indices into ``nodes`` of each device's a and b and of each output.

        Ground is index ``len(nodes)`` (one past the last node).
        """
        index = {n: i for i, n in enumerate(self.nodes)}
        ground = len(self.nodes)
        ia = np.array([index.get(d.a, ground) for d in self.devices], dtype=int)
        ib = np.array([index.get(d.b, ground) for d in self.devices], dtype=int)
        io = np.array([index[o] for o in self.outputs], dtype=int)
        return ia, ib, io

    def element(self, name: str) -> Element:
        for el in self.elements:
            if el.name == name:
                return el
        raise KeyError(name)

    @property
    def model(self) -> DeviceModel:
        """The device model (never None after construction)."""
        assert self.device_model is not None
        return self.device_model

    def with_conductances(self, g: np.ndarray) -> Circuit:
        """A copy with new read conductances ``g`` [S] and the states that give them.

        ``g`` must lie within the device model's conductance range
        (:meth:`~spicelearn.devices.model.DeviceModel.g_range`); values outside it
        by no more than :data:`RANGE_SLACK` of the range (rounding) are clipped
        onto it, anything further out is an error (:func:`clip_to_range`; the
        ideal device takes any g > 0). The states are ``device_model.state_of(g)``.

        Raises:
            NetworkError: a wrong shape, a conductance that is not finite and > 0,
                or one outside the model's range.
        """
        g = np.asarray(g, dtype=float)
        if g.shape != (self.n_devices,):
            raise NetworkError(
                f"conductances have shape {g.shape}, expected ({self.n_devices},)"
            )
        check_conductances(g)
        g = clip_to_range(self.model, g)
        with np.errstate(all="ignore"):
            x = self.model.state_of(g)
        return self._copy_with(g.copy(), x)

    def with_states(self, x: np.ndarray) -> Circuit:
        """A copy with new device states ``x`` and their read conductances.

        Raises:
            NetworkError: a wrong shape, or a state that is not finite or lies
                outside the model's state bounds.
        """
        x = np.asarray(x, dtype=float)
        if x.shape != (self.n_devices,):
            raise NetworkError(f"states have shape {x.shape}, expected ({self.n_devices},)")
        try:
            x = self.model.check_state(x).copy()
        except DeviceModelError as exc:
            raise NetworkError(str(exc)) from None
        return self._copy_with(self.model.conductance(x), x)

    def with_devices(self, g: np.ndarray, x: np.ndarray | None) -> Circuit:
        """A copy with the conductances ``g`` [S] and states ``x`` of another copy of this
        circuit (exactly: the states are kept where they give ``g``; no range checks)."""
        return self._copy_with(np.asarray(g, dtype=float), x)

    def _copy_with(self, g: np.ndarray, x: np.ndarray | None) -> Circuit:
        new = replace(self, g=g, state=x)
        for derived in ("nodes", "terminal_index"):  # same structure: keep what was derived
            if derived in self.__dict__:
                new.__dict__[derived] = self.__dict__[derived]
        return new

    def with_clamps(self) -> Circuit:
        """A copy whose outputs can be clamped in a settle (:attr:`clamp_ready`)."""
        return self if self.clamp_ready else replace(self, clamp_ready=True)

    def layer_slices(self) -> list[slice]:
        """Slices of ``g`` for each crossbar layer."""
        out, start = [], 0
        for n in self.layer_sizes:
            out.append(slice(start, start + n))
            start += n
        return out


RANGE_SLACK = 1e-9
"""Conductances this far outside a model's range (relative to the range) are rounding [1]."""


def _real(value: object) -> bool:
    try:
        return np.asarray(value).dtype.kind in "iuf"
    except (TypeError, ValueError):
        return False


def clip_to_range(model: DeviceModel, g: np.ndarray) -> np.ndarray:
    """``g`` [S] clipped onto the model's conductance range, if it is off by rounding only.

    The ideal device (:class:`LinearConductance`) is exempt: any conductance > 0
    is a valid ideal resistor, and its [g_min, g_max] is the range the programmer
    keeps it in (finite differences of the loss step across it). For every
    other model the range is where its state is defined.

    Raises:
        NetworkError: a conductance further outside the range than :data:`RANGE_SLACK`.
    """
    if isinstance(model, LinearConductance):
        return np.asarray(g, dtype=float)
    lo, hi = model.g_range()
    slack = RANGE_SLACK * (hi - lo)
    g = np.asarray(g, dtype=float)
    bad = (g < lo - slack) | (g > hi + slack)
    if np.any(bad):
        k = int(np.argmax(bad))
        raise NetworkError(f"conductance {k} is {float(g[k])!r} S, outside the {model.name} "
                           f"device's range [{lo!r}, {hi!r}] S")
    return np.clip(g, lo, hi) if np.any((g < lo) | (g > hi)) else g


RENDERINGS = ("behavioural", "verilog-a")
"""How ngspice settles the programmable devices (see :class:`Circuit`)."""


def check_rendering(model: DeviceModel, rendering: str) -> None:
    """Raise NetworkError for an unknown rendering, or ``verilog-a`` without a module."""
    if rendering not in RENDERINGS:
        raise NetworkError(f"unknown device rendering {rendering!r} "
                           f"(known: {', '.join(RENDERINGS)})")
    if rendering == "verilog-a" and not model.verilog_a:
        raise NetworkError(f"device model '{model.name}' has no Verilog-A module "
                           "(rendering = 'verilog-a' needs one)")


def describe_devices(model: DeviceModel, rendering: str) -> tuple[str, ...]:
    """Netlist comment lines naming a device model other than the ideal one."""
    if isinstance(model, LinearConductance):
        return ()
    params = " ".join(f"{k}={v:g}" for k, v in model.parameters().items())
    return (f"devices: {model.name} ({rendering}) {params}",)


def check_conductances(g: np.ndarray) -> None:
    """Raise NetworkError unless every conductance is finite and > 0."""
    g = np.asarray(g, dtype=float)
    if not np.all(np.isfinite(g)):
        raise NetworkError("conductances must be finite")
    if np.any(g <= 0):
        flat = int(np.argmax(g.ravel() <= 0))
        idx = np.unravel_index(flat, g.shape) if g.ndim > 1 else (flat,)
        where = ", ".join(str(int(k)) for k in idx)
        where = f"({where})" if g.ndim > 1 else where
        raise NetworkError(
            f"conductance {where} is {float(g.ravel()[flat])!r} S: conductances must be > 0")
