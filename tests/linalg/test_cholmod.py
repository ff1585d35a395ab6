"""Tests of the CHOLMOD adapter against dense numpy/scipy linear algebra.

scikit-sparse is imported plainly: a missing backend is a failure, not a skip.
"""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.linalg
import scipy.sparse as sp
import sksparse.cholmod  # noqa: F401  (a missing backend must fail here)
from numpy.testing import assert_allclose

from statsmodels_crossed.linalg import cholmod
from statsmodels_crossed.linalg.cholmod import SparseCholesky

ROOT = Path(__file__).resolve().parents[2]


def crossed_spd(seed, l1=60, l2=40, n_obs=300, weights=None):
    """I + Lambda' Z' W Z Lambda, two crossed intercepts; the pattern is the same
    for every seed, the values are not."""
    rng = np.random.default_rng(0)
    g1 = np.concatenate([np.arange(l1), rng.integers(0, l1, n_obs - l1)])
    g2 = np.concatenate([np.arange(l2), rng.integers(0, l2, n_obs - l2)])
    vals = np.random.default_rng(seed)
    rows = np.arange(n_obs)
    Z = sp.hstack([sp.csr_matrix((np.ones(n_obs), (rows, g1)), shape=(n_obs, l1)),
                   sp.csr_matrix((np.ones(n_obs), (rows, g2)), shape=(n_obs, l2))])
    lam = sp.diags(np.repeat(vals.uniform(0.3, 2.0, 2), [l1, l2]))
    w = sp.diags(vals.uniform(0.5, 2.0, n_obs) if weights is None else weights)
    A = (lam @ Z.T @ w @ Z @ lam + sp.identity(l1 + l2)).tocsc()
    A.sort_indices()
    return A


def random_spd(seed, n=150, density=0.03):
    """B B' + diag(d) with a random sparse B."""
    rng = np.random.default_rng(seed)
    B = sp.random(n, n, density=density, random_state=rng)
    A = (B @ B.T + sp.diags(rng.uniform(0.5, 1.5, n))).tocsc()
    A.sort_indices()
    return A


@pytest.fixture(params=["crossed", "random"])
def A(request):
    return crossed_spd(1) if request.param == "crossed" else random_spd(1)


def dense_chol(A, beta, perm):
    """Dense lower Cholesky factor of P (A + beta I) P'."""
    M = A.toarray() + beta * np.eye(A.shape[0])
    return scipy.linalg.cholesky(M[np.ix_(perm, perm)], lower=True)


def test_backend_present():
    assert cholmod.available()
    assert cholmod.backend_version()[:3] in ("0.4", "0.5")


@pytest.mark.parametrize("beta", [0.0, 0.7])
def test_factor_logdet_and_solves_match_dense(A, beta):
    n = A.shape[0]
    chol = SparseCholesky(A).factorize(A, beta=beta)
    perm = chol.perm
    assert chol.beta == beta
    assert np.array_equal(np.sort(perm), np.arange(n))
    assert not np.array_equal(perm, np.arange(n)), "want a non-trivial permutation"

    M = A.toarray() + beta * np.eye(n)
    Ld = dense_chol(A, beta, perm)
    assert_allclose(chol.L().toarray(), Ld, rtol=1e-10, atol=1e-12)
    sign, logdet = np.linalg.slogdet(M)
    assert sign == 1.0
    assert_allclose(chol.logdet(), logdet, rtol=1e-10)

    rng = np.random.default_rng(2)
    for b in (rng.standard_normal(n), rng.standard_normal((n, 3))):
        assert_allclose(chol.solve_A(b), np.linalg.solve(M, b), rtol=1e-9, atol=1e-11)
        y = chol.solve_L(b)
        assert y.shape == b.shape
        assert_allclose(y, scipy.linalg.solve_triangular(Ld, b[perm], lower=True),
                        rtol=1e-9, atol=1e-11)
        z = chol.solve_Lt(b)
        expected = np.empty_like(b)
        expected[perm] = scipy.linalg.solve_triangular(Ld.T, b, lower=False)
        assert z.shape == b.shape
        assert_allclose(z, expected, rtol=1e-9, atol=1e-11)
        assert_allclose(chol.solve_Lt(chol.solve_L(b)), chol.solve_A(b),
                        rtol=1e-9, atol=1e-11)


def test_permutation_convention(A):
    # (P x)[i] = x[perm[i]] and L L' = P A P'
    chol = SparseCholesky(A).factorize(A)
    L = chol.L().toarray()
    P = np.eye(A.shape[0])[chol.perm]
    assert_allclose(L @ L.T, P @ A.toarray() @ P.T, rtol=1e-10, atol=1e-10)


