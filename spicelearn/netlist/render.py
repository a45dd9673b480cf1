"""Rendering a :class:`Circuit` to ngspice-dialect SPICE text.

The static form: every source has a DC value (the input sample ``x`` or 0 V,
nudges 0 A) and the deck ends with ``.op`` — the reference netlists in
``netlists/`` and what ``spicelearn netlist`` writes; ``ngspice -b`` solves it.
Other forms reuse the writer through its hooks (lines after the header, a
substitute for an element's line, lines after the fixed elements): the ngspice
engine's sweep form, whose table protocol lives with the engine
(:mod:`spicelearn.engines.sweep_form`).

Devices render as resistors ``Rw{l}_{i}_{j} a b R`` with R = 1/g when their model
is ohmic, as B-sources ``BRw...`` of the model's I–V shape, or as OSDI instances
``NRw...`` of its Verilog-A module (:mod:`spicelearn.netlist.devices`). Rendering
the same circuit twice gives identical bytes.

A netlist is code ngspice runs, so every piece of text that reaches it is checked
first (:func:`check_circuit_text`): element, device, node and model names use only
``A-Z a-z 0-9 _ . + -`` (and start with a letter, digit or ``_``; an element's
first letter is its kind; no node is called ``gnd``), the title and comment lines
are printable ASCII (the title may not start with ``.``, ``*`` or ``+``:
``*ng_script`` would turn the whole file into a command script), option names and
values are plain words and numbers, and a table folder written into the deck
holds no ``"``. Anything else raises :class:`NetlistError` quoting the value with ``repr``,
so no caller can add a line, a ``.control`` block or a command to a netlist.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from ..devices import read_device_model
from ..errors import NetlistError
from ..network.circuit import Circuit, DiodeModel, Element, IdealDiodeModel
from .devices import device_lines, osdi_file

#: Options for accurate DC solutions (measured: the DC sweep needs these
#: to agree with the numeric solver to 1e-6 V; ``op`` agrees to 1e-12 V).
DEFAULT_OPTIONS: dict[str, str] = {
    "reltol": "1e-10",
    "vntol": "1e-12",
    "abstol": "1e-15",
    "gmin": "1e-12",
}


_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+-]*\Z")
_OPTION_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_OPTION_VALUE = re.compile(r"[A-Za-z0-9_.+-]*\Z")
_TEXT = re.compile(r"[ -~]*\Z")  # printable ASCII, no tab, newline or carriage return
#: The first letter of each element kind's rendered name (``B`` renders as an ``X`` instance).
_LEAD = {"R": "R", "V": "V", "I": "I", "D": "D", "B": "X", "E": "E", "F": "F"}


def _quote(value: object) -> str:
    """``repr`` of a value for a message, cut to 60 characters (control bytes escaped)."""
    if isinstance(value, str) and len(value) > 60:
        return repr(value[:60]) + "..."
    return repr(value)


def _check_name(what: str, name: object, lead: str | None = None) -> None:
    """Raise NetlistError unless ``name`` is a safe SPICE name (starting with ``lead``)."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise NetlistError(f"{what} {_quote(name)} is not a safe SPICE name "
                           "(letters, digits and _ . + - only, not starting with . + -)")
    if lead is not None and name[0].upper() != lead:
        raise NetlistError(f"{what} {_quote(name)} must start with '{lead}' "
                           "(SPICE reads the kind of an element from its first letter)")


def _check_text(what: str, text: object) -> None:
    """Raise NetlistError unless ``text`` is one line of printable ASCII."""
    if not isinstance(text, str) or not _TEXT.match(text):
        raise NetlistError(f"{what} {_quote(text)} is not one line of printable ASCII "
                           "(it would change the netlist)")


def _check_nodes(owner: str, nodes: Iterable[str]) -> None:
    """Safe names, and none spelled ``gnd`` (ngspice joins every ``gnd`` node to ground 0)."""
    for n in nodes:
        _check_name(f"node of {owner}", n)
        if n.lower() == "gnd":
            raise NetlistError(f"node of {owner} {_quote(n)} would be ground in ngspice "
                               "(ground is '0')")


