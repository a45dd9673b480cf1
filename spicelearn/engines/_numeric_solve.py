"""Solving the MNA equations: linear solve, reduced dense Newton, sparse Newton.

Three strategies, chosen by :func:`make_system` from the circuit's size:

* ``linear`` — no nonlinear elements: one sparse LU of ``A``, every sample a
  back-substitution.
* ``reduced`` — nonlinear elements on at most :data:`MAX_REDUCED` unknowns. First
  every node held to ground by an independent voltage source (an input, a bias)
  is **pinned**: its voltage is known per sample, so its KCL row, its source's
  branch current and the source's row leave the system and its voltage moves to
  the right-hand side (``b_R − A_RP·v_P``; a source whose current a CCCS senses
  is not pinned). The remaining unknowns split into N (the nodes of nonlinear
  elements, plus the branch currents of V/E elements whose terminals are all
  such nodes, pinned nodes or ground) and L (the rest, linear). Eliminating L
  (Schur complement, computed once per circuit and conductances):

      S = A_NN − A_NL·A_LL⁻¹·A_LN,    c(sample) = b_N − A_NL·A_LL⁻¹·b_L,
      S·x_N + Σ_d s_d·I_d(D_N·x_N + D_P·v_P) = c,    x_L = A_LL⁻¹·(b_L − A_LN·x_N),

  and Newton runs batched (numpy, dense) on the small N system only. The
  Jacobian ``S + D_Nᵀ·diag(G)·D_N`` is assembled per sample by one sparse
  product (each element adds its slope G to four entries). When every
  programmable device is nonlinear (a memristor model with a sinh I–V), N holds
  only the hidden and output nodes (52 on the 4,840-device bench network).
* ``sparse`` — large nonlinear circuits: Newton on the full MNA system, one sparse
  LU per sample and iteration.

Newton uses the SPICE companion form: each nonlinear element is linearised at its
(limited) voltage v_d, ``I ≈ I_d(v_d) + G_d(v_d)·(V − v_d)``, and the linear system
is solved for the new unknowns. The elements come in families
(:mod:`._numeric_families`); SPICE junction voltages are limited with ``pnjlim``
so a cold start from 0 V converges. A sample has converged when no voltage was
limited and the largest node-voltage change is below ``vtol`` — or, at round-off
level, below 1e-10 V and no longer decreasing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ..errors import ConvergenceError, SimulationError
from ._numeric_families import evaluate, limit
from ._numeric_mna import MNA

MAX_REDUCED = 400
"""Largest nonlinear subsystem solved densely; above it the sparse strategy runs."""
MAX_ITER = 200
"""Newton iterations before a sample is declared non-convergent."""
CHUNK = 256
"""Most samples per batched dense solve."""
CHUNK_FLOATS = 4_000_000
"""Bound on the batched Jacobians' size: samples per chunk ≤ this / n_N² [numbers]."""


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
    """A circuit's MNA system prepared for solving (see the module docstring).

    Reduced strategy: ``P`` the pinned nodes, ``Pk`` their sources' branch
    unknowns, ``Psign`` +1 for a source ``(p, 0)`` and −1 for ``(0, p)``;
    ``N``, ``L`` the nonlinear and linear unknowns; ``A_NP``, ``A_LP`` the
    couplings to the pinned voltages; ``Dn``, ``Dp`` the nonlinear elements'
    incidence on N and on P; ``Wt`` (n_N², n_d) maps element slopes to Jacobian
    entries.
    """

    mna: MNA
    strategy: str
    lu: spla.SuperLU | None = None
    N: np.ndarray | None = None
    L: np.ndarray | None = None
    S: np.ndarray | None = None
    K: np.ndarray | None = None
    A_NL: sp.csr_matrix | None = None
    Dn: sp.csr_matrix | None = None
    node_mask: np.ndarray | None = None
    P: np.ndarray | None = None
    Pk: np.ndarray | None = None
    Psign: np.ndarray | None = None
    A_NP: sp.csr_matrix | None = None
    A_LP: sp.csr_matrix | None = None
    Dp: sp.csr_matrix | None = None
    Wt: sp.csr_matrix | None = None

    # -- nonlinear elements -------------------------------------------------
    def diodes(self, vd: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(B, n_d) currents [A] and slopes [S] of every nonlinear element at vd [V]."""
        return evaluate(self.mna.families, vd)

    def limit(self, vd_new: np.ndarray, vd_old: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Element voltages after each family's limiting (``pnjlim`` for SPICE diodes),
        written into ``vd_new``, and (B,) whether a sample's were limited."""
        return limit(self.mna.families, vd_new, vd_old)

    # -- the three strategies --------------------------------------------
    def solve(self, b: np.ndarray, x0: np.ndarray | None, vtol: float,
              branches: bool = True) -> np.ndarray:
        """(B, n) unknowns for (B, n) right-hand sides; x0 (B, n_nodes) warm start or None.

        With ``branches=False`` the reduced strategy leaves the branch currents
        of pinned sources at 0 (the node voltages are the same).
        """
        if self.strategy == "linear":
            assert self.lu is not None
            return self.lu.solve(np.ascontiguousarray(b.T)).T
        if self.strategy == "reduced":
            return self._solve_reduced(b, x0, vtol, branches)
        return self._solve_sparse(b, x0, vtol)

    def pinned(self, b: np.ndarray) -> np.ndarray:
        """(B, n_P) voltages [V] of the pinned nodes for (B, n) right-hand sides."""
        assert self.Pk is not None and self.Psign is not None
        return b[:, self.Pk] * self.Psign

    def jacobian(self, g: np.ndarray) -> np.ndarray:
        """(B, n_N, n_N) reduced Jacobians ``S + D_Nᵀ·diag(g)·D_N`` for (B, n_d) slopes [S]."""
        assert self.S is not None and self.Wt is not None
        n = self.S.shape[0]
        return self.S[None, :, :] + np.asarray(self.Wt @ g.T).T.reshape(-1, n, n)

    def _solve_reduced(self, b: np.ndarray, x0: np.ndarray | None, vtol: float,
                       branches: bool) -> np.ndarray:
        assert self.N is not None and self.L is not None and self.P is not None
        assert self.A_NL is not None and self.Dn is not None and self.S is not None
        assert self.K is not None and self.A_NP is not None and self.A_LP is not None
        assert self.Dp is not None
        B = b.shape[0]
        vP = self.pinned(b)
        bL = b[:, self.L] - _rows(self.A_LP, vP)
        yL = (self.lu.solve(np.ascontiguousarray(bL.T)).T if self.lu is not None
              else np.zeros((B, 0)))  # A_LL⁻¹ b_L, (B, n_L)
        c = b[:, self.N] - _rows(self.A_NP, vP) - _rows(self.A_NL, yL)
        e = _rows(self.Dp, vP)  # the pinned part of each element's voltage
        start = np.zeros((B, len(self.N)))
        if x0 is not None:
            nodes = self.N < self.mna.n_nodes
            start[:, nodes] = x0[:, self.N[nodes]]

        def linear_solve(g: np.ndarray, rhs: np.ndarray) -> np.ndarray:
            return np.linalg.solve(self.jacobian(g), rhs[:, :, None])[:, :, 0]

        xN = np.empty_like(start)
        chunk = max(1, min(CHUNK, CHUNK_FLOATS // max(1, len(self.N)) ** 2))
        for lo in range(0, B, chunk):
            hi = min(lo + chunk, B)
            xN[lo:hi] = self._newton(c[lo:hi], start[lo:hi], self.Dn, linear_solve,
                                     self.node_mask, vtol, lo, self.N, e[lo:hi])
        x = np.zeros((B, self.mna.n))
        x[:, self.N] = xN
        x[:, self.L] = yL - xN @ self.K.T
        x[:, self.P] = vP
        if branches and len(self.P):
            x[:, self.Pk] = self._pinned_currents(b, x)
        return x

    def _pinned_currents(self, b: np.ndarray, x: np.ndarray) -> np.ndarray:
        """Branch currents [A] of the pinned sources, from their nodes' KCL rows."""
        assert self.P is not None and self.Pk is not None and self.Psign is not None
        D = self.incidence()
        i_d, _ = self.diodes(np.asarray((D @ x.T).T))
        r = (self.mna.A @ x.T).T + _rows(D.T.tocsr(), i_d) - b
        return -r[:, self.P] * self.Psign

    def incidence(self) -> sp.csr_matrix:
        """(n_d, n) sparse map from the unknowns to the element voltages V_a − V_c."""
        return _incidence(self.mna.d_a, self.mna.d_c, self.mna.n)

    def jacobian_lu(self, g: np.ndarray) -> spla.SuperLU:
        """LU of the full MNA Jacobian ``A + Dᵀ·diag(g)·D`` for (n_d,) element slopes."""
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
        return self._newton(b, start, D, linear_solve, mask, vtol, 0, np.arange(m.n), None)

    # -- Newton ------------------------------------------------------------
    def _newton(self, c, x, D, linear_solve, node_mask, vtol, offset, labels_idx, e):
        """Companion-form Newton for ``M(x)·x = c`` on a batch.

        ``D`` maps x to the element voltages, ``e`` (B, n_d) adds their part
        from pinned nodes (None: nothing).
        """
        B = x.shape[0]
        x = x.copy()
        vd = _rows(D, x) if e is None else _rows(D, x) + e
        active = np.arange(B)
        last = np.full(B, np.inf)
        for _ in range(MAX_ITER):
            if active.size == 0:
                return x
            every = active.size == B  # no copies while every sample is still iterating
            xa = x if every else x[active]
            vda = vd if every else vd[active]
            ea = e if (every or e is None) else e[active]
            i_d, g_d = self.diodes(vda)
            own = vda if ea is None else vda - ea  # the part D·x of vd
            i_d -= g_d * own
            rhs = (c if every else c[active]) - _rows(D.T, i_d)
            x_new = linear_solve(g_d, rhs)
            delta = np.abs(x_new - xa)
            step = delta[:, node_mask].max(axis=1, initial=0.0)
            vd_new = _rows(D, x_new)
            if ea is not None:
                vd_new += ea
            vd_new, limited = self.limit(vd_new, vda)
            if every:
                x, vd = x_new, vd_new
            else:
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


def _rows(M: sp.spmatrix | np.ndarray, y: np.ndarray) -> np.ndarray:
    """``(M @ yᵀ)ᵀ`` for a sparse or dense (m, k) M and (B, k) rows y: (B, m)."""
    if M.shape[1] == 0:
        return np.zeros((y.shape[0], M.shape[0]))
    return np.asarray((M @ y.T).T)


def _incidence(a: np.ndarray, c: np.ndarray, n: int) -> sp.csr_matrix:
    """(n_d, n) rows e_a − e_c (a terminal index −1, ground, is left out)."""
    n_d = len(a)
    rows = np.concatenate([np.arange(n_d), np.arange(n_d)])
    cols = np.concatenate([a, c])
    vals = np.concatenate([np.ones(n_d), -np.ones(n_d)])
    keep = cols >= 0
    return sp.csr_matrix((vals[keep], (rows[keep], cols[keep])), shape=(n_d, n))


def pinned_nodes(mna: MNA) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(nodes, their sources' branch unknowns, signs) of the nodes a V source pins.

    A node is pinned when exactly one independent V source joins it to ground
    and no CCCS senses that source's current.
    """
    found: dict[int, list[tuple[int, float]]] = {}
    for k, p, m in mna.sources:
        if (p >= 0) == (m >= 0):
            continue  # floating, or both ends on ground
        node, sign = (p, 1.0) if m < 0 else (m, -1.0)
        found.setdefault(node, []).append((k, sign))
    pins = sorted((node, ks[0]) for node, ks in found.items()
                  if len(ks) == 1 and ks[0][0] not in mna.sensed)
    P = np.array([node for node, _ in pins], dtype=int)
    Pk = np.array([k for _, (k, _) in pins], dtype=int)
    sign = np.array([s for _, (_, s) in pins], dtype=float)
    return P, Pk, sign


def _jacobian_map(Dn: sp.csr_matrix) -> sp.csr_matrix:
    """(n_N², n_d) sparse W with ``(W @ g)`` the flattened ``Dnᵀ·diag(g)·Dn``.

    Element d with incidence entries (i, v_i) adds ``g_d·v_i·v_j`` at (i, j) for
    every pair of its entries (two-terminal elements: at most four).
    """
    coo = Dn.tocoo()
    n_d, n = Dn.shape
    d, i, v = coo.row, coo.col, coo.data
    # every ordered pair of entries of one element: join the entry list with itself on d
    order = np.argsort(d, kind="stable")
    d, i, v = d[order], i[order], v[order]
    start = np.searchsorted(d, np.arange(n_d))
    count = np.diff(np.append(start, len(d)))
    rows, cols, vals = [], [], []
    for a in range(int(count.max(initial=0))):
        for b in range(int(count.max(initial=0))):
            ok = (count > a) & (count > b)
            ea, eb = start[ok] + a, start[ok] + b
            rows.append(i[ea] * n + i[eb])
            cols.append(d[ea])
            vals.append(v[ea] * v[eb])
    if not rows:
        return sp.csr_matrix((n * n, n_d))
    return sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                         shape=(n * n, n_d))


def make_system(mna: MNA) -> System:
    """Prepare ``mna`` for solving: pick the strategy and precompute its factorisation."""
    if mna.n_diodes == 0:
        return System(mna, "linear", lu=_lu(mna.A, "MNA"))
    P, Pk, Psign = pinned_nodes(mna)
    fixed = np.zeros(mna.n, dtype=bool)
    fixed[P] = True
    fixed[Pk] = True
    on_diode = np.zeros(mna.n, dtype=bool)
    for t in (mna.d_a, mna.d_c):
        on_diode[t[t >= 0]] = True
    on_diode &= ~fixed
    A = mna.A.tocsr()
    # branch unknowns whose element joins only nonlinear nodes, pinned nodes or ground
    for k in range(mna.n_nodes, mna.n):
        if fixed[k]:
            continue
        row = A.getrow(k)
        cols = [c for c in row.indices[np.abs(row.data) > 0] if not fixed[c]]
        if cols and all(c < mna.n_nodes and on_diode[c] for c in cols):
            on_diode[k] = True
    N = np.flatnonzero(on_diode)
    L = np.flatnonzero(~on_diode & ~fixed)
    if len(N) > MAX_REDUCED or len(L) * len(N) > 5e7:
        return System(mna, "sparse")
    Ac = mna.A.tocsc()
    lu = None
    K = np.zeros((len(L), len(N)))
    if len(L):
        try:
            lu = spla.splu(sp.csc_matrix(Ac[L][:, L]))
        except RuntimeError:
            return System(mna, "sparse")
        A_LN = Ac[L][:, N].toarray()
        if A_LN.size:
            K = lu.solve(A_LN)
    A_NL = Ac[N][:, L].tocsr()
    S = Ac[N][:, N].toarray() - A_NL @ K
    D = _incidence(mna.d_a, mna.d_c, mna.n).tocsc()
    Dn = D[:, N].tocsr()
    return System(mna, "reduced", lu=lu, N=N, L=L, S=S, K=K, A_NL=A_NL, Dn=Dn,
                  node_mask=N < mna.n_nodes, P=P, Pk=Pk, Psign=Psign,
                  A_NP=Ac[N][:, P].tocsr(), A_LP=Ac[L][:, P].tocsr(), Dp=D[:, P].tocsr(),
                  Wt=_jacobian_map(Dn))
