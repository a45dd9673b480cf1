"""The settle benchmark: four ways to settle the same samples of the same network.

* ``rebuild``: per sample, build a PySpice ``Circuit`` object and run
  ``simulator().operating_point()`` (rebuilds and reloads the netlist every
  time, the way existing SPICE-in-the-loop tools do);
* ``alter_op``: load the static netlist once, per sample ``alter`` every input
  source and run ``op``;
* ``batched``: :class:`~spicelearn.engines.ngspice.NgspiceEngine` (one DC sweep
  per block of samples);
* ``batched_<N>w`` (with ``workers`` > 1): the batched engine over N worker
  processes;
* ``batched_va`` (with ``device`` a model that has a Verilog-A module and an
  ngspice with OSDI): the batched engine with ``rendering = "verilog-a"``;
* ``numeric``: :class:`~spicelearn.engines.numeric.NumericEngine`, if present.

``device`` names a registered device model (``spicelearn bench settle --device
yakopcic``): every network is then built with that model's devices (its default
parameters and initial conductance range) instead of ideal resistors.

Reports ms/sample, the ratio of each to ``batched``, and the largest node-voltage
difference [V] of each to ``batched`` on the samples both settled (equal accuracy).
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import numpy as np

from ..devices.registry import DEVICE_MODELS
from ..errors import UsageError
from ..netlist.devices import alter_command, device_form, device_lines, device_values
from ..netlist.render import DEFAULT_OPTIONS, fmt, render_netlist
from ..network.circuit import Circuit, DiodeModel, IdealDiodeModel
from ..network.from_config import build_circuit, network_from_config
from ._ngspice_session import session
from .base import check_circuit, check_count, make_settled
from .ngspice import NgspiceEngine
from .regime import measure_conduction

#: The Iris network of examples/iris.toml (4-10-3, differential outputs, ideal
#: diodes clamping at ±50 mV, 172 devices), seed 0: written here so that the bench
#: runs from an installed package (a test checks it equals the example).
IRIS = {"name": "iris", "inputs": 4, "hidden": [10], "outputs": 3, "differential": True,
        "bias": [0.5, -0.5],
        "diode": {"kind": "ideal", "g_on": 1e-2, "v_smooth": 1e-3, "v_hi": 0.05,
                  "v_lo": -0.05},
        "devices": {"g_min": 1e-5, "g_max": 1e-2, "init_low": 1e-4, "init_high": 1e-3}}

#: The large benchmark network: 64 inputs -> 32 hidden -> 10 differential outputs,
#: 2 bias sources per layer: (128+2)*32 + (32+2)*20 = 4,840 devices; its hidden
#: diodes are SPICE diodes to 0 V that never conduct at ±0.5 V (a linear circuit).
LARGE = {"inputs": 64, "hidden": [32], "outputs": 10, "differential": True,
         "bias": [0.5, -0.5], "diode": {"kind": "spice", "is": 1e-14, "n": 1.0,
                                        "v_hi": 0.0, "v_lo": 0.0}}
#: The same network with ideal diodes clamping the hidden nodes at ±10 mV: about
#: a fifth of the (diode, sample) pairs conduct on the bench's random inputs.
LARGE_CONDUCTING = {**LARGE, "diode": {"kind": "ideal", "v_hi": 0.01, "v_lo": -0.01}}
NETWORKS = ("iris", "large", "conducting", "both")
"""``--network`` choices: ``both`` is iris, large and conducting."""



def check_network(which: object) -> str:
    """``which`` if it names a benchmark network (:data:`NETWORKS`); else UsageError."""
    if which not in NETWORKS:
        raise UsageError(f"unknown benchmark network {which!r} (known: {', '.join(NETWORKS)})")
    return str(which)


def check_device(device: object) -> str | None:
    """``device`` if it is None or a registered device model's name; else UsageError."""
    if device is None or device in DEVICE_MODELS:
        return device  # type: ignore[return-value]
    raise UsageError(f"unknown device model {device!r} (known: {', '.join(DEVICE_MODELS)})")


def with_device(table: dict[str, Any], device: str | None,
                rendering: str | None = None) -> dict[str, Any]:
    """A ``[network]`` table with ``[network.devices]`` replaced by ``device``'s defaults
    (and ``rendering``, when given and the model has a Verilog-A module)."""
    if device is None:
        return table
    has_module = bool(DEVICE_MODELS[device].verilog_a)
    devices = {"model": device} | ({"rendering": rendering} if rendering and has_module else {})
    return {**table, "devices": devices}


def bench_networks(which: str, device: str | None = None,
                   rendering: str | None = None) -> dict[str, Circuit]:
    """The circuits named by ``which`` (one of :data:`NETWORKS`), with ``device``'s devices
    (rendered as ``rendering``, when given)."""
    check_network(which)
    check_device(device)
    out: dict[str, Circuit] = {}
    if which in ("iris", "both"):
        out["iris"] = build_circuit(network_from_config(with_device(IRIS, device, rendering),
                                                        seed=0))
    if which in ("large", "both"):
        out["large"] = build_circuit(network_from_config(with_device(LARGE, device, rendering),
                                                         seed=0))
    if which in ("conducting", "both"):
        out["large_conducting"] = build_circuit(
            network_from_config(with_device(LARGE_CONDUCTING, device, rendering), seed=0))
    return out


