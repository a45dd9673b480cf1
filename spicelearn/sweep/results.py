"""A sweep's results: ``results.csv``, ``results.md`` and the plots.

One row per cell, from its run folder's ``metrics.csv`` and its record:

==================  ==========================================================
column              meaning
==================  ==========================================================
cell, id            position in the sweep (1-based), cell id (its folder name)
<swept keys>        the cell's values, as written in TOML
status              ``done``, ``failed`` or ``pending`` (not run yet)
final_test_acc      test accuracy after the last epoch [1]
best_test_acc       best test accuracy of any epoch (0 included) [1], at ``best_epoch``
final_train_acc     training accuracy after the last epoch [1]
epochs              last epoch trained
train_time_s        wall time of the updates of all epochs [s]
time_per_epoch_s    ``train_time_s`` / ``epochs`` [s]
cell_time_s         wall time of the cell's task (loading, training, evaluating,
                    plots; only the resumed part for a resumed cell) [s]
pulses, energy_J    programming pulses and energy [J] of the whole run, when its
                    metrics hold them (``cum_pulses`` or ``pulses``; ``cum_energy``
                    or ``energy``): the last cumulative value, else the sum
dg_error_S          mean over the training epochs of their mean |realized −
                    desired| Δg [S] (metrics column ``dg_error``)
disturbance_S       largest half-select disturbance |Δg| of any epoch [S]
                    (metrics column ``disturbance``)
error               why the cell failed
==================  ==========================================================

Plots ``plots/test_acc_vs_<axis>.png``: the final test accuracy against each axis
of the grid with more than one value (a ``[[zip]]`` group is one axis), one line
per combination of the other axes. A swept ``seed`` is averaged over (mean, with
the standard deviation as error bars) unless it is the only axis.
"""

from __future__ import annotations

import csv
import io
import math
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..fileio import write_atomic
from .grid import Axis, Cell, Sweep, format_value

STAT_COLUMNS = ("status", "final_test_acc", "best_test_acc", "best_epoch", "final_train_acc",
                "epochs", "train_time_s", "time_per_epoch_s", "cell_time_s", "pulses",
                "energy_J", "dg_error_S", "disturbance_S", "error")
"""Columns of ``results.csv`` after ``cell``, ``id`` and the swept keys."""
_FROM_METRICS = {"pulses": ("cum_pulses", "pulses"), "energy_J": ("cum_energy", "energy")}
_OPTIONAL = {"pulses": "pulses", "energy_J": "energy [J]", "dg_error_S": "Δg error [S]",
             "disturbance_S": "disturbance [S]"}
"""Columns shown in ``results.md`` only when some cell has them, and their headers."""
_PLOT_NAME = re.compile(r"[^A-Za-z0-9._+-]+")


def read_metrics_rows(path: Path) -> list[dict[str, float]]:
    """Rows of a ``metrics.csv`` (every column that holds a number); [] if it is missing."""
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, csv.Error, UnicodeDecodeError):
        return []
    out = []
    for r in rows:
        vals: dict[str, float] = {}
        for k, v in r.items():
            try:
                vals[k] = float(v)
            except (TypeError, ValueError):
                continue
        if "epoch" in vals and "test_acc" in vals:
            out.append(vals)
    return out


def _from_metrics(rows: list[dict[str, float]], cum: str, per_epoch: str) -> float | None:
    if rows and cum in rows[-1]:
        return rows[-1][cum]
    if rows and all(per_epoch in r for r in rows):
        return math.fsum(r[per_epoch] for r in rows)
    return None


def cell_stats(folder: Path) -> dict[str, Any]:
    """The metrics columns of a cell's row, from its run folder (None where unknown)."""
    rows = read_metrics_rows(folder / "metrics.csv")
    stats: dict[str, Any] = dict.fromkeys(STAT_COLUMNS)
    if not rows:
        return stats
    last = rows[-1]
    best = max(rows, key=lambda r: r["test_acc"])
    epochs = int(last["epoch"])
    train_time = last.get("cum_train_time")
    stats.update(final_test_acc=last["test_acc"], best_test_acc=best["test_acc"],
                 best_epoch=int(best["epoch"]), final_train_acc=last.get("train_acc"),
                 epochs=epochs, train_time_s=train_time,
                 time_per_epoch_s=train_time / epochs if train_time is not None and epochs
                 else None)
    for column, (cum, per_epoch) in _FROM_METRICS.items():
        stats[column] = _from_metrics(rows, cum, per_epoch)
    trained = [r for r in rows if r["epoch"] >= 1]
    if trained and all("dg_error" in r for r in trained):
        stats["dg_error_S"] = statistics.fmean(r["dg_error"] for r in trained)
    if all("disturbance" in r for r in rows):
        stats["disturbance_S"] = max(r["disturbance"] for r in rows)
    return stats


