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
* diode between anode a and cathode c carrying ``I_d(V_a − V_c)``: ``+I_d`` at a,
  ``−I_d`` at c (the nonlinear part s_d·I_d above, see :mod:`._numeric_diodes`).

The right-hand side is affine in the sample: ``b = b0 + Px·x + Pn·nudges`` with
x (n_features,) input voltages and nudges (n_outputs,) currents injected into
the output nodes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..errors import NetworkError
from ..network.circuit import GROUND, Circuit, DiodeModel, IdealDiodeModel


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
        d_a, d_c: (n_diodes,) unknown index of anode and cathode (−1 = ground).
        d_kind: (n_diodes,) 0 = SPICE junction diode, 1 = ideal behavioural diode.
        d_p1, d_p2: (n_diodes,) IS [A] and N [1] (SPICE) or g_on [S] and v_s [V] (ideal).
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
    d_kind: np.ndarray
    d_p1: np.ndarray
    d_p2: np.ndarray

    @property
    def n_diodes(self) -> int:
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
    d_a, d_c, d_kind, d_p1, d_p2 = [], [], [], [], []

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
            add(idx[0], c, el.value)
            add(idx[1], c, -el.value)
        elif el.kind in ("D", "B"):
            m = circuit.models.get(el.model or "")
            d_a.append(idx[0])
            d_c.append(idx[1])
            if el.kind == "D" and isinstance(m, DiodeModel):
                d_kind.append(0)
                d_p1.append(m.IS)
                d_p2.append(m.N)
            elif el.kind == "B" and isinstance(m, IdealDiodeModel):
                d_kind.append(1)
                d_p1.append(m.g_on)
                d_p2.append(m.v_smooth)
            else:
                raise NetworkError(f"element {el.name} names an unknown model '{el.model}'")
        else:
            raise NetworkError(f"numeric engine cannot handle element kind '{el.kind}' ({el.name})")

    dev_a = np.array([index[d.a] for d in circuit.devices], dtype=int)
    dev_b = np.array([index[d.b] for d in circuit.devices], dtype=int)
    g = np.asarray(circuit.g, dtype=float)
    for a, b, gk in zip(dev_a, dev_b, g, strict=True):
        conductance(int(a), int(b), float(gk))
    A = sp.csc_matrix((vals, (rows, cols)), shape=(n, n))
    A.sum_duplicates()
    return MNA(
        n_nodes=n_nodes, n=n, labels=tuple(labels), A=A, b0=b0, Px=Px, Pn=Pn,
        dev_a=dev_a, dev_b=dev_b,
        out=np.array([index[o] for o in circuit.outputs], dtype=int),
        d_a=np.array(d_a, dtype=int), d_c=np.array(d_c, dtype=int),
        d_kind=np.array(d_kind, dtype=int),
        d_p1=np.array(d_p1, dtype=float), d_p2=np.array(d_p2, dtype=float),
    )
