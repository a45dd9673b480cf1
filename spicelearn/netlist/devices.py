"""How the programmable devices of a :class:`Circuit` appear in an ngspice netlist.

Three forms, chosen by the circuit's device model and rendering
(:func:`device_form`), each with the one number per device that the ngspice
engine changes with ``alter`` when conductances change (:func:`device_values`):

* ``resistor`` — an ohmic model (``h(V) = V``, the ideal device and every
  memristor model at frozen state) rendered ``behavioural``: a resistor of
  ``R = 1/g``; ``alter rw1_0_3 = R``::

      Rw1_0_3 x0p h1_3 1234.5

* ``bsource`` — a nonlinear model (``I = g·h(V)``, e.g. Yakopcic's sinh)
  rendered ``behavioural``: a B-source whose expression is the model's shape
  ``h(V(a,b))`` (its ngspice twin) and whose multiplier ``m`` is the read
  conductance of the device's state; ``alter brw1_0_3 m = g``::

      BRw1_0_3 x0p h1_3 I=(sinh(0.05*(V(x0p,h1_3)))/0.05) m=0.00081

  Measured on the 4,840-device bench network of Yakopcic devices (ngspice 46
  with KLU and one OpenMP thread, ``ngspice -b``, the engine's sweep form over
  1,000 random samples, 3 Newton iterations per sample; user CPU time): 6.0 s
  with the multiplier against 21.9 s with the state held by a DC source on a
  node of its own (``I = g(V(x))·h(V(a,b))``, ``Vx x 0 DC x``), which doubles
  the unknowns and evaluates a longer expression; so the multiplier it is. (The
  same network of resistors: 0.4 s. ngspice evaluates a B-source by walking
  its expression tree and one derivative tree per node it reads: even
  ``I=sinh(0.05*V(a,b))`` alone costs 4.1 s.)
* ``osdi`` — ``rendering = "verilog-a"``: the model's Verilog-A module
  (``device_models/<model>.va``, compiled to OSDI on demand) as ``N`` instances
  of one ``.model`` card with ``frozen=1``, each pinned to its state ``x0``;
  ``alter nrw1_0_3 x0 = x``::

      .model memdev yakopcic r_on=100.0 ... frozen=1
      NRw1_0_3 x0p h1_3 memdev x0=0.07

  The same sweep: 2.1 s, 2.9 times faster than the B-sources (compiled code
  against ngspice's expression trees), although every instance adds its state
  node to the matrix.

The static form of an ``osdi`` netlist loads its compiled module itself
(``.control`` / ``pre_osdi <file>`` / ``.endc``, the file in the OSDI cache of
this machine); the ngspice engine loads it with the ``osdi`` command before the
netlist.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..devices.decks import verilog_a_module
from ..devices.verilog_a import compile_verilog_a
from ..errors import NetlistError
from ..network.circuit import Circuit

FORMS = ("resistor", "bsource", "osdi")
"""Device forms (module docstring)."""
MODEL_CARD = "memdev"
"""Name of the ``.model`` card of the OSDI instances."""
_LEAD = {"resistor": "", "bsource": "B", "osdi": "N"}


def device_form(circuit: Circuit) -> str:
    """``resistor``, ``bsource`` or ``osdi`` (module docstring).

    Raises:
        NetlistError: an unknown rendering, or ``verilog-a`` for a model without a module.
    """
    model, rendering = circuit.model, circuit.device_rendering
    if rendering == "verilog-a":
        if not model.verilog_a:
            raise NetlistError(f"device model '{model.name}' has no Verilog-A module "
                               "(rendering = 'verilog-a' needs one)")
        return "osdi"
    if rendering != "behavioural":
        raise NetlistError(f"unknown device rendering {rendering!r} "
                           "(known: behavioural, verilog-a)")
    return "resistor" if model.ohmic else "bsource"


def instance_name(form: str, device: str) -> str:
    """The netlist name of device ``device`` in ``form`` (``Rw1_0_3``, ``BRw1_0_3``, ...)."""
    return _LEAD[form] + device


def device_values(circuit: Circuit, form: str | None = None) -> np.ndarray:
    """(n_devices,) the per-device number of ``form``: R = 1/g [Ω], m = g [S] or x0."""
    form = form or device_form(circuit)
    if form == "resistor":
        return 1.0 / np.asarray(circuit.g, dtype=float)
    if form == "bsource":
        return np.asarray(circuit.g, dtype=float)
    return np.asarray(circuit.state, dtype=float)


def alter_command(form: str, device: str, value: float) -> str:
    """The ngspice command that sets one device to ``value`` (exact, ``repr``)."""
    name = instance_name(form, device).lower()
    if form == "resistor":
        return f"alter {name} = {float(value)!r}"
    if form == "bsource":
        return f"alter {name} m = {float(value)!r}"
    return f"alter {name} x0 = {float(value)!r}"


def osdi_file(circuit: Circuit) -> Path | None:
    """The compiled OSDI file of an ``osdi`` circuit (compiled on demand), else None.

    Raises:
        DeviceModelError: the compiler is missing or the module does not compile.
    """
    if device_form(circuit) != "osdi":
        return None
    assert circuit.model.verilog_a is not None
    return compile_verilog_a(circuit.model.verilog_a)


def device_lines(circuit: Circuit, fmt: object) -> list[str]:
    """The device lines of a netlist (a ``.model`` card first for ``osdi``).

    ``fmt`` formats a number (the renderer's 12-digit form).
    """
    form = device_form(circuit)
    values = device_values(circuit, form)
    lines: list[str] = []
    if form == "osdi":
        model = circuit.model
        params = " ".join(f"{k}={v!r}" for k, v in model.parameters().items())
        lines.append(f".model {MODEL_CARD} {verilog_a_module(model)} {params} frozen=1")
    for dev, value in zip(circuit.devices, values, strict=True):
        n = f"{dev.a} {dev.b}"
        if form == "resistor":
            lines.append(f"{dev.name} {n} {fmt(value)}")  # type: ignore[operator]
        elif form == "bsource":
            h = circuit.model.spice_shape(f"V({dev.a},{dev.b})")
            lines.append(f"B{dev.name} {n} I={h} m={fmt(value)}")  # type: ignore[operator]
        else:
            lines.append(f"N{dev.name} {n} {MODEL_CARD} x0={fmt(value)}")  # type: ignore[operator]
    return lines


__all__ = ["FORMS", "MODEL_CARD", "alter_command", "device_form", "device_lines",
           "device_values", "instance_name", "osdi_file"]
