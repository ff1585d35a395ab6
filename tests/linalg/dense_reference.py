"""Dense, textbook versions of the quantities the factorizations compute.

Z is formed explicitly (n x q), so these only serve small test problems.
"""
import numpy as np
import pandas as pd
import scipy.linalg as sla

from statsmodels_crossed.design.reterms import make_term


def random_problem(seed, n=300, levels=(23, 11, 5), ks=(2, 1, 3), p=3, weights=True):
    """Random crossed terms with random slopes, X, y and weights."""
    rng = np.random.default_rng(seed)
    terms = []
    for i, (l, k) in enumerate(zip(levels, ks)):
        g = rng.integers(0, l, n)
        g[:l] = np.arange(l)                     # every level present
        X = np.column_stack([np.ones(n)] + [rng.normal(size=n) for _ in range(k - 1)])
        terms.append(make_term(f"g{i}", pd.Series(g), X, [f"c{j}" for j in range(k)]))
    X = np.column_stack([np.ones(n), rng.normal(size=(n, max(p - 1, 0)))])[:, :p]
    y = rng.normal(size=n) + X @ np.arange(1, p + 1)
    w = rng.uniform(0.5, 2.0, n) if weights else None
    return terms, X, y, w


def dense_Z(terms):
    """Z with columns level-major within each term, terms in the given order."""
    blocks = []
    for t in terms:
        Zt = np.zeros((len(t.codes), t.q))
        for c in range(t.k):
            Zt[np.arange(len(t.codes)), t.codes * t.k + c] = t.X[:, c]
        blocks.append(Zt)
    return np.hstack(blocks)


def dense_Lambda(terms, lambdas):
    return sla.block_diag(*[np.kron(np.eye(t.n_levels), lam) for t, lam in zip(terms, lambdas)])


def dense_components(terms, X, y, w, lambdas):
    """ldL2, ldRX2, pwrss, beta, u of the penalized least-squares problem."""
    w = np.ones(len(y)) if w is None else w
    ZL = dense_Z(terms) @ dense_Lambda(terms, lambdas)
    M = np.column_stack([ZL, X, y])
    A = (M * w[:, None]).T @ M
    q = ZL.shape[1]
    A[:q, :q] += np.eye(q)
    L = np.linalg.cholesky(A)
    d = np.diag(L)
    p = X.shape[1]
    sol = np.linalg.solve(A[:-1, :-1], A[:-1, -1])
    return {"ldL2": 2 * np.log(d[:q]).sum(), "ldRX2": 2 * np.log(d[q:q + p]).sum(),
            "pwrss": d[-1] ** 2, "u": sol[:q], "beta": sol[q:], "A": A,
            "condvar_u": np.linalg.inv(A[:q, :q])}
