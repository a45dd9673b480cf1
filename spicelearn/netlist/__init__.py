"""Rendering circuits to SPICE text, and reading and inspecting netlists."""

from .render import DEFAULT_OPTIONS, render_netlist

__all__ = ["DEFAULT_OPTIONS", "render_netlist"]
