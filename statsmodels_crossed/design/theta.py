"""The map theta -> Lambda: relative covariance factors of the random effects.

Term t has a k x k lower-triangular factor ``lambda_t`` filled column by
column from its slice of theta (lme4's order: k = 2 gives
``[l11, l21, l22]``).  Lambda is block diagonal with ``l_t`` copies of
``lambda_t`` per term.  The covariance of the term's random effects is
``sigma^2 lambda_t lambda_t'``.
"""
import functools

import numpy as np


class ThetaMap:
    """Layout of theta over the terms (sizes ``k_t``, in term order)."""

    def __init__(self, ks):
        self.ks = tuple(int(k) for k in ks)
        self.sizes = [k * (k + 1) // 2 for k in self.ks]
        self.offsets = np.concatenate([[0], np.cumsum(self.sizes)]).astype(int)
        self._indices = [self._colmajor_indices(k) for k in self.ks]

    @property
    def n_theta(self):
        return int(self.offsets[-1])

    def start(self):
        """lme4's starting value: identity factors (1 on diagonals, 0 elsewhere)."""
        return self.theta_from_lambdas([np.eye(k) for k in self.ks])

    def lower_bounds(self):
        """0 for diagonal entries, -inf for off-diagonal ones."""
        lb = []
        for k in self.ks:
            rows, cols = self._colmajor_indices(k)
            lb.append(np.where(rows == cols, 0.0, -np.inf))
        return np.concatenate(lb) if lb else np.zeros(0)

    def is_diagonal(self):
        """Boolean mask of theta entries on the diagonal of their lambda_t."""
        return np.isfinite(self.lower_bounds())

    def lambdas(self, theta):
        """List of the k_t x k_t lower-triangular factors lambda_t."""
        theta = np.asarray(theta, dtype=float)
        out = []
        for t, k in enumerate(self.ks):
            lam = np.zeros((k, k))
            lam[self._indices[t]] = theta[self.offsets[t]:self.offsets[t + 1]]
            out.append(lam)
        return out

    def theta_from_lambdas(self, lambdas):
        """Inverse of :meth:`lambdas`."""
        return np.concatenate([lam[self._colmajor_indices(lam.shape[0])]
                               for lam in lambdas] + [np.zeros(0)])

    @staticmethod
    def _colmajor_indices(k):
        """(rows, cols) of the lower triangle of a k x k matrix, column by column."""
        return _colmajor_indices(k)


@functools.lru_cache(maxsize=None)
def _colmajor_indices(k):
    """:meth:`ThetaMap._colmajor_indices`, computed once per k (read-only arrays):
    ``np.triu_indices`` costs ~10 us, and set-up asks a dozen times per fit."""
    cols, rows = np.triu_indices(k)
    rows.flags.writeable = False
    cols.flags.writeable = False
    return rows, cols
