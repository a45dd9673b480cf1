"""Pulse schemes and their per-model defaults (the one place pulse defaults are written).

A scheme turns a desired conductance change into pulses:

* ``identical``: n identical pulses (amplitude ``v_up`` to raise g, ``v_down`` to
  lower it; plateau ``width``), n = 0 … ``max_pulses``;
* ``pwm``: one pulse of the same amplitudes whose plateau, 0 … ``width_max``,
  encodes the step;
* ``pam``: one pulse of plateau ``pam_width`` whose amplitude, 0 … ``v_up`` (or
  ``v_down``), encodes the step.

Every pulse is a SPICE trapezoid ``PULSE(0 a 0 rise fall width …)`` followed by
``gap`` at 0 V. Amplitudes are signed device voltages (terminal a above b):
for VTEAM and Pershin's model a negative voltage raises the conductance.

Defaults (:func:`pulse_scheme`): the amplitudes of :data:`PULSE_AMPLITUDES`
(beyond each model's switching thresholds; ``v_max`` bounds every amplitude a
scheme may use); ``width`` such that one pulse of the faster polarity moves a
device in the middle of its state range by :data:`STEP_TARGET` of the range
(two significant digits); ``rise = fall = width/20``, ``gap = width``,
``width_max = 64·width``, ``pam_width = 8·width``, ``max_pulses = 100``. The
response-function devices use ``width = t_pulse`` and ``±2·v_th`` (one pulse is
then about one Δg_min step, their definition).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np

from ...errors import DeviceModelError
from ..characterize import DEFAULT_AMPLITUDES
from ..model import DeviceModel
from ..response import ResponseDevice

SCHEMES: tuple[str, ...] = ("identical", "pwm", "pam")
"""The pulse schemes, by name."""

STEP_TARGET = 0.005
"""Default step of one pulse in the middle of the state range, as a fraction of it [1]."""


@dataclass(frozen=True)
class PulseAmplitudes:
    """A model's default programming voltages [V] (signed device voltages)."""

    v_up: float
    """Voltage that raises the conductance [V]."""
    v_down: float
    """Voltage that lowers the conductance [V]."""
    v_max: float
    """Largest |voltage| the model may be programmed with [V]."""


RAISED_BY_NEGATIVE: frozenset[str] = frozenset({"vteam", "pershin"})
"""Models whose conductance rises under a negative device voltage."""
MAX_AMPLITUDES: dict[str, float] = {
    "linear_ion_drift": 3.0, "joglekar": 3.0, "biolek": 3.0, "prodromakis": 3.0,
    "vteam": 1.0, "yakopcic": 3.0, "mms": 1.0, "pershin": 5.0, "stanford_pku": 2.0,
}
"""Largest |voltage| each model may be programmed with [V]."""
PULSE_AMPLITUDES: dict[str, PulseAmplitudes] = {
    name: PulseAmplitudes((-1.0 if name in RAISED_BY_NEGATIVE else 1.0) * up,
                          (1.0 if name in RAISED_BY_NEGATIVE else -1.0) * down, v_max)
    for name, (up, down) in DEFAULT_AMPLITUDES.items()
    if (v_max := MAX_AMPLITUDES.get(name)) is not None
}
"""Default signed amplitudes per model: the characterization's magnitudes
(:data:`~spicelearn.devices.characterize.DEFAULT_AMPLITUDES`, beyond the
thresholds) with the polarity that raises g, and :data:`MAX_AMPLITUDES`."""


@dataclass(frozen=True)
class PulseScheme:
    """A pulse scheme with every parameter set (see the module docstring)."""

    kind: str
    """``identical``, ``pwm`` or ``pam``."""
    v_up: float
    """Amplitude that raises g [V] (``pam``: the largest)."""
    v_down: float
    """Amplitude that lowers g [V] (``pam``: the largest)."""
    width: float
    """Plateau of one identical pulse [s]."""
    rise: float
    """Rise time of every pulse [s]."""
    fall: float
    """Fall time of every pulse [s]."""
    gap: float
    """Rest at 0 V after every pulse [s]."""
    max_pulses: int = 100
    """Most identical pulses per update."""
    width_max: float = 0.0
    """Longest plateau of a ``pwm`` pulse [s]."""
    pam_width: float = 0.0
    """Plateau of a ``pam`` pulse [s]."""

    def __post_init__(self) -> None:
        if self.kind not in SCHEMES:
            raise DeviceModelError(f"unknown pulse scheme {self.kind!r} "
                                   f"(known: {', '.join(SCHEMES)})")
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, float) and not np.isfinite(v):
                raise DeviceModelError(f"pulse parameter '{f.name}' must be finite, got {v!r}")
        for key in ("width", "rise", "fall"):
            if getattr(self, key) <= 0:
                raise DeviceModelError(f"pulse parameter '{key}' must be > 0 s, "
                                       f"got {getattr(self, key)!r}")
        if self.gap < 0 or self.width_max < 0 or self.pam_width < 0:
            raise DeviceModelError("pulse parameters 'gap', 'width_max' and 'pam_width' "
                                   "must be >= 0 s")
        if isinstance(self.max_pulses, bool) or not isinstance(self.max_pulses, int) \
                or self.max_pulses < 1:
            raise DeviceModelError(f"pulse parameter 'max_pulses' must be an integer >= 1, "
                                   f"got {self.max_pulses!r}")
        if self.v_up == 0 or self.v_down == 0 or np.sign(self.v_up) == np.sign(self.v_down):
            raise DeviceModelError(f"v_up and v_down must be nonzero and of opposite signs, "
                                   f"got v_up={self.v_up!r}, v_down={self.v_down!r} V")

    @property
    def plateau(self) -> float:
        """Plateau of the scheme's pulse [s]: ``width``, ``width_max`` (pwm) or ``pam_width``."""
        return {"identical": self.width, "pwm": self.width_max, "pam": self.pam_width}[self.kind]

    @property
    def period(self) -> float:
        """One pulse and its rest [s]: rise + plateau + fall + gap."""
        return self.rise + self.plateau + self.fall + self.gap

    def amplitude(self, polarity: int) -> float:
        """The amplitude [V] of polarity +1 (raise g) or −1 (lower g)."""
        return self.v_up if polarity > 0 else self.v_down


