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
  ``.model``, an ``X`` without its ``.subckt`` (at the top level and in every
  subcircuit an instance reaches);
* **subcircuit loops and depth**: a subcircuit that instantiates itself, or
  several that instantiate each other; instances nested deeper than ngspice
  expands (:mod:`~spicelearn.netlist._hierarchy`, iterative at any depth);
* **undefined parameters**: a name in ``{...}`` that no ``.param``, ``params:``
  or ``.func`` defines (:mod:`~spicelearn.netlist._params`);
* **values out of range**: a negative resistance, or a number beyond the float
  range (``1e400``) read as infinite;
* **risky control commands**: ``.control`` lines (or an ``*ng_script`` file)
  that run programs, load native code or write files
  (:mod:`~spicelearn.netlist._controls`);
* **nothing to simulate**: no element outside subcircuits (for instance when an
  early ``.end`` hides the rest of the file); include loops and unreadable
  includes (found while parsing).

Every problem is one line with control characters escaped
(:func:`~spicelearn.errors.printable`), and so is every line of the summary.

Devices are the resistors named ``Rw*`` (spicelearn's programmable
conductances, g = 1/R); a foreign netlist without ``Rw`` resistors counts every
resistor as a device.
"""

from __future__ import annotations

import math
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import printable
from ._controls import control_problems
from ._device_elements import device_conductance, device_elements, device_state
from ._hierarchy import Groups, analyse_hierarchy, connected, dc_pairs
from ._lex import no_gc
from ._params import param_problems
from .parse import GROUND, ParsedElement, ParsedNetlist, parse_netlist_file


def conducting_pairs(el: ParsedElement, groups: dict[str, Groups]) -> list[tuple[str, str]]:
    """Node pairs an element connects at DC (see the module docstring).

    ``groups`` are the subcircuits' port groups from
    :func:`~spicelearn.netlist._hierarchy.analyse_hierarchy`.
    """
    return dc_pairs(el, groups)


def _zero_impedance(el: ParsedElement) -> bool:
    if el.kind in ("V", "L") or (el.kind in ("E", "H") and len(el.nodes) >= 2):
        return True
    if el.kind == "R" and el.value == 0:
        return True
    if el.kind == "B" and el.params.get("type") == "V":
        return True
    return el.kind == "A" and bool(el.ports) and el.ports[-1].kind in ("v", "vd") \
        and bool(el.ports[-1].nodes)


def _is_voltage_source(el: ParsedElement) -> bool:
    return _zero_impedance(el) and el.kind not in ("L", "R")


@dataclass
class Inspection:
    """What a netlist holds and what is wrong with it.

    Attributes:
        path, title: the file and its title line.
        counts: elements per kind letter.
        nodes: non-ground nodes, first-appearance order.
        devices: (name, g [S]) of the programmable devices: ``Rw*`` resistors (1/R)
            and ``BRw*`` B-sources (their multiplier ``m``); in a foreign netlist
            without them, every resistor.
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
    device_states: list[tuple[str, float]] = field(default_factory=list)
    """(name, x0) of devices written as Verilog-A (OSDI) instances: their state, not g."""

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
            "devices": {"count": len(self.devices) + len(self.device_states),
                        "g_min": self.g_min, "g_max": self.g_max,
                        **({"x0_min": min(x for _, x in self.device_states),
                            "x0_max": max(x for _, x in self.device_states)}
                           if self.device_states else {})},
            "sources": list(self.sources),
            "models": list(self.models),
            "subckts": list(self.subckts),
            "analyses": list(self.analyses),
            "problems": list(self.problems),
        }

    def summary(self) -> str:
        """A short human-readable report (control characters escaped on every line)."""
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items()))
        lines = [f"{self.path}: {self.title}",
                 f"  elements: {sum(self.counts.values())} ({kinds})",
                 f"  nodes: {len(self.nodes)} (+ ground)"]
        if self.devices:
            lines.append(f"  devices: {len(self.devices)}, g in [{self.g_min:.4g}, "
                         f"{self.g_max:.4g}] S (R in [{1 / self.g_max:.4g}, "
                         f"{1 / self.g_min:.4g}] Ohm)")
        elif not self.device_states:
            lines.append("  devices: 0")
        if self.device_states:
            x = [v for _, v in self.device_states]
            lines.append(f"  devices: {len(x)} Verilog-A instances, states x0 in "
                         f"[{min(x):.4g}, {max(x):.4g}]")
        lines.append(f"  sources: {len(self.sources)}"
                     + (f" ({_shorten(self.sources)})" if self.sources else ""))
        if self.models or self.subckts:
            lines.append(f"  models: {_shorten(self.models) or '-'}; "
                         f"subcircuits: {_shorten(self.subckts) or '-'}")
        lines.append(f"  analyses: {_shorten(self.analyses) or 'none'}")
        if self.problems:
            lines.append(f"  problems: {len(self.problems)}")
            lines += [f"    - {p}" for p in self.problems]
        else:
            lines.append("  problems: none")
        return "\n".join(printable(line) for line in lines)


