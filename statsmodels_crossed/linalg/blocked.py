"""Blocked Cholesky factor of the penalized system (DESIGN.md section 3).

The terms are ordered by decreasing number of levels.  The first term's block
``Lambda_1' Z_1'WZ_1 Lambda_1 + I`` is block diagonal (one k x k block per
level), so it is factored level by level.  Eliminating it leaves the Schur
complement of everything else, the other terms and the dense ``[X y]`` rows:

    S = Lambda_r' A_rr Lambda_r + diag(I, 0) - W W',
    W = [Lambda_r' A_r1 Lambda_1; [X y]' W Z_1 Lambda_1] L_11^{-T}

``W`` is sparse (the co-occurrence pattern of the first factor with the
others); ``S`` is factored densely by LAPACK.  The trailing ``p + 1`` rows of
the dense factor hold R_X' and the penalized residual.
"""
import numpy as np
import scipy.sparse as sp
from scipy.linalg import lapack, solve_triangular

from statsmodels_crossed.linalg import _rank_update
from statsmodels_crossed.linalg.blockscale import (block_entry_indices,
                                                   csc_from_entries, scale_blocks)


def factor_small_blocks(blocks, lam):
    """Lower Cholesky factors of ``lam' B lam + I`` for a stack of k x k blocks B,
    and their inverses."""
    k = lam.shape[0]
    if k == 1:
        L = np.sqrt(blocks * lam[0, 0] ** 2 + 1.0)
        return L, 1.0 / L
    L = np.linalg.cholesky(scale_blocks(blocks, lam, lam) + np.eye(k))
    return L, np.linalg.inv(L)


def times_inv_transpose(values, Linv, cols):
    """``V_e L_{cols[e]}^{-T}`` for every block V_e (nb, k_i, k_1)."""
    if Linv.shape[1:] == (1, 1):
        return values * Linv[cols]
    return np.matmul(values, Linv[cols].transpose(0, 2, 1))


