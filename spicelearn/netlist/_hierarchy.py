"""The subcircuit instantiation graph: loops, depth, and what each body joins at DC.

Edge ``s -> t`` when the body of ``.subckt s`` holds an ``X`` instance of ``t``.
Everything here is iterative (no recursion), so a hierarchy thousands of levels
deep costs time linear in its size and never a ``RecursionError``:

* **loops**: strongly connected components (Tarjan's algorithm, iterative); a
  component of two or more subcircuits, or one that instantiates itself, would
  make ngspice expand instances forever;
* **depth**: the longest chain of nested instances below the top level; ngspice
  46 stops expanding at about :data:`NGSPICE_MAX_DEPTH` levels;
* **port groups**: for each subcircuit outside a loop, children first, which of
  its ports its body joins by DC-conducting branches, and whether a group reaches
  ground. An instance then joins its own nodes the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ._elements import ParsedElement
from ._lex import GROUND
from .parse import ParsedNetlist

#: ngspice 46 refuses hierarchies about this many instances deep ("infinite subckt
#: recursion" or "unknown subckt" for a finite chain).
NGSPICE_MAX_DEPTH = 20

#: Port groups of a subcircuit: (port indices joined by its body, joined to ground).
Groups = list[tuple[tuple[int, ...], bool]]


class UnionFind:
    """Union-find over node names (path halving, iterative)."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, a: str) -> str:
        parent = self.parent
        if a not in parent:
            parent[a] = a
            return a
        while True:
            p = parent[a]
            if p == a:
                return a
            parent[a] = a = parent[p]

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[ra] = rb


def connected(pairs: Iterable[tuple[str, ...]]) -> dict[str, str]:
    """One representative node per connected component: {node: representative}.

    Only nodes that appear in ``pairs`` (of which the first two entries are used)
    are keys. Union-find with path halving, inlined for speed.
    """
    parent: dict[str, str] = {}
    get = parent.get
    for pair in pairs:
        a, b = pair[0], pair[1]
        ra = get(a)
        if ra is None:
            parent[a] = ra = a
        else:
            while ra != (p := parent[ra]):
                parent[ra] = ra = parent[p]
        rb = get(b)
        if rb is None:
            parent[b] = rb = b
        else:
            while rb != (p := parent[rb]):
                parent[rb] = rb = parent[p]
        if ra != rb:
            parent[ra] = rb
    for a in parent:  # point every node at its root (full path compression)
        r = a
        while r != (p := parent[r]):
            r = p
        while a != r:
            parent[a], a = r, parent[a]
    return parent


def dc_pairs(el: ParsedElement, groups: dict[str, Groups]) -> list[tuple[str, str]]:
    """Node pairs ``el`` joins at DC (see :mod:`spicelearn.netlist.inspect`).

    ``groups`` holds the port groups of the subcircuits an ``X`` may instantiate;
    an instance of any other subcircuit (undefined, or on a loop) joins nothing.
    """
    k, n = el.kind, el.nodes
    if k in ("R", "L", "D", "V") or (k in ("E", "H") and len(n) >= 2):
        return [(n[0], n[1])]
    if k == "B":
        expr = str(el.params.get("expr", ""))
        if el.params.get("type") == "V" or _READS_VOLTAGE.search(expr):
            return [(n[0], n[1])]
        return []
    if k == "A" and el.ports:
        out = el.ports[-1]
        if out.kind in ("v", "vd") and out.nodes:
            return [(out.nodes[0], out.nodes[1] if len(out.nodes) > 1 else GROUND)]
        return []
    if k == "N" and len(n) >= 2:  # a Verilog-A device conducts between its ports
        return [(n[0], m) for m in n[1:]]
    if k in ("M", "J", "Q", "S", "W") and len(n) >= 2:
        return [(n[0], n[1])] if k != "Q" else [(n[0], n[2]), (n[1], n[2])]
    if k == "X":
        pairs = []
        for idx, grounded in groups.get((el.model or "").lower(), ()):
            nodes = [n[i] for i in idx if i < len(n)]
            pairs += list(zip(nodes, nodes[1:], strict=False))
            if grounded and nodes:
                pairs.append((nodes[0], GROUND))
        return pairs
    return []


_READS_VOLTAGE = re.compile(r"\bv\s*\(", re.IGNORECASE)


