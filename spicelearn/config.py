"""Reading TOML configs and the base of every config model.

Each config table is a pydantic model derived from :class:`ConfigModel`: typed
fields with their constraints, every default written once (on the field), unknown
keys refused, no NaN or infinity in any number, strict types (no true/false for a
number, no string for a number; an integer is fine where a number is expected).
Every problem becomes a one-line :class:`ConfigError` naming the dotted key, e.g.
``config key 'training.lr' must be a finite number, got nan``
(:mod:`spicelearn.config_messages`).

A field's docstring is its description; the unit in its last ``[...]`` is quoted in
range errors (``must be > 0 S``). Choices a config names come from one tuple or
registry each: :func:`choice` for a plain list of names, :func:`tagged_union` for
tables whose parameters depend on one of their keys (``network.kind``,
``network.devices.model``).
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, Self, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    TypeAdapter,
    ValidationError,
)
from pydantic_core import PydanticCustomError

from .config_messages import Choice, config_error, plain, show
from .errors import ConfigError, printable

SAFE_NAME = re.compile(r"[A-Za-z0-9 _.+()\-]{1,80}")
"""Names that reach a netlist: ASCII letters, digits, space and ``_ . + - ( )``, 1 to 80."""


def load_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file; a missing, unreadable, binary or malformed file raises ConfigError."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"config file not found: {plain(p)}")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read config {plain(p)}: {exc.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{plain(p)}: not a UTF-8 text file (byte {exc.start} is "
                          f"{data[exc.start]:#04x})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(printable(f"{plain(p)}: invalid TOML: {exc}")) from None


class ConfigModel(BaseModel):
    """A config table: strict, frozen, no unknown keys, finite numbers only.

    ``section`` is the dotted key of the table (``"network.diode"``) that errors
    raised while constructing the model directly are prefixed with. The model can
    also be built positionally, in field order (``DataConfig("iris", scale=0.25)``).
    """

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True,
                              use_attribute_docstrings=True, serialize_by_alias=True)
    section: ClassVar[str] = ""

    def __init__(self, *args: Any, **values: Any) -> None:
        names = [f.alias or n for n, f in type(self).model_fields.items()]
        if len(args) > len(names):
            raise ConfigError(f"{type(self).__name__} takes at most {len(names)} "
                              f"positional values, got {len(args)}")
        values = {**dict(zip(names, args, strict=False)), **values}
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise config_error(exc, type(self), values, self.section) from None

    @classmethod
    def check(cls, table: Any) -> Self:
        """The model of ``table`` (a dict, or already a model); ConfigError if invalid."""
        if isinstance(table, cls):
            return table
        return check(cls, table, cls.section)

    def as_dict(self) -> dict[str, Any]:
        """Every key of the table with its value, defaults filled in (TOML keys)."""
        return self.model_dump(by_alias=True)


@functools.lru_cache(maxsize=64)
def _adapter(annotation: Any) -> TypeAdapter:
    return TypeAdapter(annotation)


def check(annotation: Any, data: Any, section: str = "") -> Any:
    """Validate ``data`` against ``annotation`` (a model or a union of models).

    Raises:
        ConfigError: one line naming the dotted key (prefixed with ``section``).
    """
    try:
        return _adapter(annotation).validate_python(data)
    except ValidationError as exc:
        raise config_error(exc, annotation, data, section) from None


def choice(known: Iterable[str], noun: str = "value") -> Any:
    """A string field that must be one of ``known``."""
    names = tuple(known)
    return Annotated[Literal[names], Choice(noun, names)]


def tagged_union(registry: Mapping[str, type[ConfigModel]], key: str, noun: str) -> Any:
    """A table whose model is chosen by its ``key`` (the registry's first entry by default).

    Each registry entry is a model with its own parameters; adding one adds a choice.
    """
    names = tuple(registry)
    default = names[0]

    def tag_of(value: Any) -> Any:
        if isinstance(value, dict):
            return value.get(key, default)
        return getattr(value, key, None)

    members = tuple(Annotated[cls, Tag(name)] for name, cls in registry.items())
    return Annotated[Union[members], Discriminator(tag_of), Choice(noun, names, key)]  # noqa: UP007


def tags_of(*models: type[ConfigModel], key: str) -> dict[str, type[ConfigModel]]:
    """A registry {tag: model} from models whose ``key`` field defaults to their tag."""
    return {m.model_fields[key].default: m for m in models}


def _safe_name(value: str) -> str:
    if not SAFE_NAME.fullmatch(value):
        raise PydanticCustomError(
            "spicelearn_name",
            "must be 1 to 80 ASCII letters, digits, spaces or _ . + - ( ), got {value}",
            {"value": show(value)})
    return value


SafeName = Annotated[str, AfterValidator(_safe_name)]
"""A name that may reach a netlist (see :data:`SAFE_NAME`)."""
Finite = float
"""Any finite number (every model refuses NaN and infinity)."""
Positive = Annotated[float, Field(gt=0)]
NonNegative = Annotated[float, Field(ge=0)]
Fraction = Annotated[float, Field(ge=0, lt=1)]
PositiveInt = Annotated[int, Field(gt=0)]
AtLeastOne = Annotated[int, Field(ge=1)]
