"""The resistance-range study, one command: the sweep, then its README table and figure.

    python examples/resistance_range_report.py [DIR]     # DIR defaults to runs/resistance_range

Runs ``spicelearn sweep examples/resistance_range.toml --out DIR --workers 2`` (finished
cells are skipped, so a second call only rebuilds the table), then reads
``DIR/results.csv``; writes ``DIR/resistance_range.md`` (per task, model ×
R_off/R_on: mean final held-out test accuracy over the seeds, and how many seeds
reached the task's target accuracy) and ``DIR/resistance_range.png``.
"""

from __future__ import annotations

import csv
import re
import statistics
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

MODELS = ("linear_ion_drift", "joglekar", "biolek", "vteam", "mms", "yakopcic", "ideal")
RATIOS = (2, 5, 10, 100, 1000)
TASKS = ("iris", "breast_cancer")


def ratio(device: str) -> int:
    """R_off/R_on of a swept device table (g_max/g_min for the ideal device)."""
    m = re.search(r"r_off = ([\d.e+]+)", device)
    if m:
        return round(float(m.group(1)) / float(re.search(r"r_on = ([\d.e+]+)", device)[1]))
    g_max = float(re.search(r"g_max = ([\d.e+-]+)", device)[1])
    return round(g_max / float(re.search(r"g_min = ([\d.e+-]+)", device)[1]))


def main(folder: Path) -> None:
    sweep = Path(__file__).resolve().parent / "resistance_range.toml"
    subprocess.run([str(Path(sys.executable).parent / "spicelearn"), "sweep", str(sweep), "--out",
                    str(folder), "--workers", "2"], check=True)
    rows = [r for r in csv.DictReader(open(folder / "results.csv")) if r["status"] == "done"]
    lines: list[str] = []
    fig, axes = plt.subplots(1, len(TASKS), figsize=(11, 4), layout="constrained")
    for ax, task in zip(axes, TASKS, strict=True):
        lines += [f"**{task}** (mean final test accuracy [%] over seeds; seeds reaching "
                  "the target)", "",
                  "| model | " + " | ".join(f"R_off/R_on = {r}" for r in RATIOS) + " |",
                  "|---|" + "---|" * len(RATIOS)]
        for model in MODELS:
            cells, means = [], []
            for r in RATIOS:
                sel = [x for x in rows if f'model = "{model}"' in x["network.devices"]
                       and ratio(x["network.devices"]) == r and x["data.dataset"] == task]
                if not sel:
                    cells.append("")
                    means.append(float("nan"))
                    continue
                accs = [100 * float(x["final_test_acc"]) for x in sel]
                hit = sum(float(x["final_test_acc"]) >= float(x["training.target_accuracy"])
                          for x in sel)
                means.append(statistics.fmean(accs))
                cells.append(f"{means[-1]:.1f} ({hit}/{len(sel)})")
            lines.append(f"| {model} | " + " | ".join(cells) + " |")
            ax.plot(RATIOS, means, "o-", label=model, ms=4)
        lines.append("")
        ax.set_xscale("log")
        ax.set_xlabel("R_off / R_on")
        ax.set_ylabel("final held-out test accuracy [%] (mean of seeds)")
        ax.set_title(task)
        ax.grid(True, which="both", alpha=0.3)
    axes[-1].legend(fontsize=8)
    fig.suptitle("EqProp in ngspice, pulse programmer: test accuracy against the resistance range")
    fig.savefig(folder / "resistance_range.png", dpi=110)
    total = sum(float(x["cell_time_s"] or 0) for x in rows)
    lines.append(f"{len(rows)} runs, {total:.0f} s of cell time.")
    (folder / "resistance_range.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("runs/resistance_range"))
