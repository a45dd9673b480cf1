"""Engines: settle a circuit for a batch of inputs (ngspice, numeric)."""

from .base import Engine, Settled, check_batch, make_settled
from .ngspice import NgspiceEngine
from .numeric import NumericEngine, adjoint_gradient

__all__ = [
    "Engine",
    "NgspiceEngine",
    "NumericEngine",
    "Settled",
    "adjoint_gradient",
    "check_batch",
    "make_settled",
]
