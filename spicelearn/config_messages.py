"""Turning a pydantic ``ValidationError`` into one line naming the dotted config key.

The first error of a validation is reported. Its location is walked through the
model (tables, tagged unions, lists) to find the key as the user wrote it
(``network.devices.g_min``, ``training.lr[1]``), the field's constraints and unit,
and the keys known in that table. User values are shown with :func:`show`
(``ascii`` and shortened), so a message is always one line of printable ASCII.
"""

from __future__ import annotations

import re
import types
from dataclasses import dataclass, field
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from .errors import ConfigError, printable

_SHOW_MAX = 60
_UNIT = re.compile(r"\[([^\]]+)\]")
_TYPE_WORDS = {
    "float_type": "a number", "int_type": "an integer", "string_type": "a string",
    "bool_type": "true or false", "list_type": "a list", "model_type": "a table",
    "dict_type": "a table", "model_attributes_type": "a table",
    "union_tag_not_found": "a table",
}


@dataclass(frozen=True)
class Choice:
    """Marks a field whose value is one of ``known`` (``noun`` names it in errors).

    For a tagged union, ``key`` is the table key that selects the member.
    """

    noun: str
    known: tuple[str, ...]
    key: str = ""


def show(value: Any) -> str:
    """A user value for a message: ``ascii()`` (quotes, escapes), at most ~60 characters."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) and abs(value) >= 10**18:
        return f"an integer of {len(str(abs(value)))} digits"
    text = ascii(value)
    if len(text) > _SHOW_MAX:
        text = text[:_SHOW_MAX - 3] + "..."
    return text


@dataclass
class _Where:
    """What a validation error's location points at."""

    key: list[str] = field(default_factory=list)
    table: type[BaseModel] | None = None
    """The model holding the last key (its keys are the ones "known here")."""
    info: FieldInfo | None = None
    """The field the key names (its description carries the unit)."""
    annotation: Any = None
    """The type of the value at the location."""
    meta: list[Any] = field(default_factory=list)
    """Constraints and markers of the value at the location."""

    @property
    def dotted(self) -> str:
        return ".".join(self.key)


def _unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """Strip ``Annotated`` layers; their metadata (constraints of inner FieldInfos too)."""
    meta: list[Any] = []
    while get_origin(annotation) is Annotated:
        annotation, *extra = get_args(annotation)
        for m in extra:
            meta.extend(m.metadata if isinstance(m, FieldInfo) else [m])
    return annotation, meta


def _is_union(annotation: Any) -> bool:
    return get_origin(annotation) in (Union, types.UnionType)


def _tag(meta: list[Any]) -> str | None:
    return next((getattr(m, "tag", None) for m in meta if type(m).__name__ == "Tag"), None)


def _member(annotation: Any, meta: list[Any], comp: Any) -> tuple[Any, list[Any]] | None:
    """The tagged-union member named ``comp`` (a location part that is not a key)."""
    if _is_union(annotation):
        for arg in get_args(annotation):
            inner, inner_meta = _unwrap(arg)
            if _tag(inner_meta) == comp:
                return inner, inner_meta
        return None
    if _tag(meta) == comp:  # a union of one member collapses to the member itself
        return annotation, [m for m in meta if type(m).__name__ != "Tag"]
    return None


def _field(model: type[BaseModel], key: Any) -> FieldInfo | None:
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return info
    return None


def locate(root: Any, data: Any, loc: tuple[Any, ...]) -> _Where:
    """Walk ``loc`` through the annotation ``root`` and the input ``data``."""
    where = _Where()
    annotation, meta = _unwrap(root)
    value = data
    for comp in loc:
        member = _member(annotation, meta, comp)
        if member is not None:
            annotation, meta = member
            continue
        if _is_union(annotation):
            args = [a for a in get_args(annotation) if a is not type(None)]
            if len(args) == 1:
                annotation, more = _unwrap(args[0])
                meta = meta + more
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            where.table = annotation
            where.key.append(plain(comp))
            info = _field(annotation, comp)
            where.info = info
            annotation, meta = (None, []) if info is None else _unwrap(
                Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation)
            value = value.get(comp) if isinstance(value, dict) else None
        elif get_origin(annotation) is list and isinstance(comp, int):
            if isinstance(value, list):  # a single value given for a list shows no index
                where.key[-1] += f"[{comp}]"
                value = value[comp] if -len(value) <= comp < len(value) else None
            annotation, meta = _unwrap(get_args(annotation)[0])
        else:
            where.key.append(plain(comp))
            annotation, meta = None, []
    where.annotation, where.meta = annotation, meta
    return where


