"""Kenward-Roger against pbkrtest 0.5.2 / lmerTest, and against pbkrtest's own
n x n algebra written out densely here (the package works in q + p dimensions).

Tolerances: df 1e-5 relative (reference README); vcov_adj relative to
sqrt(d_i d_j), 2e-5 at our optimum, as the core tests compare vcov (the
optimum is flat in theta: hr_ratings_weighted moves var(Intercept) by 1.2e-5);
at lme4's theta 1e-8 (pure algebra, no optimizer in between).
"""
import numpy as np
import pandas as pd
import pytest

from statsmodels_crossed.inference.ddf import method_for
from statsmodels_crossed.inference.kenward_roger import KenwardRoger
from tests.inference.reference import (assert_close, assert_p_close, at_reference_theta,
                                       extra_fit, fitted, matrix, values)
from tests.results import case_names, load_case

pytestmark = pytest.mark.filterwarnings("ignore:Kenward-Roger with prior weights")

KR_CASES = [c for c in case_names(model_type="LMM")
            if load_case(c)["lmerTest"]["kenward_roger"]["available"]]


def test_cases_with_kr_reference():
    assert len(KR_CASES) == 8


def _cov_close(actual, desired, rtol):
    """Matrices compared relative to sqrt(d_i d_j) of the diagonal."""
    d = np.sqrt(np.diag(desired))
    np.testing.assert_allclose(np.asarray(actual) / np.outer(d, d),
                               np.asarray(desired) / np.outer(d, d), rtol=0, atol=rtol)


@pytest.mark.parametrize("case_name", KR_CASES)
def test_vcov_adj_and_df_at_our_optimum(case_name):
    case, _, res = fitted(case_name)
    ref = case["lmerTest"]["kenward_roger"]
    kr = method_for(res, "kenward-roger")
    _cov_close(kr.vcov_adj, matrix(ref["vcov_adj"]), rtol=2e-5)
    tt = res.t_test(np.eye(len(res.params)), df_method="kenward-roger")
    assert_close(tt.df_denom, values(ref["df"]), rtol=1e-5, what="df")
    assert_close(np.ravel(tt.sd), values(ref["se"]), rtol=1e-5, what="se")
    assert_p_close(tt.pvalue, values(ref["p"]))


@pytest.mark.parametrize("case_name", KR_CASES)
def test_vcov_adj_and_df_at_lme4_theta(case_name):
    case, res = at_reference_theta(case_name)
    ref = case["lmerTest"]["kenward_roger"]
    kr = KenwardRoger(res)
    _cov_close(kr.vcov_adj, matrix(ref["vcov_adj"]), rtol=1e-8)
    df = [kr.ddf_1d(row) for row in np.eye(len(res.params))]
    assert_close(df, values(ref["df"]), rtol=1e-8)


@pytest.mark.parametrize("case_name", [c for c in KR_CASES
                                       if load_case(c)["lmerTest"]["kenward_roger"]
                                       .get("anova_type3")])
def test_anova_matches_lmertest(case_name):
    case, _, res = fitted(case_name)
    ref = case["lmerTest"]["kenward_roger"]["anova_type3"]
    table = res.anova(df_method="kenward-roger")
    rows = pd.DataFrame(ref["rows"]).T.loc[ref["terms"]]
    for ours, theirs in [("Sum Sq", "sum_sq"), ("DenDF", "den_df"), ("F value", "F"),
                         ("Pr(>F)", "p")]:
        assert_close(table[ours], rows[theirs].astype(float), rtol=1e-4, what=ours)


def test_multi_row_f_test_with_scaling():
    """pbkrtest's KRmodcomp: F scaled by F.scaling, through lmerTest's contestMD."""
    case, res = extra_fit("grouseticks_log_reml")
    ref = case["kenward_roger"]["contest"]
    f = res.f_test((matrix(ref["L"]), np.array(ref["rhs"])), df_method="kenward-roger")
    assert f.df_num == ref["num_df"]
    assert_close(f.fvalue, ref["F"], rtol=1e-5)
    assert_close(f.df_denom, ref["den_df"], rtol=1e-5)
    assert_close(f.pvalue, ref["p"], rtol=1e-4)
    assert f.F_scaling != 1.0
    assert_close(f.fvalue_unscaled * res.scale, ref["mean_sq"], rtol=1e-5)


