"""Rendering circuits to SPICE text, and reading and inspecting netlists.

The drawing functions (``draw_netlist``, ``draw_png``, ``crossbar_grid``) load
matplotlib, so they are imported on first use only.
"""

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
from .render import DEFAULT_OPTIONS, render_netlist

__all__ = [
    "DEFAULT_OPTIONS", "Inspection", "ParsedElement", "ParsedModel", "ParsedNetlist",
    "ParsedSubckt", "Port", "crossbar_grid", "draw_netlist", "draw_png", "graphml_text",
    "inspect_file", "inspect_netlist", "netlist_graph", "parse_netlist", "parse_netlist_file",
    "parse_value", "render_netlist", "write_graph",
]

_LAZY = {"crossbar_grid", "draw_netlist", "draw_png"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from . import draw
        return getattr(draw, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
