"""Newton steps on a quadratic fitted to the evaluations the optimizer already made.

BOBYQA's interpolation model in p dimensions uses 2p + 1 points and learns the
curvature slowly, so the last digits of an optimum cost many evaluations (on a
1,000,000-row crossed model: evaluations 17-30 of 30 moved the criterion by
1e-4).  For a handful of parameters a full quadratic model has only
(p + 1)(p + 2) / 2 coefficients, and BOBYQA's points near its best one
determine it well.  :func:`polish` fits that quadratic by least squares to the
best evaluations, steps to its minimum, evaluates there and repeats; each
iteration costs one evaluation and roughly squares the distance to the optimum.

The caller keeps the best point ever evaluated, so a polish step can never make
the result worse; when the model is unusable (too few or degenerate points, no
positive-definite curvature, a step leaving the feasible region or not
improving) polishing stops and reports that it did not converge.
"""
from dataclasses import dataclass

import numpy as np

#: Polishing is used up to this many parameters.  With three (InstEval, random
#: slopes) the fitted quadratic failed its check on half the reference cases and
#: BOBYQA's restart then cost more than polishing saved (InstEval 36 -> 41).
MAX_PARAMS = 2
#: Extra points beyond the number of coefficients in the least-squares fit.
EXTRA_POINTS = 2
#: Largest accepted condition number of the (scaled) least-squares design.
MAX_CONDITION = 1e8
#: Largest accepted step, in units of the spread of the fitted points.
MAX_STEP = 2.0


@dataclass
class QuadraticModel:
    """``f(x0 + s) ~ f0 + g's + s'Hs/2`` around the best point ``x0``."""

    x0: np.ndarray
    f0: float
    g: np.ndarray
    H: np.ndarray
    spread: np.ndarray          # per-coordinate spread of the fitted points

    def newton_step(self):
        """The minimizer's offset ``-H^{-1} g`` and the predicted decrease, or None
        when H is not positive definite."""
        try:
            chol = np.linalg.cholesky(self.H)
        except np.linalg.LinAlgError:
            return None
        step = -np.linalg.solve(chol.T, np.linalg.solve(chol, self.g))
        return step, -0.5 * float(self.g @ step)


def fit_quadratic(points, values):
    """Least-squares quadratic through the evaluations nearest the best one, or None.

    ``points`` (m, p) and ``values`` (m,).  Uses the best point and the
    (p + 1)(p + 2)/2 + :data:`EXTRA_POINTS` - 1 points closest to it (distances
    relative to the best point's coordinates), in coordinates centred at the
    best point and scaled by the points' spread.  None when there are too few
    points or they do not determine a quadratic.
    """
    points, values = np.asarray(points, dtype=float), np.asarray(values, dtype=float)
    p = points.shape[1]
    ncoef = (p + 1) * (p + 2) // 2
    if len(points) < ncoef:
        return None
    best = int(np.argmin(values))
    x0, f0 = points[best], values[best]
    dist = np.abs((points - x0) / np.maximum(np.abs(x0), 1e-3)).max(axis=1)
    keep = np.argsort(dist, kind="stable")[:ncoef + EXTRA_POINTS]
    X, F = points[keep], values[keep]
    spread = np.abs(X - x0).max(axis=0)
    if not np.all(spread > 0):
        return None
    Z = (X - x0) / spread
    iu, ju = np.triu_indices(p)
    A = np.column_stack([np.ones(len(Z)), Z, Z[:, iu] * Z[:, ju]])
    U, sv, Vt = np.linalg.svd(A, full_matrices=False)
    if not sv[-1] * MAX_CONDITION > sv[0]:
        return None
    coef = Vt.T @ ((U.T @ (F - f0)) / sv)
    Hs = np.zeros((p, p))
    Hs[iu, ju] = coef[1 + p:]
    Hs = Hs + Hs.T                      # diagonal doubled: d2/dz2 of c z^2 is 2c
    g = coef[1:1 + p] / spread
    H = Hs / np.outer(spread, spread)
    return QuadraticModel(x0=x0, f0=f0, g=g, H=H, spread=spread)


def polish(evaluate, points, values, lower, tol, max_iter=6):
    """Newton iterations on quadratics fitted to ``points``/``values`` (extended in place).

    Parameters
    ----------
    evaluate : callable
        ``evaluate(x) -> f(x)`` (records the evaluation for the caller).
    points, values : list
        Every evaluation so far; new ones are appended.
    lower : ndarray
        Lower bounds; a step onto or past a bound ends polishing.
    tol : float
        Converged when a step whose decrease the model predicted (within a
        factor of two) gained at most ``tol``, or when a model confirmed that way
        predicts at most ``tol`` for the next step.

    Returns
    -------
    bool
        True when converged; False when the model became unusable (the caller
        resumes with another method).
    """
    confirmed = False
    for _ in range(max_iter):
        model = fit_quadratic(np.array(points), np.array(values))
        found = None if model is None else model.newton_step()
        if found is None:
            return False
        step, predicted = found
        if predicted <= tol and confirmed:
            return True
        if np.any(np.abs(step) > MAX_STEP * model.spread):
            return False
        x = model.x0 + step
        if np.any(x <= lower):
            return False
        fx = evaluate(x)
        points.append(x)
        values.append(fx)
        gained = model.f0 - fx
        confirmed = 0.5 * predicted <= gained <= 2.0 * predicted or abs(gained) <= tol
        if confirmed and gained <= tol:
            return True
    return False
