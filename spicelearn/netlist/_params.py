"""Parameters used in ``{...}`` expressions but defined nowhere (ngspice: "Undefined parameter").

A name in braces refers to a parameter unless a ``(`` follows it (a function,
built-in or ``.func``) or it sits in a ``v(...)``/``i(...)`` probe. It is defined
if a ``.param`` line defines it at the top level, or, for a line inside a
subcircuit, if the subcircuit (or one it is defined in) has it in ``params:`` or
in a ``.param`` of its body; ``temper``, ``hertz`` and ``time`` are ngspice's own.
ngspice's numparam has no other predefined names (``{pi}`` is undefined there).
"""

from __future__ import annotations

import re

from ._lex import _short
from .parse import ParamUse, ParsedNetlist

BUILTIN = frozenset({"temper", "hertz", "time"})
_PROBE = re.compile(r"\b[vi](?:r|i|m|p|db)?\s*\([^()]*\)", re.IGNORECASE)
_TOKEN = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?[a-z]*|([a-z_]\w*)(\s*\()?", re.IGNORECASE)


def referenced_names(expr: str) -> list[str]:
    """Lowercased parameter names ``expr`` refers to, in order, without repeats."""
    names: dict[str, None] = {}
    for m in _TOKEN.finditer(_PROBE.sub(" ", expr)):
        if m.group(1) and not m.group(2):
            names.setdefault(m.group(1).lower(), None)
    return list(names)


def param_problems(net: ParsedNetlist) -> list[str]:
    """One problem per undefined name per line."""
    known = set(net.params) | net.funcs | BUILTIN
    scopes: dict[str | None, set[str]] = {None: known}
    out = []
    for use in net.param_uses:
        defined = scopes.get(use.scope)
        if defined is None:
            defined = scopes[use.scope] = _scope(net, use.scope, known)
        for expr in use.exprs:
            for name in referenced_names(expr):
                if name not in defined:
                    out.append(_message(use, name, expr))
    return out


def _scope(net: ParsedNetlist, key: str | None, known: set[str]) -> set[str]:
    names = set(known)
    seen: set[str] = set()
    while key is not None and key not in seen and key in net.subckts:
        seen.add(key)
        names.update(net.subckts[key].params)
        key = net.subckts[key].parent
    return names


def _message(use: ParamUse, name: str, expr: str) -> str:
    shown = expr if len(expr) <= 40 else expr[:37] + "..."
    return (f"{_short(use.file)}:{use.line}: {use.card} uses undefined parameter "
            f"'{name}' in {{{shown}}}")
