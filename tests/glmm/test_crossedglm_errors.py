"""Bad input and failed fits give clear errors or warnings, never NaN estimates."""
import re
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import statsmodels_crossed.api as smc
from statsmodels_crossed.deviance.pirls import PIRLSError
from statsmodels_crossed.exceptions import (DataError, FormulaError, MissingDataError,
                                            ValueWarning)
from tests.glmm.brute_force import simulated


@pytest.fixture(scope="module")
def sim():
    return simulated(n=200, seed=2)


@pytest.fixture(scope="module")
def cbpp_fit():
    return smc.glmer("incidence + I(size - incidence) ~ period + (1 | herd)",
                     smc.datasets.load("cbpp"), family=sm.families.Binomial()).fit()


def glmer(formula, data, family=None, **kw):
    return smc.glmer(formula, data, family=family or sm.families.Binomial(), **kw)


# -- the response ---------------------------------------------------------------------------
def test_binomial_response_outside_unit_interval(sim):
    with pytest.raises(DataError, match=r"must be in \[0, 1\].*successes \+ I\(trials"):
        glmer("count ~ x + (1 | a)", sim)


def test_more_successes_than_trials(sim):
    with pytest.raises(DataError, match="more successes than trials"):
        glmer("succ + I(succ - size) ~ x + (1 | a)", sim)
    with pytest.raises(DataError, match="successes .first column. are negative"):
        glmer("I(-succ) + fail ~ x + (1 | a)", sim)


def test_zero_trials(sim):
    data = sim.assign(s0=np.where(np.arange(len(sim)) < 3, 0, sim["succ"]),
                      f0=np.where(np.arange(len(sim)) < 3, 0, sim["fail"]))
    with pytest.raises(DataError, match="3 rows have no trials"):
        glmer("s0 + f0 ~ x + (1 | a)", data)


def test_non_integer_successes_warn(sim):
    data = sim.assign(p=(sim["succ"] + 0.5) / (sim["size"] + 1))
    with pytest.warns(ValueWarning, match="non-integer number of successes"):
        glmer("p ~ x + (1 | a)", data, weights=data["size"])


def test_two_columns_need_the_binomial_family(sim):
    with pytest.raises(DataError, match="two-column response .* family is Poisson"):
        glmer("succ + fail ~ x + (1 | a)", sim, sm.families.Poisson())


def test_negative_counts(sim):
    data = sim.assign(c=sim["count"] - 3)
    with pytest.raises(DataError, match=r"counts >= 0; \d+ values are negative, e.g. -\d"):
        glmer("c ~ x + (1 | a)", data, sm.families.Poisson())


def test_non_integer_counts_warn(sim):
    with pytest.warns(ValueWarning, match="non-integer counts in 'gamma'"):
        glmer("gamma ~ x + (1 | a)", sim, sm.families.Poisson())


def test_positive_families_need_positive_responses(sim):
    data = sim.assign(g0=sim["gamma"] - sim["gamma"].min())
    for fam in (sm.families.Gamma(), sm.families.InverseGaussian()):
        with pytest.raises(DataError, match="must be > 0; 1 values are <= 0"):
            glmer("g0 ~ x + (1 | a)", data, fam)


def test_non_numeric_response(sim):
    data = sim.assign(word=np.where(sim["binary"] == 1, "yes", "no"))
    with pytest.raises(DataError, match="not numeric"):
        glmer("word ~ x + (1 | a)", data)


# -- family, formula, options ------------------------------------------------------------------
def test_family_is_required_and_must_be_an_instance(sim):
    with pytest.raises(TypeError, match="needs a family"):
        smc.glmer("binary ~ x + (1 | a)", sim)
    with pytest.raises(TypeError, match="instance: Binomial\\(\\)"):
        smc.glmer("binary ~ x + (1 | a)", sim, family=sm.families.Binomial)
    with pytest.raises(TypeError, match="statsmodels family"):
        smc.glmer("binary ~ x + (1 | a)", sim, family="binomial")


def test_gaussian_identity_points_to_crossedlm(sim):
    with pytest.warns(ValueWarning, match="CrossedLM"):
        glmer("x ~ 1 + (1 | a)", sim, sm.families.Gaussian())


def test_agq_needs_one_scalar_term(sim):
    model = glmer("binary ~ x + (1 | a) + (1 | b)", sim)
    with pytest.raises(FormulaError, match=r"single scalar random-effects term.*\(1 \| b\)"):
        model.fit(nagq=5)
    with pytest.raises(FormulaError, match="single scalar"):
        glmer("binary ~ x + (1 + x | a)", sim).objective(nagq=3)
    with pytest.raises(ValueError, match="nagq must be an integer >= 0"):
        model.objective(nagq=-1)


def test_bad_options_and_starts(sim):
    model = glmer("binary ~ x + (1 | a)", sim)
    with pytest.raises(TypeError, match="unknown option"):
        model.fit(nagc=2)
    with pytest.raises(ValueError, match="start_params has 2 values"):
        model.fit(start_params=[1.0, 0.0])
    with pytest.raises(ValueError, match="theta must have 1 values and beta 2"):
        model.results_at([1.0], [0.0])
    with pytest.raises(ValueError, match="results_at needs nagq >= 1"):
        model.results_at([1.0], [0.0, 0.0], nagq=0)


