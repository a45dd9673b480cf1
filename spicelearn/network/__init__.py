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
from .config import (
    DEVICE_MODELS,
    NETWORK_KINDS,
    CrossbarConfig,
    DiodeConfig,
    LayeredConfig,
    NetworkConfig,
    check_network,
)
from .crossbar import Crossbar, build_crossbar
from .from_config import build_circuit, network_from_config
from .layered import DiodePair, LayeredNetwork, build_layered, init_conductances, layer_shapes

__all__ = [
    "DEVICE_MODELS", "GROUND", "NETWORK_KINDS", "Circuit", "Crossbar", "CrossbarConfig",
    "Device", "DiodeConfig", "DiodeModel", "DiodePair", "Element", "IdealDiodeModel",
    "InputDrive", "LayeredConfig", "LayeredNetwork", "NetworkConfig", "build_circuit",
    "build_crossbar", "build_layered", "check_conductances", "check_network",
    "init_conductances", "layer_shapes", "network_from_config",
]
