"""Validation: run two engines on the same circuit and compare them.

For N random input samples (uniform in ±0.5 V, seeded) and random one-hot class
targets with the MSE cost:

* ``max_abs_dv`` — the largest |V_ngspice − V_numeric| over every node and sample
  of the free phase [V];
* ``grad_cosine``, ``grad_rel_err`` — the EqProp estimate from ngspice (centered
  nudging ±β, ``learning.eqprop``) against the exact adjoint gradient from the
  numeric engine (``engines.numeric.adjoint_gradient``), over all samples and
  devices flattened: ``cos = ⟨est, exact⟩/(‖est‖·‖exact‖)``,
  ``rel_err = ‖est − exact‖/‖exact‖``.

* ``conduction`` — per hidden layer, the share of (diode, sample) pairs whose
  activation diode conducts at the free phase (forward current above 1 % of the
  mean device current at its node): a validation of a circuit that never leaves
  its linear regime says so.

Targets: :data:`MAX_ABS_DV` and :data:`MIN_COSINE`. Circuits without voltage
outputs (a crossbar with virtual-ground columns) get the voltage check only.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from ..engines.base import Engine
from ..engines.numeric import NumericEngine
from ..engines.regime import measure_conduction
from ..errors import ConfigError
from ..learning.costs import MSE
from ..learning.eqprop import eqprop_gradient
from ..learning.nudging import Nudging, settle_phases
from ..network.circuit import Circuit
from ..run_config import load_run_config

MAX_ABS_DV = 1e-6
"""Target: largest node-voltage difference between the engines [V]."""
MIN_COSINE = 0.999
"""Target: cosine between the ngspice EqProp estimate and the exact gradient."""
DEFAULT_BETA = 1e-6
"""Default nudging strength [S] (centered nudging ±β)."""


def random_batch(circuit: Circuit, n_samples: int,
                 seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(N, n_features) inputs uniform in ±0.5 V and (N, n_classes) one-hot targets."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-0.5, 0.5, (n_samples, circuit.n_features))
    n_classes = max(circuit.n_classes, 1)
    y = np.eye(n_classes)[rng.integers(0, n_classes, n_samples)]
    return x, y


def validate_circuit(circuit: Circuit, n_samples: int = 32, beta: float = DEFAULT_BETA,
                     seed: int = 0, reference: Engine | None = None,
                     numeric: NumericEngine | None = None,
                     batch: tuple[np.ndarray, np.ndarray] | None = None) -> dict[str, Any]:
    """Compare ngspice (``reference``) with the numeric engine on one circuit.

    Args:
        circuit: the circuit.
        n_samples: random samples to settle.
        beta: centered nudging strength β [S] for the EqProp estimate.
        seed: seed of the random inputs and targets.
        reference: the engine checked (default: a new NgspiceEngine).
        numeric: the numeric engine (default: a new one).
        batch: (inputs [V], one-hot targets) to use instead of random samples.

    Returns:
        A dict: ``n_samples``, ``n_devices``, ``n_nodes``, ``beta``, ``max_abs_dv``
        [V], ``grad_cosine``, ``grad_rel_err`` (None without outputs), per-engine
        wall times [s] and ms per sample, the numeric strategy, ``targets`` and
        ``passed``.
    """
    if n_samples <= 0:
        raise ConfigError(f"--samples must be > 0, got {n_samples}")
    nudging = Nudging.centered(beta)
    owned = reference is None
    if reference is None:
        from ..engines.ngspice import NgspiceEngine
        reference = NgspiceEngine()
    numeric = numeric or NumericEngine()
    try:
        x, y = random_batch(circuit, n_samples, seed) if batch is None else batch
        n_samples = len(x)
        cost = MSE()

        t0 = time.perf_counter()
        free_num = numeric.settle(circuit, x)
        t_num_settle = time.perf_counter() - t0
        t0 = time.perf_counter()
        free_ref = reference.settle(circuit, x)
        t_ref_settle = time.perf_counter() - t0
        max_abs_dv = float(np.abs(free_ref.v - free_num.v).max())
        conduction = measure_conduction(circuit, free_ref)

        cosine = rel_err = None
        t_ref_phases = t_adjoint = 0.0
        if circuit.outputs:
            t0 = time.perf_counter()
            phases = settle_phases(reference, circuit, x, y, cost, nudging)
            estimate = eqprop_gradient(phases, circuit.model)
            t_ref_phases = time.perf_counter() - t0
            t0 = time.perf_counter()
            dl = cost.grad(free_num.outputs, y, circuit.differential)
            exact = numeric.adjoint_gradient(circuit, free_num, dl)
            t_adjoint = time.perf_counter() - t0
            e, a = estimate.ravel(), exact.ravel()
            na, ne = np.linalg.norm(a), np.linalg.norm(e)
            cosine = float(e @ a / (na * ne)) if na > 0 and ne > 0 else float("nan")
            rel_err = float(np.linalg.norm(e - a) / na) if na > 0 else float("nan")
    finally:
        if owned:
            reference.close()

    passed = max_abs_dv <= MAX_ABS_DV and (cosine is None or cosine >= MIN_COSINE)
    return {
        "circuit": circuit.title,
        "n_samples": n_samples,
        "n_devices": circuit.n_devices,
        "n_nodes": len(circuit.nodes),
        "beta": float(beta),
        "nudging": "centered",
        "cost": cost.name,
        "seed": seed,
        "max_abs_dv": max_abs_dv,
        "conduction": {str(k): v for k, v in conduction.by_layer.items()},
        "n_diodes": len(conduction.diodes),
        "grad_cosine": cosine,
        "grad_rel_err": rel_err,
        "ngspice_settle_s": t_ref_settle,
        "ngspice_phases_s": t_ref_phases,
        "numeric_settle_s": t_num_settle,
        "numeric_adjoint_s": t_adjoint,
        "ngspice_ms_per_sample": 1e3 * t_ref_settle / n_samples,
        "numeric_ms_per_sample": 1e3 * t_num_settle / n_samples,
        "numeric_strategy": numeric.system(circuit).strategy,
        "targets": {"max_abs_dv": MAX_ABS_DV, "grad_cosine": MIN_COSINE},
        "passed": bool(passed),
    }


def validate_config(path: str | Path, n_samples: int = 32, beta: float = DEFAULT_BETA,
                    seed: int = 0) -> dict[str, Any]:
    """:func:`validate_circuit` on the circuit of a run config; adds ``config``."""
    circuit = load_run_config(path).circuit()
    return {"config": str(path), **validate_circuit(circuit, n_samples, beta, seed)}


def validate_run(run_dir: str | Path, n_samples: int = 32, beta: float = DEFAULT_BETA,
                 seed: int = 0) -> dict[str, Any]:
    """:func:`validate_circuit` on a trained run: the newest checkpoint's conductances,
    settled on up to ``n_samples`` samples of the run's test split (drawn with ``seed``)
    with their true classes as targets. Adds ``run`` and ``epoch``."""
    from .training import load_trained

    setup, circuit, epoch = load_trained(run_dir)
    ds = setup.dataset
    rng = np.random.default_rng(seed)
    pick = np.sort(rng.permutation(len(ds.y_test))[:n_samples])
    y = np.eye(circuit.n_classes)[ds.y_test[pick]]
    result = validate_circuit(circuit, beta=beta, seed=seed, batch=(ds.x_test[pick], y))
    return {"run": str(run_dir), "epoch": epoch, **result}


def format_report(result: dict[str, Any]) -> str:
    """The human-readable form of a validation result."""

    def mark(ok: bool) -> str:
        return "ok" if ok else "FAIL"

    t = result["targets"]
    lines = [
        f"validate {result.get('config', result.get('run', result['circuit']))}"
        + (f" (trained, epoch {result['epoch']}, test-split samples)" if "run" in result else "")
        + f": {result['n_samples']} samples, "
        f"{result['n_devices']} devices, {result['n_nodes']} nodes",
        f"  max |dV| ngspice vs numeric   {result['max_abs_dv']:.3e} V  "
        f"(target <= {t['max_abs_dv']:g}) {mark(result['max_abs_dv'] <= t['max_abs_dv'])}",
    ]
    cond = result["conduction"]
    if not result["n_diodes"]:
        lines.append("  conducting diodes             none in the circuit (a linear circuit)")
    else:
        lines.append("  conducting diodes             " + ", ".join(
            f"layer {k}: {100 * v:.1f} %" for k, v in cond.items())
            + " of (diode, sample) pairs")
        if all(v == 0 for v in cond.values()):
            lines.append("    no diode conducts on these samples: the circuit stayed linear, "
                         "so this checks only its linear regime")
    if result["grad_cosine"] is None:
        lines.append("  gradient check               skipped (no voltage outputs)")
    else:
        lines += [
            f"  EqProp (ngspice, centered beta={result['beta']:g} S) vs adjoint (numeric):",
            f"    cosine                     {result['grad_cosine']:.9f}  "
            f"(target >= {t['grad_cosine']:g}) {mark(result['grad_cosine'] >= t['grad_cosine'])}",
            f"    relative error             {result['grad_rel_err']:.3e}",
        ]
    lines += [
        f"  ngspice: free phase {result['ngspice_settle_s']:.3f} s "
        f"({result['ngspice_ms_per_sample']:.3f} ms/sample), nudged phases "
        f"{result['ngspice_phases_s']:.3f} s",
        f"  numeric ({result['numeric_strategy']}): free phase {result['numeric_settle_s']:.3f} s "
        f"({result['numeric_ms_per_sample']:.3f} ms/sample), adjoint "
        f"{result['numeric_adjoint_s']:.3f} s",
        "  passed" if result["passed"] else "  FAILED",
    ]
    return "\n".join(lines)
