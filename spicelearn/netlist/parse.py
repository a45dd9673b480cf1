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

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import NetlistError
from ._elements import ParsedElement, ParsedModel, Port, _split_params, parse_element, parse_model
from ._lex import (
    _ANALYSES,
    GROUND,
    _logical_lines,
    _node,
    _short,
    parse_params,
    parse_value,
    tokenize,
)

__all__ = [
    "GROUND", "ParsedElement", "ParsedModel", "ParsedNetlist", "ParsedSubckt", "Port",
    "parse_element", "parse_model", "parse_netlist", "parse_netlist_file", "parse_params",
    "parse_value", "tokenize",
]


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
