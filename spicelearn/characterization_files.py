"""The files of a characterization, rendered in memory: CSV tables, figures, summary.

* ``iv.csv``: ``frequency,time,voltage,current,state`` [Hz, s, V, A, state unit],
  both sine runs, two periods each;
* ``iv.png``: the I–V loops (second period) at f₁ and f₂;
* ``response.csv``: ``pulse,polarity,amplitude,time,state,g`` — the read after
  each pulse (pulse 0 is the initial read; polarity +1 potentiation, −1
  depression; amplitude [V] the pulse level; time [s] of the read; g [S]);
* ``response.png``: g against pulse number;
* ``response_table.csv``: ``g,dg_plus,dg_minus`` [S] (``nan`` where the pulses of
  a polarity never came);
* ``summary.md``: model, parameters, drives and the figures of merit.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from .devices.catalog import parameter_docs
from .devices.characterize import FREQUENCY_RATIO
from .devices.figures_of_merit import balanced_rows, fit_exponent

if TYPE_CHECKING:  # the result type only: no import circle at run time
    from .characterization import Characterization

DPI = 90
"""Resolution of the figures [dots per inch]: small files, fit to commit."""
FIGSIZE = (5.0, 3.6)
"""Figure size [inch]."""



_PREFIXES = ((1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, ""), (1e-3, "m"), (1e-6, "µ"),
             (1e-9, "n"), (1e-12, "p"))


def si(value: float, unit: str) -> str:
    """``value`` with an SI prefix and three significant digits: ``si(1.226e-5, "s")`` is
    ``12.3 µs``."""
    if value == 0 or not np.isfinite(value):
        return f"{value:g} {unit}"
    for scale, prefix in _PREFIXES:
        if abs(value) >= scale * 0.9995:
            return f"{value / scale:.3g} {prefix}{unit}"
    return f"{value:.3g} {unit}"


def _csv(header: str, rows: Iterable[Iterable[float]]) -> bytes:
    lines = [header]
    lines += [",".join(f"{v:.10g}" for v in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def iv_csv(result: Characterization) -> bytes:
    """iv.csv (see the module docstring)."""
    rows = []
    for f, w in zip(result.protocol.frequencies, result.sines, strict=True):
        rows += [(f, t, v, i, x) for t, v, i, x in
                 zip(w.time, w.voltage[:, 0], w.current[:, 0, 0], w.state[:, 0, 0], strict=True)]
    return _csv("frequency,time,voltage,current,state", rows)


def response_csv(result: Characterization) -> bytes:
    """response.csv (see the module docstring)."""
    p = result.protocol
    n = p.pulses
    v_up, v_down = p.potentiation().v_pulse, p.depression().v_pulse
    rows = [(0, 0, 0.0, 0.0, result.x_up[0], result.g_up[0])]
    rows += [(k, 1, v_up, k * p.period, result.x_up[k], result.g_up[k]) for k in range(1, n + 1)]
    rows += [(n + k, -1, v_down, (n + k) * p.period, result.x_down[k], result.g_down[k])
             for k in range(1, n + 1)]
    return _csv("pulse,polarity,amplitude,time,state,g", rows)


def table_csv(result: Characterization) -> bytes:
    """response_table.csv (see the module docstring)."""
    return _csv("g,dg_plus,dg_minus", result.table)


def _png(fig: object) -> bytes:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)  # type: ignore[attr-defined]
    plt.close(fig)  # type: ignore[arg-type]
    return buf.getvalue()


def _title(result: Characterization) -> str:
    return f"{result.model.name} ({result.rendering})"


def iv_png(result: Characterization) -> bytes:
    """iv.png: I–V in the second period of each sine run."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=FIGSIZE, layout="constrained")
    peak = max(float(np.abs(w.current).max()) for w in result.sines)
    scale, unit = (1e3, "mA") if peak >= 1e-3 else (1e6, "µA")
    for f, w, style in zip(result.protocol.frequencies, result.sines, ("-", "--"), strict=True):
        half = len(w.time) // 2
        ax.plot(w.voltage[half:, 0], scale * w.current[half:, 0, 0], style, lw=1.4,
                label=si(f, "Hz"))
    ax.axhline(0.0, color="0.7", lw=0.6)
    ax.axvline(0.0, color="0.7", lw=0.6)
    ax.set_xlabel("voltage [V]")
    ax.set_ylabel(f"current [{unit}]")
    ax.set_title(f"{_title(result)}: pinched I–V loop", fontsize=10)
    ax.legend(fontsize=8, frameon=False)
    return _png(fig)