@dataclass(frozen=True)
class Row:
    """One cell's row of the results."""

    cell: Cell
    stats: dict[str, Any]

    @property
    def done(self) -> bool:
        return self.stats["status"] == "done"


def make_row(cell: Cell, stats: dict[str, Any] | Path, status: str, error: str,
             cell_time: float | None) -> Row:
    """The row of ``cell`` from its metrics columns (or its run folder, to read them from)."""
    stats = cell_stats(stats) if isinstance(stats, Path) else dict(stats)
    stats.update(status=status, error=error, cell_time_s=cell_time)
    return Row(cell, stats)


def _cell_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def results_csv(sweep: Sweep, rows: Sequence[Row]) -> str:
    """The text of ``results.csv``."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["cell", "id", *sweep.keys, *STAT_COLUMNS])
    for r in rows:
        values = [v if isinstance(v, str) else format_value(v) for v in r.cell.values.values()]
        w.writerow([r.cell.index + 1, r.cell.id, *values,
                    *(_cell_text(r.stats[c]) for c in STAT_COLUMNS)])
    return buf.getvalue()


def write_csv(out: Path, sweep: Sweep, rows: Sequence[Row]) -> Path:
    """Write ``out/results.csv``."""
    return write_atomic(out / "results.csv", results_csv(sweep, rows))


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def _pct(v: float | None) -> str:
    return "" if v is None else f"{100 * v:.2f}"


def _sec(v: float | None) -> str:
    return "" if v is None else f"{v:.3g}"


def _optional_text(column: str, v: float | None) -> str:
    if v is None:
        return ""
    return str(round(v)) if column == "pulses" else f"{v:.4g}"


def markdown_table(sweep: Sweep, rows: Sequence[Row]) -> list[str]:
    """The results as a Markdown table (accuracies in %)."""
    extra = [c for c in _OPTIONAL if any(r.stats[c] is not None for r in rows)]
    head = ["cell", *(f"`{k}`" for k in sweep.keys), "status", "final test acc [%]",
            "best test acc [%]", "epochs", "train time [s]", "per epoch [s]", "cell time [s]",
            *(_OPTIONAL[c] for c in extra), "error"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        s = r.stats
        cells = [f"{r.cell.index + 1} `{r.cell.id}`",
                 *(_md(format_value(v)) for v in r.cell.values.values()), s["status"],
                 _pct(s["final_test_acc"]), _pct(s["best_test_acc"]),
                 _cell_text(s["epochs"]), _sec(s["train_time_s"]), _sec(s["time_per_epoch_s"]),
                 _sec(s["cell_time_s"]),
                 *(_optional_text(c, s[c]) for c in extra),
                 _md(s["error"] or "")]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


# --- plots ---------------------------------------------------------------------------------


def _numeric_axis(axis: Axis) -> bool:
    return len(axis.keys) == 1 and all(
        isinstance(r[0], int | float) and not isinstance(r[0], bool) for r in axis.rows)


def _plot_axes(sweep: Sweep) -> tuple[list[int], int | None]:
    """(indices of the axes plotted against, index of the seed axis averaged over or None)."""
    seed = next((i for i, a in enumerate(sweep.axes) if a.keys == ("seed",)), None)
    varied = [i for i, a in enumerate(sweep.axes) if len(a.rows) > 1]
    if seed is not None and varied == [seed]:
        return [seed], None
    return [i for i in varied if i != seed], seed


def plot_name(axis: Axis) -> str:
    """File name of the plot against ``axis``."""
    return "test_acc_vs_" + _PLOT_NAME.sub("_", "+".join(axis.keys)) + ".png"


def plot_results(out: Path, sweep: Sweep, rows: Sequence[Row]) -> list[Path]:
    """Final test accuracy against each axis, grouped by the others; returns the paths."""
    plotted, seed = _plot_axes(sweep)
    done = [r for r in rows if r.done and r.stats["final_test_acc"] is not None]
    if not done:
        return []
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    for ai in plotted:
        axis = sweep.axes[ai]
        others = [i for i in plotted if i != ai]
        groups: dict[tuple[int, ...], dict[int, list[float]]] = {}
        for r in done:
            g = tuple(r.cell.positions[i] for i in others)
            groups.setdefault(g, {}).setdefault(r.cell.positions[ai], []).append(
                100 * r.stats["final_test_acc"])
        numeric = _numeric_axis(axis)
        fig, ax = plt.subplots(figsize=(6, 3.8))
        for g, by_x in sorted(groups.items()):
            xs = sorted(by_x)
            xv = [axis.rows[x][0] if numeric else x for x in xs]
            means = [statistics.fmean(by_x[x]) for x in xs]
            errs = [statistics.pstdev(by_x[x]) if len(by_x[x]) > 1 else 0.0 for x in xs]
            label = ", ".join(f"{sweep.axes[i].label} = {sweep.axes[i].row_label(p)}"
                              for i, p in zip(others, g, strict=True)) or None
            ax.errorbar(xv, means, yerr=errs if any(errs) else None, fmt="o-", ms=4,
                        capsize=3, label=label)
        if numeric:
            vals = [r[0] for r in axis.rows]
            if min(vals) > 0 and max(vals) / min(vals) >= 100:
                ax.set_xscale("log")
        else:
            ax.set_xticks(range(len(axis.rows)),
                          [axis.row_label(i) for i in range(len(axis.rows))])
            ax.set_xlim(-0.5, len(axis.rows) - 0.5)
        lowest = min(100 * r.stats["final_test_acc"] for r in done)
        ax.set_ylim(max(0.0, 10 * math.floor(lowest / 10 - 0.5)), 101)
        ax.set_xlabel(axis.label)
        ax.set_ylabel("final test accuracy [%]")
        n_seeds = len(sweep.axes[seed].rows) if seed is not None else 1
        over = f" (mean ± std over {n_seeds} seeds)" if n_seeds > 1 else ""
        ax.set_title(f"test accuracy vs {axis.label}{over}", fontsize=10)
        ax.grid(True, alpha=0.3)
        if len(groups) > 1 and len(groups) <= 12:
            ax.legend(fontsize=7, loc="lower right")
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
        paths.append(write_atomic(out / "plots" / plot_name(axis), buf.getvalue()))
        plt.close(fig)
    return paths


def seed_summary(sweep: Sweep, rows: Sequence[Row]) -> list[str]:
    """Over the seeds: one row per combination of the other axes, with the mean and
    standard deviation of the final and best test accuracy over its finished cells
    and how many of them reached their run's ``training.target_accuracy``
    (converged). Empty when ``seed`` is not an axis of its own."""
    seed_axis = next((i for i, a in enumerate(sweep.axes) if a.keys == ("seed",)), None)
    if seed_axis is None:
        return []
    others = [i for i in range(len(sweep.axes)) if i != seed_axis]
    groups: dict[tuple[int, ...], list[Row]] = {}
    for r in rows:
        groups.setdefault(tuple(r.cell.positions[i] for i in others), []).append(r)
    head = [*(" / ".join(f"`{k}`" for k in sweep.axes[i].keys) for i in others), "seeds done",
            "final test acc [%] (mean ± sd)", "best test acc [%] (mean)", "converged"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for key, group in groups.items():
        done = [r for r in group if r.done and r.stats["final_test_acc"] is not None]
        finals = [100 * r.stats["final_test_acc"] for r in done]
        bests = [100 * r.stats["best_test_acc"] for r in done]
        hit = sum(r.stats["final_test_acc"] >= r.cell.config["training"]["target_accuracy"]
                  for r in done)
        target = group[0].cell.config["training"]["target_accuracy"]
        axes = [" / ".join(_md(format_value(v)) for v in sweep.axes[i].rows[pos])
                for i, pos in zip(others, key, strict=True)]
        sd = statistics.stdev(finals) if len(finals) > 1 else 0.0
        lines.append("| " + " | ".join([
            *axes, f"{len(done)}/{len(group)}",
            f"{statistics.fmean(finals):.1f} ± {sd:.1f}" if finals else "",
            f"{statistics.fmean(bests):.1f}" if bests else "",
            f"{hit}/{len(done)} (≥ {100 * target:g} %)"]) + " |")
    return lines


def write_markdown(out: Path, sweep: Sweep, rows: Sequence[Row], timing: Sequence[str],
                   plots: Sequence[Path]) -> Path:
    """Write ``out/results.md``: the table, the timing lines and the plots."""
    counts = {s: sum(r.stats["status"] == s for r in rows) for s in ("done", "failed", "pending")}
    swept = "; ".join(" with ".join(f"`{k}`" for k in a.keys) for a in sweep.axes)
    lines = ["# Sweep results", "",
             f"Sweep file `{_md(str(sweep.path))}`: {len(rows)} cells, {counts['done']} done, "
             f"{counts['failed']} failed" + (f", {counts['pending']} not run"
                                             if counts["pending"] else "") + f". Swept: {swept}.",
             "", *markdown_table(sweep, rows), "", "## Time", "", *timing]
    summary = seed_summary(sweep, rows)
    if summary:
        lines[4:4] = ["## Over the seeds", "", *summary, "", "## Every cell", ""]
    if plots:
        lines += ["", "## Plots", ""]
        lines += [f"![{p.stem}](plots/{p.name})" for p in plots]
    return write_atomic(out / "results.md", "\n".join(lines) + "\n")
