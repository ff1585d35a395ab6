"""Hat-matrix pieces on the CHOLMOD path.

With ``A_ZZ = Lambda'Z'WZ Lambda + I = P' L_Z L_Z' P`` (CHOLMOD), the X block
``L_X`` and ``Y = A_ZZ^{-1} Lambda'Z'WX`` (p solves):

    N_{X,i}   = L_X^{-1} (sqrt(w_i) x_i - Y' g_{Z,i})
    N_i' N_j  = g_{Z,i}' A_ZZ^{-1} g_{Z,j} + N_{X,i}' N_{X,j}

so every piece needs only entries of ``A_ZZ^{-1}`` at coordinates the rows
touch.  They are read off its columns, computed by chunks of coordinates with
CHOLMOD's ``solve_A``: one sweep over the q columns serves every observation
(instead of one solve per observation), and one sweep serves a batch of
groups (bounded memory).
"""
import numpy as np
from scipy.linalg import solve_triangular

from statsmodels_crossed.diagnostics.hat import CHUNK_ENTRIES, GenericHatPieces


#: Work-array budget (float64 entries) of one batch of groups.
BATCH_ENTRIES = 4 * CHUNK_ENTRIES


class SparseHatPieces(GenericHatPieces):
    """Pieces from columns of ``A_ZZ^{-1}`` (module docstring)."""

    reads_factor_blocks = True

    def __init__(self, cp, factor, lambdas, X, weights):
        super().__init__(cp, factor, lambdas, X, weights)
        p = self.p
        self.kz = sum(cp.ks)
        self.Y = factor.factor.solve_Lt(factor.RZX[:, :p]) if p else np.zeros((self.q, 0))
        self.LX = factor.LXY[:p, :p].copy()
        self.chunk = max(1, min(512, CHUNK_ENTRIES // self.q))

    def _nx(self, idx, val):
        """``N_{X,i}`` (len, p) of the rows with design non-zeros ``(idx, val)``."""
        kz = self.kz
        gx = val[:, kz:] - np.einsum("nap,na->np", self.Y[idx[:, :kz]], val[:, :kz])
        return solve_triangular(self.LX, gx.T, lower=True).T if self.p else gx

    def _inverse_columns(self, c0, c1):
        """Columns ``c0:c1`` of ``A_ZZ^{-1}`` (rows in the original order)."""
        E = np.zeros((self.q, c1 - c0))
        E[c0 + np.arange(c1 - c0), np.arange(c1 - c0)] = 1.0
        return self.factor.factor.solve_A(E)

    def observations(self):
        kz = self.kz
        idx, val = self.design(np.arange(self.n))
        NX = self._nx(idx, val)
        hz = np.zeros(self.n)
        start = 0
        for t, term in enumerate(self.cp.terms):
            cols = slice(start, start + term.k)                   # term t's entries of g_i
            order = np.argsort(term.codes, kind="stable")
            bounds = np.searchsorted(term.codes[order], np.arange(term.n_levels + 1))
            per = max(1, self.chunk // term.k)
            for a in range(0, term.n_levels, per):
                b = min(term.n_levels, a + per)
                c0 = self.offsets[t] + a * term.k
                C = self._inverse_columns(c0, self.offsets[t] + b * term.k)
                r = order[bounds[a]:bounds[b]]
                gathered = C[idx[r, :kz][:, :, None], (idx[r, cols] - c0)[:, None, :]]
                hz[r] += np.einsum("na,nab,nb->n", val[r, :kz], gathered, val[r, cols])
            start += term.k
        return hz + (NX ** 2).sum(1), NX

    def group(self, rows):
        return next(self.groups([rows]))

    def groups(self, row_sets):
        """``(K, NX)`` of each row set: one sweep over ``A_ZZ^{-1}``'s columns per batch."""
        batch, size = [], 0
        for rows in row_sets:
            batch.append(self._prepare(rows))
            size += batch[-1][1].size + batch[-1][2].size
            if size >= BATCH_ENTRIES:
                yield from self._sweep(batch)
                batch, size = [], 0
        yield from self._sweep(batch)

    def _prepare(self, rows):
        """``[U, R, K, NX]``: touched Z coordinates U (sorted), ``R = G_{Z,I}'`` on
        them (|U| x k), K started at ``N_X' N_X``."""
        idx, val = self.design(rows)
        zpos = idx[:, :self.kz]
        U = np.unique(zpos)
        R = np.zeros((len(U), len(rows)))
        R[np.searchsorted(U, zpos), np.arange(len(rows))[:, None]] = val[:, :self.kz]
        NX = self._nx(idx, val).T
        return [U, R, NX.T @ NX, NX]

    def _sweep(self, batch):
        touched = {}
        for j, (U, _, _, _) in enumerate(batch):
            for c in np.unique(U // self.chunk):
                touched.setdefault(int(c), []).append(j)
        for c in sorted(touched):
            c0, c1 = c * self.chunk, min(self.q, (c + 1) * self.chunk)
            C = self._inverse_columns(c0, c1)
            for j in touched[c]:
                U, R, K, _ = batch[j]
                lo, hi = np.searchsorted(U, [c0, c1])
                K += R.T @ C[np.ix_(U, U[lo:hi] - c0)] @ R[lo:hi]
        for _, _, K, NX in batch:
            yield K, NX