def test_formula_offset_and_cbind_errors(sim):
    with pytest.raises(FormulaError, match="offset as a term of its own"):
        glmer("count ~ x + offset(t) * x + (1 | a)", sim, sm.families.Poisson())
    with pytest.raises(FormulaError, match="cbind.. takes two columns"):
        glmer("cbind(succ, fail, size) ~ x + (1 | a)", sim)
    with pytest.raises(DataError, match="offset.*not in the data"):
        glmer("count ~ x + (1 | a)", sim, sm.families.Poisson(), offset="nope")


def test_offset_problems(sim):
    fam = sm.families.Poisson()
    data = sim.assign(z=np.where(np.arange(len(sim)) == 4, 0.0, sim["t"]))
    with pytest.raises(DataError, match="NaN or infinite .*log of a zero exposure"), \
            np.errstate(divide="ignore"):
        glmer("count ~ x + offset(log(z)) + (1 | a)", data, fam)
    with pytest.raises(DataError, match="offset must be one value per row"):
        glmer("count ~ x + (1 | a)", sim, fam, offset=np.zeros(3))
    nan = sim.assign(z=np.where(np.arange(len(sim)) == 4, np.nan, sim["t"]))
    with pytest.raises(MissingDataError, match="1 in the offset"):
        glmer("count ~ x + offset(log(z)) + (1 | a)", nan, fam, missing="raise")
    X = np.column_stack([np.ones(len(sim)), sim["x"]])
    off = np.where(np.arange(len(sim)) == 4, np.nan, 0.0)
    with pytest.raises(MissingDataError, match="1 in offset"):
        smc.CrossedGLM(sim["count"], X, sim["a"], family=fam, offset=off)
    with pytest.raises(DataError, match="offset has 3 values"):
        smc.CrossedGLM(sim["count"], X, sim["a"], family=fam, offset=np.zeros(3))


def test_lmm_formula_errors_unchanged(sim):
    """The GLMM additions to the formula frame do not reach CrossedLM."""
    with pytest.raises(DataError, match="is not numeric .* expands to columns"):
        smc.crossedlm("succ + fail ~ x + (1 | a)", sim)
    with pytest.raises(DataError, match="fixed part"):
        smc.crossedlm("x ~ t + offset(t) + (1 | a)", sim)


# -- failed fits ---------------------------------------------------------------------------
def separated(seed=3):
    rng = np.random.default_rng(seed)
    data = pd.DataFrame({"g": rng.integers(0, 10, 200).astype(str), "x": rng.normal(size=200)})
    data["y"] = (data["x"] > 0).astype(int)
    data["y2"] = rng.binomial(1, 0.3, 200)
    data.loc[data.index % 4 == 0, "y2"] = 0
    data["grp"] = np.where(data.index % 4 == 0, "zero", "other")
    return data


@pytest.mark.parametrize("formula,name", [("y ~ x + (1 | g)", "x"),
                                          ("y2 ~ grp + (1 | g)", "grp[T.zero]")])
def test_separation_is_a_clear_error(formula, name):
    model = glmer(formula, separated())
    with pytest.raises(PIRLSError, match=rf"largest: '{re.escape(name)}' = .*separated"):
        model.fit()


def test_invalid_means_from_the_link():
    rng = np.random.default_rng(4)
    data = pd.DataFrame({"g": rng.integers(0, 8, 300).astype(str), "x": rng.normal(size=300)})
    data["y"] = rng.gamma(4.0, np.exp(0.5 + 0.8 * data["x"]) / 4.0)
    model = glmer("y ~ x + (1 | g)", data, sm.families.Gamma())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # statsmodels' DomainWarning for the link
        with pytest.raises(PIRLSError, match="outside the range of the Gamma.*such as log"):
            model.fit()


def test_pirls_failure_at_the_optimum_raises(sim):
    model = glmer("binary ~ x + (1 | a)", sim)
    with pytest.raises(PIRLSError, match="did not converge in 1 iterations"):
        model.fit(maxit_pirls=1)


def test_predict_and_lrt_arguments(cbpp_fit, sim):
    with pytest.raises(ValueError, match="which must be 'mean' or 'linear'"):
        cbpp_fit.predict(which="response")
    with pytest.raises(ValueError, match="exog or newdata, not both"):
        cbpp_fit.predict(pd.DataFrame(), newdata=pd.DataFrame())
    with pytest.raises(ValueError, match="method must be 'hessian' or 'rx'"):
        cbpp_fit.cov_params(method="sandwich")
    other = glmer("binary ~ x + (1 | a)", sim).fit()
    with pytest.raises(ValueError, match="different numbers of observations"):
        cbpp_fit.compare_lr_test(other)
    with pytest.raises(ValueError, match="same number of parameters"):
        cbpp_fit.compare_lr_test(cbpp_fit)
    agq = smc.glmer("incidence + I(size - incidence) ~ 1 + (1 | herd)",
                    smc.datasets.load("cbpp"), family=sm.families.Binomial()).fit(nagq=5)
    with pytest.raises(ValueError, match=r"same nagq \(1 and 5\)"):
        cbpp_fit.compare_lr_test(agq)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")           # x has no group structure: singular
        lmm = smc.crossedlm("x ~ 1 + (1 | a)", sim).fit()
    with pytest.raises(TypeError, match="another CrossedGLM fit"):
        cbpp_fit.compare_lr_test(lmm)


def test_crossprod_is_not_a_glmm_attribute(cbpp_fit):
    with pytest.raises(AttributeError, match="PIRLS reweights"):
        cbpp_fit.model.crossprod
    with pytest.raises(NotImplementedError, match="objective"):
        cbpp_fit.model.loglike(np.zeros(4))
