"""The fixed-effect outputs of a factorization, in the coordinates of the original X.

The cross-product blocks hold centred fixed-effects columns ``X_c = X T`` and
``y - X_c beta0_c`` (:mod:`statsmodels_crossed.design.centering`,
:mod:`statsmodels_crossed.design.crossprod`).  A factorization computes in those
coordinates (``_RX_c``, ``_beta_c``, ``_u_c``, ``_solve_lower_c``); this mixin
gives its public interface in the original ones:

    RX()           = R_c T^{-1}                      (upper triangular)
    beta()         = T beta_c
    u(beta)        = u_c(T^{-1} beta - beta0_c)
    solve_lower(B) = L_c^{-1} [B_Z; T' B_X]          (= L^{-1} B, L the original factor)

``u`` given exactly the array ``beta()`` returned at the current factor uses the
``beta_c`` it came from, so the BLUPs carry no rounding of the round trip
``T^{-1} T``.
"""
import numpy as np


class OriginalCoordinates:
    """Mixin for the factorizations (module docstring).  Needs ``self.cp`` and the
    ``_last_key`` of :class:`~statsmodels_crossed.linalg.repeat.RepeatedUpdateCache`."""

    _beta_memo = None

    def RX(self):
        """Upper-triangular R_X with R_X' R_X = the Schur complement of X (original X)."""
        return self.cp.centering.factor_to_original(self._RX_c())

    def beta(self):
        """beta-hat (coefficients of the original X)."""
        beta_c = self._beta_c()
        beta = self.cp.centering.to_original(beta_c)
        self._beta_memo = (self._last_key, beta.copy(), beta_c)
        return beta

    def u(self, beta):
        """Spherical random effects u-hat at ``beta`` (original X), one (l_t, k_t)
        array per term."""
        beta = np.asarray(beta, dtype=float)
        memo = self._beta_memo
        if (memo is not None and memo[0] is not None and memo[0] == self._last_key
                and np.array_equal(memo[1], beta)):
            beta_c = memo[2]
        else:
            beta_c = self.cp.centering.to_centred(beta)
        return self._u_c(beta_c - self.cp.beta0_c)

    def solve_lower(self, B):
        """``L^{-1} B`` for the factor L of the system without y, rows ordered
        [Z, X], the X rows in the coordinates of the original X (see the
        factorization's ``_solve_lower_c`` for the order of the Z rows)."""
        B = np.asarray(B, dtype=float)
        q = self.cp.q
        if self.cp.centering.active:
            B = B.copy()
            B[q:] = self.cp.centering.rows(B[q:])
        return self._solve_lower_c(B)
