"""The quadratic polish: exact on quadratics, converging on smooth functions, refusing
what it cannot model, and never moving the optimum of a fit."""
import numpy as np
import pytest

from statsmodels_crossed.optim import polish
from statsmodels_crossed.optim.bobyqa import minimize_theta
from statsmodels_crossed.optim.options import FitOptions

H_TRUE = np.array([[4.0, 1.0], [1.0, 2.0]])
G_TRUE = np.array([0.3, -0.2])


def quadratic(x):
    return 5.0 + G_TRUE @ x + 0.5 * x @ H_TRUE @ x


def test_fit_recovers_an_exact_quadratic():
    rng = np.random.default_rng(0)
    pts = rng.normal(scale=0.1, size=(12, 2))
    pts[0] = 0.0
    vals = np.array([quadratic(x) for x in pts])
    model = polish.fit_quadratic(pts, vals)
    x0 = model.x0
    np.testing.assert_allclose(model.H, H_TRUE, rtol=1e-9)
    np.testing.assert_allclose(model.g, G_TRUE + H_TRUE @ x0, rtol=1e-8, atol=1e-12)
    step, predicted = model.newton_step()
    xmin = -np.linalg.solve(H_TRUE, G_TRUE)
    np.testing.assert_allclose(x0 + step, xmin, rtol=1e-9)
    np.testing.assert_allclose(predicted, quadratic(x0) - quadratic(xmin), rtol=1e-9)


def test_fit_refuses_too_few_or_degenerate_points():
    pts = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [3.0, 0.0], [4.0, 0.0], [5.0, 0.0]])
    assert polish.fit_quadratic(pts[:5], np.arange(5.0)) is None       # 5 < 6 coefficients
    assert polish.fit_quadratic(pts, np.arange(6.0)) is None           # all on a line


def smooth(x):
    """Not quadratic: a minimum at (1, 2) with cubic and quartic terms."""
    d = x - np.array([1.0, 2.0])
    return 10.0 + d @ H_TRUE @ d + 0.5 * d[0] ** 3 + 0.3 * d[1] ** 4 + d[0] * d[1] ** 2


def test_polish_converges_on_a_smooth_function_in_few_evaluations():
    rng = np.random.default_rng(1)
    points = list(np.array([1.0, 2.0]) + rng.normal(scale=0.02, size=(10, 2)))
    values = [smooth(x) for x in points]
    n0 = len(points)
    start_gap = min(values) - 10.0                         # ~ 6e-5
    ok = polish.polish(smooth, points, values, lower=np.array([0.0, 0.0]), tol=1e-9)
    assert ok
    best = points[int(np.argmin(values))]
    np.testing.assert_allclose(best, [1.0, 2.0], atol=1e-4)
    assert min(values) - 10.0 <= 1e-8 < start_gap
    assert len(points) - n0 <= 3


def test_polish_gives_up_on_negative_curvature():
    def saddle(x):
        return x[0] ** 2 - x[1] ** 2
    rng = np.random.default_rng(2)
    points = list(rng.normal(scale=0.1, size=(10, 2)) + 1.0)
    values = [saddle(x) for x in points]
    assert not polish.polish(saddle, points, values, lower=np.full(2, -np.inf), tol=1e-12)


def test_polish_stops_at_a_bound():
    def f(x):                                  # minimum at x = -1, outside x > 0
        return (x[0] + 1.0) ** 2 + (x[1] - 1.0) ** 2
    rng = np.random.default_rng(3)
    points = list(np.array([0.05, 1.0]) + rng.uniform(0, 0.05, size=(10, 2)))
    values = [f(x) for x in points]
    assert not polish.polish(f, points, values, lower=np.zeros(2), tol=1e-12)
    assert all(np.all(x > 0) for x in points)


@pytest.mark.parametrize("fun, x0, lower", [
    (smooth, [1.3, 1.6], [0.0, 0.0]),
    (lambda x: (x[0] - 0.5) ** 2 + 3 * (x[1] - 0.2) ** 2 + x[0] * x[1], [1.0, 1.0], [0.0, -np.inf]),
    (lambda x: (x[0] - 2.0) ** 2 + np.cosh(x[0] - 2.0), [1.0], [0.0]),
])
def test_minimize_theta_with_and_without_polish_reach_the_same_optimum(fun, x0, lower):
    x0, lower = np.array(x0), np.array(lower)
    plain = minimize_theta(fun, x0, lower, FitOptions(polish=False))
    polished = minimize_theta(fun, x0, lower, FitOptions())
    assert polished.converged and plain.converged
    assert polished.fmin <= plain.fmin + 1e-12 * max(1.0, abs(plain.fmin))
    np.testing.assert_allclose(polished.theta, plain.theta, atol=1e-5)
    assert polished.n_evals == len(polished.log)