def check_circuit_text(circuit: Circuit, options: dict[str, str] | None = None,
                       table_dir: str | None = None) -> None:
    """Check every piece of text :func:`render_netlist` would write (module docstring).

    Raises:
        NetlistError: naming the first unsafe value (``repr``-quoted) and what it is.
    """
    _check_text("netlist title", circuit.title)
    if circuit.title.lstrip()[:1] in (".", "*", "+"):
        raise NetlistError(f"netlist title {_quote(circuit.title)} may not start with "
                           "'.', '*' or '+' (ngspice would read it as a command or comment)")
    for line in circuit.description:
        _check_text("netlist comment", line)
    for key, m in circuit.models.items():
        _check_name("model", m.name)
        _check_name("model key", key)
    for el in circuit.elements:
        lead = _LEAD.get(el.kind)
        if lead is None:
            raise NetlistError(f"cannot render element kind {_quote(el.kind)} ({_quote(el.name)})")
        _check_name(f"{el.kind} element name", el.name, lead)
        _check_nodes(el.name, el.nodes)
        if el.model is not None:
            _check_name(f"model of {el.name}", el.model)
        if el.control is not None:
            _check_name(f"controlling source of {el.name}", el.control)
        if not math.isfinite(el.value):
            raise NetlistError(f"element {el.name} has a non-finite value {el.value!r}")
    for dev in circuit.devices:
        _check_name("device name", dev.name, "R")
        _check_nodes(dev.name, (dev.a, dev.b))
    for key, value in (DEFAULT_OPTIONS if options is None else options).items():
        if not isinstance(key, str) or not _OPTION_KEY.match(key):
            raise NetlistError(f"option name {_quote(key)} is not a plain word")
        if not _OPTION_VALUE.match(str(value)):
            raise NetlistError(f"option {key}={_quote(str(value))} is not a plain word "
                               "or number")
    if table_dir is not None:
        _check_text("table folder", table_dir)
        if '"' in table_dir:
            raise NetlistError(f"table folder {_quote(table_dir)} may not contain '\"'")


def fmt(v: float) -> str:
    """A number as SPICE text: shortest form that round-trips to 12 digits (no ``-0``)."""
    return f"{float(v) + 0.0:.12g}"


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
    options: dict[str, str] | None = None,
    *,
    form: str = "static",
    head: Sequence[str] = (),
    substitute: Callable[[Element], str | None] | None = None,
    extra: Sequence[str] = (),
) -> str:
    """The netlist text of ``circuit``.

    Args:
        circuit: the flat circuit.
        x: (n_features,) input sample [V] for the input sources; zeros if None.
        options: ``.options`` entries; defaults to :data:`DEFAULT_OPTIONS`. A value
            of ``""`` renders the bare flag (``{"klu": ""}`` gives ``.options ... klu``).
        form: ``"static"`` ends the deck with ``.op`` (and the OSDI ``pre_osdi``
            control block); any other name (the ngspice engine's ``"sweep"``) ends
            it after ``.options`` and is written into the header line.
        head, substitute, extra: hooks of another form: lines after the header;
            a function giving the line(s) of an element in place of its own
            (None keeps it); lines after the fixed elements.

    Raises:
        NetlistError: a wrong sample shape, or text that is not safe to write into
            a netlist (:func:`check_circuit_text`).
    """
    if x is None:
        x = np.zeros(circuit.n_features)
    x = np.asarray(x, dtype=float)
    if x.shape != (circuit.n_features,):
        raise NetlistError(f"input sample has shape {x.shape}, expected ({circuit.n_features},)")
    opts = dict(DEFAULT_OPTIONS if options is None else options)
    check_circuit_text(circuit, opts)
    drives = {d.source: d for d in circuit.inputs}

    lines = [circuit.title]
    lines += [f"* {d}" for d in circuit.description]
    lines.append(f"* rendered by spicelearn ({form} form)")
    lines += list(head)

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
        other = None if substitute is None else substitute(el)
        if other is not None:
            lines.append(other)
        elif el.name in drives:
            d = drives[el.name]
            lines.append(render_element(
                Element("V", el.name, el.nodes, d.sign * float(x[d.feature])), circuit))
        else:
            lines.append(render_element(el, circuit))
    lines += list(extra)

    lines += ["", f"* programmable devices: {circuit.n_devices} conductances"]
    lines += device_lines(circuit, fmt)

    lines.append("")
    lines.append(".options " + " ".join(k if v == "" else f"{k}={v}" for k, v in opts.items()))
    if form == "static":
        osdi = osdi_file(circuit)
        if osdi is not None:  # the engine loads it with the osdi command instead
            _check_text("OSDI file", str(osdi))
            lines += [".control", f"pre_osdi {osdi}", ".endc"]
        lines.append(".op")
    lines.append(".end")
    return "\n".join(lines) + "\n"
