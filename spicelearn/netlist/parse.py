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
  ``.param`` (global, or local to the subcircuit it is in), ``.func``,
  ``.include``/``.lib`` (followed when the file exists, else a problem is
  recorded; a file that includes itself, directly or through others, is a
  problem, not followed again), ``.options``, analyses (``.op .dc .tran .ac ...``),
  ``.control ... .endc`` (its command lines kept in ``commands``, not
  interpreted), ``.end``; a file whose first line starts with ``*ng_script`` is
  an ngspice command script: every line is kept as a command;
* values with SPICE suffixes ``f p n u m k meg g t`` (and ``mil``),
  case-insensitive, with trailing units ignored: ``1kOhm`` = 1e3, ``2.2uF`` = 2.2e-6.

Node names are lowercased (ngspice does the same) and ``gnd`` is ground ``0``.
Errors raise :class:`NetlistError` as ``file:line: message``, with control
characters escaped (:func:`~spicelearn.errors.printable`). Reading is iterative
except for includes (at most :data:`MAX_INCLUDE_DEPTH` levels).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import NetlistError, printable
from ._elements import ParsedElement, ParsedModel, Port, _split_params, parse_element, parse_model
from ._lex import (
    _ANALYSES,
    GROUND,
    _logical_lines,
    _node,
    _short,
    no_gc,
    parse_params,
    parse_value,
    tokenize,
)

__all__ = [
    "GROUND", "MAX_INCLUDE_DEPTH", "ParamUse", "ParsedElement", "ParsedModel", "ParsedNetlist",
    "ParsedSubckt", "Port", "parse_element", "parse_model", "parse_netlist",
    "parse_netlist_file", "parse_params", "parse_value", "tokenize",
]

#: Deepest chain of nested ``.include``/``.lib`` files read (a loop is caught earlier).
MAX_INCLUDE_DEPTH = 64
_BRACES = re.compile(r"\{([^{}]*)\}")
_FUNC = re.compile(r"^\.func\s+([A-Za-z_]\w*)", re.IGNORECASE)


@dataclass
class ParsedSubckt:
    """A ``.subckt`` definition with its body."""

    name: str
    ports: tuple[str, ...]
    params: dict[str, object]
    """``params:`` defaults and the body's own ``.param`` lines, by lowercased name."""
    elements: list[ParsedElement]
    models: dict[str, ParsedModel]
    line: int
    file: str = ""
    parent: str | None = None
    """Lowercased name of the subcircuit this one is defined in (its params are visible)."""


@dataclass(frozen=True)
class ParamUse:
    """The ``{...}`` expressions on one line, with the subcircuit whose params they see.

    ``card`` is the line's first word (element name or dot command); ``scope`` the
    lowercased name of the subcircuit the line is in, None at the top level.
    """

    card: str
    exprs: tuple[str, ...]
    line: int
    file: str
    scope: str | None


