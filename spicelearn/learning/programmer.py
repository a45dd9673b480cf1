"""The programmers the trainer uses: the device library's seam and the registry.

One seam: :class:`~spicelearn.devices.programmers.Programmer` (``program(model,
state, Δg, rng)`` → :class:`~spicelearn.devices.programmers.ProgramResult`) and
the registry of :mod:`spicelearn.engines.programmers` that ``training.programmer``
names.
"""

from __future__ import annotations

from ..devices.programmers import IdealProgrammer, Programmer, ProgramResult
from ..engines.programmers import PROGRAMMERS, make_programmer

__all__ = ["PROGRAMMERS", "IdealProgrammer", "ProgramResult", "Programmer", "make_programmer"]
