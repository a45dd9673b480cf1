"""Voltage drives for device transients: a sine and a SPICE pulse train.

Each drive is a frozen dataclass that evaluates ``V(t)`` in numpy exactly as
ngspice's ``SIN``/``PULSE`` sources and VACASK's ``type="sine"``/``type="pulse"``
sources do, and lists its breakpoints (the corners of the waveform) so that an
ODE solver can integrate across them piece by piece.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import UsageError


def _arr(v: np.ndarray | float) -> np.ndarray:
    return np.asarray(v, dtype=float)


def _finite(**values: float) -> None:
    for key, value in values.items():
        if not np.isfinite(value):
            raise UsageError(f"drive parameter '{key}' must be finite, got {value!r}")


@dataclass(frozen=True)
class SineDrive:
    """``V(t) = offset + amplitude·sin(2π·frequency·t)`` [V].

    ngspice: ``SIN(offset amplitude frequency)``; VACASK:
    ``type="sine" sinedc=offset ampl=amplitude freq=frequency``.
    """

    amplitude: float
    """Peak amplitude [V] (either sign)."""
    frequency: float
    """Frequency [Hz], > 0."""
    offset: float = 0.0
    """DC offset [V]."""

    def __post_init__(self) -> None:
        _finite(amplitude=self.amplitude, frequency=self.frequency, offset=self.offset)
        if self.frequency <= 0:
            raise UsageError(f"sine frequency must be > 0 Hz, got {self.frequency!r}")

    @property
    def period(self) -> float:
        """One period [s]."""
        return 1.0 / self.frequency

    def voltage(self, t: np.ndarray | float) -> np.ndarray:
        """V(t) [V], elementwise over times ``t`` [s]."""
        return self.offset + self.amplitude * np.sin(2.0 * np.pi * self.frequency * _arr(t))

    def breakpoints(self, t_stop: float) -> np.ndarray:
        """Corners of V(t) in (0, t_stop) [s]: none for a sine."""
        return np.empty(0)

    def peak(self) -> float:
        """Largest |V| [V]."""
        return abs(self.offset) + abs(self.amplitude)


@dataclass(frozen=True)
class PulseTrain:
    """A periodic trapezoidal pulse, SPICE ``PULSE(v_base v_pulse delay rise fall width period)``.

    ``V = v_base`` before ``delay``; each period then ramps linearly to ``v_pulse``
    over ``rise``, holds it for ``width``, ramps back over ``fall`` and rests at
    ``v_base`` until the period ends. VACASK: ``type="pulse" val0=v_base
    val1=v_pulse delay rise fall width period``.
    """

    v_pulse: float
    """Pulse level [V] (either sign)."""
    width: float
    """Time at ``v_pulse`` [s], ≥ 0."""
    period: float
    """Repetition period [s], > rise + width + fall."""
    rise: float
    """Rise time [s], > 0."""
    fall: float
    """Fall time [s], > 0."""
    delay: float = 0.0
    """Start of the first pulse [s], ≥ 0."""
    v_base: float = 0.0
    """Level between pulses [V]."""

    def __post_init__(self) -> None:
        _finite(v_pulse=self.v_pulse, width=self.width, period=self.period, rise=self.rise,
                fall=self.fall, delay=self.delay, v_base=self.v_base)
        if self.rise <= 0 or self.fall <= 0:
            raise UsageError(f"pulse rise and fall times must be > 0 s, got rise={self.rise!r}, "
                             f"fall={self.fall!r}")
        if self.width < 0 or self.delay < 0:
            raise UsageError(f"pulse width and delay must be >= 0 s, got width={self.width!r}, "
                             f"delay={self.delay!r}")
        if self.period <= self.rise + self.width + self.fall:
            raise UsageError(f"pulse period {self.period!r} s must exceed rise + width + fall = "
                             f"{self.rise + self.width + self.fall!r} s")

    def voltage(self, t: np.ndarray | float) -> np.ndarray:
        """V(t) [V], elementwise over times ``t`` [s]."""
        t = _arr(t)
        since = t - self.delay
        tau = np.where(since < 0, -1.0, np.mod(np.maximum(since, 0.0), self.period))
        up = np.clip(tau / self.rise, 0.0, 1.0)
        down = np.clip((tau - self.rise - self.width) / self.fall, 0.0, 1.0)
        frac = np.where(tau < 0, 0.0, up - down)
        return self.v_base + (self.v_pulse - self.v_base) * frac

    def breakpoints(self, t_stop: float) -> np.ndarray:
        """The corners of V(t) in (0, t_stop) [s], ascending."""
        if t_stop <= self.delay:
            return np.empty(0)
        starts = self.delay + self.period * np.arange(int((t_stop - self.delay) // self.period) + 1)
        offsets = np.array([0.0, self.rise, self.rise + self.width,
                            self.rise + self.width + self.fall])
        corners = (starts[:, None] + offsets[None, :]).ravel()
        return corners[(corners > 0) & (corners < t_stop)]

    def peak(self) -> float:
        """Largest |V| [V]."""
        return max(abs(self.v_pulse), abs(self.v_base))


Drive = SineDrive | PulseTrain
"""Any drive a device bench accepts."""
