"""Which elements of a parsed netlist are programmable devices, and their conductances.

spicelearn writes its devices in three forms (:mod:`spicelearn.netlist.devices`):
resistors ``Rw…`` (g = 1/R), B-sources ``BRw…`` whose multiplier ``m`` is the
read conductance (g = m), and OSDI instances ``NRw…`` of a Verilog-A module whose
instance parameter ``x0`` is the device state (their conductance is the module's
business: g unknown here). In a foreign netlist without any of these, every
resistor is a device.
"""

from __future__ import annotations

import math
import re

from ._elements import ParsedElement

_MULTIPLIER = re.compile(r"\sm\s*=\s*([-+0-9.eE]+)\s*$")


def _positive(v: object) -> float | None:
    try:
        f = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return f if 0 < f < math.inf else None


def device_conductance(el: ParsedElement) -> float | None:
    """The read conductance [S] of a device element, or None when the netlist hides it."""
    if el.kind == "R":
        r = _positive(el.value)
        return None if r is None else 1.0 / r
    if el.kind == "B":
        m = _MULTIPLIER.search(" " + str(el.params.get("expr", "")))
        return None if m is None else _positive(m.group(1))
    return None


def device_state(el: ParsedElement) -> float | None:
    """The state ``x0`` of an OSDI device instance, or None."""
    if el.kind != "N":
        return None
    try:
        return float(el.params.get("x0"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def is_spicelearn_device(el: ParsedElement) -> bool:
    """``Rw…`` resistor, ``BRw…`` B-source or ``NRw…`` OSDI instance (any case)."""
    name = el.name.lower()
    return ((el.kind == "R" and name.startswith("rw"))
            or (el.kind in ("B", "N") and name[1:].startswith("rw")))


def device_elements(elements: list[ParsedElement]) -> list[ParsedElement]:
    """The programmable devices: spicelearn's, or every resistor when there are none."""
    own = [e for e in elements if is_spicelearn_device(e)]
    return own or [e for e in elements if e.kind == "R"]


def device_cell(name: str) -> str:
    """A device name without the leading B or N of its form (``BRw1_0_3`` → ``Rw1_0_3``)."""
    return name[1:] if name[:1].upper() in ("B", "N") and name[1:].lower().startswith("rw") \
        else name
