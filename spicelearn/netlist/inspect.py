"""Inspecting a parsed netlist: a summary and the problems a SPICE run would hit.

Checks (each problem is one line naming the node or element):

* **no DC path to ground**: the node's component in the graph of DC-conducting
  branches does not contain ground. Conducting at DC: ``R L D`` and ``V``; the
  output branch of ``E H`` and of XSPICE voltage outputs (``%v``, ``%vd``, plain
  node); ``B V=...`` and ``B I=...`` whose expression reads a voltage; ``X``
  between two ports whose subcircuit body connects them (recursively). Open at
  DC: ``C``, ``I``, ``G``, ``F``, controlling inputs, XSPICE inputs and ``%i``
  outputs.
* **floating node**: a node touched by only one element terminal;
* **dangling element**: an element with a terminal on a floating node, or with
  all its terminals on one node;
* **duplicate element names** (SPICE names are case-insensitive);
* **shorted voltage source**: both terminals on one node, or the source lies on
  a loop of zero-impedance branches (other voltage sources, ``L``, 0 Ω resistors);
* **undefined model/subcircuit**: a ``D``/``A``/``M``/``Q``/``J`` without its
  ``.model``, an ``X`` without its ``.subckt``.

Devices are the resistors named ``Rw*`` (spicelearn's programmable
conductances, g = 1/R); a foreign netlist without ``Rw`` resistors counts every
resistor as a device.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .parse import GROUND, ParsedElement, ParsedNetlist, ParsedSubckt, parse_netlist_file

_VOLTAGE_PORTS = ("v", "vd", "g", "gd", "h", "hd", "d")


class _Union:
    """Union-find over node names."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, a: str) -> str:
        self.parent.setdefault(a, a)
        while self.parent[a] != a:
            self.parent[a] = self.parent[self.parent[a]]
            a = self.parent[a]
        return a

    def union(self, a: str, b: str) -> None:
        self.parent[self.find(a)] = self.find(b)


