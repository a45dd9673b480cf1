"""Characterizing a device model: the protocol, its default drives, benches and decks.

"Up" means raising the read conductance g (potentiation), "down" lowering it
(depression), whatever the sign of the state variable's motion. The protocol:

1. **Pinched hysteresis.** One device from the middle of its state range, driven
   by ``V = A·sin(2πft)`` for two periods at ``f₁`` and again at
   ``f₂ = FREQUENCY_RATIO·f₁``. The lobe area of the second period,
   ``|∫ I dV|`` over each half-period (``figures_of_merit.lobe_areas``), shrinks with frequency
   (above the frequency where one half-period moves the state across its range).
2. **Pulse response.** One device from (near) its low-g bound gets N identical
   potentiation pulses, then (from where they left it) N identical depression
   pulses, SPICE ``PULSE`` trapezoids of width ``t_w``, rise = fall =
   ``EDGE_FRACTION·t_w``, period ``DUTY_PERIOD·(t_w + rise + fall)``; the read
   conductance ``g(x)`` is taken at the end of every period (0 V).
3. **Response table** q±(g) (:mod:`spicelearn.devices.figures_of_merit`): the change
   of g per pulse as a function of g,
   ``Δg₊ = g_{k+1} − g_k`` (potentiation) and ``Δg₋ = g_k − g_{k+1}`` (depression,
   so both are positive when the pulse works), attributed to the midpoint
   ``(g_k + g_{k+1})/2`` and interpolated onto bin centres.

Default drives (written here once): the pulse amplitudes of
:data:`DEFAULT_AMPLITUDES` (beyond the model's switching thresholds; models
registered later take the first of :data:`AMPLITUDE_LADDER` that moves their
state); the width such that N pulses at constant amplitude would move g across
``TRAVERSE_FRACTION`` of its range, for the slower polarity
(:func:`traverse_time`); the sine at the smaller amplitude (both lobes then open
alike where the polarities differ, as VTEAM's do) and at the ``f₁`` where
one half-period of the slower polarity moves the state by ``SINE_EXCURSION`` of
its range.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp

from ..errors import DeviceModelError, UsageError
from .bench import STATE_LEAK, Bench, Waveforms
from .decks import Deck, render_behavioural, render_osdi
from .drives import PulseTrain, SineDrive
from .model import DeviceModel

RENDERINGS: tuple[str, ...] = ("behavioural", "verilog-a")
"""How a characterization renders the device: B-sources or the Verilog-A module (OSDI)."""

DEFAULT_AMPLITUDES: dict[str, tuple[float, float]] = {
    "linear_ion_drift": (1.0, 1.0),
    "joglekar": (1.0, 1.0),
    "biolek": (1.0, 1.0),
    "prodromakis": (1.0, 1.0),
    "vteam": (0.24, 0.5),
    "yakopcic": (1.0, 1.0),
    "mms": (0.5, 0.5),
    "pershin": (2.5, 2.5),
    "stanford_pku": (1.2, 1.2),
    "linear_step": (1.0, 1.0),
    "soft_bounds": (1.0, 1.0),
    "power_response": (1.0, 1.0),
    "exp_response": (1.0, 1.0),
}
"""(potentiation, depression) pulse amplitudes [V] by model, beyond the default
parameters' thresholds: Yakopcic 0.65/0.56 V, MMS 0.27 V, Pershin 1.6 V, the
response devices 0.5 V. VTEAM switches ON (negative voltage, beyond −0.2 V) about
three orders of magnitude faster than OFF at equal amplitude, so its ON pulses
are 0.24 V (similar traversal times: 40 ns up at −0.24 V, 42 ns down at +0.5 V)."""
AMPLITUDE_LADDER: tuple[float, ...] = (0.5, 1.0, 1.5, 2.0, 3.0, 5.0)
"""Amplitudes [V] tried in turn for a model without an entry in DEFAULT_AMPLITUDES."""

DEFAULT_PULSES = 50
"""Pulses per train."""
MAX_PULSES = 10_000
"""Largest number of pulses per train."""
DEFAULT_BINS = 20
"""Rows of the response table (fewer when there are fewer pulses)."""
START_FRACTIONS: tuple[float, ...] = (0.0, 0.01, 0.02, 0.05)
"""Where a pulse train may start, as a distance from the bound it leaves [fraction of the
state range]: the first where the train's rate is at least START_RATE of its mid-range
rate (a window that vanishes on the bound, Joglekar's say, would hold the state there)."""
START_RATE = 0.1
"""See START_FRACTIONS [1]."""
TRAVERSE_FRACTION = 0.8
"""Default width: N pulses move g across this much of its range [1] (measured from the
bound the train leaves, whatever its starting point)."""
SINE_EXCURSION = 0.4
"""Default f₁: one half-period moves the state by this much of its range [1]."""
FREQUENCY_RATIO = 4.0
"""f₂ / f₁ [1]."""
EDGE_FRACTION = 0.1
"""Rise and fall time of a pulse, as a fraction of its width [1]."""
DUTY_PERIOD = 2.0
"""Pulse period over rise + width + fall [1]."""
LONGEST_RUN = 1e3
"""Longest transient [s]: the state leak (1e-6/s, the DC anchor) stays below 1e-3 of the range."""
LEAST_EXCURSION = 0.01
"""A drive must be expected to move the state by at least this much of its range [1]."""
STEPS_PER_SINE_PERIOD = 500
"""Largest time step of a sine run, per period."""
STEPS_PER_PULSE = 200
"""Largest time step of a pulse train, per pulse period."""
SAMPLES_PER_PERIOD = 400
"""Points per sine period written to iv.csv."""


@dataclass(frozen=True)
class Protocol:
    """The drives of one characterization.

    ``up_sign`` (±1) is the sign of the voltage that raises g; potentiation pulses
    are ``up_sign·amplitude_up``, depression pulses ``−up_sign·amplitude_down`` [V].
    ``width`` [s] is the time at the pulse level; ``frequency`` [Hz] is f₁.
    ``x_pulses`` and ``x_sine`` are the initial states [state unit].
    """

    pulses: int
    width: float
    amplitude_up: float
    amplitude_down: float
    up_sign: float
    sine_amplitude: float
    frequency: float
    x_pulses: float
    x_sine: float

    @property
    def edge(self) -> float:
        """Rise = fall time of a pulse [s]."""
        return EDGE_FRACTION * self.width

    @property
    def period(self) -> float:
        """Pulse period [s]."""
        return DUTY_PERIOD * (self.width + 2.0 * self.edge)

    @property
    def frequencies(self) -> tuple[float, float]:
        """(f₁, f₂) [Hz]."""
        return (self.frequency, FREQUENCY_RATIO * self.frequency)

    def _train(self, level: float) -> PulseTrain:
        return PulseTrain(v_pulse=level, width=self.width, period=self.period, rise=self.edge,
                          fall=self.edge)

    def potentiation(self) -> PulseTrain:
        """The potentiation pulse train."""
        return self._train(self.up_sign * self.amplitude_up)

    def depression(self) -> PulseTrain:
        """The depression pulse train."""
        return self._train(-self.up_sign * self.amplitude_down)

    def sine(self, frequency: float) -> SineDrive:
        """The sine at ``frequency`` [Hz]."""
        return SineDrive(self.sine_amplitude, frequency)


# -- planning -------------------------------------------------------------------------

def g_ordered_bounds(model: DeviceModel) -> tuple[float, float]:
    """The state bounds ordered (low-g bound, high-g bound) [state unit]."""
    lo, hi = model.state_bounds()
    g_lo, g_hi = model.conductance(np.array([lo, hi]))
    return (lo, hi) if g_lo < g_hi else (hi, lo)


def up_sign(model: DeviceModel, amplitude: float) -> float:
    """The sign of the voltage that raises g, judged at ±``amplitude`` [V] mid-range.

    Raises:
        DeviceModelError: neither polarity raises g (the drive does not move the state).
    """
    x_low, x_high = g_ordered_bounds(model)
    mid = 0.5 * (x_low + x_high)
    toward_high = np.sign(x_high - x_low)
    rates = model.dxdt(np.array([amplitude, -amplitude]), mid) * toward_high
    if rates[0] > 0 and rates[0] >= rates[1]:
        return 1.0
    if rates[1] > 0:
        return -1.0
    raise DeviceModelError(f"{model.name}: neither +{amplitude:g} V nor -{amplitude:g} V "
                           f"raises its conductance")


def check_finite_drive(model: DeviceModel, voltages: tuple[float, ...]) -> None:
    """Refuse voltages [V] at which the state equation or the current is not finite.

    Raises:
        DeviceModelError: the model overflows somewhere in its state range.
    """
    lo, hi = model.state_bounds()
    x = np.linspace(lo, hi, 101)
    with np.errstate(all="ignore"):
        for v in voltages:
            for u in (v, -v):
                if not (np.all(np.isfinite(model.dxdt(u, x)))
                        and np.all(np.isfinite(model.current(u, x)))):
                    raise DeviceModelError(
                        f"a drive of {u:g} V takes '{model.name}' outside its valid region: "
                        f"its state equation or current overflows (use a smaller --amplitude)")


def traverse_time(model: DeviceModel, voltage: float, x_from: float, x_to: float) -> float:
    """Time [s] a constant ``voltage`` [V] takes to move the state from ``x_from`` to ``x_to``.

    ``inf`` when it does not move towards ``x_to`` or does not get there within LONGEST_RUN.
    """
    lo, hi = model.state_bounds()
    if x_to == x_from:
        return 0.0
    with np.errstate(all="ignore"):
        if not (x_to - x_from) * float(model.dxdt(voltage, x_from)) > 0:
            return float("inf")

    def arrived(t: float, x: np.ndarray) -> float:
        return float(x[0] - x_to)

    arrived.terminal = True  # type: ignore[attr-defined]
    with np.errstate(all="ignore"):
        sol = solve_ivp(lambda t, x: model.dxdt(voltage, x), (0.0, LONGEST_RUN), [x_from],
                        method="LSODA", events=arrived, rtol=1e-6, atol=1e-12 * (hi - lo))
    hits = sol.t_events[0]
    return float(hits[0]) if len(hits) else float("inf")


def start_fraction(model: DeviceModel, voltage: float, x_from: float, x_to: float) -> float:
    """Where a train of ``voltage`` [V] pulses from the bound ``x_from`` towards ``x_to``
    starts, as a fraction of the range (see START_FRACTIONS) [1]."""
    span = x_to - x_from
    with np.errstate(all="ignore"):
        mid_rate = abs(float(model.dxdt(voltage, x_from + 0.5 * span)))
        for frac in START_FRACTIONS:
            rate = float(model.dxdt(voltage, x_from + frac * span)) * np.sign(span)
            if rate >= START_RATE * mid_rate:
                return frac
    return START_FRACTIONS[-1]


def _pulse_traverse_times(model: DeviceModel, sign: float, amp_up: float,
                          amp_down: float) -> tuple[float, float, float]:
    """(time up, time down [s], start fraction of the potentiation train [1])."""
    x_low, x_high = g_ordered_bounds(model)
    span = x_high - x_low
    f_up = start_fraction(model, sign * amp_up, x_low, x_high)
    f_down = start_fraction(model, -sign * amp_down, x_high, x_low)
    g_min, g_max = model.g_range()
    reach = TRAVERSE_FRACTION * (g_max - g_min)
    with np.errstate(all="ignore"):
        x_up, x_down = model.state_of(np.array([g_min + reach, g_max - reach]))
    start_up, start_down = x_low + f_up * span, x_high - f_down * span
    g_up, g_down = model.conductance(np.array([start_up, start_down]))
    t_up = (0.0 if g_up >= g_min + reach
            else traverse_time(model, sign * amp_up, start_up, float(x_up)))
    t_down = (0.0 if g_down <= g_max - reach
              else traverse_time(model, -sign * amp_down, start_down, float(x_down)))
    return t_up, t_down, f_up


def default_amplitudes(model: DeviceModel) -> tuple[float, float]:
    """(potentiation, depression) amplitudes [V]: DEFAULT_AMPLITUDES, else the ladder."""
    if model.name in DEFAULT_AMPLITUDES:
        return DEFAULT_AMPLITUDES[model.name]
    for amp in AMPLITUDE_LADDER:
        try:
            check_finite_drive(model, (amp,))
            sign = up_sign(model, amp)
        except DeviceModelError:
            continue
        if max(_pulse_traverse_times(model, sign, amp, amp)[:2]) < LONGEST_RUN:
            return (amp, amp)
    return (AMPLITUDE_LADDER[-1], AMPLITUDE_LADDER[-1])


def _half_period_rates(model: DeviceModel, amplitude: float, x: float) -> tuple[float, float]:
    """Mean |dx/dt| over the positive and the negative half of a sine [state unit/s]."""
    u = (np.arange(256) + 0.5) / 256
    v = amplitude * np.sin(np.pi * u)
    return (float(np.abs(model.dxdt(v, x)).mean()), float(np.abs(model.dxdt(-v, x)).mean()))


def _volts(up: float, down: float) -> str:
    return f"{up:g} V" if up == down else f"{up:g} V (up) and {down:g} V (down)"


def plan_protocol(model: DeviceModel, *, pulses: int = DEFAULT_PULSES,
                  amplitude: float | None = None, width: float | None = None,
                  frequency: float | None = None) -> Protocol:
    """The drives characterizing ``model``: the defaults, or the given values.

    ``amplitude`` [V] sets both pulse polarities and the sine; ``width`` [s] the
    pulse width; ``frequency`` [Hz] f₁.

    Raises:
        UsageError: a pulse count, amplitude, width or frequency out of range.
        DeviceModelError: a model without a state equation, a drive that overflows
            the model, one too weak to move its state, or runs that would last
            longer than LONGEST_RUN.
    """
    if not model.dynamic:
        raise DeviceModelError(f"device model '{model.name}' has no state equation: "
                               f"there is nothing to characterize")
    if isinstance(pulses, bool) or not isinstance(pulses, int | np.integer) \
            or not 2 <= pulses <= MAX_PULSES:
        raise UsageError(f"the pulse count must be an integer in [2, {MAX_PULSES}], "
                         f"got {pulses!r}")
    for key, value in (("amplitude", amplitude), ("width", width), ("frequency", frequency)):
        if value is not None and not (np.isfinite(value) and value > 0):
            raise UsageError(f"{key} must be a finite number > 0, got {value!r}")
    amp_up, amp_down = ((amplitude, amplitude) if amplitude is not None
                        else default_amplitudes(model))
    check_finite_drive(model, (amp_up, amp_down))
    sign = up_sign(model, max(amp_up, amp_down))
    x_low, x_high = g_ordered_bounds(model)
    span = x_high - x_low
    t_up, t_down, f_up = _pulse_traverse_times(model, sign, amp_up, amp_down)
    slower = max(t_up, t_down)
    if width is None:
        if not np.isfinite(slower):
            raise DeviceModelError(
                f"pulses of {_volts(amp_up, amp_down)} do not move '{model.name}' across "
                f"its range within {LONGEST_RUN:g} s (below its switching threshold? "
                f"raise --amplitude)")
        width = slower / pulses
    else:
        moved = pulses * width * TRAVERSE_FRACTION / slower if np.isfinite(slower) else 0.0
        if moved < LEAST_EXCURSION:
            raise DeviceModelError(
                f"{pulses} pulses of {width:g} s at {_volts(amp_up, amp_down)} would move "
                f"the state of '{model.name}' by less than {LEAST_EXCURSION:g} of its range "
                f"(raise --width or --amplitude)")
    x_sine = x_low + 0.5 * span
    amp_sine = min(amp_up, amp_down)
    if frequency is None:
        slow_rate = min(_half_period_rates(model, amp_sine, x_sine))
        if not slow_rate > 0:
            raise DeviceModelError(f"a {amp_sine:g} V sine does not move the state of "
                                   f"'{model.name}' (raise --amplitude)")
        frequency = 0.5 * slow_rate / (SINE_EXCURSION * abs(span))
    protocol = Protocol(pulses, float(width), float(amp_up), float(amp_down), sign,
                        float(amp_sine), float(frequency), x_low + f_up * span, x_sine)
    longest = max(pulses * protocol.period, 2.0 / protocol.frequency)
    if longest * STATE_LEAK > 1e-3:
        raise DeviceModelError(f"the drives would run for {longest:.3g} s: longer than "
                               f"{LONGEST_RUN:g} s, where the state leak matters (shorten "
                               f"--width or raise --frequency)")
    return protocol


# -- benches and decks ----------------------------------------------------------------

def check_rendering(model: DeviceModel, rendering: str) -> None:
    """Refuse an unknown rendering, or 'verilog-a' for a model without a module.

    Raises:
        UsageError: ``rendering`` is not one of RENDERINGS.
        DeviceModelError: the model has no Verilog-A module.
    """
    if rendering not in RENDERINGS:
        raise UsageError(f"unknown rendering {rendering!r} (known: {', '.join(RENDERINGS)})")
    if rendering == "verilog-a" and not model.verilog_a:
        raise DeviceModelError(f"device model '{model.name}' has no Verilog-A module "
                               f"(use --rendering behavioural)")


def render_bench(bench: Bench, rendering: str) -> Deck:
    """The ngspice deck of ``bench``: B-sources or the Verilog-A module through OSDI."""
    check_rendering(bench.model, rendering)
    return render_behavioural(bench) if rendering == "behavioural" else render_osdi(bench)


def sine_bench(model: DeviceModel, protocol: Protocol, frequency: float) -> Bench:
    """One device at ``protocol.x_sine`` driven by the sine at ``frequency`` [Hz]."""
    return Bench.single(model, protocol.sine(frequency), protocol.x_sine)


def pulse_bench(model: DeviceModel, train: PulseTrain, x0: float) -> Bench:
    """One device at state ``x0`` driven by ``train``."""
    return Bench.single(model, train, x0)


def read_after_pulses(model: DeviceModel, waves: Waveforms, period: float,
                      pulses: int) -> np.ndarray:
    """(pulses + 1,) read conductances g(x) [S] at t = k·period, k = 0 … pulses (0 V)."""
    t = np.clip(period * np.arange(pulses + 1), waves.time[0], waves.time[-1])
    state = waves.resample(t).state[:, 0, 0]
    return np.asarray(model.conductance(state), dtype=float)


def last_period(waves: Waveforms, frequency: float, samples: int = SAMPLES_PER_PERIOD
                ) -> Waveforms:
    """The second of two sine periods, resampled at ``samples`` + 1 uniform times."""
    period = 1.0 / frequency
    return waves.resample(np.linspace(period, min(2.0 * period, waves.time[-1]), samples + 1))
