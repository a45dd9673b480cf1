"""Reading SPICE netlists (ngspice dialect) into a plain parsed form.

Everything spicelearn writes (static and sweep forms) reads back, and so do
ordinary hand-written decks:

* the first line is the title; ``*`` starts a comment line; ``;`` and `` $ ``
  start inline comments; a line starting with ``+`` continues the previous one;
* elements ``R C L`` (2 nodes + value), ``D`` (2 nodes + model), ``V I`` (2 nodes,
  ``[DC] value`` and/or a waveform), ``B`` (2 nodes, ``V=``/``I=`` expression),
  ``E G`` (4 nodes + gain, or 2 nodes + ``value=``/``poly``), ``F H`` (2 nodes +
  controlling source + gain), ``X`` (ports, subcircuit, ``params: k=v``), ``A``
  (XSPICE: ports ``node``, ``%v(n)``, ``%i(n)``, ``%vd(a b)``, ``%id(a b)``,
  vectors ``[a b]``; model last), and ``M Q J K S W``;
* ``.model name type(k=v ...)``, ``.subckt name ports [params: k=v] ... .ends``,
  ``.param``, ``.include``/``.lib`` (followed when the file exists, else a
  problem is recorded), ``.options``, analyses (``.op .dc .tran .ac ...``),
  ``.control ... .endc`` (skipped), ``.end``;
* values with SPICE suffixes ``f p n u m k meg g t`` (and ``mil``),
  case-insensitive, with trailing units ignored: ``1kOhm`` = 1e3, ``2.2uF`` = 2.2e-6.

Node names are lowercased (ngspice does the same) and ``gnd`` is ground ``0``.
Errors raise :class:`NetlistError` as ``file:line: message``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import NetlistError

GROUND = "0"

_SUFFIX = {"f": 1e-15, "p": 1e-12, "n": 1e-9, "u": 1e-6, "m": 1e-3, "k": 1e3,
           "meg": 1e6, "g": 1e9, "t": 1e12, "mil": 25.4e-6}
_VALUE_RE = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)(meg|mil|[fpnumkgt])?[a-z]*$",
                       re.IGNORECASE)
_PARAM_RE = re.compile(r"([A-Za-z_][\w.]*)\s*=\s*(\[[^\]]*\]|\{[^}]*\}|'[^']*'|[^\s,()]+)")
_ANALYSES = {"op", "dc", "tran", "ac", "noise", "tf", "sens", "pz", "disto", "sp"}


def parse_value(text: str) -> float | None:
    """A SPICE number (``4.7k``, ``1meg``, ``10uF``, ``1e-3``) in SI units, or None."""
    m = _VALUE_RE.match(text.strip())
    if not m:
        return None
    return float(m.group(1)) * _SUFFIX.get((m.group(2) or "").lower(), 1.0)


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


@dataclass
class ParsedSubckt:
    """A ``.subckt`` definition with its body."""

    name: str
    ports: tuple[str, ...]
    params: dict[str, object]
    elements: list[ParsedElement]
    models: dict[str, ParsedModel]
    line: int
    file: str = ""


@dataclass
class ParsedNetlist:
    """The parsed form of a netlist file.

    ``models`` and ``subckts`` are keyed by lowercased name. ``includes`` lists
    ``(directive, path, line, found)``; ``problems`` holds what could be read but
    is wrong (a missing include), each a one-line string.
    """

    path: str
    title: str
    elements: list[ParsedElement] = field(default_factory=list)
    models: dict[str, ParsedModel] = field(default_factory=dict)
    subckts: dict[str, ParsedSubckt] = field(default_factory=dict)
    params: dict[str, object] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)
    analyses: list[tuple[str, tuple[str, ...], int]] = field(default_factory=list)
    includes: list[tuple[str, str, int, bool]] = field(default_factory=list)
    controls: list[tuple[str, int]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def parse_netlist_file(path: str | Path) -> ParsedNetlist:
    """Read and parse a netlist file; missing or malformed files raise NetlistError."""
    p = Path(path)
    if not p.is_file():
        raise NetlistError(f"netlist file not found: {p}")
    try:
        text = p.read_text(errors="replace")
    except OSError as exc:
        raise NetlistError(f"cannot read netlist {p}: {exc.strerror}") from None
    return parse_netlist(text, str(p))


def parse_netlist(text: str, path: str = "<netlist>") -> ParsedNetlist:
    """Parse netlist text; ``path`` names it in errors and anchors relative includes."""
    raw = text.splitlines()
    if not text.strip():
        raise NetlistError(f"{_short(path)}:1: empty netlist")
    net = ParsedNetlist(path=path, title=raw[0].strip())
    _Reader(net, path, depth=0).run(_logical_lines(raw[1:], first=2, path=path))
    return net


def _short(path: str) -> str:
    return Path(path).name if path and not path.startswith("<") else path


def _strip_comment(line: str) -> str:
    if line.lstrip().startswith("*"):
        return ""
    line = line.split(";", 1)[0]
    return re.split(r"\s\$(?:\s|$)", line, maxsplit=1)[0].rstrip()


def _logical_lines(lines: list[str], first: int, path: str) -> list[tuple[int, str]]:
    """Join ``+`` continuations; drop comments and blank lines. -> [(line_no, text)]"""
    out: list[tuple[int, str]] = []
    for k, rawline in enumerate(lines):
        no = first + k
        s = _strip_comment(rawline)
        if not s.strip():
            continue
        if s.lstrip().startswith("+"):
            if not out:
                raise NetlistError(
                    f"{_short(path)}:{no}: continuation line '+' with nothing to continue")
            prev_no, prev = out[-1]
            out[-1] = (prev_no, prev + " " + s.lstrip()[1:].strip())
        else:
            out.append((no, s.strip()))
    return out


def tokenize(text: str) -> list[str]:
    """Split on whitespace/commas outside (), [], {} and quotes; ``k = v`` -> ``k=v``."""
    text = re.sub(r"\s*=\s*", "=", text)
    text = re.sub(r"(%\w+)\s+\(", r"\1(", text)
    out: list[str] = []
    cur: list[str] = []
    depth = 0
    quote = False
    pairs = {"(": ")", "[": "]", "{": "}"}
    for ch in text:
        if ch == "'":
            quote = not quote
        elif not quote and ch in pairs:
            depth += 1
        elif not quote and ch in pairs.values():
            depth = max(0, depth - 1)
        if not quote and depth == 0 and (ch.isspace() or ch == ","):
            if cur:
                out.append("".join(cur))
                cur = []
            continue
        cur.append(ch)
    if cur:
        out.append("".join(cur))
    return out


def parse_params(text: str) -> dict[str, object]:
    """``k=v`` pairs -> {k (lowercased): float | [floats] | str}."""
    out: dict[str, object] = {}
    for key, val in _PARAM_RE.findall(text):
        out[key.lower()] = _param_value(val)
    return out


def _param_value(val: str) -> object:
    if val.startswith("["):
        items = [parse_value(t) for t in val.strip("[]").replace(",", " ").split()]
        return [v for v in items if v is not None] if all(v is not None for v in items) else val
    v = parse_value(val)
    return val if v is None else v


def _node(tok: str) -> str:
    n = tok.lower()
    return GROUND if n == "gnd" else n


class _Reader:
    """Fills a ParsedNetlist from logical lines; a stack of open subcircuits."""

    def __init__(self, net: ParsedNetlist, path: str, depth: int) -> None:
        self.net, self.path, self.depth = net, path, depth
        self.stack: list[ParsedSubckt] = []

    def fail(self, line: int, msg: str) -> NetlistError:
        return NetlistError(f"{_short(self.path)}:{line}: {msg}")

    def run(self, lines: list[tuple[int, str]], open_before: int = 0) -> None:
        """Read ``lines``; ``open_before`` subcircuits were open when they started."""
        in_control = False
        # a file with .endl is a library: its one-argument ".lib name" lines open sections
        sections = any(t.lower().startswith(".endl") for _, t in lines)
        for no, text in lines:
            low = text.lower()
            if in_control:
                if low.startswith(".endc"):
                    in_control = False
                continue
            if low.startswith(".control"):
                in_control = True
                self.net.controls.append((".control", no))
                continue
            if sections and low.startswith(".lib") and len(text.split()) == 2:
                continue
            if low.startswith("."):
                if self.dot(no, text) == "end":
                    break
            else:
                el = parse_element(text, no, self.path)
                if self.stack:
                    self.stack[-1].elements.append(el)
                else:
                    self.net.elements.append(el)
        if len(self.stack) > open_before:
            s = self.stack[-1]
            raise self.fail(s.line, f".subckt {s.name} has no matching .ends")

    def dot(self, no: int, text: str) -> str | None:
        toks = tokenize(text)
        cmd = toks[0].lower()[1:]
        args = toks[1:]
        if cmd == "end":
            return "end"
        if cmd == "model":
            m = parse_model(text, no, self.path)
            target = self.stack[-1].models if self.stack else self.net.models
            target[m.name.lower()] = m
        elif cmd == "subckt":
            if not args:
                raise self.fail(no, ".subckt needs a name")
            ports, params = _split_params(args[1:])
            self.stack.append(ParsedSubckt(args[0], tuple(_node(t) for t in ports), params,
                                           [], {}, no, self.path))
        elif cmd == "ends":
            if not self.stack:
                raise self.fail(no, ".ends without a matching .subckt")
            s = self.stack.pop()
            self.net.subckts[s.name.lower()] = s
        elif cmd == "param":
            self.net.params.update(parse_params(text[len(toks[0]):]))
        elif cmd in ("options", "option", "opt"):
            for a in args:
                k, _, v = a.partition("=")
                self.net.options[k.lower()] = v
        elif cmd in ("include", "inc", "lib"):
            self.include(no, cmd, args)
        elif cmd == "endl":
            pass
        elif cmd in _ANALYSES:
            self.net.analyses.append((cmd, tuple(args), no))
        else:
            self.net.controls.append((toks[0].lower(), no))
        return None

    def include(self, no: int, cmd: str, args: list[str]) -> None:
        if not args:
            raise self.fail(no, f".{cmd} needs a file name")
        name = args[0].strip("'\"")
        section = args[1].lower() if cmd == "lib" and len(args) > 1 else None
        base = Path(self.path).parent if not self.path.startswith("<") else Path.cwd()
        target = Path(name) if Path(name).is_absolute() else base / name
        found = target.is_file()
        self.net.includes.append((f".{cmd}", name, no, found))
        if not found:
            self.net.problems.append(
                f"{_short(self.path)}:{no}: .{cmd} file '{name}' not found")
            return
        if self.depth >= 8:
            raise self.fail(no, f".{cmd} nesting deeper than 8 levels (a loop?)")
        lines = target.read_text(errors="replace").splitlines()
        logical = _logical_lines(lines, first=1, path=str(target))
        if section is not None:
            logical = _lib_section(logical, section)
        sub = _Reader(self.net, str(target), self.depth + 1)
        depth_before = len(self.stack)
        sub.stack = self.stack
        sub.run(logical, open_before=depth_before)


def _lib_section(lines: list[tuple[int, str]], section: str) -> list[tuple[int, str]]:
    out, inside = [], False
    for no, text in lines:
        toks = text.lower().split()
        if toks[0] == ".lib" and len(toks) == 2 and toks[1] == section:
            inside = True
        elif toks[0] == ".endl":
            inside = False
        elif inside:
            out.append((no, text))
    return out


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
    name = toks[0]
    kind = name[0].upper()
    args = toks[1:]
    where = f"{_short(path)}:{line}"

    def need(n: int, what: str) -> None:
        if len(args) < n:
            raise NetlistError(f"{where}: {what}")

    base = {"kind": kind, "name": name, "line": line, "file": path}
    if kind in _TWO_NODE_VALUE:
        label = _TWO_NODE_VALUE[kind]
        need(3, f"{label} {name} needs 2 nodes and a value")
        val = args[2]
        if "=" in val and val.split("=")[0].lower() in ("r", "c", "l", "resistance"):
            val = val.split("=", 1)[1]
        v = parse_value(val)
        if v is None and not val.startswith("{"):
            raise NetlistError(f"{where}: {label} {name} has an unreadable value '{val}'")
        return ParsedElement(nodes=(_node(args[0]), _node(args[1])), value=v,
                             params={"expr": val} if v is None else {}, **base)
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
        head = args[2].lower()
        if head.startswith(("value", "vol", "cur", "poly", "table", "laplace")):
            return ParsedElement(nodes=(_node(args[0]), _node(args[1])),
                                 params={"expr": " ".join(args[2:])}, **base)
        raise NetlistError(f"{where}: controlled source {name} needs 4 nodes and a gain")
    if kind in ("F", "H"):
        need(4, f"controlled source {name} needs 2 nodes, a controlling source and a gain")
        v = parse_value(args[3])
        if v is None:
            raise NetlistError(
                f"{where}: controlled source {name} has an unreadable gain '{args[3]}'")
        return ParsedElement(nodes=(_node(args[0]), _node(args[1])), control=args[2],
                             value=v, **base)
    if kind == "X":
        plain, params = _split_params(args)
        if len(plain) < 2:
            raise NetlistError(
                f"{where}: subcircuit instance {name} needs nodes and a subcircuit name")
        return ParsedElement(nodes=tuple(_node(t) for t in plain[:-1]), model=plain[-1],
                             params=params, **base)
    if kind == "A":
        return _parse_xspice(args, base, where)
    if kind in ("M", "Q", "J", "S"):
        n = {"M": 4, "Q": 3, "J": 3, "S": 4}[kind]
        need(n + 1, f"element {name} needs {n} nodes and a model")
        plain, params = _split_params(args)
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


def _source_value(args: list[str], where: str, name: str) -> tuple[float | None, dict[str, object]]:
    """The DC value of a V/I source line's tail; waveforms kept as params."""
    value: float | None = None
    params: dict[str, object] = {}
    k = 0
    while k < len(args):
        t = args[k]
        low = t.lower()
        if low == "dc" and k + 1 < len(args):
            value = parse_value(args[k + 1])
            if value is None:
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
