"""The ``[network]`` config table: its keys, defaults, units and checks.

``network.kind`` selects the model of the table (:data:`NETWORK_KINDS`: ``layered``
by default, or ``crossbar``); ``network.devices.model`` selects the device model
and with it the parameters ``[network.devices]`` accepts (:data:`DEVICE_MODELS`,
derived from the device-model registry in :mod:`.device_config`: a model
registered in :data:`spicelearn.devices.registry.DEVICE_MODELS` is configurable
with nothing else to write).

Defaults the Python descriptions share (:class:`~.layered.DiodePair`,
:class:`~.layered.LayeredNetwork`, :class:`~.crossbar.Crossbar`) are taken from
them; those of the config alone (``bias``, ``init_low``, ``init_high``) are written
here.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from ..config import (
    ConfigModel,
    Finite,
    NonNegative,
    Positive,
    PositiveInt,
    SafeName,
    check,
    choice,
    tagged_union,
    tags_of,
)
from .crossbar import TERMINATIONS, Crossbar
from .device_config import DEVICE_MODELS, DeviceParams, DevicesConfig
from .layered import DIODE_PARTS, NONLINEARITIES, DiodePair, LayeredNetwork

Nonlinearity = choice(NONLINEARITIES, "nonlinearity")
DiodePart = choice(("custom", *DIODE_PARTS), "diode part")
Termination = choice(TERMINATIONS, "termination")


class DiodeConfig(ConfigModel):
    """``[network.diode]``: the hidden-node nonlinearity (see :class:`~.layered.DiodePair`)."""

    section = "network.diode"
    kind: Nonlinearity = DiodePair.kind
    """``spice`` (D element), ``ideal`` (behavioural) or ``none`` (linear hidden nodes)."""
    is_: Positive = Field(DiodePair.IS, alias="is")
    """SPICE saturation current [A]."""
    n: Positive = DiodePair.N
    """SPICE emission coefficient [1]."""
    g_on: Positive = DiodePair.g_on
    """Ideal diode: on conductance [S]."""
    v_smooth: Positive = DiodePair.v_smooth
    """Ideal diode: knee width [V]."""
    v_hi: Finite = DiodePair.v_hi
    """Bias of the forward diode's cathode [V]."""
    v_lo: Finite = DiodePair.v_lo
    """Bias of the reverse diode's anode [V]."""
    part: DiodePart = "custom"
    """SPICE diode: ``custom`` (``is`` and ``n`` as given) or a real part whose IS and N
    are used (``1n4148``; then without ``is``/``n``)."""

    @model_validator(mode="after")
    def _thresholds(self) -> DiodeConfig:
        if self.part != "custom" and ("is_" in self.model_fields_set
                                      or "n" in self.model_fields_set):
            raise PydanticCustomError("spicelearn_part",
                                      "gives part = {part} and is/n: choose one",
                                      {"part": repr(self.part)})
        if self.part != "custom" and self.kind != "spice":
            raise PydanticCustomError("spicelearn_part", "part needs kind = 'spice', got {k}",
                                      {"k": repr(self.kind)})
        if self.kind == "none":
            return self
        lo, hi = self.pair().window()
        if not lo < hi:
            raise PydanticCustomError(
                "spicelearn_window",
                "thresholds out of order: the hidden nodes would conduct both ways (clamp "
                "window {window} V from v_lo = {v_lo} V, v_hi = {v_hi} V); "
                "need v_lo - knee < v_hi + knee",
                {"window": f"[{lo:.3g}, {hi:.3g}]", "v_lo": f"{self.v_lo:g}",
                 "v_hi": f"{self.v_hi:g}"})
        if not lo <= 0.0 <= hi:
            raise PydanticCustomError(
                "spicelearn_window",
                "thresholds of the wrong sign: the clamp window {window} V "
                "(from v_lo = {v_lo} V, v_hi = {v_hi} V) must contain 0 V",
                {"window": f"[{lo:.3g}, {hi:.3g}]", "v_lo": f"{self.v_lo:g}",
                 "v_hi": f"{self.v_hi:g}"})
        return self

    def pair(self) -> DiodePair:
        """The :class:`DiodePair` this table describes."""
        IS, N = DIODE_PARTS[self.part] if self.part != "custom" else (self.is_, self.n)
        return DiodePair(kind=self.kind, IS=IS, N=N, g_on=self.g_on,
                         v_smooth=self.v_smooth, v_hi=self.v_hi, v_lo=self.v_lo)


