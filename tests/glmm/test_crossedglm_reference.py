"""CrossedGLM against lme4 1.1-31's glmer, every GLMM reference case.

Tolerances are the reference README's: the objective at given (theta, beta) to 1e-9
(``objective_at``, exact evaluations); at the optimum against ``laplace_exact`` (an
independent exact optimum) tightly: -2 logLik 1e-8, fixef 1e-5, theta 1e-4; against
lme4's own numbers loosely (its PIRLS tolerance moves them): -2 logLik 1e-6, fixef
1e-4; vcov from R_X 1e-4, the Hessian vcov 1e-2; conditional modes, fitted values,
predictions 1e-4; LRT 1e-5.  For nAGQ > 1 lme4 leaves the saturated constant out of
-2 logLik; ``laplace_exact.objective_full_constants`` has it.
"""
import numpy as np
import pandas as pd
import pytest

from tests.glmm.reference import (GLMM_CASES, glmm_at_lme4, glmm_fitted, lme4_convention,
                                  model_of)
from tests.models.reference import assert_close, by_label, check_sizes, lme4_name, values

import statsmodels_crossed.api as smc


def test_every_glmm_case_is_covered():
    assert GLMM_CASES == ["cbpp_binomial_laplace", "cbpp_binomial_agq10",
                          "grouseticks_poisson_laplace"]


@pytest.fixture(scope="module", params=GLMM_CASES)
def ref(request):
    return glmm_fitted(request.param)


@pytest.fixture(scope="module", params=GLMM_CASES)
def at_lme4(request):
    return glmm_at_lme4(request.param)


# -- the objective itself ----------------------------------------------------------------
@pytest.mark.parametrize("factorization", ["blocked", "cholmod"])
def test_objective_at_given_parameters(ref, factorization):
    case, model, _ = ref
    obj = model.objective(nagq=case["nAGQ"], factorization=factorization)
    C = case["laplace_exact"]["saturated_constant"]
    for point in case["objective_at"]["points"]:
        comp = obj.components(np.array(point["theta"]), np.array(point["beta"]))
        assert_close(comp.objective_lme4, point["value"], rtol=1e-9, what=point["label"])
        full = point["value"] + (C if case["nAGQ"] > 1 else 0.0)
        assert_close(comp.objective, full, rtol=1e-9, what=point["label"])
        assert_close(comp.saturated_constant, C, rtol=1e-9)
        assert comp.objective <= point["value_lme4_devfun"] + (C if case["nAGQ"] > 1 else 0) + 1e-9


# -- the optimum ---------------------------------------------------------------------------
def test_optimum_against_laplace_exact(ref):
    case, _, res = ref
    exact = case["laplace_exact"]
    assert_close(-2 * res.llf, exact["objective_full_constants"], rtol=1e-8)
    assert_close(lme4_convention(res), exact["objective"], rtol=1e-8)
    assert_close(res.saturated_constant, exact["saturated_constant"], rtol=1e-9)
    assert_close(res.fe_params, values(exact["fixef"]), rtol=1e-5)
    assert_close(res.theta, exact["theta"], rtol=1e-4)
    assert res.converged and res.is_singular == case["singular"]


def test_optimum_against_lme4(ref):
    case, _, res = ref
    crit = case["criterion"]
    assert lme4_convention(res) <= crit["objective"] + 1e-10 * crit["objective"]
    assert_close(lme4_convention(res), crit["objective"], rtol=1e-6)
    assert_close(-0.5 * lme4_convention(res), crit["logLik"], rtol=1e-6)
    assert [lme4_name(n) for n in res.fe_params.index] == case["fixef_names"]
    assert_close(res.fe_params, values(case["fixef"]), rtol=1e-4)
    assert [lme4_name(n) for n in res.theta_names] == case["theta_names"]
    assert_close(res.theta, case["theta"], rtol=1e-4)


