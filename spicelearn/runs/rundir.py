"""The run folder: resolved config, run id, metrics.

Layout of ``DIR`` (which files it owns, the claim and the lock: ``runs/folder.py``)::

    config.toml          the resolved config (every default filled in)
    run.json             run id, dataset/network summary, engine (written last: the claim)
    metrics.csv          one row per epoch (epoch 0 = before training)
    checkpoints/         epoch_NNNN.npz + epoch_NNNN.json (checkpoint.py)
    plots/               loss.png, accuracy.png, conductances.png
    report.md            the run summarized
    .spicelearn-manifest.json, .spicelearn.lock
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
from pathlib import Path
from typing import Any

from ..fileio import write_atomic

METRIC_COLUMNS = ("epoch", "loss", "train_acc", "test_acc", "test_loss", "epoch_time",
                  "train_time", "cum_train_time", "pulses", "energy", "dg_error", "disturbance")
"""metrics.csv columns; the last four are the epoch's programming: pulses, energy [J],
mean |realized − desired| Δg [S], largest half-select disturbance |Δg| [S]."""


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def dump_toml(data: dict[str, Any]) -> str:
    """TOML text for nested dicts of numbers, strings, booleans and lists."""
    out: list[str] = []

    def table(d: dict[str, Any], name: str) -> None:
        scalars = {k: v for k, v in d.items() if not isinstance(v, dict)}
        if name and (scalars or not any(isinstance(v, dict) for v in d.values())):
            out.append(f"\n[{name}]")
        for k, v in scalars.items():
            out.append(f"{k} = {_toml_value(v)}")
        for k, v in d.items():
            if isinstance(v, dict):
                table(v, f"{name}.{k}" if name else k)

    table(data, "")
    return "\n".join(out).lstrip("\n") + "\n"


def run_id_of(resolved: dict[str, Any]) -> str:
    """A short hash of the resolved config; ``training.workers`` does not count."""
    d = json.loads(json.dumps(resolved))
    d.get("training", {}).pop("workers", None)
    text = json.dumps(d, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def write_metrics(path: str | Path, rows: list[dict[str, float]]) -> Path:
    """Write all metrics rows as CSV (atomically)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(METRIC_COLUMNS), lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: (int(r[k]) if k == "epoch" else f"{float(r.get(k, 0.0)):.6g}")
                    for k in METRIC_COLUMNS})
    return write_atomic(path, buf.getvalue())


def read_metrics(path: str | Path) -> list[dict[str, float]]:
    with Path(path).open(newline="") as fh:
        return [{k: (int(v) if k == "epoch" else float(v)) for k, v in row.items()}
                for row in csv.DictReader(fh)]


def resolve_network_table(table: dict[str, Any]) -> dict[str, Any]:
    """The ``[network]`` table with every default filled in (from its config model)."""
    from ..network.config import check_network

    return check_network(table).as_dict()
