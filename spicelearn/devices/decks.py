"""Rendering device benches as simulator decks (text only; the engines run them).

Three renderings of one :class:`~spicelearn.devices.bench.Bench`:

* :func:`render_behavioural`: ngspice B-sources. Device ``(r, c)``::

      Bm0_0 row0 s0_0 I=g(V(x0_0))*h(V(row0,s0_0))
      Bx0_0 0 x0_0 I=f(V(row0,s0_0),V(x0_0))-1e-06*(V(x0_0)-x0)
      Cx0_0 x0_0 0 1

  the state on node ``x{r}_{c}``, integrated by a 1 F capacitor fed by the
  state equation and the leak towards ``x0`` (the DC anchor, as in the
  Verilog-A modules).
* :func:`render_osdi`: the model's Verilog-A module in ngspice through OSDI::

      .model mem <module> r_on=100.0 ...
      Nm0_0 row0 s0_0 mem x0=0.5

* :func:`render_vacask`: the same module in VACASK::

      model mem <module> (r_on=100.0 ...)
      m0_0 (row0 s0_0) mem x0=0.5

Rows: ``Vrow{r} row{r} 0 SIN(...)`` or ``PULSE(...)``; columns: every device ends
on ``s{r}_{c}``, held at 0 V by the current sensor ``Vs{r}_{c} s{r}_{c} 0 0``,
whose current is the device current (row to column).

Contract with the Verilog-A modules in ``device_models/``: the module is named
after its file (``biolek.va`` holds ``module biolek(a, b)``), its parameters are
the model's dataclass fields plus the instance parameter ``x0`` and the model
flag ``frozen``, and its state lives on the internal node ``x``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import DeviceModelError
from .bench import STATE_LEAK, Bench
from .drives import Drive, PulseTrain, SineDrive
from .model import DeviceModel
from .smooth import num

STATE_CAPACITANCE = 1.0
"""Capacitance integrating the behavioural state node [F]: V(x) is the state."""
MODEL_CARD = "mem"
"""Name of the device model card in the OSDI and VACASK decks."""


@dataclass(frozen=True)
class Deck:
    """A rendered bench: circuit text and the names of the vectors to read back.

    ``text`` holds the title, sources and devices but no analysis (ngspice: no
    ``.control`` and no ``.end``; VACASK: no ``load`` and no ``control``); the
    runner adds those. Probe names are as the simulator's raw file spells them,
    lower-case: ``voltage_probes`` (rows,), ``current_probes`` and
    ``state_probes`` (rows, cols). ``devices`` (rows, cols) are the instance
    names (for ``alter``). ``verilog_a`` names the module file to compile and
    load, or ``None`` for a behavioural deck.
    """

    simulator: str
    form: str
    text: str
    rows: int
    cols: int
    voltage_probes: tuple[str, ...]
    current_probes: tuple[tuple[str, ...], ...]
    state_probes: tuple[tuple[str, ...], ...]
    devices: tuple[tuple[str, ...], ...]
    verilog_a: str | None = None


def _grid(bench: Bench, fmt: str) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(fmt.format(r=r, c=c) for c in range(bench.cols))
                 for r in range(bench.rows))


def _title(bench: Bench, form: str) -> str:
    return (f"spicelearn device bench: {bench.model.name}, {bench.rows}x{bench.cols}, {form}")


def spice_source(drive: Drive) -> str:
    """The ngspice transient source of ``drive`` (``SIN(...)`` or ``PULSE(...)``)."""
    if isinstance(drive, SineDrive):
        return f"SIN({num(drive.offset)} {num(drive.amplitude)} {num(drive.frequency)})"
    if isinstance(drive, PulseTrain):
        return (f"PULSE({num(drive.v_base)} {num(drive.v_pulse)} {num(drive.delay)} "
                f"{num(drive.rise)} {num(drive.fall)} {num(drive.width)} {num(drive.period)})")
    raise DeviceModelError(f"unknown drive {type(drive).__name__}")


def vacask_source(drive: Drive) -> str:
    """The VACASK ``vsource`` parameters of ``drive``."""
    if isinstance(drive, SineDrive):
        return (f'type="sine" sinedc={num(drive.offset)} ampl={num(drive.amplitude)} '
                f"freq={num(drive.frequency)}")
    if isinstance(drive, PulseTrain):
        return (f'type="pulse" val0={num(drive.v_base)} val1={num(drive.v_pulse)} '
                f"delay={num(drive.delay)} rise={num(drive.rise)} fall={num(drive.fall)} "
                f"width={num(drive.width)} period={num(drive.period)}")
    raise DeviceModelError(f"unknown drive {type(drive).__name__}")


def verilog_a_module(model: DeviceModel) -> str:
    """The Verilog-A module name of ``model`` (its file's stem).

    Raises:
        DeviceModelError: the model has no Verilog-A module.
    """
    if not model.verilog_a:
        raise DeviceModelError(f"device model '{model.name}' has no Verilog-A module")
    return Path(model.verilog_a).stem


def _model_parameters(model: DeviceModel, frozen: bool) -> str:
    params = " ".join(f"{k}={num(v)}" for k, v in model.parameters().items())
    return f"{params} frozen={int(frozen)}".strip()


def render_behavioural(bench: Bench) -> Deck:
    """The bench in ngspice with B-source devices (dynamic behavioural form)."""
    model = bench.model
    x0 = bench.initial_state()
    lines = [_title(bench, "behavioural")]
    for r, drive in enumerate(bench.drives):
        lines.append(f"Vrow{r} row{r} 0 {spice_source(drive)}")
    for r in range(bench.rows):
        for c in range(bench.cols):
            v = f"V(row{r},s{r}_{c})"
            x = f"V(x{r}_{c})"
            g = model.spice_conductance(x)
            h = model.spice_shape(v)
            f = model.spice_dxdt(v, x)
            lines += [
                f"Bm{r}_{c} row{r} s{r}_{c} I={g}*{h}",
                f"Bx{r}_{c} 0 x{r}_{c} I={f}-{num(STATE_LEAK)}*({x}-{num(x0[r, c])})",
                f"Cx{r}_{c} x{r}_{c} 0 {num(STATE_CAPACITANCE)}",
                f"Vs{r}_{c} s{r}_{c} 0 0",
            ]
    return Deck("ngspice", "behavioural", "\n".join(lines) + "\n", bench.rows, bench.cols,
                tuple(f"v(row{r})" for r in range(bench.rows)),
                _grid(bench, "i(vs{r}_{c})"), _grid(bench, "v(x{r}_{c})"),
                _grid(bench, "bm{r}_{c}"))


def render_osdi(bench: Bench, *, frozen: bool = False) -> Deck:
    """The bench in ngspice with the model's Verilog-A module (OSDI ``N`` instances).

    ``frozen`` sets the module's ``frozen`` flag: the state node is then pinned
    to ``x0`` (settle phases).
    """
    model = bench.model
    module = verilog_a_module(model)
    x0 = bench.initial_state()
    lines = [_title(bench, "verilog-a"),
             f".model {MODEL_CARD} {module} {_model_parameters(model, frozen)}"]
    for r, drive in enumerate(bench.drives):
        lines.append(f"Vrow{r} row{r} 0 {spice_source(drive)}")
    for r in range(bench.rows):
        for c in range(bench.cols):
            lines += [f"Nm{r}_{c} row{r} s{r}_{c} {MODEL_CARD} x0={num(x0[r, c])}",
                      f"Vs{r}_{c} s{r}_{c} 0 0"]
    return Deck("ngspice", "verilog-a", "\n".join(lines) + "\n", bench.rows, bench.cols,
                tuple(f"v(row{r})" for r in range(bench.rows)),
                _grid(bench, "i(vs{r}_{c})"), _grid(bench, "v(nm{r}_{c}#x)"),
                _grid(bench, "nm{r}_{c}"), model.verilog_a)


def render_vacask(bench: Bench, *, frozen: bool = False) -> Deck:
    """The bench in VACASK with the model's Verilog-A module."""
    model = bench.model
    module = verilog_a_module(model)
    x0 = bench.initial_state()
    lines = [_title(bench, "verilog-a"), "ground 0", "model vsrc vsource",
             f"model {MODEL_CARD} {module} ({_model_parameters(model, frozen)})"]
    for r, drive in enumerate(bench.drives):
        lines.append(f"vrow{r} (row{r} 0) vsrc {vacask_source(drive)}")
    for r in range(bench.rows):
        for c in range(bench.cols):
            lines += [f"m{r}_{c} (row{r} s{r}_{c}) {MODEL_CARD} x0={num(x0[r, c])}",
                      f"vs{r}_{c} (s{r}_{c} 0) vsrc dc=0"]
    return Deck("vacask", "verilog-a", "\n".join(lines) + "\n", bench.rows, bench.cols,
                tuple(f"row{r}" for r in range(bench.rows)),
                _grid(bench, "vs{r}_{c}:flow(br)"), _grid(bench, "m{r}_{c}:x"),
                _grid(bench, "m{r}_{c}"), model.verilog_a)