def _pyspice_circuit(circuit: Circuit, x: np.ndarray):  # noqa: ANN202 - PySpice type
    """A PySpice ``Circuit`` object of the static form for one sample."""
    from PySpice.Spice.Netlist import Circuit as PyCircuit

    pc = PyCircuit(circuit.title)
    drive = {d.source: d for d in circuit.inputs}
    for m in circuit.models.values():
        if isinstance(m, DiodeModel):
            pc.model(m.name, "D", IS=m.IS, N=m.N)
        elif isinstance(m, IdealDiodeModel):
            from ..devices import read_device_model
            pc.raw_spice = read_device_model("ideal_diode.lib")
    for el in circuit.elements:
        name = el.name[1:]
        if el.kind == "V":
            d = drive.get(el.name)
            value = el.value if d is None else d.sign * float(x[d.feature])
            pc.V(name, *el.nodes, value)
        elif el.kind == "I":
            pc.I(name, *el.nodes, el.value)
        elif el.kind == "R":
            pc.R(name, *el.nodes, el.value)
        elif el.kind == "D":
            pc.D(name, *el.nodes, model=el.model)
        elif el.kind == "E":
            pc.VCVS(name, *el.nodes, voltage_gain=el.value)
        elif el.kind == "F":
            pc.CCCS(name, *el.nodes, source=el.control, current_gain=el.value)
        elif el.kind == "B":
            m = circuit.models[el.model or ""]
            pc.raw_spice += (f"\n{el.name} {' '.join(el.nodes)} ideal_diode "
                             f"params: gon={m.g_on!r} vs={m.v_smooth!r}")
    if device_form(circuit) == "resistor":
        for dev, g in zip(circuit.devices, circuit.g, strict=True):
            pc.R(dev.name[1:], dev.a, dev.b, 1.0 / g)
    else:  # B-sources (the behavioural rendering of a nonlinear model)
        pc.raw_spice += "\n" + "\n".join(device_lines(circuit, fmt))
    return pc


def settle_rebuild(circuit: Circuit, x: np.ndarray) -> np.ndarray:
    """(B, n_nodes) voltages [V]: a PySpice Circuit built and simulated per sample."""
    nodes = [n.lower() for n in circuit.nodes]
    out = np.empty((x.shape[0], len(nodes)))
    for i, row in enumerate(x):
        sim = _pyspice_circuit(circuit, row).simulator(simulator="ngspice-shared")
        sim.options(**DEFAULT_OPTIONS)
        op = sim.operating_point()
        out[i] = [float(np.asarray(op.nodes[n])[0]) for n in nodes]
    session().reset()  # PySpice never removes its circuits
    return out


def settle_alter_op(circuit: Circuit, x: np.ndarray) -> np.ndarray:
    """(B, n_nodes) voltages [V]: static netlist loaded once, ``alter`` sources + ``op``."""
    s = session()
    form = device_form(circuit)
    values = device_values(circuit, form)
    s.load(render_netlist(circuit).replace(".op\n", ""), "alter_op", values)
    for dev, value in zip(circuit.devices, values, strict=True):
        s.command(alter_command(form, dev.name, value))
    nodes = [n.lower() for n in circuit.nodes]
    out = np.empty((x.shape[0], len(nodes)))
    for i, row in enumerate(x):
        for d in circuit.inputs:
            s.command(f"alter {d.source.lower()} dc = {d.sign * float(row[d.feature])!r}")
        s.command("op")
        plot = s.current_plot()
        out[i] = [s.vector(plot, n)[0] for n in nodes]
        s.destroy_plots()
    s.reset()
    return out


def _timed(fn: Any, *args: Any) -> tuple[np.ndarray, float]:
    t = time.perf_counter()
    v = fn(*args)
    return v, time.perf_counter() - t