def test_information_criteria(ref):
    case, _, res = ref
    crit = case["criterion"]
    shift = res.saturated_constant if res.nagq > 1 else 0.0
    assert res.k_params_total == crit["df"]
    assert res.df_resid == crit["df_residual"]
    assert_close(res.aic - shift, crit["AIC"], rtol=1e-6)
    assert_close(res.bic - shift, crit["BIC"], rtol=1e-6)
    exact = case["laplace_exact"]["objective_full_constants"]
    assert_close(res.aic, exact + 2 * crit["df"], rtol=1e-8)
    assert_close(res.bic, exact + np.log(case["nobs"]) * crit["df"], rtol=1e-8)
    assert_close(res.deviance, crit["deviance"], rtol=1e-4)
    cmp_ = crit["devcomp_cmp"]
    assert_close(res.devcomp.drsum, cmp_["drsum"], rtol=1e-4)
    assert_close(res.devcomp.ldL2, cmp_["ldL2"], rtol=1e-4)
    assert_close(res.devcomp.ussq, cmp_["ussq"], rtol=1e-4)


def test_sizes(ref):
    case, _, res = ref
    check_sizes(case, res)


def check_variance_components(case, res, rtol):
    assert list(res.cov_re) == [vc["name"] for vc in case["varcorr"]]
    for vc in case["varcorr"]:
        cov = res.cov_re[vc["name"]]
        assert [lme4_name(c) for c in cov.columns] == vc["terms"]
        assert_close(cov, np.array(vc["variance"]), rtol=rtol)
        assert_close(res.variance_components[vc["name"]], vc["variance"][0][0], rtol=rtol)
    table = res.varcorr()
    assert list(table["group"]) == [vc["name"] for vc in case["varcorr"]]   # no Residual
    assert_close(table["sdcor"], [vc["sd"][0] for vc in case["varcorr"]], rtol=rtol)
    assert res.scale == 1.0 and not case["use_scale"]


def test_variance_components(ref):
    case, _, res = ref
    check_variance_components(case, res, rtol=2e-4)


def test_covariance_of_fixed_effects(ref):
    case, _, res = ref
    se = values(case["se"])
    assert res.cov_method == "hessian"
    assert_close(res.cov_params(method="rx"), np.array(case["vcov_rx"]), rtol=1e-4,
                 atol=1e-4 * se.min() ** 2)
    assert_close(res.bse_rx, np.sqrt(np.diag(case["vcov_rx"])), rtol=1e-4)
    assert_close(res.cov_params(), np.array(case["vcov"]), rtol=1e-2,
                 atol=1e-2 * se.min() ** 2)
    assert_close(res.bse, se, rtol=1e-2)
    assert_close(res.tvalues, values(case["stat"]), rtol=1e-2)
    assert_close(res.pvalues, values(case["p_wald"]), rtol=5e-2)
    ci = np.asarray(res.conf_int())
    assert_close(ci[:, 0], values(case["confint_wald"]["lower"]), rtol=1e-2)
    assert_close(ci[:, 1], values(case["confint_wald"]["upper"]), rtol=1e-2)


def check_conditional_modes(case, res, rtol, atol):
    for group, r in case["ranef"].items():
        est, var = res.random_effects[group], res.random_effects_cov[group]
        for term in r["terms"]:
            levels = list(r["condval"][term])
            assert_close(by_label(est, levels), values(r["condval"][term]), rtol=rtol,
                         atol=atol, what=f"{group} condval")
            assert_close(np.sqrt(by_label(var, levels)), values(r["condsd"][term]), rtol=rtol,
                         atol=atol, what=f"{group} condsd")


def test_conditional_modes(ref):
    case, _, res = ref
    check_conditional_modes(case, res, rtol=1e-4, atol=1e-6)