def _shorten(names: list[str], n: int = 8) -> str:
    return ", ".join(names[:n]) + (f", ... ({len(names) - n} more)" if len(names) > n else "")


def inspect_file(path: str | Path) -> Inspection:
    """Parse and inspect a netlist file."""
    return inspect_netlist(parse_netlist_file(path))


def inspect_netlist(net: ParsedNetlist) -> Inspection:
    """Summarise a parsed netlist and list its problems (each one escaped line)."""
    with no_gc():
        return _inspect(net)


def _inspect(net: ParsedNetlist) -> Inspection:
    els = net.elements
    terminals: dict[str, int] = {}  # element terminals per node, in first-appearance order
    get = terminals.get
    for el in els:
        for n in el.nodes:
            terminals[n] = get(n, 0) + 1
    nodes = [n for n in terminals if n != GROUND]
    dev_els = device_elements(els)
    devices = [(e.name, g) for e in dev_els if (g := device_conductance(e)) is not None]
    states = [(e.name, x) for e in dev_els if (x := device_state(e)) is not None]
    hierarchy = analyse_hierarchy(net)
    problems = list(net.problems)
    if not els:
        problems.append(_empty_problem(net))
    problems += control_problems(net.commands, net.script, net.path)
    problems += _name_problems(els)
    problems += _model_problems(net, hierarchy.reachable)
    problems += hierarchy.problems
    problems += _body_problems(net, hierarchy.reachable, hierarchy.groups)
    problems += param_problems(net)
    problems += _topology_problems(net, nodes, terminals, hierarchy.groups)
    problems += _value_problems(net, {id(e) for e in dev_els})
    return Inspection(
        path=net.path, title=net.title,
        counts=dict(sorted(Counter(e.kind for e in els).items())),
        nodes=nodes, devices=devices,
        sources=[e.name for e in els if e.kind in ("V", "I", "A")],
        models=[m.name for m in net.models.values()],
        subckts=[s.name for s in net.subckts.values()],
        analyses=[a[0] for a in net.analyses],
        problems=[printable(p) for p in problems],
        device_states=states,
    )


def _empty_problem(net: ParsedNetlist) -> str:
    msg = "no circuit elements outside subcircuits: ngspice has nothing to simulate"
    if net.end_line is not None and net.after_end:
        msg += (f" (.end on line {net.end_line} hides the {net.after_end} cards after it, "
                "which ngspice ignores)")
    return msg


def _name_problems(els: list[ParsedElement]) -> list[str]:
    if len({el.name.lower() for el in els}) == len(els):
        return []
    seen: dict[str, ParsedElement] = {}
    out = []
    for el in els:
        key = el.name.lower()
        first = seen.setdefault(key, el)
        if first is not el:
            out.append(f"duplicate element name {el.name} (line {el.line}; "
                       f"first as {first.name} on line {first.line})")
    return out


def _model_problems(net: ParsedNetlist, reachable: list[str]) -> list[str]:
    """Undefined models and subcircuits, and port counts, at the top level and in the
    bodies of the subcircuits the top level reaches."""
    out = _undefined(net.elements, net, {}, "")
    for key in reachable:
        sub = net.subckts[key]
        out += _undefined(sub.elements, net, sub.models, f" in subcircuit {sub.name}")
    return out


def _undefined(els: list[ParsedElement], net: ParsedNetlist, local: dict[str, object],
               where: str) -> list[str]:
    out = []
    branches: set[str] | None = None
    for el in [el for el in els if el.kind in _USES_MODEL]:
        m = (el.model or "").lower()
        if el.kind in ("F", "H", "W"):
            if branches is None:
                branches = {e.name.lower() for e in els if _has_branch(e)}
            control = (el.control or "").lower()
            if control not in branches:
                out.append(f"{el.name}{where} is controlled by '{el.control}', which is no "
                           f"voltage source (V, E, H or B V=) beside it (line {el.line})")
            if el.kind != "W":
                continue
        if el.kind == "X" and m not in net.subckts:
            out.append(f"{el.name}{where} uses undefined subcircuit '{el.model}' "
                       f"(line {el.line})")
        elif el.kind in ("D", "A", "M", "Q", "J", "S", "W", "N") and m not in net.models \
                and m not in local:
            out.append(f"{el.name}{where} uses undefined model '{el.model}' (line {el.line})")
        elif el.kind == "X":
            ports = net.subckts[m].ports
            if len(ports) != len(el.nodes):
                out.append(f"{el.name}{where} has {len(el.nodes)} nodes but subcircuit "
                           f"{net.subckts[m].name} has {len(ports)} ports (line {el.line})")
    return out