def conducting_pairs(el: ParsedElement, subckts: dict[str, ParsedSubckt],
                     _seen: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """Node pairs an element connects at DC (see the module docstring)."""
    k, n = el.kind, el.nodes
    if k in ("R", "L", "D", "V") or (k in ("E", "H") and len(n) >= 2):
        return [(n[0], n[1])]
    if k == "B":
        expr = str(el.params.get("expr", ""))
        if el.params.get("type") == "V" or re.search(r"\bv\s*\(", expr, re.IGNORECASE):
            return [(n[0], n[1])]
        return []
    if k == "A" and el.ports:
        out = el.ports[-1]
        if out.kind in ("v", "vd") and out.nodes:
            return [(out.nodes[0], out.nodes[1] if len(out.nodes) > 1 else GROUND)]
        return []
    if k in ("M", "J", "Q", "S", "W") and len(n) >= 2:
        return [(n[0], n[1])] if k != "Q" else [(n[0], n[2]), (n[1], n[2])]
    if k == "X":
        sub = subckts.get((el.model or "").lower())
        if sub is None or sub.name.lower() in _seen:
            return []
        return _subckt_pairs(sub, el.nodes, subckts, _seen | {sub.name.lower()})
    return []


def _subckt_pairs(sub: ParsedSubckt, nodes: tuple[str, ...], subckts: dict[str, ParsedSubckt],
                  seen: frozenset[str]) -> list[tuple[str, str]]:
    """Port pairs (as instance nodes) that the body joins, plus ports joined to ground."""
    uf = _Union()
    for el in sub.elements:
        for a, b in conducting_pairs(el, subckts, seen):
            uf.union(a, b)
    mapping = dict(zip(sub.ports, nodes, strict=False))
    present = set(uf.parent)
    pairs: list[tuple[str, str]] = []
    ports = [p for p in mapping if p in present]
    for i, p in enumerate(ports):
        if GROUND in present and uf.find(p) == uf.find(GROUND):
            pairs.append((mapping[p], GROUND))
        for q in ports[i + 1:]:
            if uf.find(p) == uf.find(q):
                pairs.append((mapping[p], mapping[q]))
    return pairs


def _zero_impedance(el: ParsedElement) -> bool:
    if el.kind in ("V", "L") or (el.kind in ("E", "H") and len(el.nodes) >= 2):
        return True
    if el.kind == "R" and el.value == 0:
        return True
    if el.kind == "B" and el.params.get("type") == "V":
        return True
    return el.kind == "A" and bool(el.ports) and el.ports[-1].kind in ("v", "vd")


def _is_voltage_source(el: ParsedElement) -> bool:
    return _zero_impedance(el) and el.kind not in ("L", "R")


@dataclass
class Inspection:
    """What a netlist holds and what is wrong with it.

    Attributes:
        path, title: the file and its title line.
        counts: elements per kind letter.
        nodes: non-ground nodes, first-appearance order.
        devices: (name, g [S]) of the programmable devices (``Rw*`` resistors).
        sources: names of the V, I and XSPICE (A) sources.
        models, subckts: defined model and subcircuit names.
        analyses: analysis cards (``op``, ``dc`` ...).
        problems: one line each.
    """

    path: str
    title: str
    counts: dict[str, int]
    nodes: list[str]
    devices: list[tuple[str, float]]
    sources: list[str]
    models: list[str]
    subckts: list[str]
    analyses: list[str]
    problems: list[str] = field(default_factory=list)

    @property
    def g_min(self) -> float | None:
        g = [v for _, v in self.devices]
        return min(g) if g else None

    @property
    def g_max(self) -> float | None:
        g = [v for _, v in self.devices]
        return max(g) if g else None

    def to_json(self) -> dict[str, object]:
        """A JSON-ready dict: ``nodes`` (count), ``elements`` (per kind), ``devices``
        (count, g_min, g_max [S]), ``problems`` and the lists behind them."""
        return {
            "file": self.path,
            "title": self.title,
            "nodes": len(self.nodes),
            "node_names": list(self.nodes),
            "elements": dict(self.counts),
            "devices": {"count": len(self.devices), "g_min": self.g_min, "g_max": self.g_max},
            "sources": list(self.sources),
            "models": list(self.models),
            "subckts": list(self.subckts),
            "analyses": list(self.analyses),
            "problems": list(self.problems),
        }

    def summary(self) -> str:
        """A short human-readable report."""
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items()))
        lines = [f"{self.path}: {self.title}",
                 f"  elements: {sum(self.counts.values())} ({kinds})",
                 f"  nodes: {len(self.nodes)} (+ ground)"]
        if self.devices:
            lines.append(f"  devices: {len(self.devices)}, g in [{self.g_min:.4g}, "
                         f"{self.g_max:.4g}] S (R in [{1 / self.g_max:.4g}, "
                         f"{1 / self.g_min:.4g}] Ohm)")
        else:
            lines.append("  devices: 0")
        lines.append(f"  sources: {len(self.sources)}"
                     + (f" ({_shorten(self.sources)})" if self.sources else ""))
        if self.models or self.subckts:
            lines.append(f"  models: {', '.join(self.models) or '-'}; "
                         f"subcircuits: {', '.join(self.subckts) or '-'}")
        lines.append(f"  analyses: {', '.join(self.analyses) or 'none'}")
        if self.problems:
            lines.append(f"  problems: {len(self.problems)}")
            lines += [f"    - {p}" for p in self.problems]
        else:
            lines.append("  problems: none")
        return "\n".join(lines)


def _shorten(names: list[str], n: int = 8) -> str:
    return ", ".join(names[:n]) + (f", ... ({len(names) - n} more)" if len(names) > n else "")


def inspect_file(path: str | Path) -> Inspection:
    """Parse and inspect a netlist file."""
    return inspect_netlist(parse_netlist_file(path))


def inspect_netlist(net: ParsedNetlist) -> Inspection:
    """Summarise a parsed netlist and list its problems."""
    els = net.elements
    nodes: dict[str, None] = {}
    for el in els:
        for n in el.nodes:
            if n != GROUND:
                nodes.setdefault(n, None)
    rw = [e for e in els if e.kind == "R" and e.name.lower().startswith("rw")]
    dev_els = rw or [e for e in els if e.kind == "R"]
    devices = [(e.name, 1.0 / e.value) for e in dev_els if e.value]
    problems = list(net.problems)
    problems += _name_problems(els)
    problems += _model_problems(net)
    problems += _topology_problems(net, list(nodes))
    problems += [f"device {e.name} has zero resistance (infinite conductance)"
                 for e in dev_els if e.value == 0]
    return Inspection(
        path=net.path, title=net.title,
        counts=dict(sorted(Counter(e.kind for e in els).items())),
        nodes=list(nodes), devices=devices,
        sources=[e.name for e in els if e.kind in ("V", "I", "A")],
        models=[m.name for m in net.models.values()],
        subckts=[s.name for s in net.subckts.values()],
        analyses=[a[0] for a in net.analyses],
        problems=problems,
    )


