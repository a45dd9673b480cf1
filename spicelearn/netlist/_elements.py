"""Parsing one element card or ``.model`` card into its plain parsed form."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import NetlistError
from ._lex import _node, _param_value, _short, parse_params, parse_value, tokenize


@dataclass(frozen=True)
class Port:
    """One XSPICE port: ``kind`` is ``"v"`` (default), ``"i"``, ``"vd"``, ``"id"``,
    ``"g"``, ``"gd"``, ``"h"``, ``"hd"``, ``"d"``; ``nodes`` its node(s)."""

    kind: str
    nodes: tuple[str, ...]


@dataclass(frozen=True)
class ParsedElement:
    """One element line.

    Attributes:
        kind: the element letter, upper case (``"R"``, ``"X"``, ...).
        name: the name as written (``Rw1_2_3``).
        nodes: its nodes, lowercased, in SPICE order (for ``X`` the ports, for
            ``A`` every port node in order, for ``E``/``G`` outputs then controls).
        value: the numeric value in SI units (Ω, F, H, V, A, gain) when there is one.
        model: model name (``D M Q J S W A``) or subcircuit name (``X``).
        control: controlling source name (``F H W``) or coupled inductors (``K``).
        params: ``k=v`` parameters (``X`` params, ``B`` expression as ``expr``...).
        ports: XSPICE ports of an ``A`` element.
        line: line number (1-based) of the element's first physical line.
        file: the file it came from.
    """

    kind: str
    name: str
    nodes: tuple[str, ...]
    value: float | None = None
    model: str | None = None
    control: str | None = None
    params: dict[str, object] = field(default_factory=dict)
    ports: tuple[Port, ...] = ()
    line: int = 0
    file: str = ""


@dataclass(frozen=True)
class ParsedModel:
    """A ``.model`` card: name, type (``D``, ``pwl``...) and lowercased params."""

    name: str
    type: str
    params: dict[str, object]
    line: int
    file: str = ""


def _split_params(toks: list[str]) -> tuple[list[str], dict[str, object]]:
    """Split ``ports... [params:] k=v ...`` into the plain tokens and the params."""
    plain: list[str] = []
    params: dict[str, object] = {}
    for t in toks:
        if t.lower() == "params:":
            continue
        if t.lower().startswith("params:"):
            t = t[len("params:"):]
        if "=" in t:
            k, _, v = t.partition("=")
            params[k.lower()] = _param_value(v)
        elif t:
            plain.append(t)
    return plain, params


def parse_model(text: str, line: int, path: str = "") -> ParsedModel:
    """``.model name type(k=v ...)`` (parentheses optional)."""
    m = re.match(r"^\.model\s+(\S+)\s+([A-Za-z_]\w*)\s*(.*)$", text, re.IGNORECASE | re.DOTALL)
    if not m:
        raise NetlistError(f"{_short(path)}:{line}: .model needs a name and a type")
    body = m.group(3).strip()
    if body.startswith("(") and body.endswith(")"):
        body = body[1:-1]
    return ParsedModel(m.group(1), m.group(2), parse_params(body), line, path)


_TWO_NODE_VALUE = {"R": "resistor", "C": "capacitor", "L": "inductor"}


def parse_element(text: str, line: int, path: str = "") -> ParsedElement:
    """One element line -> ParsedElement (raises NetlistError naming the line)."""
    toks = tokenize(text)
    if not toks:
        raise NetlistError(f"{_short(path)}:{line}: not an element: '{text}'")
    name = toks[0]
    kind = name[0].upper()
    if kind in _TWO_NODE_VALUE:
        return _two_node_value(toks, kind, line, path)
    args = toks[1:]
    where = f"{_short(path)}:{line}"

    def need(n: int, what: str) -> None:
        if len(args) < n:
            raise NetlistError(f"{where}: {what}")

    base = {"kind": kind, "name": name, "line": line, "file": path}
    if kind == "D":
        need(3, f"diode {name} needs 2 nodes and a model")
        return ParsedElement(nodes=(_node(args[0]), _node(args[1])), model=args[2], **base)
    if kind in ("V", "I"):
        need(2, f"{'voltage' if kind == 'V' else 'current'} source {name} needs 2 nodes")
        value, params = _source_value(args[2:], where, name)
        return ParsedElement(nodes=(_node(args[0]), _node(args[1])), value=value,
                             params=params, **base)
    if kind == "B":
        need(3, f"behavioural source {name} needs 2 nodes and V= or I=")
        expr = " ".join(args[2:])
        typ = expr.split("=", 1)[0].strip().upper()
        if "=" not in expr or typ not in ("V", "I"):
            raise NetlistError(f"{where}: behavioural source {name} needs V=... or I=...")
        return ParsedElement(nodes=(_node(args[0]), _node(args[1])),
                             params={"type": typ, "expr": expr.split("=", 1)[1]}, **base)
    if kind in ("E", "G"):
        need(3, f"controlled source {name} needs 4 nodes and a gain")
        if len(args) >= 5 and parse_value(args[4]) is not None:
            return ParsedElement(nodes=tuple(_node(a) for a in args[:4]),
                                 value=parse_value(args[4]), **base)
        if len(args) >= 5 and args[4].startswith("{"):
            return ParsedElement(nodes=tuple(_node(a) for a in args[:4]),
                                 params={"expr": args[4]}, **base)
        head = args[2].lower()
        if head.startswith(("value", "vol", "cur", "poly", "table", "laplace")):
            return ParsedElement(nodes=(_node(args[0]), _node(args[1])),
                                 params={"expr": " ".join(args[2:])}, **base)
        raise NetlistError(f"{where}: controlled source {name} needs 4 nodes and a gain")
    if kind in ("F", "H"):
        need(4, f"controlled source {name} needs 2 nodes, a controlling source and a gain")
        v = parse_value(args[3])
        if v is None and not args[3].startswith("{"):
            raise NetlistError(
                f"{where}: controlled source {name} has an unreadable gain '{args[3]}'")
        return ParsedElement(nodes=(_node(args[0]), _node(args[1])), control=args[2],
                             value=v, params={"expr": args[3]} if v is None else {}, **base)
    if kind == "X":
        plain, params = _split_params(args)
        if len(plain) < 2:
            raise NetlistError(
                f"{where}: subcircuit instance {name} needs nodes and a subcircuit name")
        return ParsedElement(nodes=tuple(_node(t) for t in plain[:-1]), model=plain[-1],
                             params=params, **base)
    if kind == "N":  # an OSDI (Verilog-A) instance: nodes, then the model card, then k=v
        plain, params = _split_params(args)
        if len(plain) < 2:
            raise NetlistError(f"{where}: device instance {name} needs nodes and a model")
        return ParsedElement(nodes=tuple(_node(t) for t in plain[:-1]), model=plain[-1],
                             params=params, **base)
    if kind == "A":
        return _parse_xspice(args, base, where)
    if kind in ("M", "Q", "J", "S"):
        n = {"M": 4, "Q": 3, "J": 3, "S": 4}[kind]
        plain, params = _split_params(args)
        if len(plain) < n + 1:
            raise NetlistError(f"{where}: element {name} needs {n} nodes and a model")
        if kind == "Q" and len(plain) >= 5:
            n = 4
        return ParsedElement(nodes=tuple(_node(t) for t in plain[:n]), model=plain[n],
                             params=params, **base)
    if kind == "W":
        need(4, f"switch {name} needs 2 nodes, a controlling source and a model")
        return ParsedElement(nodes=(_node(args[0]), _node(args[1])), control=args[2],
                             model=args[3], **base)
    if kind == "K":
        need(3, f"coupling {name} needs two inductors and a coefficient")
        return ParsedElement(nodes=(), control=f"{args[0]} {args[1]}",
                             value=parse_value(args[2]), **base)
    raise NetlistError(f"{where}: unsupported element '{name}' (kind {kind})")


def _two_node_value(toks: list[str], kind: str, line: int, path: str) -> ParsedElement:
    """``R C L``: two nodes and a value (a number, ``r=``/``c=``/``l=`` value, or ``{expr}``)."""
    name = toks[0]
    if len(toks) < 4:
        raise NetlistError(f"{_short(path)}:{line}: {_TWO_NODE_VALUE[kind]} {name} "
                           "needs 2 nodes and a value")
    val = toks[3]
    if "=" in val and val.split("=")[0].lower() in ("r", "c", "l", "resistance"):
        val = val.split("=", 1)[1]
    v = parse_value(val)
    if v is None and not val.startswith("{"):
        raise NetlistError(f"{_short(path)}:{line}: {_TWO_NODE_VALUE[kind]} {name} has an "
                           f"unreadable value '{val}'")
    return ParsedElement(kind, name, (_node(toks[1]), _node(toks[2])), v, None, None,
                         {"expr": val} if v is None else {}, (), line, path)


def _source_value(args: list[str], where: str, name: str) -> tuple[float | None, dict[str, object]]:
    """The DC value of a V/I source line's tail; waveforms kept as params."""
    value: float | None = None
    params: dict[str, object] = {}
    k = 0
    while k < len(args):
        t = args[k]
        low = t.lower()
        if t.startswith("{"):  # a parameter expression
            params["expr"] = t
            k += 1
            continue
        if low == "dc" and k + 1 < len(args):
            value = parse_value(args[k + 1])
            if value is None and args[k + 1].startswith("{"):
                params["expr"] = args[k + 1]
            elif value is None:
                raise NetlistError(
                    f"{where}: source {name} has an unreadable DC value '{args[k + 1]}'")
            k += 2
            continue
        if low.startswith("dc="):
            value = parse_value(t[3:])
            k += 1
            continue
        if low == "ac":
            params["ac"] = " ".join(args[k + 1:k + 3])
            k += 2
            continue
        v = parse_value(t)
        if v is not None and value is None and k == 0:
            value = v
        elif re.match(r"^(pulse|sin|exp|pwl|sffm|am|trnoise|trrandom)", low):
            params["waveform"] = t
        elif v is None and "=" not in t and not t.startswith("("):
            raise NetlistError(f"{where}: source {name} has an unreadable value '{t}'")
        k += 1
    return (0.0 if value is None else value), params


