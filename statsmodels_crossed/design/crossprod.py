"""The cross-product blocks of ``[Z X y]' W [Z X y]``, built once per model.

This is the only place that touches the n observations.  Every evaluation of
the objective afterwards works on these blocks alone (DESIGN.md section 2):

* ``diag[t]``      Z_t' W Z_t, block diagonal: ``(l_t, k_t, k_t)``
* ``off[(i, j)]``  Z_i' W Z_j for i > j: the k_i x k_j blocks of the level pairs
                   that occur together, as a :class:`BlockList`
* ``xyz[t]``       [X y]' W Z_t: ``(p + 1, l_t, k_t)``
* ``xyxy``         [X y]' W [X y]: ``(p + 1, p + 1)``

where X stands for the centred columns ``X_c = X T`` (:mod:`.centering`:
the columns after the intercept minus their means, ``T`` in ``centering``) and
y for ``y - X_c beta0_c``, ``beta0_c`` the weighted least-squares fit of y on
X_c.  Both are exact reparametrizations (beta = T (beta~_c + beta0_c); the
factorizations' ``RX()``, ``beta()``, ``u(beta)`` and ``solve_lower`` map back
to the original X, :mod:`statsmodels_crossed.linalg.coordinates`): the first
keeps the Schur complement of X free of cancellation when a covariate is far
from zero, the second the residual sum of squares when y is.  ``beta0`` is
``T beta0_c``, the least-squares fit of y on the original X.

Terms are ordered as lme4 orders them: by decreasing number of levels, ties in
formula order.
"""
from dataclasses import dataclass

import numpy as np

from statsmodels_crossed.design.centering import Centering
from statsmodels_crossed.linalg import _assemble


@dataclass(frozen=True)
class BlockList:
    """Non-zero k_i x k_j blocks of Z_i' W Z_j, sorted by (column level, row level).

    ``values[e]`` is the block of row level ``rows[e]`` (of term i) and column
    level ``cols[e]`` (of term j); ``colptr`` indexes the blocks by column level.
    """

    rows: np.ndarray
    cols: np.ndarray
    colptr: np.ndarray
    values: np.ndarray

    @property
    def nnz(self):
        return len(self.rows)


def _shift(X, y, w):
    """Weighted least-squares coefficients of y on X (refined once), or 0 where X'WX is
    not usable.

    The blocks hold ``y - X beta0`` in place of y: the criterion, sigma^2 and u are
    the same for any ``beta0`` (only beta moves by ``beta0``; the factorizations add it
    back), but a response far from zero (``y = 1e8 + noise``) would otherwise lose
    every digit of the residual sum of squares to cancellation in ``y'Wy - ...``.
    """
    p = X.shape[1]
    beta0 = np.zeros(p)
    if p == 0:
        return beta0
    Xw = X * w[:, None]
    XtWX = Xw.T @ X
    if not np.isfinite(XtWX).all():
        return beta0
    r = y
    for _ in range(2):
        step = np.linalg.lstsq(XtWX, Xw.T @ r, rcond=None)[0]
        if not np.isfinite(step).all():
            break
        beta0 = beta0 + step
        r = y - X @ beta0
    return beta0


def sort_terms(terms):
    """Terms in lme4's order: decreasing number of levels, stable for ties."""
    return sorted(terms, key=lambda t: -t.n_levels)


def pair_blocks(term_i, term_j, w):
    """The :class:`BlockList` of Z_i' W Z_j (one pass over the rows), and the
    entry of each row (to recompute the values for new weights)."""
    n = len(w)
    colptr = np.empty(term_j.n_levels + 1, dtype=np.int64)
    pair_of_row = np.empty(n, dtype=np.int64)
    order = np.empty(n, dtype=np.int64)
    work = np.empty(n, dtype=np.int64)
    rowidx = np.empty(n, dtype=np.int32)
    nnz = _assemble.pair_pattern(term_i.codes, term_j.codes, term_i.n_levels,
                                 term_j.n_levels, colptr, pair_of_row, order,
                                 work, rowidx)
    values = np.zeros((nnz, term_i.k, term_j.k))
    _assemble.pair_blocks(pair_of_row, term_i.X, term_j.X, w, values)
    cols = np.repeat(np.arange(term_j.n_levels), np.diff(colptr))
    return BlockList(rowidx[:nnz].astype(np.int64), cols, colptr, values), pair_of_row


