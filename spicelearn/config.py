"""Reading TOML configs with strict keys.

A schema is a nested dict: a key maps either to a type (or tuple of types) for a
leaf value, or to another dict for a table. Unknown keys and wrong types raise a
:class:`ConfigError` naming the dotted key, e.g. ``network.diode.iss``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from .errors import ConfigError

Schema = dict[str, Any]


def load_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file; a missing or malformed file raises ConfigError."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"config file not found: {p}")
    try:
        with p.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: invalid TOML: {exc}") from None


def _type_name(t: Any) -> str:
    if isinstance(t, tuple):
        return " or ".join(_type_name(x) for x in t)
    return {float: "number", int: "integer", str: "string", bool: "true/false",
            list: "list"}.get(t, getattr(t, "__name__", str(t)))


def check_keys(data: dict[str, Any], schema: Schema, prefix: str = "") -> None:
    """Raise ConfigError for the first unknown key or wrongly typed value."""
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if key not in schema:
            known = ", ".join(sorted(schema))
            raise ConfigError(f"unknown config key '{dotted}' (known here: {known})")
        expected = schema[key]
        if isinstance(expected, dict):
            if not isinstance(value, dict):
                raise ConfigError(f"config key '{dotted}' must be a table")
            check_keys(value, expected, dotted + ".")
            continue
        types = expected if isinstance(expected, tuple) else (expected,)
        if float in types and isinstance(value, int) and not isinstance(value, bool):
            continue
        if bool not in types and isinstance(value, bool):
            raise ConfigError(
                f"config key '{dotted}' must "
                f"be {_type_name(expected)}, not {value!r}"
            )
        if not isinstance(value, types):
            raise ConfigError(
                f"config key '{dotted}' must "
                f"be {_type_name(expected)}, not {value!r}"
            )
