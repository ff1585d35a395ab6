"""Richardson-extrapolated finite differences (the algorithm of R's numDeriv).

lmerTest computes the Hessian of the deviance in the variance parameters and
the Jacobian of vcov(beta) with ``numDeriv::hessian`` and ``numDeriv::jacobian``
(method "Richardson"); these are the same estimators, so that Satterthwaite
degrees of freedom agree with lmerTest's to the precision of the differences.

Step sizes: ``h0_i = d |x_i| + eps [|x_i| < zero_tol]``, halved ``r - 1``
times (v = 2); the ``r`` central differences are combined by Richardson
extrapolation ``D_k <- (4^m D_{k+1} - D_k) / (4^m - 1)``, m = 1..r-1.
"""
import numpy as np

#: numDeriv's ``zero.tol``: below this |x_i| the step is ``eps`` instead of ``d |x_i|``.
ZERO_TOL = np.sqrt(np.finfo(float).eps / 7e-7)


def _steps(x, d, eps):
    x = np.asarray(x, dtype=float)
    return np.abs(d * x) + eps * (np.abs(x) < ZERO_TOL)


def _richardson(approx):
    """Combine the r successive approximations (first axis) to one estimate."""
    a = np.array(approx, dtype=float)
    r = a.shape[0]
    for m in range(1, r):
        a = (a[1:r + 1 - m] * 4.0 ** m - a[:r - m]) / (4.0 ** m - 1)
    return a[0]


def jacobian(func, x, d=1e-4, eps=1e-4, r=4):
    """Jacobian of a vector function, ``J[i, j] = d func_i / d x_j``.

    numDeriv's ``jacobian(method="Richardson")`` with its defaults
    (relative step ``d = 1e-4``).
    """
    x = np.asarray(x, dtype=float)
    h0 = _steps(x, d, eps)
    cols = []
    for j in range(len(x)):
        approx = []
        h = h0[j]
        for _ in range(r):
            e = np.zeros_like(x)
            e[j] = h
            approx.append((np.ravel(func(x + e)) - np.ravel(func(x - e))) / (2 * h))
            h /= 2.0
        cols.append(_richardson(approx))
    return np.column_stack(cols) if cols else np.zeros((np.size(func(x)), 0))


def hessian(func, x, d=0.1, eps=1e-4, r=4):
    """Hessian of a scalar function (numDeriv's ``hessian``, i.e. ``genD``).

    Diagonal: extrapolated ``(f(x + h e_i) - 2 f(x) + f(x - h e_i)) / h^2``;
    off-diagonal: ``(f(x + h_i e_i + h_j e_j) - 2 f(x) + f(x - h_i e_i - h_j e_j)
    - H_ii h_i^2 - H_jj h_j^2) / (2 h_i h_j)``, extrapolated.  numDeriv's
    default relative step for the Hessian is ``d = 0.1``.
    """
    x = np.asarray(x, dtype=float)
    n = len(x)
    f0 = float(func(x))
    h0 = _steps(x, d, eps)
    H = np.zeros((n, n))
    for i in range(n):
        approx, h = [], h0.copy()
        for _ in range(r):
            e = np.zeros(n)
            e[i] = h[i]
            approx.append((func(x + e) - 2 * f0 + func(x - e)) / h[i] ** 2)
            h /= 2.0
        H[i, i] = _richardson(approx)
    for i in range(n):
        for j in range(i):
            approx, h = [], h0.copy()
            for _ in range(r):
                e = np.zeros(n)
                e[i], e[j] = h[i], h[j]
                approx.append((func(x + e) - 2 * f0 + func(x - e)
                               - H[i, i] * h[i] ** 2 - H[j, j] * h[j] ** 2) / (2 * h[i] * h[j]))
                h /= 2.0
            H[i, j] = H[j, i] = _richardson(approx)
    return H
