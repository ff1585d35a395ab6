"""The cross-product blocks against dense [Z X y]' W [Z X y]."""
import numpy as np

from statsmodels_crossed.design.crossprod import CrossProducts
from tests.linalg.dense_reference import dense_Z, random_problem


def dense_blocks(cp, X, y, w):
    Z = dense_Z(cp.terms)
    M = np.column_stack([Z, X, y])
    return (M * w[:, None]).T @ M, cp.offsets()


def test_blocks_equal_dense_cross_products():
    terms, X, y, w = random_problem(2, levels=(9, 17, 4), ks=(2, 1, 3))
    cp = CrossProducts(terms, X, y, w)
    assert [t.n_levels for t in cp.terms] == [17, 9, 4]          # lme4's order
    # the blocks hold y - X beta0, beta0 the weighted least-squares fit (exact shift)
    beta0 = np.linalg.solve((X * w[:, None]).T @ X, (X * w[:, None]).T @ y)
    np.testing.assert_allclose(cp.beta0, beta0, rtol=1e-10)
    # ... and the columns after the intercept centred (X_c = X T, design.centering)
    Xc = X - np.concatenate([[0.0], X[:, 1:].mean(0)])
    A, off = dense_blocks(cp, Xc, y - X @ beta0, w)
    q = cp.q
    for t, term in enumerate(cp.terms):
        k = term.k
        for lvl in range(term.n_levels):
            sl = slice(off[t] + lvl * k, off[t] + (lvl + 1) * k)
            np.testing.assert_allclose(cp.diag[t][lvl], A[sl, sl], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(cp.xyz[t].reshape(cp.p + 1, -1), A[q:, off[t]:off[t + 1]],
                                   rtol=1e-12, atol=1e-12)
    for (i, j), bl in cp.off.items():
        dense = np.zeros((cp.terms[i].q, cp.terms[j].q))
        ki, kj = cp.ks[i], cp.ks[j]
        for r, c, v in zip(bl.rows, bl.cols, bl.values):
            dense[r * ki:(r + 1) * ki, c * kj:(c + 1) * kj] = v
        np.testing.assert_allclose(dense, A[off[i]:off[i + 1], off[j]:off[j + 1]],
                                   rtol=1e-12, atol=1e-12)
        assert np.all(np.diff(bl.cols) >= 0)
    np.testing.assert_allclose(cp.xyxy, A[q:, q:], rtol=1e-12, atol=1e-12 * np.abs(A).max())
    assert cp.sum_log_w == np.log(w).sum()