def _parse_xspice(args: list[str], base: dict, where: str) -> ParsedElement:
    name = base["name"]
    if len(args) < 2:
        raise NetlistError(f"{where}: XSPICE instance {name} needs ports and a model")
    model = args[-1]
    ports: list[Port] = []
    pending: str | None = None
    for t in args[:-1]:
        m = re.match(r"^%(\w+)(?:\((.*)\))?$", t)
        if m and m.group(2) is None:
            pending = m.group(1).lower()
            continue
        if t.startswith("["):
            for inner in t.strip("[]").split():
                ports.append(_xport(inner, pending or "v"))
            pending = None
            continue
        ports.append(_xport(t, pending or "v"))
        pending = None
    if not ports:
        raise NetlistError(f"{where}: XSPICE instance {name} has no ports")
    nodes = tuple(n for p in ports for n in p.nodes)
    return ParsedElement(nodes=nodes, model=model, ports=tuple(ports), **base)


def _xport(tok: str, default: str) -> Port:
    m = re.match(r"^%(\w+)\((.*)\)$", tok)
    if m:
        nodes = m.group(2).replace(",", " ").split()
        return Port(m.group(1).lower(), tuple(_node(n) for n in nodes))
    tok = tok.lstrip("~")
    if tok.lower() == "null":
        return Port(default, ())
    return Port(default, (_node(tok),))
