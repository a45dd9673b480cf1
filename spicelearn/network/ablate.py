"""Ablations of a circuit: the same trained devices with parts of the physics removed."""

from __future__ import annotations

from dataclasses import replace

from .circuit import GROUND, Circuit


def without_activations(circuit: Circuit) -> Circuit:
    """The circuit with every activation diode (``D`` and ``B`` elements) taken out.

    The programmable devices keep their conductances; bias sources that fed only
    the diodes go too, and so do the diode models. Settling the result shows
    what the trained network scores as a linear circuit.
    """
    kept = [el for el in circuit.elements if el.kind not in ("D", "B")]
    used = {n for el in kept if el.kind != "V" for n in el.nodes}
    used |= {n for d in circuit.devices for n in (d.a, d.b)}
    kept = [el for el in kept
            if el.kind != "V" or any(n in used for n in el.nodes if n != GROUND)]
    desc = tuple(d for d in circuit.description if not d.startswith("hidden nonlinearity"))
    return replace(circuit, elements=tuple(kept), models={},
                   description=(*desc, "hidden nonlinearity: removed (ablation)"))
