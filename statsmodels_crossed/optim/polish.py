"""Newton steps on a quadratic fitted to the evaluations the optimizer already made.

BOBYQA's interpolation model in p dimensions uses 2p + 1 points and learns the
curvature slowly, so the last digits of an optimum cost many evaluations (on a
1,000,000-row crossed model: evaluations 17-30 of 30 moved the criterion by
1e-4).  For a handful of parameters a full quadratic model has only
(p + 1)(p + 2) / 2 coefficients, and BOBYQA's points near its best one
determine it well.  :func:`polish` fits that quadratic by weighted least
squares to the evaluations nearest the best one, steps to its minimum,
evaluates there and repeats; each iteration costs one evaluation.  The weights
fall with the square of the distance (a quadratic's error grows with its
cube), so each new point near the optimum takes over from the far ones and the
distance to the optimum shrinks about quadratically instead of by a constant
factor (Penicillin: gains 6e-5, 3e-6, 2e-6, 2e-7, 2e-8 unweighted).

The caller keeps the best point ever evaluated, so a polish step can never make
the result worse; when the model is unusable (too few or degenerate points, no
positive-definite curvature, a step leaving the feasible region or not
improving) polishing stops and reports that it did not converge.
"""
from dataclasses import dataclass

import numpy as np

#: Polishing is used up to this many parameters.  With three it saves a quarter
#: to a half of the evaluations (InstEval 36 -> 28, sleepstudy's random slope
#: 57 -> 31); with four, BOBYQA's restart after a failed model cost as much as
#: polishing saved on simulated random-slope models.
MAX_PARAMS = 3
#: Extra points beyond the number of coefficients in the least-squares fit.
EXTRA_POINTS = 2
#: Smallest weight of a point, relative to the nearest one's: bounds the
#: condition of the weighted design.
MIN_WEIGHT = 1e-3
#: Consecutive steps without progress (less than a tenth of the predicted
#: decrease) after which the model is given up.
MAX_STRIKES = 2
#: Relative size of the criterion's rounding noise: a step whose gain is below
#: this (relative to the criterion) confirms the model, and a confirmed model
#: predicting less has converged (measured: 2e-14 on a 2,000-row crossed model).
NOISE_REL = 2e-14
#: A confirmed model's prediction of no further decrease ends polishing without
#: another evaluation only when the confirming step itself gained less than this
#: many tolerances: after a large gain the refitted model can understate what is
#: left (a three-term model: predicted < 2e-10, 7e-9 left).
EARLY_EXIT = 1e3
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
    """Weighted least-squares quadratic through the evaluations nearest the best one,
    or None.

    ``points`` (m, p) and ``values`` (m,).  Uses the best point and the
    (p + 1)(p + 2)/2 + :data:`EXTRA_POINTS` - 1 points closest to it (distances
    relative to the best point's coordinates), each weighted by
    ``(nearest distance / its distance)^2`` (at least :data:`MIN_WEIGHT`; the
    best point as the nearest), in coordinates centred at the best point and
    scaled by the points' spread.  None when there are too few points or they
    do not determine a quadratic.
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
    X, F, d = points[keep], values[keep], dist[keep]
    spread = np.abs(X - x0).max(axis=0)
    if not np.all(spread > 0):
        return None
    nearest = d[d > 0].min()
    w = np.maximum((np.maximum(d, nearest) / nearest) ** -2.0, MIN_WEIGHT)
    Z = (X - x0) / spread
    iu, ju = np.triu_indices(p)
    A = np.column_stack([np.ones(len(Z)), Z, Z[:, iu] * Z[:, ju]]) * w[:, None]
    U, sv, Vt = np.linalg.svd(A, full_matrices=False)
    if not sv[-1] * MAX_CONDITION > sv[0]:
        return None
    coef = Vt.T @ ((U.T @ ((F - f0) * w)) / sv)
    Hs = np.zeros((p, p))
    Hs[iu, ju] = coef[1 + p:]
    Hs = Hs + Hs.T                      # diagonal doubled: d2/dz2 of c z^2 is 2c
    g = coef[1:1 + p] / spread
    H = Hs / np.outer(spread, spread)
    return QuadraticModel(x0=x0, f0=f0, g=g, H=H, spread=spread)


def polish(evaluate, points, values, lower, tol, max_iter=10):
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
        predicts at most ``tol`` for the next step.  ``tol`` is raised to the
        criterion's rounding noise (:data:`NOISE_REL`), below which gains and
        predictions mean nothing.

    Returns
    -------
    bool
        True when converged; False when the model became unusable (the caller
        resumes with another method).
    """
    tol = max(tol, NOISE_REL * abs(min(values)))
    confirmed, strikes, gained = False, 0, np.inf
    for _ in range(max_iter):
        model = fit_quadratic(np.array(points), np.array(values))
        found = None if model is None else model.newton_step()
        if found is None:
            return False
        step, predicted = found
        if predicted <= tol and confirmed and gained <= EARLY_EXIT * tol:
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
        # a step short of its prediction still adds a point near the optimum
        strikes = 0 if confirmed or gained > 0.1 * predicted else strikes + 1
        if strikes >= MAX_STRIKES:
            return False
    return False
