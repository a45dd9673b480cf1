"""Building a network description from the ``[network]`` table of a config.

The keys, their defaults, units and checks are the models of
:mod:`spicelearn.network.config` (``LayeredConfig``, ``CrossbarConfig``,
``DiodeConfig``, the device models of ``DEVICE_MODELS``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..devices.linear import LinearConductance
from ..errors import ConfigError, DeviceModelError, NetworkError
from .circuit import Circuit
from .config import DEVICE_MODELS, NETWORK_KINDS, CrossbarConfig, LayeredConfig, check_network
from .crossbar import Crossbar, build_crossbar
from .layered import LayeredNetwork, build_layered, init_conductances, layer_shapes

KINDS = tuple(NETWORK_KINDS)
"""Network kinds a config may name in ``network.kind``."""


def network_from_config(table: dict[str, Any] | LayeredConfig | CrossbarConfig,
                        seed: int) -> LayeredNetwork | Crossbar:
    """Build the network description; initial conductances drawn from ``seed``.

    ``table`` is a ``[network]`` table (checked here) or its model. A network whose
    circuit would not fit in memory is refused before anything is allocated.

    Raises:
        ConfigError: an invalid table, naming the key.
    """
    from .memory import check_memory

    net = check_network(table)
    check_memory(net, engine=None)
    dev = net.devices
    rng = np.random.default_rng(seed)
    try:
        model = dev.device()
        g_min, g_max = model.g_range()
        device = None if isinstance(model, LinearConductance) else model
        if isinstance(net, CrossbarConfig):
            g = init_conductances([(net.rows, net.cols)], g_min, g_max,
                                  dev.init_low, dev.init_high, rng)[0]
            return Crossbar(conductances=g, r_wire=net.r_wire, termination=net.termination,
                            r_term=net.r_term, g_min=g_min, g_max=g_max, name=net.name,
                            device=device, rendering=dev.rendering_name)
        shapes = layer_shapes(net.inputs, tuple(net.hidden), net.outputs, net.differential,
                              len(net.bias))
        return LayeredNetwork(
            n_inputs=net.inputs, hidden=tuple(net.hidden), n_outputs=net.outputs,
            conductances=init_conductances(shapes, g_min, g_max, dev.init_low,
                                           dev.init_high, rng),
            differential=net.differential, bias=tuple(net.bias), diode=net.diode.pair(),
            amplifier_gain=net.amplifier_gain, load_resistance=net.load_resistance,
            g_min=g_min, g_max=g_max, name=net.name, device=device,
            rendering=dev.rendering_name,
        )
    except (NetworkError, DeviceModelError) as exc:
        raise ConfigError(f"network: {exc}") from None


def build_circuit(net: LayeredNetwork | Crossbar) -> Circuit:
    """Lower any network description to a flat circuit."""
    if isinstance(net, Crossbar):
        return build_crossbar(net)
    return build_layered(net)


__all__ = ["DEVICE_MODELS", "KINDS", "build_circuit", "network_from_config"]