def _layer_sizes(sizes: list[int]) -> list[int]:
    for i, size in enumerate(sizes):
        if size <= 0:
            raise PydanticCustomError("spicelearn_layer",
                                      "has a zero-size layer (layer {layer} = {size})",
                                      {"layer": i + 1, "size": size})
    return sizes


class LayeredConfig(ConfigModel):
    """A layered EqProp network (see :class:`~.layered.LayeredNetwork`)."""

    section = "network"
    kind: Literal["layered"] = "layered"
    """The network kind."""
    name: SafeName = LayeredNetwork.name
    """Name used in the netlist's title line."""
    inputs: PositiveInt
    """Input features (each becomes a (+x, −x) source pair)."""
    hidden: Annotated[list[int], AfterValidator(_layer_sizes)] = []
    """Hidden layer sizes."""
    outputs: PositiveInt
    """Classes (each one node, or a (+, −) pair if ``differential``)."""
    differential: bool = LayeredNetwork.differential
    """Outputs as (+, −) node pairs; class k reads V⁺ − V⁻."""
    bias: list[Finite] = [0.5, -0.5]
    """Voltages of the bias sources feeding every layer [V]."""
    amplifier_gain: NonNegative = LayeredNetwork.amplifier_gain
    """Gain of the bidirectional amplifiers after each hidden layer; 0 = none [1]."""
    load_resistance: NonNegative = LayeredNetwork.load_resistance
    """Load from each output node to ground; 0 = none [Ω]."""
    diode: DiodeConfig = Field(default_factory=DiodeConfig)
    """The hidden-node nonlinearity."""
    devices: DevicesConfig = Field(default_factory=next(iter(DEVICE_MODELS.values())))
    """The programmable devices."""

    @property
    def n_layers(self) -> int:
        """Crossbar layers (one more than hidden layers)."""
        return len(self.hidden) + 1


class CrossbarConfig(ConfigModel):
    """A single crossbar (see :class:`~.crossbar.Crossbar`)."""

    section = "network"
    kind: Literal["crossbar"] = "crossbar"
    """The network kind."""
    name: SafeName = Crossbar.name
    """Name used in the netlist's title line."""
    rows: PositiveInt
    """Row lines (input features)."""
    cols: PositiveInt
    """Column lines."""
    r_wire: NonNegative = Crossbar.r_wire
    """Resistance of one line segment; 0 = ideal wires [Ω]."""
    termination: Termination = Crossbar.termination
    """``resistor`` (columns loaded by ``r_term``) or ``virtual_ground`` (0 V sources)."""
    r_term: Positive = Crossbar.r_term
    """Termination resistance [Ω]."""
    devices: DevicesConfig = Field(default_factory=next(iter(DEVICE_MODELS.values())))
    """The programmable devices."""

    @property
    def n_layers(self) -> int:
        return 1


NETWORK_KINDS = tags_of(LayeredConfig, CrossbarConfig, key="kind")
"""Network kinds a config may name in ``network.kind`` (the first is the default)."""
NetworkConfig = tagged_union(NETWORK_KINDS, "kind", "network kind")


__all__ = ["DEVICE_MODELS", "NETWORK_KINDS", "CrossbarConfig", "DeviceParams", "DevicesConfig",
           "DiodeConfig", "LayeredConfig", "NetworkConfig", "check_network"]


def check_network(table: Any) -> LayeredConfig | CrossbarConfig:
    """The model of a ``[network]`` table; ConfigError naming the key if it is invalid."""
    if isinstance(table, LayeredConfig | CrossbarConfig):
        return table
    return check(NetworkConfig, table, "network")