def test_refactorization_on_same_pattern():
    A0 = crossed_spd(0)
    chol = SparseCholesky(A0)
    perm = chol.perm.copy()
    b = np.random.default_rng(3).standard_normal(A0.shape[0])
    for seed, beta in [(1, 0.0), (2, 0.3), (3, 0.0), (1, 1.5)]:
        A = crossed_spd(seed)
        assert np.array_equal(A.indices, A0.indices)
        assert not np.allclose(A.data, A0.data)
        M = A.toarray() + beta * np.eye(A.shape[0])
        chol.factorize(A, beta=beta)
        assert np.array_equal(chol.perm, perm)
        assert_allclose(chol.logdet(), np.linalg.slogdet(M)[1], rtol=1e-10)
        assert_allclose(chol.solve_A(b), np.linalg.solve(M, b), rtol=1e-9)
        assert_allclose(chol.L().toarray(), dense_chol(A, beta, perm),
                        rtol=1e-10, atol=1e-12)


def test_lower_triangle_full_and_other_formats_agree(A):
    lower = sp.tril(A, format="csc")
    ref = SparseCholesky(A).factorize(A, beta=0.2)
    for M in (lower, A.tocsr(), sp.csc_array(A)):
        chol = SparseCholesky(M).factorize(M, beta=0.2)
        assert np.array_equal(chol.perm, ref.perm)
        assert_allclose(chol.logdet(), ref.logdet(), rtol=1e-13)
    single = A.astype(np.float32)  # factored in double precision all the same
    M = single.toarray().astype(np.float64) + 0.2 * np.eye(A.shape[0])
    chol = SparseCholesky(single).factorize(single, beta=0.2)
    assert_allclose(chol.logdet(), np.linalg.slogdet(M)[1], rtol=1e-10)
    chol = SparseCholesky(lower).factorize(A, beta=0.2)  # full values, lower analysis
    assert_allclose(chol.logdet(), ref.logdet(), rtol=1e-13)


def test_int64_indices_on_int32_analysis(A):
    chol = SparseCholesky(A)
    A64 = A.copy()
    A64.indices, A64.indptr = A.indices.astype(np.int64), A.indptr.astype(np.int64)
    chol.factorize(A64)
    assert_allclose(chol.logdet(), np.linalg.slogdet(A.toarray())[1], rtol=1e-10)


@pytest.mark.parametrize("ordering", ["natural", "amd", "metis", "nesdis", "best"])
def test_orderings(A, ordering):
    chol = SparseCholesky(A, ordering=ordering).factorize(A)
    if ordering == "natural":
        assert np.array_equal(chol.perm, np.arange(A.shape[0]))
    assert_allclose(chol.logdet(), np.linalg.slogdet(A.toarray())[1], rtol=1e-10)


def test_not_positive_definite_then_recovers(A):
    chol = SparseCholesky(A).factorize(A)
    shift = -1.01 * np.linalg.eigvalsh(A.toarray()).max()
    with pytest.raises(np.linalg.LinAlgError, match="not positive definite"):
        chol.factorize(A, beta=shift)
    assert chol.beta is None
    with pytest.raises(RuntimeError, match="factorize"):
        chol.logdet()
    indefinite = A.copy()  # negated diagonal
    columns = np.repeat(np.arange(A.shape[0]), np.diff(A.indptr))
    indefinite.data[indefinite.indices == columns] *= -1
    with pytest.raises(np.linalg.LinAlgError, match="not positive definite"):
        chol.factorize(indefinite)
    chol.factorize(A, beta=0.5)
    M = A.toarray() + 0.5 * np.eye(A.shape[0])
    assert_allclose(chol.logdet(), np.linalg.slogdet(M)[1], rtol=1e-10)


def test_usage_errors(A):
    with pytest.raises(RuntimeError, match="factorize"):
        SparseCholesky(A).solve_A(np.ones(A.shape[0]))
    with pytest.raises(ValueError, match="ordering"):
        SparseCholesky(A, ordering="rcm")
    with pytest.raises(TypeError, match="scipy.sparse"):
        SparseCholesky(A.toarray())
    with pytest.raises(ValueError, match="square"):
        SparseCholesky(sp.random(4, 5, density=0.5, format="csc"))
    chol = SparseCholesky(A).factorize(A)
    with pytest.raises(ValueError, match="shape"):
        chol.factorize(sp.identity(3, format="csc"))
    with pytest.raises(ValueError, match="b must be"):
        chol.solve_A(np.ones(A.shape[0] + 1))


def test_missing_backend_reports_install_steps(monkeypatch, A):
    monkeypatch.setitem(sys.modules, "sksparse.cholmod", None)
    assert not cholmod.available()
    assert cholmod.backend_version() is None
    hint = r"pip install 'statsmodels-crossed\[cholmod\]'.*libsuitesparse-dev"
    with pytest.raises(ImportError, match=hint):
        SparseCholesky(A)


def test_module_imports_without_backend():
    # lazy: importing the adapter does not import scikit-sparse
    code = ("import sys; import statsmodels_crossed.linalg.cholmod as c; "
            "assert 'sksparse' not in sys.modules; "
            "sys.modules['sksparse'] = None; assert not c.available()")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
