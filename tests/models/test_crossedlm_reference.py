"""CrossedLM against lme4 1.1-31, every LMM reference case.

Two views of each case:

* **at lme4's theta** (``model.results_at(theta_lme4)``): everything computed
  from theta (beta, SEs, vcov, sigma, variance components, BLUPs, conditional
  SDs, fitted values, predictions) must agree with lme4 to 1e-7 relative:
  this checks our algebra independently of the optimizer.
* **at our optimum** (``model.fit()``): the README's tolerances for a
  well-defined LMM optimum: objective/logLik/AIC/BIC 1e-8; fixed effects 1e-6
  relative; SEs 1e-5; theta, variances, SDs, correlations, sigma 1e-5 relative.
  The criterion is flat in theta and lme4's reference optimum is itself off by
  up to ~3e-6 in theta: ours has a *lower* criterion on every case
  (``test_optimum_not_worse_than_lme4``).  Quantities that move with theta get
  absolute floors on the data's scale: 5e-6 on theta, 1e-5 sigma^2 on
  variances, 5e-6 sigma on BLUPs and fitted values (what a 5e-6 move of theta
  does to them); vcov is compared relative to se_i se_j (2e-5).

The criterion at given theta (``objective_at``) must agree to 1e-10, by both
factorization paths (blocked dense Schur complement and CHOLMOD); the results at
lme4's theta are checked for both paths too.
"""
import numpy as np
import pandas as pd
import pytest

from tests.models.reference import (assert_close, at_reference_theta, by_label, check_sizes,
                                    fitted,
                                    lme4_name, values)
from tests.results import case_names

LMM_CASES = case_names(model_type="LMM")


def test_every_lmm_case_is_covered():
    assert len(LMM_CASES) == 13


@pytest.fixture(scope="module", params=LMM_CASES)
def ref(request):
    return fitted(request.param)


@pytest.fixture(scope="module", params=[(c, f) for c in LMM_CASES for f in ("blocked", "cholmod")],
                ids=lambda cf: f"{cf[0]}-{cf[1]}")
def at_theta(request):
    """Results at lme4's theta, by each factorization path."""
    return at_reference_theta(*request.param)


# -- the criterion itself ------------------------------------------------------------
@pytest.mark.parametrize("factorization", ["blocked", "cholmod"])
def test_objective_at_given_theta(ref, factorization):
    case, model, _ = ref
    objective = model.objective(reml=case["REML"], factorization=factorization)
    for point in case["objective_at"]["points"]:
        assert_close(objective(np.array(point["theta"])), point["value"], rtol=1e-10,
                     what=point["label"])


# -- everything that follows from theta, at lme4's theta ---------------------------------
def test_fixed_effects_at_lme4_theta(at_theta):
    case, res = at_theta
    assert [lme4_name(n) for n in res.fe_params.index] == case["fixef_names"]
    assert_close(res.fe_params, values(case["fixef"]), rtol=1e-7)
    assert_close(res.bse, values(case["se"]), rtol=1e-7)
    assert_close(res.cov_params(), np.array(case["vcov"]), rtol=1e-7,
                 atol=1e-10 * values(case["se"]).max() ** 2)
    assert_close(res.tvalues, values(case["stat"]), rtol=1e-7)
    ci = np.asarray(res.conf_int())
    assert_close(ci[:, 0], values(case["confint_wald"]["lower"]), rtol=1e-7)
    assert_close(ci[:, 1], values(case["confint_wald"]["upper"]), rtol=1e-7)


def test_criterion_at_lme4_theta(at_theta):
    case, res = at_theta
    crit = case["criterion"]
    assert_close(-2 * res.llf, crit["objective"], rtol=1e-10)
    assert_close(res.aic, crit["AIC"], rtol=1e-10)
    assert_close(res.bic, crit["BIC"], rtol=1e-10)
    assert res.k_params_total == crit["df"]
    cmp_ = crit["devcomp_cmp"]
    assert_close(res.devcomp.ldL2, cmp_["ldL2"], rtol=1e-8)
    assert_close(res.devcomp.pwrss, cmp_["pwrss"], rtol=1e-8)
    if case["REML"]:
        assert_close(res.devcomp.ldRX2, cmp_["ldRX2"], rtol=1e-8)
    assert_close(res.sigma, case["sigma"], rtol=1e-7)


def check_variance_components(case, res, rtol, atol_var):
    assert list(res.cov_re) == [vc["name"] for vc in case["varcorr"]]
    for vc in case["varcorr"]:
        cov = res.cov_re[vc["name"]]
        assert [lme4_name(c) for c in cov.columns] == vc["terms"]
        assert_close(cov, np.array(vc["variance"]), rtol=rtol, atol=atol_var)
        assert_close(np.sqrt(np.diag(cov)), vc["sd"], rtol=rtol, atol=np.sqrt(atol_var))
        if len(vc["terms"]) == 1:
            assert_close(res.variance_components[vc["name"]], vc["variance"][0][0],
                         rtol=rtol, atol=atol_var)
    table = res.varcorr()
    assert list(table.columns) == ["group", "var1", "var2", "vcov", "sdcor"]
    assert table.iloc[-1]["group"] == "Residual"
    assert_close(table.iloc[-1]["sdcor"], case["sigma"], rtol=rtol)
    for vc in case["varcorr"]:
        rows = table[table["group"] == vc["name"]]
        k = len(vc["terms"])
        corr = np.array(vc["corr"])
        want = [corr[i, j] for j in range(k) for i in range(j + 1, k)]
        assert_close(rows["sdcor"].iloc[k:].to_numpy(), want, rtol=rtol * 10, atol=1e-6)


