"""Centred fixed-effects columns: the coordinates the cross-product blocks hold.

A covariate far from zero (``x + 1e6``) makes the Schur complement
``X'WX - X'WZ Lambda (...)^{-1} Lambda'Z'WX`` cancel catastrophically: its
entries are ~1e12 while the information that determines the slope is O(1).
When X has a constant column c (the intercept), the blocks hold instead

    X_c = X T,    T = I - e_c m',    m_j = mean(X_j) / X_{., c} for j > c, else 0,

the columns after the intercept centred.  ``T`` is unit upper triangular
(``m_c = 0``, ``T^{-1} = I + e_c m'``, ``det T = 1``), so the column space, theta,
sigma, the criterion (``log|R_X|^2`` included), the BLUPs and the fitted values
are unchanged; only the fixed-effect quantities move, and map back exactly:

    beta     = T beta_c                  (X beta = X_c beta_c)
    R_X      = R_c T^{-1} = R_c + R_c e_c m'     (R_X' R_X = T^{-T} R_c'R_c T^{-1})
    x_i      -> T' x_i = x_i - m x_ic    (a row of X in the centred coordinates)

``R_c T^{-1}`` changes only the columns j > c of rows <= c, so it is upper
triangular: the factor of the original system is ``diag(I, T^{-T}) L_c``, itself
lower triangular, and ``L^{-1} [g_Z; g_X] = L_c^{-1} [g_Z; T' g_X]``.  Columns
before the intercept are left as they are (centring them would break that
triangularity); the formula interface always puts the intercept first.

Without a constant column, centring would change the model: ``T = I``.
``m`` is fixed when the blocks are built (plain column means), and reused by
every reweighting (PIRLS, deletion refits, the bootstrap), so all of them work in
the same coordinates; exactness does not depend on its value.
"""
import numpy as np


class Centering:
    """The map ``X -> X T`` (module docstring) and its actions on beta, R_X and rows.

    Parameters
    ----------
    col : int or None
        The constant column c; None for the identity.
    m : ndarray (p,)
        ``m_j`` for j > c, 0 elsewhere.
    """

    def __init__(self, col=None, m=None):
        self.col = col
        self.m = np.zeros(0) if m is None else np.asarray(m, dtype=float)
        self.active = col is not None and bool(np.any(self.m != 0.0))

    @classmethod
    def of(cls, X):
        """Centre the columns after X's first non-zero constant column (identity if none)."""
        X = np.asarray(X, dtype=float)
        n, p = X.shape
        if n == 0 or p < 2:
            return cls(None, np.zeros(p))
        first = X[0]
        const = (first != 0.0) & np.isfinite(first) & (X == first).all(axis=0)
        if not const.any():
            return cls(None, np.zeros(p))
        c = int(np.argmax(const))
        m = np.zeros(p)
        m[c + 1:] = X[:, c + 1:].mean(axis=0) / first[c]
        m[~np.isfinite(m)] = 0.0
        return cls(c, m)

    def center(self, X, out=None):
        """``X T``: ``X_j - m_j X_c`` for every column j (into ``out`` if given)."""
        out = np.array(X, dtype=float) if out is None else out
        if self.active:
            xc = out[:, self.col]
            for j in np.flatnonzero(self.m):      # column by column: no n x p temporary
                out[:, j] -= self.m[j] * xc
        return out

    def rows(self, B):
        """``T' B`` for B (p,) or (p, r) with one row per column of X: rows of X
        (as columns of B) in the centred coordinates."""
        B = np.array(B, dtype=float)
        if self.active:
            B -= self.m.reshape((-1,) + (1,) * (B.ndim - 1)) * B[self.col]
        return B

    def to_original(self, beta_c):
        """``beta = T beta_c``."""
        beta = np.array(beta_c, dtype=float)
        if self.active:
            beta[self.col] -= self.m @ beta_c
        return beta

    def to_centred(self, beta):
        """``beta_c = T^{-1} beta``."""
        beta_c = np.array(beta, dtype=float)
        if self.active:
            beta_c[self.col] += self.m @ beta
        return beta_c

    def factor_to_original(self, R_c):
        """``R_c T^{-1}``: an upper-triangular R_X of the original X from that of X_c."""
        R = np.array(R_c, dtype=float)
        if self.active:
            R += np.outer(R_c[:, self.col], self.m)
        return R

    def form_to_original(self, M_c):
        """``T^{-T} M_c T^{-1}``: a quadratic form in beta_c (``X_c' A X_c``) as the
        form ``X' A X`` in beta."""
        M = np.array(M_c, dtype=float)
        if self.active:
            M += np.outer(self.m, M[self.col])
            M += np.outer(M[:, self.col], self.m)
        return M

    def covariance_to_original(self, C_c):
        """``T C_c T'``: the covariance of ``beta = T beta_c`` from that of beta_c."""
        C = np.array(C_c, dtype=float)
        if self.active:
            C[self.col] -= self.m @ C
            C[:, self.col] -= C @ self.m
        return C
