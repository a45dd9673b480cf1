"""Programmers: desired conductance changes become device states through pulses.

The seam (:class:`Programmer`, :class:`ProgramResult`), the ``ideal`` and
``pulse`` programmers, pulse schemes with per-model defaults, the response
tables and exact pulse integration, and the programming non-idealities. The
``spice`` and ``array`` programmers, which run ngspice, live in
:mod:`spicelearn.engines.programming` (the device library never imports the
engines).
"""

from .base import BlockProgrammer, Programmer, ProgramResult, PulsePlan, concatenate_results
from .decks import RENDERINGS, ProgrammingDeck, render_programming
from .ideal import IdealProgrammer
from .integrate import integrate_pulse
from .nonideal import (
    SPREAD_PARAMETERS,
    DevicePopulation,
    NonIdealities,
    quantize,
    read_conductances,
)
from .open_loop import ResponseProgrammer, open_loop_pulses, stochastic_round
from .planning import PlannedPulses, plan_pulses
from .pulse import PulseProgrammer, pinned_energy, pulse_integrals
from .schemes import PULSE_AMPLITUDES, SCHEMES, PulseScheme, check_scheme, pulse_scheme
from .tables import response_table

__all__ = ["PULSE_AMPLITUDES", "RENDERINGS", "SCHEMES", "SPREAD_PARAMETERS", "BlockProgrammer",
           "DevicePopulation", "ResponseProgrammer", "open_loop_pulses", "stochastic_round",
           "IdealProgrammer", "NonIdealities", "PlannedPulses", "ProgramResult", "Programmer",
           "ProgrammingDeck", "PulsePlan", "PulseProgrammer", "PulseScheme", "check_scheme",
           "integrate_pulse", "pinned_energy", "plan_pulses", "pulse_integrals", "pulse_scheme",
           "quantize", "concatenate_results",
           "read_conductances", "render_programming", "response_table"]
