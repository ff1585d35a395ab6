"""Skip a refactorization at the parameters the factor already holds.

The optimizer's start (:func:`optim.start.best_start` evaluates its candidates,
then BOBYQA evaluates the chosen one again) and the results (built at the best
theta, usually the last one evaluated) ask for the same factorization twice; on
a model whose evaluation costs a second that is worth a cache of one entry.
"""
import numpy as np


class RepeatedUpdateCache:
    """Mixin: ``update(lambdas)`` returns at once when neither the lambdas nor the
    cross-product blocks (``cp.version``, bumped by ``CrossProducts.reweight``)
    changed since the last successful factorization.  Subclasses implement
    ``_factor(lambdas) -> bool``."""

    _last_key = None
    _last_ok = False

    def update(self, lambdas):
        """Factor at ``lambdas`` (one relative covariance factor per term); False
        when the Schur complement is not positive definite."""
        key = (self.cp.version,
               b"".join(np.ascontiguousarray(lam, dtype=float).tobytes() for lam in lambdas))
        if key != self._last_key:
            self._last_key = None            # an interrupted _factor leaves no stale key
            self._last_ok = self._factor(lambdas)
            self._last_key = key
        return self._last_ok
