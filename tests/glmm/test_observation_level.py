"""Observation-level random effects in binomial/Poisson GLMMs (overdispersion), as glmer.

lme4's grouseticks example adds ``(1 | INDEX)``, one level per observation.  An LMM
refuses such a term (it cannot be told apart from the residual); a Poisson model
has no residual variance, so glmer fits it and so must we.

Reference numbers: R 4.2.2, lme4 1.1-31,
``glmer(TICKS ~ YEAR + HEIGHT + (1|BROOD) + (1|INDEX) + (1|LOCATION), family=poisson,
control=glmerControl(optimizer="bobyqa", optCtrl=list(rhoend=1e-12, maxfun=1e5),
tolPwrss=1e-10))`` on the bundled grouseticks (YEAR, INDEX, BROOD, LOCATION as
factors).  lme4 warns that the model is nearly unidentifiable (HEIGHT's scale);
its optimum is 4.7e-5 above ours.
"""
import numpy as np
import pytest
import statsmodels.api as sm

import statsmodels_crossed.api as smc
from statsmodels_crossed.exceptions import DataError

LME4_THETA = [0.5415082451, 0.7500308112, 0.5287207728]     # INDEX, BROOD, LOCATION
LME4_M2LL = 1780.54270698
LME4_FIXEF = [11.35574829545, 1.18040875698, -0.97868586211, -0.02376026746]
FORMULA = "TICKS ~ YEAR + HEIGHT + (1 | BROOD) + (1 | INDEX) + (1 | LOCATION)"


@pytest.fixture(scope="module")
def ticks():
    d = smc.datasets.load("grouseticks")
    return d.assign(YEAR=d["YEAR"].astype(str))


def test_poisson_with_an_observation_level_effect_matches_glmer(ticks):
    res = smc.crossedglm(FORMULA, ticks, family=sm.families.Poisson()).fit()
    assert [t.group for t in res.reterms] == ["INDEX", "BROOD", "LOCATION"]
    assert -2 * res.llf <= LME4_M2LL + 1e-9 * LME4_M2LL
    np.testing.assert_allclose(-2 * res.llf, LME4_M2LL, rtol=1e-7)
    np.testing.assert_allclose(res.theta, LME4_THETA, rtol=1e-4)
    np.testing.assert_allclose(res.fe_params, LME4_FIXEF, rtol=1e-4)


def test_lmm_and_gamma_still_refuse_one_level_per_observation(ticks):
    with pytest.raises(DataError, match="each observation is its own group"):
        smc.crossedlm("TICKS ~ YEAR + (1 | INDEX) + (1 | BROOD)", ticks)
    with pytest.raises(DataError, match="each observation is its own group"):
        smc.crossedglm("TICKS ~ YEAR + (1 | INDEX) + (1 | BROOD)", ticks.assign(TICKS=ticks.TICKS + 1),
                       family=sm.families.Gamma(sm.families.links.Log()))