def check_fitted_and_residuals(case, res, rtol, atol):
    head = case["head"]
    rows = head["row_index"]
    pairs = [(res.fittedvalues, "fitted_response"), (res.linear_predictor, "linear_predictor"),
             (res.resid_response, "residuals_response"), (res.resid_pearson, "residuals_pearson"),
             (res.resid_deviance, "residuals_deviance"), (res.resid_working, "residuals_working"),
             (res.resid, "residuals_deviance")]
    for ours, name in pairs:
        assert_close(np.asarray(ours)[rows], head[name], rtol=rtol, atol=atol, what=name)
    assert_close(np.sum(res.fittedvalues), case["sums"]["sum_fitted"], rtol=rtol)
    assert_close(np.sum(np.asarray(res.resid_response) ** 2),
                 case["sums"]["sum_sq_residuals_response"], rtol=rtol)


def test_fitted_values_and_residuals(ref):
    case, _, res = ref
    check_fitted_and_residuals(case, res, rtol=1e-4, atol=1e-6)


def check_predictions(case, res, rtol, atol):
    pred = case["predict"]
    newdata = pd.DataFrame(pred["newdata"])
    got = [res.predict(newdata, which="linear"),
           res.predict(newdata, which="linear", include_re=False),
           res.predict(newdata), res.predict(newdata=newdata, include_re=False)]
    for ours, name in zip(got, ["conditional", "marginal", "conditional_response",
                                "marginal_response"]):
        assert_close(ours, pred[name], rtol=rtol, atol=atol, what=name)


def test_predictions_with_new_levels(ref):
    case, _, res = ref
    check_predictions(case, res, rtol=1e-4, atol=1e-6)


# -- at lme4's optimum: everything that follows from (theta, beta) --------------------------
def test_at_lme4_parameters(at_lme4):
    case, res = at_lme4
    point = case["objective_at"]["points"][0]
    assert point["label"] == "optimum"
    assert_close(lme4_convention(res), point["value"], rtol=1e-9)
    assert_close(res.fe_params, values(case["fixef"]), rtol=1e-14)
    assert_close(res.cov_params(method="rx"), np.array(case["vcov_rx"]), rtol=1e-5,
                 atol=1e-6 * values(case["se"]).min() ** 2)
    assert_close(res.cov_params(), np.array(case["vcov"]), rtol=1e-2,
                 atol=1e-2 * values(case["se"]).min() ** 2)
    check_variance_components(case, res, rtol=1e-12)
    check_conditional_modes(case, res, rtol=1e-5, atol=1e-7)
    check_fitted_and_residuals(case, res, rtol=1e-5, atol=1e-7)
    check_predictions(case, res, rtol=1e-5, atol=1e-7)


# -- likelihood-ratio test -----------------------------------------------------------------
def test_likelihood_ratio_test_cbpp():
    case, model, big = glmm_fitted("cbpp_binomial_laplace")
    lrt = case["lrt"]
    small = smc.glmer("incidence + I(size - incidence) ~ 1 + (1 | herd)", model.data.frame,
                      family=model.family).fit()
    assert_close(-2 * small.llf, lrt["small_fit"]["criterion"], rtol=1e-6)
    assert_close(small.theta, lrt["small_fit"]["theta"], rtol=1e-4)
    chi2, p, df = big.compare_lr_test(small)
    assert (chi2, p, df) == small.compare_lr_test(big)
    row = lrt["table"][1]
    assert df == row["Df"]
    assert chi2 == pytest.approx(row["Chisq"], abs=1e-5)
    assert p == pytest.approx(row["p"], abs=1e-5, rel=1e-4)


def test_formula_spellings_agree():
    """lme4's cbind() and statsmodels' two-column left side give the same model."""
    _, a = model_of("cbpp_binomial_agq10")
    _, b = model_of("cbpp_binomial_laplace")
    theta, beta = [0.7], [-1.4, -1.0, -1.1, -1.6]
    assert a.objective()(theta, beta) == b.objective()(theta, beta)
