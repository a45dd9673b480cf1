"""SPICE lexing: values with suffixes, comments, continuation lines, tokens, params."""

from __future__ import annotations

import re
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


def _short(path: str) -> str:
    return Path(path).name if path and not path.startswith("<") else path