@dataclass
class Hierarchy:
    """What :func:`analyse_hierarchy` found (keys are lowercased subcircuit names)."""

    groups: dict[str, Groups] = field(default_factory=dict)
    looping: set[str] = field(default_factory=set)
    reachable: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def analyse_hierarchy(net: ParsedNetlist) -> Hierarchy:
    """Loops, depth and port groups of the subcircuits of ``net`` (module docstring)."""
    subs = net.subckts
    children: dict[str, list[tuple[str, ParsedElement]]] = {
        key: [((el.model or "").lower(), el) for el in sub.elements
              if el.kind == "X" and (el.model or "").lower() in subs]
        for key, sub in subs.items()}
    out = Hierarchy()
    for comp in _components(list(subs), lambda s: [c for c, _ in children[s]]):
        first = min(comp, key=list(subs).index)
        self_loop = next((el for c, el in children[first] if c == first), None)
        if len(comp) > 1:
            cycle = _cycle(first, set(comp), children)
            names = " -> ".join(subs[s].name for s in cycle)
            out.problems.append(f"subcircuits {names} instantiate each other; ngspice "
                                "would expand them forever")
            out.looping.update(comp)
        elif self_loop is not None:
            out.problems.append(f"subcircuit {subs[first].name} instantiates itself "
                                f"({self_loop.name}, line {self_loop.line}); ngspice "
                                "would expand it forever")
            out.looping.add(first)
    order = _postorder([(el.model or "").lower() for el in net.elements if el.kind == "X"],
                       lambda s: [c for c, _ in children.get(s, ()) if c not in out.looping],
                       lambda s: s in subs and s not in out.looping)
    out.reachable = order
    depth: dict[str, int] = {}
    for s in order:  # children first
        kids = [c for c, _ in children[s] if c not in out.looping]
        depth[s] = 1 + max((depth[c] for c in kids), default=0)
        out.groups[s] = _port_groups(s, net, out.groups)
    out.problems += _depth_problems(net, depth, children, out.looping)
    return out


def _port_groups(key: str, net: ParsedNetlist, groups: dict[str, Groups]) -> Groups:
    sub = net.subckts[key]
    uf = UnionFind()
    for el in sub.elements:
        for a, b in dc_pairs(el, groups):
            uf.union(a, b)
    if not uf.parent:
        return []
    ground = uf.find(GROUND) if GROUND in uf.parent else None
    by_root: dict[str, list[int]] = {}
    for i, p in enumerate(sub.ports):
        if p in uf.parent:
            by_root.setdefault(uf.find(p), []).append(i)
    return [(tuple(idx), root == ground) for root, idx in by_root.items()
            if len(idx) > 1 or root == ground]


def _depth_problems(net: ParsedNetlist, depth: dict[str, int],
                    children: dict[str, list[tuple[str, ParsedElement]]],
                    looping: set[str]) -> list[str]:
    tops = [el for el in net.elements
            if el.kind == "X" and (el.model or "").lower() in depth]
    if not tops:
        return []
    top = max(tops, key=lambda el: depth[(el.model or "").lower()])
    s = (top.model or "").lower()
    if depth[s] < NGSPICE_MAX_DEPTH:
        return []
    chain = [s]
    while True:
        kids = [c for c, _ in children[chain[-1]] if c not in looping]
        if not kids:
            break
        chain.append(max(kids, key=depth.__getitem__))
    names = [net.subckts[c].name for c in chain]
    shown = names if len(names) <= 6 else [*names[:3], "...", *names[-2:]]
    return [f"subcircuit instances nest {depth[s]} levels deep ({top.name} on line "
            f"{top.line}: {' -> '.join(shown)}); ngspice 46 stops expanding at about "
            f"{NGSPICE_MAX_DEPTH} levels"]


def _components(nodes: list[str], succ: Callable[[str], Iterable[str]]) -> list[list[str]]:
    """Strongly connected components (Tarjan, iterative), each a list of nodes."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    comps: list[list[str]] = []
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(succ(root)))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(succ(w))))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                comps.append(comp)
    return comps


def _cycle(start: str, members: set[str],
           children: dict[str, list[tuple[str, ParsedElement]]]) -> list[str]:
    """A shortest instantiation cycle start -> ... -> start inside ``members`` (BFS)."""
    prev: dict[str, str] = {}
    frontier = [start]
    while frontier:
        nxt = []
        for s in frontier:
            for c, _ in children[s]:
                if c not in members:
                    continue
                if c == start:
                    path = [s]
                    while path[-1] != start:
                        path.append(prev[path[-1]])
                    return [*reversed(path), start]
                if c not in prev:
                    prev[c] = s
                    nxt.append(c)
        frontier = nxt
    return [start, start]


def _postorder(roots: list[str], succ: Callable[[str], Iterable[str]],
               keep: Callable[[str], bool]) -> list[str]:
    """Nodes reachable from ``roots`` (those ``keep`` accepts), children before parents."""
    seen: set[str] = set()
    order: list[str] = []
    for root in roots:
        if root in seen or not keep(root):
            continue
        seen.add(root)
        work = [(root, iter(succ(root)))]
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is None:
                work.pop()
                order.append(v)
            elif w not in seen and keep(w):
                seen.add(w)
                work.append((w, iter(succ(w))))
    return order
