"""Plots (PNG) and ``report.md`` of a finished run.

* ``plots/loss.png``: train and test loss (mean cost at the free phase) per epoch.
* ``plots/accuracy.png``: train and test accuracy per epoch, with the target.
* ``plots/conductances.png``: per crossbar layer, the histogram of conductances
  [S] at the start and at the end (log-spaced bins over [g_min, g_max]).
* ``plots/trajectories.png``: the read conductance of a few devices per layer
  after every update (the pulses' steps, the range's bounds, stuck devices).
* ``plots/states.png``: per crossbar layer, the distribution of the device
  states at the start and at the end over the model's state bounds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..fileio import write_atomic
from ..learning.nonlinearity import NonlinearityCheck
from ..network.circuit import Circuit


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> Path:
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return write_atomic(path, buf.getvalue())


def plot_curves(metrics: list[dict[str, float]], folder: Path, title: str,
                target_accuracy: float) -> list[Path]:
    """Loss and accuracy curves; returns the written paths."""
    plt = _pyplot()
    ep = [r["epoch"] for r in metrics]
    out = []
    fig, ax = plt.subplots(figsize=(6, 3.8))
    ax.plot(ep, [r["loss"] for r in metrics], "o-", ms=3, label="train")
    ax.plot(ep, [r["test_loss"] for r in metrics], "s--", ms=3, label="test")
    ax.set_yscale("log")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean cost (free phase)")
    ax.set_title(f"{title}: loss")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    out.append(_save(fig, folder / "loss.png"))
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6, 3.8))
    ax.plot(ep, [100 * r["train_acc"] for r in metrics], "o-", ms=3, label="train")
    ax.plot(ep, [100 * r["test_acc"] for r in metrics], "s--", ms=3, label="test (held out)")
    ax.axhline(100 * target_accuracy, color="grey", lw=0.8, ls=":",
               label=f"target {100 * target_accuracy:g} %")
    ax.set_ylim(0, 101)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy [%]")
    ax.set_title(f"{title}: accuracy")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right")
    out.append(_save(fig, folder / "accuracy.png"))
    plt.close(fig)
    return out


def _start_end_histograms(circuit: Circuit, start: np.ndarray, end: np.ndarray,
                          bins: np.ndarray, log: bool, xlabel: str, bounds: tuple[float, ...],
                          path: Path, suptitle: str) -> Path:
    """One panel per crossbar layer: histograms of ``start`` and ``end`` over ``bins``."""
    plt = _pyplot()
    slices = circuit.layer_slices()
    fig, axes = plt.subplots(1, len(slices), figsize=(4.4 * len(slices), 3.6), squeeze=False,
                             layout="constrained")
    for i, (ax, sl) in enumerate(zip(axes[0], slices, strict=True), start=1):
        ax.hist(start[sl], bins=bins, alpha=0.6, label="start")
        ax.hist(end[sl], bins=bins, alpha=0.6, label="end", histtype="stepfilled")
        for bound in bounds:
            ax.axvline(bound, color="grey", lw=0.8, ls=":")
        if log:
            ax.set_xscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("devices")
        shape = circuit.layer_shapes[i - 1] if circuit.layer_shapes else None
        ax.set_title(f"layer {i}" + (f" ({shape[0]}×{shape[1]})" if shape else ""))
        ax.grid(True, alpha=0.3)
        ax.legend()
    fig.suptitle(suptitle)
    out = _save(fig, path)
    plt.close(fig)
    return out


def plot_conductances(circuit: Circuit, g_start: np.ndarray, g_end: np.ndarray,
                      folder: Path, title: str) -> Path:
    """Per-layer histograms of the conductances at the start and the end."""
    return _start_end_histograms(
        circuit, g_start, g_end, np.geomspace(circuit.g_min, circuit.g_max, 41), True,
        "conductance g [S] (dotted: g_min, g_max)", (circuit.g_min, circuit.g_max),
        folder / "conductances.png", f"{title}: conductances")


def plot_trajectories(circuit: Circuit, trajectory: np.ndarray, tracked: np.ndarray,
                      updates_per_epoch: int, folder: Path, title: str) -> Path:
    """Conductance of the tracked devices after every update, one panel per layer."""
    plt = _pyplot()
    slices = circuit.layer_slices()
    fig, axes = plt.subplots(1, len(slices), figsize=(4.6 * len(slices), 3.6), squeeze=False,
                             layout="constrained")
    epochs = np.arange(len(trajectory)) / max(updates_per_epoch, 1)
    for i, (ax, sl) in enumerate(zip(axes[0], slices, strict=True), start=1):
        for k, dev in enumerate(tracked):
            if sl.start <= dev < sl.stop:
                ax.step(epochs, trajectory[:, k], where="post", lw=1.0,
                        label=circuit.devices[dev].name)
        for bound in (circuit.g_min, circuit.g_max):
            ax.axhline(bound, color="grey", lw=0.8, ls=":")
        ax.set_yscale("log")
        ax.set_xlabel("epoch (one step per update)")
        ax.set_ylabel("read conductance g [S]")
        ax.set_title(f"layer {i}")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(f"{title}: conductance trajectories (dotted: g_min, g_max)")
    path = _save(fig, folder / "trajectories.png")
    plt.close(fig)
    return path


def plot_states(circuit: Circuit, x_start: np.ndarray, x_end: np.ndarray, folder: Path,
                title: str) -> Path:
    """Per-layer histograms of the device states at the start and the end."""
    lo, hi = circuit.model.state_bounds()
    log = circuit.model.name == "ideal" or (lo > 0 and hi / lo > 100)
    bins = np.geomspace(lo, hi, 41) if log else np.linspace(lo, hi, 41)
    return _start_end_histograms(
        circuit, x_start, x_end, bins, log, f"state x of {circuit.model.name} ([{lo:g}, {hi:g}])",
        (), folder / "states.png", f"{title}: device states")


def nonideal_row(net: dict[str, Any]) -> list[str]:
    """The report row of the non-idealities that are on (none: no row)."""
    from ..network.device_config import NONIDEAL_KEYS

    on = [f"{k} {net['devices'][k]:g}" for k in NONIDEAL_KEYS if k in net.get("devices", {})]
    return [f"| non-idealities | {', '.join(on)} |"] if on else []


def time_to_accuracy(metrics: list[dict[str, float]], target: float) -> tuple[int, float] | None:
    """(epoch, cumulative training time [s]) of the first epoch with test_acc ≥ target."""
    for r in metrics:
        if r["test_acc"] >= target - 1e-12:
            return int(r["epoch"]), float(r["cum_train_time"])
    return None


def nonlinearity_lines(check: NonlinearityCheck) -> list[str]:
    """The report's "Nonlinearity" section (Markdown lines)."""
    lines = ["## Nonlinearity (test split, final conductances)", "",
             "| | |", "|---|---|"]
    if check.conduction:
        for layer, share in check.conduction.items():
            lines.append(f"| conducting diodes, hidden layer {layer} | {100 * share:.1f} % of "
                         f"(diode, sample) pairs |")
    else:
        lines.append("| conducting diodes | the network has no activation diodes |")
    ablated = ("-" if check.ablated_accuracy is None
               else f"{100 * check.ablated_accuracy:.2f} %")
    lines += [f"| accuracy as trained | {100 * check.accuracy:.2f} % |",
              f"| accuracy without activations (diodes taken out, settled again) | {ablated} |",
              f"| linear baseline (logistic regression, same split and encoding) | "
              f"{100 * check.linear_accuracy:.2f} % |",
              f"| programmable devices ({check.device_model}) | largest \\|ΔV\\| "
              f"{check.device_max_dv:.3g} V; I–V departs from ohmic by at most "
              f"{100 * check.device_departure:.3g} % |", "",
              "A diode conducts when its forward current exceeds 1 % of the mean device "
              "current at its node. A network whose diodes never conduct is linear: it "
              "scores the same without them, and about what the linear baseline scores.", ""]
    return lines


