"""Pieces of the hat matrix of the penalized system, for leverage and deletion.

With ``M = [Z Lambda, X]`` (n x (q + p)), prior weights ``W`` and

    A = M' W M + diag(I_q, 0) = L L'

the conditional fitted values are ``yhat = M A^{-1} M' W y``.  Observation i
enters through ``g_i = sqrt(w_i) [Lambda' z_i; x_i]``; with

    N_i = L^{-1} g_i,        h_ij = N_i' N_j

``h_ii`` is lme4's ``hatvalues()`` and ``sqrt(w_i / w_j) h_ij`` the (i, j)
entry of the hat matrix.  Every deletion diagnostic of a row set I needs only
``K_I = N_I' N_I`` (k x k) and the X part ``N_{X,I}`` (the last p rows of
``N_I``, p x k), which are what these classes compute.

Three implementations share that interface, one per factorization:
:class:`~statsmodels_crossed.diagnostics.hat_blocked.BlockedHatPieces`,
:class:`~statsmodels_crossed.diagnostics.hat_sparse.SparseHatPieces` (CHOLMOD)
and :class:`GenericHatPieces` (``factor.solve_lower`` on chunks of columns:
any factorization, and the reference the other two are tested against).
"""
import numpy as np
from scipy.linalg import solve_triangular

#: Largest number of float64 entries of one dense work array (chunking budget).
CHUNK_ENTRIES = 2 ** 22


class HatPieces:
    """Common part: the non-zeros of ``g_i`` in the coordinates of ``[Z, X]``.

    Parameters
    ----------
    cp : CrossProducts
        The model's blocks (terms in lme4's order).
    factor : BlockedCholesky or SparseCholeskyPath
        Updated at the fit's theta.
    lambdas : list of ndarray
        The relative covariance factors at that theta.
    X : ndarray (n, p)
    weights : ndarray (n,) or None
    """

    #: The pieces read the factor's internal blocks, which hold the centred
    #: columns ``X T`` (design.centering): g_i's X part is then ``T' x_i``.
    #: Otherwise they go through ``factor.solve_lower``, which takes x_i.
    reads_factor_blocks = False

    def __init__(self, cp, factor, lambdas, X, weights):
        self.cp, self.factor, self.lambdas = cp, factor, lambdas
        self.X = X
        self.Xg = cp.centering.center(X) if self.reads_factor_blocks else X
        self.n, self.p, self.q = cp.n, cp.p, cp.q
        self.sqrtw = np.ones(cp.n) if weights is None else np.sqrt(weights)
        self.offsets = cp.offsets()

    def design(self, rows):
        """Non-zeros of ``g_i`` for ``rows``: (positions, values), each (len(rows), K).

        K = sum of k_t + p; positions index the rows of ``[Z (term order,
        level-major); X]``, terms first, X last.
        """
        rows = np.asarray(rows, dtype=np.int64)
        sw = self.sqrtw[rows][:, None]
        idx, val = [], []
        for off, term, lam in zip(self.offsets, self.cp.terms, self.lambdas):
            k = term.k
            idx.append(off + term.codes[rows].astype(np.int64)[:, None] * k + np.arange(k))
            val.append(sw * (term.X[rows] @ lam))
        idx.append(np.broadcast_to(self.q + np.arange(self.p), (len(rows), self.p)))
        val.append(sw * self.Xg[rows])
        return np.hstack(idx), np.hstack(val)

    def fixed_part(self, rows, NX):
        """``sqrt(w_i) (L_X^{-1} x_i)' N_{X,i}``: the diagonal of
        ``X (X'V^{-1}X)^{-1} X'V^{-1}`` (HLMdiag's fixed-effects leverage)."""
        if self.p == 0:
            return np.zeros(len(rows))
        gx = self.sqrtw[rows][:, None] * self.X[rows]
        ux = solve_triangular(self.factor.RX().T, gx.T, lower=True)
        return np.einsum("pi,ip->i", ux, NX)

    def observations(self):
        """``(h, NX)``: h_ii for every row (n,) and N_{X,i} (n, p)."""
        raise NotImplementedError

    def group(self, rows):
        """``(K, NX)`` for the row set ``rows``: K = N_I'N_I (k, k), NX (p, k)."""
        raise NotImplementedError

    def groups(self, row_sets):
        """``(K, NX)`` of each row set in turn (a generator)."""
        for rows in row_sets:
            yield self.group(rows)


class GenericHatPieces(HatPieces):
    """Columns of ``N = L^{-1} G'`` by ``factor.solve_lower``, in chunks."""

    def _columns(self, rows):
        idx, val = self.design(rows)
        B = np.zeros((self.q + self.p, len(rows)))
        B[idx, np.arange(len(rows))[:, None]] = val
        return self.factor.solve_lower(B)

    def observations(self):
        h = np.empty(self.n)
        NX = np.empty((self.n, self.p))
        step = max(1, min(4096, CHUNK_ENTRIES // (self.q + self.p)))
        for start in range(0, self.n, step):
            rows = np.arange(start, min(self.n, start + step))
            N = self._columns(rows)
            h[rows] = np.einsum("ij,ij->j", N, N)
            NX[rows] = N[self.q:].T
        return h, NX

    def group(self, rows):
        N = self._columns(rows)
        return N.T @ N, N[self.q:]


def hat_pieces(cp, factor, lambdas, X, weights, generic=False):
    """The :class:`HatPieces` suited to ``factor`` (``generic=True`` forces
    the ``solve_lower`` path)."""
    if generic:
        return GenericHatPieces(cp, factor, lambdas, X, weights)
    if factor.name == "blocked":
        from statsmodels_crossed.diagnostics.hat_blocked import BlockedHatPieces
        return BlockedHatPieces(cp, factor, lambdas, X, weights)
    if factor.name == "cholmod":
        from statsmodels_crossed.diagnostics.hat_sparse import SparseHatPieces
        return SparseHatPieces(cp, factor, lambdas, X, weights)
    return GenericHatPieces(cp, factor, lambdas, X, weights)