@dataclass
class ParsedNetlist:
    """The parsed form of a netlist file.

    ``models`` and ``subckts`` are keyed by lowercased name. ``includes`` lists
    ``(directive, path, line, found)``; ``commands`` every command line of a
    ``.control`` block (or of an ``*ng_script`` file) as ``(file, line, text)``;
    ``param_uses`` the lines holding ``{...}`` expressions; ``funcs`` the ``.func``
    names; ``script`` whether the file is an ``*ng_script``; ``end_line`` the
    line of the top file's ``.end`` and ``after_end`` how many cards follow it
    (ngspice ignores them); ``problems`` holds what could be read but is wrong
    (a missing or looping include), each a one-line string.
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
    commands: list[tuple[str, int, str]] = field(default_factory=list)
    param_uses: list[ParamUse] = field(default_factory=list)
    funcs: set[str] = field(default_factory=set)
    script: bool = False
    end_line: int | None = None
    after_end: int = 0
    problems: list[str] = field(default_factory=list)


def parse_netlist_file(path: str | Path) -> ParsedNetlist:
    """Read and parse a netlist file; missing or malformed files raise NetlistError."""
    p = Path(path)
    if not p.is_file():
        raise NetlistError(printable(f"netlist file not found: {p}"))
    try:
        text = p.read_text(errors="replace")
    except OSError as exc:
        raise NetlistError(printable(f"cannot read netlist {p}: {exc.strerror}")) from None
    return parse_netlist(text, str(p))


def parse_netlist(text: str, path: str = "<netlist>") -> ParsedNetlist:
    """Parse netlist text; ``path`` names it in errors and anchors relative includes.

    Raises:
        NetlistError: ``file:line: message`` for the first line that cannot be read
            (control characters in it escaped).
    """
    try:
        with no_gc():
            return _parse(text, path)
    except NetlistError as exc:
        raise NetlistError(printable(str(exc))) from None


def _parse(text: str, path: str) -> ParsedNetlist:
    raw = _lines(text)
    if not text.strip():
        raise NetlistError(f"{_short(path)}:1: empty netlist")
    net = ParsedNetlist(path=path, title=raw[0].strip())
    logical = _logical_lines(raw[1:], first=2, path=path)
    if net.title.lower().startswith("*ng_script"):
        net.script = True
        net.commands += [(path, no, text) for no, text in logical]
        return net
    reader = _Reader(net, path, depth=0, chain=(_file_key(path, None),))
    rest = reader.run(logical)
    if rest is not None:
        net.end_line, net.after_end = rest
    return net


def _lines(text: str) -> list[str]:
    """Physical lines as ngspice sees them: split at ``\\n`` only (``\\r\\n`` too).

    Unlike :meth:`str.splitlines`, form feeds, ``\\x1c``-``\\x1e``, ``\\x85`` and
    Unicode line separators stay inside their line.
    """
    return text.replace("\r\n", "\n").split("\n")


def _file_key(path: str, section: str | None) -> tuple[str, str | None]:
    """What identifies an open include: the resolved file and the ``.lib`` section."""
    if path.startswith("<"):
        return path, section
    try:
        return str(Path(path).resolve()), section
    except (OSError, RuntimeError):
        return path, section


class _Reader:
    """Fills a ParsedNetlist from logical lines; a stack of open subcircuits.

    ``chain`` holds the (file, section) keys of the files being read, outermost
    first: an include of one of them is a loop.
    """

    def __init__(self, net: ParsedNetlist, path: str, depth: int,
                 chain: tuple[tuple[str, str | None], ...]) -> None:
        self.net, self.path, self.depth, self.chain = net, path, depth, chain
        self.stack: list[ParsedSubckt] = []

    def fail(self, line: int, msg: str) -> NetlistError:
        return NetlistError(f"{_short(self.path)}:{line}: {msg}")

    def run(self, lines: list[tuple[int, str]], open_before: int = 0) -> tuple[int, int] | None:
        """Read ``lines``; ``open_before`` subcircuits were open when they started.

        Returns (line of ``.end``, cards after it) if an ``.end`` stopped the reading.
        """
        in_control = False
        ended: tuple[int, int] | None = None
        # a file with .endl is a library: its one-argument ".lib name" lines open sections
        sections = any(t[:5].lower() == ".endl" for _, t in lines)
        path, net = self.path, self.net
        for k, (no, text) in enumerate(lines):
            if in_control:
                if text[:5].lower() == ".endc":
                    in_control = False
                else:
                    net.commands.append((path, no, text))
                continue
            low = ""
            if text[0] == ".":
                low = text[:8].lower()
                if low == ".control":
                    in_control = True
                    net.controls.append((".control", no))
                    continue
                if sections and low.startswith(".lib") and len(text.split()) == 2:
                    continue
                if self.dot(no, text) == "end":
                    ended = (no, len(lines) - k - 1)
                    break
            else:
                el = parse_element(text, no, path)
                (self.stack[-1].elements if self.stack else net.elements).append(el)
            if "{" in text and not low.startswith(".func"):  # .func bodies name arguments
                net.param_uses.append(ParamUse(
                    text.split(None, 1)[0], tuple(_BRACES.findall(text)), no, path,
                    self.stack[-1].name.lower() if self.stack else None))
        if len(self.stack) > open_before:
            s = self.stack[-1]
            raise self.fail(s.line, f".subckt {s.name} has no matching .ends")
        return ended

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
            parent = self.stack[-1].name.lower() if self.stack else None
            self.stack.append(ParsedSubckt(args[0], tuple(_node(t) for t in ports), params,
                                           [], {}, no, self.path, parent))
        elif cmd == "ends":
            if not self.stack:
                raise self.fail(no, ".ends without a matching .subckt")
            s = self.stack.pop()
            self.net.subckts[s.name.lower()] = s
        elif cmd == "param":
            target = self.stack[-1].params if self.stack else self.net.params
            target.update(parse_params(text[len(toks[0]):]))
        elif cmd == "func":
            m = _FUNC.match(text)
            if m:
                self.net.funcs.add(m.group(1).lower())
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
        try:
            found = target.is_file()
        except (OSError, ValueError):  # a name too long, or holding NUL
            found = False
        self.net.includes.append((f".{cmd}", name, no, found))
        where = f"{_short(self.path)}:{no}"
        if not found:
            self.net.problems.append(f"{where}: .{cmd} file '{name}' not found")
            return
        key = _file_key(str(target), section)
        if key in self.chain:
            loop = [Path(k[0]).name for k in self.chain[self.chain.index(key):]]
            self.net.problems.append(
                f"{where}: .{cmd} '{name}' is an include loop ({' -> '.join(loop)} -> "
                f"{target.name}); not followed again")
            return
        if self.depth + 1 > MAX_INCLUDE_DEPTH:
            raise self.fail(no, f".{cmd} files nested deeper than {MAX_INCLUDE_DEPTH} levels")
        try:
            lines = _lines(target.read_text(errors="replace"))
        except OSError as exc:
            self.net.problems.append(
                f"{where}: .{cmd} file '{name}' cannot be read ({exc.strerror})")
            return
        logical = _logical_lines(lines, first=1, path=str(target))
        if section is not None:
            logical = _lib_section(logical, section)
        sub = _Reader(self.net, str(target), self.depth + 1, (*self.chain, key))
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
