"""Satterthwaite df against lmerTest 3.1-3 (every LMM reference case, extra F tests).

Tolerances (reference README): df and p 1e-3 relative at our optimum; at
lme4's own theta the same numerical differences are compared to 1e-5.
"""
import numpy as np
import pandas as pd
import pytest

from statsmodels_crossed.inference.ddf import method_for
from statsmodels_crossed.inference.satterthwaite import Satterthwaite, fstat_ddf
from tests.inference.reference import (assert_close, assert_p_close, at_reference_theta,
                                       extra_fit, fitted, matrix, values)
from tests.results import case_names

LMM_CASES = case_names(model_type="LMM")
SMALL_CASES = [c for c in LMM_CASES if c != "insteval_reml"]


@pytest.fixture(scope="module", params=LMM_CASES)
def case_fit(request):
    return fitted(request.param)


def test_coefficients_match_lmertest(case_fit):
    case, _, res = case_fit
    ref = case["lmerTest"]["satterthwaite"]
    tt = res.t_test(np.eye(len(res.params)), df_method="satterthwaite")
    assert_close(tt.df_denom, values(ref["df"]), rtol=1e-3, what="df")
    assert_p_close(tt.pvalue, values(ref["p"]))
    assert_close(np.ravel(tt.sd), values(ref["se"]), rtol=1e-5, what="se")
    assert_close(np.ravel(tt.tvalue), values(ref["t"]), rtol=1e-5, what="t")


def test_anova_matches_lmertest(case_fit):
    case, _, res = case_fit
    ref = case["lmerTest"]["satterthwaite"]["anova_type3"]
    table = res.anova(df_method="satterthwaite")
    if ref is None:
        assert table.empty
        return
    assert len(table) == len(ref["terms"])
    rows = pd.DataFrame(ref["rows"]).T.loc[ref["terms"]]
    assert list(table["NumDF"]) == list(rows["num_df"].astype(int))
    for ours, theirs, rtol in [("Sum Sq", "sum_sq", 1e-5), ("F value", "F", 1e-5),
                               ("DenDF", "den_df", 1e-3)]:
        assert_close(table[ours], rows[theirs].astype(float), rtol=rtol, what=ours)
    assert_p_close(table["Pr(>F)"], rows["p"].astype(float))


@pytest.mark.parametrize("case_name", SMALL_CASES)
def test_df_at_lme4_theta(case_name):
    """Same estimator as lmerTest (numDeriv's Richardson steps): at lme4's theta
    only the finite-difference noise separates the two."""
    case, res = at_reference_theta(case_name)
    df = Satterthwaite(res).df(np.eye(len(res.params)))
    assert_close(df, values(case["lmerTest"]["satterthwaite"]["df"]), rtol=1e-5)


@pytest.mark.parametrize("name", ["grouseticks_log_reml", "grouseticks_log_ml",
                                  "cbpp_prop_weighted_reml"])
def test_coefficients_extra_cases(name):
    case, res = extra_fit(name)
    ref = case["satterthwaite"]["coef"]
    tt = res.t_test(np.eye(len(res.params)), df_method="satterthwaite")
    assert_close(tt.df_denom, values(ref["df"]), rtol=1e-4)
    assert_p_close(tt.pvalue, values(ref["p"]))


@pytest.mark.parametrize("which", ["contest", "contest_rank_deficient"])
def test_multi_row_f_test(which):
    """lmerTest's contestMD: eigen-decomposition of L V L', rank-deficient L, rhs."""
    case, res = extra_fit("grouseticks_log_reml")
    ref = case["satterthwaite"][which]
    L, rhs = matrix(ref["L"]), np.array(ref["rhs"], dtype=float)
    f = res.f_test((L, rhs), df_method="satterthwaite")
    assert f.df_num == ref["num_df"]
    assert_close(f.fvalue, ref["F"], rtol=1e-5)
    assert_close(f.df_denom, ref["den_df"], rtol=1e-4)
    assert_close(f.pvalue, ref["p"], rtol=1e-4)


def test_one_row_f_is_t_squared():
    _, res = extra_fit("grouseticks_log_reml")
    t = res.t_test("sHEIGHT = 0", df_method="satterthwaite")
    f = res.f_test("sHEIGHT = 0", df_method="satterthwaite")
    assert f.fvalue == pytest.approx(float(np.ravel(t.tvalue)[0]) ** 2, rel=1e-12)
    assert f.df_denom == pytest.approx(float(t.df_denom[0]), rel=1e-12)
    assert f.pvalue == pytest.approx(float(t.pvalue), rel=1e-10)


def test_t_test_rhs_and_string_constraints():
    _, res = extra_fit("grouseticks_log_reml")
    names = list(res.params.index)
    t = res.t_test(f"{names[1]} - {names[2]} = 0.5", df_method="satterthwaite")
    L = np.zeros(len(names))
    L[1], L[2] = 1, -1
    sat = method_for(res, "satterthwaite")
    est = L @ np.asarray(res.params)
    se = np.sqrt(L @ sat.vcov_beta @ L)
    assert float(np.ravel(t.effect)[0]) == pytest.approx(est, rel=1e-12)
    assert float(np.ravel(t.tvalue)[0]) == pytest.approx((est - 0.5) / se, rel=1e-12)
    assert t.df_denom[0] == pytest.approx(sat.df(L)[0], rel=1e-12)
    ci = t.conf_int(0.05)
    assert ci.shape == (1, 2) and ci[0, 0] < est < ci[0, 1]


def test_method_is_computed_once_per_fit():
    _, res = extra_fit("grouseticks_log_ml")
    assert method_for(res, "satterthwaite") is method_for(res, "Satterthwaite")


def test_hessian_and_vcov_varpar_are_consistent():
    _, _, res = fitted("sleepstudy_slope_reml")
    sat = method_for(res, "satterthwaite")
    assert sat.hessian.shape == (4, 4) and np.allclose(sat.hessian, sat.hessian.T)
    np.testing.assert_allclose(sat.vcov_varpar @ sat.hessian, 2 * np.eye(4), atol=1e-8)
    assert len(sat.jacobian) == 4 and sat.jacobian[0].shape == (2, 2)
    np.testing.assert_allclose(sat.vcov_beta, np.asarray(res.cov_params()), rtol=1e-12)


def test_fstat_ddf_rules():
    assert fstat_ddf([7.5]) == 7.5
    assert fstat_ddf([10.0, 10.0 + 1e-10]) == pytest.approx(10.0)
    assert fstat_ddf([10.0, 1.5]) == 2.0
    nu = np.array([10.0, 20.0, 40.0])
    E = np.sum(nu / (nu - 2))
    assert fstat_ddf(nu) == pytest.approx(2 * E / (E - 3))