def test_variance_components_at_lme4_theta(at_theta):
    case, res = at_theta
    check_variance_components(case, res, rtol=1e-7, atol_var=1e-12 * case["sigma2"])


def check_blups(case, res, rtol, atol):
    for group, r in case["ranef"].items():
        est, cov = res.random_effects[group], res.random_effects_cov[group]
        if isinstance(est, pd.DataFrame):
            est = est.rename(columns=lme4_name)
            cov = cov.rename(columns=lme4_name)
        for term in r["terms"]:
            levels = list(r["condval"][term])
            got = est if isinstance(est, pd.Series) else est[term]
            var = cov if isinstance(cov, pd.Series) else cov[term]
            assert_close(by_label(got, levels), values(r["condval"][term]), rtol=rtol,
                         atol=atol, what=f"{group} {term} condval")
            assert_close(np.sqrt(by_label(var, levels)), values(r["condsd"][term]),
                         rtol=rtol, atol=atol, what=f"{group} {term} condsd")


def test_blups_at_lme4_theta(at_theta):
    case, res = at_theta
    check_blups(case, res, rtol=1e-7, atol=1e-9 * case["sigma"])


def check_fitted_and_predictions(case, res, rtol, atol):
    head = case["head"]
    rows = head["row_index"]
    assert_close(np.asarray(res.fittedvalues)[rows], head["fitted"], rtol=rtol, atol=atol)
    assert_close(np.asarray(res.resid)[rows], head["residuals_response"], rtol=rtol, atol=atol)
    assert_close(np.sum(res.fittedvalues), case["sums"]["sum_fitted"], rtol=1e-6)
    assert_close(np.sum(np.asarray(res.resid) ** 2),
                 case["sums"]["sum_sq_residuals_response"], rtol=max(rtol, 1e-8))
    pred = case["predict"]
    newdata = pd.DataFrame(pred["newdata"])
    assert_close(res.predict(newdata), pred["conditional"], rtol=rtol, atol=atol)
    assert_close(res.predict(newdata=newdata), pred["conditional"], rtol=rtol, atol=atol)
    assert_close(res.predict(newdata, include_re=False), pred["marginal"], rtol=rtol, atol=atol)


def test_fitted_and_predictions_at_lme4_theta(at_theta):
    case, res = at_theta
    check_fitted_and_predictions(case, res, rtol=1e-7, atol=1e-9 * case["sigma"])


# -- at our own optimum ---------------------------------------------------------------
def test_optimum_not_worse_than_lme4(ref):
    case, _, res = ref
    objective = case["criterion"]["objective"]
    assert -2 * res.llf <= objective + 1e-10 * abs(objective)
    assert res.converged
    assert res.is_singular == case["singular"]


def test_criterion_at_optimum(ref):
    case, _, res = ref
    crit = case["criterion"]
    assert_close(-2 * res.llf, crit["objective"], rtol=1e-8)
    assert_close(res.llf, crit["logLik"], rtol=1e-8)
    assert_close(res.aic, crit["AIC"], rtol=1e-8)
    assert_close(res.bic, crit["BIC"], rtol=1e-8)


def test_sizes(ref):
    case, _, res = ref
    check_sizes(case, res)


def test_fixed_effects_at_optimum(ref):
    case, _, res = ref
    se = values(case["se"])
    assert_close(res.fe_params, values(case["fixef"]), rtol=1e-6, atol=1e-6 * se.min())
    assert_close(res.bse, se, rtol=1e-5)
    assert_close(res.cov_params() / np.outer(se, se),
                 np.array(case["vcov"]) / np.outer(se, se), rtol=0, atol=2e-5)


def test_theta_and_sigma_at_optimum(ref):
    case, _, res = ref
    assert [lme4_name(n) for n in res.theta_names] == case["theta_names"]
    assert_close(res.theta, case["theta"], rtol=1e-5, atol=5e-6)
    assert_close(res.sigma, case["sigma"], rtol=1e-5)
    assert_close(res.scale, case["sigma2"], rtol=1e-5)


def test_variance_components_at_optimum(ref):
    case, _, res = ref
    check_variance_components(case, res, rtol=1e-5, atol_var=1e-5 * case["sigma2"])


def test_blups_at_optimum(ref):
    case, _, res = ref
    check_blups(case, res, rtol=1e-5, atol=5e-6 * case["sigma"])


def test_fitted_and_predictions_at_optimum(ref):
    case, _, res = ref
    check_fitted_and_predictions(case, res, rtol=1e-5, atol=5e-6 * case["sigma"])
