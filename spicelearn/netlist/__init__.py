"""Rendering circuits to SPICE text, and reading and inspecting netlists.

The drawing functions (``draw_netlist``, ``draw_png``, ``crossbar_grid``) load
matplotlib and the renderer (``render_netlist``, ``DEFAULT_OPTIONS``) loads the
network and device models, so both are imported on first use only: reading and
inspecting a netlist needs neither.
"""

import importlib
from typing import Any

from .graph import graphml_text, netlist_graph, write_graph
from .inspect import Inspection, inspect_file, inspect_netlist
from .parse import (
    ParsedElement,
    ParsedModel,
    ParsedNetlist,
    ParsedSubckt,
    Port,
    parse_netlist,
    parse_netlist_file,
    parse_value,
)

__all__ = [
    "DEFAULT_OPTIONS", "Inspection", "ParsedElement", "ParsedModel", "ParsedNetlist",
    "ParsedSubckt", "Port", "crossbar_grid", "draw_netlist", "draw_png", "graphml_text",
    "inspect_file", "inspect_netlist", "netlist_graph", "parse_netlist", "parse_netlist_file",
    "parse_value", "render_netlist", "write_graph",
]

_LAZY = {"crossbar_grid": "draw", "draw_netlist": "draw", "draw_png": "draw",
         "DEFAULT_OPTIONS": "render", "render_netlist": "render"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
