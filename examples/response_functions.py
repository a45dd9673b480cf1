"""Analog SGD against residual learning under power responses: least squares and digits.

Power-response devices (one pulse moves the normalized weight w by Δw_min·(1 − w)^γ up
or Δw_min·(1 + w)^γ down), γ ∈ {0.5, 1, 2, 4}; the problem of
``least_squares_problem(8, 4, seed=1)`` (optimum entries of magnitude 0.3–0.7, away from
the symmetric point w = 0); a stochastic gradient (noise σ = 0.03), α = 0.2 decaying
as 1/(1 + k/100), 10,000 steps, three seeds. Then the digits half: the sweep
``examples/response_functions.toml`` into ``OUT/digits`` (2 workers; finished cells are
skipped) and its table. Writes ``OUT/response_functions.md`` (the tables of the README)
and ``OUT/response_functions.png``.

    python examples/response_functions.py [OUT]      # OUT defaults to runs/response_functions
"""

from __future__ import annotations

import csv
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from spicelearn.devices.registry import make_device_model
from spicelearn.fileio import write_atomic
from spicelearn.learning.response_learning import (
    least_squares_problem,
    plot_least_squares,
    run_least_squares,
)

GAMMAS = (0.5, 1.0, 2.0, 4.0)
SEEDS = (0, 1, 2)
STEPS = 10_000


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    problem = least_squares_problem(8, 4, seed=1)
    rows, plotted = [], []
    t0 = time.perf_counter()
    for gamma in GAMMAS:
        device = make_device_model("power_response", gamma=gamma, tau=1.0)
        finals = {}
        for algorithm in ("analog_sgd", "residual"):
            runs = [run_least_squares(device, algorithm, STEPS, 0.2, problem=problem, seed=s,
                                      record_every=50) for s in SEEDS]
            finals[algorithm] = [r.distance[-1] for r in runs]
            plotted.append(runs[0])
        a, r = np.mean(finals["analog_sgd"]), np.mean(finals["residual"])
        # where analog SGD stalls: the share of weights pulled towards the symmetric point
        w = plotted[-2].weights
        towards = float(np.mean(np.abs(w) < np.abs(problem.w_opt)))
        rows.append(f"| {gamma:g} | {a:.4f} | {r:.5f} | {a / r:.1f} | {100 * towards:.0f} % |")
    plot = plot_least_squares(plotted, out / "response_functions.png")
    lines = ["| γ | analog SGD: distance to the optimum | residual learning | ratio | "
             "analog SGD weights nearer the symmetric point than the optimum |",
             "|---|---|---|---|---|", *rows, "",
             f"Distance: RMS of W − W* in normalized weight (range 2), mean over seeds "
             f"{', '.join(map(str, SEEDS))}, after {STEPS:,} steps; "
             f"{time.perf_counter() - t0:.1f} s in all. Plot: {plot.name} (seed 0)."]
    lines += ["", *digits(out / "digits")]
    write_atomic(out / "response_functions.md", "\n".join(lines) + "\n")
    print("\n".join(lines))


def digits(folder: Path) -> list[str]:
    """Run the digits sweep and tabulate rule × γ: mean ± sd of the final test accuracy."""
    sweep = Path(__file__).resolve().parent / "response_functions.toml"
    subprocess.run([str(Path(sys.executable).parent / "spicelearn"), "sweep", str(sweep),
                    "--out", str(folder), "--workers", "2"], check=True)
    rows = [r for r in csv.DictReader(open(folder / "results.csv")) if r["status"] == "done"]
    head = ["| rule | " + " | ".join(f"γ = {g:g}" for g in GAMMAS) + " |",
            "|---|" + "---|" * len(GAMMAS)]
    for rule, label in (("analog_sgd", "analog SGD"), ("residual", "residual learning")):
        cells = []
        for g in GAMMAS:
            acc = [100 * float(r["final_test_acc"]) for r in rows
                   if r["training.rule"] == rule and float(r["network.devices.gamma"]) == g]
            sd = statistics.stdev(acc) if len(acc) > 1 else 0.0
            cells.append(f"{statistics.fmean(acc):.1f} ± {sd:.1f} %" if acc else "")
        head.append(f"| {label} | " + " | ".join(cells) + " |")
    return head


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("runs/response_functions"))
