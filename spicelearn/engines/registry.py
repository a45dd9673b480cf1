"""The engines a config can name: one registry, name → engine class (imported on use).

``training.engine`` and every list of engine names come from :data:`ENGINES`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from ..errors import ConfigError

if TYPE_CHECKING:
    from .base import Engine

ENGINES: dict[str, tuple[str, str]] = {
    "ngspice": ("spicelearn.engines.ngspice", "NgspiceEngine"),
    "numeric": ("spicelearn.engines.numeric", "NumericEngine"),
}
"""Every engine by its config name: (module, class); ngspice first (the default)."""


def make_engine(name: str, workers: int = 1) -> Engine:
    """The engine ``name`` (``ngspice`` gets ``workers`` processes).

    Raises:
        ConfigError: an unknown name.
    """
    spec = ENGINES.get(name)
    if spec is None:
        raise ConfigError(f"unknown value '{name}' for 'training.engine' "
                          f"(known: {', '.join(ENGINES)})")
    cls = getattr(importlib.import_module(spec[0]), spec[1])
    return cls(workers=workers) if name == "ngspice" else cls()
