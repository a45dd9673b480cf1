"""The numeric engine: Newton on the nodal (MNA) equations, and the exact adjoint gradient.

It solves the same element equations ngspice does (``_numeric_mna`` for the
stamps, ``_numeric_diodes`` for the junction and ideal diodes with ngspice's
constants and gmin, ``_numeric_families`` for the nonlinear elements including
the devices of a non-ohmic model, ``_numeric_solve`` for the strategies and the
damping), so the two engines can be held to each other to about 1e-12 V.

Everything that depends only on the circuit and its conductances (the MNA
matrix, its LU factors, the Schur complement onto the diode nodes) is computed
once and cached, keyed on the circuit's structure and ``g``.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from ..errors import InputError, UsageError
from ..network.circuit import Circuit
from ._numeric_mna import MNA, build_mna
from ._numeric_solve import CHUNK, CHUNK_FLOATS, System, make_system
from .base import (
    Clamp,
    Drives,
    Engine,
    Settled,
    check_circuit,
    check_count,
    check_drives,
    check_positive,
    check_warm,
    real_array,
)

VTOL = 1e-13
"""Newton stops when the largest node-voltage change is below this [V]."""


class NumericEngine(Engine):
    """Batched Newton on the MNA equations (see the module docstring).

    Args:
        vtol: convergence tolerance on the node-voltage step [V], finite and > 0.
        cache_size: how many prepared (circuit, g) systems to keep (>= 0).

    Raises:
        UsageError: an argument of the wrong type or out of range.
    """

    name = "numeric"

    def __init__(self, vtol: float = VTOL, cache_size: int = 8) -> None:
        self.vtol = check_positive(vtol, "vtol")
        self.cache_size = check_count(cache_size, "cache_size", minimum=0)
        self._cache: OrderedDict[tuple, tuple[object, System]] = OrderedDict()

    def system(self, circuit: Circuit, clamp: float | None = None) -> System:
        """The prepared MNA system of ``circuit`` (cached on structure and conductances),
        with ``clamp`` [S] from every output node to ground when given."""
        g = np.ascontiguousarray(circuit.g, dtype=float)
        key = (id(circuit.elements), id(circuit.devices), id(circuit.models),
               id(circuit.inputs), id(circuit.nudges), g.tobytes(), clamp)
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit[1]
        mna = build_mna(circuit)
        system = make_system(mna if clamp is None else with_output_conductance(
            mna, circuit, clamp))
        # keep the keyed objects alive so their ids cannot be reused
        owner = (circuit.elements, circuit.devices, circuit.models, circuit.inputs,
                 circuit.nudges)
        self._cache[key] = (owner, system)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return system

    def settle(
        self,
        circuit: Circuit,
        inputs: np.ndarray | Drives,
        nudges: np.ndarray | None = None,
        warm: Settled | None = None,
        clamp: Clamp | None = None,
    ) -> Settled:
        """Settle a batch: (B, n_features) inputs [V], (B, n_outputs) nudges [A], an
        optional output clamp (its conductance enters the matrix, its targets the
        right-hand side)."""
        x, n, gc = check_drives(circuit, inputs, nudges, clamp)
        warm = check_warm(warm, circuit, x.shape[0])
        system = self.system(circuit, gc)
        x0 = None if warm is None else np.asarray(warm.v, dtype=float)
        sol = system.solve(system.mna.rhs(x, n), x0, self.vtol, branches=False)
        return settled_from(circuit, system.mna, sol[:, : system.mna.n_nodes])

    def adjoint_gradient(self, circuit: Circuit, settled: Settled,
                         dl_dout: np.ndarray) -> np.ndarray:
        """See :func:`adjoint_gradient`; reuses this engine's cached factorisations."""
        check_circuit(circuit)
        return _adjoint(self.system(circuit), settled, dl_dout)


def with_output_conductance(mna: MNA, circuit: Circuit, conductance: float) -> MNA:
    """``mna`` with ``conductance`` [S] from each output node to ground (a clamp's)."""
    from dataclasses import replace

    import scipy.sparse as sp

    rows = [circuit.nodes.index(node) for node in circuit.outputs]
    d = np.zeros(mna.n)
    d[rows] = conductance
    return replace(mna, A=(mna.A + sp.diags(d, format="csc")).tocsc())


def settled_from(circuit: Circuit, mna: MNA, v: np.ndarray) -> Settled:
    """A :class:`Settled` from (B, n_nodes) node voltages."""
    vg = np.concatenate([v, np.zeros((v.shape[0], 1))], axis=1)  # index −1 is ground
    return Settled(nodes=circuit.nodes, v=v, dv=vg[:, mna.dev_a] - vg[:, mna.dev_b],
                   outputs=v[:, mna.out])


