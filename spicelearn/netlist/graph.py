"""A parsed netlist as a networkx MultiGraph, and writing it as GraphML.

Graph nodes are the circuit nodes, ground ``"0"`` included (attribute ``ground``
"true"/"false"). Each two-terminal element is one edge keyed by its name with
attributes ``kind`` (the element letter), ``name`` and, when numeric, ``value``
(Ω, F, H, V, A or gain, as a float) — plus ``g`` [S] for resistors. Elements
with more terminals (``E G`` controlled sources, ``X`` with more ports, XSPICE
``A``, transistors) become one edge from their first node to each other node,
keyed ``name:k`` with ``terminal`` = k. Every attribute value is a string or a
float, so :func:`networkx.write_graphml` accepts the graph.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from ..fileio import write_atomic
from .parse import GROUND, ParsedNetlist


def netlist_graph(net: ParsedNetlist) -> nx.MultiGraph:
    """The circuit of ``net`` as a MultiGraph (see the module docstring)."""
    g = nx.MultiGraph(title=net.title)
    g.add_node(GROUND, ground="true")
    for el in net.elements:
        for n in el.nodes:
            if n not in g:
                g.add_node(n, ground="false")
        attrs: dict[str, str | float] = {"kind": el.kind, "name": el.name}
        if el.value is not None:
            attrs["value"] = float(el.value)
            if el.kind == "R" and el.value != 0:
                attrs["g"] = 1.0 / float(el.value)
        if el.model:
            attrs["model"] = el.model
        if el.control:
            attrs["control"] = el.control
        if len(el.nodes) == 2:
            g.add_edge(el.nodes[0], el.nodes[1], key=el.name, **attrs)
        else:
            for k, n in enumerate(el.nodes[1:], start=1):
                g.add_edge(el.nodes[0], n, key=f"{el.name}:{k}", terminal=float(k), **attrs)
    return g


def graphml_text(net: ParsedNetlist) -> str:
    """The graph of ``net`` as GraphML text (what :func:`networkx.write_graphml` writes)."""
    return "\n".join(nx.generate_graphml(netlist_graph(net))) + "\n"


def write_graph(net: ParsedNetlist, path: str | Path) -> Path:
    """Write the graph of ``net`` as GraphML, atomically."""
    return write_atomic(path, graphml_text(net))
