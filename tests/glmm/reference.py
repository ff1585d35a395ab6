"""Fit each lme4 GLMM reference case once per test session, and brute-force helpers.

The reference formulas use lme4's ``cbind(successes, failures)``; the Laplace case is
fitted with statsmodels' two-column spelling ``incidence + I(size - incidence)`` instead,
so both spellings are exercised.
"""
import functools

import numpy as np
import statsmodels.api as sm

import statsmodels_crossed.api as smc
from tests.models.reference import reference_data
from tests.results import case_names, load_case

GLMM_CASES = case_names(model_type="GLMM")

FORMULAS = {"cbpp_binomial_laplace": "incidence + I(size - incidence) ~ period + (1 | herd)"}

FAMILIES = {("binomial", "logit"): sm.families.Binomial,
            ("poisson", "log"): sm.families.Poisson}


def family_of(case):
    return FAMILIES[(case["family"], case["link"])]()


def model_of(case_name):
    case = load_case(case_name)
    formula = FORMULAS.get(case_name, case["formula"])
    return case, smc.glmer(formula, reference_data(case), family=family_of(case))


@functools.lru_cache(maxsize=None)
def glmm_fitted(case_name):
    """(case, model, results) of our fit, computed once."""
    case, model = model_of(case_name)
    return case, model, model.fit(nagq=case["nAGQ"])


@functools.lru_cache(maxsize=None)
def glmm_at_lme4(case_name):
    """(case, results at lme4's (theta, beta), no optimization)."""
    case, model, _ = glmm_fitted(case_name)
    beta = list(case["fixef"].values())
    return case, model.results_at(case["theta"], beta, nagq=case["nAGQ"])


def lme4_convention(res):
    """-2 logLik as lme4 reports it: without the saturated constant for nAGQ > 1."""
    return -2 * res.llf - (res.saturated_constant if res.nagq > 1 else 0.0)


def dense_z(model, theta):
    """Dense Z Lambda (n x q) of a model with scalar terms, in lme4's term order."""
    terms = sorted(model.reterms, key=lambda t: -t.n_levels)
    cols = []
    for t, th in zip(terms, theta):
        Zt = np.zeros((len(t.codes), t.n_levels))
        Zt[np.arange(len(t.codes)), t.codes] = t.X[:, 0] * th
        cols.append(Zt)
    return np.hstack(cols)
