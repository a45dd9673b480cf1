"""Building a network description from the ``[network]`` table of a config.

Keys (all optional unless marked):

``[network]``
    ``kind`` ("layered" | "crossbar", default "layered"); ``name``;
    layered: ``inputs`` (required), ``hidden`` (list, default []),
    ``outputs`` (required), ``differential`` (default true), ``bias`` (list of V,
    default [0.5, -0.5]), ``amplifier_gain`` (default 0 = none),
    ``load_resistance`` (Ω, default 0 = none);
    crossbar: ``rows``, ``cols`` (required), ``r_wire`` (Ω per segment, default 0),
    ``termination`` ("resistor" | "virtual_ground"), ``r_term`` (Ω, default 1000).
``[network.diode]``
    ``kind`` ("spice" | "ideal" | "none", default "spice"), ``is`` (A, 1e-14),
    ``n`` (1.0), ``g_on`` (S, 1e-2), ``v_smooth`` (V, 1e-2), ``v_hi``, ``v_lo`` (V, 0).
``[network.devices]``
    ``g_min``, ``g_max`` (S, default 1e-5, 1e-2), ``init_low``, ``init_high``
    (S, the uniform range of initial conductances, default 1e-4 and 1e-3),
    ``model`` (the programmable device model, default and only value so far "ideal").
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ConfigError, NetworkError
from .circuit import Circuit
from .crossbar import Crossbar, build_crossbar
from .layered import (
    NONLINEARITIES,
    DiodePair,
    LayeredNetwork,
    build_layered,
    init_conductances,
)

NETWORK_SCHEMA: dict[str, Any] = {
    "kind": str,
    "name": str,
    "inputs": int,
    "hidden": list,
    "outputs": int,
    "differential": bool,
    "bias": list,
    "amplifier_gain": float,
    "load_resistance": float,
    "rows": int,
    "cols": int,
    "r_wire": float,
    "termination": str,
    "r_term": float,
    "diode": {
        "kind": str,
        "is": float,
        "n": float,
        "g_on": float,
        "v_smooth": float,
        "v_hi": float,
        "v_lo": float,
    },
    "devices": {
        "g_min": float,
        "g_max": float,
        "init_low": float,
        "init_high": float,
        "model": str,
    },
}

KINDS = ("layered", "crossbar")
#: Device models a config may name in ``network.devices.model`` (more to come).
DEVICE_MODELS = ("ideal",)


def _require(table: dict[str, Any], key: str) -> Any:
    if key not in table:
        raise ConfigError(f"missing config key 'network.{key}'")
    return table[key]


def network_from_config(table: dict[str, Any], seed: int) -> LayeredNetwork | Crossbar:
    """Build the network description; initial conductances drawn from ``seed``."""
    kind = table.get("kind", "layered")
    if kind not in KINDS:
        raise ConfigError(
            f"unknown network kind '{kind}' "
            f"in 'network.kind' (known: {', '.join(KINDS)})"
        )
    dev = table.get("devices", {})
    model = dev.get("model", "ideal")
    if model not in DEVICE_MODELS:
        raise ConfigError(f"unknown device model '{model}' in 'network.devices.model' "
                          f"(known: {', '.join(DEVICE_MODELS)})")
    g_min = float(dev.get("g_min", 1e-5))
    g_max = float(dev.get("g_max", 1e-2))
    low = float(dev.get("init_low", 1e-4))
    high = float(dev.get("init_high", 1e-3))
    for key, v in (("g_min", g_min), ("g_max", g_max), ("init_low", low), ("init_high", high)):
        if v <= 0:
            raise ConfigError(
                f"config key 'network.devices.{key}' "
                f"must be a conductance > 0 S, got {v}"
            )
    rng = np.random.default_rng(seed)
    try:
        if kind == "crossbar":
            rows, cols = int(_require(table, "rows")), int(_require(table, "cols"))
            if rows <= 0 or cols <= 0:
                raise ConfigError(
                    f"'network.rows' and 'network.cols' "
                    f"must be > 0, got {rows}x{cols}"
                )
            g = init_conductances([(rows, cols)], g_min, g_max, low, high, rng)[0]
            return Crossbar(
                conductances=g,
                r_wire=float(table.get("r_wire", 0.0)),
                termination=str(table.get("termination", "resistor")),
                r_term=float(table.get("r_term", 1000.0)),
                g_min=g_min, g_max=g_max, name=str(table.get("name", "crossbar")),
            )
        n_in = int(_require(table, "inputs"))
        n_out = int(_require(table, "outputs"))
        hidden = table.get("hidden", [])
        if not all(isinstance(h, int) and not isinstance(h, bool) for h in hidden):
            raise ConfigError("config key 'network.hidden' must be a list of integers")
        for key, v in (("inputs", n_in), ("outputs", n_out)):
            if v <= 0:
                raise ConfigError(f"config key 'network.{key}' must be > 0, got {v}")
        for i, h in enumerate(hidden):
            if h <= 0:
                raise ConfigError(
                    f"config key 'network.hidden' "
                    f"has a zero-size layer (layer {i + 1} = {h})"
                )
        bias = table.get("bias", [0.5, -0.5])
        if not all(isinstance(b, int | float) and not isinstance(b, bool) for b in bias):
            raise ConfigError("config key 'network.bias' must be a list of voltages")
        d = table.get("diode", {})
        if d.get("kind", "spice") not in NONLINEARITIES:
            raise ConfigError(f"unknown nonlinearity '{d['kind']}' in 'network.diode.kind' "
                              f"(known: {', '.join(NONLINEARITIES)})")
        diode = DiodePair(
            kind=str(d.get("kind", "spice")),
            IS=float(d.get("is", 1e-14)), N=float(d.get("n", 1.0)),
            g_on=float(d.get("g_on", 1e-2)), v_smooth=float(d.get("v_smooth", 1e-2)),
            v_hi=float(d.get("v_hi", 0.0)), v_lo=float(d.get("v_lo", 0.0)),
        )
        differential = bool(table.get("differential", True))
        from .layered import layer_shapes
        shapes = layer_shapes(n_in, tuple(hidden), n_out, differential, len(bias))
        return LayeredNetwork(
            n_inputs=n_in, hidden=tuple(hidden), n_outputs=n_out,
            conductances=init_conductances(shapes, g_min, g_max, low, high, rng),
            differential=differential, bias=tuple(float(b) for b in bias), diode=diode,
            amplifier_gain=float(table.get("amplifier_gain", 0.0)),
            load_resistance=float(table.get("load_resistance", 0.0)),
            g_min=g_min, g_max=g_max, name=str(table.get("name", "layered")),
        )
    except NetworkError as exc:
        raise ConfigError(f"network: {exc}") from None


def build_circuit(net: LayeredNetwork | Crossbar) -> Circuit:
    """Lower any network description to a flat circuit."""
    if isinstance(net, Crossbar):
        return build_crossbar(net)
    return build_layered(net)
