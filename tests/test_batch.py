"""fit_many: a process pool gives the same fits as fitting one after the other."""
import operator

import numpy as np
import pytest
import statsmodels.api as sm

import statsmodels_crossed.api as smc

FORMULA = "Reaction ~ Days + (Days | Subject)"


@pytest.fixture(scope="module")
def halves():
    sleep = smc.datasets.load("sleepstudy")
    return [sleep.iloc[::2], sleep.iloc[1::2], sleep.iloc[::3]]


def test_pool_equals_sequential_fits(halves):
    pooled = smc.fit_many(FORMULA, halves, processes=2,
                          extract=operator.attrgetter("fe_params", "theta"))
    for data, (fe, theta) in zip(halves, pooled):
        res = smc.crossedlm(FORMULA, data).fit()
        np.testing.assert_allclose(fe, res.fe_params, rtol=1e-12)
        np.testing.assert_allclose(theta, res.theta, rtol=1e-10)


def test_whole_results_come_back_and_fit_options_pass_through(halves):
    res = smc.fit_many(FORMULA, halves[:2], processes=1, fit_kwargs={"reml": False})
    assert [r.reml for r in res] == [False, False]
    assert res[0].summary() is not None


def test_glmm_through_family():
    cbpp = smc.datasets.load("cbpp")
    cbpp = cbpp.assign(prop=cbpp["incidence"] / cbpp["size"])
    out = smc.fit_many("prop ~ period + (1 | herd)", [cbpp, cbpp], processes=2,
                       family=sm.families.Binomial(),
                       model_kwargs={"weights": cbpp["size"].to_numpy()},
                       extract=operator.attrgetter("llf"))
    want = smc.crossedglm("prop ~ period + (1 | herd)", cbpp, family=sm.families.Binomial(),
                          weights=cbpp["size"].to_numpy()).fit().llf
    np.testing.assert_allclose(out, [want, want], rtol=1e-10)


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2"])
def test_bad_process_count(halves, bad):
    with pytest.raises(ValueError, match="processes must be a positive integer"):
        smc.fit_many(FORMULA, halves, processes=bad)