def response_png(result: Characterization) -> bytes:
    """response.png: read conductance against pulse number."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = result.protocol.pulses
    fig, ax = plt.subplots(figsize=FIGSIZE, layout="constrained")
    g_max = max(float(result.g_up.max()), float(result.g_down.max()))
    scale, unit = (1e3, "mS") if g_max >= 1e-3 else (1e6, "µS")
    if log_axis(result):
        ax.set_yscale("log")
    ax.plot(np.arange(n + 1), scale * result.g_up, "o-", ms=2.5, lw=1.0,
            label=f"potentiation ({result.protocol.potentiation().v_pulse:+g} V)")
    ax.plot(n + np.arange(n + 1), scale * result.g_down, "s-", ms=2.5, lw=1.0,
            label=f"depression ({result.protocol.depression().v_pulse:+g} V)")
    ax.axvline(n, color="0.7", lw=0.6)
    ax.set_xlabel("pulse number")
    ax.set_ylabel(f"read conductance [{unit}]")
    ax.set_title(f"{_title(result)}: {si(result.protocol.width, 's')} pulses", fontsize=10)
    ax.legend(fontsize=8, frameon=False)
    return _png(fig)


def log_axis(result: Characterization) -> bool:
    """Whether the response figure shows g on a logarithmic axis: when the trains are
    closer to linear in log g than in g (smaller fitted |ν₊| + |ν₋|)."""
    m = result.metrics
    linear = abs(m.nu_plus) + abs(m.nu_minus)
    logarithmic = (abs(fit_exponent(np.log(result.g_up)))
                   + abs(fit_exponent(np.log(result.g_down))))
    return bool(logarithmic < linear)


def _symmetric(result: Characterization) -> str:
    point = result.metrics.symmetric_point
    if point is not None:
        return f"{point:.4g} S"
    equal, rows = balanced_rows(result.table)
    return f"none (Δg₊ = Δg₋ within 1 % on {equal} of {rows} rows)" if equal else "none"


def summary_md(result: Characterization) -> bytes:
    """summary.md: model, parameters, drives and figures of merit."""
    model, p, m = result.model, result.protocol, result.metrics
    g_min, g_max = model.g_range()
    f1, f2 = p.frequencies
    docs = {d.name: d for d in parameter_docs(type(model))}
    lines = [f"# Characterization of `{model.name}` ({result.rendering})", "",
             f"Source: {model.source}.", "", "## Parameters", "",
             "| parameter | value | unit | meaning |", "|---|---|---|---|"]
    for key, value in model.parameters().items():
        d = docs.get(key)
        lines.append(f"| `{key}` | {value:.6g} | {d.unit if d else ''} | "
                     f"{d.meaning.rstrip('.') if d else ''} |")
    lines += ["", "## Drives", "",
              f"- Sine: {p.sine_amplitude:g} V at f1 = {f1:.4g} Hz and f2 = {f2:.4g} Hz "
              f"({FREQUENCY_RATIO:g} f1), two periods each, from state {p.x_sine:.4g}.",
              f"- Pulses: {p.pulses} of {p.potentiation().v_pulse:+g} V (potentiation), then "
              f"{p.pulses} of {p.depression().v_pulse:+g} V (depression); width {p.width:.4g} s, "
              f"rise = fall = {p.edge:.4g} s, period {p.period:.4g} s; from state "
              f"{p.x_pulses:.4g}; g read at 0 V at the end of every period.",
              "", "## Results", "", "| quantity | value |", "|---|---|",
              f"| R_on reached | {m.r_on:.4g} Ω |",
              f"| R_off reached | {m.r_off:.4g} Ω |",
              f"| R_off/R_on reached | {m.range_ratio:.4g} (model range {g_max / g_min:.4g}) |",
              f"| I–V lobe area at f1, f2 | {m.areas[0]:.4g} W, {m.areas[1]:.4g} W |",
              f"| mean Δg₊, mean Δg₋ per pulse (trains) | {m.mean_dg_plus:.4g} S, "
              f"{m.mean_dg_minus:.4g} S |",
              f"| asymmetry Δg₊ / Δg₋ at g = {m.asymmetry_at:.4g} S | {m.asymmetry:.4g} |",
              f"| symmetric point (Δg₊ = Δg₋) | {_symmetric(result)} |",
              f"| nonlinearity ν₊, ν₋ (fitted exponent) | {m.nu_plus:.3g}, {m.nu_minus:.3g} |",
              f"| step ratio max/min Δg₊, Δg₋ | {m.step_ratio_plus:.4g}, "
              f"{m.step_ratio_minus:.4g} |",
              "", "Mean Δg± are each train's total change over its pulses. The asymmetry "
              "is read from the response table at the middle of the model's conductance "
              "range (or the nearest conductance both trains visited). ν fits the normalized train "
              "y = (1 − e^(−νp))/(1 − e^(−ν)), p = pulse/N: 0 is linear, > 0 saturating, "
              "< 0 accelerating. The step ratio is the largest over the smallest change "
              "per pulse along a train.", "",
              "Files: `iv.csv`, `iv.png`, `response.csv`, `response.png`, "
              "`response_table.csv`.", ""]
    return "\n".join(lines).encode()


def render_files(result: Characterization) -> dict[str, bytes]:
    """Every characterization file by name, in the order of CHARACTERIZATION_FILES."""
    return {"iv.csv": iv_csv(result), "iv.png": iv_png(result),
            "response.csv": response_csv(result), "response.png": response_png(result),
            "response_table.csv": table_csv(result), "summary.md": summary_md(result)}
