"""Rendering a :class:`Circuit` to ngspice-dialect SPICE text.

Two forms, one writer:

* ``mode="static"``: every source has a DC value (the input sample ``x`` or 0 V,
  nudges 0 A) and the deck ends with ``.op`` — the reference netlists in
  ``netlists/`` and what ``spicelearn netlist`` writes; ``ngspice -b`` solves it.
* ``mode="sweep"``: the form the ngspice engine loads once. An index source
  ``Vidx idx 0 DC 0`` drives one XSPICE ``pwl`` code model per input source and
  per nudging source, e.g.::

      AVx0p idx x0p pwl_vx0p
      .model pwl_vx0p pwl(x_array=[-0.5 0.5] y_array=[0 0])
      AInudge_o0p idx %i(o0p) pwl_inudge_o0p

  so a whole batch is one ``dc vidx 0 B-1 1`` sweep after ``altermod`` has set
  the tables. A ``%i`` output draws its value out of the node, so the engine
  writes the negated nudge current.

Devices render as resistors ``Rw{l}_{i}_{j} a b R`` with R = 1/g. Rendering the
same circuit twice gives identical bytes.
"""

from __future__ import annotations

import numpy as np

from ..devices import read_device_model
from ..errors import NetlistError
from ..network.circuit import Circuit, DiodeModel, Element, IdealDiodeModel

#: Options for accurate DC solutions (references.md §6: the DC sweep needs these
#: to agree with the numeric solver to 1e-6 V; ``op`` agrees to 1e-12 V).
DEFAULT_OPTIONS: dict[str, str] = {
    "reltol": "1e-6",
    "vntol": "1e-12",
    "abstol": "1e-15",
    "gmin": "1e-12",
}

MODES = ("static", "sweep")


def fmt(v: float) -> str:
    """A number as SPICE text: shortest form that round-trips to 12 digits (no ``-0``)."""
    return f"{float(v) + 0.0:.12g}"


def pwl_model_name(source: str) -> str:
    return f"pwl_{source.lower()}"


def render_element(el: Element, circuit: Circuit) -> str:
    """One element line."""
    n = " ".join(el.nodes)
    if el.kind == "R":
        return f"{el.name} {n} {fmt(el.value)}"
    if el.kind in ("V", "I"):
        return f"{el.name} {n} DC {fmt(el.value)}"
    if el.kind == "D":
        return f"{el.name} {n} {el.model}"
    if el.kind == "B":
        m = circuit.models[el.model or ""]
        assert isinstance(m, IdealDiodeModel)
        return f"{el.name} {n} ideal_diode params: gon={fmt(m.g_on)} vs={fmt(m.v_smooth)}"
    if el.kind == "E":
        return f"{el.name} {n} {fmt(el.value)}"
    if el.kind == "F":
        return f"{el.name} {n} {el.control} {fmt(el.value)}"
    raise NetlistError(f"cannot render element kind '{el.kind}' ({el.name})")


def render_netlist(
    circuit: Circuit,
    x: np.ndarray | None = None,
    mode: str = "static",
    options: dict[str, str] | None = None,
) -> str:
    """The netlist text of ``circuit``.

    Args:
        circuit: the flat circuit.
        x: (n_features,) input sample [V] for the static form; zeros if None.
        mode: ``"static"`` or ``"sweep"`` (see the module docstring).
        options: ``.options`` entries; defaults to :data:`DEFAULT_OPTIONS`.
    """
    if mode not in MODES:
        raise NetlistError(f"unknown render mode '{mode}' (known: {', '.join(MODES)})")
    if x is None:
        x = np.zeros(circuit.n_features)
    x = np.asarray(x, dtype=float)
    if x.shape != (circuit.n_features,):
        raise NetlistError(f"input sample has shape {x.shape}, expected ({circuit.n_features},)")
    drives = {d.source: d for d in circuit.inputs}
    nudges = set(circuit.nudges)
    opts = dict(DEFAULT_OPTIONS if options is None else options)

    lines = [circuit.title]
    lines += [f"* {d}" for d in circuit.description]
    lines.append(f"* rendered by spicelearn ({mode} form)")
    if mode == "sweep":
        lines += ["", "* sample index swept by the engine", "Vidx idx 0 DC 0"]

    if any(isinstance(m, IdealDiodeModel) for m in circuit.models.values()):
        lines += ["", "* --- included from device_models/ideal_diode.lib ---"]
        lines += read_device_model("ideal_diode.lib").rstrip("\n").splitlines()
        lines.append("* --- end of device_models/ideal_diode.lib ---")
    diode_models = [m for m in circuit.models.values() if isinstance(m, DiodeModel)]
    if diode_models:
        lines.append("")
        for m in sorted(diode_models, key=lambda m: m.name):
            lines.append(f".model {m.name} D(IS={fmt(m.IS)} N={fmt(m.N)})")

    lines += ["", "* sources and fixed elements"]
    for el in circuit.elements:
        if el.name in drives:
            d = drives[el.name]
            if mode == "sweep":
                lines.append(_pwl_instance(el, "v"))
            else:
                lines.append(render_element(
                    Element("V", el.name, el.nodes, d.sign * float(x[d.feature])), circuit))
        elif el.name in nudges and mode == "sweep":
            lines.append(_pwl_instance(el, "i"))
        else:
            lines.append(render_element(el, circuit))

    lines += ["", f"* programmable devices: {circuit.n_devices} conductances"]
    for dev, g in zip(circuit.devices, circuit.g, strict=True):
        lines.append(f"{dev.name} {dev.a} {dev.b} {fmt(1.0 / g)}")

    lines.append("")
    lines.append(".options " + " ".join(f"{k}={v}" for k, v in opts.items()))
    if mode == "static":
        lines.append(".op")
    lines.append(".end")
    return "\n".join(lines) + "\n"


def _pwl_instance(el: Element, port: str) -> str:
    """An XSPICE pwl instance standing in for source ``el``, plus its model line."""
    p, n = el.nodes
    model = pwl_model_name(el.name)
    if port == "v":
        out = p if n == "0" else f"%vd({p} {n})"
    else:
        # the nudge source injects into its n node; %i draws current out of a node
        out = f"%i({n})" if p == "0" else f"%id({n} {p})"
    return (f"A{el.name} idx {out} {model}\n"
            f".model {model} pwl(x_array=[-0.5 0.5] y_array=[0 0])")