class CrossProducts:
    """All cross-product blocks of one model (see the module docstring).

    Parameters
    ----------
    terms : list of RandomEffectTerm
        In any order; stored sorted (:func:`sort_terms`).
    X : ndarray (n, p)
    y : ndarray (n,)
    weights : ndarray (n,) or None
        Prior weights (positive).

    Attributes
    ----------
    centering : Centering
        ``T`` of the stored columns ``X_c = X T``, fixed here (from X's column
        means) for every later :meth:`reweight`.
    beta0_c, beta0 : ndarray (p,)
        The shift of y in the coordinates of X_c, and ``T beta0_c``.
    """

    def __init__(self, terms, X, y, weights=None):
        self.terms = sort_terms(terms)
        n, self.p = X.shape
        self.n = n
        self.centering = Centering.of(X)
        w = np.ones(n) if weights is None else np.ascontiguousarray(weights, dtype=float)
        self.diag = [np.zeros((t.n_levels, t.k, t.k)) for t in self.terms]
        self.xyz = [np.zeros((self.p + 1, t.n_levels, t.k)) for t in self.terms]
        self.off, self._pair_of_row = {}, {}
        for i in range(len(self.terms)):
            for j in range(i):
                self.off[(i, j)], self._pair_of_row[(i, j)] = pair_blocks(
                    self.terms[i], self.terms[j], w)
        self._fill(X, y, w)
        self.sum_log_w = float(np.log(w).sum()) if weights is not None else 0.0

    def _fill(self, X, y, w, shift=True):
        self.version = getattr(self, "version", -1) + 1     # factor caches key on it
        D = np.empty((self.n, self.p + 1))
        D[:, :self.p] = X
        Xc = self.centering.center(D[:, :self.p], out=D[:, :self.p])
        self.beta0_c = _shift(Xc, y, w) if shift else np.zeros(self.p)
        self.beta0 = self.centering.to_original(self.beta0_c)
        D[:, self.p] = y - Xc @ self.beta0_c if self.p else y
        self.xyxy = (D * w[:, None]).T @ D
        if not hasattr(self, "_codes64"):
            self._codes64 = [t.codes.astype(np.int64) for t in self.terms]
        for t, codes64, diag, cross in zip(self.terms, self._codes64, self.diag, self.xyz):
            diag.fill(0.0)
            _assemble.pair_blocks(codes64, t.X, t.X, w, diag)
            cross.fill(0.0)
            _assemble.dense_cross(t.codes, t.X, w, D, cross)
        for (i, j), bl in self.off.items():
            bl.values.fill(0.0)
            _assemble.pair_blocks(self._pair_of_row[(i, j)], self.terms[i].X,
                                  self.terms[j].X, w, bl.values)

    def reweight(self, weights, y, X, shift=True):
        """Recompute every block in place for new weights, response and X.

        The sparsity pattern (which level pairs occur) does not change, so
        factorization objects built on this instance stay valid: PIRLS calls
        this once per iteration with the working weights and response.  X is
        the original X; it is centred with the ``centering`` of construction.
        ``sum_log_w`` is left as it was (it belongs to the prior weights).
        ``shift=False`` skips the least-squares shift of y (``beta0 = 0``):
        PIRLS's working response is of moderate size and changes every
        iteration, so the shift would cost a solve per iteration for nothing.
        """
        X = np.asarray(X, dtype=float).reshape(self.n, self.p)
        self._fill(X, np.asarray(y, dtype=float), np.ascontiguousarray(weights, dtype=float),
                   shift)

    @property
    def ks(self):
        return [t.k for t in self.terms]

    @property
    def qs(self):
        return [t.q for t in self.terms]

    @property
    def q(self):
        return int(sum(self.qs))

    def offsets(self):
        """Start of each term's columns in Z (level-major within a term)."""
        return np.concatenate([[0], np.cumsum(self.qs)]).astype(np.int64)
