"""``spicelearn characterize``: run a device model's characterization in ngspice and
write its files.

:func:`characterize_model` plans the drives
(:func:`spicelearn.devices.characterize.plan_protocol`), runs four ngspice
transients of one device (the sine at f₁ and f₂, the potentiation train, the
depression train, :func:`spicelearn.engines.transient.run_ngspice_transient`)
and computes the response table and the figures of merit.
:func:`write_characterization` then writes :data:`CHARACTERIZATION_FILES` into
the output folder, all or nothing: every file is first written in full to a
temporary file in the folder, and only when all of them are complete are they
renamed into place.

The output folder must be new or empty; ``force`` lets a non-empty folder be
used, replacing only the files of :data:`CHARACTERIZATION_FILES` (anything else
in it is kept). Both are checked before anything runs and again before writing.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .devices.bench import Waveforms
from .devices.characterize import (
    DEFAULT_BINS,
    DEFAULT_PULSES,
    SAMPLES_PER_PERIOD,
    STEPS_PER_PULSE,
    STEPS_PER_SINE_PERIOD,
    Protocol,
    check_rendering,
    last_period,
    plan_protocol,
    pulse_bench,
    read_after_pulses,
    render_bench,
    sine_bench,
)
from .devices.drives import PulseTrain
from .devices.figures_of_merit import (
    ResponseMetrics,
    lobe_areas,
    response_metrics,
    response_table,
)
from .devices.model import DeviceModel
from .devices.registry import make_device_model
from .errors import DeviceModelError, RunDirError, UsageError

CHARACTERIZATION_FILES: tuple[str, ...] = ("iv.csv", "iv.png", "response.csv", "response.png",
                                           "response_table.csv", "summary.md")
"""The files ``spicelearn characterize`` writes (and, with --force, replaces)."""

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Characterization:
    """A characterization's results.

    ``sines``: the two sine runs (f₁, f₂), two periods each resampled at
    SAMPLES_PER_PERIOD points per period; ``g_up``/``g_down`` (N + 1,) read
    conductances [S] before and after each pulse of the potentiation and the
    depression train, ``x_up``/``x_down`` the states there; ``table`` (bins, 3)
    the response table (g, dg_plus, dg_minus) [S].
    """

    model: DeviceModel
    rendering: str
    protocol: Protocol
    sines: tuple[Waveforms, Waveforms]
    g_up: np.ndarray
    g_down: np.ndarray
    x_up: np.ndarray
    x_down: np.ndarray
    table: np.ndarray
    metrics: ResponseMetrics


def _quiet(message: str) -> None:
    """A progress sink that says nothing."""


def _run_sine(model: DeviceModel, protocol: Protocol, rendering: str,
              frequency: float) -> Waveforms:
    from .engines.transient import TransientSettings, run_ngspice_transient

    period = 1.0 / frequency
    settings = TransientSettings(t_stop=2.0 * period, max_step=period / STEPS_PER_SINE_PERIOD)
    deck = render_bench(sine_bench(model, protocol, frequency), rendering)
    waves = run_ngspice_transient(deck, settings)
    return waves.resample(np.linspace(0.0, waves.time[-1], 2 * SAMPLES_PER_PERIOD + 1))


def _run_train(model: DeviceModel, protocol: Protocol, rendering: str, train: PulseTrain,
               x0: float) -> tuple[np.ndarray, np.ndarray]:
    from .engines.transient import TransientSettings, run_ngspice_transient

    settings = TransientSettings(t_stop=protocol.pulses * train.period,
                                 max_step=train.period / STEPS_PER_PULSE)
    waves = run_ngspice_transient(render_bench(pulse_bench(model, train, x0), rendering),
                                  settings)
    g = read_after_pulses(model, waves, train.period, protocol.pulses)
    x = waves.resample(np.clip(train.period * np.arange(protocol.pulses + 1), 0.0,
                               waves.time[-1])).state[:, 0, 0]
    return g, x


def characterize_model(model: DeviceModel, protocol: Protocol, *, rendering: str = "behavioural",
                       bins: int = DEFAULT_BINS, progress: Progress = _quiet
                       ) -> Characterization:
    """Run the characterization of ``model`` with ``protocol`` in ngspice.

    ``progress`` gets one line per stage.

    Raises:
        DeviceModelError: 'verilog-a' for a model without a module, an ngspice
            without OSDI, or a module that does not compile.
        SimulationError: ngspice fails.
    """
    check_rendering(model, rendering)
    if rendering == "verilog-a":
        from .engines.toolchain import require_osdi

        require_osdi()
    label = f"{model.name} ({rendering})"
    sines = []
    for k, f in enumerate(protocol.frequencies, start=1):
        progress(f"{label}: sine {protocol.sine_amplitude:g} V at f{k} = {f:.4g} Hz, 2 periods")
        sines.append(_run_sine(model, protocol, rendering, f))
    up, down = protocol.potentiation(), protocol.depression()
    progress(f"{label}: {protocol.pulses} potentiation pulses of {up.v_pulse:+g} V, "
             f"{protocol.width:.4g} s")
    g_up, x_up = _run_train(model, protocol, rendering, up, protocol.x_pulses)
    lo, hi = model.state_bounds()
    progress(f"{label}: {protocol.pulses} depression pulses of {down.v_pulse:+g} V, "
             f"{protocol.width:.4g} s")
    g_down, x_down = _run_train(model, protocol, rendering, down,
                                float(np.clip(x_up[-1], lo, hi)))
    table = response_table(g_up, g_down, min(bins, protocol.pulses))
    areas = []
    for f, waves in zip(protocol.frequencies, sines, strict=True):
        loop = last_period(waves, f)
        areas.append(sum(lobe_areas(loop.voltage[:, 0], loop.current[:, 0, 0])))
    metrics = response_metrics(g_up, g_down, table, (areas[0], areas[1]),
                               float(np.mean(model.g_range())))
    return Characterization(model, rendering, protocol, (sines[0], sines[1]), g_up, g_down,
                            x_up, x_down, table, metrics)


# -- the output folder ----------------------------------------------------------------

def check_out_folder(out: str | Path, force: bool) -> None:
    """Refuse an output path that is a file, or a non-empty folder without ``force``.

    With ``force``, a characterization file's name taken by anything but a
    regular file (a folder, say) is refused too.

    Raises:
        RunDirError: the folder cannot be used.
    """
    p = Path(out)
    if p.exists() and not p.is_dir():
        raise RunDirError(f"output path {p} exists and is not a folder")
    if not p.is_dir():
        return
    entries = sorted(e.name for e in p.iterdir())
    if entries and not force:
        raise RunDirError(f"output folder {p} is not empty (it holds {entries[0]!r}); "
                          f"--force replaces the characterization files in it and keeps "
                          f"the rest")
    for name in CHARACTERIZATION_FILES:
        target = p / name
        if (target.exists() or target.is_symlink()) and not target.is_file():
            raise RunDirError(f"cannot replace {target}: it is not a regular file")


def write_files(out: str | Path, files: Mapping[str, bytes], force: bool) -> list[Path]:
    """Write ``files`` (name → content) into the folder ``out``, all or nothing.

    Every file is staged in full as ``.NAME.XXXXXXXX.tmp`` in ``out`` and fsynced;
    only then are they renamed into place. On a failure while staging, the
    staged files (and the folder, when this call created it) are removed and
    nothing of the targets has changed.

    Raises:
        RunDirError: the folder cannot be used (see :func:`check_out_folder`).
        OSError: the folder or a file cannot be written.
    """
    p = Path(out)
    check_out_folder(p, force)
    created = not p.exists()
    p.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[str, Path]] = []
    try:
        umask = os.umask(0)
        os.umask(umask)
        for name, data in files.items():
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=p)
            staged.append((tmp, p / name))
            os.chmod(tmp, 0o666 & ~umask)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
    except BaseException:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        if created:
            try:
                p.rmdir()
            except OSError:
                pass
        raise
    for tmp, target in staged:
        os.replace(tmp, target)
    return [target for _, target in staged]


def write_characterization(result: Characterization, out: str | Path, *,
                           force: bool = False) -> list[Path]:
    """Write the files of :data:`CHARACTERIZATION_FILES` for ``result`` into ``out``.

    Raises:
        RunDirError, OSError: as :func:`write_files`.
    """
    from .characterization_files import render_files

    return write_files(out, render_files(result), force)


# -- the whole command ----------------------------------------------------------------

def parse_parameters(items: tuple[str, ...] | list[str]) -> dict[str, float]:
    """``KEY=VALUE`` strings as a dict of numbers.

    Raises:
        UsageError: an item without ``=`` or a key given twice.
        DeviceModelError: a value that is not a number.
    """
    params: dict[str, float] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"--param needs KEY=VALUE, got {item!r}")
        if key in params:
            raise UsageError(f"--param {key!r} is given twice")
        try:
            params[key] = float(value)
        except ValueError:
            raise DeviceModelError(f"--param {key}: {value.strip()!r} is not a number") from None
    return params


def run_characterize(name: str, out: str | Path, *, rendering: str = "behavioural",
                     params: Mapping[str, float] | None = None, pulses: int = DEFAULT_PULSES,
                     amplitude: float | None = None, width: float | None = None,
                     frequency: float | None = None, force: bool = False,
                     progress: Progress = _quiet) -> tuple[Characterization, list[Path]]:
    """Characterize the registered model ``name`` and write its files into ``out``.

    Everything that can be refused (the model and its parameters, the rendering,
    the drives, the output folder) is checked before any simulation runs.

    Returns:
        The results and the paths written.

    Raises:
        DeviceModelError, UsageError: a bad model, parameter, rendering or drive.
        RunDirError: ``out`` cannot be used.
        SimulationError: ngspice fails.
    """
    model = make_device_model(name, **dict(params or {}))
    check_rendering(model, rendering)
    protocol = plan_protocol(model, pulses=pulses, amplitude=amplitude, width=width,
                             frequency=frequency)
    check_out_folder(out, force)
    result = characterize_model(model, protocol, rendering=rendering, progress=progress)
    progress(f"{model.name} ({rendering}): writing {Path(out)}")
    return result, write_characterization(result, out, force=force)