def adjoint_gradient(circuit: Circuit, settled: Settled, dl_dout: np.ndarray) -> np.ndarray:
    """Exact dL/dg per sample by the adjoint method.

    At the operating point the MNA residual vanishes, ``F(x, g) = 0``. Differentiating,
    ``J·dx/dg = −∂F/∂g`` with ``J = ∂F/∂x`` (the MNA Jacobian, diodes linearised at
    the operating point), so for a loss L(x)

        dL/dg = ∂L/∂xᵀ·dx/dg = −λᵀ·∂F/∂g,    Jᵀ·λ = ∂L/∂x.

    A device of read conductance g between nodes a and b carries ``I = g·h(V_a − V_b)``
    (``h(V) = V`` for an ohmic model; the circuit's device model): it adds ``I`` to
    row a and ``−I`` to row b (currents leaving the node), so
    ``∂F/∂g = (e_a − e_b)·h(V_a − V_b)`` and

        dL/dg = −(λ_a − λ_b)·h(V_a − V_b)      (λ of ground = 0).

    (A node held by a grounded voltage source has λ = 0: its voltage does not
    depend on g.)

    Args:
        circuit: the circuit (with the conductances ``settled`` was solved at).
        settled: its operating points, B samples.
        dl_dout: (B, n_outputs) ∂L/∂V at the output nodes, in ``Circuit.outputs`` order.

    Returns:
        (B, n_devices) dL/dg [units of L per S].

    Raises:
        UsageError: ``circuit`` or ``settled`` of the wrong type.
        InputError: ``settled`` or ``dl_dout`` of the wrong shape, not real or not finite.
    """
    check_circuit(circuit)
    return _adjoint(make_system(build_mna(circuit)), settled, dl_dout)


def _adjoint(system: System, settled: Settled, dl_dout: np.ndarray) -> np.ndarray:
    m = system.mna
    if not isinstance(settled, Settled):
        raise UsageError(f"settled must be a Settled, got {type(settled).__name__}")
    v = real_array(settled.v, "settled voltages")
    if v.ndim != 2 or v.shape[1] != m.n_nodes or not np.all(np.isfinite(v)):
        raise InputError(f"settled voltages have shape {v.shape}, expected finite values "
                         f"of shape (batch, {m.n_nodes})")
    B = v.shape[0]
    dl = real_array(dl_dout, "dl_dout")
    if dl.shape != (B, len(m.out)):
        raise InputError(f"dl_dout has shape {dl.shape}, expected ({B}, {len(m.out)})")
    if not np.all(np.isfinite(dl)):
        raise InputError("dl_dout contains NaN or infinite values")
    r = np.zeros((B, m.n))
    np.add.at(r, (slice(None), m.out), dl)
    vg = np.concatenate([v, np.zeros((B, 1))], axis=1)
    vd = vg[:, m.d_a] - vg[:, m.d_c]
    _, gd = system.diodes(vd)
    if system.strategy == "linear":
        assert system.lu is not None
        lam = system.lu.solve(np.ascontiguousarray(r.T), trans="T").T
    elif system.strategy == "reduced":
        lam = _adjoint_reduced(system, gd, r)
    else:
        lam = _adjoint_sparse(system, gd, r)
    lg = np.concatenate([lam[:, : m.n_nodes], np.zeros((B, 1))], axis=1)
    dv = vg[:, m.dev_a] - vg[:, m.dev_b]
    h = dv if m.device_model.ohmic else m.device_model.shape(dv)
    return -(lg[:, m.dev_a] - lg[:, m.dev_b]) * h


def _adjoint_reduced(system: System, gd: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Jᵀλ = r through the Schur complement M = S + D_Nᵀ·G·D_N on the nonlinear nodes:

    ``Mᵀ·λ_N = r_N − Kᵀ·r_L`` with ``K = A_LL⁻¹·A_LN``, then
    ``λ_L = A_LL⁻ᵀ·(r_L − A_NLᵀ·λ_N)``; pinned nodes have λ = 0.
    """
    assert system.N is not None and system.L is not None
    assert system.S is not None and system.K is not None and system.A_NL is not None
    N, L = system.N, system.L
    rhs = r[:, N] - r[:, L] @ system.K
    lamN = np.empty((r.shape[0], len(N)))
    chunk = max(1, min(CHUNK, CHUNK_FLOATS // max(1, len(N)) ** 2))
    for lo in range(0, r.shape[0], chunk):
        M = system.jacobian(gd[lo:lo + chunk])
        lamN[lo:lo + chunk] = np.linalg.solve(np.transpose(M, (0, 2, 1)),
                                              rhs[lo:lo + chunk, :, None])[:, :, 0]
    lam = np.zeros_like(r)
    lam[:, N] = lamN
    if len(L):
        assert system.lu is not None
        rl = r[:, L] - (system.A_NL.T @ lamN.T).T
        lam[:, L] = system.lu.solve(np.ascontiguousarray(rl.T), trans="T").T
    return lam


def _adjoint_sparse(system: System, gd: np.ndarray, r: np.ndarray) -> np.ndarray:
    lam = np.empty_like(r)
    for k in range(r.shape[0]):
        lam[k] = system.jacobian_lu(gd[k]).solve(r[k], trans="T")
    return lam