def bench_network(circuit: Circuit, samples: int, seed: int = 0,
                  rebuild_samples: int = 5, alter_samples: int = 50,
                  workers: int = 1) -> dict[str, Any]:
    """Time the four approaches on one circuit; see the module docstring.

    ``workers`` > 1 adds a row ``batched_<N>w``: the batched engine split over
    N worker processes (each with its own ngspice). A circuit whose device model
    has a Verilog-A module adds ``batched_va`` when ngspice has OSDI.

    Raises:
        UsageError: a count below 1 (``seed`` below 0), or an argument of the wrong type.
    """
    check_circuit(circuit)
    samples, seed, rebuild_samples, alter_samples, workers = _check_sizes(
        samples, seed, rebuild_samples, alter_samples, workers)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-0.5, 0.5, size=(samples, circuit.n_features))
    nr, na = min(samples, rebuild_samples), min(samples, alter_samples)
    results: dict[str, tuple[np.ndarray, float, int]] = {}
    with NgspiceEngine() as eng:
        eng.settle(circuit, x[:1])  # load once (not timed: the hot loop never reloads)
        before = _total_iterations()
        v, t = _timed(lambda: eng.settle(circuit, x).v)
        iterations = (_total_iterations() - before) / samples if before is not None else None
        results["batched"] = (v, t, samples)
    if workers > 1:
        block = -(-samples // workers)  # one block per worker
        with NgspiceEngine(workers=workers, block=block) as eng:
            eng.settle(circuit, x[: 2 * workers])  # start the workers, load the circuit
            v, t = _timed(lambda: eng.settle(circuit, x).v)
            results[f"batched_{workers}w"] = (v, t, samples)
    if circuit.model.verilog_a and _has_osdi():
        va = replace(circuit, device_rendering="verilog-a")
        with NgspiceEngine() as eng:
            eng.settle(va, x[:1])
            v, t = _timed(lambda: eng.settle(va, x).v)
            results["batched_va"] = (v, t, samples)
    v, t = _timed(settle_alter_op, circuit, x[:na])
    results["alter_op"] = (v, t, na)
    v, t = _timed(settle_rebuild, circuit, x[:nr])
    results["rebuild"] = (v, t, nr)
    try:
        from .numeric import NumericEngine
    except ImportError:
        NumericEngine = None  # noqa: N806
    if NumericEngine is not None:
        num = NumericEngine()
        num.settle(circuit, x[:1])
        v, t = _timed(lambda: num.settle(circuit, x).v)
        results["numeric"] = (v, t, samples)
    vb = results["batched"][0]
    ms = {k: 1e3 * t / n for k, (_, t, n) in results.items()}
    conduction = measure_conduction(circuit, make_settled(circuit, vb))
    return {
        "device": circuit.model.name,
        "n_devices": circuit.n_devices,
        "n_nodes": len(circuit.nodes),
        "conducting_share": conduction.overall if conduction.diodes else None,
        "ngspice_iterations_per_sample": iterations,
        "samples": {k: n for k, (_, _, n) in results.items()},
        "ms_per_sample": ms,
        "ratio_to_batched": {k: ms[k] / ms["batched"] for k in ms},
        "max_abs_dv_to_batched": {k: float(np.max(np.abs(v - vb[: len(v)])))
                                  for k, (v, _, _) in results.items() if k != "batched"},
    }


def run_bench(network: str = "both", samples: int = 1000, seed: int = 0,
              rebuild_samples: int = 5, alter_samples: int = 50,
              workers: int = 1, device: str | None = None) -> dict[str, Any]:
    """The benchmark report: one entry per network (see :func:`bench_network`).

    ``device`` builds every network with that device model (None: ideal resistors).

    Raises:
        UsageError: an unknown network or device model, or a size out of range,
            before anything runs.
    """
    check_network(network)
    check_device(device)
    _check_sizes(samples, seed, rebuild_samples, alter_samples, workers)
    return {name: bench_network(c, samples, seed, rebuild_samples, alter_samples, workers)
            for name, c in bench_networks(network, device).items()}


def _has_osdi() -> bool:
    from ._ngspice_session import features

    return features().osdi


def _total_iterations() -> int | None:
    """ngspice's count of Newton iterations of the loaded circuit (``rusage totiter``)."""
    for line in session().command_output("rusage totiter"):
        if "iterations" in line.lower() and "=" in line:
            return int(line.split("=")[1])
    return None


def _check_sizes(samples: object, seed: object, rebuild_samples: object,
                 alter_samples: object, workers: object) -> tuple[int, int, int, int, int]:
    """The benchmark's sizes as ints: every count >= 1, the seed >= 0."""
    return (check_count(samples, "samples"), check_count(seed, "seed", minimum=0),
            check_count(rebuild_samples, "rebuild_samples"),
            check_count(alter_samples, "alter_samples"), check_count(workers, "workers"))


def format_report(report: dict[str, Any]) -> str:
    """The report as a table: ms/sample, ratio to batched, max |ΔV| to batched."""
    lines = []
    for name, r in report.items():
        share = r.get("conducting_share")
        regime = ("no activation diodes" if share is None
                  else f"{100 * share:.1f} % of (diode, sample) pairs conduct")
        its = r.get("ngspice_iterations_per_sample")
        its = "" if its is None else f"; ngspice {its:.2f} Newton iterations per sample"
        device = r.get("device", "ideal")
        lines.append(f"{name}: {r['n_devices']} {device} devices, {r['n_nodes']} nodes; "
                     f"{regime}{its}")
        lines.append(f"  {'approach':10s} {'samples':>8s} {'ms/sample':>10s} "
                     f"{'x batched':>10s} {'max|dV| [V]':>12s}")
        for k, ms in r["ms_per_sample"].items():
            dv = r["max_abs_dv_to_batched"].get(k)
            lines.append(f"  {k:10s} {r['samples'][k]:8d} {ms:10.3f} "
                         f"{r['ratio_to_batched'][k]:10.2f} "
                         f"{'-' if dv is None else f'{dv:.1e}':>12s}")
    return "\n".join(lines)