def default_amplitudes(model: DeviceModel) -> PulseAmplitudes:
    """The model's default programming voltages.

    Raises:
        DeviceModelError: the model has no state equation or no default.
    """
    if not model.dynamic:
        raise DeviceModelError(f"model '{model.name}' has no state equation: pulses cannot "
                               f"program it (use the ideal programmer)")
    if isinstance(model, ResponseDevice):
        return PulseAmplitudes(2.0 * model.v_th, -2.0 * model.v_th, 6.0 * model.v_th)
    found = PULSE_AMPLITUDES.get(model.name)
    if found is None:
        raise DeviceModelError(f"no default pulse for model '{model.name}': give v_up, "
                               f"v_down and width")
    return found


def default_width(model: DeviceModel, amplitudes: PulseAmplitudes) -> float:
    """Plateau [s] moving a mid-range device by STEP_TARGET of its range (faster polarity).

    Rounded to two significant digits; ``t_pulse`` for a response-function device.
    """
    if isinstance(model, ResponseDevice):
        return model.t_pulse
    lo, hi = model.state_bounds()
    mid = 0.5 * (lo + hi)
    rate = max(abs(float(model.dxdt(amplitudes.v_up, mid))),
               abs(float(model.dxdt(amplitudes.v_down, mid))))
    if not rate > 0:
        raise DeviceModelError(f"model '{model.name}' does not move at its default amplitudes")
    width = STEP_TARGET * (hi - lo) / rate
    return float(f"{width:.2g}")


def pulse_scheme(model: DeviceModel, kind: str = "identical", **overrides: Any) -> PulseScheme:
    """The scheme ``kind`` for ``model`` with its defaults, ``overrides`` applied.

    Overrides name :class:`PulseScheme` fields (``v_up``, ``width``, ``rise``, …);
    ramps, rest and the pwm/pam plateaus follow an overridden ``width`` unless
    given too. The result is checked against the model (:func:`check_scheme`).

    Raises:
        DeviceModelError: an unknown field, a non-dynamic model, or parameters
            outside the model's valid region.
    """
    known = {f.name for f in fields(PulseScheme)} - {"kind"}
    for key in overrides:
        if key not in known:
            raise DeviceModelError(f"unknown pulse parameter {key!r} (known: "
                                   f"{', '.join(sorted(known))})")
    amps = default_amplitudes(model)
    amps = replace(amps, **{k: overrides[k] for k in ("v_up", "v_down") if k in overrides})
    width = float(overrides.get("width", default_width(model, amps)))
    values: dict[str, Any] = {"v_up": amps.v_up, "v_down": amps.v_down, "width": width,
                              "rise": width / 20, "fall": width / 20, "gap": width,
                              "width_max": 64 * width, "pam_width": 8 * width}
    values.update(overrides)
    scheme = PulseScheme(kind=kind, **values)
    check_scheme(model, scheme)
    return scheme


def check_scheme(model: DeviceModel, scheme: PulseScheme) -> None:
    """Raise :class:`DeviceModelError` unless ``scheme`` fits ``model``.

    The model needs a state equation; |v_up| and |v_down| must not exceed the
    model's ``v_max``; and at its full amplitude each polarity must move a
    mid-range device the right way (the conductance up for ``v_up``, down for
    ``v_down``) at a rate of at least 1e-6 of the state range per plateau.
    """
    amps = default_amplitudes(model)
    for key in ("v_up", "v_down"):
        v = getattr(scheme, key)
        if abs(v) > amps.v_max:
            raise DeviceModelError(f"pulse {key} = {v!r} V is outside model '{model.name}''s "
                                   f"valid region |V| <= {amps.v_max!r} V")
    lo, hi = model.state_bounds()
    mid = np.array([0.5 * (lo + hi)])
    g_slope = float(np.sign(model.conductance(hi) - model.conductance(lo)))
    for key, sign in (("v_up", 1.0), ("v_down", -1.0)):
        v = getattr(scheme, key)
        moved = float(model.dxdt(v, mid)[0]) * scheme.plateau * g_slope * sign
        if not moved > 1e-6 * (hi - lo):
            raise DeviceModelError(f"a pulse of {v!r} V for {scheme.plateau!r} s does not "
                                   f"{'raise' if sign > 0 else 'lower'} the conductance of "
                                   f"model '{model.name}' (below its threshold or the wrong "
                                   f"polarity)")
