"""Both factorization paths against the dense textbook computation, and each other."""
import numpy as np
import pytest

from statsmodels_crossed.design.crossprod import CrossProducts
from statsmodels_crossed.design.theta import ThetaMap
from statsmodels_crossed.linalg.factorization import make_factorization
from tests.linalg.dense_reference import dense_components, random_problem

PROBLEMS = {
    "three crossed, vector first term": dict(levels=(23, 11, 5), ks=(2, 1, 3)),
    "scalar crossed": dict(levels=(40, 30), ks=(1, 1)),
    "unsorted terms": dict(levels=(5, 31, 12), ks=(1, 2, 1)),
    "single term": dict(levels=(19,), ks=(2,)),
    "unweighted, p=1": dict(levels=(15, 8), ks=(1, 2), p=1, weights=False),
    "no fixed effects": dict(levels=(13, 7), ks=(1, 1), p=0),
}
KINDS = ["blocked", "cholmod"]


def random_theta(ks, seed):
    rng = np.random.default_rng(seed)
    tmap = ThetaMap(ks)
    theta = rng.uniform(0.2, 1.5, tmap.n_theta)
    theta[~tmap.is_diagonal()] = rng.normal(scale=0.4, size=(~tmap.is_diagonal()).sum())
    return tmap, theta


@pytest.fixture(params=list(PROBLEMS), scope="module")
def problem(request):
    terms, X, y, w = random_problem(3, **PROBLEMS[request.param])
    cp = CrossProducts(terms, X, y, w)
    tmap, theta = random_theta(cp.ks, 5)
    lambdas = tmap.lambdas(theta)
    return cp, lambdas, dense_components(cp.terms, X, y, w, lambdas)


@pytest.mark.parametrize("kind", KINDS)
def test_components_match_dense(problem, kind):
    cp, lambdas, want = problem
    f = make_factorization(cp, kind)
    assert f.update(lambdas)
    np.testing.assert_allclose([f.ldL2, f.ldRX2, f.pwrss],
                               [want["ldL2"], want["ldRX2"], want["pwrss"]], rtol=1e-10)
    beta = f.beta()
    np.testing.assert_allclose(beta, want["beta"], rtol=1e-9, atol=1e-11)
    u = np.concatenate([ut.ravel() for ut in f.u(beta)])
    np.testing.assert_allclose(u, want["u"], rtol=1e-9, atol=1e-11)
    RX = f.RX()
    assert np.allclose(RX, np.triu(RX))


@pytest.mark.parametrize("kind", KINDS)
def test_solve_lower_gives_the_factor(problem, kind):
    """|L^{-1} b|^2 = b' A^{-1} b for the system without y (any row permutation)."""
    cp, lambdas, want = problem
    f = make_factorization(cp, kind)
    f.update(lambdas)
    A = want["A"][:-1, :-1]
    B = np.random.default_rng(0).normal(size=(A.shape[0], 4))
    Y = f.solve_lower(B)
    np.testing.assert_allclose(Y.T @ Y, B.T @ np.linalg.solve(A, B), rtol=1e-9)
    np.testing.assert_allclose(f.solve_lower(B[:, 0]), Y[:, 0], rtol=1e-12)


def test_reweight_matches_fresh_blocks():
    terms, X, y, w = random_problem(11, levels=(17, 6), ks=(2, 1))
    cp = CrossProducts(terms, X, y, w)
    f = make_factorization(cp, "blocked")
    w2, y2 = w[::-1].copy(), y * 2 + 1
    cp.reweight(w2, y2, X)
    fresh = CrossProducts(terms, X, y2, w2)
    tmap, theta = random_theta(cp.ks, 2)
    f.update(tmap.lambdas(theta))
    g = make_factorization(fresh, "blocked")
    g.update(tmap.lambdas(theta))
    np.testing.assert_allclose([f.ldL2, f.ldRX2, f.pwrss], [g.ldL2, g.ldRX2, g.pwrss], rtol=1e-12)


