"""SPICE lexing: values with suffixes, comments, continuation lines, tokens, params."""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from ..errors import NetlistError

GROUND = "0"

_SUFFIX = {"f": 1e-15, "p": 1e-12, "n": 1e-9, "u": 1e-6, "m": 1e-3, "k": 1e3,
           "meg": 1e6, "g": 1e9, "t": 1e12, "mil": 25.4e-6}
_VALUE_RE = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)(meg|mil|[fpnumkgt])?[a-z]*$",
                       re.IGNORECASE)
_PARAM_RE = re.compile(r"([A-Za-z_][\w.]*)\s*=\s*(\[[^\]]*\]|\{[^}]*\}|'[^']*'|[^\s,()]+)")
_ANALYSES = {"op", "dc", "tran", "ac", "noise", "tf", "sens", "pz", "disto", "sp"}
_DOLLAR_COMMENT = re.compile(r"\s\$(?:\s|$)")
_NEEDS_SCAN = re.compile(r"[='(\[{%]")  # tokenize's fast path: none of these in the line


@contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small objects.

    Parsed netlists hold no reference cycles, yet allocating hundreds of
    thousands of elements triggers repeated full collections that scan all of
    them: pausing halves the time to read a 200,000-line netlist.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@lru_cache(maxsize=4096)
def parse_value(text: str) -> float | None:
    """A SPICE number (``4.7k``, ``1meg``, ``10uF``, ``1e-3``) in SI units, or None.

    Values beyond the float range come back as ``±inf`` (``1e400``); callers
    that need a finite value check for it.
    """
    m = _VALUE_RE.match(text.strip())
    if not m:
        return None
    return float(m.group(1)) * _SUFFIX.get((m.group(2) or "").lower(), 1.0)


def _strip_inline(text: str) -> str:
    """``text`` without a ``;`` or `` $ `` inline comment (and the space before it)."""
    if ";" in text:
        text = text.split(";", 1)[0]
    if "$" in text:
        text = _DOLLAR_COMMENT.split(text, maxsplit=1)[0]
    return text.rstrip()


def _logical_lines(lines: list[str], first: int, path: str) -> list[tuple[int, str]]:
    """Join ``+`` continuations; drop comments and blank lines. -> [(line_no, text)]

    ``*`` starts a comment line; ``;`` and `` $ `` start inline comments.
    """
    out: list[tuple[int, str]] = []
    append = out.append
    no = first - 1
    for rawline in lines:
        no += 1
        s = rawline.strip()
        if not s or s[0] == "*":
            continue
        if ";" in s or "$" in s:
            s = _strip_inline(s)
            if not s:
                continue
        if s[0] == "+":
            if not out:
                raise NetlistError(
                    f"{_short(path)}:{no}: continuation line '+' with nothing to continue")
            prev_no, prev = out[-1]
            out[-1] = (prev_no, prev + " " + s[1:].strip())
        else:
            append((no, s))
    return out


def tokenize(text: str) -> list[str]:
    """Split on whitespace/commas outside (), [], {} and quotes; ``k = v`` -> ``k=v``."""
    if not _NEEDS_SCAN.search(text):
        return text.replace(",", " ").split()
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


@lru_cache(maxsize=256)
def _short(path: str) -> str:
    """The file name of ``path`` for messages (``<netlist>`` stays as is)."""
    return Path(path).name if path and not path.startswith("<") else path