def test_near_points_outweigh_far_ones_in_the_fit():
    # A non-quadratic function sampled far from the best point and at two points
    # close to it: the distance weights make the model's gradient at the best
    # point that of the close points (equal weights let the far points' cubic
    # and quartic terms pull it off).
    rng = np.random.default_rng(4)
    best = np.array([1.05, 2.02])
    far = best + rng.normal(scale=0.3, size=(5, 2))
    near = best + rng.normal(scale=1e-3, size=(2, 2))
    pts = np.vstack([best, far, near])
    vals = np.array([smooth(x) for x in pts])
    eps = 1e-6
    true_g = np.array([(smooth(best + e) - smooth(best - e)) / (2 * eps)
                       for e in np.eye(2) * eps])

    def gradient_error(min_weight):
        old = polish.MIN_WEIGHT
        polish.MIN_WEIGHT = min_weight
        try:
            return np.abs(polish.fit_quadratic(pts, vals).g - true_g).max()
        finally:
            polish.MIN_WEIGHT = old

    weighted, equal = gradient_error(polish.MIN_WEIGHT), gradient_error(1.0)
    assert weighted < 0.2 * equal              # measured: 0.012 against 0.12


def smooth3(x):
    """Three parameters: a minimum at (1, 2, 0.5) with cubic and cross terms."""
    d = x - np.array([1.0, 2.0, 0.5])
    H = np.array([[4.0, 1.0, 0.5], [1.0, 2.0, 0.2], [0.5, 0.2, 3.0]])
    return 10.0 + d @ H @ d + 0.5 * d[0] ** 3 + d[1] * d[2] ** 2 + 0.2 * d[2] ** 4


def test_polish_reaches_the_optimum_with_three_parameters():
    # From BOBYQA-like points 0.02 around the optimum (7.6e-4 above it), three
    # Newton steps reach 1.1e-10; the steps after that may fail the model
    # (points at 1e-5 and 1e-2 from the best one), and the caller then resumes
    # BOBYQA from the best point (test below).
    assert polish.MAX_PARAMS >= 3
    rng = np.random.default_rng(5)
    points = list(np.array([1.0, 2.0, 0.5]) + rng.normal(scale=0.02, size=(14, 3)))
    values = [smooth3(x) for x in points]
    polish.polish(smooth3, points, values, lower=np.zeros(3), tol=1e-10)
    assert min(values[:17]) - 10.0 <= 2e-10


def test_polish_converges_at_the_criterions_rounding_noise():
    # Values carry a relative noise of 1e-15 (the criterion's rounding): gains
    # below the noise confirm the model instead of failing it, so a tolerance
    # far below the noise still ends in convergence, at the optimum.
    rng = np.random.default_rng(6)

    def noisy(x):
        f = 5000.0 + (x - 0.3) @ H_TRUE @ (x - 0.3)
        return f * (1.0 + 1e-15 * rng.standard_normal())
    points = list(0.3 + rng.normal(scale=0.01, size=(10, 2)))
    values = [noisy(x) for x in points]
    assert polish.polish(noisy, points, values, lower=np.zeros(2), tol=1e-14)
    best = points[int(np.argmin(values))]
    np.testing.assert_allclose(best, [0.3, 0.3], atol=1e-6)


def test_minimize_theta_with_three_parameters_reaches_the_plain_optimum():
    x0, lower = np.array([1.3, 1.7, 0.8]), np.zeros(3)
    plain = minimize_theta(smooth3, x0, lower, FitOptions(polish=False))
    polished = minimize_theta(smooth3, x0, lower, FitOptions())
    assert polished.converged and plain.converged
    assert polished.fmin <= plain.fmin + 1e-12 * abs(plain.fmin)
    np.testing.assert_allclose(polished.theta, plain.theta, atol=1e-5)
    assert polished.n_evals < plain.n_evals
