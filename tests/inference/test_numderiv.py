"""Richardson finite differences (numDeriv's algorithm) on functions with known derivatives."""
import numpy as np

from statsmodels_crossed.inference import numderiv


def f(x):
    return np.exp(x[0]) * np.sin(x[1]) + x[0] ** 2 * x[2] ** 3 + np.log(1 + x[2] ** 2)


def hess_f(x):
    a, b, c = x
    H = np.zeros((3, 3))
    H[0, 0] = np.exp(a) * np.sin(b) + 2 * c ** 3
    H[1, 1] = -np.exp(a) * np.sin(b)
    H[2, 2] = 6 * a ** 2 * c + (2 - 2 * c ** 2) / (1 + c ** 2) ** 2
    H[0, 1] = H[1, 0] = np.exp(a) * np.cos(b)
    H[0, 2] = H[2, 0] = 6 * a * c ** 2
    return H


def test_hessian():
    x = np.array([0.3, 1.1, -0.7])
    np.testing.assert_allclose(numderiv.hessian(f, x), hess_f(x), rtol=1e-7, atol=1e-7)
    x = np.array([1e-7, 2.0, 0.5])              # absolute step 1e-4 on x[0]: less precise
    np.testing.assert_allclose(numderiv.hessian(f, x), hess_f(x), rtol=1e-5, atol=1e-5)


def test_jacobian():
    def g(x):
        return np.array([[x[0] * x[1], np.exp(x[1])], [np.sin(x[0]), x[1] ** 3]])

    x = np.array([0.4, -1.3])
    J = numderiv.jacobian(g, x)
    want = np.array([[x[1], x[0]], [0, np.exp(x[1])], [np.cos(x[0]), 0], [0, 3 * x[1] ** 2]])
    np.testing.assert_allclose(J, want, rtol=1e-9, atol=1e-10)


def test_step_sizes_follow_numderiv():
    """Relative step d|x| (d = 0.1 for the Hessian); eps = 1e-4 where |x| < zero_tol."""
    seen = []

    def rec(x):
        seen.append(np.array(x))
        return float(np.sum(x ** 2))

    numderiv.hessian(rec, np.array([2.0, 0.0]))
    steps = sorted({round(abs(s[0] - 2.0), 12) for s in seen if s[1] == 0.0} - {0.0})
    assert steps == [0.025, 0.05, 0.1, 0.2]
    steps0 = sorted({round(abs(s[1]), 12) for s in seen if s[0] == 2.0} - {0.0})
    assert steps0 == [1.25e-5, 2.5e-5, 5e-5, 1e-4]
