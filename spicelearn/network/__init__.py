"""Plain-data network descriptions and their flat circuits."""

from .circuit import (
    GROUND,
    Circuit,
    Device,
    DiodeModel,
    Element,
    IdealDiodeModel,
    InputDrive,
    check_conductances,
)
from .crossbar import Crossbar, build_crossbar
from .from_config import NETWORK_SCHEMA, build_circuit, network_from_config
from .layered import DiodePair, LayeredNetwork, build_layered, init_conductances, layer_shapes

__all__ = [
    "GROUND", "Circuit", "Crossbar", "Device", "DiodeModel", "DiodePair", "Element",
    "IdealDiodeModel", "InputDrive", "LayeredNetwork", "NETWORK_SCHEMA", "build_circuit",
    "build_crossbar", "build_layered", "check_conductances", "init_conductances",
    "layer_shapes", "network_from_config",
]
