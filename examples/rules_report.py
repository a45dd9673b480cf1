"""The rules compared, one command: both sweeps, then their README tables.

    python examples/rules_report.py            # runs/rules_linear and runs/rules_iris

Runs ``spicelearn sweep examples/rules_linear.toml --out runs/rules_linear`` and
``examples/rules_iris.toml --out runs/rules_iris`` (2 workers; finished cells are
skipped), then tabulates them.

Per sweep: one row per rule setting, the mean ± sd over the seeds of the final
held-out test accuracy and the mean training time per epoch; written to
``DIR/rules.md`` for each DIR and printed.
"""

from __future__ import annotations

import csv
import statistics
import subprocess
import sys
from pathlib import Path


def setting(row: dict[str, str]) -> str:
    rule = row["training.rule"]
    if rule == "eqprop":
        return f"EqProp, {row['training.nudging']}, β = {float(row['training.beta']):g} S"
    if rule == "coupled":
        return f"coupled learning, η = {float(row['training.eta']):g}"
    if rule == "geqprop":
        order = int(row["training.order"])
        return (f"generalized EqProp, order {order}"
                + (" (= EqProp, β = 1e-5 S)" if order == 1 else " (= coupled, η = 0.5)"))
    return f"Ω-learning, η = {float(row['training.eta']):g} S"


def table(folder: Path) -> list[str]:
    rows = [r for r in csv.DictReader(open(folder / "results.csv")) if r["status"] == "done"]
    groups: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        groups.setdefault(setting(r), []).append(r)
    lines = ["| rule | final test accuracy [%] (mean ± sd, 3 seeds) | time per epoch [s] |",
             "|---|---|---|"]
    for name, group in groups.items():
        acc = [100 * float(r["final_test_acc"]) for r in group]
        t = [float(r["time_per_epoch_s"]) for r in group]
        sd = statistics.stdev(acc) if len(acc) > 1 else 0.0
        lines.append(f"| {name} | {statistics.fmean(acc):.1f} ± {sd:.1f} | "
                     f"{statistics.fmean(t):.3f} |")
    return lines


def main(folders: list[Path]) -> None:
    here = Path(__file__).resolve().parent
    for folder in folders:
        sweep = here / f"{folder.name}.toml"
        cli = str(Path(sys.executable).parent / "spicelearn")
        subprocess.run([cli, "sweep", str(sweep), "--out", str(folder), "--workers", "2"],
                       check=True)
        lines = table(folder)
        (folder / "rules.md").write_text("\n".join(lines) + "\n")
        print(f"{folder}:", *lines, "", sep="\n")


if __name__ == "__main__":
    main([Path(a) for a in sys.argv[1:]] or [Path("runs/rules_linear"), Path("runs/rules_iris")])