def _name_problems(els: list[ParsedElement]) -> list[str]:
    seen: dict[str, ParsedElement] = {}
    out = []
    for el in els:
        key = el.name.lower()
        if key in seen:
            out.append(f"duplicate element name {el.name} (line {el.line}; "
                       f"first as {seen[key].name} on line {seen[key].line})")
        else:
            seen[key] = el
    return out


def _model_problems(net: ParsedNetlist) -> list[str]:
    out = []
    for el in net.elements:
        m = (el.model or "").lower()
        if el.kind == "X" and m not in net.subckts:
            out.append(f"{el.name} uses undefined subcircuit '{el.model}' (line {el.line})")
        elif el.kind in ("D", "A", "M", "Q", "J", "S", "W") and m not in net.models:
            out.append(f"{el.name} uses undefined model '{el.model}' (line {el.line})")
        elif el.kind == "X":
            ports = net.subckts[m].ports
            if len(ports) != len(el.nodes):
                out.append(f"{el.name} has {len(el.nodes)} nodes but subcircuit "
                           f"{net.subckts[m].name} has {len(ports)} ports (line {el.line})")
    return out


def _topology_problems(net: ParsedNetlist, nodes: list[str]) -> list[str]:
    els = net.elements
    terminals = Counter(n for el in els for n in el.nodes)
    floating = [n for n in nodes if terminals[n] == 1]
    out = [f"floating node {n}: connected to only one element terminal" for n in floating]
    fl = set(floating)
    for el in els:
        if len(el.nodes) >= 2 and len(set(el.nodes)) == 1:
            what = "shorted voltage source" if _is_voltage_source(el) else "dangling element"
            out.append(f"{what} {el.name}: all terminals on node {el.nodes[0]}")
        elif fl.intersection(el.nodes):
            out.append(f"dangling element {el.name}: terminal on floating node "
                       f"{sorted(fl.intersection(el.nodes))[0]}")
    uf = _Union()
    uf.find(GROUND)
    for el in els:
        for a, b in conducting_pairs(el, net.subckts):
            uf.union(a, b)
    out += [f"node {n} has no DC path to ground" for n in nodes
            if n not in fl and uf.find(n) != uf.find(GROUND)]
    out += _short_problems(els)
    return out


def _short_problems(els: list[ParsedElement]) -> list[str]:
    """Voltage sources on a loop of zero-impedance branches."""
    zero = [(k, el) for k, el in enumerate(els) if _zero_impedance(el)]
    comp = _Union()
    for _, el in zero:
        a, b = _branch(el)
        comp.union(a, b)
    groups: dict[str, list[tuple[int, ParsedElement]]] = {}
    for k, el in zero:
        groups.setdefault(comp.find(_branch(el)[0]), []).append((k, el))
    out = []
    for members in groups.values():
        if len(members) < 2:
            continue
        for k, el in members:
            if not _is_voltage_source(el):
                continue
            a, b = _branch(el)
            if a == b:
                continue
            path = _path_without(members, k, a, b)
            if path is not None:
                out.append(f"shorted voltage source {el.name}: its nodes {a} and {b} are "
                           f"joined by zero-impedance branches ({', '.join(path)})")
    return out


def _path_without(members: list[tuple[int, ParsedElement]], skip: int, a: str,
                  b: str) -> list[str] | None:
    """Names of the zero-impedance elements on a path a -> b avoiding ``skip`` (BFS)."""
    adj: dict[str, list[tuple[str, str]]] = {}
    for k, el in members:
        if k != skip:
            u, v = _branch(el)
            adj.setdefault(u, []).append((v, el.name))
            adj.setdefault(v, []).append((u, el.name))
    prev: dict[str, tuple[str, str] | None] = {a: None}
    queue = [a]
    while queue:
        u = queue.pop(0)
        if u == b:
            names = []
            while prev[u] is not None:
                u, name = prev[u]
                names.append(name)
            return names[::-1]
        for v, name in adj.get(u, []):
            if v not in prev:
                prev[v] = (u, name)
                queue.append(v)
    return None


def _branch(el: ParsedElement) -> tuple[str, str]:
    if el.kind == "A":
        out = el.ports[-1].nodes
        return out[0], out[1] if len(out) > 1 else GROUND
    return el.nodes[0], el.nodes[1]
