"""The ``[network.devices]`` table, derived from the device-model registry.

One config model per entry of :data:`spicelearn.devices.registry.DEVICE_MODELS`,
built from the model's dataclass: every field becomes a key of the table with the
field's default and docstring (its unit quoted in errors), so a model registered
there is configurable here with nothing else to write. Each table also has

* ``model``: the registry key (``"ideal"`` by default);
* ``rendering``: ``"behavioural"`` or ``"verilog-a"``, only for models with a
  Verilog-A module (how ngspice settles them: B-sources or resistors, or the
  compiled module as OSDI ``N`` instances);
* the non-idealities of programming and reading, all off by default and
  seeded from the run seed (:data:`NONIDEAL_KEYS`, the fields of
  :class:`~spicelearn.devices.programmers.NonIdealities`): ``device_to_device``,
  ``cycle_to_cycle``, ``stuck_on``, ``stuck_off``, ``levels``, ``read_noise``;
  they resolve (and enter the run id) only when on;
* ``init_low``, ``init_high`` [S]: the uniform range the initial read
  conductances are drawn from. Default ``[1e-4, 1e-3]`` S when the model's
  conductance range holds it, else ``[lo·r^0.1, lo·r^0.4]`` with
  ``(lo, hi)`` the range and ``r = hi/lo`` (the lower part of the range, in
  log scale).

Range keys (``g_min``, ``g_max``, ``r_on``, ``r_off``) must be > 0; every other
parameter only has to be a finite number here, and the model's own
:meth:`~spicelearn.devices.model.DeviceModel.check` decides what is physical.
An unknown key is an error naming it (``unknown config key
'network.devices.bogus' (known here: ...)``); a model's refusal is one line
naming the table and the model's reason.
"""

from __future__ import annotations

import ast
import functools
import inspect
import textwrap
from dataclasses import MISSING, fields
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    SerializerFunctionWrapHandler,
    create_model,
    model_serializer,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ..config import ConfigModel, Positive, choice, tagged_union
from ..devices.model import DeviceModel
from ..devices.programmers.nonideal import NonIdealities
from ..devices.registry import DEVICE_MODELS as REGISTRY
from ..devices.registry import make_device_model
from ..errors import DeviceModelError

RENDERINGS = ("behavioural", "verilog-a")
"""How ngspice settles a model that has a Verilog-A module."""
RANGE_KEYS = ("g_min", "g_max", "r_on", "r_off")
"""Parameters that are resistances or conductances of the range: must be > 0."""
INIT_DEFAULT = (1e-4, 1e-3)
"""Default range of the initial conductances [S] when the model's range holds it."""

Rendering = choice(RENDERINGS, "rendering")
_OFF = NonIdealities()
NONIDEAL_KEYS = tuple(f.name for f in fields(NonIdealities))
"""The non-ideality keys of every device table (defaults: :class:`NonIdealities`, all off)."""


def default_init_range(g_lo: float, g_hi: float) -> tuple[float, float]:
    """Default (init_low, init_high) [S] for read conductances in [g_lo, g_hi] (module doc)."""
    lo, hi = INIT_DEFAULT
    if g_lo <= lo and hi <= g_hi:
        return lo, hi
    r = g_hi / g_lo
    return g_lo * r**0.1, g_lo * r**0.4


@functools.cache
def field_docs(cls: type) -> dict[str, str]:
    """Attribute docstrings of a dataclass and its bases: field name → docstring."""
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if klass is object or not klass.__module__.startswith("spicelearn"):
            continue
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        except (OSError, TypeError, SyntaxError):
            continue
        body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
        for stmt, nxt in zip(body, body[1:], strict=False):
            if (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)
                    and isinstance(nxt, ast.Expr) and isinstance(nxt.value, ast.Constant)
                    and isinstance(nxt.value.value, str)):
                # ASCII units in messages: [Ω] reads [Ohm]
                docs[stmt.target.id] = inspect.cleandoc(nxt.value.value).replace("Ω", "Ohm")
    return docs


