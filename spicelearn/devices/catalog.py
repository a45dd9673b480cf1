"""What the registered device models offer, read from their classes: parameters with
units, defaults and meanings, the source, the Verilog-A twin and the state equation.

A parameter's meaning and unit come from the docstring under its field (the
string literal following the annotated assignment in the class body); the unit
is the last ``[...]`` of that docstring::

    r_on: float = 100.0
    \"\"\"Resistance at x = 1 [Ω] (read at 0 V).\"\"\"

gives meaning ``Resistance at x = 1 (read at 0 V)`` and unit ``Ω`` (a final full
stop is dropped).
"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from dataclasses import MISSING, dataclass, fields
from functools import cache

from .model import DeviceModel
from .registry import DEVICE_MODELS

_UNIT = re.compile(r"\s*\[([^\]]+)\]")
_SEE_MODULE = re.compile(r"\s*\(see the module docstring\)")


@dataclass(frozen=True)
class ParameterDoc:
    """One parameter of a model: name, default, unit (``""`` if none given) and meaning."""

    name: str
    default: float
    unit: str
    meaning: str


@dataclass(frozen=True)
class ModelEntry:
    """A registered model as ``spicelearn models`` lists it."""

    name: str
    summary: str
    source: str
    verilog_a: str | None
    state_equation: bool
    parameters: tuple[ParameterDoc, ...]

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"name": self.name, "summary": self.summary, "source": self.source,
                "verilog_a": self.verilog_a, "state_equation": self.state_equation,
                "parameters": [{"name": p.name, "default": p.default, "unit": p.unit,
                                "meaning": p.meaning} for p in self.parameters]}


@cache
def _field_docstrings(cls: type) -> dict[str, str]:
    """Docstrings under the fields of ``cls`` and its bases (a subclass's win)."""
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if klass is object or not issubclass(klass, DeviceModel):
            continue
        try:
            source = textwrap.dedent(inspect.getsource(klass))
        except (OSError, TypeError):
            continue
        body = ast.parse(source).body[0]
        if not isinstance(body, ast.ClassDef):
            continue
        stmts = body.body
        for stmt, nxt in zip(stmts, stmts[1:], strict=False):
            if (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)
                    and isinstance(nxt, ast.Expr) and isinstance(nxt.value, ast.Constant)
                    and isinstance(nxt.value.value, str)):
                docs[stmt.target.id] = " ".join(nxt.value.value.split())
    return docs


def split_unit(doc: str) -> tuple[str, str]:
    """(meaning without the unit, unit) of a field docstring; the unit is its last ``[...]``."""
    found = list(_UNIT.finditer(doc))
    if not found:
        return doc.rstrip("."), ""
    last = found[-1]
    meaning = (doc[:last.start()] + doc[last.end():]).strip()
    return meaning.rstrip("."), last.group(1)


def parameter_docs(cls: type[DeviceModel]) -> tuple[ParameterDoc, ...]:
    """The parameters of model class ``cls``, in field order."""
    docs = _field_docstrings(cls)
    out = []
    for f in fields(cls):
        meaning, unit = split_unit(docs.get(f.name, ""))
        default = f.default if f.default is not MISSING else float("nan")
        out.append(ParameterDoc(f.name, default, unit, meaning))
    return tuple(out)


def model_entry(name: str) -> ModelEntry:
    """The catalog entry of the registered model ``name``."""
    cls = DEVICE_MODELS[name]
    doc = inspect.getdoc(cls) or ""
    summary = " ".join(doc.split("\n\n", 1)[0].split()).replace("``", "")
    summary = _SEE_MODULE.sub("", summary)
    return ModelEntry(name, summary, cls.source, cls.verilog_a, bool(cls.dynamic),
                      parameter_docs(cls))


def model_catalog() -> tuple[ModelEntry, ...]:
    """Every registered model, in registry order."""
    return tuple(model_entry(name) for name in DEVICE_MODELS)
