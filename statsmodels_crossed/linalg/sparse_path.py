"""The general path: CHOLMOD factor of the whole random-effects block.

    P (Lambda' Z'WZ Lambda + I) P' = L_Z L_Z'          (sparse, CHOLMOD)
    R_ZX = L_Z^{-1} P Lambda' Z'W [X y]                 (dense, q x (p+1))
    [X y]'W[X y] - R_ZX' R_ZX = L_XY L_XY'              (dense, p+1)

This is lme4's layout.  The symbolic analysis (fill-reducing permutation) is
done once; each theta refactors the same pattern.  Used when the dense Schur
complement of :mod:`blocked` would be large and sparse.  X is the blocks'
centred X_c; the public methods answer for the original X (:mod:`.coordinates`).
"""
import numpy as np
from scipy.linalg import cholesky, solve_triangular
import scipy.sparse as sp

from statsmodels_crossed.linalg.blockscale import (csc_from_entries, entry_values,
                                                   symmetric_entries)
from statsmodels_crossed.linalg.cholmod import SparseCholesky
from statsmodels_crossed.linalg.coordinates import OriginalCoordinates
from statsmodels_crossed.linalg.repeat import RepeatedUpdateCache


#: CHOLMOD's fill-reducing ordering for the random-effects block.
ORDERING = "amd"


class SparseCholeskyPath(OriginalCoordinates, RepeatedUpdateCache):
    """CHOLMOD factorization with the same interface as ``BlockedCholesky``."""

    name = "cholmod"

    def __init__(self, cp):
        self.cp = cp
        self.off = cp.offsets()
        q = cp.q
        rows, cols, self._pieces = symmetric_entries(cp, self.off)
        self.colptr, self.rowidx, self._src = csc_from_entries(rows, cols, q)
        self._diag_pos = np.nonzero(rows[self._src] == cols[self._src])[0]
        self._pattern = self._matrix(np.ones(len(rows)))
        self._pattern.data[self._diag_pos] += q  # any positive-definite values
        # AMD alone: CHOLMOD's default also tries METIS when AMD's fill is large and
        # keeps the sparser factor, which was AMD's on every design measured (two-
        # and three-term, 10k-13k levels), so the METIS run only cost 45-130 ms.
        self.factor = SparseCholesky(self._pattern, ordering=ORDERING)

    def _matrix(self, data):
        return sp.csc_matrix((data, self.rowidx, self.colptr), shape=(self.cp.q, self.cp.q))

    def _values(self, lambdas):
        return entry_values(self._pieces, lambdas)

    def _factor(self, lambdas):
        cp = self.cp
        data = self._values(lambdas)[self._src]
        data[self._diag_pos] += 1.0
        try:
            self.factor.factorize(self._matrix(data))
        except np.linalg.LinAlgError:
            return False
        ZtD = np.concatenate([np.matmul(cp.xyz[t], lambdas[t]).reshape(cp.p + 1, -1)
                              for t in range(len(cp.terms))], axis=1).T
        self.RZX = self.factor.solve_L(ZtD)
        S = cp.xyxy - self.RZX.T @ self.RZX
        try:
            self.LXY = cholesky(S, lower=True)
        except np.linalg.LinAlgError:
            return False
        d = np.diag(self.LXY)
        p = cp.p
        self.ldL2 = self.factor.logdet()
        self.ldRX2 = 2.0 * np.log(d[:p]).sum()
        self.pwrss = d[p] ** 2
        return True

    # -- solutions at the current theta, coordinates of X_c (public: .coordinates) --
    def _RX_c(self):
        """Upper-triangular R_c with R_c' R_c = the Schur complement of X_c."""
        p = self.cp.p
        return np.triu(self.LXY[:p, :p].T)

    def _beta_c(self):
        """beta~ + ``cp.beta0_c`` (the blocks hold y - X_c beta0_c, see design.crossprod)."""
        p = self.cp.p
        return solve_triangular(self._RX_c(), self.LXY[p, :p], lower=False) + self.cp.beta0_c

    def _u_c(self, beta):
        """Spherical random effects at ``beta`` = beta_c - beta0_c, per term."""
        p = self.cp.p
        u = self.factor.solve_Lt(self.RZX[:, p] - self.RZX[:, :p] @ beta)
        return [u[self.off[t]:self.off[t + 1]].reshape(term.n_levels, term.k)
                for t, term in enumerate(self.cp.terms)]

    def _solve_lower_c(self, B):
        """``L^{-1} B`` for the factor of the system without y, rows ordered [Z, X_c].

        The Z part of the result is in CHOLMOD's permuted order (norms and
        inner products, all that leverages need, do not depend on it).
        """
        B = np.asarray(B, dtype=float)
        one_d = B.ndim == 1
        B = B.reshape(B.shape[0], -1)
        q, p = self.cp.q, self.cp.p
        yz = self.factor.solve_L(B[:q])
        yx = solve_triangular(self.LXY[:p, :p], B[q:] - self.RZX[:, :p].T @ yz, lower=True)
        out = np.vstack([yz, yx])
        return out[:, 0] if one_d else out

    def condvar_u(self, chunk=512):
        """Diagonal blocks of (Lambda'Z'WZ Lambda + I)^{-1}, by blocks of unit solves."""
        out = []
        for t, term in enumerate(self.cp.terms):
            k, l = term.k, term.n_levels
            blocks = np.empty((l, k, k))
            for start in range(0, l, chunk):
                stop = min(l, start + chunk)
                cols = np.arange(self.off[t] + start * k, self.off[t] + stop * k)
                E = np.zeros((self.cp.q, len(cols)))
                E[cols, np.arange(len(cols))] = 1.0
                X = self.factor.solve_A(E)[cols]            # (nb*k, nb*k)
                nb = stop - start
                Xb = X.reshape(nb, k, nb, k)
                blocks[start:stop] = Xb[np.arange(nb), :, np.arange(nb), :]
            out.append(blocks)
        return out

    def describe(self):
        return (f"CHOLMOD sparse Cholesky of the {self.cp.q}x{self.cp.q} random-effects "
                f"block ({len(self.rowidx)} stored entries), dense {self.cp.p + 1}x"
                f"{self.cp.p + 1} block for [X y]")
