"""A repeated update at the same lambdas and blocks reuses the factor; anything else refactors."""
import numpy as np
import pytest

from statsmodels_crossed.design.crossprod import CrossProducts
from statsmodels_crossed.design.theta import ThetaMap
from statsmodels_crossed.linalg.factorization import make_factorization
from tests.linalg.dense_reference import dense_components, random_problem


@pytest.mark.parametrize("kind", ["blocked", "cholmod"])
def test_repeat_reuses_and_changes_refactor(kind):
    terms, X, y, w = random_problem(7, levels=(17, 9), ks=(1, 2))
    cp = CrossProducts(terms, X, y, w)
    tmap = ThetaMap(cp.ks)
    factor = make_factorization(cp, kind)
    calls = []
    inner = factor._factor
    factor._factor = lambda lams: calls.append(1) or inner(lams)
    a, b = tmap.lambdas(np.full(tmap.n_theta, 0.7)), tmap.lambdas(np.full(tmap.n_theta, 1.3))

    assert factor.update(a) and factor.update([lam.copy() for lam in a])
    assert len(calls) == 1
    assert factor.update(b) and factor.update(a)
    assert len(calls) == 3
    want = dense_components(cp.terms, X, y, w, a)
    np.testing.assert_allclose(factor.ldL2, want["ldL2"], rtol=1e-10)

    w2 = w * np.linspace(0.5, 1.5, len(w))        # new blocks, same lambdas
    cp.reweight(w2, y, X)
    assert factor.update(a)
    assert len(calls) == 4
    np.testing.assert_allclose(factor.pwrss, dense_components(cp.terms, X, y, w2, a)["pwrss"],
                               rtol=1e-10)


def test_interrupted_factorization_leaves_no_stale_cache():
    terms, X, y, w = random_problem(8, levels=(12, 6), ks=(1, 1))
    cp = CrossProducts(terms, X, y, w)
    factor = make_factorization(cp, "blocked")
    lams = ThetaMap(cp.ks).lambdas(np.array([0.5, 0.9]))
    factor.update(lams)
    inner = factor._factor

    def interrupted(_):
        raise KeyboardInterrupt

    factor._factor = interrupted
    with pytest.raises(KeyboardInterrupt):
        factor.update(ThetaMap(cp.ks).lambdas(np.array([0.6, 0.9])))
    factor._factor = inner
    calls = []
    factor._factor = lambda l: calls.append(1) or inner(l)
    factor.update(lams)
    assert calls == [1]
