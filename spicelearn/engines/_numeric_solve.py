"""Solving the MNA equations: linear solve, reduced dense Newton, sparse Newton.

Three strategies, chosen by :func:`make_system` from the circuit's size:

* ``linear`` — no diodes: one sparse LU of ``A``, every sample a back-substitution.
* ``reduced`` — diodes on at most :data:`MAX_REDUCED` unknowns. The unknowns split
  into N (the diode nodes, plus the branch currents of V/E elements whose both
  terminals are diode nodes or ground) and L (the rest, linear). Eliminating L
  (Schur complement, computed once per circuit and conductances):

      S = A_NN − A_NL·A_LL⁻¹·A_LN,    c(sample) = b_N − A_NL·A_LL⁻¹·b_L,
      S·x_N + Σ_d s_d·I_d(x_N) = c,    x_L = A_LL⁻¹·(b_L − A_LN·x_N),

  and Newton runs batched (numpy, dense) on the small N system only.
* ``sparse`` — large nonlinear circuits: Newton on the full MNA system, one sparse
  LU per sample and iteration.

Newton uses the SPICE companion form: each diode is linearised at its (limited)
junction voltage v_d, ``I ≈ I_d(v_d) + G_d(v_d)·(V − v_d)``, and the linear system
is solved for the new unknowns. SPICE junction voltages are limited with
``pnjlim`` (:func:`._numeric_diodes.limit_junction`) so a cold start from 0 V
converges. A sample has converged when no junction was limited and the largest
node-voltage change is below ``vtol`` — or, at round-off level, below 1e-10 V and
no longer decreasing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ..errors import ConvergenceError, SimulationError
from ._numeric_diodes import VT, critical_voltage, ideal_diode, limit_junction, spice_diode
from ._numeric_mna import MNA

MAX_REDUCED = 400
"""Largest nonlinear subsystem solved densely; above it the sparse strategy runs."""
MAX_ITER = 200
"""Newton iterations before a sample is declared non-convergent."""
CHUNK = 256
"""Samples per batched dense solve (bounds memory at B·n_N² floats)."""


def _lu(matrix: sp.spmatrix, what: str) -> spla.SuperLU:
    try:
        return spla.splu(sp.csc_matrix(matrix))
    except RuntimeError as exc:
        raise SimulationError(
            f"numeric engine: the {what} matrix is singular ({exc}); "
            "is a node floating or a loop of voltage sources present?"
        ) from None


@dataclass
class System:
    """A circuit's MNA system prepared for solving (see the module docstring)."""

    mna: MNA
    strategy: str
    lu: spla.SuperLU | None = None
    N: np.ndarray | None = None
    L: np.ndarray | None = None
    S: np.ndarray | None = None
    K: np.ndarray | None = None
    A_NL: sp.csr_matrix | None = None
    Dn: np.ndarray | None = None
    node_mask: np.ndarray | None = None

    # -- diode evaluation -------------------------------------------------
    def diodes(self, vd: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(B, n_d) currents [A] and conductances [S] of every diode at vd [V]."""
        m = self.mna
        i = np.empty_like(vd)
        g = np.empty_like(vd)
        s = m.d_kind == 0
        if s.any():
            i[:, s], g[:, s] = spice_diode(vd[:, s], m.d_p1[s], m.d_p2[s])
        if (~s).any():
            i[:, ~s], g[:, ~s] = ideal_diode(vd[:, ~s], m.d_p1[~s], m.d_p2[~s])
        return i, g

    def limit(self, vd_new: np.ndarray, vd_old: np.ndarray) -> np.ndarray:
        """Junction voltages after ``pnjlim`` on the SPICE diodes (ideal ones pass)."""
        m = self.mna
        s = m.d_kind == 0
        if not s.any():
            return vd_new
        out = vd_new.copy()
        out[:, s] = limit_junction(vd_new[:, s], vd_old[:, s], m.d_p2[s] * VT,
                                   critical_voltage(m.d_p1[s], m.d_p2[s]))
        return out

    # -- the three strategies --------------------------------------------
    def solve(self, b: np.ndarray, x0: np.ndarray | None, vtol: float) -> np.ndarray:
        """(B, n) unknowns for (B, n) right-hand sides; x0 (B, n_nodes) warm start or None."""
        if self.strategy == "linear":
            assert self.lu is not None
            return self.lu.solve(np.ascontiguousarray(b.T)).T
        if self.strategy == "reduced":
            return self._solve_reduced(b, x0, vtol)
        return self._solve_sparse(b, x0, vtol)

    def _solve_reduced(self, b: np.ndarray, x0: np.ndarray | None, vtol: float) -> np.ndarray:
        assert self.lu is not None and self.N is not None and self.L is not None
        assert self.A_NL is not None and self.Dn is not None and self.S is not None
        assert self.K is not None
        yL = self.lu.solve(np.ascontiguousarray(b[:, self.L].T)).T  # A_LL⁻¹ b_L, (B, n_L)
        c = b[:, self.N] - (self.A_NL @ yL.T).T
        start = np.zeros((b.shape[0], len(self.N)))
        if x0 is not None:
            nodes = self.N < self.mna.n_nodes
            start[:, nodes] = x0[:, self.N[nodes]]
        Dn, S = self.Dn, self.S

        def linear_solve(g: np.ndarray, rhs: np.ndarray) -> np.ndarray:
            M = S[None, :, :] + np.einsum("dk,bd,dl->bkl", Dn, g, Dn, optimize=True)
            return np.linalg.solve(M, rhs[:, :, None])[:, :, 0]

        xN = np.empty_like(start)
        for lo in range(0, b.shape[0], CHUNK):
            hi = min(lo + CHUNK, b.shape[0])
            xN[lo:hi] = self._newton(c[lo:hi], start[lo:hi], Dn, linear_solve,
                                     self.node_mask, vtol, lo, self.N)
        x = np.empty((b.shape[0], self.mna.n))
        x[:, self.N] = xN
        x[:, self.L] = yL - xN @ self.K.T
        return x

    def incidence(self) -> sp.csr_matrix:
        """(n_d, n) sparse map from the unknowns to the diode voltages V_a − V_c."""
        m = self.mna
        n_d = m.n_diodes
        rows = np.concatenate([np.arange(n_d), np.arange(n_d)])
        cols = np.concatenate([m.d_a, m.d_c])
        vals = np.concatenate([np.ones(n_d), -np.ones(n_d)])
        keep = cols >= 0
        return sp.csr_matrix((vals[keep], (rows[keep], cols[keep])), shape=(n_d, m.n))

    def jacobian_lu(self, g: np.ndarray) -> spla.SuperLU:
        """LU of the full MNA Jacobian ``A + Dᵀ·diag(g)·D`` for (n_d,) diode conductances."""
        D = self.incidence()
        return _lu(self.mna.A + D.T @ sp.diags(g) @ D, "Newton")

    def _solve_sparse(self, b: np.ndarray, x0: np.ndarray | None, vtol: float) -> np.ndarray:
        m = self.mna
        D = self.incidence()

        def linear_solve(g: np.ndarray, rhs: np.ndarray) -> np.ndarray:
            out = np.empty_like(rhs)
            for k in range(rhs.shape[0]):
                out[k] = self.jacobian_lu(g[k]).solve(rhs[k])
            return out

        start = np.zeros((b.shape[0], m.n))
        if x0 is not None:
            start[:, : m.n_nodes] = x0
        mask = np.arange(m.n) < m.n_nodes
        return self._newton(b, start, D, linear_solve, mask, vtol, 0, np.arange(m.n))

    # -- Newton ------------------------------------------------------------
    def _newton(self, c, x, D, linear_solve, node_mask, vtol, offset, labels_idx):
        """Companion-form Newton for ``M(x)·x = c`` on a batch; D maps x to diode voltages."""
        B = x.shape[0]
        x = x.copy()
        vd = np.asarray((D @ x.T).T)
        active = np.arange(B)
        last = np.full(B, np.inf)
        for _ in range(MAX_ITER):
            if active.size == 0:
                return x
            xa, vda = x[active], vd[active]
            i_d, g_d = self.diodes(vda)
            rhs = c[active] - _times(i_d - g_d * vda, D)
            x_new = linear_solve(g_d, rhs)
            delta = np.abs(x_new - xa)
            step = delta[:, node_mask].max(axis=1, initial=0.0)
            vd_raw = np.asarray((D @ x_new.T).T)
            vd_new = self.limit(vd_raw, vda)
            limited = np.any(vd_new != vd_raw, axis=1)
            x[active] = x_new
            vd[active] = vd_new
            done = ~limited & ((step < vtol) | ((step < 1e-10) & (step >= last[active])))
            last[active] = step
            last_delta = delta[~done]
            active = active[~done]
        w = int(np.argmax(last[active]))
        worst = int(active[w])
        node = None
        if node_mask.any():
            node = self.mna.labels[int(labels_idx[node_mask][np.argmax(last_delta[w][node_mask])])]
        raise ConvergenceError(
            f"numeric engine: Newton did not converge for sample {offset + worst} after "
            f"{MAX_ITER} iterations (last |ΔV| = {last[worst]:.3g} V, worst node {node})",
            analysis="newton", sample=offset + worst, node=node,
        )


def _times(y: np.ndarray, D: np.ndarray | sp.spmatrix) -> np.ndarray:
    """``y @ D`` for (B, n_d) y and a dense or sparse (n_d, n) incidence D."""
    if sp.issparse(D):
        return np.asarray((D.T @ y.T).T)
    return y @ D


def make_system(mna: MNA) -> System:
    """Prepare ``mna`` for solving: pick the strategy and precompute its factorisation."""
    if mna.n_diodes == 0:
        return System(mna, "linear", lu=_lu(mna.A, "MNA"))
    on_diode = np.zeros(mna.n, dtype=bool)
    for t in (mna.d_a, mna.d_c):
        on_diode[t[t >= 0]] = True
    A = mna.A.tocsr()
    # branch unknowns whose element joins only diode nodes / ground go to N too
    for k in range(mna.n_nodes, mna.n):
        row = A.getrow(k)
        cols = row.indices[np.abs(row.data) > 0]
        if cols.size and all(on_diode[c] for c in cols if c < mna.n_nodes) and \
                all(c < mna.n_nodes for c in cols):
            on_diode[k] = True
    N = np.flatnonzero(on_diode)
    L = np.flatnonzero(~on_diode)
    if len(N) > MAX_REDUCED or len(L) * len(N) > 5e7 or len(L) == 0:
        return System(mna, "sparse")
    Ac = mna.A.tocsc()
    A_LL = Ac[L][:, L]
    try:
        lu = spla.splu(sp.csc_matrix(A_LL))
    except RuntimeError:
        return System(mna, "sparse")
    A_LN = Ac[L][:, N].toarray()
    A_NL = Ac[N][:, L].tocsr()
    K = lu.solve(A_LN) if A_LN.size else np.zeros((len(L), len(N)))
    S = Ac[N][:, N].toarray() - A_NL @ K
    pos = -np.ones(mna.n + 1, dtype=int)
    pos[N] = np.arange(len(N))
    Dn = np.zeros((mna.n_diodes, len(N)))
    for d, (a, c) in enumerate(zip(mna.d_a, mna.d_c, strict=True)):
        if a >= 0:
            Dn[d, pos[a]] += 1.0
        if c >= 0:
            Dn[d, pos[c]] -= 1.0
    return System(mna, "reduced", lu=lu, N=N, L=L, S=S, K=K, A_NL=A_NL, Dn=Dn,
                  node_mask=N < mna.n_nodes)
