"""What the physics did at a settled state: which activation diodes conduct.

A hidden node's diode counts as **conducting** for a sample when its forward
current exceeds ``threshold`` (1 %) of the mean magnitude of the device
currents at that node (the currents through the programmable devices attached to
it). A network whose diodes never conduct is linear: it scores what a linear
classifier scores. The share of (diode, sample) pairs that conduct, per hidden
layer, is what reports print.

The forward current is the diode current minus its reverse saturation value:
``I(V) + IS`` for a SPICE junction diode, ``I(V) + g_on·v_s/2`` for the smooth
ideal diode (whose current tends to the constant ``−g_on·v_s/2`` in reverse: that
constant is a fixed bias current, the same at every operating point, not
conduction). Diode currents use the numeric engine's equations; device currents
are the device model's ``g·h(ΔV)`` (``g·ΔV`` for an ohmic device).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..network.circuit import Circuit, DiodeModel, IdealDiodeModel
from ._numeric_diodes import ideal_diode, spice_diode
from .base import Settled

CONDUCTION_THRESHOLD = 0.01
"""A diode conducts when |I_diode| > this share of the mean |I_device| at its node [1]."""


@dataclass(frozen=True)
class Conduction:
    """Conduction of the activation diodes over a batch.

    Attributes:
        by_layer: hidden layer (1 = first) → share of (diode, sample) pairs conducting [1].
        diode_share: (n_diodes,) share of samples in which each diode conducts [1].
        diodes: the diode element names, in ``diode_share`` order.
        overall: share over every (diode, sample) pair [1]; 0 without diodes.
    """

    by_layer: dict[int, float]
    diode_share: np.ndarray
    diodes: tuple[str, ...]
    overall: float


def _device_currents(circuit: Circuit, settled: Settled) -> np.ndarray:
    """(B, n_devices) device currents [A] at the settled state: ``g·h(ΔV)`` of the
    circuit's device model (``g·ΔV`` for an ohmic one)."""
    g = np.asarray(circuit.g)[None, :]
    model = circuit.model
    return g * (settled.dv if model.ohmic else model.shape(settled.dv))


def diode_currents(circuit: Circuit, settled: Settled) -> tuple[tuple[str, ...], tuple[str, ...],
                                                                 np.ndarray]:
    """(diode names, their hidden node, (B, n_diodes) forward currents [A] anode → cathode).

    The forward current is the current minus its reverse saturation value (module
    docstring), so it is ≥ 0 and tends to 0 in reverse.
    """
    index = {n: i for i, n in enumerate(settled.nodes)}
    B = settled.batch
    vg = np.concatenate([settled.v, np.zeros((B, 1))], axis=1)
    col = {**index, "0": len(index)}
    hidden = {d.b for d in circuit.devices if d.b.startswith("h")}
    names, nodes, currents = [], [], []
    for el in circuit.elements:
        if el.kind not in ("D", "B"):
            continue
        a, c = el.nodes[0], el.nodes[1]
        node = a if a in hidden else c if c in hidden else None
        if node is None:
            continue
        v = vg[:, col[a]] - vg[:, col[c]]
        model = circuit.models[el.model]
        if isinstance(model, DiodeModel):
            i = spice_diode(v, np.float64(model.IS), np.float64(model.N))[0] + model.IS
        elif isinstance(model, IdealDiodeModel):
            i = (ideal_diode(v, np.float64(model.g_on), np.float64(model.v_smooth))[0]
                 + 0.5 * model.g_on * model.v_smooth)
        else:  # pragma: no cover - the circuit only holds these two diode models
            continue
        names.append(el.name)
        nodes.append(node)
        currents.append(i)
    arr = np.stack(currents, axis=1) if currents else np.zeros((B, 0))
    return tuple(names), tuple(nodes), arr


def measure_conduction(circuit: Circuit, settled: Settled,
                       threshold: float = CONDUCTION_THRESHOLD) -> Conduction:
    """The share of activation diodes that conduct at a settled batch (module docstring)."""
    names, nodes, i_d = diode_currents(circuit, settled)
    if not names:
        return Conduction({}, np.zeros(0), (), 0.0)
    i_dev = np.abs(_device_currents(circuit, settled))
    layer_of, members = {}, {}
    for k, d in enumerate(circuit.devices):
        for n in (d.a, d.b):
            members.setdefault(n, []).append(k)
        if d.b.startswith("h"):
            layer_of[d.b] = d.layer
    mean_at = {n: i_dev[:, members[n]].mean(axis=1) for n in set(nodes)}
    on = np.stack([i_d[:, k] > threshold * mean_at[n] for k, n in enumerate(nodes)],
                  axis=1)
    by_layer: dict[int, list[int]] = {}
    for k, n in enumerate(nodes):
        by_layer.setdefault(layer_of[n], []).append(k)
    return Conduction(
        by_layer={layer: float(on[:, ks].mean()) for layer, ks in sorted(by_layer.items())},
        diode_share=on.mean(axis=0),
        diodes=names,
        overall=float(on.mean()),
    )
