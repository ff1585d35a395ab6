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