@pytest.mark.parametrize("name", ["grouseticks_log_reml", "cbpp_prop_weighted_reml"])
def test_extra_cases(name):
    case, res = extra_fit(name)
    ref = case["kenward_roger"]
    kr = method_for(res, "kenward-roger")
    _cov_close(kr.vcov_adj, matrix(ref["vcov_adj"]), rtol=1e-5)
    tt = res.t_test(np.eye(len(res.params)), df_method="kenward-roger")
    assert_close(tt.df_denom, values(ref["coef"]["df"]), rtol=1e-5)


def _dense_kr(res, use_weights):
    """pbkrtest's vcovAdj_internal, verbatim with n x n matrices."""
    cp = res.model.crossprod
    n = cp.n
    X = np.asarray(res.model.exog, float)[:, res.model.kept_columns]
    off = cp.offsets()
    Gs, gamma = [], []
    for t, term in enumerate(cp.terms):
        Zt = np.zeros((n, term.q))
        for c in range(term.k):
            Zt[np.arange(n), term.codes * term.k + c] = term.X[:, c]
        assert Zt.shape[1] == off[t + 1] - off[t]
        for j in range(term.k):
            for i in range(j, term.k):
                EE = np.zeros((term.k, term.k))
                EE[i, j] = EE[j, i] = 1.0
                Gs.append(Zt @ np.kron(np.eye(term.n_levels), EE) @ Zt.T)
                gamma.append(res._covs[t][i, j])
    w = res.model.weights if use_weights else np.ones(n)
    Gs.append(np.diag(1 / w))
    gamma.append(res.scale)
    Si = np.linalg.inv(sum(g * G for g, G in zip(gamma, Gs)))
    Phi = np.asarray(res.cov_params())
    H = [G @ Si for G in Gs]
    O = [h @ X for h in H]
    P = [-(o.T @ Si @ X) for o in O]
    m = len(Gs)
    Q = [[O[r].T @ Si @ O[s] for s in range(m)] for r in range(m)]
    info = np.array([[np.sum(H[r].T * H[s]) - 2 * np.sum(Phi * Q[r][s])
                      + np.sum((Phi @ P[r]) * (P[s] @ Phi)) for s in range(m)] for r in range(m)])
    W = 2 * np.linalg.inv(info)
    U = sum(W[r, s] * (Q[r][s] - P[r] @ Phi @ P[s]) for r in range(m) for s in range(m))
    return Phi + 2 * Phi @ U @ Phi


@pytest.mark.parametrize("use_weights", [False, True])
def test_matches_dense_n_by_n_algebra(use_weights):
    _, res = extra_fit("cbpp_prop_weighted_reml")
    kr = KenwardRoger(res, use_prior_weights=use_weights)
    np.testing.assert_allclose(kr.vcov_adj, _dense_kr(res, use_weights), rtol=1e-9)


def test_prior_weights_change_the_answer():
    """pbkrtest ignores the weights in Sigma; use_prior_weights=True does not."""
    case, res = extra_fit("cbpp_prop_weighted_reml")
    with pytest.warns(UserWarning, match="prior weights.*use_prior_weights=True"):
        a = KenwardRoger(res).vcov_adj
    b = KenwardRoger(res, use_prior_weights=True).vcov_adj
    assert np.max(np.abs(a / b - 1)) > 1e-3
    tt = res.t_test(np.eye(len(res.params)), df_method="kr", use_prior_weights=True)
    assert not np.allclose(tt.df_denom, values(case["kenward_roger"]["coef"]["df"]), rtol=1e-3)


def test_crossed_slopes_dense_algebra():
    """Correlated random slopes on two crossed factors (off-diagonal G_r)."""
    _, _, res = fitted("sleepstudy_slope_reml")
    np.testing.assert_allclose(KenwardRoger(res).vcov_adj, _dense_kr(res, False), rtol=1e-9)


def test_refuses_ml_fits():
    _, _, res = fitted("sleepstudy_slope_ml")
    with pytest.raises(ValueError, match="REML fits only.*satterthwaite"):
        res.t_test(np.eye(2), df_method="kenward-roger")


def test_refuses_large_models_with_a_clear_error():
    _, _, res = fitted("hr_ratings_reml")
    with pytest.raises(ValueError, match=r"q \+ p = 370 .*n = 2985.*satterthwaite"):
        KenwardRoger(res, max_dim=100)


def test_insteval_is_refused_by_default():
    _, _, res = fitted("insteval_reml")
    with pytest.raises(ValueError, match="max_dim"):
        res.anova(df_method="kenward-roger")
