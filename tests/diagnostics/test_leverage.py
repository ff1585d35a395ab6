"""Leverage: lme4's hatvalues for every LMM reference case, HLMdiag's split by brute force."""
import functools

import numpy as np
import pytest
import scipy.sparse as sp

from statsmodels_crossed.design.crossprod import CrossProducts
from statsmodels_crossed.design.theta import ThetaMap
from statsmodels_crossed.diagnostics.hat import hat_pieces
from statsmodels_crossed.linalg.factorization import make_factorization
from tests.diagnostics.brute import Dense
from tests.diagnostics.conftest import SMALL, small_fit
from tests.linalg.dense_reference import dense_Lambda, dense_Z, random_problem
from tests.models.reference import assert_close, at_reference_theta, fitted
from tests.results import case_names

LMM_CASES = case_names(model_type="LMM")


@functools.lru_cache(maxsize=None)
def dense_split(case_name):
    return Dense(small_fit(case_name)[2]).hat_split()


@pytest.mark.parametrize("case_name", LMM_CASES)
@pytest.mark.parametrize("factorization", ["blocked", "cholmod"])
def test_hatvalues_match_lme4_at_its_theta(case_name, factorization):
    case, res = at_reference_theta(case_name, factorization)
    head = case["head"]
    h = res.hatvalues()
    assert h.index.equals(res.fittedvalues.index)
    assert_close(np.asarray(h)[head["row_index"]], head["hatvalues"], rtol=1e-9,
                 what=f"{case_name} {factorization}")


@pytest.mark.parametrize("case_name", LMM_CASES)
def test_hatvalues_match_lme4_at_our_optimum(case_name):
    case, _, res = fitted(case_name)
    head = case["head"]
    assert_close(np.asarray(res.hatvalues())[head["row_index"]], head["hatvalues"],
                 rtol=1e-5)


@pytest.mark.parametrize("case_name", SMALL + ["hr_ratings_weighted_reml"])
@pytest.mark.parametrize("factorization", ["blocked", "cholmod"])
def test_leverage_split_matches_dense(case_name, factorization):
    _, _, res = small_fit(case_name, factorization)
    h1, h2, uc = dense_split(case_name)
    lev = res.leverage()
    assert list(lev.columns) == ["overall", "fixef", "ranef", "ranef_uc"]
    assert_close(lev["fixef"], h1, rtol=1e-8, atol=1e-12)
    assert_close(lev["ranef"], h2, rtol=1e-8, atol=1e-12)
    assert_close(lev["overall"], h1 + h2, rtol=1e-8)
    assert_close(lev["ranef_uc"], uc, rtol=1e-8)


@pytest.mark.parametrize("case_name", ["sleepstudy_slope_reml", "pastes_nested_reml"])
def test_group_leverage_is_the_mean_over_the_level(case_name):
    _, _, res = small_fit(case_name)
    obs = res.leverage()
    for term in res.reterms:
        by_level = res.leverage(level=term.group)
        assert by_level.index.name == term.group
        assert list(by_level.index) == list(term.levels)
        for j in (0, term.n_levels - 1):
            want = obs.to_numpy()[term.codes == j].mean(0)
            assert_close(by_level.iloc[j], want, rtol=1e-12)


def test_unknown_level_is_an_error():
    _, _, res = small_fit("penicillin_reml")
    with pytest.raises(ValueError, match="plate"):
        res.leverage(level="nope")


# -- the hat-matrix pieces themselves, on random problems (slopes, weights, 3 terms) --------
PROBLEMS = {"three crossed, vector first term": dict(levels=(23, 11, 5), ks=(2, 1, 3)),
            "scalar crossed": dict(levels=(40, 30), ks=(1, 1)),
            "fully crossed (dense W)": dict(levels=(6, 4), ks=(2, 1)),
            "single term": dict(levels=(19,), ks=(2,)),
            "no fixed effects": dict(levels=(13, 7), ks=(1, 1), p=0)}


@pytest.fixture(params=list(PROBLEMS), scope="module")
def problem(request):
    terms, X, y, w = random_problem(3, **PROBLEMS[request.param])
    cp = CrossProducts(terms, X, y, w)
    tmap = ThetaMap(cp.ks)
    rng = np.random.default_rng(1)
    theta = rng.uniform(0.2, 1.5, tmap.n_theta)
    theta[~tmap.is_diagonal()] = rng.normal(scale=0.4, size=(~tmap.is_diagonal()).sum())
    lambdas = tmap.lambdas(theta)
    M = np.column_stack([dense_Z(cp.terms) @ dense_Lambda(cp.terms, lambdas), X])
    A = (M * w[:, None]).T @ M
    A[:cp.q, :cp.q] += np.eye(cp.q)
    G = M * np.sqrt(w)[:, None]
    N = np.linalg.solve(np.linalg.cholesky(A), G.T)
    return cp, lambdas, X, w, G @ np.linalg.solve(A, G.T), N[cp.q:].T


@pytest.mark.parametrize("kind,generic", [("blocked", False), ("blocked", True),
                                          ("cholmod", False), ("cholmod", True)])
def test_hat_pieces_match_dense(problem, kind, generic):
    cp, lambdas, X, w, H, NX = problem
    f = make_factorization(cp, kind)
    assert f.update(lambdas)
    pieces = hat_pieces(cp, f, lambdas, X, w, generic=generic)
    h, nx = pieces.observations()
    assert_close(h, np.diag(H), rtol=1e-11, atol=1e-14)
    assert_close(nx, NX, rtol=1e-9, atol=1e-12)
    for t in range(len(cp.terms)):
        rows = np.nonzero(cp.terms[t].codes == 2)[0]
        K, nxg = pieces.group(rows)
        assert_close(K, H[np.ix_(rows, rows)], rtol=1e-10, atol=1e-13)
        assert_close(nxg.T, NX[rows], rtol=1e-9, atol=1e-12)


def test_dense_w_problem_uses_the_dense_storage(problem):
    cp, lambdas, X, w, _, _ = problem
    f = make_factorization(cp, "blocked")
    f.update(lambdas)
    pieces = hat_pieces(cp, f, lambdas, X, w)
    assert pieces.dense_w == (not sp.issparse(f._w_matrix()))


def test_sparse_pieces_in_small_chunks_and_batches(problem, monkeypatch):
    """The CHOLMOD sweeps with many column chunks and many batches of groups."""
    from statsmodels_crossed.diagnostics import hat_sparse

    cp, lambdas, X, w, H, NX = problem
    monkeypatch.setattr(hat_sparse, "BATCH_ENTRIES", 50)
    f = make_factorization(cp, "cholmod")
    assert f.update(lambdas)
    pieces = hat_pieces(cp, f, lambdas, X, w)
    pieces.chunk = 7
    h, nx = pieces.observations()
    assert_close(h, np.diag(H), rtol=1e-11, atol=1e-14)
    sets = [np.nonzero(term.codes == j)[0] for term in cp.terms for j in range(4)]
    done = 0
    for rows, (K, nxg) in zip(sets, pieces.groups(sets)):
        assert_close(K, H[np.ix_(rows, rows)], rtol=1e-10, atol=1e-13)
        assert_close(nxg.T, NX[rows], rtol=1e-9, atol=1e-12)
        done += 1
    assert done == len(sets)