def programming_row(training: dict[str, Any], trained: list[dict[str, float]]) -> str:
    """The summary row of the programming: the programmer and, per epoch (mean over the
    trained epochs), pulses, energy [J], mean |realized − desired| Δg [S] and the
    largest half-select disturbance [S]."""
    name = training["programmer"]
    if name != "ideal":
        name += f" ({training.get('pulse_scheme', 'identical')})"

    def mean(key: str) -> float:
        return float(np.mean([r.get(key, 0.0) for r in trained])) if trained else 0.0

    worst = max((r.get("disturbance", 0.0) for r in trained), default=0.0)
    return (f"| programming | {name}: per epoch {mean('pulses'):.0f} pulses, "
            f"{mean('energy'):.3g} J, mean \\|realized − desired\\| Δg "
            f"{mean('dg_error'):.3g} S, largest disturbance {worst:.3g} S |")


def write_report(run_dir: Path, resolved: dict[str, Any], circuit: Circuit,
                 metrics: list[dict[str, float]], engine: str, n_train: int,
                 n_test: int, nonlinearity: NonlinearityCheck, rule: str = "EqProp") -> Path:
    """Write ``report.md`` summarizing a run (the plots must already exist)."""
    t, d, net = resolved["training"], resolved["data"], resolved["network"]
    last = metrics[-1]
    best = max(metrics, key=lambda r: r["test_acc"])
    trained = [r for r in metrics if r["epoch"] > 0]
    per_epoch = float(np.mean([r["train_time"] for r in trained])) if trained else 0.0
    per_epoch_all = float(np.mean([r["epoch_time"] for r in trained])) if trained else 0.0
    hit = time_to_accuracy(metrics, t["target_accuracy"])
    sizes = "-".join(str(s) for s in (net.get("inputs"), *net.get("hidden", []),
                                      net.get("outputs")))
    reach = (f"epoch {hit[0]}, after {hit[1]:.2f} s of training" if hit
             else "not reached")
    lines = [
        f"# spicelearn run: {d['dataset']}",
        "",
        "| | |", "|---|---|",
        f"| dataset | {d['dataset']}: {n_train} training, {n_test} test samples "
        f"(inputs ±{d['scale']:g} V) |",
        f"| network | {net.get('name')} {sizes}, {circuit.n_devices} devices in "
        f"{len(circuit.layer_sizes)} layers, g ∈ [{circuit.g_min:g}, {circuit.g_max:g}] S"
        + ("" if circuit.model.name == "ideal" else
           f", {circuit.model.name} devices ({circuit.device_rendering})") + " |",
        f"| engine | {engine} (workers {t['workers']}) |",
        f"| rule | {rule}, cost {t['cost']} |",
        f"| optimizer | {t['optimizer']}, lr {t['lr']}, schedule {t['schedule']}, "
        f"batch {t['batch_size']} |",
        f"| epochs | {last['epoch']} |",
        f"| final test accuracy | {100 * last['test_acc']:.2f} % "
        f"(train {100 * last['train_acc']:.2f} %) |",
        f"| best test accuracy | {100 * best['test_acc']:.2f} % (epoch {best['epoch']}) |",
        f"| time per epoch | {per_epoch:.3f} s training, {per_epoch_all:.3f} s with evaluation |",
        f"| total training time | {last['cum_train_time']:.2f} s |",
        programming_row(t, trained),
        *nonideal_row(net),
        f"| test accuracy ≥ {100 * t['target_accuracy']:g} % | {reach} |",
        "",
        *nonlinearity_lines(nonlinearity),
        "![loss](plots/loss.png)",
        "",
        "![accuracy](plots/accuracy.png)",
        "",
        "![conductances](plots/conductances.png)",
        "",
        "![trajectories](plots/trajectories.png)",
        "",
        "![states](plots/states.png)",
        "",
        "Per-epoch numbers: `metrics.csv`; resolved config: `config.toml`.",
        "",
    ]
    return write_atomic(run_dir / "report.md", "\n".join(lines))