class DeviceParams(ConfigModel):
    """What every device table has: the initial conductance range and the checks.

    Subclasses (one per registered model, :func:`device_config_model`) add
    ``model``, the model's parameters and, for models with a Verilog-A module,
    ``rendering``.
    """

    section = "network.devices"
    init_low: Positive = INIT_DEFAULT[0]
    """Lower end of the uniform range of initial conductances [S]."""
    init_high: Positive = INIT_DEFAULT[1]
    """Upper end of the uniform range of initial conductances [S]."""
    device_to_device: float = Field(_OFF.device_to_device, ge=0, lt=1)
    """Relative spread σ of the state equation's rates and thresholds, drawn once per
    device (log-normal, mean 1) [1]."""
    cycle_to_cycle: float = Field(_OFF.cycle_to_cycle, ge=0, lt=1)
    """Relative noise σ of each pulse's state change [1]."""
    stuck_on: float = Field(_OFF.stuck_on, ge=0, le=1)
    """Fraction of devices stuck at the highest conductance [1]."""
    stuck_off: float = Field(_OFF.stuck_off, ge=0, le=1)
    """Fraction of devices stuck at the lowest conductance [1]."""
    levels: int | None = Field(_OFF.levels, ge=2)
    """Number of programmable conductance levels, evenly spaced over the range (≥ 2);
    unset: a continuum."""
    read_noise: float = Field(_OFF.read_noise, ge=0, lt=1)
    """Relative noise σ of every conductance in every settle phase, fresh per phase [1]."""

    @model_validator(mode="before")
    @classmethod
    def _init_defaults(cls, data: Any) -> Any:
        """Fill init_low/init_high from the model's range when the table leaves them out."""
        if not isinstance(data, dict) or ("init_low" in data and "init_high" in data):
            return data
        device = REGISTRY.get(getattr(cls, "device_name", ""))
        if device is None:
            return data
        known = {f.name for f in fields(device)}
        params = {k: v for k, v in data.items() if k in known}
        try:
            lo, hi = make_device_model(device.name, **params).g_range()
        except (DeviceModelError, TypeError, ValueError, ArithmeticError):
            return data  # the parameters are reported by the field and model checks
        init = default_init_range(lo, hi)
        return {"init_low": init[0], "init_high": init[1], **data}

    @model_validator(mode="after")
    def _physical(self) -> DeviceParams:
        if self.stuck_on + self.stuck_off > 1.0:
            raise PydanticCustomError(
                "spicelearn_stuck", "needs stuck_on + stuck_off <= 1, got {a} + {b}",
                {"a": f"{self.stuck_on:g}", "b": f"{self.stuck_off:g}"})
        try:
            model = self.device()
        except DeviceModelError as exc:
            reason = str(exc).removeprefix(f"{self.model}: ")  # type: ignore[attr-defined]
            raise PydanticCustomError(
                "spicelearn_device", "is not a valid {model} device: {reason}",
                {"model": self.model, "reason": reason}) from None  # type: ignore[attr-defined]
        lo, hi = model.g_range()
        if not (lo <= self.init_low <= self.init_high <= hi):
            raise PydanticCustomError(
                "spicelearn_bounds",
                "needs {lo} <= init_low <= init_high <= {hi} S (the {model} device's "
                "conductance range), got init_low = {a}, init_high = {b} S",
                {"lo": f"{lo:g}", "hi": f"{hi:g}", "model": self.model,  # type: ignore[attr-defined]
                 "a": f"{self.init_low:g}", "b": f"{self.init_high:g}"})
        return self

    @model_serializer(mode="wrap")
    def _drop_off(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Every key with its value; the non-ideality keys only when on (a config without
        them resolves, and keeps its run id, as before they existed)."""
        out = handler(self)
        for key in NONIDEAL_KEYS:
            if key in out and out[key] == getattr(_OFF, key):
                del out[key]
        return out

    def nonidealities(self) -> NonIdealities:
        """The table's non-idealities."""
        return NonIdealities(**{key: getattr(self, key) for key in NONIDEAL_KEYS})

    def parameters(self) -> dict[str, float]:
        """The model's parameters (every dataclass field of the model) by name."""
        cls = REGISTRY[self.model]  # type: ignore[attr-defined]
        return {f.name: getattr(self, f.name) for f in fields(cls)}

    def device(self) -> DeviceModel:
        """The device model this table describes.

        Raises:
            DeviceModelError: a parameter outside its physical range.
        """
        return make_device_model(self.model, **self.parameters())  # type: ignore[attr-defined]

    @property
    def rendering_name(self) -> str:
        """``rendering``, or ``"behavioural"`` for a model without a Verilog-A module."""
        return getattr(self, "rendering", "behavioural")


def _param_field(cls: type[DeviceModel], f: Any, docs: dict[str, str]) -> tuple[Any, Any]:
    kind = {"float": float, "int": int, "bool": bool}.get(str(f.type), float)
    if kind is int:
        kind = Annotated[int, Field(strict=True)]
    ann = Positive if f.name in RANGE_KEYS and kind is float else kind
    default = f.default if f.default is not MISSING else ...
    return ann, Field(default, description=docs.get(f.name))


def device_config_model(cls: type[DeviceModel]) -> type[DeviceParams]:
    """The config model of ``[network.devices]`` for the device model ``cls``."""
    docs = field_docs(cls)
    spec: dict[str, Any] = {
        "model": (Literal[cls.name], Field(cls.name, description="The device model.")),
    }
    if cls.verilog_a:
        spec["rendering"] = (Rendering, Field(
            "behavioural", description="How ngspice settles the devices: behavioural "
            "(resistors, or B-sources for a nonlinear I-V) or verilog-a (OSDI)."))
    for f in fields(cls):
        spec[f.name] = _param_field(cls, f, docs)
    title = "".join(p.capitalize() for p in cls.name.split("_")) + "Devices"
    model = create_model(title, __base__=DeviceParams, __module__=__name__, **spec)
    model.device_name = cls.name  # type: ignore[attr-defined]
    model.__doc__ = f"``[network.devices]`` with ``model = {cls.name!r}``: {cls.__doc__ or ''}"
    return model


def device_config_models() -> dict[str, type[DeviceParams]]:
    """One config model per registered device model, the ideal device first."""
    names = sorted(REGISTRY, key=lambda n: (n != "ideal", n))
    return {name: device_config_model(REGISTRY[name]) for name in names}


DEVICE_MODELS = device_config_models()
"""Device models a config may name in ``network.devices.model`` (the first is the default),
name → config model; derived from :data:`spicelearn.devices.registry.DEVICE_MODELS`."""
DevicesConfig = tagged_union(DEVICE_MODELS, "model", "device model")
"""The ``[network.devices]`` table: its model is chosen by ``model``."""
