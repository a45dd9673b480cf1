"""Knowm's mean metastable switch (MMS) memristor model.

A device is a population of metastable switches, each either off (R_off) or
on (R_on); the state x ∈ [0, 1] is the fraction switched on (Nugent & Molter,
"AHaH Computing – From Metastable Switches to Attractors to Machine Learning",
PLoS ONE 9(2) e85175, 2014; Molter & Nugent, "The generalized metastable switch
memristor model", CNNA 2016):

    I = V·(x/R_on + (1 − x)/R_off)
    dx/dt = (1/τ)·[σ(V − V_on)·(1 − x) − (1 − σ(V + V_off))·x]
    σ(u) = 1/(1 + e^(−u·q/kT))

The model is well-posed as published: σ is smooth and the right-hand side
keeps x within [0, 1] (the rate into the bound vanishes on it). σ is evaluated
as ``½(1 + tanh(u·q/(2kT)))`` so that nothing overflows. At V = 0 both
transition probabilities equal σ(−V_on) ≈ 2.7e-5 (published values), so an
idle device relaxes towards x = ½ with a time constant τ/(2σ(−V_on)) ≈ 1.8 s;
so that a simulator's DC operating point keeps the initial state, the ngspice
and Verilog-A renderings switch the state equation on at t = 0 (``time > 0``,
``$abstime > 0``), as an integration of dx/dt from t = 0 does.
The resistance range ``r_off/r_on`` is a parameter (published 3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..errors import DeviceModelError
from .model import DeviceModel, _arr
from .smooth import logistic, num, spice_logistic

Q_OVER_K = 1.602176634e-19 / 1.380649e-23
"""Elementary charge over Boltzmann's constant [K/V]."""


@dataclass(frozen=True)
class MeanMetastableSwitch(DeviceModel):
    """Knowm's mean metastable switch; state x ∈ [0, 1] (fraction of switches on).

    ``g(x) = x/r_on + (1 − x)/r_off``, ohmic;
    ``dx/dt = [σ(V − v_on)(1 − x) − (1 − σ(V + v_off))·x]/tau``.
    """

    name: ClassVar[str] = "mms"
    source: ClassVar[str] = ("Knowm mean metastable switch: Nugent & Molter, PLoS ONE 9(2) "
                             "e85175 (2014); Molter & Nugent, CNNA 2016; parameters "
                             "R_on = 500 Ohm, R_off = 1500 Ohm, V_on = V_off = 0.27 V, "
                             "tau = 1e-4 s, T = 298.5 K")
    verilog_a: ClassVar[str | None] = "mms.va"

    r_on: float = 500.0
    """Resistance with every switch on, x = 1 [Ω]."""
    r_off: float = 1500.0
    """Resistance with every switch off, x = 0 [Ω]."""
    v_on: float = 0.27
    """Voltage at which a switch turns on with probability ½ per τ [V]."""
    v_off: float = 0.27
    """Magnitude of the voltage at which a switch turns off with probability ½ per τ [V]."""
    tau: float = 1e-4
    """Time constant of one switch [s]."""
    temperature: float = 298.5
    """Temperature [K] (thermal voltage kT/q sets the width of σ)."""

    def check(self) -> None:
        if self.r_on <= 0:
            raise DeviceModelError(f"mms: r_on must be > 0 Ohm, got {self.r_on!r}")
        if self.r_off <= self.r_on:
            raise DeviceModelError(f"mms: need r_off > r_on, got r_on={self.r_on!r}, "
                                   f"r_off={self.r_off!r} Ohm")
        for key in ("v_on", "v_off", "tau", "temperature"):
            if getattr(self, key) <= 0:
                raise DeviceModelError(f"mms: {key} must be > 0, got {getattr(self, key)!r}")

    @property
    def thermal_voltage(self) -> float:
        """kT/q [V]."""
        return self.temperature / Q_OVER_K

    def conductance(self, x: np.ndarray | float) -> np.ndarray:
        x = _arr(x)
        return x / self.r_on + (1.0 - x) / self.r_off

    def state_of(self, g: np.ndarray | float) -> np.ndarray:
        g_off = 1.0 / self.r_off
        return (_arr(g) - g_off) / (1.0 / self.r_on - g_off)

    def dxdt(self, v: np.ndarray | float, x: np.ndarray | float) -> np.ndarray:
        v, x, vt = _arr(v), _arr(x), self.thermal_voltage
        p_on = logistic(v - self.v_on, vt)
        p_off = logistic(-v - self.v_off, vt)
        return (p_on * (1.0 - x) - p_off * x) / self.tau

    def equilibrium(self, v: np.ndarray | float) -> np.ndarray:
        """The state where dx/dt = 0 at a constant voltage V [1]: σ_on/(σ_on + σ_off)."""
        v, vt = _arr(v), self.thermal_voltage
        p_on = logistic(v - self.v_on, vt)
        p_off = logistic(-v - self.v_off, vt)
        return p_on / (p_on + p_off)

    def spice_conductance(self, x: str) -> str:
        return f"(({x})/{num(self.r_on)}+(1-({x}))/{num(self.r_off)})"

    def spice_dxdt(self, v: str, x: str) -> str:
        """dx/dt for a B-source, switched on for ``time > 0``.

        An idle device drifts towards x = ½, so the state equation starts at
        t = 0 and the DC operating point keeps the initial state (the Verilog-A
        module gates it with ``$abstime`` alike).
        """
        vt = self.thermal_voltage
        p_on = spice_logistic(f"({v})-{num(self.v_on)}", vt)
        p_off = spice_logistic(f"-({v})-{num(self.v_off)}", vt)
        return f"((time>0?1:0)*({p_on}*(1-({x}))-{p_off}*({x}))/{num(self.tau)})"