@pytest.mark.parametrize("kind", KINDS)
def test_conditional_variances_match_dense(problem, kind):
    cp, lambdas, want = problem
    f = make_factorization(cp, kind)
    f.update(lambdas)
    inv = want["condvar_u"]
    start = 0
    for t, blocks in zip(cp.terms, f.condvar_u()):
        for lvl in range(t.n_levels):
            sl = slice(start + lvl * t.k, start + (lvl + 1) * t.k)
            np.testing.assert_allclose(blocks[lvl], inv[sl, sl], rtol=1e-9, atol=1e-12)
        start += t.q


def test_paths_agree_to_1e10(problem):
    cp, lambdas, _ = problem
    fb, fc = make_factorization(cp, "blocked"), make_factorization(cp, "cholmod")
    for scale in (1.0, 0.1, 3.0):
        lams = [lam * scale for lam in lambdas]
        fb.update(lams)
        fc.update(lams)
        np.testing.assert_allclose([fb.ldL2, fb.ldRX2, fb.pwrss], [fc.ldL2, fc.ldRX2, fc.pwrss],
                                   rtol=1e-10)


def test_refactorization_reuses_pattern(problem):
    """Updating the same object at several theta gives what fresh objects give."""
    cp, lambdas, _ = problem
    for kind in KINDS:
        f = make_factorization(cp, kind)
        f.update([lam * 2 for lam in lambdas])
        f.update(lambdas)
        g = make_factorization(cp, kind)
        g.update(lambdas)
        assert f.ldL2 == pytest.approx(g.ldL2, rel=1e-12)
        assert f.pwrss == pytest.approx(g.pwrss, rel=1e-12)


def test_describe_names_the_blocks(problem):
    cp, _, _ = problem
    assert "blocked" in make_factorization(cp, "blocked").describe()
    assert "CHOLMOD" in make_factorization(cp, "cholmod").describe()


def test_unknown_factorization_is_refused(problem):
    cp, _, _ = problem
    with pytest.raises(ValueError, match="factorization must be"):
        make_factorization(cp, "lu")


@pytest.mark.parametrize("fraction", [0.0, 2.0])
def test_dense_and_sparse_W_agree(problem, fraction, monkeypatch):
    """W stored dense (BLAS syrk) or sparse (Cython syrk) gives the same factor."""
    from statsmodels_crossed.linalg import blocked

    cp, lambdas, want = problem
    monkeypatch.setattr(blocked, "DENSE_W_FRACTION", fraction)
    f = make_factorization(cp, "blocked")
    assert f.dense_w == (fraction == 0.0)
    assert f.update(lambdas)
    np.testing.assert_allclose([f.ldL2, f.ldRX2, f.pwrss],
                               [want["ldL2"], want["ldRX2"], want["pwrss"]], rtol=1e-10)
    u = np.concatenate([ut.ravel() for ut in f.u(f.beta())])
    np.testing.assert_allclose(u, want["u"], rtol=1e-9, atol=1e-11)
    B = np.random.default_rng(1).normal(size=(want["A"].shape[0] - 1, 2))
    Y = f.solve_lower(B)
    np.testing.assert_allclose(Y.T @ Y, B.T @ np.linalg.solve(want["A"][:-1, :-1], B), rtol=1e-9)
    first = f.condvar_u()[0]
    q1 = cp.terms[0].q
    k = cp.terms[0].k
    inv = want["condvar_u"][:q1, :q1]
    np.testing.assert_allclose(first[0], inv[:k, :k], rtol=1e-9)


def test_memory_guard_switches_to_cholmod_or_explains(monkeypatch):
    from statsmodels_crossed.linalg import factorization

    terms, X, y, w = random_problem(4, levels=(60, 50), ks=(1, 1))
    cp = CrossProducts(terms, X, y, w)
    monkeypatch.setattr(factorization, "DENSE_LIMIT", 10)
    monkeypatch.setattr(factorization, "available_memory", lambda: 1000)
    assert factorization.choose(cp) == "cholmod"
    assert make_factorization(cp).name == "cholmod"
    with pytest.raises(factorization.DenseBlockTooLarge, match=r"dense 54 x 54 block .* g1 \(50\)"):
        make_factorization(cp, "blocked")
    monkeypatch.setattr(factorization, "_cholmod_available", lambda: False)
    with pytest.raises(MemoryError, match="factorization='cholmod'"):
        make_factorization(cp)


def test_available_memory_is_positive():
    from statsmodels_crossed.linalg.factorization import available_memory

    assert available_memory() > 2**20
