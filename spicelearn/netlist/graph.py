"""A parsed netlist as a networkx MultiGraph, and writing it as GraphML.

Graph nodes are the circuit nodes, ground ``"0"`` included (attribute ``ground``
"true"/"false"). Each two-terminal element is one edge keyed by its name with
attributes ``kind`` (the element letter), ``name`` and, when numeric, ``value``
(Ω, F, H, V, A or gain, as a float) — plus ``g`` [S] for resistors. Elements
with more terminals (``E G`` controlled sources, ``X`` with more ports, XSPICE
``A``, transistors) become one edge from their first node to each other node,
keyed ``name:k`` with ``terminal`` = k. Every attribute value is a string or a
float, so :func:`networkx.write_graphml` accepts the graph.

:func:`graphml_text` writes the same graph as GraphML directly, element by
element, without building it in networkx: a 200,000-element netlist takes about
a second and the size of its text in memory (networkx needs over a gigabyte).
:func:`networkx.read_graphml` reads it back to the graph :func:`netlist_graph`
builds. Names are XML-escaped, and control characters (which XML 1.0 cannot
hold) are written as their escapes (:func:`~spicelearn.errors.printable`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import printable
from ..fileio import write_atomic
from ._device_elements import device_conductance
from ._lex import no_gc
from .parse import GROUND, ParsedNetlist

if TYPE_CHECKING:
    import networkx as nx

#: GraphML keys: (id, for, attr.name, attr.type), as networkx names them.
_KEYS = (("d0", "graph", "title", "string"), ("d1", "node", "ground", "string"),
         ("d2", "edge", "kind", "string"), ("d3", "edge", "name", "string"),
         ("d4", "edge", "value", "double"), ("d5", "edge", "terminal", "double"),
         ("d6", "edge", "model", "string"), ("d7", "edge", "control", "string"),
         ("d8", "edge", "g", "double"))
_HEAD = ('<?xml version=\'1.0\' encoding=\'utf-8\'?>\n'
         '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
         'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
         'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
         'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
         + "".join(f'  <key id="{k}" for="{f}" attr.name="{n}" attr.type="{t}" />\n'
                   for k, f, n, t in _KEYS))


def netlist_graph(net: ParsedNetlist) -> nx.MultiGraph:
    """The circuit of ``net`` as a MultiGraph (see the module docstring)."""
    import networkx as nx

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
        elif el.kind == "B" and (gb := device_conductance(el)) is not None:
            attrs["g"] = gb  # a B-source device: its multiplier m is its conductance
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
    """The graph of ``net`` (:func:`netlist_graph`) as GraphML text, written directly."""
    with no_gc():
        parts = [_HEAD, '  <graph edgedefault="undirected">\n',
                 f'    <data key="d0">{_text(net.title)}</data>\n',
                 f'    <node id="{GROUND}">\n      <data key="d1">true</data>\n    </node>\n']
        seen = {GROUND}
        for el in net.elements:
            for n in el.nodes:
                if n not in seen:
                    seen.add(n)
                    parts.append(f"    <node id={_attr(n)}>\n"
                                 '      <data key="d1">false</data>\n    </node>\n')
        for el in net.elements:
            data = [f'      <data key="d2">{_text(el.kind)}</data>\n',
                    f'      <data key="d3">{_text(el.name)}</data>\n']
            if el.value is not None:
                data.append(f'      <data key="d4">{float(el.value)!r}</data>\n')
                if el.kind == "R" and el.value != 0:
                    data.append(f'      <data key="d8">{1.0 / float(el.value)!r}</data>\n')
            elif el.kind == "B" and (gb := device_conductance(el)) is not None:
                data.append(f'      <data key="d8">{gb!r}</data>\n')
            if el.model:
                data.append(f'      <data key="d6">{_text(el.model)}</data>\n')
            if el.control:
                data.append(f'      <data key="d7">{_text(el.control)}</data>\n')
            body = "".join(data)
            nodes = el.nodes
            if len(nodes) == 2:
                parts.append(f"    <edge source={_attr(nodes[0])} target={_attr(nodes[1])} "
                             f"id={_attr(el.name)}>\n{body}    </edge>\n")
            else:
                for k, n in enumerate(nodes[1:], start=1):
                    parts.append(f"    <edge source={_attr(nodes[0])} target={_attr(n)} "
                                 f"id={_attr(f'{el.name}:{k}')}>\n"
                                 f'      <data key="d5">{float(k)!r}</data>\n{body}'
                                 "    </edge>\n")
        parts.append("  </graph>\n</graphml>\n")
        return "".join(parts)


def _text(value: str) -> str:
    """``value`` as XML character data (``& < >`` escaped, control characters spelled out)."""
    value = printable(value)
    if "&" in value or "<" in value or ">" in value:
        value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value


def _attr(value: str) -> str:
    """``value`` as a double-quoted XML attribute value."""
    value = _text(value)
    return f'"{value.replace(chr(34), "&quot;")}"' if '"' in value else f'"{value}"'


def write_graph(net: ParsedNetlist, path: str | Path) -> Path:
    """Write the graph of ``net`` as GraphML, atomically."""
    return write_atomic(path, graphml_text(net))
