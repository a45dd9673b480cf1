"""Modified nodal analysis (MNA) of a :class:`Circuit`: the linear part and the diodes.

Unknowns ``x``: the node voltages in ``Circuit.nodes`` order, then one branch
current per voltage-defined element (V, E) in element order. The residual is

    F(x) = A·x + Σ_diodes s_d·I_d(V_anode − V_cathode) − b(sample) = 0

written out per row:

* a node row is the sum of the currents *leaving* the node through its elements
  minus the currents injected into it;
* a V row is ``V(p) − V(n) − value``; an E row is ``V(p) − V(n) − A·(V(cp) − V(cn))``.

Element stamps (SPICE sign conventions, network/circuit.py):

* conductance g between a and b (resistor 1/R, programmable device g):
  ``+g(V_a − V_b)`` leaves a, ``−g(V_a − V_b)`` leaves b;
* V or E with branch current i (flowing into p, through the element, out of n):
  ``+i`` at row p, ``−i`` at row n;
* current source of value I (from p through the source to n): ``+I`` leaves p,
  ``−I`` leaves n (constant terms, so they go to ``b`` with the other sign);
* CCCS F of gain k sensing the branch current i_c of element ``control``:
  ``+k·i_c`` at row p, ``−k·i_c`` at row n;
* nonlinear two-terminal element between a and c carrying ``I_d(V_a − V_c)``:
  ``+I_d`` at a, ``−I_d`` at c (the nonlinear part s_d·I_d above): diodes
  (:mod:`._numeric_diodes`) and programmable devices of a non-ohmic model
  (``I = g·h(V)``), in families (:mod:`._numeric_families`). Devices of an ohmic
  model are conductances ``g`` in ``A``.

The right-hand side is affine in the sample: ``b = b0 + Px·x + Pn·nudges`` with
x (n_features,) input voltages and nudges (n_outputs,) currents injected into
the output nodes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..devices.model import DeviceModel
from ..errors import NetworkError
from ..network.circuit import GROUND, Circuit, DiodeModel, IdealDiodeModel
from ._numeric_families import Family, IdealDiodes, NonlinearDevices, SpiceDiodes


@dataclass(frozen=True)
class MNA:
    """The MNA description of a circuit (everything but the diode currents).

    Attributes:
        n_nodes: number of non-ground nodes (the first unknowns).
        n: number of unknowns (nodes + branch currents).
        labels: (n,) names of the unknowns (node names, then ``I(<element>)``).
        A: (n, n) sparse CSC matrix of the linear elements and devices.
        b0: (n,) constant right-hand side.
        Px: (n, n_features) right-hand side per input feature.
        Pn: (n, n_outputs) right-hand side per nudge current.
        dev_a, dev_b: (n_devices,) unknown index of each device's terminals (−1 = ground).
        out: (n_outputs,) unknown index of each output node.
        d_a, d_c: (n_diodes,) unknown index of the first and second terminal of each
            nonlinear element (diodes, then nonlinear devices; −1 = ground).
        families: the nonlinear elements by family (each knows its positions).
        dev_nl: (n_devices,) position of each device in the nonlinear list, −1 for a
            device stamped into ``A`` (an ohmic model).
        sources: (k, p, n) for every independent V source: its branch unknown and
            the unknown index of its terminals (−1 = ground).
        sensed: branch unknowns whose current a CCCS senses.
        device_model: the devices' model (for ``h(V)`` in the adjoint gradient).
    """

    n_nodes: int
    n: int
    labels: tuple[str, ...]
    A: sp.csc_matrix
    b0: np.ndarray
    Px: np.ndarray
    Pn: np.ndarray
    dev_a: np.ndarray
    dev_b: np.ndarray
    out: np.ndarray
    d_a: np.ndarray
    d_c: np.ndarray
    families: tuple[Family, ...]
    dev_nl: np.ndarray
    sources: tuple[tuple[int, int, int], ...]
    sensed: frozenset[int]
    device_model: DeviceModel

    @property
    def n_diodes(self) -> int:
        """Nonlinear elements (diodes and nonlinear devices)."""
        return len(self.d_a)

    def rhs(self, x: np.ndarray, nudges: np.ndarray | None) -> np.ndarray:
        """(B, n) right-hand sides for (B, n_features) inputs and (B, n_outputs) nudges."""
        b = self.b0[None, :] + x @ self.Px.T
        if nudges is not None:
            b = b + nudges @ self.Pn.T
        return b


def build_mna(circuit: Circuit) -> MNA:
    """The MNA matrices of ``circuit`` (stamps as in the module docstring)."""
    nodes = circuit.nodes
    index = {n: i for i, n in enumerate(nodes)}
    index[GROUND] = -1
    n_nodes = len(nodes)
    branch: dict[str, int] = {}
    labels = list(nodes)
    for el in circuit.elements:
        if el.kind in ("V", "E"):
            branch[el.name] = n_nodes + len(branch)
            labels.append(f"I({el.name})")
    n = len(labels)
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []

    def add(r: int, c: int, v: float) -> None:
        if r >= 0 and c >= 0:
            rows.append(r)
            cols.append(c)
            vals.append(v)

    def conductance(a: int, b: int, g: float) -> None:
        add(a, a, g)
        add(b, b, g)
        add(a, b, -g)
        add(b, a, -g)

    b0 = np.zeros(n)
    Px = np.zeros((n, circuit.n_features))
    Pn = np.zeros((n, len(circuit.nudges)))
    drives = {d.source: d for d in circuit.inputs}
    nudge_index = {name: k for k, name in enumerate(circuit.nudges)}
    d_a: list[int] = []
    d_c: list[int] = []
    spice: list[tuple[int, float, float]] = []
    ideal: list[tuple[int, float, float]] = []
    sources: list[tuple[int, int, int]] = []
    sensed: set[int] = set()

    for el in circuit.elements:
        idx = [index[nd] for nd in el.nodes]
        if el.kind == "R":
            if el.value <= 0:
                raise NetworkError(f"resistor {el.name} has value {el.value!r} Ω: must be > 0")
            conductance(idx[0], idx[1], 1.0 / el.value)
        elif el.kind in ("V", "E"):
            k = branch[el.name]
            p, m = idx[0], idx[1]
            add(p, k, 1.0)
            add(m, k, -1.0)
            add(k, p, 1.0)
            add(k, m, -1.0)
            if el.kind == "V":
                sources.append((k, p, m))
            if el.kind == "E":
                add(k, idx[2], -el.value)
                add(k, idx[3], el.value)
            elif el.name in drives:
                d = drives[el.name]
                Px[k, d.feature] += d.sign
            else:
                b0[k] += el.value
        elif el.kind == "I":
            p, m = idx
            # I leaves p and enters m: F_p += I, F_m -= I, so b_p -= I, b_m += I
            if el.name in nudge_index:
                j = nudge_index[el.name]
                if p >= 0:
                    Pn[p, j] -= 1.0
                if m >= 0:
                    Pn[m, j] += 1.0
            else:
                if p >= 0:
                    b0[p] -= el.value
                if m >= 0:
                    b0[m] += el.value
        elif el.kind == "F":
            if el.control not in branch:
                raise NetworkError(
                    f"CCCS {el.name} senses '{el.control}', which is not a V or E element"
                )
            c = branch[el.control]
            sensed.add(c)
            add(idx[0], c, el.value)
            add(idx[1], c, -el.value)
        elif el.kind in ("D", "B"):
            m = circuit.models.get(el.model or "")
            pos = len(d_a)
            d_a.append(idx[0])
            d_c.append(idx[1])
            if el.kind == "D" and isinstance(m, DiodeModel):
                spice.append((pos, m.IS, m.N))
            elif el.kind == "B" and isinstance(m, IdealDiodeModel):
                ideal.append((pos, m.g_on, m.v_smooth))
            else:
                raise NetworkError(f"element {el.name} names an unknown model '{el.model}'")
        else:
            raise NetworkError(f"numeric engine cannot handle element kind '{el.kind}' ({el.name})")

    dev_a = np.array([index[d.a] for d in circuit.devices], dtype=int)
    dev_b = np.array([index[d.b] for d in circuit.devices], dtype=int)
    g = np.asarray(circuit.g, dtype=float)
    model = circuit.model
    dev_nl = -np.ones(len(dev_a), dtype=int)
    families: list[Family] = []
    if spice:
        pos, IS, N = (np.array(c) for c in zip(*spice, strict=True))
        families.append(SpiceDiodes(pos.astype(int), IS, N))
    if ideal:
        pos, g_on, v_s = (np.array(c) for c in zip(*ideal, strict=True))
        families.append(IdealDiodes(pos.astype(int), g_on, v_s))
    if model.ohmic:
        for a, b, gk in zip(dev_a, dev_b, g, strict=True):
            conductance(int(a), int(b), float(gk))
    elif len(dev_a):
        dev_nl = len(d_a) + np.arange(len(dev_a))
        d_a += dev_a.tolist()
        d_c += dev_b.tolist()
        families.append(NonlinearDevices(dev_nl.copy(), model, g.copy(),
                                         np.arange(len(dev_a))))
    A = sp.csc_matrix((vals, (rows, cols)), shape=(n, n))
    A.sum_duplicates()
    return MNA(
        n_nodes=n_nodes, n=n, labels=tuple(labels), A=A, b0=b0, Px=Px, Pn=Pn,
        dev_a=dev_a, dev_b=dev_b,
        out=np.array([index[o] for o in circuit.outputs], dtype=int),
        d_a=np.array(d_a, dtype=int), d_c=np.array(d_c, dtype=int),
        families=tuple(families), dev_nl=dev_nl, sources=tuple(sources),
        sensed=frozenset(sensed), device_model=model,
    )
