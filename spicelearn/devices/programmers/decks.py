"""Programming decks: every pulsed device in its own circuit with its own pulse train.

Text only (the engines run it; :mod:`spicelearn.engines.programming`). Device i
with a plan of n pulses of amplitude a, plateau w, ramps t_r, t_f and rest
t_gap is driven by its own source; behavioural rendering::

    Vp7 p7 0 PULSE(0 a 0 t_r t_f w t_r+w+t_f+t_gap n)
    Bm7 p7 0 I=g(V(x7))*h(V(p7))
    Bx7 0 x7 I=f(V(p7),V(x7))
    Cx7 x7 0 1
    Fq7 0 q7 Vp7 -k
    Cq7 q7 0 1
    .ic V(x7)=x

the state on node ``x7`` integrated by a 1 F capacitor from its initial
condition (the transient runs with ``uic``); the charge the source delivers,
``Q = ∫I dt``, on node ``q7`` through a linear current-controlled source of gain
k (small, so that the node's current stays far below ``abstol``/``reltol`` and
its truncation error does not shorten the time steps). The energy is
``E = ρ·Q`` with ``ρ = ∫V·h(V)dt / ∫h(V)dt`` of the device's pulse
(:func:`~.pulse.pulse_integrals`): exact while the conductance is constant
within a pulse; it changes by one step per pulse, mostly on the plateau
(V = a), and the error stays below 1e-3 (measured against ``∫V·I dt``
integrated by ngspice). A behavioural ``V·I`` energy source per device would
cost as much CPU as the device itself. Verilog-A rendering: ``Nm7 p7 0 mem
x0=x`` (one ``.model mem`` card, or one ``mem7`` card per device when their
parameters are spread), the state on the module's internal node ``x``,
anchored at ``x0`` by the module's leak (the transient starts from an
operating point; ``Rq7 q7 0 1e15`` gives the charge node a DC path). Devices
without pulses are left out: they do not move.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...errors import DeviceModelError
from ..decks import MODEL_CARD, STATE_CAPACITANCE, verilog_a_module
from ..model import DeviceModel
from ..smooth import num
from .base import PulsePlan
from .nonideal import DevicePopulation

RENDERINGS: tuple[str, ...] = ("behavioural", "verilog-a")
"""How a programming deck renders its devices."""
ENERGY_CURRENT = 1e-9
"""Peak current into an energy or charge node [A]."""
ENERGY_LEAK = 1e15
"""DC path of an energy or charge node in a Verilog-A deck [Ω] (time constant 1e15 s)."""


@dataclass(frozen=True)
class ProgrammingDeck:
    """A rendered programming step: circuit text and what to read back.

    ``devices`` (m,) are the indices of the rendered devices; ``state_probes`` and
    ``energy_probes`` (m,) the raw-file vectors of their final states and
    scaled charges (charge [C] = value / ``energy_scale``, energy = ρ·charge,
    :func:`~.pulse.pulse_integrals`); ``t_stop`` [s] the
    end of the longest train; ``uic`` whether the transient starts from the
    initial conditions (behavioural) or from an operating point (Verilog-A).
    """

    text: str
    form: str
    verilog_a: str | None
    devices: np.ndarray
    state_probes: tuple[str, ...]
    energy_probes: tuple[str, ...]
    energy_scale: float
    t_stop: float
    uic: bool


def resolve_rendering(model: DeviceModel, rendering: str | None) -> str:
    """``rendering``, or by default Verilog-A when the model has a module, else behavioural.

    Raises:
        DeviceModelError: an unknown rendering, or Verilog-A for a model without module.
    """
    if rendering is None:
        return "verilog-a" if model.verilog_a else "behavioural"
    if rendering not in RENDERINGS:
        raise DeviceModelError(f"unknown rendering {rendering!r} (known: {', '.join(RENDERINGS)})")
    if rendering == "verilog-a" and not model.verilog_a:
        raise DeviceModelError(f"model '{model.name}' has no Verilog-A module; use the "
                               f"behavioural rendering")
    return rendering


def pulse_source(plan: PulsePlan, i: int) -> str:
    """Device ``i``'s train as an ngspice source: ``PULSE(0 a 0 t_r t_f w period n)``."""
    return (f"PULSE(0 {num(plan.amplitude[i])} 0 {num(plan.rise)} {num(plan.fall)} "
            f"{num(plan.width[i])} {num(plan.period[i])} {int(plan.count[i])})")


def energy_scale(model: DeviceModel, plan: PulsePlan) -> float:
    """k [1/V]: ENERGY_CURRENT over the largest power a pulse may draw, g_max·|a|·|h(a)|."""
    a = float(np.max(np.abs(plan.amplitude), initial=0.0))
    power = model.g_range()[1] * a * float(np.abs(model.shape(a)))
    return ENERGY_CURRENT / power if power > 0 else 1.0


def charge_scale(model: DeviceModel, plan: PulsePlan) -> float:
    """k [1]: ENERGY_CURRENT over the largest current a pulse may draw, g_max·|h(a)|."""
    a = float(np.max(np.abs(plan.amplitude), initial=0.0))
    current = model.g_range()[1] * float(np.abs(model.shape(a)))
    return ENERGY_CURRENT / current if current > 0 else 1.0


def model_card(model: DeviceModel, name: str) -> str:
    """``.model <name> <module> <parameters> frozen=0``: the dynamic Verilog-A card of ``model``."""
    params = " ".join(f"{k}={num(v)}" for k, v in model.parameters().items())
    return f".model {name} {verilog_a_module(model)} {params} frozen=0"


def render_programming(population: DevicePopulation, x: np.ndarray, plan: PulsePlan,
                       rendering: str | None = None) -> ProgrammingDeck:
    """The programming deck of every device with pulses (see the module docstring)."""
    model = population.model
    form = resolve_rendering(model, rendering)
    devices = np.flatnonzero(plan.count > 0)
    k = charge_scale(model, plan)
    lines = [f"spicelearn programming step: {model.name}, {devices.size} devices, {form}"]
    if form == "verilog-a" and not population.spread:
        lines.append(model_card(model, MODEL_CARD))
    states: list[str] = []
    for i in devices:
        own = population.device_model(int(i)) if population.spread else model
        p, q = f"p{i}", f"q{i}"
        lines.append(f"Vp{i} {p} 0 {pulse_source(plan, int(i))}")
        if form == "behavioural":
            xs = f"V(x{i})"
            lines += [f"Bm{i} {p} 0 I={own.spice_conductance(xs)}*{own.spice_shape(f'V({p})')}",
                      f"Bx{i} 0 x{i} I={own.spice_dxdt(f'V({p})', xs)}",
                      f"Cx{i} x{i} 0 {num(STATE_CAPACITANCE)}",
                      f".ic V(x{i})={num(x[i])}"]
            states.append(f"v(x{i})")
        else:
            card = f"{MODEL_CARD}{i}" if population.spread else MODEL_CARD
            if population.spread:
                lines.append(model_card(own, card))
            lines.append(f"Nm{i} {p} 0 {card} x0={num(x[i])}")
            lines.append(f"Rq{i} {q} 0 {num(ENERGY_LEAK)}")
            states.append(f"v(nm{i}#x)")
        lines += [f"Fq{i} 0 {q} Vp{i} {num(-k)}", f"Cq{i} {q} 0 1"]
    return ProgrammingDeck("\n".join(lines) + "\n", form,
                           model.verilog_a if form == "verilog-a" else None, devices,
                           tuple(states), tuple(f"v(q{i})" for i in devices), k,
                           plan.duration, form == "behavioural")
