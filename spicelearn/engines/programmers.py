"""The programmers a config can name: one registry, name → programmer class.

``ideal`` and ``pulse`` come from the device library
(:mod:`spicelearn.devices.programmers`); ``spice`` and ``array`` run ngspice
(:mod:`.programming`, :mod:`.array_programming`). Every class takes the
non-idealities and their seed as keyword arguments ``nonideal`` and ``seed``;
the others are its own (``scheme`` and pulse parameters for ``pulse``,
``spice`` and ``array``; ``rows``, ``cols``, ``r_wire``, ``bias``, ``step``
for ``array``).
"""

from __future__ import annotations

from typing import Any

from ..devices.programmers import (
    IdealProgrammer,
    Programmer,
    PulseProgrammer,
    ResponseProgrammer,
)
from ..errors import DeviceModelError
from .array_programming import ArrayProgrammer
from .programming import SpiceProgrammer

PROGRAMMERS: dict[str, type[Programmer]] = {
    IdealProgrammer.name: IdealProgrammer,
    PulseProgrammer.name: PulseProgrammer,
    SpiceProgrammer.name: SpiceProgrammer,
    ArrayProgrammer.name: ArrayProgrammer,
    ResponseProgrammer.name: ResponseProgrammer,
}
"""Every programmer by its config name."""


def make_programmer(name: str, **options: Any) -> Programmer:
    """The programmer ``name`` built with ``options``.

    Raises:
        DeviceModelError: an unknown name, or options the programmer refuses.
    """
    cls = PROGRAMMERS.get(name)
    if cls is None:
        raise DeviceModelError(f"unknown programmer {name!r} (known: {', '.join(PROGRAMMERS)})")
    try:
        return cls(**options)
    except TypeError as exc:
        raise DeviceModelError(f"programmer '{name}': {exc}") from None
