"""Residuals: lme4's Pearson residuals, and every type against dense brute force."""
import functools

import numpy as np
import pytest

import statsmodels_crossed.api as smc
from tests.diagnostics.brute import Dense
from tests.diagnostics.conftest import small_fit
from tests.models.reference import assert_close, at_reference_theta, reference_data
from tests.results import case_names


@pytest.mark.parametrize("case_name", case_names(model_type="LMM"))
def test_pearson_residuals_match_lme4(case_name):
    """lme4's residuals(m, "pearson") is sqrt(w) (y - fitted), not divided by sigma."""
    case, res = at_reference_theta(case_name)
    head = case["head"]
    rows = head["row_index"]
    got = np.asarray(res.residuals("pearson"))[rows] * res.sigma
    assert_close(got, head["residuals_pearson"], rtol=1e-9, atol=1e-12 * res.sigma)
    assert_close(np.asarray(res.residuals("raw"))[rows], head["residuals_response"],
                 rtol=1e-9, atol=1e-12 * res.sigma)


@functools.lru_cache(maxsize=None)
def weighted_sleepstudy():
    df = reference_data({"dataset": "sleepstudy.csv"}).copy()
    df["w"] = 0.5 + (np.arange(len(df)) % 7) / 4.0
    return smc.crossedlm("Reaction ~ Days + (Days | Subject)", df, weights="w").fit()


def fits():
    return {"sleepstudy_slope_reml": small_fit("sleepstudy_slope_reml")[2],
            "penicillin_reml": small_fit("penicillin_reml")[2],
            "weighted sleepstudy": weighted_sleepstudy()}


@pytest.fixture(scope="module", params=["sleepstudy_slope_reml", "penicillin_reml",
                                        "weighted sleepstudy"])
def dense_fit(request):
    res = fits()[request.param]
    return res, Dense(res)


def test_conditional_residuals(dense_fit):
    res, d = dense_fit
    beta, _ = d.gls()
    e = d.y - d.X @ beta
    b = d.D @ d.Z.T @ np.linalg.solve(d.V, e)                # BLUPs by the textbook formula
    r = e - d.Z @ b
    assert_close(res.residuals(), r, rtol=1e-8, atol=1e-10 * np.abs(r).max())
    assert_close(res.residuals("response"), res.resid, rtol=1e-12, atol=1e-12)
    assert_close(res.resid_pearson, np.sqrt(d.w) * r / np.sqrt(d.sigma2), rtol=1e-8,
                 atol=1e-10)
    # the exact variance of r: (I - H) V (I - H)', H the hat matrix y -> X beta + Z b
    IH = np.eye(d.n) - d.hat_matrix()
    var_r = np.einsum("ij,jk,ik->i", IH, d.V, IH)
    assert_close(res.resid_standardized, r / np.sqrt(var_r), rtol=1e-8, atol=1e-10)
    assert_close(res.residuals("studentized"), res.resid_standardized, rtol=1e-14)


def test_marginal_residuals(dense_fit):
    res, d = dense_fit
    beta, cov = d.gls()
    e = d.y - d.X @ beta
    assert_close(res.resid_marginal, e, rtol=1e-8, atol=1e-10 * np.abs(e).max())
    assert_close(res.residuals("pearson", "marginal"), e / np.sqrt(np.diag(d.V)), rtol=1e-8,
                 atol=1e-10)
    I_H1 = np.eye(d.n) - d.X @ cov @ d.X.T @ np.linalg.inv(d.V)   # e = (I - H1) y
    var_e = np.einsum("ij,jk,ik->i", I_H1, d.V, I_H1)
    assert_close(res.residuals("standardized", "marginal"), e / np.sqrt(var_e), rtol=1e-8,
                 atol=1e-10)


def test_residuals_are_labelled_series():
    _, _, res = small_fit("sleepstudy_slope_reml")
    for kind in ("conditional", "marginal"):
        for type_ in ("raw", "pearson", "standardized"):
            s = res.residuals(type_, kind)
            assert s.index.equals(res.fittedvalues.index)
            assert s.name.startswith(f"resid_{kind}")
    assert_close(res.resid_marginal + res.fitted_marginal, res.model.endog, rtol=1e-12)


def test_residual_errors():
    _, _, res = small_fit("sleepstudy_slope_reml")
    with pytest.raises(ValueError, match="type"):
        res.residuals("deviance")
    with pytest.raises(ValueError, match="kind"):
        res.residuals("raw", "population")