_USES_MODEL = frozenset("XDAMQJSWFHN")


def _has_branch(el: ParsedElement) -> bool:
    """Whether ngspice can sense ``el``'s current (a voltage-defined branch)."""
    return el.kind in ("V", "E", "H") or (el.kind == "B" and el.params.get("type") == "V")
_ZERO_KINDS = frozenset("VLEHBA")


def _value_problems(net: ParsedNetlist, devices: set[int]) -> list[str]:
    """Negative resistances, values read as infinite, zero-resistance devices."""
    out = []
    for el in [el for el in net.elements if el.value is not None and not 0 < el.value < math.inf]:
        v = el.value
        if math.isinf(v):
            out.append(f"{el.name} has a value beyond the float range, read as {v} "
                       f"(line {el.line})")
        elif el.kind == "R" and v < 0:
            out.append(f"resistor {el.name} has a negative resistance {v:g} Ohm "
                       f"(line {el.line})")
        elif v == 0 and id(el) in devices:
            out.append(f"device {el.name} has zero resistance (infinite conductance)")
    return out


def _topology_problems(net: ParsedNetlist, nodes: list[str], terminals: dict[str, int],
                       groups: dict[str, Groups]) -> list[str]:
    els = net.elements
    floating = [n for n in nodes if terminals[n] == 1]
    out = [f"floating node {n}: connected to only one element terminal" for n in floating]
    fl = set(floating)
    for el in els:
        n = el.nodes
        if len(n) >= 2 and n[0] == n[-1] and len(set(n)) == 1:
            what = "shorted voltage source" if _is_voltage_source(el) else "dangling element"
            out.append(f"{what} {el.name}: all terminals on node {n[0]}")
        elif el.kind in _ZERO_KINDS and (short := _shorted_output(el, "")):
            out.append(short)
        elif fl and not fl.isdisjoint(n):
            out.append(f"dangling element {el.name}: terminal on floating node "
                       f"{sorted(fl.intersection(n))[0]}")
    pairs = []
    for el in els:
        if el.kind in _TWO_TERMINAL_DC:
            pairs.append(el.nodes)
        else:
            pairs += dc_pairs(el, groups)
    root = connected(pairs)
    ground = root.get(GROUND, GROUND)
    out += [f"node {n} has no DC path to ground" for n in nodes
            if n not in fl and root.get(n, n) != ground]
    out += _short_problems(els)
    return out


_TWO_TERMINAL_DC = frozenset("RLDV")


#: Node visits allowed for finding the loops of shorted voltage sources; past it the
#: remaining ones are still reported, without the names along their loop.
_PATH_BUDGET = 200_000


def _shorted_output(el: ParsedElement, where: str) -> str | None:
    """A voltage-defined element whose output branch starts and ends on one node
    (ngspice: "instance ... is a shorted VCVS"); all terminals on one node is
    reported by the caller at the top level."""
    if not _is_voltage_source(el):
        return None
    a, b = _branch(el)
    if a != b:
        return None
    if where == "" and len(set(el.nodes)) == 1:
        return None
    return f"shorted voltage source {el.name}{where}: both ends of its output on node {a}"


def _body_problems(net: ParsedNetlist, reachable: list[str],
                   groups: dict[str, Groups]) -> list[str]:
    """In each subcircuit the top level reaches: shorted voltage sources, and inner
    nodes with no DC path to a port or to ground."""
    out = []
    for key in reachable:
        sub = net.subckts[key]
        where = f" in subcircuit {sub.name}"
        for el in sub.elements:
            if el.kind in _ZERO_KINDS and (short := _shorted_output(el, where)):
                out.append(short)
        out += _short_problems(sub.elements, where)
        root = connected([pair for el in sub.elements for pair in dc_pairs(el, groups)])
        anchored = {root.get(n, n) for n in (*sub.ports, GROUND)}
        inner = dict.fromkeys(n for el in sub.elements for n in el.nodes
                              if n != GROUND and n not in sub.ports)
        out += [f"node {n}{where} has no DC path to its ports or to ground"
                for n in inner if root.get(n, n) not in anchored]
    return out