class BlockedCholesky:
    """Blocked factor: block-diagonal first term, sparse W, dense Schur complement.

    Parameters
    ----------
    cp : CrossProducts
    """

    name = "blocked"

    def __init__(self, cp):
        self.cp = cp
        terms = cp.terms
        self.k1 = terms[0].k
        self.l1 = terms[0].n_levels
        qs = cp.qs
        self.roff = np.concatenate([[0, 0], np.cumsum(qs[1:])]).astype(np.int64)
        self.mz = int(sum(qs[1:]))
        self.m = self.mz + cp.p + 1
        self._build_dense_pattern()
        self._build_w_pattern()
        self.S = np.zeros((self.m, self.m), order="F")

    # -- patterns, once ----------------------------------------------------
    def _build_dense_pattern(self):
        cp, m, mz = self.cp, self.m, self.mz
        dest = []
        for t in range(1, len(cp.terms)):
            lv = np.arange(cp.terms[t].n_levels)
            r, c = block_entry_indices(lv, lv, cp.ks[t], cp.ks[t], self.roff[t], self.roff[t])
            dest.append(r + c * m)
            dest.append(self._xyz_dest(t))
        for (i, j), bl in cp.off.items():
            if j == 0:
                continue
            r, c = block_entry_indices(bl.rows, bl.cols, cp.ks[i], cp.ks[j],
                                       self.roff[i], self.roff[j])
            dest.append(r + c * m)
        rr, cc = np.tril_indices(cp.p + 1)
        self._xyxy_idx = (rr, cc)
        dest.append(mz + rr + (mz + cc) * m)
        self._dense_dest = np.concatenate(dest)
        self._diag_z = np.arange(mz) * (m + 1)

    def _xyz_dest(self, t):
        """Positions of ``([X y]' W Z_t Lambda_t)`` entries, in ``xyz[t].ravel()`` order."""
        cp, m = self.cp, self.m
        p1, l, k = cp.xyz[t].shape
        r = self.mz + np.arange(p1)[:, None, None]
        c = self.roff[t] + np.arange(l)[None, :, None] * k + np.arange(k)[None, None, :]
        r, c = np.broadcast_arrays(r, c)
        return (r + c * m).ravel()

    def _build_w_pattern(self):
        cp, k1 = self.cp, self.k1
        rows, cols = [], []
        for t in range(1, len(cp.terms)):
            bl = cp.off[(t, 0)]
            r, c = block_entry_indices(bl.rows, bl.cols, cp.ks[t], k1, self.roff[t], 0)
            rows.append(r)
            cols.append(c)
        p1 = cp.p + 1
        r = self.mz + np.arange(p1)[:, None, None]
        c = np.arange(self.l1)[None, :, None] * k1 + np.arange(k1)[None, None, :]
        r, c = np.broadcast_arrays(r, c)
        rows.append(r.ravel())
        cols.append(c.ravel())
        rows, cols = np.concatenate(rows), np.concatenate(cols)
        self.w_colptr, self.w_rowidx, self._w_src = csc_from_entries(rows, cols, self.l1 * k1)

    # -- per theta -----------------------------------------------------------
    def update(self, lambdas):
        """Factor at the relative covariance factors ``lambdas`` (one per term).

        Returns False (and leaves ``ldL2`` etc. undefined) if the Schur
        complement is not positive definite (only possible when X is
        numerically rank deficient).
        """
        cp = self.cp
        lam1 = lambdas[0]
        self.L11, self.L11inv = factor_small_blocks(cp.diag[0], lam1)
        # W: the first term's columns of the factor, below its diagonal block
        pieces = []
        for t in range(1, len(cp.terms)):
            bl = cp.off[(t, 0)]
            v = scale_blocks(bl.values, lambdas[t], lam1)
            pieces.append(times_inv_transpose(v, self.L11inv, bl.cols).ravel())
        xy1 = np.matmul(cp.xyz[0], lam1)                        # (p+1, l1, k1)
        if self.k1 == 1:
            xy1 = xy1 * self.L11inv[None, :, :, 0]
        else:
            xy1 = np.einsum("plc,ldc->pld", xy1, self.L11inv)
        pieces.append(xy1.ravel())
        self.w_data = np.concatenate(pieces)[self._w_src]
        # S: the dense Schur complement
        vals = []
        for t in range(1, len(cp.terms)):
            vals.append(scale_blocks(cp.diag[t], lambdas[t], lambdas[t]).ravel())
            vals.append(np.matmul(cp.xyz[t], lambdas[t]).ravel())
        for (i, j), bl in cp.off.items():
            if j != 0:
                vals.append(scale_blocks(bl.values, lambdas[i], lambdas[j]).ravel())
        vals.append(cp.xyxy[self._xyxy_idx])
        S = self.S
        S.fill(0.0)
        Sflat = S.reshape(-1, order="F")
        Sflat[self._dense_dest] = np.concatenate(vals)
        Sflat[self._diag_z] += 1.0
        _rank_update.syrk_sub_csc(self.w_colptr, self.w_rowidx, self.w_data, S)
        _, info = lapack.dpotrf(S, lower=1, clean=0, overwrite_a=1)
        if info != 0:
            return False
        d = np.diag(S)
        mz, p = self.mz, self.cp.p
        self.ldL2 = (2.0 * np.log(np.diagonal(self.L11, axis1=1, axis2=2)).sum()
                     + 2.0 * np.log(d[:mz]).sum())
        self.ldRX2 = 2.0 * np.log(d[mz:mz + p]).sum()
        self.pwrss = d[-1] ** 2
        return True

    # -- solutions at the current theta --------------------------------------
    def RX(self):
        """Upper-triangular R_X with R_X' R_X = the Schur complement of X."""
        mz, p = self.mz, self.cp.p
        return np.triu(self.S[mz:mz + p, mz:mz + p].T)

    def beta(self):
        """beta-hat: solves R_X beta = (the X part of the y row of L)."""
        mz, p = self.mz, self.cp.p
        return solve_triangular(self.RX(), self.S[-1, mz:mz + p], lower=False)

    def u(self, beta):
        """Spherical random effects u-hat, one (l_t, k_t) array per term."""
        mz, p = self.mz, self.cp.p
        S = self.S
        rhs = S[-1, :mz] - S[mz:mz + p, :mz].T @ beta
        u_r = solve_triangular(S[:mz, :mz], rhs, lower=True, trans="T") if mz else rhs
        v = np.concatenate([-u_r, -beta, [1.0]])
        W = self._w_matrix()
        rhs1 = (W.T @ v).reshape(self.l1, self.k1)
        u1 = np.einsum("lck,lc->lk", self.L11inv, rhs1)       # L11^{-T} rhs
        return [u1] + self._split_rest(u_r)

    def solve_lower(self, B):
        """``L^{-1} B`` for the factor L of the system without y, rows ordered [Z, X].

        ``L L' = [[Lambda'Z'WZ Lambda + I, Lambda'Z'WX], [X'WZ Lambda, X'WX]]``;
        ``B`` has q + p rows (Z in term order, level-major within a term).
        Leverages are ``w_i |L^{-1} [Lambda' z_i; x_i]|^2``.
        """
        B = np.asarray(B, dtype=float)
        one_d = B.ndim == 1
        B = B.reshape(B.shape[0], -1)
        q1, r = self.l1 * self.k1, B.shape[1]
        y1 = np.einsum("lcd,ldr->lcr", self.L11inv,
                       B[:q1].reshape(self.l1, self.k1, r)).reshape(q1, r)
        rest = B[q1:] - self._w_matrix()[:-1] @ y1
        m1 = self.m - 1
        yr = solve_triangular(self.S[:m1, :m1], rest, lower=True) if m1 else rest
        out = np.vstack([y1, yr])
        return out[:, 0] if one_d else out

    def condvar_u(self):
        """Diagonal blocks of (L_Z L_Z')^{-1}: one (l_t, k_t, k_t) stack per term."""
        mz = self.mz
        Y = (lapack.dtrtri(np.asfortranarray(self.S[:mz, :mz]), lower=1)[0]
             if mz else np.zeros((0, 0)))
        Y = np.tril(Y)
        Wr = self._w_matrix()[:mz]
        G = np.asarray((Wr.T @ Y.T).T) if mz else np.zeros((0, self.l1 * self.k1))
        Gb = G.reshape(mz, self.l1, self.k1)
        X = np.einsum("mlc,lcd->mld", Gb, self.L11inv)
        first = (np.einsum("lca,lcb->lab", self.L11inv, self.L11inv)
                 + np.einsum("mla,mlb->lab", X, X))
        out = [first]
        for t in range(1, len(self.cp.terms)):
            l, k = self.cp.terms[t].n_levels, self.cp.ks[t]
            Yt = Y[:, self.roff[t]:self.roff[t] + l * k].reshape(mz, l, k)
            out.append(np.einsum("mla,mlb->lab", Yt, Yt))
        return out

    def _w_matrix(self):
        return sp.csc_matrix((self.w_data, self.w_rowidx, self.w_colptr),
                             shape=(self.m, self.l1 * self.k1))

    def _split_rest(self, u_r):
        out = []
        for t in range(1, len(self.cp.terms)):
            l, k = self.cp.terms[t].n_levels, self.cp.ks[t]
            out.append(u_r[self.roff[t]:self.roff[t] + l * k].reshape(l, k))
        return out

    def describe(self):
        """One line per block of the factor, with its storage."""
        t0 = self.cp.terms[0]
        return (f"blocked Cholesky: block-diagonal {t0.group} ({self.l1} blocks of "
                f"{self.k1}x{self.k1}); sparse W with {len(self._w_src)} non-zeros; "
                f"dense Schur complement {self.m}x{self.m} "
                f"({self.mz} random effects + {self.cp.p} fixed + y)")
