"""The centred coordinates X_c = X T of the blocks, and the factorizations' map back.

Every expected value is dense textbook algebra on the original X.
"""
import numpy as np
import pytest
import scipy.linalg as sla

from statsmodels_crossed.design.centering import Centering
from statsmodels_crossed.design.crossprod import CrossProducts
from statsmodels_crossed.design.theta import ThetaMap
from statsmodels_crossed.linalg.factorization import make_factorization
from tests.linalg.dense_reference import dense_components, random_problem

KINDS = ["blocked", "cholmod"]


def columns(n=50, seed=0, const_at=0, const=1.0, shift=100.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4)) + shift
    X[:, const_at] = const
    return X


@pytest.mark.parametrize("const_at, const", [(0, 1.0), (2, 1.0), (0, 2.5), (3, -1.0)])
def test_centres_the_columns_after_the_constant(const_at, const):
    X = columns(const_at=const_at, const=const)
    cen = Centering.of(X)
    assert cen.col == const_at
    Xc = cen.center(X)
    after = np.arange(4) > const_at
    np.testing.assert_allclose(Xc[:, after].mean(0), 0.0, atol=1e-12)
    np.testing.assert_array_equal(Xc[:, ~after], X[:, ~after])   # the rest as they were
    # Xc = X T with T = I - e_c m', unit upper triangular
    T = np.linalg.lstsq(X, Xc, rcond=None)[0]
    np.testing.assert_allclose(np.diag(T), 1.0, atol=1e-10)
    np.testing.assert_allclose(np.tril(T, -1), 0.0, atol=1e-10)
    rng = np.random.default_rng(1)
    b_c = rng.normal(size=4)
    np.testing.assert_allclose(X @ cen.to_original(b_c), Xc @ b_c, rtol=1e-12, atol=1e-10)
    np.testing.assert_allclose(cen.to_centred(cen.to_original(b_c)), b_c, rtol=1e-13)
    np.testing.assert_allclose(cen.rows(X.T), Xc.T, rtol=1e-13)      # rows x_i -> T' x_i
    np.testing.assert_allclose(cen.rows(X[7]), Xc[7], rtol=1e-13)


@pytest.mark.parametrize("const_at", [0, 2])
def test_factor_and_forms_map_to_the_original_x(const_at):
    X = columns(const_at=const_at)
    cen = Centering.of(X)
    Xc = cen.center(X)
    A = np.diag(np.random.default_rng(2).uniform(0.5, 2.0, len(X)))
    R_c = np.linalg.cholesky(Xc.T @ A @ Xc).T
    R = cen.factor_to_original(R_c)
    np.testing.assert_array_equal(R, np.triu(R))                    # still upper triangular
    np.testing.assert_allclose(R, np.linalg.cholesky(X.T @ A @ X).T, rtol=1e-8)
    np.testing.assert_allclose(cen.form_to_original(Xc.T @ A @ Xc), X.T @ A @ X, rtol=1e-10)
    # covariances the other way: cov(beta_c) = (Xc' A Xc)^-1 -> cov(beta) = (X' A X)^-1
    cov = cen.covariance_to_original(np.linalg.inv(Xc.T @ A @ Xc))
    np.testing.assert_allclose(cov, np.linalg.inv(X.T @ A @ X), rtol=1e-7)


def test_no_constant_column_leaves_x_alone():
    X = columns()
    X[:, 0] = np.arange(len(X))
    for Y in (X, X[:, :1], np.zeros((5, 0))):
        cen = Centering.of(Y)
        assert not cen.active
        np.testing.assert_array_equal(cen.center(Y), Y)
    zero = columns()
    zero[:, 0] = 0.0                          # a zero column is not an intercept
    assert not Centering.of(zero).active


@pytest.fixture(scope="module")
def shifted_problem():
    """Terms with slopes, prior weights, and X = [x + 100, 1, z]: the intercept in
    the middle (only z is centred) and a column before it (left alone)."""
    terms, X, y, w = random_problem(4, levels=(19, 8, 5), ks=(2, 1, 1))
    X = np.column_stack([X[:, 1] + 100.0, np.ones(len(y)), X[:, 2] - 50.0])
    cp = CrossProducts(terms, X, y, w)
    assert cp.centering.col == 1 and cp.centering.m[2] != 0 and cp.centering.m[0] == 0
    tmap = ThetaMap(cp.ks)
    lambdas = tmap.lambdas(np.random.default_rng(6).uniform(0.3, 1.2, tmap.n_theta))
    return cp, X, lambdas, dense_components(cp.terms, X, y, w, lambdas)


@pytest.mark.parametrize("kind", KINDS)
def test_original_coordinates_match_dense(shifted_problem, kind):
    cp, X, lambdas, want = shifted_problem
    f = make_factorization(cp, kind)
    assert f.update(lambdas)
    np.testing.assert_allclose([f.ldL2, f.ldRX2, f.pwrss],
                               [want["ldL2"], want["ldRX2"], want["pwrss"]], rtol=1e-9)
    beta = f.beta()
    np.testing.assert_allclose(beta, want["beta"], rtol=1e-8)
    u = np.concatenate([ut.ravel() for ut in f.u(beta)])
    np.testing.assert_allclose(u, want["u"], rtol=1e-8, atol=1e-10)
    u_copy = np.concatenate([ut.ravel() for ut in f.u(beta + 0.0)])   # not the cached beta
    np.testing.assert_allclose(u_copy, want["u"], rtol=1e-8, atol=1e-10)
    # R_X upper triangular with R_X' R_X = the Schur complement of the original X
    A = want["A"]
    q, p = cp.q, cp.p
    schur = A[q:q + p, q:q + p] - A[q:q + p, :q] @ np.linalg.solve(A[:q, :q], A[:q, q:q + p])
    RX = f.RX()
    np.testing.assert_array_equal(RX, np.triu(RX))
    np.testing.assert_allclose(RX, np.linalg.cholesky(schur).T, rtol=1e-7)
    # solve_lower takes original X rows: the X part is that of the original factor
    L = np.linalg.cholesky(A[:-1, :-1])
    B = np.random.default_rng(0).normal(size=(q + p, 3))
    B[q:] = X[:3].T
    Y = f.solve_lower(B)
    np.testing.assert_allclose(Y.T @ Y, B.T @ np.linalg.solve(A[:-1, :-1], B), rtol=1e-9)
    np.testing.assert_allclose(Y[q:], sla.solve_triangular(L, B, lower=True)[q:], rtol=1e-8)


def test_reweight_keeps_the_centring_of_construction(shifted_problem):
    cp0, X, lambdas, _ = shifted_problem
    terms = cp0.terms
    rng = np.random.default_rng(9)
    y, w = rng.normal(size=cp0.n), rng.uniform(0.2, 3.0, cp0.n)
    cp = CrossProducts(terms, X, np.zeros(cp0.n), None)
    m = cp.centering.m.copy()
    f = make_factorization(cp, "blocked")
    cp.reweight(w, y, X, shift=False)             # as PIRLS: new weights, no shift
    np.testing.assert_array_equal(cp.centering.m, m)
    assert f.update(lambdas)
    want = dense_components(terms, X, y, w, lambdas)
    np.testing.assert_allclose(f.beta(), want["beta"], rtol=1e-8)
    np.testing.assert_allclose(f.pwrss, want["pwrss"], rtol=1e-10)