def plain(text: Any) -> str:
    """``text`` as is if it is printable ASCII, else escaped like :func:`show` (no quotes)."""
    text = str(text)
    return text if text.isascii() and text.isprintable() else show(text)[1:-1]


def _number(x: Any) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def describe_range(meta: list[Any]) -> str:
    """``> 0``, ``>= 1``, ``in (0, 1)``, ``in [0, 1]``... from a field's constraints."""
    lo = next(((m.gt, "(") for m in meta if hasattr(m, "gt")), None) or \
        next(((m.ge, "[") for m in meta if hasattr(m, "ge")), None)
    hi = next(((m.lt, ")") for m in meta if hasattr(m, "lt")), None) or \
        next(((m.le, "]") for m in meta if hasattr(m, "le")), None)
    if lo and hi:
        return f"in {lo[1]}{_number(lo[0])}, {_number(hi[0])}{hi[1]}"
    if lo:
        return f"{'>' if lo[1] == '(' else '>='} {_number(lo[0])}"
    if hi:
        return f"{'<' if hi[1] == ')' else '<='} {_number(hi[0])}"
    return "in range"


def _unit(info: FieldInfo | None) -> str:
    units = _UNIT.findall((info.description or "") if info else "")
    return "" if not units or units[-1] == "1" else f" {units[-1]}"


def _hint(info: FieldInfo | None) -> str:
    extra = info.json_schema_extra if info else None
    return f" ({extra['hint']})" if isinstance(extra, dict) and "hint" in extra else ""


def _choice(meta: list[Any]) -> Choice | None:
    return next((m for m in meta if isinstance(m, Choice)), None)


def _message(err: dict[str, Any], where: _Where) -> str:
    kind, value = err["type"], err.get("input")
    key = where.dotted
    subject = f"config key '{key}'" if key else "the config"
    if kind == "missing":
        if isinstance(where.annotation, type) and issubclass(where.annotation, BaseModel):
            return f"missing config table '[{key}]'"
        return f"missing config key '{key}'"
    if kind == "extra_forbidden":
        known = ", ".join(sorted(f.alias or n for n, f in where.table.model_fields.items())) \
            if where.table else ""
        return f"unknown config key '{key}' (known here: {known})"
    if kind == "union_tag_invalid":
        c = _choice(where.meta)
        if c is not None and isinstance(value, dict):
            tag = value.get(c.key)
            if not isinstance(tag, str):
                return f"config key '{key}.{c.key}' must be a string, not {show(tag)}"
            return f"unknown {c.noun} {show(tag)} in '{key}.{c.key}' (known: {', '.join(c.known)})"
    if kind == "literal_error":
        c = _choice(where.meta)
        known = c.known if c else tuple(str(a) for a in get_args(where.annotation))
        if not isinstance(value, str):
            return f"{subject} must be one of {', '.join(known)}, not {show(value)}"
        noun = c.noun if c else "value"
        return f"unknown {noun} {show(value)} in '{key}' (known: {', '.join(known)})"
    if kind == "finite_number" or (kind == "float_type" and type(value) is int):
        return f"{subject} must be a finite number, got {show(value)}"
    if kind in _TYPE_WORDS:
        return f"{subject} must be {_TYPE_WORDS[kind]}, not {show(value)}"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return (f"{subject} must be {describe_range(where.meta)}{_unit(where.info)}, "
                f"got {show(value)}{_hint(where.info)}")
    if kind == "too_short":
        return f"{subject} must not be empty"
    if kind.startswith("spicelearn"):
        return f"{subject} {err['msg']}"
    return f"{subject}: {err['msg']}"


def config_error(exc: ValidationError, root: Any, data: Any, section: str = "") -> ConfigError:
    """A one-line :class:`ConfigError` for the first error of ``exc``.

    ``root`` is the annotation that was validated, ``data`` the input, ``section`` the
    dotted key of the table ``data`` is (empty for a whole config).
    """
    err = exc.errors(include_url=False)[0]
    where = locate(root, data, tuple(err["loc"]))
    if section:
        where.key[:0] = section.split(".")
    return ConfigError(printable(_message(err, where)))


__all__ = ["Choice", "config_error", "describe_range", "locate", "plain", "show"]