def _short_problems(els: list[ParsedElement], where: str = "") -> list[str]:
    """Voltage sources on a loop of zero-impedance branches, and loops of inductors.

    A branch is on such a loop exactly when it is not a bridge of the multigraph
    of zero-impedance branches (found in linear time); the loop's other branches
    are then named from a BFS that avoids it. An inductor is reported when its
    loop holds inductors only (ngspice: "singular matrix", the DC current around
    the loop is undetermined); 0 Ω resistors do not close such a loop (ngspice
    makes them 1e-12 Ω).
    """
    edges = [(el, *_branch(el)) for el in els
             if (el.value == 0 if el.kind == "R" else el.kind in _ZERO_KINDS)
             and _zero_impedance(el)]
    adj, bridges = _loops(edges, lambda el: True)
    out = []
    budget = _PATH_BUDGET
    for i, (el, a, b) in enumerate(edges):
        if a == b or i in bridges or not _is_voltage_source(el):
            continue
        path, budget = _path_avoiding(adj, i, a, b, budget)
        out.append(f"shorted voltage source {el.name}{where}: its nodes {a} and {b} are "
                   f"joined by zero-impedance branches ({_names(edges, path)})")
    if any(el.kind == "L" for el, _, _ in edges):
        adj, bridges = _loops(edges, lambda el: el.kind == "L")
        for i, (el, a, b) in enumerate(edges):
            if el.kind == "L" and a != b and i not in bridges:
                path, budget = _path_avoiding(adj, i, a, b, budget)
                out.append(f"inductor {el.name}{where} is on a loop of inductors "
                           f"({_names(edges, path)}): its DC current is undetermined")
    return out


def _loops(edges: list[tuple[ParsedElement, str, str]], keep: Callable[[ParsedElement], bool]
           ) -> tuple[dict[str, list[tuple[str, int]]], set[int]]:
    """Adjacency (node -> [(node, edge id)]) of the edges ``keep`` accepts, and its bridges."""
    adj: dict[str, list[tuple[str, int]]] = {}
    for i, (el, a, b) in enumerate(edges):
        if a != b and keep(el):
            adj.setdefault(a, []).append((b, i))
            adj.setdefault(b, []).append((a, i))
    return adj, _bridges(adj)


def _names(edges: list[tuple[ParsedElement, str, str]], path: list[int]) -> str:
    """The elements along ``path``, at most six named ("a long loop" past the budget)."""
    names = [edges[j][0].name for j in path]
    if len(names) > 6:
        names = [*names[:5], f"... {len(names) - 5} more"]
    return ", ".join(names) or "a long loop"


def _bridges(adj: dict[str, list[tuple[str, int]]]) -> set[int]:
    """Edge ids whose removal disconnects their ends (iterative DFS, parallel edges kept)."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    bridges: set[int] = set()
    for root in adj:
        if root in order:
            continue
        order[root] = low[root] = len(order)
        work = [(root, -1, iter(adj[root]))]
        while work:
            v, via, it = work[-1]
            step = next(it, None)
            if step is None:
                work.pop()
                if work:
                    u = work[-1][0]
                    low[u] = min(low[u], low[v])
                    if low[v] > order[u]:
                        bridges.add(via)
                continue
            w, e = step
            if e == via:
                continue
            if w in order:
                low[v] = min(low[v], order[w])
            else:
                order[w] = low[w] = len(order)
                work.append((w, e, iter(adj[w])))
    return bridges


def _path_avoiding(adj: dict[str, list[tuple[str, int]]], skip: int, a: str, b: str,
                   budget: int) -> tuple[list[int], int]:
    """Edge ids on a shortest path a -> b without edge ``skip`` (BFS), and the budget left.

    Returns no edges once the budget of node visits is spent.
    """
    if budget <= 0:
        return [], 0
    prev: dict[str, tuple[str, int] | None] = {a: None}
    queue = deque([a])
    while queue and budget > 0:
        u = queue.popleft()
        budget -= 1
        if u == b:
            path = []
            while (step := prev[u]) is not None:
                u, e = step
                path.append(e)
            return path[::-1], budget
        for v, e in adj.get(u, ()):
            if e != skip and v not in prev:
                prev[v] = (u, e)
                queue.append(v)
    return [], budget


def _branch(el: ParsedElement) -> tuple[str, str]:
    if el.kind == "A":
        out = el.ports[-1].nodes
        return out[0], out[1] if len(out) > 1 else GROUND
    return el.nodes[0], el.nodes[1]
