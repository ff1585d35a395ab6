"""Likelihood-ratio tests against lme4's ``anova(m_small, m_big)``.

Tolerances (reference README): Chisq and p 1e-6 absolute (GLMM 1e-5);
logLik, AIC, BIC, deviance 1e-8 relative.
"""
import warnings

import numpy as np
import pandas as pd
import pytest
from statsmodels.genmod import families

import statsmodels_crossed.api as smc
from statsmodels_crossed.inference.lrt import lr_table
from tests.inference.reference import extra_data, extra_fit, fitted
from tests.models.reference import reference_data
from tests.results import load_case

LRT_CASES = ["sleepstudy_slope_reml", "sleepstudy_slope_ml"]
COLUMNS = ["npar", "AIC", "BIC", "logLik", "deviance", "Chisq", "Df", "Pr(>Chisq)"]


def _check_table(table, ref_rows, chisq_atol=1e-6):
    ref = pd.DataFrame(ref_rows).rename(columns={"p": "Pr(>Chisq)"})
    assert list(table.columns) == COLUMNS
    np.testing.assert_array_equal(table["npar"], ref["npar"])
    for col in ["AIC", "BIC", "logLik", "deviance"]:
        np.testing.assert_allclose(table[col], ref[col].astype(float), rtol=1e-8, err_msg=col)
    assert np.isnan(table["Chisq"].iloc[0]) and np.isnan(table["Pr(>Chisq)"].iloc[0])
    for col in ["Chisq", "Pr(>Chisq)"]:
        np.testing.assert_allclose(table[col].iloc[1:], ref[col].iloc[1:].astype(float),
                                   rtol=0, atol=chisq_atol, err_msg=col)
    np.testing.assert_array_equal(table["Df"].iloc[1:], ref["Df"].iloc[1:].astype(float))


def _small_fit(case):
    lrt = case["lrt"]
    model = smc.crossedlm(lrt["small_formula"], reference_data(case), weights=case["weights"])
    return model.fit(reml=lrt["small_REML"])


@pytest.mark.parametrize("case_name", LRT_CASES)
def test_matches_lme4(case_name):
    case, _, big = fitted(case_name)
    small = _small_fit(case)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        table = smc.anova(small, big)
    refit = case["lrt"]["refit_ML"]
    assert table.attrs["refit_ML"] is refit
    assert any("refitting" in str(w.message) for w in rec) is refit
    _check_table(table, case["lrt"]["table"])
    assert list(table.index) == [case["lrt"]["small_formula"], case["formula"]]


def test_rows_are_sorted_by_npar_as_lme4():
    case, _, big = fitted("sleepstudy_slope_ml")
    small = _small_fit(case)
    table = smc.anova(big, small, model_names=["big", "small"])
    assert list(table.index) == ["small", "big"]
    _check_table(table, case["lrt"]["table"])


def test_compare_lr_test_statsmodels_style():
    case, _, big = fitted("sleepstudy_slope_reml")
    small = _small_fit(case)
    with pytest.warns(UserWarning, match="refitting"):
        stat, p, df = big.compare_lr_test(small)
    row = case["lrt"]["table"][1]
    assert stat == pytest.approx(row["Chisq"], abs=1e-6)
    assert p == pytest.approx(row["p"], abs=1e-6)
    assert df == 1.0


def test_reml_without_refit_compares_reml_likelihoods():
    """refit=False with identical fixed effects: REML criteria as lme4 reports them."""
    case, _, big = fitted("sleepstudy_slope_reml")
    small = _small_fit(case)
    table = lr_table(small, big, refit=False)
    crit = [case["lrt"]["small_fit"]["criterion"], case["criterion"]["REMLcrit"]]
    np.testing.assert_allclose(table["deviance"], crit, rtol=1e-8)
    assert table.attrs["refit_ML"] is False


def test_fixed_effects_differ_refit_ml():
    """REML fits with different fixed effects are refitted by ML (lme4's anova)."""
    case, big = extra_fit("grouseticks_log_reml")
    small = smc.crossedlm(case["lrt"]["small_formula"].replace("log(", "np.log("),
                          extra_data("grouseticks")).fit(reml=True)
    with pytest.warns(UserWarning, match="refitting"):
        table = smc.anova(small, big)
    _check_table(table, case["lrt"]["table"])
    with pytest.raises(ValueError, match="not comparable.*refit=True"):
        lr_table(small, big, refit=False)


def test_glmm_fits():
    case = load_case("cbpp_binomial_laplace")
    lrt, data = case["lrt"], reference_data(case)
    fits = [smc.crossedglm(f, data, family=families.Binomial()).fit()
            for f in (lrt["small_formula"], lrt["big_formula"])]
    _check_table(smc.anova(*fits), lrt["table"], chisq_atol=1e-5)


@pytest.fixture(scope="module")
def sleep():
    return smc.datasets.load("sleepstudy")


def test_refuses_different_nobs(sleep):
    a = smc.crossedlm("Reaction ~ Days + (1 | Subject)", sleep).fit(reml=False)
    b = smc.crossedlm("Reaction ~ Days + (Days | Subject)", sleep.iloc[:170]).fit(reml=False)
    with pytest.raises(ValueError, match="same data.*180 observations.*170"):
        smc.anova(a, b)


def test_refuses_different_response(sleep):
    data = sleep.assign(logR=np.log(sleep["Reaction"]))
    a = smc.crossedlm("Reaction ~ Days + (1 | Subject)", data).fit(reml=False)
    b = smc.crossedlm("logR ~ Days + (Days | Subject)", data).fit(reml=False)
    with pytest.raises(ValueError, match="response of model 2 \\(logR\\) differs"):
        smc.anova(a, b)


def test_refuses_different_weights(sleep):
    data = sleep.assign(w=np.linspace(1, 2, len(sleep)))
    a = smc.crossedlm("Reaction ~ Days + (1 | Subject)", data).fit(reml=False)
    b = smc.crossedlm("Reaction ~ Days + (Days | Subject)", data, weights="w").fit(reml=False)
    with pytest.raises(ValueError, match="prior weights"):
        smc.anova(a, b)


def test_refuses_non_nested_fixed_effects(sleep):
    data = sleep.assign(D2=sleep["Days"] ** 2)
    a = smc.crossedlm("Reaction ~ Days + (1 | Subject)", data).fit(reml=False)
    b = smc.crossedlm("Reaction ~ D2 + (Days | Subject)", data).fit(reml=False)
    with pytest.raises(ValueError, match="not nested: the fixed effects"):
        smc.anova(a, b)


@pytest.mark.filterwarnings("ignore::statsmodels_crossed.exceptions.SingularFitWarning")
def test_refuses_non_nested_random_effects(sleep):
    data = sleep.assign(g=np.arange(len(sleep)) % 6)
    a = smc.crossedlm("Reaction ~ Days + (1 | g)", data).fit(reml=False)
    b = smc.crossedlm("Reaction ~ Days + (Days | Subject)", data).fit(reml=False)
    with pytest.raises(ValueError, match=r"random-effects term \(Intercept \| g\)"):
        smc.anova(a, b)


def test_refuses_mixed_reml_and_ml_without_refit(sleep):
    a = smc.crossedlm("Reaction ~ Days + (1 | Subject)", sleep).fit(reml=True)
    b = smc.crossedlm("Reaction ~ Days + (Days | Subject)", sleep).fit(reml=False)
    with pytest.raises(ValueError, match="some models were fitted by REML"):
        lr_table(a, b, refit=False)


def test_needs_two_models():
    with pytest.raises(ValueError, match="at least two"):
        lr_table(fitted("dyestuff_ml")[2])
